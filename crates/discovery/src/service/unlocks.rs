//! Unlocks: what a workspace paid to see of a creator, for good and for its whole team — the
//! full analytics (`profile`, 25 credits by default) or the contact email (`email`).
//!
//! Invariants:
//! - One row per (workspace, creator, kind), by a unique index. Of parallel unlocks of the
//!   same creator exactly one inserts the `pending` row and pays; the others wait for it and
//!   answer "already unlocked" at no cost. So 50 parallel requests make one charge and one
//!   unlock.
//! - The payer counts one use of the plan's monthly meter (`profile_unlocks` /
//!   `email_unlocks`), then holds the credits (reserve), marks the row `unlocked` and spends
//!   them (capture). Any failure deletes the pending row, gives the meter's use back and
//!   releases the credits: a failed unlock costs nothing.
//! - A `pending` row older than [`ABANDONED_AFTER`] is left by a crashed request: the next
//!   unlock removes it and pays itself.
//! - An email unlock of a creator without a known email charges nothing and stores nothing.

use std::{collections::HashSet, time::Duration};

use chrono::Utc;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    credits::{Actor, charge_on_success},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, OnConflict},
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{creator, unlocks::unlock};

/// What an unlock opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Profile,
    Email,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Email => "email",
        }
    }

    /// The priced action (billing's price list).
    pub fn action(&self) -> &'static str {
        match self {
            Kind::Profile => "profile_unlock",
            Kind::Email => "email_unlock",
        }
    }

    /// The plan's monthly meter.
    pub fn meter(&self) -> &'static str {
        match self {
            Kind::Profile => "profile_unlocks",
            Kind::Email => "email_unlocks",
        }
    }
}

/// A pending unlock older than this was left by a request that died mid-charge.
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// How long a request waits for a parallel request's unlock of the same creator.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(15);

/// The answer to an unlock: what it cost and what is left.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryUnlockOutcome)]
pub struct Outcome {
    pub profile_id: Uuid,
    /// `profile` or `email`.
    pub kind: String,
    /// The workspace had already unlocked it: nothing was charged.
    pub already_unlocked: bool,
    /// Credits this request cost (0 when free, already unlocked, or not charged).
    pub cost: i64,
    /// Covered by a free use of the month.
    pub free: bool,
    /// The wallet's balance after this request.
    pub balance: i64,
    /// What the next unlock of this kind would cost.
    pub next_cost: i64,
    pub unlocked_at: chrono::DateTime<Utc>,
}

fn actor(ctx: &Ctx) -> Actor {
    Actor::User(ctx.user_id())
}

/// The creator of the index, or 404 (one lookup for the whole crate).
pub use super::lookalikes::creator_of;

async fn find(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    profile_id: Uuid,
    kind: Kind,
) -> Result<Option<unlock::Model>> {
    Ok(unlock::Entity::find()
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(unlock::Column::ProfileId.eq(profile_id))
        .filter(unlock::Column::Kind.eq(kind.as_str()))
        .one(conn)
        .await?)
}

/// Whether the workspace unlocked the creator's full analytics.
pub async fn is_unlocked(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    profile_id: Uuid,
) -> Result<bool> {
    Ok(find(conn, scope, profile_id, Kind::Profile)
        .await?
        .is_some_and(|u| u.state == "unlocked"))
}

/// Which of `ids` the workspace unlocked (full analytics).
pub async fn unlocked_set(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut found = HashSet::new();
    // Bounded IN lists: a page or a list of creators at a time.
    for chunk in ids.chunks(500) {
        let rows: Vec<Uuid> = unlock::Entity::find()
            .select_only()
            .column(unlock::Column::ProfileId)
            .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(unlock::Column::Kind.eq(Kind::Profile.as_str()))
            .filter(unlock::Column::State.eq("unlocked"))
            .filter(unlock::Column::ProfileId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// The workspace's unlocks of a kind, newest first (at most `limit`).
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: Kind,
    limit: u64,
) -> Result<Vec<unlock::Model>> {
    Ok(unlock::Entity::find()
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(unlock::Column::Kind.eq(kind.as_str()))
        .filter(unlock::Column::State.eq("unlocked"))
        .order_by_desc(unlock::Column::UnlockedAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many unlocks of a kind the workspace has.
pub async fn count(conn: &impl ConnectionTrait, scope: &Scope, kind: Kind) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(unlock::Entity::find()
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(unlock::Column::Kind.eq(kind.as_str()))
        .filter(unlock::Column::State.eq("unlocked"))
        .count(conn)
        .await?)
}

/// Unlocks the creator's full analytics for the workspace (or answers that it already is).
pub async fn unlock_profile(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<Outcome> {
    ctx.require(Permission::WorkspaceWrite)?;
    creator_of(&state.db, profile_id).await?;
    unlock(state, ctx, profile_id, Kind::Profile).await
}

/// The answer to an email unlock.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryEmailUnlock)]
pub struct EmailOutcome {
    /// The contact email, or `null` when none is known ("no email available": nothing was
    /// charged).
    pub email: Option<String>,
    /// `None` when no email is known (no unlock happened).
    pub unlock: Option<Outcome>,
}

/// Unlocks the creator's contact email, when one is known; charges nothing when none is.
pub async fn unlock_email(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<EmailOutcome> {
    ctx.require(Permission::WorkspaceWrite)?;
    let c = creator_of(&state.db, profile_id).await?;
    let Some(email) = c.email.clone().filter(|e| !e.is_empty()) else {
        return Ok(EmailOutcome {
            email: None,
            unlock: None,
        });
    };
    let outcome = unlock(state, ctx, profile_id, Kind::Email).await?;
    Ok(EmailOutcome {
        email: Some(email),
        unlock: Some(outcome),
    })
}

/// The contact email the workspace unlocked before, if any.
pub async fn unlocked_email(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    c: &creator::Model,
) -> Result<Option<String>> {
    Ok(match find(conn, scope, c.profile_id, Kind::Email).await? {
        Some(u) if u.state == "unlocked" => c.email.clone(),
        _ => None,
    })
}

async fn unlock(state: &AppState, ctx: &Ctx, profile_id: Uuid, kind: Kind) -> Result<Outcome> {
    let scope = Scope::of(ctx)?;
    let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHER;
    let id = loop {
        match find(&state.db, &scope, profile_id, kind).await? {
            Some(u) if u.state == "unlocked" => {
                return answer(state, &scope, &u, true, false).await;
            }
            Some(u) if u.created_at < platform::db::now() - ABANDONED_AFTER => {
                // Left by a request that died mid-charge: its hold is released by billing's
                // sweeper; the row goes so this request can pay.
                unlock::Entity::delete_many()
                    .filter(unlock::Column::Id.eq(u.id))
                    .filter(unlock::Column::State.eq("pending"))
                    .exec(&state.db)
                    .await?;
            }
            Some(_) => {
                // Another request of the workspace is paying for this unlock right now.
                if tokio::time::Instant::now() > deadline {
                    return Err(Error::Conflict(
                        "This creator is being unlocked by another request of your team; try again in a moment.".into(),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None => {
                if let Some(id) = claim(&state.db, &scope, profile_id, kind, ctx.user_id()).await? {
                    break id;
                }
            }
        }
    };
    match pay(state, ctx, &scope, id, profile_id, kind).await {
        Ok((row, free)) => answer(state, &scope, &row, false, free).await,
        Err(e) => {
            unlock::Entity::delete_many()
                .filter(unlock::Column::Id.eq(id))
                .filter(unlock::Column::State.eq("pending"))
                .exec(&state.db)
                .await?;
            Err(e)
        }
    }
}

/// Inserts the pending row; `None` when another request inserted it first.
async fn claim(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    profile_id: Uuid,
    kind: Kind,
    user: Uuid,
) -> Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let inserted = unlock::Entity::insert(unlock::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id()),
        profile_id: Set(profile_id),
        kind: Set(kind.as_str().into()),
        state: Set("pending".into()),
        cost: Set(0),
        reservation_id: Set(None),
        unlocked_by: Set(Some(user)),
        created_at: Set(platform::db::now()),
        unlocked_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            unlock::Column::WorkspaceId,
            unlock::Column::ProfileId,
            unlock::Column::Kind,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// Counts the plan's monthly use, then holds, records and spends the credits.
async fn pay(
    state: &AppState,
    ctx: &Ctx,
    scope: &Scope,
    id: Uuid,
    profile_id: Uuid,
    kind: Kind,
) -> Result<(unlock::Model, bool)> {
    state.limits.consume(state, scope, kind.meter(), 1).await?;
    let reference = format!("{}:{profile_id}", kind.as_str());
    let charged = charge_on_success(
        state,
        scope,
        kind.action(),
        &actor(ctx),
        Some(&reference),
        |held| async move {
            let done = unlock::Entity::update_many()
                .col_expr(unlock::Column::State, Expr::value("unlocked"))
                .col_expr(unlock::Column::Cost, Expr::value(held.cost))
                .col_expr(unlock::Column::ReservationId, Expr::value(held.id))
                .col_expr(unlock::Column::UnlockedAt, Expr::value(platform::db::now()))
                .filter(unlock::Column::Id.eq(id))
                .filter(unlock::Column::State.eq("pending"))
                .exec(&state.db)
                .await?;
            if done.rows_affected != 1 {
                return Err(Error::internal("the pending unlock disappeared mid-charge"));
            }
            Ok(held.free)
        },
    )
    .await;
    let free = match charged {
        Ok(free) => free,
        Err(e) => {
            if let Err(back) = state.limits.unconsume(state, scope, kind.meter(), 1).await {
                tracing::error!(error = %back, "giving back a monthly unlock failed");
            }
            return Err(e);
        }
    };
    let row = unlock::Entity::find_by_id(id)
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((row, free))
}

async fn answer(
    state: &AppState,
    scope: &Scope,
    row: &unlock::Model,
    already: bool,
    free: bool,
) -> Result<Outcome> {
    let kind = if row.kind == "email" {
        Kind::Email
    } else {
        Kind::Profile
    };
    let next = state
        .credits
        .can_perform(state, scope, kind.action())
        .await?;
    Ok(Outcome {
        profile_id: row.profile_id,
        kind: row.kind.clone(),
        already_unlocked: already,
        cost: if already { 0 } else { row.cost },
        free: !already && free,
        balance: next.balance,
        next_cost: next.cost,
        unlocked_at: row.unlocked_at.unwrap_or(row.created_at),
    })
}

/// The workspace's unlocked creators (full analytics), newest first, with how many it has.
pub async fn unlocked_creators(
    state: &AppState,
    ctx: &Ctx,
    limit: u64,
) -> Result<(Vec<(unlock::Model, creator::Model)>, u64)> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let rows = list(&state.db, &scope, Kind::Profile, limit).await?;
    let total = count(&state.db, &scope, Kind::Profile).await?;
    let creators = creators_of(&state.db, &rows).await?;
    Ok((
        rows.into_iter()
            .filter_map(|u| creators.get(&u.profile_id).cloned().map(|c| (u, c)))
            .collect(),
        total,
    ))
}

async fn creators_of(
    conn: &impl ConnectionTrait,
    rows: &[unlock::Model],
) -> Result<std::collections::HashMap<Uuid, creator::Model>> {
    if rows.is_empty() {
        return Ok(Default::default());
    }
    Ok(creator::Entity::find()
        .filter(creator::Column::ProfileId.is_in(rows.iter().map(|u| u.profile_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.profile_id, c))
        .collect())
}

/// Unlocks of a kind a page at a time, in id order (an export's producer).
async fn unlocks_after(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: Kind,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<unlock::Model>> {
    let mut q = unlock::Entity::find()
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(unlock::Column::Kind.eq(kind.as_str()))
        .filter(unlock::Column::State.eq("unlocked"))
        .order_by_asc(unlock::Column::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(unlock::Column::Id.gt(a));
    }
    Ok(q.all(conn).await?)
}

/// Unlocked creators read a page at a time; `each` gets every page's (unlock, creator) pairs.
async fn each_unlocked<F, Fut>(state: &AppState, scope: &Scope, mut each: F) -> Result<()>
where
    F: FnMut(Vec<(unlock::Model, creator::Model)>) -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    const PAGE: u64 = 500;
    let mut after = None;
    loop {
        let rows = unlocks_after(&state.db, scope, Kind::Profile, after, PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let full = rows.len() as u64 == PAGE;
        let creators = creators_of(&state.db, &rows).await?;
        let pairs = rows
            .into_iter()
            .filter_map(|u| creators.get(&u.profile_id).cloned().map(|c| (u, c)))
            .collect();
        if !each(pairs).await? || !full {
            return Ok(());
        }
    }
}

/// The columns of an export of unlocked creators.
pub const CREATOR_COLUMNS: [&str; 20] = [
    "username",
    "full_name",
    "profile_url",
    "followers",
    "following",
    "posts",
    "engagement_rate_percent",
    "growth_30d_percent",
    "growth_90d_percent",
    "category",
    "language",
    "location",
    "verified",
    "business",
    "email",
    "last_post_at",
    "source",
    "fetched_at",
    "unlocked_at",
    "demo",
];

/// Exports every unlocked creator (a bulk export, see [`super::exports`]). The email column
/// holds an address only where the workspace unlocked it.
pub async fn export_creators(
    state: &AppState,
    ctx: &Ctx,
    format: super::exports::Format,
) -> Result<axum::response::Response> {
    use super::exports::{Cell, What, send_stream};
    let scope = Scope::of(ctx)?;
    let what = What {
        kind: "creators",
        subject: None,
        name: format!(
            "unlocked-creators-{}",
            platform::db::now().format("%Y-%m-%d")
        ),
    };
    send_stream(
        state,
        ctx,
        what,
        format,
        CREATOR_COLUMNS.to_vec(),
        |tx| async move {
            each_unlocked(state, &scope, |pairs| {
                let tx = tx.clone();
                async move {
                    let ids: Vec<Uuid> = pairs.iter().map(|(_, c)| c.profile_id).collect();
                    let emails = emails_unlocked(&state.db, &scope, &ids).await?;
                    for (u, c) in pairs {
                        let email = emails
                            .contains(&c.profile_id)
                            .then(|| c.email.clone())
                            .flatten();
                        let row: Vec<Cell> = vec![
                            c.username.clone().into(),
                            c.full_name.clone().into(),
                            format!("https://www.instagram.com/{}/", c.username).into(),
                            c.followers.into(),
                            c.following.into(),
                            c.media_count.into(),
                            c.engagement_rate.map(round2).into(),
                            c.growth_30d.map(round2).into(),
                            c.growth_90d.map(round2).into(),
                            c.category.clone().into(),
                            c.language.clone().into(),
                            c.location.clone().into(),
                            c.is_verified.into(),
                            c.is_business.into(),
                            email.into(),
                            c.last_post_at.into(),
                            c.source.clone().into(),
                            c.fetched_at.into(),
                            u.unlocked_at.into(),
                            (c.pool == "demo").into(),
                        ];
                        if tx.send(row).await.is_err() {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
            })
            .await
        },
    )
    .await
}

/// The columns of an export of the unlocked creators' posts.
pub const POST_COLUMNS: [&str; 14] = [
    "username",
    "posted_at",
    "media_type",
    "permalink",
    "likes",
    "comments",
    "engagement_rate_percent",
    "category",
    "language",
    "sentiment",
    "source",
    "fetched_at",
    "post_id",
    "demo",
];

/// Exports the recent posts (with figures and analysis) of every unlocked creator.
pub async fn export_posts(
    state: &AppState,
    ctx: &Ctx,
    format: super::exports::Format,
) -> Result<axum::response::Response> {
    use super::exports::{Cell, What, send_stream};
    let scope = Scope::of(ctx)?;
    let what = What {
        kind: "posts",
        subject: None,
        name: format!("unlocked-posts-{}", platform::db::now().format("%Y-%m-%d")),
    };
    send_stream(
        state,
        ctx,
        what,
        format,
        POST_COLUMNS.to_vec(),
        |tx| async move {
            each_unlocked(state, &scope, |pairs| {
                let tx = tx.clone();
                async move {
                    for (_, c) in pairs {
                        let posts = super::profile::post_figures(&state.db, &c).await?;
                        for p in posts {
                            let row: Vec<Cell> = vec![
                                c.username.clone().into(),
                                p.posted_at.into(),
                                p.media_type.into(),
                                p.permalink.into(),
                                p.likes.into(),
                                p.comments.into(),
                                p.engagement_rate.map(round2).into(),
                                p.category.into(),
                                p.language.into(),
                                p.sentiment.into(),
                                p.source.into(),
                                p.fetched_at.into(),
                                p.post_id.to_string().into(),
                                (c.pool == "demo").into(),
                            ];
                            if tx.send(row).await.is_err() {
                                return Ok(false);
                            }
                        }
                    }
                    Ok(true)
                }
            })
            .await
        },
    )
    .await
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Which of `ids` had their email unlocked.
async fn emails_unlocked(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(unlock::Entity::find()
        .select_only()
        .column(unlock::Column::ProfileId)
        .filter(unlock::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(unlock::Column::Kind.eq(Kind::Email.as_str()))
        .filter(unlock::Column::State.eq("unlocked"))
        .filter(unlock::Column::ProfileId.is_in(ids.iter().copied()))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}
