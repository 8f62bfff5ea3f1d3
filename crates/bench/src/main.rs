//! `bench`: a small HTTP load generator that prints figures.
//!
//! * `bench http --url URL` keeps N workers looping GET requests on one shared
//!   client and prints requests, errors, requests/s and latency percentiles.
//! * `bench api-me --base URL` signs up a fresh user through the JSON API and
//!   compares `GET /healthz` with the authenticated `GET /api/v1/me`.
//!
//! * `bench pages` seeds a workspace with a 100,000-post account and loads its pages
//!   (home, account page, compare) on the real server, against `/healthz` in the same run.
//!
//! Point it at loopback only: it is meant to measure a local instance.

mod ai;
mod analysis;
mod audit;
mod discovery;
mod discovery_export;
mod discovery_unlocks;
mod export;
mod fleet;
mod fleet_import;
mod hashtags;
mod jobs;
mod load;
mod pages;
mod refresh;
mod scratch;
mod server;
mod social;

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use crate::load::{LoadConfig, Report};

/// The shipped binary's allocator (`crates/growthdeck/src/main.rs`): the benches that run the
/// app in this process measure what ships, not glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "bench",
    about = "HTTP load against a running Growthdeck; prints figures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load one URL with GET requests and print latency figures.
    Http(HttpArgs),
    /// Sign up a fresh user, then compare `GET /healthz` with `GET /api/v1/me`.
    ApiMe(ApiMeArgs),
    /// No-op jobs through `growthdeck worker` processes: throughput and enqueue→start latency.
    Jobs(jobs::JobsArgs),
    /// The users CSV export of a real server with 100,000 accounts: time and server memory.
    Export(export::ExportArgs),
    /// Time to refresh N demo Instagram accounts through the job workers.
    Refresh(refresh::RefreshArgs),
    /// The social-data API of a real server: cached profile with key auth and limits vs
    /// `/healthz`, and the cache hit rate over a replay.
    Social(social::SocialArgs),
    /// Home, an account's page and compare with a 100,000-post account on the real server:
    /// p50/p95/p99 against `/healthz` in the same run.
    Pages(pages::PagesArgs),
    /// Post analysis (language, sentiment, category) against the Python reference on one
    /// generated captions file: posts/s, ratio and agreement.
    Analysis(analysis::AnalysisArgs),
    /// An audit and its PDF for an account with 1,000 posts: p50/p95 against reading the
    /// account's record in the same run.
    Audit(audit::AuditArgs),
    /// The hashtag lift (medians with and without each tag, co-occurrence, ranking) for an
    /// account with 5,000 posts: p50/p95 against reading the account's record.
    Hashtags(hashtags::HashtagsArgs),
    Ai(ai::AiArgs),
    /// The worker API's task claims: 50 simulated workers over 5,000 due tasks on SQLite (and
    /// PostgreSQL): claims/s against GET /healthz, claim latency p50/p99, duplicates.
    FleetClaims(fleet::FleetArgs),
    /// The fleet's account import of a 100,000-line file (1 % invalid, 1 % duplicates) on a
    /// fresh database: time, lines/s and the exact counts.
    FleetImport(fleet_import::FleetImportArgs),
    /// Creator discovery's search over a generated index of 1,000,000 creators on SQLite (and
    /// PostgreSQL): p50/p95/p99 of keyword, filter, sort and hashtag searches against reading
    /// one creator by id in the same run.
    DiscoverySearch(discovery::DiscoveryArgs),
    /// Creator discovery's export of 100,000 unlocked creators by the real server as XLSX and
    /// CSV (the baseline): time, rows/s, ratio and the server's peak memory.
    DiscoveryExport(discovery_export::DiscoveryExportArgs),
    /// Creator discovery's profile unlocks by the real server under 50 concurrent clients:
    /// unlocks/s against GET /healthz, latency, and one charge for 50 unlocks of one creator.
    DiscoveryUnlocks(discovery_unlocks::DiscoveryUnlocksArgs),
}

#[derive(Args, Debug, Clone)]
struct LoadArgs {
    /// Number of concurrent workers (and pooled connections).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Warm-up seconds, not recorded.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
}

#[derive(Args, Debug)]
struct HttpArgs {
    /// URL to GET, e.g. http://127.0.0.1:8080/healthz
    #[arg(long)]
    url: String,
    /// Sent as `Authorization: Bearer TOKEN`.
    #[arg(long)]
    token: Option<String>,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Args, Debug)]
struct ApiMeArgs {
    /// Base URL of the running instance.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    #[command(flatten)]
    load: LoadArgs,
}

const PASSWORD: &str = "correct horse battery staple 42";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    // reqwest is built with `rustls-no-provider`: install ring once. An error
    // only means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Http(args) => run_http(args).await,
            Command::ApiMe(args) => run_api_me(args).await,
            Command::Jobs(args) => jobs::run(args).await,
            Command::Export(args) => export::run(args).await,
            Command::Refresh(args) => refresh::run(args).await,
            Command::Social(args) => social::run(args).await,
            Command::Pages(args) => pages::run(args).await,
            Command::Analysis(args) => analysis::run(args).await,
            Command::Audit(args) => audit::run(args).await,
            Command::Hashtags(args) => hashtags::run(args).await,
            Command::Ai(args) => ai::run(args).await,
            Command::FleetClaims(args) => fleet::run(args).await,
            Command::FleetImport(args) => fleet_import::run(args).await,
            Command::DiscoverySearch(args) => discovery::run(args).await,
            Command::DiscoveryExport(args) => discovery_export::run(args).await,
            Command::DiscoveryUnlocks(args) => discovery_unlocks::run(args).await,
        }
    })
}

fn load_config(args: &LoadArgs) -> Result<LoadConfig> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if args.duration == 0 {
        bail!("--duration must be at least 1 second");
    }
    Ok(LoadConfig {
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
    })
}

fn print_settings(config: &LoadConfig) {
    println!(
        "concurrency {}, warm-up {} s, measured {} s",
        config.concurrency,
        config.warmup.as_secs(),
        config.duration.as_secs()
    );
}

async fn run_http(args: HttpArgs) -> Result<()> {
    let config = load_config(&args.load)?;
    let client = load::client(config.concurrency)?;
    print_settings(&config);
    let report = load::run(&client, &args.url, args.token.as_deref(), &config).await?;
    let label = format!("GET {}", args.url);
    report.print_block(&label);
    println!();
    Report::print_table(&[(label, &report)]);
    Ok(())
}

async fn run_api_me(args: ApiMeArgs) -> Result<()> {
    let config = load_config(&args.load)?;
    let client = load::client(config.concurrency)?;
    let base = args.base.trim_end_matches('/').to_owned();

    let token = sign_up(&client, &base).await?;

    print_settings(&config);
    let healthz_url = format!("{base}/healthz");
    let healthz = load::run(&client, &healthz_url, None, &config).await?;
    healthz.print_block("GET /healthz");
    println!();

    let me_url = format!("{base}/api/v1/me");
    let me = load::run(&client, &me_url, Some(&token), &config).await?;
    me.print_block("GET /api/v1/me");
    println!();

    Report::print_table(&[
        ("GET /healthz".to_owned(), &healthz),
        ("GET /api/v1/me".to_owned(), &me),
    ]);
    Ok(())
}

/// Signs up `bench-<unix millis>@example.com` and returns an API token.
async fn sign_up(client: &reqwest::Client, base: &str) -> Result<String> {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_millis();
    let email = format!("bench-{millis}@example.com");

    let signup = json!({
        "email": email,
        "password": PASSWORD,
        "name": "Bench",
        "workspace": "Bench",
    });
    post_json(
        client,
        &format!("{base}/api/v1/auth/signup"),
        &signup,
        "sign-up",
    )
    .await?;

    let credentials = json!({ "email": email, "password": PASSWORD });
    let body = post_json(
        client,
        &format!("{base}/api/v1/auth/token"),
        &credentials,
        "token",
    )
    .await?;
    let token = body
        .get("token")
        .and_then(Value::as_str)
        .with_context(|| format!("token response has no \"token\" string: {body}"))?;
    println!("signed up {email}");
    Ok(token.to_owned())
}

/// POSTs JSON and returns the JSON body of a 2xx answer; anything else
/// (including 429 throttling) prints the problem body and fails.
async fn post_json(client: &reqwest::Client, url: &str, body: &Value, what: &str) -> Result<Value> {
    let response = client
        .post(url)
        .json(body)
        .send()
        .await
        .with_context(|| format!("{what}: POST {url}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .with_context(|| format!("{what}: reading the body of POST {url}"))?;
    if !status.is_success() {
        eprintln!("{what} failed: POST {url} answered {status}");
        eprintln!("{text}");
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            bail!("{what} was throttled (429); wait for the limit to reset and retry");
        }
        bail!("{what} answered {status}");
    }
    serde_json::from_str(&text)
        .with_context(|| format!("{what}: POST {url} answered non-JSON: {text}"))
}
