//! How the feature's activity-log actions read on the workspace home: "Olivia added
//! @demo.kitchen.sofia", "@brand.shop must be connected again". Links go to accounts that are
//! still in the workspace (looked up in one query, within the caller's workspace only).

use std::collections::{HashMap, HashSet};

use platform::{
    AppState, Ctx, Result,
    home::{BoxFuture, Describer, Entry, Part, Sentence},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    model::{account, profile},
    service::accounts::Kind,
};

pub fn describer() -> Describer {
    Describer {
        actions: &["instagram."],
        hidden: &[],
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

fn target(e: &Entry, kind: &str) -> Option<Uuid> {
    (e.event.target_type.as_deref() == Some(kind))
        .then_some(e.event.target_id.as_deref())
        .flatten()
        .and_then(|id| Uuid::parse_str(id).ok())
}

fn detail<'a>(e: &'a Entry, key: &str) -> Option<&'a str> {
    e.event
        .detail
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
}

pub async fn describe(
    state: &AppState,
    ctx: &Ctx,
    entries: Vec<Entry>,
) -> Result<HashMap<Uuid, Sentence>> {
    let ws = ctx.workspace_id()?;
    let account_ids: HashSet<Uuid> = entries
        .iter()
        .filter_map(|e| target(e, "instagram_account"))
        .collect();
    // Accounts still in this workspace get a link; removed ones are named only.
    let live: HashSet<Uuid> = if account_ids.is_empty() {
        HashSet::new()
    } else {
        account::Entity::find()
            .filter(account::Column::WorkspaceId.eq(ws))
            .filter(account::Column::Id.is_in(account_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    // Untracking names no username: the (public) profile does.
    let profile_ids: HashSet<Uuid> = entries
        .iter()
        .filter(|e| detail(e, "username").is_none())
        .filter_map(|e| target(e, "instagram_profile"))
        .collect();
    let usernames: HashMap<Uuid, String> = if profile_ids.is_empty() {
        HashMap::new()
    } else {
        profile::Entity::find()
            .filter(profile::Column::Id.is_in(profile_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.username))
            .collect()
    };
    Ok(entries
        .iter()
        .filter_map(|e| {
            let username = detail(e, "username").map(str::to_string).or_else(|| {
                target(e, "instagram_profile").and_then(|id| usernames.get(&id).cloned())
            })?;
            let account = target(e, "instagram_account").filter(|id| live.contains(id));
            sentence(e, &username, account).map(|s| (e.event.id, s))
        })
        .collect())
}

fn sentence(e: &Entry, username: &str, live_account: Option<Uuid>) -> Option<Sentence> {
    let handle = format!("@{username}");
    let name = || match live_account {
        Some(id) => Part::link(handle.clone(), format!("/instagram/accounts/{id}")),
        None => Part::text(handle.clone()),
    };
    let who = e.actor.subject();
    let by = &e.actor.name;
    let person = e.actor.person;
    let text = |s: String| Part::text(s);
    let parts = match e.event.action.as_str() {
        "instagram.account_added" => {
            let demo = detail(e, "kind") == Some(Kind::Demo.as_str());
            let what = if demo { "the demo account " } else { "" };
            if person {
                vec![
                    text(format!("{who} added {what}")),
                    name(),
                    text(".".into()),
                ]
            } else {
                let what = if demo { "The demo account " } else { "" };
                vec![
                    text(what.into()),
                    name(),
                    text(format!(" was added by {by}.")),
                ]
            }
        }
        "instagram.account_connected" => vec![
            text(format!("{who} connected ")),
            name(),
            text(" with Instagram.".into()),
        ],
        "instagram.account_reconnected" => vec![
            text(format!("{who} connected ")),
            name(),
            text(" again.".into()),
        ],
        "instagram.account_removed" => vec![
            text(format!("{who} removed ")),
            Part::text(handle.clone()),
            text(" from the workspace.".into()),
        ],
        "instagram.reconnect_needed" => vec![
            name(),
            text(" must be connected again: Instagram no longer accepts its connection.".into()),
        ],
        "instagram.profile_tracked" => {
            if person {
                vec![
                    text(format!("{who} started tracking ")),
                    Part::link(handle.clone(), "/instagram#tracked-title"),
                    text(".".into()),
                ]
            } else {
                vec![
                    Part::link(handle.clone(), "/instagram#tracked-title"),
                    text(format!(" is tracked (added by {by}).")),
                ]
            }
        }
        "instagram.profile_untracked" => vec![
            text(format!("{who} stopped tracking ")),
            Part::text(handle.clone()),
            text(".".into()),
        ],
        _ => return None,
    };
    Some(Sentence(parts))
}
