//! `growthdeck import accounts FILE --workspace SLUG`: imports managed Instagram accounts (the
//! fleet) from a txt/CSV file of `username,password,email[,extra…]` lines into a workspace,
//! with a progress bar. The same import as the upload page (`fleet::service::import`): read as
//! a stream, duplicates and invalid lines reported with their line numbers and not inserted,
//! passwords sealed, proxies handed out at once while some have room. It prints the counts,
//! the first rejected lines and where the full report is.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use fleet::service::{
    access,
    import::{self, MAX_BYTES},
    lifecycle::Actor,
};
use identity::service::workspaces;
use indicatif::{ProgressBar, ProgressStyle};
use platform::{Config, Error, Scope};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import managed Instagram accounts (fleet) from a txt or CSV file: one
    /// `username,password,email[,extra…]` or `username:password:email[:extra…]` a line.
    Accounts(AccountsArgs),
}

#[derive(Args)]
pub struct AccountsArgs {
    /// The file to import (up to 50 MB).
    file: PathBuf,
    /// Slug of the workspace to import into.
    #[arg(long)]
    workspace: String,
}

pub async fn run(config: Config, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Accounts(args) => accounts(config, args).await,
    }
}

async fn accounts(config: Config, args: AccountsArgs) -> anyhow::Result<()> {
    let path = args.file.display().to_string();
    let size = tokio::fs::metadata(&args.file)
        .await
        .with_context(|| format!("reading {path}"))?
        .len();
    if size > MAX_BYTES {
        anyhow::bail!(
            "{path} is larger than {} MB: split it into smaller files and import each",
            MAX_BYTES / 1_048_576
        );
    }
    let base_url = config.base_url();
    let state = growthdeck::build_state(config).await?;
    let ws = match workspaces::find_by_slug(&state.db, &args.workspace).await {
        Ok(ws) => ws,
        Err(Error::NotFound) => anyhow::bail!("no workspace with the slug {:?}", args.workspace),
        Err(e) => anyhow::bail!("{e}"),
    };
    // The workspace the command line named, if its plan includes the fleet.
    let scope = access::worker(&state, Scope::for_system(ws.id))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", ws.slug, e.detail()))?;
    let file = tokio::fs::File::open(&args.file)
        .await
        .with_context(|| format!("opening {path}"))?;
    let filename = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.clone());

    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let actor = Actor::system("Command line import");
    let outcome = import::run(
        &state,
        &scope,
        &actor,
        &filename,
        tokio::io::BufReader::with_capacity(256 * 1024, file),
        size,
        |p| {
            bar.set_position(p.processed_bytes);
            bar.set_message(format!(
                "{} lines: {} new, {} duplicates, {} invalid",
                p.lines, p.inserted, p.duplicates, p.invalid
            ));
        },
    )
    .await;
    bar.finish_and_clear();
    let (row, p) = outcome.map_err(|e| anyhow::anyhow!("importing {path}: {}", e.detail()))?;
    println!(
        "{filename}: {} account lines: {} new, {} duplicates, {} invalid; {} new accounts got a proxy and are queued for warm-up",
        p.lines, p.inserted, p.duplicates, p.invalid, p.proxies_assigned
    );
    let shown = import::issues_in(&state.db, &scope, row.id, None, 10).await?;
    for i in &shown {
        println!(
            "  line {}: {} ({}): {}",
            i.line_no, i.username, i.outcome, i.message
        );
    }
    let rejected = p.duplicates + p.invalid;
    if rejected > shown.len() as u64 {
        println!("  … and {} more", rejected - shown.len() as u64);
    }
    println!(
        "Summary and every rejected line: {base_url}/fleet/imports/{} (CSV: {base_url}/fleet/imports/{}/report.csv)",
        row.id, row.id
    );
    Ok(())
}
