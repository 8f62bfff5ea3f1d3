//! Automation workers: each has its own bearer token (`gdw_…`, shown once, kept as a SHA-256
//! hash), sends heartbeats, and claims tasks through the worker API. A worker is online when
//! it was heard from in the last two minutes.

use chrono::{DateTime, Duration, Utc};
use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{task, worker};
use crate::service::{access, lifecycle::Actor, tasks};

pub const TOKEN_PREFIX: &str = "gdw_";
pub const NAME_MAX: usize = 80;
pub const STATUS_MAX: usize = 24;
pub const MAX_WORKERS: u64 = 200;
const ONLINE_WITHIN_SECS: i64 = 120;

pub fn is_online(w: &worker::Model, now: DateTime<Utc>) -> bool {
    w.revoked_at.is_none()
        && w.last_seen_at
            .is_some_and(|t| now - t <= Duration::seconds(ONLINE_WITHIN_SECS))
}

/// How long a token this process found valid is trusted before it is looked up again. Workers
/// call several times a second each; without this every call reads the workers table first.
/// Revoking on this server takes effect at once; on another server of a PostgreSQL deployment
/// within this time.
pub const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Valid tokens by hash (never the token itself), each with its worker as read then.
fn known_tokens() -> &'static moka::future::Cache<String, worker::Model> {
    static CACHE: std::sync::OnceLock<moka::future::Cache<String, worker::Model>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(TOKEN_TTL)
            .build()
    })
}

/// The worker a bearer token belongs to (not revoked), if any. A valid token is remembered
/// for [`TOKEN_TTL`]; an unknown or revoked one is never remembered.
pub async fn by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<worker::Model>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let hash = platform::crypto::token_hash(token);
    if let Some(w) = known_tokens().get(&hash).await {
        return Ok(Some(w));
    }
    let found = worker::Entity::find()
        .filter(worker::Column::TokenHash.eq(hash.clone()))
        .filter(worker::Column::RevokedAt.is_null())
        .one(conn)
        .await?;
    if let Some(w) = &found {
        known_tokens().insert(hash, w.clone()).await;
    }
    Ok(found)
}

/// A new worker and its token (the only time the token is seen).
pub async fn create(state: &AppState, ctx: &Ctx, name: &str) -> Result<(worker::Model, String)> {
    let scope = access::admin(state, ctx).await?;
    create_in(&state.db, &scope, name, Some(ctx.user.id)).await
}

/// Creates a worker in a workspace (also used by the CLI's simulator and tests).
pub async fn create_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    name: &str,
    created_by: Option<Uuid>,
) -> Result<(worker::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.contains(['\n', '\r']) {
        return Err(Error::validation(
            "name",
            format!("A name of 1–{NAME_MAX} characters on one line"),
        ));
    }
    let count = worker::Entity::find()
        .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(worker::Column::RevokedAt.is_null())
        .count(conn)
        .await?;
    if count >= MAX_WORKERS {
        return Err(Error::Conflict(format!(
            "A workspace has at most {MAX_WORKERS} workers; revoke one first."
        )));
    }
    let secret = platform::crypto::random_token().map_err(Error::internal)?;
    let token = format!("{TOKEN_PREFIX}{secret}");
    let now = platform::db::now();
    let row = worker::Model {
        id: Uuid::now_v7(),
        workspace_id: scope.workspace_id(),
        name: name.to_string(),
        token_hash: platform::crypto::token_hash(&token),
        token_prefix: token.chars().take(10).collect(),
        status: "offline".into(),
        current_task_id: None,
        last_seen_at: None,
        created_by,
        created_at: now,
        revoked_at: None,
    };
    worker::Entity::insert(worker::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(row.workspace_id),
        name: Set(row.name.clone()),
        token_hash: Set(row.token_hash.clone()),
        token_prefix: Set(row.token_prefix.clone()),
        status: Set(row.status.clone()),
        current_task_id: Set(None),
        last_seen_at: Set(None),
        created_by: Set(created_by),
        created_at: Set(now),
        revoked_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok((row, token))
}

pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<worker::Model> {
    worker::Entity::find_by_id(id)
        .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Revokes a worker's token; a task it holds goes back to the queue at once.
pub async fn revoke(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    let scope = access::admin(state, ctx).await?;
    revoke_in(&state.db, &scope, id).await
}

pub async fn revoke_in(db: &sea_orm::DatabaseConnection, scope: &Scope, id: Uuid) -> Result<()> {
    let w = find_in(db, scope, id).await?;
    let now = platform::db::now();
    let txn = platform::db::begin_write(db).await?;
    worker::Entity::update_many()
        .col_expr(worker::Column::RevokedAt, Expr::value(now))
        .col_expr(worker::Column::Status, Expr::value("revoked"))
        .col_expr(
            worker::Column::CurrentTaskId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(worker::Column::Id.eq(w.id))
        .exec(&txn)
        .await?;
    // Its leases end now: the tasks are claimable again.
    task::Entity::update_many()
        .col_expr(task::Column::LeaseExpiresAt, Expr::value(now))
        .filter(task::Column::WorkerId.eq(w.id))
        .filter(task::Column::Status.eq(tasks::status::IN_PROGRESS))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Revocations are rare: forgetting every remembered token is simpler than finding its hash.
    known_tokens().invalidate_all();
    Ok(())
}

/// The workspace's workers, newest first (revoked ones last).
pub async fn list(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<worker::Model>> {
    Ok(worker::Entity::find()
        .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(worker::Column::RevokedAt)
        .order_by_desc(worker::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// A worker's figures over the last 24 hours.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = FleetWorkerFigures)]
pub struct Figures {
    pub completed_24h: u64,
    pub failed_24h: u64,
    /// Completed tasks per hour over the last 24 hours.
    pub tasks_per_hour: f64,
    /// Failed ÷ (completed + failed) over the last 24 hours, 0–1; `None` with no tasks.
    pub failure_rate: Option<f64>,
}

pub async fn figures(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    worker_id: Uuid,
) -> Result<Figures> {
    let since = platform::db::now() - Duration::hours(24);
    let count = |statuses: Vec<&'static str>| {
        task::Entity::find()
            .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(task::Column::WorkerId.eq(worker_id))
            .filter(task::Column::Status.is_in(statuses))
            .filter(task::Column::CompletedAt.gte(since))
            .count(conn)
    };
    let completed = count(vec![tasks::status::COMPLETED]).await?;
    let failed = count(vec![tasks::status::FAILED, tasks::status::REQUIRES_REVIEW]).await?;
    let total = completed + failed;
    Ok(Figures {
        completed_24h: completed,
        failed_24h: failed,
        tasks_per_hour: completed as f64 / 24.0,
        failure_rate: (total > 0).then(|| failed as f64 / total as f64),
    })
}

/// What a heartbeat answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetHeartbeatAnswer)]
pub struct Beat {
    pub worker_id: Uuid,
    pub server_time: DateTime<Utc>,
    /// The task's new lease end, when `current_task_id` was sent and is still the worker's.
    pub lease_expires_at: Option<DateTime<Utc>>,
}

/// Records a heartbeat; extends the lease of the task the worker says it is on.
pub async fn heartbeat(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    w: &worker::Model,
    status: &str,
    current_task_id: Option<Uuid>,
) -> Result<Beat> {
    let status = status.trim();
    if status.is_empty()
        || status.chars().count() > STATUS_MAX
        || !status
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::validation(
            "status",
            format!("1–{STATUS_MAX} letters, digits, _ or - (idle, busy, …)"),
        ));
    }
    let lease = match current_task_id {
        Some(t) => Some(tasks::extend_lease(db, scope, t, w.id).await?),
        None => None,
    };
    let now = platform::db::now();
    worker::Entity::update_many()
        .col_expr(worker::Column::Status, Expr::value(status))
        .col_expr(worker::Column::CurrentTaskId, Expr::value(current_task_id))
        .col_expr(worker::Column::LastSeenAt, Expr::value(now))
        .filter(worker::Column::Id.eq(w.id))
        .filter(worker::Column::WorkspaceId.eq(w.workspace_id))
        .exec(db)
        .await?;
    Ok(Beat {
        worker_id: w.id,
        server_time: now,
        lease_expires_at: lease,
    })
}

/// How stale `last_seen_at` may get before a call writes it again (a write per call would
/// serialise every worker on SQLite's write lock for a figure shown to the minute).
const SEEN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Workers whose `last_seen_at` this process wrote within [`SEEN_EVERY`].
fn seen_lately() -> &'static moka::future::Cache<Uuid, ()> {
    static CACHE: std::sync::OnceLock<moka::future::Cache<Uuid, ()>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(SEEN_EVERY)
            .build()
    })
}

/// Notes that a worker was heard from (a claim or an answer), at most every few seconds.
pub async fn seen(db: &impl ConnectionTrait, w: &worker::Model) -> Result<()> {
    let now = platform::db::now();
    let written_lately = w
        .last_seen_at
        .is_some_and(|t| (now - t).to_std().is_ok_and(|age| age < SEEN_EVERY));
    if written_lately || seen_lately().contains_key(&w.id) {
        return Ok(());
    }
    worker::Entity::update_many()
        .col_expr(worker::Column::LastSeenAt, Expr::value(now))
        .filter(worker::Column::Id.eq(w.id))
        .filter(worker::Column::WorkspaceId.eq(w.workspace_id))
        .exec(db)
        .await?;
    seen_lately().insert(w.id, ()).await;
    Ok(())
}

/// The task a worker holds now (in progress under its lease), if any.
pub async fn current_task(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    worker_id: Uuid,
) -> Result<Option<task::Model>> {
    Ok(task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::WorkerId.eq(worker_id))
        .filter(task::Column::Status.eq(tasks::status::IN_PROGRESS))
        .filter(task::Column::LeaseExpiresAt.gt(platform::db::now()))
        .order_by_desc(task::Column::StartedAt)
        .one(conn)
        .await?)
}

/// The claimant a worker is.
pub fn claimant(w: &worker::Model, session: Option<String>) -> tasks::Claimant {
    tasks::Claimant::Worker {
        id: w.id,
        name: w.name.clone(),
        session,
    }
}

pub fn actor(w: &worker::Model) -> Actor {
    Actor::worker(w.id, &w.name)
}
