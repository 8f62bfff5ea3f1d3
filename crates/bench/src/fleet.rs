//! `bench fleet-claims`: the worker API's task claims under load. On a fresh SQLite database
//! (and on PostgreSQL with `--postgres`) it seeds `--tasks` due one-step tasks, starts the
//! real app in this process on a local port, and lets `--workers` simulated workers (the same
//! code as `growthdeck fleet simulate`) claim and complete them over HTTP with no simulated
//! work. It prints claims per second until the last task was done, claim latency p50/p99,
//! and checks the outcome: every task completed exactly once, none claimed twice. The
//! baseline in the same run is `GET /healthz` with as many concurrent clients (the server's
//! HTTP floor), so the figure reads as a ratio.
//!
//! It runs `--rounds` rounds (2 by default) against the same server, each with as many new
//! tasks: the first starts cold (each database connection prepares and plans its statements
//! as they first come), the next ones show the rate of a server that has been running.

use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use fleet::model::{account, settings as settings_row, task};
use platform::Scope;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct FleetArgs {
    /// Due tasks to claim.
    #[arg(long, default_value_t = 5_000)]
    tasks: usize,
    /// Simulated workers claiming at once.
    #[arg(long, default_value_t = 50)]
    workers: usize,
    /// A PostgreSQL server URL (a database is created and dropped for the run).
    #[arg(long)]
    postgres: Option<String>,
    /// Rounds of `--tasks` tasks against the same server (the first one starts cold).
    #[arg(long, default_value_t = 2)]
    rounds: u32,
}

struct Figures {
    database: &'static str,
    round: u32,
    healthz_per_s: f64,
    measured: Round,
}

pub async fn run(args: FleetArgs) -> Result<()> {
    if args.tasks == 0 || args.workers == 0 || args.workers > 500 {
        bail!("--tasks must be at least 1 and --workers from 1 to 500");
    }
    if !(1..=10).contains(&args.rounds) {
        bail!("--rounds must be from 1 to 10");
    }
    let mut all = sqlite(&args).await?;
    match &args.postgres {
        Some(admin) => all.extend(postgres(&args, admin).await?),
        None => println!("(PostgreSQL not measured: pass --postgres postgres://…)"),
    }
    println!();
    println!(
        "{:<11} {:>6} {:>10} {:>12} {:>7} {:>9} {:>9} {:>10} {:>10}",
        "database",
        "round",
        "claims/s",
        "healthz/s",
        "ratio",
        "p50 ms",
        "p99 ms",
        "completed",
        "duplicates"
    );
    for f in &all {
        println!(
            "{:<11} {:>6} {:>10.0} {:>12.0} {:>7.2} {:>9.2} {:>9.2} {:>10} {:>10}",
            f.database,
            f.round,
            f.measured.claims_per_s,
            f.healthz_per_s,
            f.measured.claims_per_s / f.healthz_per_s,
            f.measured.p50_ms,
            f.measured.p99_ms,
            f.measured.completed,
            f.measured.duplicates
        );
    }
    println!(
        "(claims/s: tasks claimed per second until the round's last was completed, each claim followed by its completion; round 1 starts cold; completed: in all rounds so far; ratio: against GET /healthz with as many clients)"
    );
    Ok(())
}

async fn sqlite(args: &FleetArgs) -> Result<Vec<Figures>> {
    let dir = tempfile::tempdir()?;
    measure(args, dir.path(), None, "SQLite").await
}

async fn postgres(args: &FleetArgs, admin_url: &str) -> Result<Vec<Figures>> {
    let db = crate::scratch::ScratchDb::create(admin_url).await?;
    let dir = tempfile::tempdir()?;
    let result = measure(args, dir.path(), Some(&db.url), "PostgreSQL").await;
    db.drop().await?;
    result
}

async fn measure(
    args: &FleetArgs,
    dir: &std::path::Path,
    database_url: Option<&str>,
    database: &'static str,
) -> Result<Vec<Figures>> {
    let config = platform::Config {
        data_dir: dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        log: "warn".into(),
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await?;
    let origin = platform::Origin {
        request_id: "bench".into(),
        ip: None,
        user_agent: Some("bench fleet".into()),
    };
    let owner = identity::service::signup::signup(
        &state,
        &origin,
        identity::service::signup::SignupInput {
            email: "bench-fleet@example.com".into(),
            password: crate::PASSWORD.into(),
            name: "Bench".into(),
            workspace: "Bench fleet".into(),
        },
        true,
    )
    .await?;
    let ws = owner.workspace.id;
    let scope = Scope::for_system(ws);
    settings(&state, &scope).await?;
    let mut workers = Vec::new();
    for i in 0..args.workers {
        let (w, token) =
            fleet::service::workers::create_in(&state.db, &scope, &format!("bench {i}"), None)
                .await?;
        workers.push((w.id, token));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = growthdeck::app(state.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let healthz_per_s = healthz(&base, args.workers, args.tasks).await?;
    let mut out = Vec::new();
    for round in 1..=args.rounds {
        let started = Instant::now();
        seed(&state, &scope, args.tasks).await?;
        println!(
            "{database}, round {round}: seeded {} due tasks in {:.1} s",
            args.tasks,
            started.elapsed().as_secs_f64()
        );
        let r = run_round(&state, ws, &base, &workers, args.tasks).await?;
        println!(
            "{database}, round {round}: tasks completed per second in each tenth of the round: {}",
            r.tenths
        );
        out.push(Figures {
            database,
            round,
            healthz_per_s,
            measured: r,
        });
    }
    server.abort();
    Ok(out)
}

/// One round's figures.
struct Round {
    claims_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    completed: u64,
    duplicates: u64,
    /// Completions per second in each tenth of the round, as text.
    tenths: String,
}

/// The workers claim and complete `tasks` due tasks (seeded just before); the round ends
/// when every one is done.
async fn run_round(
    state: &platform::AppState,
    ws: Uuid,
    base: &str,
    workers: &[(Uuid, String)],
    tasks: usize,
) -> Result<Round> {
    let counters = Arc::new(fleet::simulate::Counters::default());
    let done_at = {
        let counters = counters.clone();
        let target = tasks as u64;
        tokio::spawn(async move {
            let t0 = Instant::now();
            // When each tenth of the tasks was done: shows a slow start (connections'
            // statements prepared and planned) apart from the steady rate.
            let mut tenths = Vec::with_capacity(10);
            loop {
                let done = counters.completed.load(Ordering::Relaxed);
                while tenths.len() < 10 && done * 10 >= target * (tenths.len() as u64 + 1) {
                    tenths.push(t0.elapsed());
                }
                if done >= target {
                    return (t0.elapsed(), tenths);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let options = fleet::simulate::Options {
        stop_when_idle: Duration::from_millis(500),
        ..fleet::simulate::Options::default()
    };
    let summary = fleet::simulate::run(base, workers.to_vec(), options, counters, None).await;
    let (until_done, tenths) = tokio::time::timeout(Duration::from_secs(5), done_at)
        .await
        .context("not every task was completed")??;
    let mut before = Duration::ZERO;
    let tenths: Vec<String> = tenths
        .iter()
        .map(|t| {
            let rate = (tasks as f64 / 10.0) / (*t - before).as_secs_f64().max(1e-6);
            before = *t;
            format!("{rate:.0}")
        })
        .collect();
    // Over the workspace: every round's tasks so far.
    let completed = task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(ws))
        .filter(task::Column::Status.eq("completed"))
        .count(&state.db)
        .await?;
    let claimed_twice = task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(ws))
        .filter(task::Column::Claims.gt(1))
        .count(&state.db)
        .await?;
    let mut lat: Vec<f64> = summary
        .claim_latencies_us
        .iter()
        .map(|us| *us as f64 / 1000.0)
        .collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize]
        }
    };
    Ok(Round {
        claims_per_s: summary.claims as f64 / until_done.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        completed,
        duplicates: claimed_twice + summary.claims.saturating_sub(tasks as u64),
        tenths: tenths.join(", "),
    })
}

/// `GET /healthz` `total` times from `clients` concurrent clients: requests per second.
async fn healthz(base: &str, clients: usize, total: usize) -> Result<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let left = Arc::new(std::sync::atomic::AtomicUsize::new(total));
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let left = left.clone();
        let url = format!("{base}/healthz");
        handles.push(tokio::spawn(async move {
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let _ = client.get(&url).send().await;
            }
        }));
    }
    for h in handles {
        h.await?;
    }
    Ok(total as f64 / t0.elapsed().as_secs_f64())
}

/// The workspace's fleet settings: a one-step warm-up with no backoff.
async fn settings(state: &platform::AppState, scope: &Scope) -> Result<()> {
    let mut steps = fleet::service::settings::default_steps();
    steps.truncate(1);
    settings_row::Entity::insert(settings_row::ActiveModel {
        workspace_id: Set(scope.workspace_id()),
        steps: Set(serde_json::to_value(&steps)?),
        max_retries: Set(3),
        retry_backoff_secs: Set(0),
        lease_secs: Set(600),
        time_zone: Set("UTC".into()),
        proxy_check_url: Set("http://127.0.0.1:9/".into()),
        updated_at: Set(platform::db::now()),
    })
    .exec_without_returning(&state.db)
    .await?;
    Ok(())
}

/// `n` accounts waiting for a one-step warm-up, each with its step due now.
async fn seed(state: &platform::AppState, scope: &Scope, n: usize) -> Result<()> {
    let sealed = fleet::service::accounts::seal(state, "bench-password")?;
    let settings = fleet::service::settings::get(&state.db, scope).await?;
    let now = platform::db::now();
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<account::ActiveModel> = chunk
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let username = format!("bench_{}_{i}", &id.simple().to_string()[24..]);
                account::ActiveModel {
                    id: Set(*id),
                    workspace_id: Set(scope.workspace_id()),
                    username_lower: Set(username.clone()),
                    username: Set(username),
                    password_enc: Set(sealed.clone()),
                    email: Set(String::new()),
                    email_password_enc: Set(None),
                    extra: Set(serde_json::json!({})),
                    state: Set("proxy_assigned".into()),
                    warmup_step: Set(None),
                    warmup_started_at: Set(None),
                    warmup_completed_at: Set(None),
                    persona_id: Set(None),
                    assigned_to_persona_at: Set(None),
                    proxy_id: Set(None),
                    proxy_assigned_at: Set(None),
                    last_worker_id: Set(None),
                    last_worker_action_at: Set(None),
                    requires_human_review: Set(false),
                    last_error_message: Set(None),
                    last_error_at: Set(None),
                    retry_count: Set(0),
                    import_id: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
            })
            .collect();
        let txn = platform::db::begin_write(&state.db).await?;
        account::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        for id in chunk {
            fleet::service::tasks::queue_warmup(&txn, scope, *id, &settings).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}
