//! Durable background jobs, stored in the application database (SQLite or PostgreSQL).
//!
//! * A job is a Rust type with a serde payload and a handler ([`Job`]). It is enqueued with
//!   [`enqueue`] on the caller's connection — inside its transaction — so the job exists if and
//!   only if the business write committed.
//! * **Start at once, only after commit.** Committing a transaction that enqueued wakes the
//!   idle workers at once ([`wake`]): PostgreSQL `NOTIFY` in every process, SQLite's commit
//!   hook in the enqueuing process (other processes on one SQLite file find the job at their
//!   next poll). A rolled-back enqueue leaves no job and wakes nobody. Callers need not wake
//!   anyone; [`Jobs::wake`] is for jobs made available otherwise (an operator's retry).
//! * **Claims in batches.** A worker claims up to its free slots of a queue with one statement
//!   ([`store::claim`]: PostgreSQL `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
//!   LIMIT n) RETURNING`; SQLite the same `UPDATE`, atomic because SQLite has one writer), with
//!   a lease. Concurrent claimers skip each other's rows, so one attempt of a job is handed to
//!   one worker only.
//! * **Completions in batches.** A finished job's success is written with the others that
//!   finished within a few milliseconds ([`runner::RunnerConfig::flush`]), in one statement;
//!   until then its lease is renewed like a running job's. Shutdown writes what is pending.
//!   Failures (retry with exponential back-off and jitter, or `dead` after the last attempt;
//!   every attempt's error kept) are written at once.
//! * **At least once.** A job whose worker died — killed, or crashed between running the job
//!   and writing its completion — is claimed again once its lease has expired, and runs
//!   again. On PostgreSQL the queue's own records (claims, completions, lease renewals)
//!   commit asynchronously, so a crash of the database itself may also forget the last
//!   moments of them, with the same outcome. Handlers must therefore be idempotent (safe to
//!   run twice); in normal operation each job runs exactly once.
//! * Unique jobs: a key with a period; a second enqueue within the period is a no-op.
//! * Cron schedules ([`cron`]) enqueue one job per tick however many nodes run them.
//! * A long job reports live progress to its workspace's open pages with
//!   [`progress::Progress`] (`job.progress` / `job.finished` events).
//!
//! The design follows Oban's engines (basic for PostgreSQL, lite for SQLite). apalis was
//! weighed first: it cannot enqueue on the caller's SeaORM transaction and has neither unique
//! jobs nor once-per-tick cron across nodes, so it would not meet the requirements.

pub mod builtin;
mod completions;
pub mod cron;
pub mod dead;
pub mod model;
pub mod progress;
pub mod runner;
pub mod store;
pub mod wake;

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryTrait, Set, sea_query::OnConflict};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{
    db::now,
    error::{Error, Result},
    state::AppState,
};

/// The job system's handle in `AppState`: this process's wake-up signal for its workers.
#[derive(Clone, Default)]
pub struct Jobs {
    pub(crate) wake: wake::Signal,
}

impl Jobs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells this process's workers to look for work now rather than at their next poll.
    /// Not needed after [`enqueue`]: its commit wakes them (see [`wake`]). Use it when jobs
    /// became available otherwise (an operator's retry, a release).
    pub fn wake(&self) {
        self.wake.raise();
    }
}

/// How a job attempt ended badly.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (network trouble, a 5xx, a lock timeout…).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed: no more attempts.
    #[error("{0}")]
    Permanent(String),
    /// Worth another attempt, and the other side said when (a rate limit's `Retry-After`):
    /// the next attempt waits at least that long instead of the job's own backoff.
    #[error("{0}")]
    RetryIn(String, std::time::Duration),
}

impl JobError {
    pub fn retry(e: impl std::fmt::Display) -> Self {
        JobError::Retry(e.to_string())
    }

    pub fn permanent(e: impl std::fmt::Display) -> Self {
        JobError::Permanent(e.to_string())
    }

    pub fn retry_in(e: impl std::fmt::Display, wait: std::time::Duration) -> Self {
        JobError::RetryIn(e.to_string(), wait)
    }
}

impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        JobError::Retry(e.to_string())
    }
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// What a running job knows about itself.
#[derive(Debug, Clone)]
pub struct JobMeta {
    pub id: Uuid,
    pub attempt: i32,
    pub max_attempts: i32,
}

/// A kind of background work. The payload is the type itself, stored as JSON.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name stored with the job; never rename one that may be queued.
    const KIND: &'static str;
    const QUEUE: &'static str = "default";
    const MAX_ATTEMPTS: i32 = 20;
    /// An attempt running longer fails (and is retried).
    const TIMEOUT: Duration = Duration::from_secs(300);

    /// Delay before attempt `attempt + 1` after attempt `attempt` failed.
    fn backoff(attempt: i32) -> Duration {
        default_backoff(attempt)
    }

    fn run(
        self,
        state: AppState,
        meta: JobMeta,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// 15 s · 2^(attempt-1), capped at 6 hours, with ±10 % jitter so that failures at the same
/// moment do not retry at the same moment.
pub fn default_backoff(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) as u32 - 1;
    let base = 15u64.saturating_mul(1u64 << exp.min(20)).min(6 * 3600);
    jitter(Duration::from_secs(base))
}

pub fn jitter(d: Duration) -> Duration {
    let r = crate::crypto::random_bytes::<2>()
        .map(u16::from_le_bytes)
        .unwrap_or(32768);
    // factor in [0.9, 1.1)
    let factor = 0.9 + 0.2 * (f64::from(r) / 65536.0);
    d.mul_f64(factor)
}

/// Options of one enqueue.
#[derive(Debug, Clone, Default)]
pub struct Enqueue {
    pub run_at: Option<DateTime<Utc>>,
    pub priority: i32,
    /// Unique key and period: a second enqueue with the key within the period does nothing.
    pub unique: Option<(String, Duration)>,
    pub queue: Option<String>,
    pub max_attempts: Option<i32>,
}

/// Enqueues `job` on `conn` (use the caller's transaction). Returns the job id, or `None`
/// when a unique key made it a duplicate.
pub async fn enqueue<J: Job>(conn: &impl ConnectionTrait, job: &J) -> Result<Option<Uuid>> {
    enqueue_with(conn, job, Enqueue::default()).await
}

pub async fn enqueue_with<J: Job>(
    conn: &impl ConnectionTrait,
    job: &J,
    opts: Enqueue,
) -> Result<Option<Uuid>> {
    let payload = serde_json::to_value(job).map_err(Error::internal)?;
    enqueue_raw(
        conn,
        J::KIND,
        opts.queue.as_deref().unwrap_or(J::QUEUE),
        payload,
        opts.max_attempts.unwrap_or(J::MAX_ATTEMPTS),
        &opts,
    )
    .await
}

/// Enqueue by kind name (cron schedules, the CLI's retry).
pub async fn enqueue_raw(
    conn: &impl ConnectionTrait,
    kind: &str,
    queue: &str,
    payload: serde_json::Value,
    max_attempts: i32,
    opts: &Enqueue,
) -> Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let t = now();
    if let Some((key, period)) = &opts.unique {
        // Scoped: the trait's blanket `min`/`max` would shadow the integer ones elsewhere.
        use sea_orm::sea_query::ExprTrait;
        let period = chrono::Duration::from_std(*period).map_err(Error::internal)?;
        // Takes the key, or renews it only if its period is over: rows affected = 0 means
        // another job holds the key (a duplicate). Atomic on both backends.
        let res = model::unique::Entity::insert(model::unique::ActiveModel {
            key: Set(key.clone()),
            job_id: Set(id),
            expires_at: Set(t + period),
        })
        .on_conflict(
            OnConflict::column(model::unique::Column::Key)
                .update_columns([
                    model::unique::Column::JobId,
                    model::unique::Column::ExpiresAt,
                ])
                .action_and_where(
                    sea_orm::sea_query::Expr::col((
                        model::unique::Entity,
                        model::unique::Column::ExpiresAt,
                    ))
                    .lte(t),
                )
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        if res == 0 {
            metrics::counter!("jobs_deduplicated_total", "kind" => kind.to_string()).increment(1);
            return Ok(None);
        }
    }
    let insert = model::job::Entity::insert(model::job::ActiveModel {
        id: Set(id),
        kind: Set(kind.to_string()),
        queue: Set(queue.to_string()),
        payload: Set(payload),
        state: Set(model::AVAILABLE.into()),
        priority: Set(opts.priority),
        attempt: Set(0),
        max_attempts: Set(max_attempts.max(1)),
        run_at: Set(opts.run_at.unwrap_or(t)),
        attempted_at: Set(None),
        completed_at: Set(None),
        worker: Set(None),
        lease_expires_at: Set(None),
        errors: Set(serde_json::json!([])),
        unique_key: Set(opts.unique.as_ref().map(|(k, _)| k.clone())),
        created_at: Set(t),
    });
    let backend = conn.get_database_backend();
    if backend == sea_orm::DatabaseBackend::Postgres {
        // The notification is delivered when the transaction commits (never if it rolls
        // back): workers of every process listening on `gd_jobs` look for work at once
        // instead of at their next poll. One statement with the insert, so an enqueue outside
        // a transaction is one commit, and its notification cannot precede its row.
        // PostgreSQL folds identical notifications of one transaction into one.
        let mut query = insert.into_query();
        query.returning_col(model::job::Column::Queue);
        let built = backend.build(&query);
        conn.execute_raw(sea_orm::Statement {
            sql: format!(
                "WITH job AS ({}) SELECT pg_notify('gd_jobs', queue) FROM job",
                built.sql
            ),
            ..built
        })
        .await?;
    } else {
        // SQLite: the pool's commit hook wakes this process's workers (see `wake`).
        insert.exec_without_returning(conn).await?;
    }
    metrics::counter!("jobs_enqueued_total", "kind" => kind.to_string()).increment(1);
    Ok(Some(id))
}

type HandlerFn = dyn Fn(
        AppState,
        JobMeta,
        serde_json::Value,
    ) -> Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>
    + Send
    + Sync;

/// How to run one kind of job.
#[derive(Clone)]
pub struct Handler {
    pub queue: &'static str,
    pub timeout: Duration,
    pub backoff: fn(i32) -> Duration,
    run: Arc<HandlerFn>,
}

/// The job types this process can run, composed by the binary from every feature.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The platform's own job types (pruning, diagnostics, mail delivery).
    pub fn platform() -> Self {
        builtin::register(Self::new()).register::<crate::mail::DeliverMail>()
    }

    pub fn register<J: Job>(mut self) -> Self {
        let run: Arc<HandlerFn> = Arc::new(|state, meta, payload| {
            Box::pin(async move {
                let job: J = serde_json::from_value(payload).map_err(|e| {
                    JobError::Permanent(format!("payload does not match {}: {e}", J::KIND))
                })?;
                job.run(state, meta).await
            })
        });
        self.handlers.insert(
            J::KIND,
            Handler {
                queue: J::QUEUE,
                timeout: J::TIMEOUT,
                backoff: J::backoff,
                run,
            },
        );
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &&'static str> {
        self.handlers.keys()
    }
}

impl Handler {
    pub(crate) fn call(
        &self,
        state: AppState,
        meta: JobMeta,
        payload: serde_json::Value,
    ) -> Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>> {
        (self.run)(state, meta, payload)
    }
}
