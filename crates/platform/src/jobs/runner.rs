//! Workers: one claim loop per queue, each with its own concurrency limit, claiming up to its
//! free slots in one statement; a flusher that writes completions in batches; a heartbeat
//! that renews the leases of running jobs and of completions not written yet; a rescuer for
//! jobs whose worker died; graceful shutdown (stop claiming, let running jobs finish within a
//! grace period, write pending completions, release the rest). Dropping a [`Runner`] without
//! [`Runner::shutdown`] stops it like a crash: nothing more is written, and its jobs run again
//! once their leases expire.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::FutureExt;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tokio::{
    sync::{Notify, Semaphore, mpsc, watch},
    task::JoinSet,
};
use uuid::Uuid;

pub use super::completions::FLUSH_INTERVAL;
use super::{
    JobError, JobMeta, Registry,
    completions::{Leases, flush_loop},
    dead,
    model::job,
    store,
    wake::Wakeups,
};
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
    /// How long a finished job's completion may wait to be written together with the others
    /// that finish meanwhile (one statement, one commit). Its lease is renewed until then; a
    /// crash before the write runs the job again after the lease.
    pub flush: Duration,
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
            flush: FLUSH_INTERVAL,
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

pub struct Runner {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    heartbeat: tokio::task::JoinHandle<()>,
    flusher: tokio::task::JoinHandle<()>,
    jobs: Arc<Mutex<JoinSet<()>>>,
    leases: Leases,
    book: DatabaseConnection,
    config: RunnerConfig,
}

impl Runner {
    pub fn start(state: AppState, registry: Registry, config: RunnerConfig) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let leases = Leases::default();
        let jobs: Arc<Mutex<JoinSet<()>>> = Arc::default();
        // Claims of the busy queues, the flusher and the heartbeat; short statements that can
        // share a few connections.
        let book = store::bookkeeping(&state.db, 3);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let flusher = tokio::spawn(flush_loop(
            book.clone(),
            config.worker.clone(),
            leases.clone(),
            done_rx,
            config.flush,
        ));
        let shared = Arc::new(Shared {
            state: state.clone(),
            book: book.clone(),
            registry: Arc::new(registry),
            config: config.clone(),
            leases: leases.clone(),
            jobs: jobs.clone(),
            done: done_tx,
        });
        let mut tasks = JoinSet::new();
        for (queue, concurrency) in &config.queues {
            tasks.spawn(claim_loop(
                shared.clone(),
                queue.clone(),
                *concurrency,
                stop_rx.clone(),
            ));
        }
        // Only the claim loops and their jobs hold the completion channel: once they are
        // gone, the flusher writes what is pending and ends.
        drop(shared);
        if state.db.get_database_backend() == DatabaseBackend::Postgres {
            tasks.spawn(listen_loop(state.clone(), stop_rx.clone()));
        }
        // Outside `tasks`: it must keep leases alive until the pending completions are written.
        let heartbeat = tokio::spawn(heartbeat_loop(book.clone(), config.clone(), leases.clone()));
        tasks.spawn(rescue_loop(state.clone(), config.clone(), stop_rx));
        tracing::info!(worker = %config.worker, queues = ?config.queues, "job workers started");
        Self {
            stop,
            tasks,
            heartbeat,
            flusher,
            jobs,
            leases,
            book,
            config,
        }
    }

    pub fn worker(&self) -> &str {
        &self.config.worker
    }

    /// Stops claiming, waits up to the grace period for running jobs, writes the completions
    /// not written yet, then releases whatever is still running (without using up its
    /// attempt).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        let deadline = Instant::now() + self.config.grace;
        while !self.leases.running().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let unfinished = self.jobs.lock().map(|mut j| {
            j.abort_all();
            std::mem::take(&mut *j)
        });
        if let Ok(mut unfinished) = unfinished {
            // Aborted jobs drop their completion senders; the flusher then ends.
            while unfinished.join_next().await.is_some() {}
        }
        if tokio::time::timeout(Duration::from_secs(10), &mut self.flusher)
            .await
            .is_err()
        {
            tracing::error!(
                "completions not all written at shutdown; those jobs will run again after their lease"
            );
        }
        self.heartbeat.abort();
        let left = self.leases.running();
        if !left.is_empty() {
            match store::release(&self.book, &self.config.worker, &left).await {
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

impl Drop for Runner {
    /// Without [`Runner::shutdown`] this is a crash: every task stops where it is, nothing
    /// more is written, and the leases expire.
    fn drop(&mut self) {
        self.heartbeat.abort();
        self.flusher.abort();
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.abort_all();
        }
        // `tasks` aborts the claim loops, the listener and the rescuer when dropped.
    }
}

/// What the claim loops and their jobs share.
struct Shared {
    state: AppState,
    /// See [`store::bookkeeping`].
    book: DatabaseConnection,
    registry: Arc<Registry>,
    config: RunnerConfig,
    leases: Leases,
    jobs: Arc<Mutex<JoinSet<()>>>,
    /// Succeeded attempts (job id, attempt), written in batches by the flusher.
    done: mpsc::UnboundedSender<(Uuid, i32)>,
}

async fn claim_loop(
    shared: Arc<Shared>,
    queue: String,
    concurrency: usize,
    mut stop: watch::Receiver<bool>,
) {
    let config = &shared.config;
    let slots = Arc::new(Semaphore::new(concurrency));
    let finished = Arc::new(Notify::new());
    // Subscribed before the first claim: a commit after it wakes this loop, one before it
    // is found by the claim.
    let commits = super::wake::sqlite_commits(&shared.state.db)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(queue, error = %e, "commits will not wake the workers; polling only");
            None
        });
    let mut wakeups = Wakeups::new(&shared.state.jobs.wake, commits.as_ref());
    // Whether the last claim found nothing: then the next one looks (reads) before it claims.
    // The first claim does not look: on SQLite a commit whose hook fired just before we
    // subscribed raised nothing we can see, and a read may still miss it (the commit is not
    // visible yet), while the claiming UPDATE waits for its write lock and finds the job.
    // Looking first there left such a job waiting for the next poll.
    let mut idle = false;
    loop {
        if *stop.borrow() {
            return;
        }
        if wakeups.take() {
            idle = false;
        }
        let free = slots.available_permits();
        let mut claimed_all = false;
        if free > 0 {
            let lease_until = now() + chrono::Duration::from_std(config.lease).unwrap_or_default();
            match store::claim(
                &shared.book,
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
                        shared.leases.started(j.id);
                        let (job_shared, finished) = (shared.clone(), finished.clone());
                        if let Ok(mut set) = shared.jobs.lock() {
                            set.spawn(async move {
                                execute(&job_shared, j).await;
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
            _ = wakeups.raised() => idle = false,
            _ = finished.notified(), if slots.available_permits() == 0 => {}
            _ = tokio::time::sleep(config.poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs one claimed job and records the outcome: a failure at once, a success through the
/// flusher.
async fn execute(shared: &Shared, j: job::Model) {
    let (state, worker) = (&shared.state, shared.config.worker.as_str());
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
    let outcome = match shared.registry.get(&kind) {
        None => Err((
            JobError::Permanent(format!("no handler for job kind {kind:?} in this process")),
            None,
        )),
        Some(handler) => {
            // One line per execution (debug): `bench jobs` counts them to find duplicates.
            tracing::debug!(job_id = %j.id, kind = %kind, attempt = j.attempt, "job started");
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
            // Written by the flusher; if it cannot, the lease expires and the job runs again
            // (delivery is at least once either way).
            shared.leases.succeeded(j.id);
            if shared.done.send((j.id, j.attempt)).is_ok() {
                return;
            }
            let written = store::complete(&shared.book, j.id, worker, j.attempt).await;
            shared.leases.forget([j.id]);
            written
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
            let written =
                match dead::fail(&state.db, &j, worker, &error.to_string(), retry_at).await {
                    Ok((recorded, event)) => {
                        dead::publish(&state.events, event).await;
                        Ok(recorded)
                    }
                    Err(e) => Err(e),
                };
            shared.leases.forget([j.id]);
            written
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

/// PostgreSQL: enqueues anywhere notify `gd_jobs` at commit; wake this process's workers.
async fn listen_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = state.db.get_postgres_connection_pool().clone();
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen("gd_jobs").await {
                Ok(()) => {
                    // Jobs committed before the LISTEN took effect (at start, or while the
                    // connection was lost) notified nobody: look once now, so none waits for
                    // the poll.
                    state.jobs.wake();
                    loop {
                        tokio::select! {
                            n = listener.try_recv() => match n {
                                Ok(Some(_)) => state.jobs.wake(),
                                // Connection lost: listen again on a new one (and look again).
                                Ok(None) => break,
                                Err(e) => {
                                    tracing::warn!(error = %e, "job notifications interrupted; polling meanwhile");
                                    break;
                                }
                            },
                            _ = stop.changed() => return,
                        }
                    }
                }
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

async fn heartbeat_loop(book: DatabaseConnection, config: RunnerConfig, leases: Leases) {
    let every = config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let ids = leases.all();
        let lease_until = now() + chrono::Duration::from_std(config.lease).unwrap_or_default();
        if let Err(e) = store::heartbeat(&book, &config.worker, &ids, lease_until).await {
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
                state.jobs.wake();
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
