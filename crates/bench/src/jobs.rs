//! `bench jobs`: no-op jobs through real `growthdeck worker` processes.
//!
//! * Throughput: N no-op jobs are enqueued (one transaction), then K worker processes drain
//!   them; jobs/s = N ÷ (last completion − first start), read from the jobs table.
//! * Latency: with the workers idle, jobs are enqueued one at a time (own transaction each,
//!   5 ms apart); enqueue→start latency = `attempted_at − created_at` per job, p50 and p99.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use platform::jobs::{self, model};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

#[derive(clap::Args, Debug)]
pub struct JobsArgs {
    /// The growthdeck binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// `sqlite` (a temporary file) or a PostgreSQL admin URL (a temporary database is made).
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Worker processes.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Jobs for the throughput run.
    #[arg(long, default_value_t = 20_000)]
    jobs: u64,
    /// Jobs for the latency run.
    #[arg(long, default_value_t = 400)]
    latency_jobs: u64,
    /// Concurrency of the `default` queue in each worker.
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
}

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(args: JobsArgs) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, drop_db) = if args.database == "sqlite" {
        (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            None,
        )
    } else {
        let admin = platform::db::connect_url(&args.database, 2).await?;
        let name = format!("gd_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let mut u = url::Url::parse(&args.database)?;
        u.set_path(&format!("/{name}"));
        (u.to_string(), Some((admin, name)))
    };
    let result = measure(&args, dir.path(), &url).await;
    if let Some((admin, name)) = drop_db {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    result
}

async fn measure(args: &JobsArgs, dir: &std::path::Path, url: &str) -> Result<()> {
    let db = platform::db::connect_url(url, 4).await?;
    platform::db::migrate(&db).await?;
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };

    // Throughput: a backlog drained by the workers.
    let started = Instant::now();
    let txn = db.begin().await?;
    for _ in 0..args.jobs {
        jobs::enqueue(&txn, &jobs::builtin::Noop::default()).await?;
    }
    txn.commit().await?;
    let enqueue_secs = started.elapsed().as_secs_f64();
    let workers: Vec<Worker> = (0..args.workers)
        .map(|_| spawn(args, dir, url))
        .collect::<Result<_>>()?;
    wait_for(&db, args.jobs, Duration::from_secs(600)).await?;
    let all = model::job::Entity::find().all(&db).await?;
    let first = all
        .iter()
        .filter_map(|j| j.attempted_at)
        .min()
        .context("no job started")?;
    let last = all
        .iter()
        .filter_map(|j| j.completed_at)
        .max()
        .context("no job completed")?;
    let drain = (last - first).as_seconds_f64().max(1e-6);

    // Latency: idle workers, one job at a time.
    model::job::Entity::delete_many().exec(&db).await?;
    for _ in 0..args.latency_jobs {
        jobs::enqueue(&db, &jobs::builtin::Noop::default()).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    wait_for(&db, args.latency_jobs, Duration::from_secs(120)).await?;
    let mut latencies: Vec<f64> = model::job::Entity::find()
        .all(&db)
        .await?
        .iter()
        .filter_map(|j| {
            j.attempted_at
                .map(|a| (a - j.created_at).as_seconds_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    drop(workers);

    println!(
        "{backend}, {} worker process(es) × {} concurrent: {} no-op jobs in {:.2} s = {:.0} jobs/s \
         (enqueue {:.0} jobs/s in one transaction); enqueue→start latency over {} jobs: p50 {:.1} ms, p99 {:.1} ms",
        args.workers,
        args.concurrency,
        args.jobs,
        drain,
        args.jobs as f64 / drain,
        args.jobs as f64 / enqueue_secs,
        latencies.len(),
        pct(0.50),
        pct(0.99),
    );
    Ok(())
}

fn spawn(args: &JobsArgs, dir: &std::path::Path, url: &str) -> Result<Worker> {
    let queues = format!("{{default={}, mail=1}}", args.concurrency);
    let child = Command::new(&args.bin)
        .arg("worker")
        .env("GROWTHDECK_DATA_DIR", dir)
        .env("GROWTHDECK_DATABASE_URL", url)
        .env("GROWTHDECK_JOBS_QUEUES", queues)
        .env("GROWTHDECK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", args.bin))?;
    Ok(Worker(child))
}

async fn wait_for(db: &sea_orm::DatabaseConnection, n: u64, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let done = model::job::Entity::find()
            .filter(model::job::Column::State.eq(model::COMPLETED))
            .count(db)
            .await?;
        if done >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {done} of {n} jobs completed in {} s", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
