//! `bench export`: the users CSV export of the real server, with 100,000 generated accounts.
//! Seeds a fresh SQLite data directory, creates a staff member with `growthdeck admin create`,
//! starts `growthdeck serve`, downloads `GET /api/v1/admin/users/export` and samples the
//! server's resident memory (`/proc/<pid>/status`) while the export streams: the figure is the
//! peak RSS during the export against the RSS just before it.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::server::{Server, free_port};
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The growthdeck binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// Generated accounts to export.
    #[arg(long, default_value_t = 100_000)]
    users: u64,
}

const PASSWORD: &str = "correct horse battery staple 42";

/// Resident set size in KiB (`field` is `VmRSS` or `VmHWM`).
fn rss_kib(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

pub async fn run(args: ExportArgs) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().to_string();
    let url = format!("sqlite://{data}/growthdeck.db?mode=rwc");
    let db = platform::db::connect_url(&url, 2).await?;
    platform::db::migrate(&db).await?;
    let started = Instant::now();
    identity::service::directory::insert_generated(&db, "bench", args.users).await?;
    println!(
        "seeded {} users in {:.1} s",
        args.users,
        started.elapsed().as_secs_f64()
    );
    db.close().await?;

    let mut create = Command::new(&args.bin)
        .args([
            "admin",
            "create",
            "--email",
            "bench@staff.example",
            "--role",
            "support",
        ])
        .env("GROWTHDECK_DATA_DIR", &data)
        .env("GROWTHDECK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", args.bin))?;
    create
        .stdin
        .take()
        .context("stdin")?
        .write_all(PASSWORD.as_bytes())?;
    let out = create.wait_with_output()?;
    let printed = String::from_utf8_lossy(&out.stdout);
    let secret = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("manual key: "))
        .context("`admin create` printed no manual key")?
        .to_string();

    let port = free_port()?;
    let server = Server(
        Command::new(&args.bin)
            .arg("serve")
            .env("GROWTHDECK_DATA_DIR", &data)
            .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
            .env("GROWTHDECK_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let otp = platform::totp::code_at(&secret, platform::totp::unix_now())?;
    let token: Value = client
        .post(format!("{base}/api/v1/admin/auth/token"))
        .json(&json!({ "email": "bench@staff.example", "password": PASSWORD, "otp": otp }))
        .send()
        .await?
        .json()
        .await?;
    let token = token["token"]
        .as_str()
        .with_context(|| format!("no staff token: {token}"))?
        .to_string();

    let before = rss_kib(pid, "VmRSS")?;
    let mut peak = before;
    let started = Instant::now();
    let mut res = client
        .get(format!("{base}/api/v1/admin/users/export"))
        .bearer_auth(&token)
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("export answered {}", res.status());
    }
    let (mut bytes, mut lines, mut chunks) = (0u64, 0u64, 0u64);
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        chunks += 1;
        if chunks % 16 == 0 {
            peak = peak.max(rss_kib(pid, "VmRSS")?);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    peak = peak.max(rss_kib(pid, "VmRSS")?);
    let hwm = rss_kib(pid, "VmHWM")?;
    println!(
        "users CSV export of the real server ({} users):",
        args.users
    );
    println!(
        "  {lines} lines, {:.1} MB in {secs:.2} s ({:.0} rows/s)",
        bytes as f64 / 1e6,
        (lines.saturating_sub(1)) as f64 / secs
    );
    println!(
        "  server RSS: {:.1} MB before, {:.1} MB peak during the export (+{:.1} MB); lifetime high-water mark {:.1} MB",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    Ok(())
}
