//! `bench fleet-import`: how long the fleet's account import takes for a `--lines`-line file
//! (100,000 by default) with 1 % invalid lines and 1 % duplicate usernames, on a fresh SQLite
//! file (or a temporary PostgreSQL database). The file is generated, then imported through the
//! service the upload page and `growthdeck import accounts` use
//! (`fleet::service::import::run`: streamed, batched, passwords sealed); no proxy exists, so
//! every account stays `imported`. It prints the time, lines/s and the counts, checks the
//! counts are exact, then imports the same file again (every line a duplicate or invalid).

use std::{io::Write, time::Instant};

use anyhow::{Context, Result, bail};
use sea_orm::ConnectionTrait;

#[derive(clap::Args, Debug)]
pub struct FleetImportArgs {
    /// Account lines in the file.
    #[arg(long, default_value_t = 100_000)]
    lines: usize,
    /// `sqlite` (a temporary file) or a PostgreSQL admin URL (a temporary database is made).
    #[arg(long, default_value = "sqlite")]
    database: String,
}

/// Writes the file: every 100th line (at 37) invalid in one of three ways, every 100th (at 73)
/// the username of the line 50 before it in upper case. Returns (invalid, duplicates).
fn write_file(path: &std::path::Path, lines: usize) -> Result<(u64, u64)> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "username,password,email,city")?;
    let (mut invalid, mut duplicates) = (0, 0);
    for i in 0..lines {
        match i % 100 {
            37 => {
                invalid += 1;
                match (i / 100) % 3 {
                    0 => writeln!(out, "bad..user{i},pw{i},u{i}@example.com")?,
                    1 => writeln!(out, "user{i},,u{i}@example.com")?,
                    _ => writeln!(out, "user{i},pw{i},not-an-email")?,
                }
            }
            73 => {
                duplicates += 1;
                writeln!(out, "ACCT{:06},other,dup{i}@example.com", i - 50)?;
            }
            _ => writeln!(
                out,
                "acct{i:06},Pw-{i}-{:08x},acct{i}@example.com,Berlin",
                (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff
            )?,
        }
    }
    out.flush()?;
    Ok((invalid, duplicates))
}

pub async fn run(args: FleetImportArgs) -> Result<()> {
    if args.lines == 0 {
        bail!("--lines must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let (url, drop_db) = if args.database == "sqlite" {
        (None, None)
    } else {
        let admin = platform::db::connect_url(&args.database, 2).await?;
        let name = format!("gd_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let mut u = url::Url::parse(&args.database)?;
        u.set_path(&format!("/{name}"));
        (Some(u.to_string()), Some((admin, name)))
    };
    let config = platform::Config {
        data_dir: dir.path().to_path_buf(),
        database_url: url,
        log: "warn".into(),
        ..platform::Config::default()
    };
    let result = measure(config, dir.path(), args.lines).await;
    if let Some((admin, name)) = drop_db {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    result
}

async fn measure(config: platform::Config, dir: &std::path::Path, lines: usize) -> Result<()> {
    let backend = if config.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let path = dir.join("accounts.csv");
    let (invalid, duplicates) = write_file(&path, lines)?;
    let size = std::fs::metadata(&path)?.len();
    let state = growthdeck::build_state(config).await?;
    let out = identity::service::accounts::signup(
        &state,
        &platform::Origin {
            request_id: "bench".into(),
            ip: None,
            user_agent: None,
        },
        identity::service::accounts::SignupInput {
            email: "bench@example.com".into(),
            password: "correct horse battery staple 42".into(),
            name: "Bench".into(),
            workspace: "Bench".into(),
        },
        true,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let scope = platform::Scope::for_system(out.workspace.id);
    let actor = fleet::service::lifecycle::Actor::system("bench");
    let expected_new = lines as u64 - invalid - duplicates;
    println!(
        "fleet import on {backend}: {lines} lines ({:.1} MB), {invalid} invalid, {duplicates} duplicates",
        size as f64 / 1_048_576.0
    );
    for (run, want) in [
        ("first import", (expected_new, duplicates, invalid)),
        ("same file again", (0, duplicates + expected_new, invalid)),
    ] {
        let file = tokio::fs::File::open(&path).await?;
        let started = Instant::now();
        let (_, p) = fleet::service::import::run(
            &state,
            &scope,
            &actor,
            "accounts.csv",
            tokio::io::BufReader::with_capacity(256 * 1024, file),
            size,
            |_| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context(run)?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {run}: {secs:.2} s, {:.0} lines/s: {} new, {} duplicates, {} invalid",
            p.lines as f64 / secs,
            p.inserted,
            p.duplicates,
            p.invalid
        );
        if p.lines != lines as u64 || (p.inserted, p.duplicates, p.invalid) != want {
            bail!("{run}: expected {want:?} (new, duplicates, invalid) of {lines} lines");
        }
    }
    Ok(())
}
