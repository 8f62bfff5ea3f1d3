//! The job queue across real processes: `growthdeck worker` killed with SIGKILL mid-job, and
//! two worker processes draining 10,000 jobs from one PostgreSQL database, each job executed
//! exactly once (counted from the workers' own `job started` log lines).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use platform::jobs::{self, model, store};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};

const BIN: &str = env!("CARGO_BIN_EXE_growthdeck");

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(dir: &std::path::Path, database_url: &str, lease_secs: u64) -> Command {
    let mut c = Command::new(BIN);
    c.arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GROWTHDECK_DATA_DIR", dir)
        .env("GROWTHDECK_DATABASE_URL", database_url)
        .env("GROWTHDECK_JOBS_LEASE_SECS", lease_secs.to_string())
        .env("GROWTHDECK_JOBS_POLL_MS", "50")
        .env("GROWTHDECK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    c
}

fn worker(dir: &std::path::Path, database_url: &str, lease_secs: u64) -> Worker {
    Worker(command(dir, database_url, lease_secs).spawn().unwrap())
}

/// Job starts by job id, as the workers log them.
type Starts = Arc<Mutex<HashMap<uuid::Uuid, usize>>>;

/// A worker whose JSON log reports every job it starts into `starts`.
fn counted_worker(dir: &std::path::Path, database_url: &str, starts: &Starts) -> Worker {
    let mut child = command(dir, database_url, 30)
        .env("GROWTHDECK_LOG", "warn,platform::jobs::runner=debug")
        .env("GROWTHDECK_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let starts = starts.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                // Not a log line: a start-up error or a panic, shown if the test fails.
                eprintln!("worker: {line}");
                continue;
            };
            if v["fields"]["message"] == "job started" {
                let id = v["fields"]["job_id"].as_str().unwrap().parse().unwrap();
                *starts.lock().unwrap().entry(id).or_default() += 1;
            } else if v["level"] != "DEBUG" {
                // Warnings and errors of the worker, shown if the test fails.
                eprintln!("worker: {line}");
            }
        }
    });
    Worker(child)
}

/// Blocks until the worker printed that it runs (its claim loops are started).
fn wait_ready(w: &mut Worker) {
    use std::io::{BufRead, BufReader};
    let stdout = w.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    if !line.contains("worker running") {
        let status = w.0.wait();
        panic!("the worker did not start ({status:?}); its output: {line:?}");
    }
}

async fn database(dir: &std::path::Path) -> (String, sea_orm::DatabaseConnection) {
    let url = platform::testkit::fresh_database_url(dir).await;
    let db = platform::db::connect_url(&url, 4).await.unwrap();
    platform::db::migrate(&db).await.unwrap();
    (url, db)
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    secs: u64,
    mut check: impl FnMut() -> F,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = database(dir.path()).await;
    let id = jobs::enqueue(&db, &jobs::builtin::Sleep { millis: 1500 })
        .await
        .unwrap()
        .unwrap();

    let mut first = worker(dir.path(), &url, 2);
    wait_until("the first worker to start the job", 30, || async {
        store::get(&db, id).await.unwrap().unwrap().state == model::EXECUTING
    })
    .await;
    first.0.kill().unwrap(); // SIGKILL: no cleanup, the lease is left to expire
    first.0.wait().unwrap();
    let claimed_by = store::get(&db, id).await.unwrap().unwrap().worker.unwrap();

    let _second = worker(dir.path(), &url, 2);
    wait_until("the job to complete on the second worker", 30, || async {
        store::get(&db, id).await.unwrap().unwrap().state == model::COMPLETED
    })
    .await;
    let done = store::get(&db, id).await.unwrap().unwrap();
    assert_eq!(done.attempt, 2, "run again after the lease expired");
    assert_ne!(done.worker.unwrap(), claimed_by, "by the other worker");
    assert!(
        done.errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("lease expired")
    );
}

#[tokio::test]
async fn two_worker_processes_run_ten_thousand_jobs_each_exactly_once() {
    if std::env::var("GROWTHDECK_TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: needs PostgreSQL (GROWTHDECK_TEST_DATABASE_URL; .ci/run sets it)");
        return;
    }
    const N: u64 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = database(dir.path()).await;
    // Both processes run before any job exists, so they compete for every claim.
    let starts = Starts::default();
    let mut a = counted_worker(dir.path(), &url, &starts);
    let mut b = counted_worker(dir.path(), &url, &starts);
    wait_ready(&mut a);
    wait_ready(&mut b);
    let txn = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..N {
        ids.push(
            jobs::enqueue(&txn, &jobs::builtin::Noop::default())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    txn.commit().await.unwrap();
    wait_until("all jobs to complete", 240, || async {
        model::job::Entity::find()
            .filter(model::job::Column::State.eq(model::COMPLETED))
            .count(&db)
            .await
            .unwrap()
            == N
    })
    .await;
    // Every job started exactly once, by the workers' own account (their log may trail the
    // completions a little)…
    wait_until("every start to be logged", 30, || async {
        starts.lock().unwrap().len() >= ids.len()
    })
    .await;
    let seen = starts.lock().unwrap().clone();
    for id in &ids {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "job {id} started {:?} times",
            seen.get(id)
        );
    }
    assert_eq!(seen.len(), ids.len(), "starts of jobs never enqueued");
    // …and was claimed once (each claim increments `attempt`).
    let twice = model::job::Entity::find()
        .filter(model::job::Column::Attempt.ne(1))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(twice, 0, "a job was executed more than once");
    let workers: std::collections::HashSet<String> = model::job::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|j| j.worker)
        .collect();
    assert_eq!(workers.len(), 2, "both processes worked: {workers:?}");
}
