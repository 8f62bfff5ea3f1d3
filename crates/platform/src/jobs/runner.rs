//! Workers: one claim loop per queue, each with its own concurrency limit; a heartbeat that
//! renews the leases of running jobs; a rescuer for jobs whose worker died; graceful shutdown
//! (stop claiming, let running jobs finish within a grace period, release the rest).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::FutureExt;
use tokio::{
    sync::{Notify, Semaphore, watch},
    task::JoinSet,
};
use uuid::Uuid;

use super::{JobError, JobMeta, Registry, dead, model::job, store};
use crate::{db::now, state::AppState};

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// (queue, concurrency)
    pub queues: Vec<(String, usize)>,
    pub lease: Duration,
    pub poll: Duration,
    pub grace: Duration,
    /// Unique per process: host + pid + random suffix.
    pub worker: String,
}

impl RunnerConfig {
    pub fn from_config(config: &crate::Config, only: Option<&[String]>) -> Self {
        let mut queues: Vec<(String, usize)> = config
            .jobs_queues
            .iter()
            .filter(|(q, _)| only.is_none_or(|o| o.iter().any(|x| x == *q)))
            .map(|(q, n)| (q.clone(), (*n).max(1)))
            .collect();
        if let Some(only) = only {
            for q in only {
                if !queues.iter().any(|(name, _)| name == q) {
                    queues.push((q.clone(), 5));
                }
            }
        }
        Self {
            queues,
            lease: Duration::from_secs(config.jobs_lease_secs.max(1)),
            poll: Duration::from_millis(config.jobs_poll_ms.max(10)),
            grace: Duration::from_secs(config.jobs_shutdown_grace_secs),
            worker: worker_name(),
        }
    }
}

pub fn worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "node".into());
    let suffix = crate::crypto::random_bytes::<2>()
        .map(hex::encode)
        .unwrap_or_default();
    format!("{host}-{}-{suffix}", std::process::id())
}

/// Jobs this process is running, for the heartbeat and for release at shutdown.
type Running = Arc<Mutex<HashSet<Uuid>>>;

pub struct Runner {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    heartbeat: tokio::task::JoinHandle<()>,
    flusher: tokio::task::JoinHandle<()>,
    jobs: Arc<Mutex<JoinSet<()>>>,
    running: Running,
    state: AppState,
    config: RunnerConfig,
}

impl Runner {
    pub fn start(state: AppState, registry: Registry, config: RunnerConfig) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let running: Running = Arc::default();
        let jobs: Arc<Mutex<JoinSet<()>>> = Arc::default();
        let registry = Arc::new(registry);
        let (done_tx, done_rx) = tokio::sync::mpsc::unbounded_channel();
        let flusher = tokio::spawn(flush_loop(state.clone(), config.worker.clone(), done_rx));
        let mut tasks = JoinSet::new();
        for (queue, concurrency) in &config.queues {
            tasks.spawn(claim_loop(
                state.clone(),
                registry.clone(),
                config.clone(),
                queue.clone(),
                *concurrency,
                Shared {
                    running: running.clone(),
                    jobs: jobs.clone(),
                    done: done_tx.clone(),
                },
                stop_rx.clone(),
            ));
        }
        drop(done_tx);
        if state.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            tasks.spawn(listen_loop(state.clone(), stop_rx.clone()));
        }
        // Outside `tasks`: it must keep leases alive until the grace period ends.
        let heartbeat = tokio::spawn(heartbeat_loop(
            state.clone(),
            config.clone(),
            running.clone(),
        ));
        tasks.spawn(rescue_loop(state.clone(), config.clone(), stop_rx));
        tracing::info!(worker = %config.worker, queues = ?config.queues, "job workers started");
        Self {
            stop,
            tasks,
            heartbeat,
            flusher,
            jobs,
            running,
            state,
            config,
        }
    }

    pub fn worker(&self) -> &str {
        &self.config.worker
    }

    /// Stops claiming, waits up to the grace period for running jobs, then releases whatever
    /// is still running (without using up its attempt).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        let deadline = Instant::now() + self.config.grace;
        loop {
            let empty = self.running.lock().map(|r| r.is_empty()).unwrap_or(true);
            if empty || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.heartbeat.abort();
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.abort_all();
            // Aborted tasks drop their completion senders; the flusher then ends.
            while jobs.try_join_next().is_some() {}
        }
        if let Ok(mut jobs) = self.jobs.lock().map(|mut j| std::mem::take(&mut *j)) {
            while jobs.join_next().await.is_some() {}
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.flusher).await;
        let left: Vec<Uuid> = self
            .running
            .lock()
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        if !left.is_empty() {
            match store::release(&self.state.db, &self.config.worker, &left).await {
                Ok(n) => tracing::warn!(
                    released = n,
                    "shutdown grace period over: unfinished jobs released"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "could not release jobs; their leases will expire")
                }
            }
        }
        tracing::info!(worker = %self.config.worker, "job workers stopped");
    }
}

/// What the claim loops share with the runner.
#[derive(Clone)]
struct Shared {
    running: Running,
    jobs: Arc<Mutex<JoinSet<()>>>,
    /// Completed job ids, recorded in batches by the flusher.
    done: tokio::sync::mpsc::UnboundedSender<Uuid>,
}

async fn claim_loop(
    state: AppState,
    registry: Arc<Registry>,
    config: RunnerConfig,
    queue: String,
    concurrency: usize,
    shared: Shared,
    mut stop: watch::Receiver<bool>,
) {
    let Shared {
        running,
        jobs,
        done,
    } = shared;
    let slots = Arc::new(Semaphore::new(concurrency));
    let finished = Arc::new(Notify::new());
    let wake = state.jobs.wake.clone();
    // Whether the last claim found nothing: then the next one looks (reads) before it claims.
    let mut idle = true;
    loop {
        if *stop.borrow() {
            return;
        }
        // Armed before claiming, so a wake-up during the claim is not lost.
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let free = slots.available_permits();
        let mut claimed_all = false;
        if free > 0 {
            let lease_until = now() + chrono::Duration::from_std(config.lease).unwrap_or_default();
            match store::claim(
                &state.db,
                &queue,
                &config.worker,
                free as u32,
                lease_until,
                idle,
            )
            .await
            {
                Ok(batch) => {
                    idle = batch.is_empty();
                    claimed_all = batch.len() == free;
                    for j in batch {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        if let Ok(mut r) = running.lock() {
                            r.insert(j.id);
                        }
                        let (state, registry, worker, running, finished, done) = (
                            state.clone(),
                            registry.clone(),
                            config.worker.clone(),
                            running.clone(),
                            finished.clone(),
                            done.clone(),
                        );
                        if let Ok(mut set) = jobs.lock() {
                            set.spawn(async move {
                                let id = j.id;
                                execute(&state, &registry, &worker, &done, j).await;
                                if let Ok(mut r) = running.lock() {
                                    r.remove(&id);
                                }
                                drop(permit);
                                finished.notify_one();
                            });
                            // Reap finished tasks so the set does not grow without bound.
                            while set.try_join_next().is_some() {}
                        }
                    }
                }
                Err(e) => tracing::warn!(queue, error = %e, "claiming jobs failed"),
            }
        }
        if claimed_all {
            continue;
        }
        tokio::select! {
            _ = woken => {}
            _ = finished.notified(), if slots.available_permits() == 0 => {}
            _ = tokio::time::sleep(config.poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs one claimed job and records the outcome.
async fn execute(
    state: &AppState,
    registry: &Registry,
    worker: &str,
    done: &tokio::sync::mpsc::UnboundedSender<Uuid>,
    j: job::Model,
) {
    let kind = j.kind.clone();
    let latency = (now() - j.run_at)
        .to_std()
        .unwrap_or_default()
        .as_secs_f64();
    metrics::histogram!("jobs_claim_latency_seconds", "queue" => j.queue.clone()).record(latency);
    metrics::counter!("jobs_started_total", "kind" => kind.clone()).increment(1);
    let meta = JobMeta {
        id: j.id,
        attempt: j.attempt,
        max_attempts: j.max_attempts,
    };
    let outcome = match registry.get(&kind) {
        None => Err((
            JobError::Permanent(format!("no handler for job kind {kind:?} in this process")),
            None,
        )),
        Some(handler) => {
            let fut =
                std::panic::AssertUnwindSafe(handler.call(state.clone(), meta, j.payload.clone()))
                    .catch_unwind();
            match tokio::time::timeout(handler.timeout, fut).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err((e, Some(handler.backoff))),
                Ok(Err(_panic)) => Err((
                    JobError::Retry("the job panicked".into()),
                    Some(handler.backoff),
                )),
                Err(_) => Err((
                    JobError::Retry(format!(
                        "timed out after {} s",
                        handler.timeout.as_secs_f64()
                    )),
                    Some(handler.backoff),
                )),
            }
        }
    };
    let recorded = match outcome {
        Ok(()) => {
            metrics::counter!("jobs_succeeded_total", "kind" => kind.clone()).increment(1);
            // Recorded by the flusher; if it cannot, the lease expires and the job runs again
            // (delivery is at least once either way).
            match done.send(j.id) {
                Ok(()) => Ok(true),
                Err(_) => store::complete(&state.db, j.id, worker, j.attempt).await,
            }
        }
        Err((error, backoff)) => {
            metrics::counter!("jobs_failed_total", "kind" => kind.clone()).increment(1);
            let retry_at = match (&error, backoff) {
                (JobError::Retry(_), Some(backoff)) if j.attempt < j.max_attempts => {
                    Some(now() + chrono::Duration::from_std(backoff(j.attempt)).unwrap_or_default())
                }
                // The job's own backoff may be shorter than what the other side asked for;
                // the longer of the two wins so a rate limit is not hit again at once.
                (JobError::RetryIn(_, wait), backoff) if j.attempt < j.max_attempts => {
                    let own = backoff.map(|b| b(j.attempt)).unwrap_or_default();
                    let wait = (*wait).max(own);
                    Some(now() + chrono::Duration::from_std(wait).unwrap_or_default())
                }
                _ => None,
            };
            if retry_at.is_none() {
                metrics::counter!("jobs_dead_total", "kind" => kind.clone()).increment(1);
                tracing::error!(job_id = %j.id, kind, attempt = j.attempt, error = %error, "job is dead");
            } else {
                tracing::warn!(job_id = %j.id, kind, attempt = j.attempt, error = %error, "job failed; will retry");
            }
            // A death also notifies the staff (same transaction; published below).
            match dead::fail(&state.db, &j, worker, &error.to_string(), retry_at).await {
                Ok((recorded, event)) => {
                    dead::publish(&state.events, event).await;
                    Ok(recorded)
                }
                Err(e) => Err(e),
            }
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(job_id = %j.id, "job outcome not recorded: its lease was taken over")
        }
        Err(e) => {
            tracing::error!(job_id = %j.id, error = %e, "job outcome not recorded; the lease will expire and it will run again")
        }
    }
}

/// Records completions in batches: whatever finished while the previous batch was being
/// written goes in the next statement.
async fn flush_loop(
    state: AppState,
    worker: String,
    mut done: tokio::sync::mpsc::UnboundedReceiver<Uuid>,
) {
    while let Some(first) = done.recv().await {
        let mut batch = vec![first];
        while batch.len() < 1000 {
            match done.try_recv() {
                Ok(id) => batch.push(id),
                Err(_) => break,
            }
        }
        if let Err(e) = store::complete_many(&state.db, &worker, &batch).await {
            tracing::error!(error = %e, jobs = batch.len(), "completions not recorded; the jobs will run again after their lease");
        }
    }
}

/// PostgreSQL: enqueues anywhere notify `gd_jobs` at commit; wake this process's workers.
async fn listen_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = state.db.get_postgres_connection_pool().clone();
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen("gd_jobs").await {
                Ok(()) => loop {
                    tokio::select! {
                        n = listener.recv() => match n {
                            Ok(_) => state.jobs.wake(),
                            Err(e) => {
                                tracing::warn!(error = %e, "job notifications interrupted; polling meanwhile");
                                break;
                            }
                        },
                        _ = stop.changed() => return,
                    }
                },
                Err(e) => tracing::warn!(error = %e, "LISTEN gd_jobs failed; polling meanwhile"),
            },
            Err(e) => {
                tracing::warn!(error = %e, "job notification listener not connected; polling meanwhile")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn heartbeat_loop(state: AppState, config: RunnerConfig, running: Running) {
    let every = config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let ids: Vec<Uuid> = running
            .lock()
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        let lease_until = now() + chrono::Duration::from_std(config.lease).unwrap_or_default();
        if let Err(e) = store::heartbeat(&state.db, &config.worker, &ids, lease_until).await {
            tracing::warn!(error = %e, "lease renewal failed");
        }
    }
}

async fn rescue_loop(state: AppState, config: RunnerConfig, mut stop: watch::Receiver<bool>) {
    let every = (config.lease / 2).max(Duration::from_millis(200));
    loop {
        match store::rescue_expired(&state.db).await {
            Ok((0, _)) => {}
            Ok((n, deaths)) => {
                tracing::warn!(rescued = n, "rescued jobs of workers that stopped");
                for event in deaths {
                    dead::publish(&state.events, Some(event)).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "rescue failed"),
        }
        if let Ok(depths) = store::depth(&state.db).await {
            for (queue, n) in depths {
                metrics::gauge!("jobs_queue_depth", "queue" => queue).set(n as f64);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}
