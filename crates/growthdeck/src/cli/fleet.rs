//! `growthdeck fleet simulate --workspace SLUG --workers N [--fail-rate 0.1] [--skip-waits]`:
//! starts this server's API on a local port and runs N simulated workers against it over HTTP
//! (claim, heartbeat, complete or fail through `/api/bot/*`, exactly as a real worker), with a
//! progress bar. The workers are created for the run and revoked at its end. `--skip-waits`
//! brings each next waiting step forward when nothing is due, so the five-day warm-up runs
//! in one go (each such move is written on the account's timeline as the simulator's).

use std::{sync::Arc, sync::atomic::Ordering, time::Duration};

use clap::{Args, Subcommand};
use identity::service::workspaces;
use indicatif::{ProgressBar, ProgressStyle};
use platform::{Config, Error, Scope};
use tokio::net::TcpListener;

#[derive(Subcommand)]
pub enum FleetCommand {
    /// Run simulated automation workers against the worker API.
    Simulate(SimulateArgs),
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Slug of the workspace whose tasks the workers take.
    #[arg(long)]
    workspace: String,
    /// How many workers run at once (1–200).
    #[arg(long, default_value_t = 5)]
    workers: u32,
    /// Share of steps reported failed, 0–1 (most failures are retryable).
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Bring waiting steps forward when nothing is due (the warm-up's days pass at once).
    #[arg(long)]
    skip_waits: bool,
    /// Milliseconds each step "takes" (the simulated phone's work).
    #[arg(long, default_value_t = 200)]
    work_ms: u64,
    /// Stop after this many answered tasks (0: until nothing is due).
    #[arg(long, default_value_t = 0)]
    max_tasks: u64,
}

pub async fn run(config: Config, command: FleetCommand) -> anyhow::Result<()> {
    match command {
        FleetCommand::Simulate(args) => simulate(config, args).await,
    }
}

async fn simulate(config: Config, args: SimulateArgs) -> anyhow::Result<()> {
    if !(1..=200).contains(&args.workers) {
        anyhow::bail!("--workers must be from 1 to 200");
    }
    if !(0.0..=1.0).contains(&args.fail_rate) {
        anyhow::bail!("--fail-rate must be from 0 to 1");
    }
    if args.work_ms > 60_000 {
        anyhow::bail!("--work-ms must be at most 60,000");
    }
    let state = growthdeck::build_state(config).await?;
    let ws = match workspaces::find_by_slug(&state.db, &args.workspace).await {
        Ok(ws) => ws,
        Err(Error::NotFound) => anyhow::bail!("no workspace with the slug {:?}", args.workspace),
        Err(e) => anyhow::bail!("{e}"),
    };
    let scope = Scope::for_system(ws.id);
    state
        .limits
        .require_feature(&state, &scope, fleet::service::access::FEATURE)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = growthdeck::app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let mut workers = Vec::new();
    for i in 1..=args.workers {
        let (w, token) = fleet::service::workers::create_in(
            &state.db,
            &scope,
            &format!("Simulated worker {i}"),
            None,
        )
        .await?;
        workers.push((w.id, token));
    }
    let ids: Vec<_> = workers.iter().map(|(id, _)| *id).collect();
    println!(
        "Simulating {} workers on {} ({}) through {base}/api/bot …",
        args.workers, ws.name, ws.slug
    );
    let counters = Arc::new(fleet::simulate::Counters::default());
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template(
        "{spinner} {elapsed_precise} {msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(120));
    let ticker = {
        let counters = counters.clone();
        let bar = bar.clone();
        tokio::spawn(async move {
            loop {
                bar.set_message(format!(
                    "{} taken · {} done · {} failed · {} waits skipped",
                    counters.claims.load(Ordering::Relaxed),
                    counters.completed.load(Ordering::Relaxed),
                    counters.failed.load(Ordering::Relaxed),
                    counters.waits_skipped.load(Ordering::Relaxed),
                ));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let options = fleet::simulate::Options {
        fail_rate: args.fail_rate,
        work_ms: (args.work_ms / 2, args.work_ms),
        stop_when_idle: Duration::from_secs(2),
        max_tasks: args.max_tasks,
        seed: 7,
    };
    let skip = args.skip_waits.then(|| {
        Arc::new(fleet::simulate::SkipWaits {
            db: state.db.clone(),
            scope,
        })
    });
    let summary = fleet::simulate::run(&base, workers, options, counters, skip).await;
    ticker.abort();
    bar.finish_and_clear();
    for id in ids {
        fleet::service::workers::revoke_in(&state.db, &scope, id).await?;
    }
    println!(
        "Done in {:.1} s: {} steps taken, {} done, {} failed, {} refused as late, {} waits skipped, {} errors.",
        summary.elapsed.as_secs_f64(),
        summary.claims,
        summary.completed,
        summary.failed,
        summary.conflicts,
        summary.waits_skipped,
        summary.errors
    );
    let counts = fleet::service::accounts::count_by_state(&state.db, &scope).await?;
    let line: Vec<String> = counts
        .iter()
        .map(|(s, n)| {
            format!(
                "{} {}",
                fleet::service::lifecycle::State::label_of(s).to_lowercase(),
                n
            )
        })
        .collect();
    println!("Accounts now: {}.", line.join(", "));
    Ok(())
}
