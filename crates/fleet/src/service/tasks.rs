//! The task engine: the warm-up pipeline and cleanup as tasks external workers claim.
//!
//! A task is one attempt of one step for one account (the requirement's `WarmupStepLog`):
//! `pending` until due, `in_progress` while a claimant holds its lease, then `completed`,
//! `failed` (a retry follows as a new row), `requires_review` (the last failure, which sent
//! the account to review), `skipped` or `cancelled`.
//!
//! Invariants:
//! - Claiming is one statement, `UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP
//!   LOCKED]) AND <still claimable> RETURNING …`: on SQLite the write lock serialises it, on
//!   PostgreSQL the row lock and the re-checked condition do, so a task is never handed to two
//!   claimants. A task whose lease ran out is claimable again (its worker went silent).
//! - Completing or failing is a conditional update on (claimant, `in_progress`, lease not
//!   expired): a late or foreign answer changes nothing and is a 409.
//! - An account has at most one open (`pending` or `in_progress`) warm-up task; the next step
//!   is queued in the transaction that completes the previous one, due on the calendar day
//!   `days_after` later in the workspace's time zone.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use platform::{Error, Result, Scope};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Statement, sea_query::Expr,
};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::model::{account, task};
use crate::service::{
    lifecycle::{self, Actor, State},
    settings::{self, Settings, Step},
};

/// On SQLite, this process's claim and answer transactions take turns here before asking for
/// the database's write lock: waiting on an async lock wakes the next one at once, where
/// SQLite's busy handler would sleep in growing steps (milliseconds each) while 50 workers
/// contend. PostgreSQL needs no turn (row locks and `SKIP LOCKED` let claims run side by side).
async fn write_turn(
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
) -> Result<Uuid> {
    let now = platform::db::now();
    let id = Uuid::now_v7();
    task::Entity::insert(task::ActiveModel {
        id: Set(id),
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
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
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

/// Which tasks a claim looks at: one whose lease ran out (few: at most one per worker), or
/// one that is due. Two narrow statements instead of one with an `OR`, so each walks the
/// `(workspace_id, status, due_at)` index in order instead of sorting every open task.
#[derive(Clone, Copy)]
enum Claimable {
    LeaseExpired,
    Due,
}

/// The claim statement: the oldest such task of the workspace — or of one account — handed to
/// the claimant in one statement.
fn claim_statement(
    backend: DbBackend,
    which: Claimable,
    scope: &Scope,
    account_id: Option<Uuid>,
    claimant: &Claimant,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
) -> Statement {
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let account_filter = if account_id.is_some() {
        " AND account_id = $6"
    } else {
        ""
    };
    let (claimable, order) = match which {
        Claimable::LeaseExpired => (
            "status = 'in_progress' AND lease_expires_at < $3",
            "lease_expires_at",
        ),
        Claimable::Due => ("status = 'pending' AND due_at <= $3", "due_at"),
    };
    let sql = format!(
        "UPDATE fleet_tasks SET status = 'in_progress', worker_id = $1, \
         worker_session_id = $2, lease_expires_at = $4, claims = claims + 1, \
         started_at = COALESCE(started_at, $3), updated_at = $3 \
         WHERE id = (SELECT id FROM fleet_tasks WHERE workspace_id = $5{account_filter} \
         AND {claimable} ORDER BY {order} LIMIT 1{lock}) \
         AND {claimable} RETURNING *"
    );
    let mut values: Vec<sea_orm::Value> = vec![
        claimant.worker_id().into(),
        claimant.session().into(),
        now.into(),
        lease.into(),
        scope.workspace_id().into(),
    ];
    if let Some(a) = account_id {
        values.push(a.into());
    }
    Statement::from_sql_and_values(backend, sql, values)
}

/// Claims the next due task for a claimant (optionally only of one account): the task, now
/// `in_progress` under a lease of the workspace's `lease_secs`, with the content for its step
/// chosen (kept from an earlier claim of the same task). `None` when nothing is due.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    account_id: Option<Uuid>,
    claimant: &Claimant,
) -> Result<Option<task::Model>> {
    let settings = settings::get(db, scope).await?;
    let _turn = write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    let now = platform::db::now();
    let lease = now + Duration::seconds(i64::from(settings.lease_secs));
    let mut claimed = None;
    for which in [Claimable::LeaseExpired, Claimable::Due] {
        let stmt = claim_statement(
            db.get_database_backend(),
            which,
            scope,
            account_id,
            claimant,
            now,
            lease,
        );
        claimed = task::Entity::find().from_raw_sql(stmt).one(&txn).await?;
        if claimed.is_some() {
            break;
        }
    }
    let Some(mut t) = claimed else {
        txn.commit().await?;
        return Ok(None);
    };
    let account = crate::service::accounts::find_in(&txn, scope, t.account_id).await?;
    // The first warm-up step's first claim starts warm-up.
    if t.kind == WARMUP && account.state == State::ProxyAssigned.as_str() {
        lifecycle::transition(
            &txn,
            &account,
            State::WarmingUp,
            &claimant.actor(),
            "Warm-up started: the first step was taken",
            vec![(account::Column::WarmupStartedAt, Expr::value(now))],
        )
        .await?;
    }
    if t.content_used.is_none() && (t.image_kind.is_some() || t.text_kind.is_some()) {
        let picked = pick_content(&txn, scope, account.persona_id, &t).await?;
        task::Entity::update_many()
            .col_expr(task::Column::ContentUsed, Expr::value(picked.clone()))
            .filter(task::Column::Id.eq(t.id))
            .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .exec(&txn)
            .await?;
        t.content_used = Some(picked);
    }
    account::Entity::update_many()
        .col_expr(
            account::Column::LastWorkerId,
            Expr::value(claimant.worker_id()),
        )
        .col_expr(account::Column::LastWorkerActionAt, Expr::value(now))
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Some(t))
}

/// The content a step uses, from the persona's pools (or the workspace's generic pools).
async fn pick_content(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    persona_id: Option<Uuid>,
    t: &task::Model,
) -> Result<Json> {
    let picked = crate::service::content::pick::for_step(
        conn,
        scope,
        persona_id,
        t.image_kind.as_deref(),
        t.text_kind.as_deref(),
    )
    .await?;
    serde_json::to_value(picked).map_err(Error::internal)
}

/// A task in the scope's workspace; another workspace's is not found.
pub async fn find_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<task::Model> {
    task::Entity::find_by_id(id)
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
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
        return Err(Error::Conflict(why));
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

/// Marks a claimed task done and moves the account on: the next warm-up step is queued for
/// its day, the last one makes the account ready; the last cleanup task makes it ready.
pub async fn complete(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    task_id: Uuid,
    claimant: &Claimant,
    done: Done,
) -> Result<Outcome> {
    let settings = settings::get(db, scope).await?;
    let _turn = write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    let t = finish(
        &txn,
        scope,
        task_id,
        claimant,
        vec![
            (task::Column::Status, Expr::value(status::COMPLETED)),
            (
                task::Column::ExecutionTimeMs,
                Expr::value(done.execution_time_ms),
            ),
            (
                task::Column::InstagramResponse,
                Expr::value(done.instagram_response),
            ),
        ],
    )
    .await?;
    let outcome = advance(&txn, scope, &t, &settings, &claimant.actor(), "completed").await?;
    txn.commit().await?;
    Ok(outcome)
}

/// After step `t` ended well (done, done by hand or skipped): queue the next or finish.
async fn advance(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    t: &task::Model,
    settings: &Settings,
    actor: &Actor,
    how: &str,
) -> Result<Outcome> {
    let now = platform::db::now();
    let account = crate::service::accounts::find_in(conn, scope, t.account_id).await?;
    let mut next_step = None;
    let mut next_due_at = None;
    let mut state = account.state.clone();
    if t.kind == CLEANUP {
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
                &account,
                State::Ready,
                actor,
                "Cleanup finished",
                vec![
                    (account::Column::RequiresHumanReview, Expr::value(false)),
                    (account::Column::RetryCount, Expr::value(0)),
                ],
            )
            .await?;
            state = State::Ready.as_str().into();
        }
    } else {
        let n = usize::try_from(t.step_number).unwrap_or(0);
        lifecycle::record(
            conn,
            scope.workspace_id(),
            Some(account.id),
            account.proxy_id,
            "step",
            (None, None),
            actor,
            &format!("Step {}, {}: {how}", t.step_number, t.step_label),
        )
        .await?;
        if let Some(step) = settings.steps.get(n) {
            let due = due_after(now, step.days_after, settings.zone());
            let number = t.step_number + 1;
            insert(conn, scope, account.id, WARMUP, number, step, due, 0).await?;
            account::Entity::update_many()
                .col_expr(account::Column::WarmupStep, Expr::value(number))
                .col_expr(account::Column::RetryCount, Expr::value(0))
                .col_expr(account::Column::UpdatedAt, Expr::value(now))
                .filter(account::Column::Id.eq(account.id))
                .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
                .exec(conn)
                .await?;
            next_step = Some(number);
            next_due_at = Some(due);
        } else {
            lifecycle::transition(
                conn,
                &account,
                State::Ready,
                actor,
                "Warm-up finished: every step is done",
                vec![
                    (
                        account::Column::WarmupStep,
                        Expr::value(Option::<i32>::None),
                    ),
                    (account::Column::WarmupCompletedAt, Expr::value(now)),
                    (account::Column::RetryCount, Expr::value(0)),
                    (account::Column::RequiresHumanReview, Expr::value(false)),
                ],
            )
            .await?;
            state = State::Ready.as_str().into();
        }
    }
    Ok(Outcome {
        task_id: t.id,
        account_state: state,
        next_step,
        next_due_at,
    })
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
    let settings = settings::get(db, scope).await?;
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
        vec![
            (
                account::Column::LastErrorMessage,
                Expr::value(failed.error_message.clone()),
            ),
            (account::Column::LastErrorAt, Expr::value(now)),
            (account::Column::RetryCount, Expr::value(t.retry_count + 1)),
            (account::Column::RequiresHumanReview, Expr::value(review)),
        ]
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
    let settings = settings::get(db, scope).await?;
    let now = platform::db::now();
    let lease = now + Duration::seconds(i64::from(settings.lease_secs));
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

pub mod review;
