//! `growthdeck analyze-file FILE`: the post analysis of every line of a file (one caption or
//! comment per line), written as JSON Lines in input order — language with its confidence,
//! sentiment label and score, category with its confidence, and the method that produced
//! them (`analysis::analyze_file`). Needs no database and no configuration: it is also how
//! `bench analysis` measures the analysis against the Python reference.
//!
//! The work runs on a blocking thread and spreads over all cores; a progress bar (bytes read of
//! the file) goes to the terminal's standard error (nothing is drawn when it is not a terminal).

use std::{
    fs::File,
    io::{self, BufRead, BufReader, BufWriter, Write},
    path::{Path, PathBuf},
};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct AnalyzeFileArgs {
    /// Captions, one per line (UTF-8; `-` reads standard input).
    file: PathBuf,
    /// Write the JSON Lines here instead of standard output (must not exist).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub async fn run(args: AnalyzeFileArgs) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || analyze(&args.file, args.output.as_deref()))
        .await
        .context("the analysis thread stopped")?
}

fn analyze(file: &Path, output: Option<&Path>) -> anyhow::Result<()> {
    let (input, bar): (Box<dyn BufRead>, ProgressBar) = if file.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), ProgressBar::new_spinner())
    } else {
        let f = File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let bar = ProgressBar::new(f.metadata().map(|m| m.len()).unwrap_or(0)).with_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} · {msg}, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        (
            Box::new(BufReader::with_capacity(1 << 20, bar.wrap_read(f))),
            bar,
        )
    };
    let out: Box<dyn Write> = match output {
        Some(path) => Box::new(
            File::create_new(path)
                .with_context(|| format!("creating {} (it must not exist)", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let analyzer = analysis::Analyzer::new();
    let done = analysis::analyze_file(
        input,
        BufWriter::with_capacity(1 << 20, out),
        &analyzer,
        |n| bar.set_message(format!("{n} captions")),
    )
    .context("analysing the file")?;
    bar.finish_and_clear();
    if output.is_some() {
        eprintln!("{done} captions analysed");
    }
    Ok(())
}
