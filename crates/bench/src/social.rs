//! `bench social`: the public social-data API of the real server. Seeds a fresh SQLite data
//! directory with an API client (its limits set far above the load, so the limiter runs on
//! every request without refusing), starts `growthdeck serve`, then
//!
//! 1. loads `GET /healthz` and the cached `GET /api/v1/social/instagram/{username}` (key
//!    authentication, rate limiting and usage recording on) at `--concurrency` connections, in
//!    the same run, and prints requests/s and latency percentiles of both;
//! 2. replays `--requests` profile requests over `--usernames` demo usernames, drawn from a
//!    Zipf distribution (s = 1: a few profiles are asked for often, most rarely — a seeded,
//!    reproducible trace), and prints the cache hit rate: per request from the `X-Cache`
//!    header, and per cache lookup from the counters in `/metrics`.

use std::{
    collections::HashSet,
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::server::{Server, free_port};

use crate::load::{self, LoadConfig, Report};

#[derive(clap::Args, Debug)]
pub struct SocialArgs {
    /// The growthdeck binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// Connections of the throughput run.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Measured seconds of each throughput run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Requests of the replay.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// Distinct usernames the replay draws from.
    #[arg(long, default_value_t = 500)]
    usernames: usize,
    /// Concurrent requests of the replay.
    #[arg(long, default_value_t = 16)]
    replay_concurrency: usize,
}

/// xorshift64*: a small seeded generator, so every run replays the same trace.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` draws of ranks 0..k with P(rank r) ∝ 1/(r+1).
fn zipf_trace(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let weights: Vec<f64> = (1..=k).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(k);
    let mut acc = 0.0;
    for w in weights {
        acc += w / total;
        cdf.push(acc);
    }
    let mut rng = Rng(seed.max(1));
    (0..n)
        .map(|_| {
            let u = rng.next_f64();
            cdf.partition_point(|c| *c < u).min(k - 1)
        })
        .collect()
}

/// The sum of a counter over all its label sets in a Prometheus text page.
fn counter(page: &str, name: &str) -> f64 {
    page.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|v| v.parse::<f64>().ok())
        .sum()
}

/// `/metrics` of the server under test, which serves it to this token only.
async fn metrics(client: &reqwest::Client, base: &str, token: &str) -> Result<String> {
    let res = client
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("/metrics answered {}", res.status());
    }
    Ok(res.text().await?)
}

pub async fn run(args: SocialArgs) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().to_string();
    let url = format!("sqlite://{data}/growthdeck.db?mode=rwc");
    let db = platform::db::connect_url(&url, 2).await?;
    platform::db::migrate(&db).await?;
    let (_, key) = instagram::social::clients::create(
        &db,
        &instagram::social::clients::NewClient {
            name: "Bench".into(),
            tier: instagram::social::tiers::Tier::Enterprise,
            requests_per_minute: Some(1_000_000_000),
            requests_per_month: Some(1_000_000_000_000),
            endpoints: None,
        },
    )
    .await?;
    db.close().await?;
    let key = key.secret;

    let metrics_token = format!("bench-metrics-{}", uuid::Uuid::new_v4().simple());
    let port = free_port()?;
    let _server = Server(
        Command::new(&args.bin)
            .arg("serve")
            .env("GROWTHDECK_DATA_DIR", &data)
            .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
            .env("GROWTHDECK_LOG", "warn")
            .env("GROWTHDECK_METRICS_TOKEN", &metrics_token)
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", args.bin))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = load::client(args.concurrency.max(args.replay_concurrency))?;
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The profile under load is fetched once (a miss), then served from the cache.
    let cached = format!("{base}/api/v1/social/instagram/demo.bench.cached");
    let first = client.get(&cached).bearer_auth(&key).send().await?;
    if !first.status().is_success() {
        bail!("the first social request answered {}", first.status());
    }
    first.bytes().await?;

    let config = LoadConfig {
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
    };
    println!(
        "throughput: concurrency {}, warm-up {} s, measured {} s (bench and server share the machine: {} cores)",
        config.concurrency,
        args.warmup,
        args.duration,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let healthz = load::run(&client, &format!("{base}/healthz"), None, &config).await?;
    let social = load::run(&client, &cached, Some(&key), &config).await?;
    Report::print_table(&[
        ("GET /healthz".to_owned(), &healthz),
        (
            "GET /api/v1/social/instagram/{username} (cached, key + limits)".to_owned(),
            &social,
        ),
    ]);
    println!();

    let trace = zipf_trace(args.requests, args.usernames, 0x5eed_0f50_c1a1);
    let distinct = trace.iter().collect::<HashSet<_>>().len();
    let before = metrics(&client, &base, &metrics_token).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let trace = Arc::new(trace);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.replay_concurrency.max(1) {
        let (client, base, key, next, trace) = (
            client.clone(),
            base.clone(),
            key.clone(),
            next.clone(),
            trace.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut seen = [0u64; 4]; // HIT, STALE, MISS, errors
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(rank) = trace.get(i) else { break };
                let url = format!("{base}/api/v1/social/instagram/demo_bench_user_{rank}");
                match client.get(url).bearer_auth(&key).send().await {
                    Ok(res) if res.status().is_success() => {
                        let slot = match res.headers().get("x-cache").and_then(|v| v.to_str().ok())
                        {
                            Some("HIT") => 0,
                            Some("STALE") => 1,
                            _ => 2,
                        };
                        seen[slot] += 1;
                        let _ = res.bytes().await;
                    }
                    _ => seen[3] += 1,
                }
            }
            seen
        }));
    }
    let mut seen = [0u64; 4];
    for w in workers {
        let s = w.await.context("a replay worker failed")?;
        for (a, b) in seen.iter_mut().zip(s) {
            *a += b;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let after = metrics(&client, &base, &metrics_token).await?;
    let delta = |name: &str| counter(&after, name) - counter(&before, name);
    let (hits, misses, stale) = (
        delta("social_cache_hits_total"),
        delta("social_cache_misses_total"),
        delta("social_cache_stale_total"),
    );
    let refreshes = delta("social_source_refreshes_total");
    println!(
        "replay: {} profile requests over {} usernames (Zipf s=1, {} distinct in the trace), {} concurrent, {:.1} s",
        args.requests, args.usernames, distinct, args.replay_concurrency, secs
    );
    let answered = (seen[0] + seen[1] + seen[2]).max(1) as f64;
    println!(
        "  per request (X-Cache): {} HIT, {} STALE, {} MISS, {} errors -> hit rate {:.2} %",
        seen[0],
        seen[1],
        seen[2],
        seen[3],
        100.0 * (seen[0] + seen[1]) as f64 / answered
    );
    println!(
        "  per cache lookup (/metrics, profile + first page of posts): {hits} hits ({stale} stale), {misses} misses -> hit rate {:.2} %; {refreshes} source fetches",
        100.0 * hits / (hits + misses).max(1.0)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_is_reproducible_and_skewed() {
        let a = zipf_trace(10_000, 500, 7);
        assert_eq!(a, zipf_trace(10_000, 500, 7));
        let top = a.iter().filter(|r| **r == 0).count();
        let tail = a.iter().filter(|r| **r == 499).count();
        assert!(top > 100 * tail.max(1) / 10, "{top} vs {tail}");
        assert!(a.iter().all(|r| *r < 500));
    }

    #[test]
    fn counters_sum_over_labels() {
        let page = "# TYPE x counter\nsocial_cache_hits_total{kind=\"profile\",layer=\"memory\"} 3\nsocial_cache_hits_total{kind=\"posts\",layer=\"memory\"} 4\nsocial_cache_hits_total_other 9\n";
        assert_eq!(counter(page, "social_cache_hits_total"), 7.0);
    }
}
