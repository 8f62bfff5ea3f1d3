//! Public profiles a workspace follows (competitors, creators): the data is the shared cache,
//! the list is the workspace's own. Every query filters by the caller's workspace.

use platform::{AppState, Ctx, Error, Permission, Result, Scope, audit, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::profiles;
use crate::{
    jobs::RefreshProfile,
    model::{profile, tracked},
    source::Username,
};

#[derive(Debug, Clone)]
pub struct TrackedProfile {
    pub tracked: tracked::Model,
    pub profile: profile::Model,
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<TrackedProfile>> {
    ctx.require(Permission::WorkspaceRead)?;
    let rows = tracked::Entity::find()
        .filter(tracked::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .order_by_asc(tracked::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let profiles = profile::Entity::find()
        .filter(profile::Column::Id.is_in(rows.iter().map(|t| t.profile_id)))
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|t| {
            profiles
                .iter()
                .find(|p| p.id == t.profile_id)
                .cloned()
                .map(|profile| TrackedProfile {
                    tracked: t,
                    profile,
                })
        })
        .collect())
}

/// The longest note on a tracked profile, in characters (the form's `maxlength` too).
pub const NOTE_MAX: usize = 200;

/// A note as typed, trimmed; too long is refused (never cut short behind the user's back).
pub fn checked_note(raw: &str) -> Result<Option<String>> {
    let note = raw.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(Error::validation(
            "note",
            format!("A note can be at most {NOTE_MAX} characters long"),
        ));
    }
    Ok(Some(note.to_string()).filter(|n| !n.is_empty()))
}

/// Follows a public profile (a competitor) and queues its refresh. Real public data unless
/// `as_demo` is asked for or the username is a demo username; without a live public source a
/// real username is refused (`source-not-configured`) and nothing is stored — the same rule
/// as for accounts ([`profiles::pool_for_new`]).
pub async fn track(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    note: &str,
    as_demo: bool,
) -> Result<TrackedProfile> {
    ctx.require(Permission::WorkspaceWrite)?;
    track_in(state, &Scope::of(ctx)?, username, note, as_demo, Some(ctx)).await
}

/// [`track`] in the scope's workspace; `by` is the member acting (`None`: the command line).
pub async fn track_in(
    state: &AppState,
    scope: &Scope,
    username: &str,
    note: &str,
    as_demo: bool,
    by: Option<&Ctx>,
) -> Result<TrackedProfile> {
    let username = Username::parse(username)?;
    let pool = profiles::pool_for_new(state, &username, as_demo).await?;
    let note = checked_note(note)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let profile = profiles::find_or_create(&txn, pool, username.as_str()).await?;
    let tracked = insert(&txn, scope, &profile, note, by).await?;
    RefreshProfile::enqueue(&txn, profile.id, Some(scope.workspace_id())).await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(TrackedProfile { tracked, profile })
}

/// Follows a profile already in the shared pool (one found in creator discovery), by its id.
/// Its data is refreshed as any tracked profile's when a source can give it (demo data, or
/// real data with a live public source); without one the stored figures stay, each with its
/// source and time, rather than the tracking being refused.
pub async fn track_existing_in(
    state: &AppState,
    scope: &Scope,
    profile_id: Uuid,
    note: &str,
    by: Option<&Ctx>,
) -> Result<TrackedProfile> {
    let note = checked_note(note)?;
    let profile = profiles::get(&state.db, profile_id).await?;
    let refresh = profile.pool == profiles::Pool::Demo.as_str()
        || crate::source::live_public_data(state).await;
    let txn = platform::db::begin_write(&state.db).await?;
    let tracked = insert(&txn, scope, &profile, note, by).await?;
    if refresh {
        RefreshProfile::enqueue(&txn, profile.id, Some(scope.workspace_id())).await?;
    }
    txn.commit().await?;
    state.jobs.wake();
    Ok(TrackedProfile { tracked, profile })
}

/// The tracking row and its audit event, in the caller's transaction.
async fn insert(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    profile: &profile::Model,
    note: Option<String>,
    by: Option<&Ctx>,
) -> Result<tracked::Model> {
    let workspace_id = scope.workspace_id();
    let tracked = tracked::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        profile_id: Set(profile.id),
        note: Set(note),
        created_at: Set(now()),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            Error::validation("username", "Your workspace already tracks this profile")
        } else {
            e.into()
        }
    })?;
    let event = audit::Event::new("instagram.profile_tracked")
        .workspace(Some(workspace_id))
        .target("instagram_profile", profile.id)
        .detail(serde_json::json!({ "username": profile.username, "pool": profile.pool }));
    let event = match by {
        Some(ctx) => event.by(ctx),
        None => event.actor(None, "command line"),
    };
    audit::record(txn, event).await?;
    Ok(tracked)
}

/// The scope's workspace's tracking of a profile, if it tracks it.
pub async fn of_profile(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    profile_id: Uuid,
) -> Result<Option<tracked::Model>> {
    Ok(tracked::Entity::find()
        .filter(tracked::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(tracked::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?)
}

/// A profile the scope's workspace tracks; another workspace's id is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<tracked::Model> {
    tracked::Entity::find_by_id(id)
        .filter(tracked::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn untrack(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(&state.db, &Scope::of(ctx)?, id).await?;
    tracked::Entity::delete_by_id(row.id)
        .exec(&state.db)
        .await?;
    audit::record(
        &state.db,
        audit::Event::new("instagram.profile_untracked")
            .by(ctx)
            .target("instagram_profile", row.profile_id),
    )
    .await
}
