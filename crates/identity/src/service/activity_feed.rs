//! The workspace's recent activity as people read it: "Olivia added @demo.kitchen.sofia",
//! "Sam invited ana@example.com as Member", with links to what they name.
//!
//! The activity log stores dotted action codes and ids. Here identity resolves who acted (a
//! member's name; "the server administrator", "Stripe" for the system) from its own users table, then
//! every feature phrases its own actions through the describers registered in
//! `platform::home` — identity's own below, in [`describe`]. An action nobody phrases reads as
//! a neutral sentence, never as its code.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Permission, Result, Role, audit,
    home::{Actor, BoxFuture, Describer, Entry, Part, Sentence},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::model::{api_token, invitation, user};

/// How many entries the home shows.
pub const RECENT: u64 = 12;

/// One line of the recent activity.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub at: DateTime<Utc>,
    pub sentence: Sentence,
}

/// The newest activity of the caller's workspace, in sentences (those who may read the
/// activity log only: owners, admins, managers).
pub async fn recent(state: &AppState, ctx: &Ctx, limit: u64) -> Result<Vec<FeedItem>> {
    ctx.require(Permission::AuditRead)?;
    let hidden = state.home.hidden_actions();
    let events = audit::recent_in_workspace_except(&state.db, ctx, &hidden, limit).await?;
    let ids: HashSet<Uuid> = events.iter().filter_map(actor_id).collect();
    let names = user_names(&state.db, ids).await?;
    let platform_name = state.platform_name();
    let entries = events
        .into_iter()
        .map(|event| Entry {
            actor: actor(&event, &names, &platform_name),
            event,
        })
        .collect();
    Ok(state
        .home
        .describe(state, ctx, entries)
        .await
        .into_iter()
        .map(|(entry, sentence)| FeedItem {
            at: entry.event.created_at,
            sentence,
        })
        .collect())
}

/// The acting user: the entry's user id, or a `user:{id}` label (billing writes those).
fn actor_id(e: &audit::AuditEvent) -> Option<Uuid> {
    e.actor_user_id.or_else(|| {
        e.actor_label
            .strip_prefix("user:")
            .and_then(|id| Uuid::parse_str(id).ok())
    })
}

async fn user_names(
    conn: &impl ConnectionTrait,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Who acted, as people call them. Labels of the system (`command line`, `stripe:evt_…`,
/// `staff:…`) become words; a person who has left the platform is "a former member" (their
/// stored label may be an id stub after erasure).
fn actor(e: &audit::AuditEvent, names: &HashMap<Uuid, String>, platform_name: &str) -> Actor {
    let person = |name: &str| Actor {
        name: name.to_string(),
        person: true,
    };
    let system = |name: &str| Actor {
        name: name.to_string(),
        person: false,
    };
    if let Some(id) = actor_id(e) {
        return match names.get(&id) {
            Some(name) => person(name),
            None => person("a former member"),
        };
    }
    let label = e.actor_label.trim().to_lowercase();
    match label.as_str() {
        // `growthdeck demo`, `growthdeck user create`: whoever runs the server.
        "command line" => system("the server administrator"),
        "instagram" => system("Instagram"),
        "system" => system(platform_name),
        "anonymous" | "" => system("someone"),
        l if l.starts_with("stripe") => system("Stripe"),
        l if l.starts_with("staff") || l.contains("(staff:") => system("the support team"),
        l if l.starts_with("deleted user") => person("a former member"),
        _ => system("someone"),
    }
}

// ---- identity's own actions -----------------------------------------------------------------

/// Identity's describer: workspace, member, invitation and API-token actions. Sign-ins,
/// password and two-factor changes stay out of the team's recent activity.
pub fn describer() -> Describer {
    Describer {
        actions: &["user.", "member.", "workspace.", "token."],
        hidden: &[
            "auth.",
            "session.",
            "user.password",
            "user.2fa",
            "user.backup_codes",
            "user.email",
            "user.google_linked",
        ],
        describe: describe_boxed,
    }
}

fn describe_boxed(
    state: AppState,
    ctx: Ctx,
    entries: Vec<Entry>,
) -> BoxFuture<'static, Result<HashMap<Uuid, Sentence>>> {
    Box::pin(async move { describe(&state, &ctx, entries).await })
}

/// What identity's sentences name beyond the actor: people, invitations and tokens, looked up
/// in one query each, within the caller's workspace.
struct Objects {
    users: HashMap<Uuid, String>,
    invitations: HashMap<Uuid, (String, String)>,
    tokens: HashMap<Uuid, String>,
}

fn target_ids(entries: &[Entry], kind: &str) -> HashSet<Uuid> {
    entries
        .iter()
        .filter(|e| e.event.target_type.as_deref() == Some(kind))
        .filter_map(|e| e.event.target_id.as_deref())
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect()
}

async fn objects(state: &AppState, ctx: &Ctx, entries: &[Entry]) -> Result<Objects> {
    let ws = ctx.workspace_id()?;
    let users = user_names(&state.db, target_ids(entries, "user")).await?;
    let invitation_ids = target_ids(entries, "invitation");
    let invitations = if invitation_ids.is_empty() {
        HashMap::new()
    } else {
        invitation::Entity::find()
            .filter(invitation::Column::WorkspaceId.eq(ws))
            .filter(invitation::Column::Id.is_in(invitation_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|i| (i.id, (i.email_lower, i.role)))
            .collect()
    };
    let token_ids = target_ids(entries, "api_token");
    let tokens = if token_ids.is_empty() {
        HashMap::new()
    } else {
        api_token::Entity::find()
            .filter(api_token::Column::WorkspaceId.eq(ws))
            .filter(api_token::Column::Id.is_in(token_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    Ok(Objects {
        users,
        invitations,
        tokens,
    })
}

pub async fn describe(
    state: &AppState,
    ctx: &Ctx,
    entries: Vec<Entry>,
) -> Result<HashMap<Uuid, Sentence>> {
    let objects = objects(state, ctx, &entries).await?;
    Ok(entries
        .iter()
        .filter_map(|e| sentence(e, &objects).map(|s| (e.event.id, s)))
        .collect())
}

const MEMBERS: &str = "/workspace/members";
const TOKENS: &str = "/workspace/tokens";
const SETTINGS: &str = "/workspace/settings";

fn detail_str<'a>(e: &'a Entry, key: &str) -> Option<&'a str> {
    e.event
        .detail
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
}

fn role_label(raw: Option<&str>) -> Option<&'static str> {
    raw.and_then(Role::parse).map(|r| r.label())
}

fn target_uuid(e: &Entry) -> Option<Uuid> {
    e.event
        .target_id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
}

fn sentence(e: &Entry, o: &Objects) -> Option<Sentence> {
    let who = e.actor.subject();
    fn text(s: impl Into<String>) -> Part {
        Part::text(s)
    }
    let target_user = || {
        target_uuid(e)
            .and_then(|id| o.users.get(&id).cloned())
            .unwrap_or_else(|| "a former member".into())
    };
    let invitation = || target_uuid(e).and_then(|id| o.invitations.get(&id));
    let token_name = || {
        target_uuid(e)
            .and_then(|id| o.tokens.get(&id).cloned())
            .or_else(|| detail_str(e, "name").map(str::to_string))
    };
    let parts = match e.event.action.as_str() {
        "user.signed_up" | "workspace.created" => {
            vec![text(format!("{who} created the workspace."))]
        }
        "workspace.renamed" => {
            let to = detail_str(e, "to")?;
            let mut parts = vec![text(format!("{who} renamed the workspace "))];
            if let Some(from) = detail_str(e, "from") {
                parts.push(text(format!("from “{from}” ")));
            }
            parts.push(text("to "));
            parts.push(Part::link(format!("“{to}”"), SETTINGS));
            parts.push(text("."));
            parts
        }
        "workspace.ownership_transferred" => vec![
            text(format!("{who} handed ownership of the workspace to ")),
            Part::link(target_user(), MEMBERS),
            text("."),
        ],
        "member.invited" => {
            let email = detail_str(e, "email")
                .map(str::to_string)
                .or_else(|| invitation().map(|(email, _)| email.clone()))?;
            let mut parts = vec![text(format!("{who} invited ")), Part::link(email, MEMBERS)];
            match role_label(detail_str(e, "role")) {
                Some(role) => parts.push(text(format!(" as {role}."))),
                None => parts.push(text(".")),
            }
            parts
        }
        "member.invitation_revoked" => match invitation() {
            Some((email, _)) => vec![
                text(format!("{who} withdrew the invitation of ")),
                Part::link(email.clone(), MEMBERS),
                text("."),
            ],
            None => vec![text(format!("{who} withdrew an invitation."))],
        },
        "member.joined" => {
            let role = invitation().and_then(|(_, role)| role_label(Some(role)));
            vec![
                text(format!("{who} joined the ")),
                Part::link("workspace", MEMBERS),
                text(match role {
                    Some(role) => format!(" as {role}."),
                    None => ".".into(),
                }),
            ]
        }
        "member.role_changed" => {
            let to = role_label(detail_str(e, "to"))?;
            vec![
                text(format!("{who} made ")),
                Part::link(target_user(), MEMBERS),
                text(format!(" {} {to}.", article(to))),
            ]
        }
        "member.removed" => vec![
            text(format!("{who} removed ")),
            Part::link(target_user(), MEMBERS),
            text(" from the workspace."),
        ],
        "member.left" => vec![text(format!("{who} left the workspace."))],
        "token.created" => match token_name() {
            Some(name) => vec![
                text(format!("{who} created the API token ")),
                Part::link(format!("“{name}”"), TOKENS),
                text("."),
            ],
            None => vec![
                text(format!("{who} created an ")),
                Part::link("API token", TOKENS),
                text("."),
            ],
        },
        "token.revoked" => match token_name() {
            Some(name) => vec![
                text(format!("{who} revoked the API token ")),
                Part::link(format!("“{name}”"), TOKENS),
                text("."),
            ],
            None => vec![text(format!("{who} revoked an API token."))],
        },
        _ => return None,
    };
    Some(Sentence(parts))
}

/// "a Manager", "an Admin".
fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, label: &str, user: Option<Uuid>) -> audit::AuditEvent {
        audit::AuditEvent {
            id: Uuid::now_v7(),
            workspace_id: None,
            actor_user_id: user,
            actor_label: label.into(),
            action: action.into(),
            target_type: None,
            target_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
            detail: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn system_actors_read_as_words_never_as_labels() {
        let names = HashMap::new();
        let cases = [
            ("command line", "the server administrator"),
            ("instagram", "Instagram"),
            ("stripe:evt_1Nq2", "Stripe"),
            ("staff:ops@example.com", "the support team"),
            ("system", "Growthdeck"),
            ("deleted user 0190a1b2", "a former member"),
            ("anonymous", "someone"),
        ];
        for (label, want) in cases {
            assert_eq!(
                actor(&event("x.y", label, None), &names, "Growthdeck").name,
                want,
                "{label}"
            );
        }
        let olivia = Uuid::now_v7();
        let names = HashMap::from([(olivia, "Olivia".to_string())]);
        let a = actor(
            &event("x.y", &format!("user:{olivia}"), None),
            &names,
            "Growthdeck",
        );
        assert_eq!((a.name.as_str(), a.person), ("Olivia", true));
        let gone = actor(
            &event("x.y", "old@example.com", Some(Uuid::now_v7())),
            &names,
            "G",
        );
        assert_eq!(gone.name, "a former member");
    }

    #[test]
    fn articles() {
        assert_eq!(article("Admin"), "an");
        assert_eq!(article("Manager"), "a");
    }
}
