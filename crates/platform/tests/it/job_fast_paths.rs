//! The queue's fast paths: a commit that enqueued wakes the workers at once (and a rollback
//! wakes nobody), claims take many jobs per statement without ever handing one job to two
//! workers, and completions are written in batches that survive a shutdown — while a crash
//! before the write runs the job again after its lease.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use platform::{
    AppState,
    jobs::{
        self, Enqueue, Job, JobError, JobMeta, Jobs, Registry, model,
        runner::{FLUSH_INTERVAL, Runner, RunnerConfig},
        store,
    },
    testkit::{TestApp, spawn},
};
use sea_orm::{
    ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// When each job ran, by job id: (attempt, when).
type Executions = Mutex<HashMap<Uuid, Vec<(i32, Instant)>>>;

fn executions() -> &'static Executions {
    static EXECUTIONS: OnceLock<Executions> = OnceLock::new();
    EXECUTIONS.get_or_init(Mutex::default)
}

fn runs(id: Uuid) -> Vec<(i32, Instant)> {
    executions()
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .unwrap_or_default()
}

/// Records that it ran, and nothing else.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Tally {}

impl Job for Tally {
    const KIND: &'static str = "test.tally";

    async fn run(self, _: AppState, meta: JobMeta) -> Result<(), JobError> {
        executions()
            .lock()
            .unwrap()
            .entry(meta.id)
            .or_default()
            .push((meta.attempt, Instant::now()));
        Ok(())
    }
}

fn registrar(r: Registry) -> Registry {
    r.register::<Tally>()
}

async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    let mount = vec![platform::Feature::new("test").jobs(registrar)];
    spawn(mount, configure).await
}

/// The poll that would start jobs if nothing woke the workers: far longer than any bound
/// asserted below, so a job that starts within the bound was woken.
const LONG_POLL_MS: u64 = 30_000;
/// Generous against scheduling noise on a loaded machine, and tiny against the poll.
const WOKEN_WITHIN: Duration = Duration::from_secs(5);

async fn wait_for_run(id: Uuid, within: Duration) -> Instant {
    let deadline = Instant::now() + within;
    loop {
        if let Some((_, at)) = runs(id).first() {
            return *at;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} did not start within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_for_state(db: &DatabaseConnection, id: Uuid, state: &str) -> model::job::Model {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let j = store::get(db, id).await.unwrap().unwrap();
        if j.state == state {
            return j;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} stuck in {} (wanted {state})",
            j.state
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A second pool on the app's database, as another process would open.
async fn another_pool(app: &TestApp, connections: u32) -> DatabaseConnection {
    let url = match app.state.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let o = app
                .state
                .db
                .get_postgres_connection_pool()
                .connect_options();
            format!(
                "postgres://{}@{}:{}/{}",
                o.get_username(),
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            )
        }
        _ => format!(
            "sqlite://{}?mode=rwc",
            app.state.config.data_dir.join("test.db").display()
        ),
    };
    platform::db::connect_url(&url, connections).await.unwrap()
}

/// A runner of its own for `queue` (the app's runner serves the configured queues only), on
/// its own pool and with its own wake-up handle when `own_pool`, like another process.
async fn runner_for(
    app: &TestApp,
    queue: &str,
    concurrency: usize,
    worker: &str,
    flush: Duration,
    own_pool: bool,
) -> Runner {
    let state = if own_pool {
        let mut parts = app.state.parts();
        parts.db = another_pool(app, 2).await;
        parts.jobs = Jobs::new();
        platform::AppState::new(parts)
    } else {
        app.state.clone()
    };
    Runner::start(
        state,
        registrar(Registry::new()),
        RunnerConfig {
            queues: vec![(queue.to_string(), concurrency)],
            lease: Duration::from_secs(app.state.config.jobs_lease_secs),
            poll: Duration::from_millis(LONG_POLL_MS),
            grace: Duration::from_secs(5),
            worker: worker.to_string(),
            flush,
        },
    )
}

#[tokio::test]
async fn a_job_enqueued_in_a_committed_transaction_starts_without_waiting_for_the_poll() {
    let app = app_with(|c| c.jobs_poll_ms = LONG_POLL_MS).await;

    // Outside a transaction: the insert's own commit wakes the workers.
    let first = jobs::enqueue(&app.state.db, &Tally::default())
        .await
        .unwrap()
        .unwrap();
    wait_for_run(first, WOKEN_WITHIN).await;

    // Inside one: nothing runs before the commit, and the commit wakes them.
    let txn = platform::db::begin_write(&app.state.db).await.unwrap();
    let second = jobs::enqueue(&txn, &Tally::default())
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(second).is_empty(), "ran before its commit");
    let committed = Instant::now();
    txn.commit().await.unwrap();
    let started = wait_for_run(second, WOKEN_WITHIN).await;
    assert!(started >= committed);
    eprintln!(
        "commit → start: {:.1} ms (poll {LONG_POLL_MS} ms)",
        (started - committed).as_secs_f64() * 1000.0
    );

    // A deferred transaction (`begin`) too, with several jobs.
    let txn = app.state.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            jobs::enqueue(&txn, &Tally::default())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    txn.commit().await.unwrap();
    for id in ids {
        wait_for_run(id, WOKEN_WITHIN).await;
    }
}

#[tokio::test]
async fn a_rolled_back_enqueue_never_runs_and_wakes_nobody() {
    let app = app_with(|c| c.jobs_poll_ms = LONG_POLL_MS).await;
    // What would wake the workers: SQLite's commit signal of the file, or PostgreSQL's
    // `gd_jobs` notifications.
    enum Watch {
        // The signal is held so that it stays the file's while the test watches it.
        Sqlite(
            #[allow(dead_code)] jobs::wake::Signal,
            tokio::sync::watch::Receiver<u64>,
        ),
        Postgres(Box<sea_orm::sqlx::postgres::PgListener>),
    }
    let mut watch = match jobs::wake::sqlite_commits(&app.state.db).await.unwrap() {
        Some(signal) => {
            let rx = signal.subscribe();
            Watch::Sqlite(signal, rx)
        }
        None => {
            let pool = app.state.db.get_postgres_connection_pool();
            let mut l = sea_orm::sqlx::postgres::PgListener::connect_with(pool)
                .await
                .unwrap();
            l.listen("gd_jobs").await.unwrap();
            Watch::Postgres(Box::new(l))
        }
    };
    async fn woken(watch: &mut Watch) -> bool {
        match watch {
            Watch::Sqlite(_, rx) => {
                let changed = rx.has_changed().unwrap();
                rx.mark_unchanged();
                changed
            }
            Watch::Postgres(l) => tokio::time::timeout(Duration::from_millis(500), l.recv())
                .await
                .is_ok(),
        }
    }

    let txn = app.state.db.begin().await.unwrap();
    let dropped = jobs::enqueue(&txn, &Tally::default())
        .await
        .unwrap()
        .unwrap();
    txn.rollback().await.unwrap();
    assert!(!woken(&mut watch).await, "a rollback woke the workers");

    let txn = app.state.db.begin().await.unwrap();
    let kept = jobs::enqueue(&txn, &Tally::default())
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    assert!(woken(&mut watch).await, "the commit woke nobody");
    wait_for_run(kept, WOKEN_WITHIN).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(dropped).is_empty(), "the rolled-back job ran");
    assert!(store::get(&app.state.db, dropped).await.unwrap().is_none());
}

#[tokio::test]
async fn batch_claims_never_hand_one_job_to_two_workers() {
    const JOBS: usize = 1500;
    let app = app_with(|_| {}).await;
    // Three runners, each on a pool of its own with its own wake-up handle, as three
    // processes; all compete for one queue.
    let mut runners = Vec::new();
    for i in 0..3 {
        runners.push(
            runner_for(
                &app,
                "swarm",
                8,
                &format!("swarm-{i}"),
                FLUSH_INTERVAL,
                true,
            )
            .await,
        );
    }
    let txn = app.state.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..JOBS {
        let opts = Enqueue {
            queue: Some("swarm".into()),
            ..Enqueue::default()
        };
        ids.push(
            jobs::enqueue_with(&txn, &Tally::default(), opts)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    txn.commit().await.unwrap();

    let deadline = Instant::now() + Duration::from_secs(120);
    let completed = || {
        model::job::Entity::find()
            .filter(model::job::Column::Queue.eq("swarm"))
            .filter(model::job::Column::State.eq(model::COMPLETED))
            .count(&app.state.db)
    };
    while completed().await.unwrap() < JOBS as u64 {
        assert!(Instant::now() < deadline, "not all jobs completed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for runner in runners {
        runner.shutdown().await;
    }

    // Each job ran exactly once, by the handler's own count…
    for id in &ids {
        let n = runs(*id).len();
        assert_eq!(n, 1, "job {id} ran {n} times");
    }
    // …and was claimed once.
    let rows = model::job::Entity::find()
        .filter(model::job::Column::Queue.eq("swarm"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), JOBS);
    assert!(
        rows.iter().all(|j| j.attempt == 1),
        "a job was claimed twice"
    );
    // Claims took several jobs at once: the jobs of one claim share its worker and time.
    let mut claims: HashMap<(String, String), usize> = HashMap::new();
    for j in &rows {
        let key = (
            j.worker.clone().unwrap_or_default(),
            format!("{:?}", j.attempted_at),
        );
        *claims.entry(key).or_default() += 1;
    }
    let workers: std::collections::HashSet<&String> = claims.keys().map(|(w, _)| w).collect();
    let largest = claims.values().max().copied().unwrap_or(0);
    eprintln!(
        "{JOBS} jobs in {} claims by {} workers; largest claim {largest}",
        claims.len(),
        workers.len()
    );
    assert!(workers.len() >= 2, "only {workers:?} worked");
    assert!(largest > 1, "every claim took a single job");
    assert!(largest <= 8, "a claim took more jobs than the free slots");
}

#[tokio::test]
async fn a_completion_is_written_only_by_the_worker_and_attempt_that_ran_it() {
    let app = app_with(|_| {}).await;
    let opts = || Enqueue {
        queue: Some("manual".into()),
        ..Enqueue::default()
    };
    let a = jobs::enqueue_with(&app.state.db, &Tally::default(), opts())
        .await
        .unwrap()
        .unwrap();
    let b = jobs::enqueue_with(&app.state.db, &Tally::default(), opts())
        .await
        .unwrap()
        .unwrap();
    let lease = platform::db::now() + chrono::Duration::seconds(30);
    let claimed = store::claim(&app.state.db, "manual", "w1", 10, lease, false)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2, "one statement claims both");
    let db = &app.state.db;
    assert_eq!(
        store::complete_many(db, "w2", &[(a, 1), (b, 1)])
            .await
            .unwrap(),
        0
    );
    assert_eq!(store::complete_many(db, "w1", &[(a, 2)]).await.unwrap(), 0);
    assert_eq!(
        store::complete_many(db, "w1", &[(a, 1), (b, 1)])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store::get(db, a).await.unwrap().unwrap().state,
        model::COMPLETED
    );
    assert_eq!(
        store::complete_many(db, "w1", &[(a, 1)]).await.unwrap(),
        0,
        "once"
    );
}

#[tokio::test]
async fn completions_pending_at_shutdown_are_written() {
    let app = app_with(|_| {}).await;
    // Completions would wait a minute to be written with others.
    let runner = runner_for(&app, "acks", 4, "acks-1", Duration::from_secs(60), false).await;
    let opts = Enqueue {
        queue: Some("acks".into()),
        ..Enqueue::default()
    };
    let id = jobs::enqueue_with(&app.state.db, &Tally::default(), opts)
        .await
        .unwrap()
        .unwrap();
    wait_for_run(id, WOKEN_WITHIN).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pending = store::get(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(
        pending.state,
        model::EXECUTING,
        "written before the interval"
    );

    let started = Instant::now();
    runner.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited for the interval"
    );
    let done = store::get(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(
        done.state,
        model::COMPLETED,
        "the pending completion was written"
    );
    assert_eq!(done.attempt, 1);
    assert!(done.lease_expires_at.is_none());
    assert_eq!(runs(id).len(), 1);
}

#[tokio::test]
async fn a_crash_before_the_completion_is_written_runs_the_job_again_after_its_lease() {
    // The app's own runner rescues expired leases every half second.
    let app = app_with(|c| c.jobs_lease_secs = 1).await;
    let runner = runner_for(&app, "acks", 4, "acks-1", Duration::from_secs(60), false).await;
    let opts = Enqueue {
        queue: Some("acks".into()),
        ..Enqueue::default()
    };
    let id = jobs::enqueue_with(&app.state.db, &Tally::default(), opts)
        .await
        .unwrap()
        .unwrap();
    wait_for_run(id, WOKEN_WITHIN).await;
    assert_eq!(
        store::get(&app.state.db, id).await.unwrap().unwrap().state,
        model::EXECUTING
    );
    // The process dies between running the job and writing its completion.
    drop(runner);

    let rescued = wait_for_state(&app.state.db, id, model::AVAILABLE).await;
    assert!(
        rescued.errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("lease expired"),
        "{:?}",
        rescued.errors
    );
    let _second = runner_for(&app, "acks", 4, "acks-2", FLUSH_INTERVAL, false).await;
    let done = wait_for_state(&app.state.db, id, model::COMPLETED).await;
    assert_eq!(done.attempt, 2);
    assert_eq!(done.worker.as_deref(), Some("acks-2"));
    let attempts: Vec<i32> = runs(id).iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts, vec![1, 2], "at least once: it ran again");
}
