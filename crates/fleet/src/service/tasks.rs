//! The task engine: the warm-up pipeline and cleanup as tasks external workers claim.
//!
//! A task is one attempt of one step for one account (the requirement's `WarmupStepLog`):
//! `pending` until due, `in_progress` while a claimant holds its lease, then `completed`,
//! `failed` (a retry follows as a new row), `requires_review` (the last failure, which sent
//! the account to review), `skipped` or `cancelled`.
//!
//! Invariants:
//! - Claiming chooses the ids (`SELECT … LIMIT n [FOR UPDATE SKIP LOCKED]`) and hands them
//!   out with one `UPDATE … WHERE id IN (…) AND <still claimable> RETURNING …` in the same
//!   write transaction: on SQLite the write lock serialises claims, on PostgreSQL the row
//!   locks and the re-checked condition do, so a task is never handed to two claimants. A
//!   task whose lease ran out is claimable again (its worker went silent).
//! - Workers' claims and completions arriving together share one transaction ([`batch`]);
//!   the engine is set-based, so a batch costs about the statements of one operation.
//! - Completing or failing is a conditional update on (claimant, `in_progress`, lease not
//!   expired): a late or foreign answer changes nothing and is a 409.
//! - An account has at most one open (`pending` or `in_progress`) warm-up task; the next step
//!   is queued in the transaction that completes the previous one, due on the calendar day
//!   `days_after` later in the workspace's time zone.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use platform::{Error, Result, Scope};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QueryTrait, Statement,
    sea_query::{CaseStatement, Expr, ExprTrait, Func},
};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::model::{account, proxy, task};
use crate::service::{
    content::pick,
    lifecycle::{self, Actor, State},
    settings::{self, Settings, Step},
};

/// On SQLite, this process's claim and answer transactions take turns here before asking for
/// the database's write lock: waiting on an async lock wakes the next one at once, where
/// SQLite's busy handler would sleep in growing steps (milliseconds each) while 50 workers
/// contend. PostgreSQL needs no turn (row locks and `SKIP LOCKED` let claims run side by side).
pub(crate) async fn write_turn(
    db: &sea_orm::DatabaseConnection,
) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if db.get_database_backend() == DbBackend::Sqlite {
        Some(TURN.lock().await)
    } else {
        None
    }
}

pub const WARMUP: &str = "warmup";
pub const CLEANUP: &str = "cleanup";

/// Task statuses.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const IN_PROGRESS: &str = "in_progress";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
    pub const REQUIRES_REVIEW: &str = "requires_review";
    pub const SKIPPED: &str = "skipped";
    pub const CANCELLED: &str = "cancelled";

    pub fn label(s: &str) -> &str {
        match s {
            PENDING => "Waiting",
            IN_PROGRESS => "In progress",
            COMPLETED => "Done",
            FAILED => "Failed",
            REQUIRES_REVIEW => "Failed, needs review",
            SKIPPED => "Skipped",
            CANCELLED => "Cancelled",
            other => other,
        }
    }
}

/// Who holds a task: a worker (by its token) or an operator acting as one from a page.
#[derive(Debug, Clone)]
pub enum Claimant {
    Worker {
        id: Uuid,
        name: String,
        session: Option<String>,
    },
    Operator {
        user_id: Uuid,
        label: String,
    },
}

impl Claimant {
    fn worker_id(&self) -> Option<Uuid> {
        match self {
            Claimant::Worker { id, .. } => Some(*id),
            Claimant::Operator { .. } => None,
        }
    }

    fn session(&self) -> Option<String> {
        match self {
            Claimant::Worker { session, .. } => session.clone(),
            Claimant::Operator { user_id, .. } => Some(format!("operator:{user_id}")),
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Claimant::Worker { id, name, .. } => Actor::worker(*id, name),
            Claimant::Operator { user_id, label } => Actor {
                kind: "user",
                id: Some(*user_id),
                label: label.clone(),
            },
        }
    }
}

/// The start of the calendar day `days` after `at`'s day in `zone`, as UTC; `at` itself when
/// `days` is 0.
pub fn due_after(at: DateTime<Utc>, days: u32, zone: chrono_tz::Tz) -> DateTime<Utc> {
    if days == 0 {
        return at;
    }
    let local = at.with_timezone(&zone).date_naive() + Duration::days(i64::from(days));
    let midnight = local.and_time(NaiveTime::MIN);
    zone.from_local_datetime(&midnight)
        .earliest()
        // A zone whose midnight does not exist that day (a DST jump): an hour later.
        .or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(at + Duration::days(i64::from(days)))
}

/// A new `pending` task row of step `number` (not yet written).
#[allow(clippy::too_many_arguments)]
fn new_task(
    scope: &Scope,
    account_id: Uuid,
    kind: &str,
    number: i32,
    step: &Step,
    due_at: DateTime<Utc>,
    retry_count: i32,
    now: DateTime<Utc>,
) -> task::ActiveModel {
    task::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id()),
        account_id: Set(account_id),
        kind: Set(kind.into()),
        step_number: Set(number),
        step_name: Set(step.name.clone()),
        step_label: Set(step.label.clone()),
        image_kind: Set(step.image_kind.clone()),
        text_kind: Set(step.text_kind.clone()),
        status: Set(status::PENDING.into()),
        due_at: Set(due_at),
        retry_count: Set(retry_count),
        worker_id: Set(None),
        worker_session_id: Set(None),
        lease_expires_at: Set(None),
        claims: Set(0),
        started_at: Set(None),
        completed_at: Set(None),
        content_used: Set(None),
        error_message: Set(None),
        error_details: Set(None),
        execution_time_ms: Set(None),
        instagram_response: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Uuid,
    kind: &str,
    number: i32,
    step: &Step,
    due_at: DateTime<Utc>,
    retry_count: i32,
) -> Result<()> {
    let row = new_task(
        scope,
        account_id,
        kind,
        number,
        step,
        due_at,
        retry_count,
        platform::db::now(),
    );
    task::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Queues warm-up step 1 of an account (due at once) and marks it as the current step.
pub async fn queue_warmup(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Uuid,
    settings: &Settings,
) -> Result<()> {
    let Some(first) = settings.steps.first() else {
        return Ok(());
    };
    cancel_open(conn, scope, account_id).await?;
    insert(
        conn,
        scope,
        account_id,
        WARMUP,
        1,
        first,
        platform::db::now(),
        0,
    )
    .await?;
    account::Entity::update_many()
        .col_expr(account::Column::WarmupStep, Expr::value(1))
        .col_expr(account::Column::RetryCount, Expr::value(0))
        .filter(account::Column::Id.eq(account_id))
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Cancels an account's open tasks (a reset, a release, a cleanup replacing warm-up).
pub async fn cancel_open(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Uuid,
) -> Result<()> {
    task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status::CANCELLED))
        .col_expr(
            task::Column::LeaseExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(platform::db::now()))
        .filter(task::Column::AccountId.eq(account_id))
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::Status.is_in([status::PENDING, status::IN_PROGRESS]))
        .exec(conn)
        .await?;
    Ok(())
}

/// Moves an active account to cleanup: its persona is cleared and cleanup tasks (reset the
/// bio and the picture, delete posts) are queued for workers; when all are done it is ready.
pub async fn start_cleanup(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    lifecycle::transition(
        conn,
        account,
        State::Cleanup,
        actor,
        reason,
        vec![
            (
                account::Column::PersonaId,
                Expr::value(Option::<Uuid>::None),
            ),
            (
                account::Column::AssignedToPersonaAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
            (account::Column::RequiresHumanReview, Expr::value(false)),
        ],
    )
    .await?;
    cancel_open(conn, scope, account.id).await?;
    let now = platform::db::now();
    for (i, step) in settings::cleanup_steps().iter().enumerate() {
        insert(
            conn,
            scope,
            account.id,
            CLEANUP,
            i32::try_from(i + 1).unwrap_or(1),
            step,
            now,
            0,
        )
        .await?;
    }
    Ok(())
}

/// A task chosen for a claim, with its account and proxy and what picking its content needs.
struct Candidate {
    id: Uuid,
    image_kind: Option<String>,
    text_kind: Option<String>,
    /// What was picked for it before (a task taken again keeps its content).
    content_used: Option<Json>,
    account: account::Model,
    proxy: Option<proxy::Model>,
}

/// `alias."col" AS "prefixcol", …` for every column of an entity: a joined row read back into
/// the entity's model with `FromQueryResult::from_query_result(row, prefix)`.
fn prefixed<E: EntityTrait>(alias: &str, prefix: &str) -> String {
    use sea_orm::{IdenStatic, Iterable};
    E::Column::iter()
        .map(|c| format!("{alias}.\"{0}\" AS \"{prefix}{0}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

// The joined reads' column lists, built once: a claim or completion batch only reads them.
static ACCOUNT_COLUMNS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| prefixed::<account::Entity>("a", "a_"));
static PROXY_COLUMNS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| prefixed::<proxy::Entity>("p", "p_"));
static TASK_COLUMNS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| prefixed::<task::Entity>("t", "t_"));

/// Up to `limit` claimable tasks of the workspace — or of one account — in the order they are
/// handed out: those whose lease ran out first (their workers went silent), then the oldest
/// due. One statement with two narrow parts, so each walks the `(workspace_id, status,
/// due_at)` index in order instead of sorting every open task; on PostgreSQL the rows are
/// locked for this transaction, skipping rows another claim holds. The same statement reads
/// each task's account and proxy (joined by primary key): a claim is a round trip fewer per
/// table than reading them after.
async fn candidates(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Option<Uuid>,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Candidate>> {
    use sea_orm::FromQueryResult;
    let backend = conn.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let account_filter = if account_id.is_some() {
        " AND account_id = $4"
    } else {
        ""
    };
    let columns = "id, account_id, image_kind, text_kind, content_used";
    let accounts = &*ACCOUNT_COLUMNS;
    let proxies = &*PROXY_COLUMNS;
    let sql = format!(
        "WITH expired AS (SELECT {columns}, 0 AS pass, lease_expires_at AS at FROM fleet_tasks \
         WHERE workspace_id = $1{account_filter} AND status = 'in_progress' \
         AND lease_expires_at < $2 ORDER BY lease_expires_at LIMIT $3{lock}), \
         due AS (SELECT {columns}, 1 AS pass, due_at AS at FROM fleet_tasks \
         WHERE workspace_id = $1{account_filter} AND status = 'pending' AND due_at <= $2 \
         ORDER BY due_at LIMIT $3{lock}), \
         chosen AS (SELECT * FROM expired UNION ALL SELECT * FROM due) \
         SELECT c.id, c.image_kind, c.text_kind, c.content_used, {accounts}, {proxies} \
         FROM chosen c JOIN fleet_accounts a ON a.id = c.account_id \
         AND COALESCE(a.workspace_id, a.workspace_id) = $1 \
         LEFT JOIN fleet_proxies p ON p.id = a.proxy_id \
         AND COALESCE(p.workspace_id, p.workspace_id) = $1 \
         ORDER BY c.pass, c.at"
    );
    let mut values: Vec<sea_orm::Value> = vec![
        scope.workspace_id().into(),
        now.into(),
        i64::try_from(limit).unwrap_or(i64::MAX).into(),
    ];
    if let Some(a) = account_id {
        values.push(a.into());
    }
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut out = Vec::with_capacity(limit);
    for r in rows.iter().take(limit) {
        let proxy = match r.try_get::<Option<Uuid>>("", "p_id")? {
            Some(_) => Some(proxy::Model::from_query_result(r, "p_")?),
            None => None,
        };
        out.push(Candidate {
            id: r.try_get("", "id")?,
            image_kind: r.try_get("", "image_kind")?,
            text_kind: r.try_get("", "text_kind")?,
            content_used: r.try_get("", "content_used")?,
            account: account::Model::from_query_result(r, "a_")?,
            proxy,
        });
    }
    Ok(out)
}

/// A claimed task with the rows a worker's view of it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub task: task::Model,
    pub account: account::Model,
    pub proxy: Option<proxy::Model>,
}

/// Claims the next due task for a claimant (optionally only of one account): the task, now
/// `in_progress` under a lease of the workspace's `lease_secs`, with the content for its step
/// chosen (kept from an earlier claim of the same task). `None` when nothing is due.
///
/// A worker's claim joins the claims and completions arriving at the same moment in one
/// transaction ([`batch`]); an operator's claim of one account runs on its own.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    account_id: Option<Uuid>,
    claimant: &Claimant,
) -> Result<Option<Claimed>> {
    if account_id.is_none() && matches!(claimant, Claimant::Worker { .. }) {
        return batch::claim(db, scope, claimant.clone()).await;
    }
    claim_alone(db, scope, account_id, claimant).await
}

/// One claim in its own transaction.
pub(crate) async fn claim_alone(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    account_id: Option<Uuid>,
    claimant: &Claimant,
) -> Result<Option<Claimed>> {
    let settings = settings::cached(db, scope).await?;
    let _turn = write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    let mut timeline = lifecycle::Timeline::default();
    let claimed = claim_in(
        &txn,
        scope,
        &settings,
        account_id,
        std::slice::from_ref(claimant),
        &mut timeline,
    )
    .await?;
    timeline.write(&txn).await?;
    txn.commit().await?;
    Ok(claimed.into_iter().next().flatten())
}

/// Claims one task for each claimant, in order, in the caller's write transaction, with a
/// constant number of statements however many claim: the candidates are chosen with their
/// accounts (and proxies), the content of each step that has none yet picked, and then
/// one conditional `UPDATE … RETURNING` hands each task to its claimant with its content and
/// still requires it to be claimable, so a task is never handed to two claimants (on SQLite
/// the write lock serialises claims, on PostgreSQL the row locks taken by the choice do). The
/// first warm-up step's first claim starts warm-up; its timeline rows go into `timeline`,
/// which the caller writes before it commits. A claimant left without a task gets `None`.
pub(crate) async fn claim_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    settings: &Settings,
    account_id: Option<Uuid>,
    claimants: &[Claimant],
    timeline: &mut lifecycle::Timeline,
) -> Result<Vec<Option<Claimed>>> {
    let now = platform::db::now();
    let ws = scope.workspace_id();
    let lease = now + Duration::seconds(i64::from(settings.lease_secs));
    let want = claimants.len();
    let chosen = candidates(conn, scope, account_id, now, want).await?;
    if chosen.is_empty() {
        return Ok(vec![None; want]);
    }
    let mut accounts: HashMap<Uuid, account::Model> = chosen
        .iter()
        .map(|c| (c.account.id, c.account.clone()))
        .collect();
    let proxies: HashMap<Uuid, proxy::Model> = chosen
        .iter()
        .filter_map(|c| c.proxy.clone())
        .map(|p| (p.id, p))
        .collect();

    // The content of each step that uses some and has none yet.
    let needing: Vec<&Candidate> = chosen
        .iter()
        .filter(|c| c.content_used.is_none() && (c.image_kind.is_some() || c.text_kind.is_some()))
        .collect();
    let mut picked: HashMap<Uuid, Json> = HashMap::new();
    if !needing.is_empty() {
        let wants: Vec<pick::Want> = needing
            .iter()
            .map(|c| pick::Want {
                persona_id: c.account.persona_id,
                image_kind: c.image_kind.as_deref(),
                text_kind: c.text_kind.as_deref(),
            })
            .collect();
        for (c, p) in needing
            .iter()
            .zip(pick::for_steps(conn, scope, &wants).await?)
        {
            picked.insert(c.id, serde_json::to_value(p).map_err(Error::internal)?);
        }
    }

    let mut workers = CaseStatement::new();
    let mut sessions = CaseStatement::new();
    // Every chosen row's content is named (kept or newly picked): one parameter type for
    // all, where an `ELSE content_used` would mix `json` and `jsonb` on PostgreSQL.
    let mut content = CaseStatement::new();
    let arms = platform::db::padded(chosen.iter().zip(claimants).map(|(c, who)| {
        let used = picked.remove(&c.id).or_else(|| c.content_used.clone());
        (c.id, who.worker_id(), who.session(), used)
    }));
    for (id, worker, session, used) in arms {
        workers = workers.case(task::Column::Id.eq(id), worker);
        sessions = sessions.case(task::Column::Id.eq(id), session);
        content = content.case(task::Column::Id.eq(id), used);
    }
    let mut update = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status::IN_PROGRESS))
        .col_expr(task::Column::WorkerId, workers.into())
        .col_expr(task::Column::WorkerSessionId, sessions.into())
        .col_expr(task::Column::LeaseExpiresAt, Expr::value(lease))
        .col_expr(task::Column::Claims, Expr::col(task::Column::Claims).add(1))
        .col_expr(
            task::Column::StartedAt,
            Func::coalesce([Expr::col(task::Column::StartedAt), Expr::value(now)]).into(),
        )
        .col_expr(task::Column::ContentUsed, content.into())
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(platform::db::eq_beside_ids(task::Column::WorkspaceId, ws))
        .filter(task::Column::Id.is_in(platform::db::padded(chosen.iter().map(|c| c.id))))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(task::Column::Status.eq(status::PENDING))
                        .add(task::Column::DueAt.lte(now)),
                )
                .add(
                    Condition::all()
                        .add(task::Column::Status.eq(status::IN_PROGRESS))
                        .add(task::Column::LeaseExpiresAt.lt(now)),
                ),
        )
        .into_query();
    update.returning_all();
    let mut claimed: HashMap<Uuid, task::Model> = task::Entity::find()
        .from_raw_sql(conn.get_database_backend().build(&update))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();

    // The first warm-up step's first claim starts warm-up.
    let actors: Vec<Actor> = claimants.iter().map(Claimant::actor).collect();
    let starting: Vec<lifecycle::Move> = chosen
        .iter()
        .zip(&actors)
        .filter_map(|(c, actor)| {
            let t = claimed.get(&c.id)?;
            let account = accounts.get(&t.account_id)?;
            (t.kind == WARMUP && account.state == State::ProxyAssigned.as_str())
                .then_some(lifecycle::Move { account, actor })
        })
        .collect();
    let (started, entries) = lifecycle::move_many(
        conn,
        ws,
        State::ProxyAssigned,
        State::WarmingUp,
        &starting,
        "Warm-up started: the first step was taken",
        vec![(account::Column::WarmupStartedAt, Expr::value(now))],
    )
    .await?;
    timeline.add(ws, &entries);
    for id in started {
        if let Some(a) = accounts.get_mut(&id) {
            a.state = State::WarmingUp.as_str().into();
            a.warmup_started_at = Some(now);
        }
    }

    Ok(chosen
        .iter()
        .map(|c| {
            let task = claimed.remove(&c.id)?;
            let account = accounts.get(&task.account_id)?.clone();
            let proxy = account.proxy_id.and_then(|p| proxies.get(&p).cloned());
            Some(Claimed {
                task,
                account,
                proxy,
            })
        })
        .chain(std::iter::repeat(None))
        .take(want)
        .collect())
}

/// A task in the scope's workspace; another workspace's is not found.
pub async fn find_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<task::Model> {
    task::Entity::find_by_id(id)
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Why a claimant can no longer end a task (the 409's words).
fn not_held(t: &task::Model, claimant: &Claimant) -> Error {
    let why = if t.status != status::IN_PROGRESS {
        format!(
            "This task is no longer in progress ({}).",
            status::label(&t.status).to_lowercase()
        )
    } else if t.worker_id != claimant.worker_id()
        || (claimant.worker_id().is_none() && t.worker_session_id != claimant.session())
    {
        "This task is held by another worker.".to_string()
    } else {
        "This task's lease expired; it went back to the queue.".to_string()
    };
    Error::Conflict(why)
}

/// Whether the claimant still holds the task (in progress, its own, lease not run out).
fn holds(t: &task::Model, claimant: &Claimant, now: DateTime<Utc>) -> bool {
    t.status == status::IN_PROGRESS
        && t.lease_expires_at.is_some_and(|l| l > now)
        && t.worker_id == claimant.worker_id()
        && (claimant.worker_id().is_some() || t.worker_session_id == claimant.session())
}

/// Ends a claimed task (`status`), if the claimant still holds it; otherwise a 409 saying why.
async fn finish(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    task_id: Uuid,
    claimant: &Claimant,
    sets: Vec<(task::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<task::Model> {
    let now = platform::db::now();
    let mut q = task::Entity::update_many()
        .col_expr(task::Column::CompletedAt, Expr::value(now))
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            task::Column::LeaseExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    for (c, v) in sets {
        q = q.col_expr(c, v);
    }
    q = q
        .filter(task::Column::Id.eq(task_id))
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::Status.eq(status::IN_PROGRESS))
        .filter(task::Column::LeaseExpiresAt.gt(now));
    q = match claimant.worker_id() {
        Some(w) => q.filter(task::Column::WorkerId.eq(w)),
        None => q
            .filter(task::Column::WorkerId.is_null())
            .filter(task::Column::WorkerSessionId.eq(claimant.session())),
    };
    let done = q.exec(conn).await?;
    let t = find_in(conn, scope, task_id).await?;
    if done.rows_affected == 0 {
        return Err(not_held(&t, claimant));
    }
    Ok(t)
}

/// What a worker reports when a step succeeded.
#[derive(Debug, Clone, Default)]
pub struct Done {
    pub execution_time_ms: Option<i64>,
    pub instagram_response: Option<Json>,
}

/// What a worker reports when a step failed.
#[derive(Debug, Clone)]
pub struct Failed {
    pub error_message: String,
    pub error_details: Option<Json>,
    pub retryable: bool,
}

/// What happened to the account after a task ended.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetTaskOutcome)]
pub struct Outcome {
    pub task_id: Uuid,
    /// The account's state afterwards.
    pub account_state: String,
    /// The next step queued for the account, if any.
    pub next_step: Option<i32>,
    pub next_due_at: Option<DateTime<Utc>>,
}

/// One completion asked for: the task, who asks, what they report.
#[derive(Debug, Clone)]
pub struct Completion {
    pub task_id: Uuid,
    pub claimant: Claimant,
    pub done: Done,
}

/// Marks a claimed task done and moves the account on: the next warm-up step is queued for
/// its day, the last one makes the account ready; the last cleanup task makes it ready.
///
/// A worker's completion joins the claims and completions arriving at the same moment in one
/// transaction ([`batch`]); an operator's runs on its own.
pub async fn complete(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    task_id: Uuid,
    claimant: &Claimant,
    done: Done,
) -> Result<Outcome> {
    let asked = Completion {
        task_id,
        claimant: claimant.clone(),
        done,
    };
    if matches!(claimant, Claimant::Worker { .. }) {
        return batch::complete(db, scope, asked).await;
    }
    complete_alone(db, scope, asked).await
}

/// One completion in its own transaction.
pub(crate) async fn complete_alone(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    asked: Completion,
) -> Result<Outcome> {
    let settings = settings::cached(db, scope).await?;
    let _turn = write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    let mut timeline = lifecycle::Timeline::default();
    let outcome = complete_in(
        &txn,
        scope,
        &settings,
        std::slice::from_ref(&asked),
        &mut timeline,
    )
    .await?
    .pop()
    .unwrap_or_else(|| Err(Error::internal("a completion went unanswered")))?;
    timeline.write(&txn).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// The columns a completion writes on its task.
fn completed_sets(done: &Done) -> Vec<(task::Column, sea_orm::sea_query::SimpleExpr)> {
    vec![
        (task::Column::Status, Expr::value(status::COMPLETED)),
        (
            task::Column::ExecutionTimeMs,
            Expr::value(done.execution_time_ms),
        ),
        (
            task::Column::InstagramResponse,
            Expr::value(done.instagram_response.clone()),
        ),
    ]
}

/// The tasks with these ids in the scope's workspace, and their accounts, read with one
/// statement (joined by primary key).
async fn with_accounts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<(HashMap<Uuid, task::Model>, HashMap<Uuid, account::Model>)> {
    use sea_orm::FromQueryResult;
    let ids = platform::db::padded(ids);
    if ids.is_empty() {
        return Ok((HashMap::new(), HashMap::new()));
    }
    let list = (0..ids.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {}, {} FROM fleet_tasks t JOIN fleet_accounts a ON a.id = t.account_id \
         AND COALESCE(a.workspace_id, a.workspace_id) = $1 \
         WHERE COALESCE(t.workspace_id, t.workspace_id) = $1 AND t.id IN ({list})",
        *TASK_COLUMNS, *ACCOUNT_COLUMNS,
    );
    let values: Vec<sea_orm::Value> = std::iter::once(scope.workspace_id().into())
        .chain(ids.into_iter().map(Into::into))
        .collect();
    let backend = conn.get_database_backend();
    let mut tasks = HashMap::new();
    let mut accounts = HashMap::new();
    for r in conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    {
        let t = task::Model::from_query_result(&r, "t_")?;
        let a = account::Model::from_query_result(&r, "a_")?;
        tasks.insert(t.id, t);
        accounts.insert(a.id, a);
    }
    Ok((tasks, accounts))
}

/// Completes tasks in the caller's write transaction: one answer per completion, in order; a
/// refused one (a 409: not the claimant's any more) changes nothing.
///
/// The common case — a worker ending a warm-up step of an account that is warming up — is
/// done for all at once: one conditional `UPDATE … RETURNING` ends the tasks and
/// [`advance_many`] moves their accounts on. Anything else (cleanup tasks, an operator, the
/// same task twice, a task that is not the claimant's) goes one by one, each inside a
/// savepoint so its refusal undoes only its own writes. The common case's timeline rows go
/// into `timeline`, which the caller writes before it commits.
pub(crate) async fn complete_in(
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    settings: &Settings,
    asked: &[Completion],
    timeline: &mut lifecycle::Timeline,
) -> Result<Vec<Result<Outcome>>> {
    use sea_orm::TransactionTrait;
    let now = platform::db::now();
    let ws = scope.workspace_id();
    let (tasks, accounts) = with_accounts(txn, scope, asked.iter().map(|a| a.task_id)).await?;
    let mut seen = std::collections::HashSet::new();
    let fast: Vec<usize> = (0..asked.len())
        .filter(|i| {
            let a = &asked[*i];
            let Some(t) = tasks.get(&a.task_id) else {
                return false;
            };
            a.claimant.worker_id().is_some()
                && t.kind == WARMUP
                && holds(t, &a.claimant, now)
                && accounts
                    .get(&t.account_id)
                    .is_some_and(|acc| acc.state == State::WarmingUp.as_str())
                // The same task asked twice: the first may go together, the rest one by one.
                && seen.insert(a.task_id)
        })
        .collect();
    let mut answers: Vec<Option<Result<Outcome>>> = (0..asked.len()).map(|_| None).collect();
    if !fast.is_empty() {
        let mut times = CaseStatement::new();
        let mut responses = CaseStatement::new();
        let mut owners = CaseStatement::new();
        for i in platform::db::padded(fast.iter().copied()) {
            let a = &asked[i];
            let is = || task::Column::Id.eq(a.task_id);
            times = times.case(is(), a.done.execution_time_ms);
            responses = responses.case(is(), a.done.instagram_response.clone());
            owners = owners.case(is(), a.claimant.worker_id());
        }
        let mut update = task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(status::COMPLETED))
            .col_expr(task::Column::CompletedAt, Expr::value(now))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                task::Column::LeaseExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(task::Column::ExecutionTimeMs, times.into())
            .col_expr(task::Column::InstagramResponse, responses.into())
            .filter(platform::db::eq_beside_ids(task::Column::WorkspaceId, ws))
            .filter(
                task::Column::Id
                    .is_in(platform::db::padded(fast.iter().map(|i| asked[*i].task_id))),
            )
            .filter(task::Column::Status.eq(status::IN_PROGRESS))
            .filter(task::Column::LeaseExpiresAt.gt(now))
            .filter(Expr::col(task::Column::WorkerId).eq(Into::<Expr>::into(owners)))
            .into_query();
        update.returning_all();
        let ended: HashMap<Uuid, task::Model> = task::Entity::find()
            .from_raw_sql(txn.get_database_backend().build(&update))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut items = Vec::new();
        let mut at = Vec::new();
        for i in &fast {
            let a = &asked[*i];
            let Some((t, acc)) = ended
                .get(&a.task_id)
                .and_then(|t| Some((t, accounts.get(&t.account_id)?)))
            else {
                continue; // taken meanwhile: answered one by one below
            };
            items.push((t.clone(), acc.clone(), a.claimant.actor()));
            at.push(*i);
        }
        let outcomes = advance_many(txn, scope, settings, &items, "completed", timeline).await?;
        for (i, o) in at.into_iter().zip(outcomes) {
            answers[i] = Some(o);
        }
    }
    for (i, a) in asked.iter().enumerate() {
        if answers[i].is_some() {
            continue;
        }
        let sp = txn.begin().await?;
        let one = async {
            let t = finish(&sp, scope, a.task_id, &a.claimant, completed_sets(&a.done)).await?;
            advance(&sp, scope, &t, settings, &a.claimant.actor(), "completed").await
        }
        .await;
        match one {
            Ok(o) => {
                sp.commit().await?;
                answers[i] = Some(Ok(o));
            }
            Err(e) => {
                sp.rollback().await?;
                answers[i] = Some(Err(e));
            }
        }
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(Error::internal("a completion went unanswered"))))
        .collect())
}

/// After step `t` ended well (done, done by hand or skipped): queue the next or finish. The
/// last warm-up step of an account that is no longer warming up is a 409.
async fn advance(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    t: &task::Model,
    settings: &Settings,
    actor: &Actor,
    how: &str,
) -> Result<Outcome> {
    let account = crate::service::accounts::find_in(conn, scope, t.account_id).await?;
    let last = t.kind == WARMUP
        && settings
            .steps
            .get(usize::try_from(t.step_number).unwrap_or(0))
            .is_none();
    let before = account.state.clone();
    let mut timeline = lifecycle::Timeline::default();
    let outcome = advance_many(
        conn,
        scope,
        settings,
        &[(t.clone(), account, actor.clone())],
        how,
        &mut timeline,
    )
    .await?
    .pop()
    .unwrap_or_else(|| Err(Error::internal("an advance went unanswered")))?;
    timeline.write(conn).await?;
    if last && outcome.account_state != State::Ready.as_str() {
        return Err(if before == State::WarmingUp.as_str() {
            Error::Conflict("The account changed meanwhile; reload and try again.".into())
        } else {
            lifecycle::refused(&before, State::Ready)
        });
    }
    Ok(outcome)
}

/// After steps ended well: for each, the next warm-up step is queued for its day (or the
/// last makes its account ready), and a cleanup account whose last cleanup task ended is
/// ready. Warm-up steps are written together — one statement each for the timeline, the new
/// tasks, the accounts' current step and the accounts that finished — so a batch costs the
/// same few statements as one step.
async fn advance_many(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    settings: &Settings,
    items: &[(task::Model, account::Model, Actor)],
    how: &str,
    timeline: &mut lifecycle::Timeline,
) -> Result<Vec<Result<Outcome>>> {
    let now = platform::db::now();
    let ws = scope.workspace_id();
    let mut outcomes: Vec<Result<Outcome>> = Vec::with_capacity(items.len());
    let mut entries = Vec::new();
    let mut next_rows = Vec::new();
    let mut stepping: Vec<(Uuid, i32)> = Vec::new();
    let mut finishing = Vec::new();
    for (t, account, actor) in items {
        let mut outcome = Outcome {
            task_id: t.id,
            account_state: account.state.clone(),
            next_step: None,
            next_due_at: None,
        };
        if t.kind == CLEANUP {
            outcome.account_state = advance_cleanup(conn, scope, account, actor).await?;
            outcomes.push(Ok(outcome));
            continue;
        }
        entries.push(lifecycle::Entry {
            account_id: Some(account.id),
            proxy_id: account.proxy_id,
            kind: "step",
            states: (None, None),
            actor,
            reason: format!("Step {}, {}: {how}", t.step_number, t.step_label),
        });
        match settings
            .steps
            .get(usize::try_from(t.step_number).unwrap_or(0))
        {
            Some(step) => {
                let due = due_after(now, step.days_after, settings.zone());
                let number = t.step_number + 1;
                next_rows.push(new_task(
                    scope, account.id, WARMUP, number, step, due, 0, now,
                ));
                stepping.push((account.id, number));
                outcome.next_step = Some(number);
                outcome.next_due_at = Some(due);
            }
            None => finishing.push(lifecycle::Move { account, actor }),
        }
        outcomes.push(Ok(outcome));
    }
    // The account's last worker is the one that answered; an operator's answer (done by hand,
    // skipped) leaves it as it was.
    let mut worker_of = CaseStatement::new();
    let mut worker_at = CaseStatement::new();
    let answered_by_workers =
        platform::db::padded(items.iter().filter_map(|(_, account, actor)| {
            (actor.kind == "worker").then_some((account.id, actor.id?))
        }));
    let by_workers = !answered_by_workers.is_empty();
    for (account_id, worker_id) in answered_by_workers {
        worker_of = worker_of.case(account::Column::Id.eq(account_id), worker_id);
        worker_at = worker_at.case(account::Column::Id.eq(account_id), now);
    }
    let last_worker: Vec<(account::Column, sea_orm::sea_query::SimpleExpr)> = if by_workers {
        vec![
            (
                account::Column::LastWorkerId,
                worker_of
                    .finally(Expr::col(account::Column::LastWorkerId))
                    .into(),
            ),
            (
                account::Column::LastWorkerActionAt,
                worker_at
                    .finally(Expr::col(account::Column::LastWorkerActionAt))
                    .into(),
            ),
        ]
    } else {
        Vec::new()
    };
    if !next_rows.is_empty() {
        task::Entity::insert_many(next_rows)
            .exec_without_returning(conn)
            .await?;
        let stepping = platform::db::padded(stepping);
        let mut next_steps = CaseStatement::new();
        for (account_id, number) in &stepping {
            next_steps = next_steps.case(account::Column::Id.eq(*account_id), *number);
        }
        let mut update = account::Entity::update_many()
            .col_expr(account::Column::WarmupStep, next_steps.into())
            .col_expr(account::Column::RetryCount, Expr::value(0))
            .col_expr(account::Column::UpdatedAt, Expr::value(now));
        for (c, v) in &last_worker {
            update = update.col_expr(*c, v.clone());
        }
        update
            .filter(platform::db::eq_beside_ids(
                account::Column::WorkspaceId,
                ws,
            ))
            .filter(account::Column::Id.is_in(stepping.iter().map(|(id, _)| *id)))
            .exec(conn)
            .await?;
    }
    let (finished, moved) = lifecycle::move_many(
        conn,
        ws,
        State::WarmingUp,
        State::Ready,
        &finishing,
        "Warm-up finished: every step is done",
        vec![
            (
                account::Column::WarmupStep,
                Expr::value(Option::<i32>::None),
            ),
            (account::Column::WarmupCompletedAt, Expr::value(now)),
            (account::Column::RetryCount, Expr::value(0)),
            (account::Column::RequiresHumanReview, Expr::value(false)),
        ]
        .into_iter()
        .chain(last_worker)
        .collect(),
    )
    .await?;
    // The steps' and the finished accounts' timeline rows, written with the caller's others.
    entries.extend(moved);
    timeline.add(ws, &entries);
    for ((_, account, _), outcome) in items.iter().zip(outcomes.iter_mut()) {
        if let Ok(o) = outcome
            && finished.contains(&account.id)
        {
            o.account_state = State::Ready.as_str().into();
        }
    }
    Ok(outcomes)
}

/// A cleanup task ended: once none is open the account is ready. Its new state.
async fn advance_cleanup(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    actor: &Actor,
) -> Result<String> {
    let open = task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::AccountId.eq(account.id))
        .filter(task::Column::Kind.eq(CLEANUP))
        .filter(task::Column::Status.is_in([status::PENDING, status::IN_PROGRESS]))
        .one(conn)
        .await?;
    if open.is_none() && account.state == State::Cleanup.as_str() {
        lifecycle::transition(
            conn,
            account,
            State::Ready,
            actor,
            "Cleanup finished",
            vec![
                (account::Column::RequiresHumanReview, Expr::value(false)),
                (account::Column::RetryCount, Expr::value(0)),
            ],
        )
        .await?;
        return Ok(State::Ready.as_str().into());
    }
    Ok(account.state.clone())
}

/// Marks a claimed task failed. A retryable failure within the workspace's retry count is
/// queued again after a doubling backoff; otherwise the account needs review with the error.
pub async fn fail(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    task_id: Uuid,
    claimant: &Claimant,
    failed: Failed,
) -> Result<Outcome> {
    let settings = settings::cached(db, scope).await?;
    let _turn = write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    let t = find_in(&txn, scope, task_id).await?;
    let retry = failed.retryable && t.retry_count < settings.max_retries;
    let final_status = if retry {
        status::FAILED
    } else {
        status::REQUIRES_REVIEW
    };
    let t = finish(
        &txn,
        scope,
        task_id,
        claimant,
        vec![
            (task::Column::Status, Expr::value(final_status)),
            (
                task::Column::ErrorMessage,
                Expr::value(failed.error_message.clone()),
            ),
            (
                task::Column::ErrorDetails,
                Expr::value(failed.error_details.clone()),
            ),
        ],
    )
    .await?;
    let now = platform::db::now();
    let account = crate::service::accounts::find_in(&txn, scope, t.account_id).await?;
    let actor = claimant.actor();
    let mut outcome = Outcome {
        task_id: t.id,
        account_state: account.state.clone(),
        next_step: None,
        next_due_at: None,
    };
    let step = Step {
        name: t.step_name.clone(),
        label: t.step_label.clone(),
        image_kind: t.image_kind.clone(),
        text_kind: t.text_kind.clone(),
        days_after: 0,
    };
    let error_sets = |review: bool| {
        let mut sets = vec![
            (
                account::Column::LastErrorMessage,
                Expr::value(failed.error_message.clone()),
            ),
            (account::Column::LastErrorAt, Expr::value(now)),
            (account::Column::RetryCount, Expr::value(t.retry_count + 1)),
            (account::Column::RequiresHumanReview, Expr::value(review)),
        ];
        if let Some(w) = claimant.worker_id() {
            sets.push((account::Column::LastWorkerId, Expr::value(w)));
            sets.push((account::Column::LastWorkerActionAt, Expr::value(now)));
        }
        sets
    };
    if retry {
        let due = now + settings.backoff(t.retry_count + 1);
        insert(
            &txn,
            scope,
            account.id,
            &t.kind,
            t.step_number,
            &step,
            due,
            t.retry_count + 1,
        )
        .await?;
        let mut q =
            account::Entity::update_many().col_expr(account::Column::UpdatedAt, Expr::value(now));
        for (c, v) in error_sets(false) {
            q = q.col_expr(c, v);
        }
        q.filter(account::Column::Id.eq(account.id))
            .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
            .exec(&txn)
            .await?;
        lifecycle::record(
            &txn,
            scope.workspace_id(),
            Some(account.id),
            account.proxy_id,
            "step",
            (None, None),
            &actor,
            &format!(
                "Step {}, {} failed ({}); retry {} of {} queued",
                t.step_number,
                t.step_label,
                clip(&failed.error_message, 200),
                t.retry_count + 1,
                settings.max_retries
            ),
        )
        .await?;
        outcome.next_step = Some(t.step_number);
        outcome.next_due_at = Some(due);
    } else if account.state == State::WarmingUp.as_str() {
        lifecycle::transition(
            &txn,
            &account,
            State::HumanReview,
            &actor,
            &format!(
                "Step {}, {} failed: {}",
                t.step_number,
                t.step_label,
                clip(&failed.error_message, 300)
            ),
            error_sets(true),
        )
        .await?;
        outcome.account_state = State::HumanReview.as_str().into();
    } else {
        // A cleanup step (or a step of an account that moved on): flagged for review in place.
        let mut q =
            account::Entity::update_many().col_expr(account::Column::UpdatedAt, Expr::value(now));
        for (c, v) in error_sets(true) {
            q = q.col_expr(c, v);
        }
        q.filter(account::Column::Id.eq(account.id))
            .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
            .exec(&txn)
            .await?;
        lifecycle::record(
            &txn,
            scope.workspace_id(),
            Some(account.id),
            account.proxy_id,
            "step",
            (None, None),
            &actor,
            &format!(
                "{} failed: {}; needs review",
                t.step_label,
                clip(&failed.error_message, 300)
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(outcome)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Extends the lease of a task its worker is still on; the new expiry, or a 409 when the
/// task is no longer the worker's.
pub async fn extend_lease(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    task_id: Uuid,
    worker_id: Uuid,
) -> Result<DateTime<Utc>> {
    let settings = settings::cached(db, scope).await?;
    let now = platform::db::now();
    let lease = now + Duration::seconds(i64::from(settings.lease_secs));
    // Waits its turn with the batches rather than in SQLite's busy handler.
    let turn = write_turn(db).await;
    let done = task::Entity::update_many()
        .col_expr(task::Column::LeaseExpiresAt, Expr::value(lease))
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task_id))
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::WorkerId.eq(worker_id))
        .filter(task::Column::Status.eq(status::IN_PROGRESS))
        .filter(task::Column::LeaseExpiresAt.gt(now))
        .exec(db)
        .await?;
    drop(turn);
    if done.rows_affected == 0 {
        find_in(db, scope, task_id).await?;
        return Err(Error::Conflict(
            "This task is no longer yours: its lease expired or it ended.".into(),
        ));
    }
    Ok(lease)
}

/// The tasks of an account, newest first (its step log).
pub async fn of_account(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Uuid,
) -> Result<Vec<task::Model>> {
    Ok(task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::AccountId.eq(account_id))
        .order_by_desc(task::Column::CreatedAt)
        .order_by_desc(task::Column::Id)
        .all(conn)
        .await?)
}

pub mod batch;
pub mod operator;
pub mod review;
pub mod view;
