//! `bench jobs`: no-op jobs through the real queue, in one run on
//!
//! * **SQLite, one process** — this process enqueues and runs the workers (the same `Runner`
//!   `serve` starts), so a commit wakes them through SQLite's commit hook;
//! * **PostgreSQL, `--workers` processes** — `growthdeck worker` processes on a temporary
//!   database, woken by `NOTIFY`.
//!
//! Each prints:
//!
//! * **throughput**: N no-op jobs enqueued in one transaction, drained by the workers;
//!   jobs/s = N ÷ (last completion − first start), read from the jobs table;
//! * **latency**: with the workers idle, jobs enqueued one at a time (each its own
//!   transaction, 5 ms apart). *enqueue→start* runs from the enqueue call (`created_at`,
//!   before the enqueuing commit) to the job's start; *commit→start* from the moment the
//!   enqueue returned, committed. p50, p95, p99.
//! * **executions and duplicates**: every start of a job is counted by job id, from the
//!   runner's own `job started` line (debug level; parsed from the worker processes' JSON log,
//!   or caught in this process). duplicates = starts beyond the first, summed over all jobs;
//!   missing = completed jobs never seen starting (should be 0: it checks the count).

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use platform::jobs::{self, model, runner};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct JobsArgs {
    /// The growthdeck binary for the worker processes (`cargo build --release -p growthdeck`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// A PostgreSQL admin URL (a temporary database is made and dropped); without it only
    /// SQLite is measured.
    #[arg(long)]
    postgres: Option<String>,
    /// Worker processes on PostgreSQL.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Jobs for the throughput run.
    #[arg(long, default_value_t = 20_000)]
    jobs: u64,
    /// Jobs for the latency run.
    #[arg(long, default_value_t = 400)]
    latency_jobs: u64,
    /// Concurrency of the `default` queue in each process (a claim takes up to the free
    /// slots).
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
}

/// Starts seen, by job id.
#[derive(Clone, Default)]
struct Executions(Arc<Mutex<HashMap<Uuid, Vec<DateTime<Utc>>>>>);

impl Executions {
    fn record(&self, id: Uuid, at: DateTime<Utc>) {
        if let Ok(mut map) = self.0.lock() {
            map.entry(id).or_default().push(at);
        }
    }

    fn snapshot(&self) -> HashMap<Uuid, Vec<DateTime<Utc>>> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

struct Figures {
    database: &'static str,
    processes: String,
    jobs_per_s: f64,
    /// enqueue→start p50, p95, p99 (ms)
    enqueue_to_start: [f64; 3],
    /// commit→start p50, p95, p99 (ms)
    commit_to_start: [f64; 3],
    executions: usize,
    duplicates: usize,
    missing: usize,
}

pub async fn run(args: JobsArgs) -> Result<()> {
    if args.concurrency == 0 || args.workers == 0 || args.jobs == 0 || args.latency_jobs == 0 {
        bail!("--concurrency, --workers, --jobs and --latency-jobs must be at least 1");
    }
    let in_process = Executions::default();
    catch_starts(in_process.clone());
    let mut all = vec![sqlite(&args, &in_process).await?];
    match &args.postgres {
        Some(admin) => all.push(postgres(&args, admin).await?),
        None => println!("(PostgreSQL not measured: pass --postgres postgres://…)"),
    }
    report(&args, &all);
    Ok(())
}

/// SQLite: this process enqueues and works, as a single `serve` node does.
async fn sqlite(args: &JobsArgs, executions: &Executions) -> Result<Figures> {
    let dir = tempfile::tempdir()?;
    let config = platform::Config {
        data_dir: dir.path().to_path_buf(),
        log: "warn".into(),
        jobs_queues: [("default".to_string(), args.concurrency)].into(),
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await?;
    let runner = runner::Runner::start(
        state.clone(),
        platform::feature::registry(growthdeck::product()),
        runner::RunnerConfig::from_config(&state.config, None),
    );
    let figures = measure(args, &state.db, executions).await;
    runner.shutdown().await;
    let (throughput, latencies, counts) = figures?;
    Ok(Figures {
        database: "SQLite",
        processes: "1 (enqueues and works)".into(),
        jobs_per_s: throughput,
        enqueue_to_start: latencies.0,
        commit_to_start: latencies.1,
        executions: counts.0,
        duplicates: counts.1,
        missing: counts.2,
    })
}

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// PostgreSQL: `--workers` worker processes on a temporary database; this process enqueues.
async fn postgres(args: &JobsArgs, admin_url: &str) -> Result<Figures> {
    let admin = platform::db::connect_url(admin_url, 2).await?;
    let name = format!("gd_bench_{}", Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&format!("/{name}"));
    let result = postgres_on(args, url.as_str()).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    result
}

async fn postgres_on(args: &JobsArgs, url: &str) -> Result<Figures> {
    let dir = tempfile::tempdir()?;
    let db = platform::db::connect_url(url, 4).await?;
    platform::db::migrate(&db).await?;
    let executions = Executions::default();
    let mut workers = Vec::new();
    for _ in 0..args.workers {
        workers.push(spawn(args, dir.path(), url, &executions)?);
    }
    for w in &mut workers {
        wait_ready(w)?;
    }
    let figures = measure(args, &db, &executions).await;
    drop(workers);
    let (throughput, latencies, counts) = figures?;
    Ok(Figures {
        database: "PostgreSQL",
        processes: format!("{} worker processes", args.workers),
        jobs_per_s: throughput,
        enqueue_to_start: latencies.0,
        commit_to_start: latencies.1,
        executions: counts.0,
        duplicates: counts.1,
        missing: counts.2,
    })
}

type Measured = (f64, ([f64; 3], [f64; 3]), (usize, usize, usize));

async fn measure(
    args: &JobsArgs,
    db: &DatabaseConnection,
    executions: &Executions,
) -> Result<Measured> {
    let noop = jobs::builtin::Noop::default();
    let kind = <jobs::builtin::Noop as jobs::Job>::KIND;

    // Throughput: a backlog drained by the workers.
    let txn = db.begin().await?;
    for _ in 0..args.jobs {
        jobs::enqueue(&txn, &noop).await?;
    }
    txn.commit().await?;
    wait_completed(db, args.jobs, Duration::from_secs(600)).await?;
    let all = model::job::Entity::find()
        .filter(model::job::Column::Kind.eq(kind))
        .all(db)
        .await?;
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
    let throughput = args.jobs as f64 / (last - first).as_seconds_f64().max(1e-6);

    // Latency: idle workers, one job at a time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut committed = HashMap::new();
    for _ in 0..args.latency_jobs {
        if let Some(id) = jobs::enqueue(db, &noop).await? {
            committed.insert(id, Utc::now());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = args.jobs + args.latency_jobs;
    wait_completed(db, total, Duration::from_secs(120)).await?;

    let ids: Vec<Uuid> = model::job::Entity::find()
        .filter(model::job::Column::Kind.eq(kind))
        .select_only()
        .column(model::job::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    // Log lines of other processes may trail the completions a little.
    let deadline = Instant::now() + Duration::from_secs(10);
    let starts = loop {
        let seen = executions.snapshot();
        if ids.iter().all(|id| seen.contains_key(id)) || Instant::now() > deadline {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut runs = 0;
    let mut duplicates = 0;
    let mut missing = 0;
    for id in &ids {
        match starts.get(id).map(Vec::len) {
            Some(n) => {
                runs += n;
                duplicates += n - 1;
            }
            None => missing += 1,
        }
    }

    let created: HashMap<Uuid, DateTime<Utc>> = model::job::Entity::find()
        .filter(model::job::Column::Id.is_in(committed.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j.created_at))
        .collect();
    let mut from_enqueue = Vec::new();
    let mut from_commit = Vec::new();
    for (id, at_commit) in &committed {
        let Some(start) = starts.get(id).and_then(|s| s.iter().min()) else {
            continue;
        };
        if let Some(at_enqueue) = created.get(id) {
            from_enqueue.push((*start - *at_enqueue).as_seconds_f64() * 1000.0);
        }
        from_commit.push((*start - *at_commit).as_seconds_f64() * 1000.0);
    }
    Ok((
        throughput,
        (percentiles(from_enqueue), percentiles(from_commit)),
        (runs, duplicates, missing),
    ))
}

fn percentiles(mut v: Vec<f64>) -> [f64; 3] {
    if v.is_empty() {
        return [f64::NAN; 3];
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    [at(0.50), at(0.95), at(0.99)]
}

async fn wait_completed(db: &DatabaseConnection, n: u64, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let done = model::job::Entity::find()
            .filter(model::job::Column::Kind.eq(<jobs::builtin::Noop as jobs::Job>::KIND))
            .filter(model::job::Column::State.eq(model::COMPLETED))
            .count(db)
            .await?;
        if done >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {done} of {n} jobs completed in {} s", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `growthdeck worker` whose JSON log (stderr) reports each job start.
fn spawn(
    args: &JobsArgs,
    dir: &std::path::Path,
    url: &str,
    executions: &Executions,
) -> Result<Worker> {
    let mut child = Command::new(&args.bin)
        .arg("worker")
        .env("GROWTHDECK_DATA_DIR", dir)
        .env("GROWTHDECK_DATABASE_URL", url)
        .env(
            "GROWTHDECK_JOBS_QUEUES",
            format!("{{default={}}}", args.concurrency),
        )
        .env("GROWTHDECK_LOG", "warn,platform::jobs::runner=debug")
        .env("GROWTHDECK_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", args.bin))?;
    let stderr = child.stderr.take().context("worker stderr")?;
    let executions = executions.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some((id, at)) = job_started(&line) {
                executions.record(id, at);
            } else if line.contains("\"ERROR\"") {
                eprintln!("worker: {line}");
            }
        }
    });
    Ok(Worker(child))
}

/// `{"timestamp": "…", "fields": {"message": "job started", "job_id": "…"}, …}`
fn job_started(line: &str) -> Option<(Uuid, DateTime<Utc>)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = v.get("fields")?;
    if fields.get("message")?.as_str()? != "job started" {
        return None;
    }
    let id = fields.get("job_id")?.as_str()?.parse().ok()?;
    let at = DateTime::parse_from_rfc3339(v.get("timestamp")?.as_str()?).ok()?;
    Some((id, at.with_timezone(&Utc)))
}

/// Blocks until the worker printed that it runs.
fn wait_ready(w: &mut Worker) -> Result<()> {
    let stdout = w.0.stdout.take().context("worker stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if !line.contains("worker running") {
        bail!("worker did not start: {line:?}");
    }
    Ok(())
}

/// Catches this process's `job started` lines (the SQLite run's workers run here).
fn catch_starts(executions: Executions) {
    use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

    struct Starts(Executions);

    #[derive(Default)]
    struct Fields {
        message: String,
        job_id: Option<Uuid>,
    }

    impl tracing::field::Visit for Fields {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            match field.name() {
                "message" => self.message = format!("{value:?}"),
                "job_id" => self.job_id = format!("{value:?}").parse().ok(),
                _ => {}
            }
        }
    }

    impl<S: tracing::Subscriber> Layer<S> for Starts {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let mut fields = Fields::default();
            event.record(&mut fields);
            if fields.message == "job started"
                && let Some(id) = fields.job_id
            {
                self.0.record(id, Utc::now());
            }
        }
    }

    let _ = tracing_subscriber::registry()
        .with(Starts(executions).with_filter(EnvFilter::new("platform::jobs::runner=debug")))
        .try_init();
}

fn report(args: &JobsArgs, all: &[Figures]) {
    println!(
        "\n{} no-op jobs for throughput (one transaction), {} one at a time 5 ms apart for latency; \
         queue `default` with {} concurrent jobs per process\n",
        args.jobs, args.latency_jobs, args.concurrency
    );
    println!(
        "| database | processes | jobs/s | enqueue→start p50 / p95 / p99 | commit→start p50 / p95 / p99 | executions | duplicates | missing |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for f in all {
        let [e50, e95, e99] = f.enqueue_to_start;
        let [c50, c95, c99] = f.commit_to_start;
        println!(
            "| {} | {} | {:.0} | {e50:.1} / {e95:.1} / {e99:.1} ms | {c50:.1} / {c95:.1} / {c99:.1} ms | {} | {} | {} |",
            f.database, f.processes, f.jobs_per_s, f.executions, f.duplicates, f.missing
        );
    }
    println!("\nagainst the goals (≥ 10,000 jobs/s, enqueue→start p50 ≤ 5 ms, 0 duplicates):");
    for f in all {
        let ok = |b: bool| if b { "met" } else { "MISSED" };
        println!(
            "  {}: throughput {:.2}× the goal ({}), p50 {:.2}× the bound ({}), duplicates {} ({}), missing {}",
            f.database,
            f.jobs_per_s / 10_000.0,
            ok(f.jobs_per_s >= 10_000.0),
            f.enqueue_to_start[0] / 5.0,
            ok(f.enqueue_to_start[0] <= 5.0),
            f.duplicates,
            ok(f.duplicates == 0),
            f.missing,
        );
    }
    if let [sqlite, postgres] = all {
        println!(
            "  PostgreSQL ÷ SQLite: throughput {:.2}×, enqueue→start p50 {:.2}×",
            postgres.jobs_per_s / sqlite.jobs_per_s,
            postgres.enqueue_to_start[0] / sqlite.enqueue_to_start[0]
        );
    }
}
