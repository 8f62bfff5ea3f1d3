//! Instagram's part of the workspace home (`platform::home`): a panel with every account of
//! the workspace — picture, followers and their 7- and 30-day change, engagement of the last 30
//! days with its trend, posts of the last 30 days, last refresh, source — and the accounts that
//! need attention; the first steps it adds to an empty workspace's checklist; and the
//! sentences its activity-log actions read as.

pub mod activity;
pub mod figures;

use askama::Template;
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Permission, Result,
    home::{BoxFuture, Describer, FirstStep, HomePanel, ago},
};

use crate::{
    media,
    pages::format::{count, source_label, when},
    service::{accounts::Kind, views::DEFINITION_LINK},
    source::Source,
};
use figures::{AccountFigures, Attention};

/// Where the panel sits among the home's sections.
pub const ORDER: u16 = 100;

/// The panel function `platform::home` calls for each home page.
pub fn panel() -> platform::home::PanelFn {
    panel_boxed
}

fn panel_boxed(state: AppState, ctx: Ctx) -> BoxFuture<'static, Result<Option<HomePanel>>> {
    Box::pin(async move { home_panel(&state, &ctx).await })
}

/// How the feature's activity-log actions read on the home.
pub fn describer() -> Describer {
    activity::describer()
}

struct Row {
    href: String,
    username: String,
    full_name: String,
    initial: String,
    /// `/media/{id}`; empty: none (the initial is shown).
    picture: String,
    followers: String,
    change_7d: Change,
    change_30d: Change,
    engagement: String,
    trend: Change,
    posts_30d: String,
    /// When the figures were fetched: "3 hours ago", and exactly (tooltip).
    fetched: Moment,
    /// The last refresh, shown apart only when it is not the fetch (it failed, or none ran).
    last_refresh: Option<Moment>,
    source_label: &'static str,
    demo: bool,
}

struct Moment {
    ago: String,
    exact: String,
}

impl Moment {
    fn of(at: Option<&DateTime<Utc>>, now: DateTime<Utc>) -> Moment {
        Moment {
            ago: at.map(|t| ago(*t, now)).unwrap_or_else(|| "not yet".into()),
            exact: when(at),
        }
    }
}

/// A signed change: its text and whether it went up, down or nowhere.
struct Change {
    text: String,
    /// `up`, `down`, `flat` or `none` (unknown): the CSS modifier.
    direction: &'static str,
    /// What the change is measured against, for screen readers and the tooltip.
    title: String,
}

impl Change {
    fn count(delta: Option<i64>, span: &str) -> Change {
        match delta {
            None => Change {
                text: "—".into(),
                direction: "none",
                title: format!("Not enough history yet for {span}"),
            },
            Some(d) => Change {
                text: if d > 0 {
                    format!("+{}", count(Some(d)))
                } else if d < 0 {
                    format!("−{}", count(Some(-d)))
                } else {
                    "±0".into()
                },
                direction: direction(d as f64),
                title: format!("Change in followers over {span}"),
            },
        }
    }

    fn trend(f: &AccountFigures) -> Change {
        match f.engagement_trend() {
            None => Change {
                text: String::new(),
                direction: "none",
                title: String::new(),
            },
            Some(t) => {
                let pct = (t * 100.0).round();
                Change {
                    text: if pct > 0.0 {
                        format!("↑ {pct:.0} %")
                    } else if pct < 0.0 {
                        format!("↓ {:.0} %", -pct)
                    } else {
                        "→ 0 %".into()
                    },
                    direction: direction(pct),
                    title: format!(
                        "Against the 30 days before ({})",
                        rate2(f.engagement_before)
                    ),
                }
            }
        }
    }
}

fn direction(d: f64) -> &'static str {
    if d > 0.0 {
        "up"
    } else if d < 0.0 {
        "down"
    } else {
        "flat"
    }
}

fn rate2(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2} %")).unwrap_or_else(|| "—".into())
}

struct AttentionRow {
    username: String,
    href: String,
    reason: String,
    action_href: String,
    action: &'static str,
    severity: &'static str,
}

#[derive(Template)]
#[template(path = "instagram/_home_panel.html")]
struct Panel {
    rows: Vec<Row>,
    attention: Vec<AttentionRow>,
    any_demo: bool,
    definition_link: &'static str,
}

fn account_href(f: &AccountFigures) -> String {
    format!("/instagram/accounts/{}", f.card.account.id)
}

fn attention_row(f: &AccountFigures, a: &Attention) -> AttentionRow {
    let (reason, action_href, action, severity) = match a {
        Attention::Reconnect => (
            "Instagram no longer accepts its connection: connect it again to keep its data current."
                .to_string(),
            "/instagram/connect".to_string(),
            "Connect again",
            "danger",
        ),
        Attention::RefreshFailing { error, at } => (
            format!("The last refresh ({}) failed: {error}", when(at.as_ref())),
            account_href(f),
            "Open the account",
            "warning",
        ),
        Attention::EngagementDropped(c) => (
            format!(
                "Engagement fell by {:.0} % against the previous 30 days ({:.2} % → {:.2} %).",
                (1.0 - c.now / c.before) * 100.0,
                c.before,
                c.now
            ),
            account_href(f),
            "See its posts",
            "warning",
        ),
    };
    AttentionRow {
        username: f.card.profile.username.clone(),
        href: account_href(f),
        reason,
        action_href,
        action,
        severity,
    }
}

async fn home_panel(state: &AppState, ctx: &Ctx) -> Result<Option<HomePanel>> {
    if !ctx.can(Permission::WorkspaceRead) {
        return Ok(None);
    }
    let overview = figures::overview(state, ctx).await?;
    let first_steps = if ctx.can(Permission::WorkspaceWrite) {
        let has = |demo: bool| {
            overview
                .accounts
                .iter()
                .any(|f| (f.card.account.kind == Kind::Demo.as_str()) == demo)
        };
        vec![
            FirstStep {
                order: 100,
                title: "Connect or add an Instagram account".into(),
                hint: "Connect with Instagram for private insights, or add any account by username for its public figures.".into(),
                href: "/instagram".into(),
                link: "Add an account".into(),
                done: has(false),
            },
            FirstStep {
                order: 300,
                title: "Try the demo".into(),
                hint: "A demo account has a year of generated data, clearly labelled, to see every page at work before you connect a real one.".into(),
                href: "/instagram#add-title".into(),
                link: "Add a demo account".into(),
                done: has(true),
            },
        ]
    } else {
        Vec::new()
    };
    if overview.accounts.is_empty() {
        return Ok(Some(HomePanel {
            order: ORDER,
            html: None,
            first_steps,
        }));
    }
    let pictures = media::proxied_all(
        &state.db,
        &state.config,
        overview
            .accounts
            .iter()
            .filter_map(|f| f.card.profile.picture_url.as_deref()),
    )
    .await?;
    let attention = overview
        .attention
        .iter()
        .filter_map(|(i, a)| overview.accounts.get(*i).map(|f| attention_row(f, a)))
        .collect();
    let now = Utc::now();
    let rows: Vec<Row> = overview
        .accounts
        .iter()
        .map(|f| {
            let p = &f.card.profile;
            Row {
                href: account_href(f),
                username: p.username.clone(),
                full_name: p.full_name.clone().unwrap_or_default(),
                initial: p
                    .username
                    .chars()
                    .next()
                    .unwrap_or('?')
                    .to_uppercase()
                    .to_string(),
                picture: pictures.get(p.picture_url.as_deref()).unwrap_or_default(),
                followers: count(f.followers),
                change_7d: Change::count(f.change_7d, "7 days"),
                change_30d: Change::count(f.change_30d, "30 days"),
                engagement: rate2(f.engagement),
                trend: Change::trend(f),
                posts_30d: f.posts_30d.to_string(),
                fetched: Moment::of(p.fetched_at.as_ref(), now),
                last_refresh: match (p.last_refresh_at, p.fetched_at) {
                    (Some(r), Some(f)) if (r - f).num_seconds().abs() <= 60 => None,
                    (Some(r), _) => Some(Moment::of(Some(&r), now)),
                    (None, _) => None,
                },
                source_label: source_label(&p.source),
                demo: p.source == Source::Demo.as_str() || p.pool == "demo",
            }
        })
        .collect();
    let panel = Panel {
        any_demo: rows.iter().any(|r| r.demo),
        rows,
        attention,
        definition_link: DEFINITION_LINK,
    };
    let html = panel
        .render()
        .map_err(|e| platform::Error::internal(format!("home panel: {e}")))?;
    Ok(Some(HomePanel {
        order: ORDER,
        html: Some(html),
        first_steps,
    }))
}
