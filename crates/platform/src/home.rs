//! The workspace home's ports. `/home` belongs to the identity feature, but what an agency
//! opens the app for (its Instagram accounts, what needs attention) belongs to other features,
//! and identity must not read their tables. So features contribute:
//!
//! - **panels** ([`PanelFn`]): a section of the home rendered by the feature from its own
//!   template, in its order, plus the items it adds to the first-steps checklist of a new
//!   workspace;
//! - **activity describers** ([`Describer`]): the sentences people read for the feature's own
//!   activity-log actions ("Olivia added @demo.kitchen.sofia"), with links to the objects. An
//!   action no describer phrases reads as a neutral sentence, never as its code.
//!
//! Features contribute them in their [`crate::Feature`] (`home_panels`, `describers`);
//! [`crate::feature::assemble`] composes them for the binary and the test kit alike.

use std::{collections::HashMap, sync::Arc};

pub use futures::future::BoxFuture;
use uuid::Uuid;

use crate::{AppState, Ctx, Result, audit::AuditEvent};

// ---- panels ---------------------------------------------------------------------------------

/// A feature's section of the workspace home.
#[derive(Debug, Clone, Default)]
pub struct HomePanel {
    /// Sort key among the panels: lower comes first.
    pub order: u16,
    /// The section's HTML, rendered (and escaped) by the feature's own template; `None` when
    /// the workspace has nothing of this feature yet (every panel `None`: an empty workspace,
    /// which gets the first-steps checklist instead).
    pub html: Option<String>,
    /// Items this feature adds to the first-steps checklist.
    pub first_steps: Vec<FirstStep>,
}

/// One item of the first-steps checklist, ticked when done.
#[derive(Debug, Clone)]
pub struct FirstStep {
    /// Sort key within the checklist: lower comes first.
    pub order: u16,
    pub title: String,
    /// One sentence on what it gives.
    pub hint: String,
    pub href: String,
    /// The link's text ("Add an account").
    pub link: String,
    pub done: bool,
}

/// A feature's home panel for the caller's workspace (`None`: nothing to contribute, e.g. the
/// caller may not see this feature).
pub type PanelFn = fn(AppState, Ctx) -> BoxFuture<'static, Result<Option<HomePanel>>>;

// ---- activity sentences ---------------------------------------------------------------------

/// Who did something, as people call them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A member's name, or what the system was ("the server administrator", "Instagram").
    pub name: String,
    /// A person (a member, past or present) rather than the system: describers may say
    /// "Olivia added …" for a person and "… was added by the server administrator" otherwise.
    pub person: bool,
}

impl Actor {
    /// The name at the start of a sentence ("The command line added …").
    pub fn subject(&self) -> String {
        let mut chars = self.name.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

/// An activity-log entry with its actor resolved.
#[derive(Debug, Clone)]
pub struct Entry {
    pub event: AuditEvent,
    pub actor: Actor,
}

/// A piece of a sentence: plain text, or a link to the object it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Link { text: String, href: String },
}

impl Part {
    pub fn text(s: impl Into<String>) -> Part {
        Part::Text(s.into())
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Part {
        Part::Link {
            text: text.into(),
            href: href.into(),
        }
    }

    /// The text a reader sees.
    pub fn as_str(&self) -> &str {
        match self {
            Part::Text(s) => s,
            Part::Link { text, .. } => text,
        }
    }

    /// The link target, or `""` for plain text.
    pub fn href(&self) -> &str {
        match self {
            Part::Text(_) => "",
            Part::Link { href, .. } => href,
        }
    }
}

/// A sentence about one activity-log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sentence(pub Vec<Part>);

impl Sentence {
    /// The sentence as plain text (tests, notifications).
    pub fn plain(&self) -> String {
        self.0.iter().map(Part::as_str).collect()
    }

    /// What an entry reads as when no describer phrases its action: neutral, never the code.
    pub fn neutral(actor: &Actor) -> Sentence {
        if actor.person {
            Sentence(vec![Part::text(format!(
                "{} made a change in the workspace.",
                actor.subject()
            ))])
        } else {
            Sentence(vec![Part::text(format!(
                "A change was made in the workspace by {}.",
                actor.name
            ))])
        }
    }
}

/// Phrases a batch of entries of the feature's own actions; one call per page, so a describer
/// can look up what it needs (names of objects, whether they still exist) in a query or two,
/// through the caller's workspace only. Entries it cannot phrase are left out of the map.
pub type DescribeFn =
    fn(AppState, Ctx, Vec<Entry>) -> BoxFuture<'static, Result<HashMap<Uuid, Sentence>>>;

/// A feature's describer and the actions it owns.
#[derive(Clone, Copy)]
pub struct Describer {
    /// Prefixes of the actions it phrases (`"instagram."`).
    pub actions: &'static [&'static str],
    /// Prefixes (or whole names) of its actions the workspace's recent activity leaves out:
    /// personal security events such as sign-ins are not news for the team.
    pub hidden: &'static [&'static str],
    pub describe: DescribeFn,
}

impl Describer {
    fn owns(&self, action: &str) -> bool {
        self.actions.iter().any(|p| action.starts_with(p))
    }
}

// ---- times --------------------------------------------------------------------------------

/// "just now", "5 minutes ago", "yesterday", "12 days ago", then the date: how the home says
/// when something happened or was fetched (the exact time goes in a tooltip).
pub fn ago(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match secs {
        0..60 => "just now".into(),
        60..3_600 => plural(secs / 60, "minute"),
        3_600..86_400 => plural(secs / 3_600, "hour"),
        86_400..172_800 => "yesterday".into(),
        172_800..2_592_000 => plural(secs / 86_400, "day"),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

// ---- the registry ---------------------------------------------------------------------------

/// Every panel and describer the features registered.
#[derive(Clone, Default)]
pub struct Home {
    panels: Arc<Vec<PanelFn>>,
    describers: Arc<Vec<Describer>>,
}

impl Home {
    pub fn new(panels: Vec<PanelFn>, describers: Vec<Describer>) -> Self {
        Home {
            panels: Arc::new(panels),
            describers: Arc::new(describers),
        }
    }

    /// The panels for the caller, in their order, and how many could not be worked out. A
    /// panel that fails is logged and left out: one feature's trouble does not take the whole
    /// home page down (the page says a section is missing).
    pub async fn panels(&self, state: &AppState, ctx: &Ctx) -> (Vec<HomePanel>, usize) {
        let mut out = Vec::new();
        let mut failed = 0;
        for panel in self.panels.iter() {
            match panel(state.clone(), ctx.clone()).await {
                Ok(Some(p)) => out.push(p),
                Ok(None) => {}
                Err(e) => {
                    failed += 1;
                    tracing::warn!(error = %e, "a home panel could not be worked out");
                }
            }
        }
        out.sort_by_key(|p| p.order);
        (out, failed)
    }

    /// Action prefixes the recent activity leaves out.
    pub fn hidden_actions(&self) -> Vec<&'static str> {
        self.describers
            .iter()
            .flat_map(|d| d.hidden.iter().copied())
            .collect()
    }

    /// A sentence for every entry, in the entries' order: each feature phrases its own
    /// actions; the rest (and any a describer could not phrase) read neutrally.
    pub async fn describe(
        &self,
        state: &AppState,
        ctx: &Ctx,
        entries: Vec<Entry>,
    ) -> Vec<(Entry, Sentence)> {
        let mut phrased: HashMap<Uuid, Sentence> = HashMap::new();
        for d in self.describers.iter() {
            let mine: Vec<Entry> = entries
                .iter()
                .filter(|e| d.owns(&e.event.action))
                .cloned()
                .collect();
            if mine.is_empty() {
                continue;
            }
            match (d.describe)(state.clone(), ctx.clone(), mine).await {
                Ok(map) => phrased.extend(map),
                Err(e) => tracing::warn!(error = %e, "activity could not be described"),
            }
        }
        entries
            .into_iter()
            .map(|e| {
                let sentence = phrased
                    .remove(&e.event.id)
                    .unwrap_or_else(|| Sentence::neutral(&e.actor));
                (e, sentence)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_sentences_never_name_the_action() {
        let olivia = Actor {
            name: "Olivia".into(),
            person: true,
        };
        assert_eq!(
            Sentence::neutral(&olivia).plain(),
            "Olivia made a change in the workspace."
        );
        let cli = Actor {
            name: "the server administrator".into(),
            person: false,
        };
        assert_eq!(
            Sentence::neutral(&cli).plain(),
            "A change was made in the workspace by the server administrator."
        );
    }

    #[test]
    fn times_read_as_people_say_them() {
        use chrono::{Duration, Utc};
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(ago(now - Duration::minutes(5), now), "5 minutes ago");
        assert_eq!(ago(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(ago(now - Duration::hours(30), now), "yesterday");
        assert_eq!(ago(now - Duration::days(12), now), "12 days ago");
        let old = now - Duration::days(45);
        assert_eq!(ago(old, now), old.format("%Y-%m-%d").to_string());
    }

    #[test]
    fn a_describer_owns_its_prefixes() {
        fn none(
            _: AppState,
            _: Ctx,
            _: Vec<Entry>,
        ) -> BoxFuture<'static, Result<HashMap<Uuid, Sentence>>> {
            Box::pin(async { Ok(HashMap::new()) })
        }
        let d = Describer {
            actions: &["instagram."],
            hidden: &[],
            describe: none,
        };
        assert!(d.owns("instagram.account_added"));
        assert!(!d.owns("member.invited"));
    }
}
