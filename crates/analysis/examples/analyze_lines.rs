//! Throughput and memory of the analyzer on a file of captions, one per line:
//! `cargo run --release -p analysis --example analyze_lines -- captions.txt [passes]`.
//! Prints posts/s per pass (the first pass fills the n-gram memo) and the peak resident size.

use std::fs::File;
use std::io::{self, BufReader, sink};
use std::time::Instant;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| io::Error::other("usage: analyze_lines FILE [PASSES]"))?;
    let passes: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(2);
    let started = Instant::now();
    let analyzer = analysis::Analyzer::new();
    println!(
        "Analyzer::new: {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    for pass in 1..=passes {
        let input = BufReader::new(File::open(&path)?);
        let started = Instant::now();
        let lines = analysis::analyze_file(input, sink(), &analyzer, |_| {})?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "pass {pass}: {lines} lines in {seconds:.2} s = {:.0} posts/s",
            lines as f64 / seconds
        );
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
    {
        println!("{line}");
    }
    Ok(())
}
