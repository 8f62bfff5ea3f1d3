//! The load loop: N workers on one shared client, a warm-up, then a measured
//! window. Everything is bounded by deadlines, including in-flight requests.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
}

/// One shared client: keeps `concurrency` idle connections per host so that
/// every worker reuses its own keep-alive connection.
pub fn client(concurrency: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

/// Figures of one measured window.
#[derive(Debug)]
pub struct Report {
    /// Requests started and completed inside the measured window.
    pub requests: u64,
    /// Of those, non-2xx answers and transport errors.
    pub errors: u64,
    pub window: Duration,
    /// Sorted latencies in microseconds.
    latencies_us: Vec<u32>,
}

#[derive(Default)]
struct WorkerTally {
    errors: u64,
    latencies_us: Vec<u32>,
}

/// Outcome of one request: `true` for a 2xx answer whose body was read.
async fn one_request(client: &reqwest::Client, url: &str, token: Option<&str>) -> bool {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            // Read the body so the connection goes back to the pool.
            response.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

pub async fn run(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    config: &LoadConfig,
) -> Result<Report> {
    // Fail fast (rather than spin on errors for the whole run) when nothing
    // answers at all.
    client
        .get(url)
        .send()
        .await
        .with_context(|| format!("preflight GET {url}: is the server running?"))?;

    let url: Arc<str> = Arc::from(url);
    let token: Option<Arc<str>> = token.map(Arc::from);
    let start = Instant::now();
    let measure_from = start + config.warmup;
    let end = measure_from + config.duration;

    let mut workers = Vec::with_capacity(config.concurrency);
    for _ in 0..config.concurrency {
        let client = client.clone();
        let url = Arc::clone(&url);
        let token = token.clone();
        workers.push(tokio::spawn(async move {
            let mut tally = WorkerTally::default();
            loop {
                let started = Instant::now();
                if started >= end {
                    break;
                }
                let outcome =
                    tokio::time::timeout_at(end, one_request(&client, &url, token.as_deref()))
                        .await;
                // A request still in flight at the end is discarded.
                let Ok(ok) = outcome else { break };
                if started >= measure_from {
                    let micros = started.elapsed().as_micros();
                    tally
                        .latencies_us
                        .push(u32::try_from(micros).unwrap_or(u32::MAX));
                    if !ok {
                        tally.errors += 1;
                    }
                }
            }
            tally
        }));
    }

    let mut errors = 0;
    let mut latencies_us = Vec::new();
    for worker in workers {
        let tally = worker.await.context("a load worker failed")?;
        errors += tally.errors;
        latencies_us.extend(tally.latencies_us);
    }
    latencies_us.sort_unstable();
    let requests = latencies_us.len() as u64;
    if requests == 0 {
        bail!("no request completed inside the measured window against {url}");
    }
    Ok(Report {
        requests,
        errors,
        window: config.duration,
        latencies_us,
    })
}

impl Report {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.window.as_secs_f64()
    }

    /// Nearest-rank percentile, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let n = self.latencies_us.len();
        if n == 0 {
            return 0.0;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let index = rank.saturating_sub(1).min(n - 1);
        self.latencies_us.get(index).copied().unwrap_or(0) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0
    }

    pub fn print_block(&self, label: &str) {
        println!("== {label}");
        println!("requests      {}", self.requests);
        println!("errors        {}", self.errors);
        println!("requests/s    {:.2}", self.requests_per_second());
        println!("p50 ms        {:.2}", self.percentile_ms(50.0));
        println!("p90 ms        {:.2}", self.percentile_ms(90.0));
        println!("p99 ms        {:.2}", self.percentile_ms(99.0));
        println!("max ms        {:.2}", self.max_ms());
    }

    pub fn print_table(rows: &[(String, &Report)]) {
        let width = rows
            .iter()
            .map(|(label, _)| label.len())
            .max()
            .unwrap_or(0)
            .max("target".len());
        println!(
            "{:<width$}  {:>10}  {:>7}  {:>11}  {:>8}  {:>8}  {:>8}  {:>8}",
            "target", "requests", "errors", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for (label, report) in rows {
            println!(
                "{:<width$}  {:>10}  {:>7}  {:>11.2}  {:>8.2}  {:>8.2}  {:>8.2}  {:>8.2}",
                label,
                report.requests,
                report.errors,
                report.requests_per_second(),
                report.percentile_ms(50.0),
                report.percentile_ms(90.0),
                report.percentile_ms(99.0),
                report.max_ms(),
            );
        }
    }
}
