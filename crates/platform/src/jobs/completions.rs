//! Batched completions, and the leases a runner holds.
//!
//! A job that ran to success is not written at once: the [`flush_loop`] gathers the successes
//! of a few milliseconds and writes them in one statement (one commit for many jobs). Until
//! then the job stays leased — the heartbeat renews its lease like a running job's — so a
//! slow write never lets another worker take it over; a crash before the write lets the lease
//! expire and the job runs again (at least once). Failures are written at once by the runner.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::store;

/// How long a completion may wait to be written with others, by default
/// ([`super::runner::RunnerConfig::flush`]).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(5);

/// Completions written in one statement at most.
const FLUSH_BATCH: usize = 1000;

/// The jobs this runner holds a lease on: running, or finished with the completion not
/// written yet. The heartbeat renews both; shutdown waits for the running ones and releases
/// those that did not finish.
#[derive(Clone, Default)]
pub(crate) struct Leases(Arc<Mutex<LeaseSets>>);

#[derive(Default)]
struct LeaseSets {
    running: HashSet<Uuid>,
    unwritten: HashSet<Uuid>,
}

impl Leases {
    fn with<T>(&self, f: impl FnOnce(&mut LeaseSets) -> T) -> Option<T> {
        self.0.lock().ok().map(|mut sets| f(&mut sets))
    }

    pub(crate) fn started(&self, id: Uuid) {
        self.with(|s| s.running.insert(id));
    }

    /// Ran to success; leased until the flusher writes it.
    pub(crate) fn succeeded(&self, id: Uuid) {
        self.with(|s| {
            s.running.remove(&id);
            s.unwritten.insert(id);
        });
    }

    /// Its outcome is written (or it is given up): no lease to renew.
    pub(crate) fn forget(&self, ids: impl IntoIterator<Item = Uuid>) {
        self.with(|s| {
            for id in ids {
                s.running.remove(&id);
                s.unwritten.remove(&id);
            }
        });
    }

    pub(crate) fn running(&self) -> Vec<Uuid> {
        self.with(|s| s.running.iter().copied().collect())
            .unwrap_or_default()
    }

    pub(crate) fn all(&self) -> Vec<Uuid> {
        self.with(|s| s.running.union(&s.unwritten).copied().collect())
            .unwrap_or_default()
    }
}

/// Writes completions in batches: the first one waits up to `every` for others to join it
/// (and whatever finishes while a batch is written goes in the next). When the channel closes
/// (shutdown: every claim loop and job has ended) it writes what is pending at once and ends.
pub(crate) async fn flush_loop(
    book: DatabaseConnection,
    worker: String,
    leases: Leases,
    mut done: mpsc::UnboundedReceiver<(Uuid, i32)>,
    every: Duration,
) {
    let mut batch: Vec<(Uuid, i32)> = Vec::new();
    let mut open = true;
    loop {
        if batch.is_empty() {
            match done.recv().await {
                Some(first) => batch.push(first),
                None => return,
            }
        }
        let until = tokio::time::Instant::now() + every;
        while open && batch.len() < FLUSH_BATCH {
            match tokio::time::timeout_at(until, done.recv()).await {
                Ok(Some(d)) => batch.push(d),
                Ok(None) => open = false,
                Err(_) => break,
            }
        }
        match store::complete_many(&book, &worker, &batch).await {
            Ok(written) => {
                if written < batch.len() as u64 {
                    tracing::warn!(
                        not_written = batch.len() as u64 - written,
                        "completions not recorded: those jobs' leases were taken over"
                    );
                }
                leases.forget(batch.drain(..).map(|(id, _)| id));
            }
            Err(e) if open => {
                // Kept (and still leased): written with the next batch.
                tracing::warn!(error = %e, jobs = batch.len(), "writing completions failed; retrying");
                tokio::time::sleep(every.max(Duration::from_millis(100))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "completions not written; the jobs will run again after their lease");
                return;
            }
        }
        if !open && batch.is_empty() {
            // Anything sent before the close was received above.
            return;
        }
    }
}
