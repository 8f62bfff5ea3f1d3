//! Simulated workers: tokio tasks that speak the worker API over HTTP exactly as a real worker
//! would (claim, heartbeat, complete or fail), so a new user can watch the pipeline move on
//! demo data (`growthdeck fleet simulate`) and the bench can measure claims under load.
//! Nothing here reaches into the engine: every step goes through `/api/bot/*`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use platform::{Result, Scope};
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::model::task;
use crate::service::{
    lifecycle::{self, Actor},
    tasks::status,
};

/// How the simulated workers behave.
#[derive(Debug, Clone)]
pub struct Options {
    /// The share of steps reported failed (0–1); most failures are retryable.
    pub fail_rate: f64,
    /// Milliseconds a step "takes" on the phone (a random time in this range).
    pub work_ms: (u64, u64),
    /// Stop once nothing was due for this long.
    pub stop_when_idle: Duration,
    /// Stop after this many answered tasks (0: no limit).
    pub max_tasks: u64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fail_rate: 0.0,
            work_ms: (0, 0),
            stop_when_idle: Duration::from_secs(2),
            max_tasks: 0,
            seed: 7,
        }
    }
}

/// What happened, counted while it runs (a progress bar reads it).
#[derive(Debug, Default)]
pub struct Counters {
    pub claims: AtomicU64,
    pub completed: AtomicU64,
    pub failed: AtomicU64,
    /// Answers refused with 409 (a lease that ran out meanwhile).
    pub conflicts: AtomicU64,
    pub errors: AtomicU64,
    pub waits_skipped: AtomicU64,
}

/// The run's outcome.
#[derive(Debug)]
pub struct Summary {
    pub claims: u64,
    pub completed: u64,
    pub failed: u64,
    pub conflicts: u64,
    pub errors: u64,
    pub waits_skipped: u64,
    pub elapsed: Duration,
    /// Microseconds of each successful claim (`GET next-task` answering 200).
    pub claim_latencies_us: Vec<u64>,
}

const FAILURES: [(&str, bool); 5] = [
    ("Timed out waiting for the Instagram app to respond", true),
    ("Proxy connection refused", true),
    ("Action blocked: try again later", true),
    (
        "challenge_required: Instagram asks to confirm it is you",
        false,
    ),
    ("The phone lost its network connection", true),
];

/// With `skip_waits`, when nothing is due the earliest waiting step is made due now (a
/// simulation of the days passing), recorded on the account's timeline.
pub struct SkipWaits {
    pub db: sea_orm::DatabaseConnection,
    pub scope: Scope,
}

impl SkipWaits {
    async fn skip(&self) -> Result<bool> {
        let txn = platform::db::begin_write(&self.db).await?;
        let next = task::Entity::find()
            .filter(task::Column::WorkspaceId.eq(self.scope.workspace_id()))
            .filter(task::Column::Status.eq(status::PENDING))
            .order_by_asc(task::Column::DueAt)
            .one(&txn)
            .await?;
        let Some(t) = next else {
            txn.commit().await?;
            return Ok(false);
        };
        let now = platform::db::now();
        if t.due_at > now {
            task::Entity::update_many()
                .col_expr(task::Column::DueAt, Expr::value(now))
                .filter(task::Column::Id.eq(t.id))
                .filter(task::Column::Status.eq(status::PENDING))
                .exec(&txn)
                .await?;
            let account =
                crate::service::accounts::find_in(&txn, &self.scope, t.account_id).await?;
            lifecycle::record(
                &txn,
                self.scope.workspace_id(),
                Some(t.account_id),
                account.proxy_id,
                "step",
                (None, None),
                &Actor::system("Simulator"),
                &format!(
                    "Simulation: step {}, {} brought forward from {}",
                    t.step_number,
                    t.step_label,
                    platform::web::forms::fmt_time(&t.due_at)
                ),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(true)
    }
}

/// Runs one simulated worker per `(worker id, token)` against `base` until nothing is due
/// (or `max_tasks` were answered).
pub async fn run(
    base: &str,
    workers: Vec<(Uuid, String)>,
    options: Options,
    counters: Arc<Counters>,
    skip_waits: Option<Arc<SkipWaits>>,
) -> Summary {
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(workers.len().max(1))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let last_work = Arc::new(Mutex::new(Instant::now()));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for (i, (id, token)) in workers.into_iter().enumerate() {
        let client = client.clone();
        let base = base.trim_end_matches('/').to_string();
        let options = options.clone();
        let counters = counters.clone();
        let last_work = last_work.clone();
        let latencies = latencies.clone();
        let skip_waits = skip_waits.clone();
        handles.push(tokio::spawn(async move {
            let mut rng =
                rand_chacha::ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(i as u64));
            let mut mine = Vec::new();
            loop {
                if options.max_tasks > 0
                    && counters.completed.load(Ordering::Relaxed)
                        + counters.failed.load(Ordering::Relaxed)
                        >= options.max_tasks
                {
                    break;
                }
                let t0 = Instant::now();
                let res = client
                    .get(format!("{base}/api/bot/next-task/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let res = match res {
                    Ok(r) => r,
                    Err(_) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                };
                if res.status() == reqwest::StatusCode::NO_CONTENT {
                    let idle = last_work.lock().await.elapsed();
                    if idle >= options.stop_when_idle {
                        let skipped = match &skip_waits {
                            Some(s) => s.skip().await.unwrap_or(false),
                            None => false,
                        };
                        if skipped {
                            counters.waits_skipped.fetch_add(1, Ordering::Relaxed);
                            *last_work.lock().await = Instant::now();
                            continue;
                        }
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                if !res.status().is_success() {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                let task: Value = match res.json().await {
                    Ok(v) => v,
                    Err(_) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                };
                mine.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                counters.claims.fetch_add(1, Ordering::Relaxed);
                *last_work.lock().await = Instant::now();
                let task_id = task["task_id"].clone();
                let (lo, hi) = options.work_ms;
                let work = if hi > lo {
                    rng.random_range(lo..=hi)
                } else {
                    lo
                };
                if work > 0 {
                    let _ = client
                        .put(format!("{base}/api/bot/heartbeat/{id}"))
                        .bearer_auth(&token)
                        .json(&json!({"status": "busy", "current_task_id": task_id}))
                        .send()
                        .await;
                    tokio::time::sleep(Duration::from_millis(work)).await;
                }
                let fails =
                    options.fail_rate > 0.0 && rng.random_bool(options.fail_rate.clamp(0.0, 1.0));
                let (path, body) = if fails {
                    let (message, retryable) = FAILURES[rng.random_range(0..FAILURES.len())];
                    (
                        "step-failed",
                        json!({"task_id": task_id, "error_message": message, "retryable": retryable,
                               "execution_time_ms": work, "session_id": format!("sim-{i}")}),
                    )
                } else {
                    (
                        "step-complete",
                        json!({"task_id": task_id, "execution_time_ms": work,
                               "instagram_response": {"simulated": true, "at": Utc::now()},
                               "session_id": format!("sim-{i}")}),
                    )
                };
                match client
                    .post(format!("{base}/api/bot/{path}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        if fails {
                            counters.failed.fetch_add(1, Ordering::Relaxed);
                        } else {
                            counters.completed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(r) if r.status() == reqwest::StatusCode::CONFLICT => {
                        counters.conflicts.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                *last_work.lock().await = Instant::now();
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let claim_latencies_us = std::mem::take(&mut *latencies.lock().await);
    Summary {
        claims: counters.claims.load(Ordering::Relaxed),
        completed: counters.completed.load(Ordering::Relaxed),
        failed: counters.failed.load(Ordering::Relaxed),
        conflicts: counters.conflicts.load(Ordering::Relaxed),
        errors: counters.errors.load(Ordering::Relaxed),
        waits_skipped: counters.waits_skipped.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        claim_latencies_us,
    }
}
