//! `growthdeck analyze-file FILE`: the post analysis of every line of a file (one caption or
//! comment per line), written as JSON Lines in input order — language with its confidence,
//! sentiment label and score, category with its confidence, and the method that produced
//! them (`analysis::analyze_file`). Needs no database and no configuration: it is also how
//! `bench analysis` measures the analysis against the Python reference.
//!
//! The work runs on a blocking thread and spreads over all cores; a progress bar goes to the
//! terminal's standard error (nothing is drawn when it is not a terminal).

use std::{
    fs::File,
    io::{self, BufRead, BufReader, BufWriter, Read, Write},
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
    let stdin = file.as_os_str() == "-";
    let (input, lines): (Box<dyn BufRead>, Option<u64>) = if stdin {
        (Box::new(io::stdin().lock()), None)
    } else {
        let lines = count_lines(file)?;
        let f = File::open(file).with_context(|| format!("opening {}", file.display()))?;
        (Box::new(BufReader::with_capacity(1 << 20, f)), Some(lines))
    };
    let out: Box<dyn Write> = match output {
        Some(path) => Box::new(
            File::create_new(path)
                .with_context(|| format!("creating {} (it must not exist)", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let bar = match lines {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} captions, {per_sec}, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    let analyzer = analysis::Analyzer::new();
    let done = analysis::analyze_file(
        input,
        BufWriter::with_capacity(1 << 20, out),
        &analyzer,
        |n| bar.set_position(n as u64),
    )
    .context("analysing the file")?;
    bar.finish_and_clear();
    if output.is_some() {
        eprintln!("{done} captions analysed");
    }
    Ok(())
}

/// Lines of a file, for the progress bar (a last line without a newline counts).
fn count_lines(path: &Path) -> anyhow::Result<u64> {
    let mut f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    Ok(lines + u64::from(last != b'\n'))
}
