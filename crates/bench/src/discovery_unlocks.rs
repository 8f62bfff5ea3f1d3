//! `bench discovery-unlocks`: profile unlocks through the real server under concurrency.
//! 50 clients unlock distinct creators (each unlock holds, records and spends its price) and,
//! in the same run, the same clients load `GET /healthz` as the baseline; then all 50 unlock
//! one creator at once (one must pay, the others answer "already unlocked"). Figures:
//! unlocks/s against requests/s of the baseline, p50/p99 latency, and the charges made.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct DiscoveryUnlocksArgs {
    /// The growthdeck binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// Unlocks to make (one creator each).
    #[arg(long, default_value_t = 2_000)]
    unlocks: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 50)]
    clients: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Sends every request of `urls` (POST when `post`) from `clients` tasks; returns the
/// elapsed seconds, the sorted latencies in ms and the answers' bodies.
async fn load(
    urls: Vec<String>,
    clients: usize,
    token: &str,
    post: bool,
) -> Result<(f64, Vec<f64>, Vec<Value>)> {
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(urls));
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (queue, client, token) = (queue.clone(), client.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let Some(url) = queue.lock().await.pop() else {
                    return Ok::<_, anyhow::Error>(out);
                };
                let t = Instant::now();
                let req = if post {
                    client.post(&url)
                } else {
                    client.get(&url)
                };
                let res = req.bearer_auth(&token).send().await?;
                let status = res.status();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                if !status.is_success() {
                    bail!("{url} answered {status}: {body}");
                }
                out.push((t.elapsed().as_secs_f64() * 1000.0, body));
            }
        }));
    }
    let mut latencies = Vec::new();
    let mut bodies = Vec::new();
    for t in tasks {
        for (ms, body) in t.await?? {
            latencies.push(ms);
            bodies.push(body);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Ok((secs, latencies, bodies))
}

pub async fn run(args: DiscoveryUnlocksArgs) -> Result<()> {
    if args.unlocks == 0 || args.unlocks > 100_000 || args.clients == 0 || args.clients > 500 {
        bail!("--unlocks must be 1–100,000 and --clients 1–500");
    }
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let w = crate::discovery_export::world(&args.bin, args.unlocks + 1, false).await?;
    let healthz: Vec<String> = (0..args.unlocks)
        .map(|_| format!("{}/healthz", w.base))
        .collect();
    let (base_secs, base_lat, _) = load(healthz, args.clients, &w.token, false).await?;
    let unlocks: Vec<String> = w
        .creators
        .iter()
        .take(args.unlocks as usize)
        .map(|id| format!("{}/api/v1/discovery/creators/{id}/unlock", w.base))
        .collect();
    let (secs, lat, bodies) = load(unlocks, args.clients, &w.token, true).await?;
    let paid = bodies
        .iter()
        .filter(|b| b["already_unlocked"] == false)
        .count();
    // All clients at once on one creator: exactly one pays.
    let Some(last) = w.creators.last() else {
        bail!("no creator generated");
    };
    let same: Vec<String> = (0..args.clients)
        .map(|_| format!("{}/api/v1/discovery/creators/{last}/unlock", w.base))
        .collect();
    let (_, same_lat, same_bodies) = load(same, args.clients, &w.token, true).await?;
    let same_paid = same_bodies
        .iter()
        .filter(|b| b["already_unlocked"] == false)
        .count();
    let n = args.unlocks as f64;
    println!(
        "\nprofile unlocks by the real server (SQLite, {} clients, self-hosted plan: each unlock reserves, records and captures its price):",
        args.clients
    );
    println!(
        "  distinct creators: {} unlocks in {secs:.2} s = {:.0} unlocks/s; p50 {:.1} ms, p99 {:.1} ms; {paid} made",
        args.unlocks,
        n / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    println!(
        "  baseline GET /healthz: {:.0} requests/s; p50 {:.1} ms → unlocks/s are {:.3}× the baseline",
        n / base_secs,
        percentile(&base_lat, 0.5),
        (n / secs) / (n / base_secs)
    );
    println!(
        "  one creator, {} clients at once: {same_paid} paid, {} answered already unlocked; p99 {:.1} ms",
        args.clients,
        same_bodies.len() - same_paid,
        percentile(&same_lat, 0.99)
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    drop(w);
    Ok(())
}
