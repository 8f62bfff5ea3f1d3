//! `growthdeck jobs list|retry|discard`: the queue as operators see it.

use clap::Subcommand;
use platform::{Config, jobs::store};
use uuid::Uuid;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// The newest jobs (optionally of one state: available, executing, completed, dead, discarded).
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Run a dead or discarded job again.
    Retry { id: Uuid },
    /// Stop an available or dead job from running.
    Discard { id: Uuid },
}

pub async fn run(config: Config, command: JobsCommand) -> anyhow::Result<()> {
    let state = growthdeck::build_state(config).await?;
    match command {
        JobsCommand::List {
            state: filter,
            limit,
        } => {
            let filter = store::JobFilter {
                state: filter,
                kind: None,
                ..Default::default()
            };
            let (jobs, _) = store::page(&state.db, &filter, None, limit).await?;
            println!(
                "{:<36}  {:<22}  {:<8}  {:<10}  {:>7}  run_at / last error",
                "id", "kind", "queue", "state", "attempt"
            );
            for j in jobs {
                let last_error = j
                    .errors
                    .as_array()
                    .and_then(|e| e.last())
                    .and_then(|e| e.get("error"))
                    .and_then(|e| e.as_str())
                    .unwrap_or("");
                println!(
                    "{:<36}  {:<22}  {:<8}  {:<10}  {:>3}/{:<3}  {}  {}",
                    j.id,
                    j.kind,
                    j.queue,
                    j.state,
                    j.attempt,
                    j.max_attempts,
                    j.run_at.format("%Y-%m-%d %H:%M:%S"),
                    last_error
                );
            }
        }
        JobsCommand::Retry { id } => {
            if !store::retry(&state.db, id).await? {
                anyhow::bail!("job {id} is not dead or discarded (or does not exist)");
            }
            println!("job {id} will run again");
        }
        JobsCommand::Discard { id } => {
            if !store::discard(&state.db, id).await? {
                anyhow::bail!("job {id} is not available or dead (or does not exist)");
            }
            println!("job {id} discarded");
        }
    }
    Ok(())
}
