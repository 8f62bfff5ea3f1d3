//! `growthdeck`: one binary for the web dashboard, the JSON API and the operator commands.

mod cli;

use clap::Parser;

/// Every request allocates and frees many small buffers from both cores; glibc's allocator
/// spent a sixth of the server's time on them under load, mimalloc's thread-local free lists
/// far less (docs/operations.md, "Request speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
