//! Calendar subscriptions (RFC 5545): each member may hold one secret feed URL per workspace
//! that lists the workspace's planned posts (timed events) and daily tasks (all-day events,
//! which Google and Apple calendars both show from a subscription — neither shows to-dos from
//! one). The token is shown once; the table keeps its SHA-256. Creating a new URL revokes the
//! old one; a revoked or unknown token, or one whose member left the workspace, is not found.
//! The calendar text is written by the `icalendar` crate (escaping, 75-octet folding, CRLF).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, Property};
use instagram::service::subject::{self, Subject};
use platform::{AppState, Ctx, Error, Permission, Result, Scope, config::Config, crypto, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::{SubjectKey, calendar, tasks, zone};
use crate::model::planner::calendar_feed;

/// The start of every feed token.
pub const PREFIX: &str = "gdc_";
/// Days of tasks back, and of planned posts back and ahead, a feed lists.
pub const PAST_DAYS: i64 = 30;
pub const FUTURE_DAYS: i64 = 365;
/// A planned post's length in calendars.
pub const POST_MINUTES: i64 = 30;

/// The caller's active feed in the current workspace.
pub async fn current(db: &impl ConnectionTrait, ctx: &Ctx) -> Result<Option<calendar_feed::Model>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(calendar_feed::Column::UserId.eq(ctx.user_id()))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .order_by_desc(calendar_feed::Column::CreatedAt)
        .one(db)
        .await?)
}

/// A new secret URL for the caller in the current workspace; the previous one stops working.
/// Returns the row and the token (shown once).
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    ctx: &Ctx,
) -> Result<(calendar_feed::Model, String)> {
    ctx.require(Permission::WorkspaceRead)?;
    let workspace_id = ctx.workspace_id()?;
    let secret = format!(
        "{PREFIX}{}",
        crypto::random_token().map_err(Error::internal)?
    );
    let txn = db.begin().await?;
    let t = now();
    revoke_all(&txn, workspace_id, ctx.user_id(), t).await?;
    let row = calendar_feed::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(ctx.user_id()),
        token_hash: Set(crypto::token_hash(&secret)),
        prefix: Set(secret.chars().take(PREFIX.len() + 6).collect()),
        created_at: Set(t),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

async fn revoke_all(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    at: chrono::DateTime<Utc>,
) -> Result<u64> {
    Ok(calendar_feed::Entity::update_many()
        .col_expr(calendar_feed::Column::RevokedAt, Expr::value(at))
        .filter(calendar_feed::Column::WorkspaceId.eq(workspace_id))
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// Revokes the caller's URL in the current workspace; none active is not found.
pub async fn revoke(db: &impl ConnectionTrait, ctx: &Ctx) -> Result<()> {
    ctx.require(Permission::WorkspaceRead)?;
    if revoke_all(db, ctx.workspace_id()?, ctx.user_id(), now()).await? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The subscribe URL of a token.
pub fn url(config: &Config, secret: &str) -> String {
    let base = config
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    format!("{base}/ics/{secret}.ics")
}

/// Text for a calendar's own name: no line breaks or separators (it is not escaped there).
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, ',' | ';' | '\\') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Text for an event: line breaks as `\n` only (the writer escapes `\n`, `,`, `;` and `\`;
/// carriage returns and other controls would break the line).
fn text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// The feed of `file` (`<token>.ics`).
pub async fn render(state: &AppState, file: &str) -> Result<String> {
    let secret = file.strip_suffix(".ics").ok_or(Error::NotFound)?;
    if !secret.starts_with(PREFIX) || secret.len() > 100 {
        return Err(Error::NotFound);
    }
    let feed = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(crypto::token_hash(secret)))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    if state
        .directory
        .role_of(state, feed.user_id, feed.workspace_id)
        .await?
        .is_none()
    {
        return Err(Error::NotFound);
    }
    let workspace = state.directory.find(state, feed.workspace_id).await?;
    // The workspace is the one the verified token names.
    let scope = Scope::for_system(feed.workspace_id);
    let subjects = subject::all_in(&state.db, &scope).await?;
    let mut known: HashMap<(&'static str, Uuid), (String, Tz)> = HashMap::new();
    for s in &subjects {
        let key = SubjectKey::of(&scope, s);
        let tz = zone::of(&state.db, &key).await?;
        if let Subject::Account(_) = s {
            tasks::ensure_today(state, &key, s, tz).await?;
        }
        known.insert((key.kind, key.id), (s.profile().username.clone(), tz));
    }
    let today = Utc::now().date_naive();
    let task_rows = tasks::in_workspace(
        &state.db,
        &scope,
        today - Duration::days(PAST_DAYS),
        today + Duration::days(2),
    )
    .await?;
    let items = calendar::in_workspace(
        &state.db,
        &scope,
        Utc::now() - Duration::days(PAST_DAYS),
        Utc::now() + Duration::days(FUTURE_DAYS),
    )
    .await?;

    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Growthdeck//Planner//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .append_property((
            "X-WR-CALNAME",
            plain(&format!("{} plan", workspace.name)).as_str(),
        ))
        // Calendars poll a subscription at the interval the feed suggests (at best).
        .append_property(
            Property::new("REFRESH-INTERVAL", "PT1H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(("X-PUBLISHED-TTL", "PT1H"));
    for t in task_rows {
        let Some((username, _)) = known.get(&(kind_of(&t.subject_kind), t.subject_id)) else {
            continue;
        };
        let done = if t.done_at.is_some() { "✓ " } else { "" };
        let mut description = text(&t.detail);
        if let Some(link) = &t.link {
            description.push_str("\n\n");
            description.push_str(&text(link));
        }
        cal.push(
            Event::new()
                .uid(&format!("task-{}@growthdeck", t.id))
                .timestamp(t.done_at.unwrap_or(t.created_at))
                .summary(&text(&format!("{done}{} · @{username}", t.title)))
                .description(&description)
                .starts(t.day)
                .ends(t.day + Duration::days(1))
                .done(),
        );
    }
    for item in items {
        let Some((username, _)) = known.get(&(kind_of(&item.subject_kind), item.subject_id)) else {
            continue;
        };
        cal.push(
            Event::new()
                .uid(&format!("post-{}@growthdeck", item.id))
                .timestamp(item.updated_at)
                .summary(&text(&format!(
                    "{}: {} · @{username}",
                    calendar::media_label(&item.media_type),
                    item.title
                )))
                .description(&text(&item.note))
                .starts(item.slot_at)
                .ends(item.slot_at + Duration::minutes(POST_MINUTES))
                .done(),
        );
    }
    let mut row = feed.into_active_model();
    row.last_used_at = Set(Some(now()));
    row.update(&state.db).await?;
    Ok(cal.to_string())
}

fn kind_of(kind: &str) -> &'static str {
    if kind == super::TRACKED {
        super::TRACKED
    } else {
        super::ACCOUNT
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn events_are_escaped_folded_and_crlf() {
        let mut cal = Calendar::empty();
        cal.append_property(("VERSION", "2.0"));
        cal.push(
            Event::new()
                .uid("post-1@growthdeck")
                .timestamp(Utc::now())
                .summary(&text("Reel: launch, part 1; the \\ big one\r\nsecond line"))
                .description(&text(&"é".repeat(100)))
                .starts(Utc::now())
                .done(),
        );
        let out = cal.to_string();
        assert!(
            out.contains(r"SUMMARY:Reel: launch\, part 1\; the \\ big one\nsecond line"),
            "{out}"
        );
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
        assert!(out.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(plain("A, B; C\\D\nE"), "A  B  C D E");
    }
}
