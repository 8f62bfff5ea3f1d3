//! Waking idle workers the moment there is work, so a job starts in milliseconds rather than
//! at the next poll — and never for a job whose transaction rolled back.
//!
//! * **PostgreSQL:** every enqueue sends `NOTIFY gd_jobs` in its own transaction; PostgreSQL
//!   delivers it at commit (never on rollback) to the listener of every process, which raises
//!   that process's [`Signal`] ([`super::Jobs`]).
//! * **SQLite** has no NOTIFY, so the pool watches its own commits: every connection opened by
//!   [`crate::db::connect_url`] gets SQLite's update, commit and rollback hooks
//!   ([`watch_sqlite_commits`]). An insert into `jobs` marks the connection's transaction; its
//!   commit raises the [`Signal`] of the database file ([`sqlite_commits`]); a rollback
//!   clears the mark and raises nothing. Enqueues outside a transaction commit at once, so
//!   they wake at once too. Other processes on the same file still find the job at their next
//!   poll (`jobs_poll_ms`).
//!
//! Two details make the SQLite wake-up race-free rather than usually fast:
//!
//! 1. SQLite calls the commit hook just *before* the commit is visible, while the committing
//!    connection still holds the database's single write lock. A woken worker therefore
//!    claims with the claiming `UPDATE` itself, never with a read first (a read would see the
//!    state before the commit and go back to sleep): the `UPDATE` needs the write lock, waits
//!    for the commit to finish (`busy_timeout`) and then sees the new jobs.
//! 2. A [`Signal`] is a counter in a `watch` channel, not a bare notification: a worker that
//!    is busy claiming when it is raised sees on its next look that it changed, so no wake-up
//!    is lost between two waits.
//!
//! The commit signal is looked up by database file, process-wide: SQLite connections are
//! opened by the pool whenever it likes, long before and apart from any `AppState`, and what
//! two pools on one file share is the file. Rolled-back savepoints inside a committed
//! transaction still count as an insert (SQLite reports no hook for `ROLLBACK TO`): that
//! costs one needless look, never a job that should not run.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        Arc, Mutex, OnceLock, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use futures::future::BoxFuture;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement,
    sqlx::{
        self,
        pool::PoolConnectionMetadata,
        sqlite::{SqliteConnection, SqliteOperation},
    },
};
use tokio::sync::watch;

/// "There may be new work": a counter that only goes up. Receivers ([`Signal::subscribe`])
/// see whether it changed since they last looked, so a raise is never lost.
#[derive(Clone)]
pub struct Signal(Arc<watch::Sender<u64>>);

impl Default for Signal {
    fn default() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }
}

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn raise(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that has seen every raise so far.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

type Registry = Mutex<HashMap<PathBuf, Weak<watch::Sender<u64>>>>;

/// Commit signals by SQLite file. Weak: a signal lives as long as a connection's hooks or a
/// subscriber hold it.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

fn signal_of(file: PathBuf) -> Signal {
    let Ok(mut map) = registry().lock() else {
        // Poisoned only by a panic while holding it: wake-ups of this file fall back to polling.
        return Signal::new();
    };
    if let Some(sender) = map.get(&file).and_then(Weak::upgrade) {
        return Signal(sender);
    }
    map.retain(|_, w| w.strong_count() > 0);
    let signal = Signal::new();
    map.insert(file, Arc::downgrade(&signal.0));
    signal
}

/// The file of the `main` database as SQLite reports it (absolute), or `None` for an
/// in-memory database (each connection its own database: nothing to wake across).
async fn main_file(conn: &mut SqliteConnection) -> Result<Option<PathBuf>, sqlx::Error> {
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(conn)
            .await?;
    Ok((!file.is_empty()).then(|| PathBuf::from(file)))
}

/// The pool's `after_connect` for SQLite: installs the hooks that raise the file's commit
/// signal when a transaction that inserted into `jobs` commits (see the module docs).
pub fn watch_sqlite_commits(
    conn: &mut SqliteConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        let Some(file) = main_file(conn).await? else {
            return Ok(());
        };
        let signal = signal_of(file);
        // Hooks run on the connection's own thread, one statement at a time.
        let inserted = Arc::new(AtomicBool::new(false));
        let mut handle = conn.lock_handle().await?;
        let mark = inserted.clone();
        handle.set_update_hook(move |change| {
            if matches!(change.operation, SqliteOperation::Insert) && change.table == "jobs" {
                mark.store(true, Ordering::Relaxed);
            }
        });
        let committed = inserted.clone();
        handle.set_commit_hook(move || {
            if committed.swap(false, Ordering::Relaxed) {
                signal.raise();
            }
            true // let the commit proceed
        });
        handle.set_rollback_hook(move || inserted.store(false, Ordering::Relaxed));
        Ok(())
    })
}

/// The signal raised when a transaction that enqueued commits on `db`'s SQLite file, in this
/// process (through any pool opened by [`crate::db::connect_url`]). `None` on PostgreSQL
/// (`NOTIFY` does this there) and for in-memory databases.
pub async fn sqlite_commits(db: &DatabaseConnection) -> Result<Option<Signal>, sea_orm::DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: String = match row {
        Some(row) => row.try_get("", "file")?,
        None => return Ok(None),
    };
    Ok((!file.is_empty()).then(|| signal_of(PathBuf::from(file))))
}

/// What a claim loop listens to: this process's [`super::Jobs`] signal (explicit wakes, and
/// PostgreSQL notifications) and, on SQLite, the commit signal of the database file.
pub(crate) struct Wakeups {
    local: watch::Receiver<u64>,
    commits: Option<watch::Receiver<u64>>,
}

impl Wakeups {
    pub(crate) fn new(local: &Signal, commits: Option<&Signal>) -> Self {
        Self {
            local: local.subscribe(),
            commits: commits.map(Signal::subscribe),
        }
    }

    /// Whether a signal was raised since the last look (and marks it seen).
    pub(crate) fn take(&mut self) -> bool {
        let mut raised = self.local.has_changed().unwrap_or(false);
        self.local.mark_unchanged();
        if let Some(commits) = &mut self.commits {
            raised |= commits.has_changed().unwrap_or(false);
            commits.mark_unchanged();
        }
        raised
    }

    /// Resolves when a signal is raised (and marks it seen).
    pub(crate) async fn raised(&mut self) {
        // A closed channel (its sender dropped) never resolves instead of spinning; the
        // senders live in `Jobs` and in the runner, so this does not happen while it runs.
        let local = async {
            if self.local.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let commits = async {
            let open = match &mut self.commits {
                Some(rx) => rx.changed().await.is_ok(),
                None => false,
            };
            if !open {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = local => {}
            _ = commits => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn a_raise_between_two_waits_is_not_lost() {
        let signal = Signal::new();
        let mut wakeups = Wakeups::new(&signal, None);
        assert!(!wakeups.take());
        signal.raise(); // while the worker is busy, not waiting
        assert!(wakeups.take());
        assert!(!wakeups.take(), "seen once");
        signal.raise();
        tokio::time::timeout(std::time::Duration::from_secs(1), wakeups.raised())
            .await
            .expect("the raise before the wait was lost");
    }
}
