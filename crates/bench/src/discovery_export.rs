//! `bench discovery-export`: the export of a workspace's unlocked creators by the real server,
//! as XLSX and as CSV (the baseline of the same run), with 100,000 unlocked creators. Seeds a
//! fresh SQLite data directory with generated creators (the discovery-search generator) and a
//! customer who unlocked all of them, starts `growthdeck serve`, downloads
//! `POST /api/v1/discovery/exports/creators?format=…` and samples the server's resident memory
//! (`RssAnon` of `/proc/<pid>/status`) every 10 ms while the export is written and sent. Figures: time,
//! rows/s, the XLSX/CSV time ratio, and the peak RSS against the RSS just before.

use std::{
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use discovery::model::{creator, unlocks::unlock};
use sea_orm::{EntityTrait, QuerySelect, Set};
use serde_json::{Value, json};

use crate::server::{Server, free_port};

#[derive(clap::Args, Debug)]
pub struct DiscoveryExportArgs {
    /// The growthdeck binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// Unlocked creators to export.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
}

const PASSWORD: &str = "correct horse battery staple 42";

/// Anonymous resident memory in KiB (`RssAnon`: the heap and stacks). The whole RSS also
/// counts the SQLite file's pages mapped by every connection (`mmap_size`), which the kernel
/// shares and drops at will: they say nothing of what the export holds.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no RssAnon in /proc/{pid}/status"))
}

struct Figures {
    format: &'static str,
    secs: f64,
    bytes: u64,
    before_kib: u64,
    peak_kib: u64,
}

async fn export(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    pid: u32,
    format: &'static str,
) -> Result<Figures> {
    let before = rss_kib(pid)?;
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(now) = rss_kib(pid) {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let mut res = client
        .post(format!(
            "{base}/api/v1/discovery/exports/creators?format={format}"
        ))
        .bearer_auth(token)
        .send()
        .await?;
    if !res.status().is_success() {
        let status = res.status();
        bail!(
            "the {format} export answered {status}: {}",
            res.text().await?
        );
    }
    let mut bytes = 0u64;
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    Ok(Figures {
        format,
        secs,
        bytes,
        before_kib: before,
        peak_kib: peak.load(Ordering::Relaxed).max(rss_kib(pid)?),
    })
}

/// A real server on a fresh SQLite data directory with `rows` generated creators, and a
/// customer (self-hosted plan) whose workspace unlocked them when `unlock` is set.
pub(crate) struct World {
    // Dropped in this order: the server stops, then its data directory goes.
    _server: Server,
    _dir: tempfile::TempDir,
    pub base: String,
    pub token: String,
    pub pid: u32,
    pub creators: Vec<uuid::Uuid>,
}

pub(crate) async fn world(bin: &str, rows: u64, unlock: bool) -> Result<World> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().to_string();
    let url = format!("sqlite://{data}/growthdeck.db?mode=rwc");
    let db = platform::db::connect_url(&url, 2).await?;
    platform::db::migrate(&db).await?;
    let now = chrono::Utc::now();
    let started = Instant::now();
    crate::discovery::load(&db, 7, rows, now, "SQLite").await?;
    println!(
        "generated {} creators in {:.1} s",
        rows,
        started.elapsed().as_secs_f64()
    );

    let port = free_port()?;
    let server = Server(
        Command::new(bin)
            .arg("serve")
            .env("GROWTHDECK_DATA_DIR", &data)
            .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
            .env("GROWTHDECK_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin))?,
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
    let signup = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": "export@bench.example", "password": PASSWORD, "name": "Bench", "workspace": "Bench"}))
        .send()
        .await?;
    if !signup.status().is_success() {
        bail!("sign-up answered {}", signup.status());
    }
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": "export@bench.example", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = token["token"]
        .as_str()
        .with_context(|| format!("no token: {token}"))?
        .to_string();
    let me: Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let ws = me["workspace"]["id"]
        .as_str()
        .with_context(|| format!("no workspace in {me}"))?
        .to_string();
    // Every generated creator unlocked by the workspace (what a busy year of unlocks is).
    let ws: uuid::Uuid = ws.parse()?;
    let creators: Vec<uuid::Uuid> = creator::Entity::find()
        .select_only()
        .column(creator::Column::ProfileId)
        .into_tuple()
        .all(&db)
        .await?;
    if unlock {
        unlock_all(&db, ws, &creators, now).await?;
    }
    db.close().await?;

    Ok(World {
        _server: server,
        _dir: dir,
        base,
        token,
        pid,
        creators,
    })
}

pub async fn run(args: DiscoveryExportArgs) -> Result<()> {
    if args.rows == 0 || args.rows > 1_000_000 {
        bail!("--rows must be 1–1,000,000");
    }
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let w = world(&args.bin, args.rows, true).await?;
    let (client, base, token, pid) = (
        reqwest::Client::new(),
        w.base.clone(),
        w.token.clone(),
        w.pid,
    );
    // CSV first (the baseline), then XLSX.
    let csv = export(&client, &base, &token, pid, "csv").await?;
    let xlsx = export(&client, &base, &token, pid, "xlsx").await?;
    println!(
        "\nexport of {} unlocked creators by the real server (SQLite):",
        args.rows
    );
    for f in [&csv, &xlsx] {
        println!(
            "  {:<4} {:.2} s ({:.0} rows/s), {:.1} MB; server anonymous RSS {:.1} MB before, {:.1} MB peak (+{:.1} MB)",
            f.format.to_uppercase(),
            f.secs,
            args.rows as f64 / f.secs,
            f.bytes as f64 / 1e6,
            f.before_kib as f64 / 1024.0,
            f.peak_kib as f64 / 1024.0,
            f.peak_kib.saturating_sub(f.before_kib) as f64 / 1024.0
        );
    }
    println!("  XLSX / CSV time: {:.2}×", xlsx.secs / csv.secs);
    drop(w);
    Ok(())
}

async fn unlock_all(
    db: &sea_orm::DatabaseConnection,
    ws: uuid::Uuid,
    ids: &[uuid::Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for chunk in ids.chunks(2_000) {
        unlock::Entity::insert_many(chunk.iter().map(|p| unlock::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            workspace_id: Set(ws),
            profile_id: Set(*p),
            kind: Set("profile".into()),
            state: Set("unlocked".into()),
            cost: Set(25),
            reservation_id: Set(None),
            unlocked_by: Set(None),
            created_at: Set(now),
            unlocked_at: Set(Some(now)),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
