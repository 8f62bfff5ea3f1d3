//! Command line: `serve` (default), `migrate`, `user create`, `config check`, `backup`,
//! `analyze`, `analyze-file`.

mod admin;
mod analyze;
mod analyze_file;
mod backup;
mod demo;
mod fleet;
mod jobs;
mod serve;
mod user;
mod worker;

use clap::{Parser, Subcommand};
use platform::Config;

#[derive(Parser)]
#[command(
    name = "growthdeck",
    version,
    about = "Growthdeck: grow and operate Instagram presences — web dashboard, JSON API and background work in one binary."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Run only background job workers and the cron scheduler (no web server).
    Worker {
        /// Comma-separated queues to work (default: all configured queues).
        #[arg(long, value_delimiter = ',')]
        queues: Option<Vec<String>>,
    },
    /// Inspect and act on background jobs.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage the platform's staff (back office).
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Fill a workspace with demo Instagram accounts (or create a demo workspace and its owner).
    Demo(demo::DemoArgs),
    /// Account operations: run simulated automation workers.
    Fleet {
        #[command(subcommand)]
        command: fleet::FleetCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Analyse the posts of a workspace's profiles (or of all) now: what is new, edited or was
    /// analysed by an older method.
    Analyze(analyze::AnalyzeArgs),
    /// Analyse a file of captions (one per line): language, sentiment and category of each, as
    /// JSON Lines in input order. Needs no database.
    AnalyzeFile(analyze_file::AnalyzeFileArgs),
    /// Write a consistent snapshot of the SQLite database to PATH.
    Backup {
        /// Destination file (must not exist).
        path: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets masked) and check it.
    Check,
}

fn load_config() -> anyhow::Result<Config> {
    let (config, warnings) = growthdeck::load_config()?;
    platform::observability::init_logging(&config);
    for w in warnings {
        tracing::warn!("{w}");
    }
    Ok(config)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(load_config()?).await,
        Command::Worker { queues } => worker::run(load_config()?, queues).await,
        Command::Jobs { command } => jobs::run(load_config()?, command).await,
        Command::Migrate => {
            let config = load_config()?;
            let database = platform::db::connect(&config).await?;
            platform::db::migrate(&database).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User { command } => user::run(load_config()?, command).await,
        Command::Demo(args) => demo::run(load_config()?, args).await,
        Command::Admin { command } => admin::run(load_config()?, command).await,
        Command::Fleet { command } => fleet::run(load_config()?, command).await,
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            let (config, warnings) = growthdeck::load_config()?;
            for line in config.masked_lines() {
                println!("{line}");
            }
            for w in &warnings {
                println!("warning: {w}");
            }
            let database = platform::db::connect(&config).await;
            match database {
                Ok(_) => println!("database: reachable"),
                Err(e) => anyhow::bail!("database unreachable: {e}"),
            }
            println!("configuration OK");
            Ok(())
        }
        Command::Backup { path } => backup::run(load_config()?, &path).await,
        Command::Analyze(args) => analyze::run(load_config()?, args).await,
        Command::AnalyzeFile(args) => analyze_file::run(args).await,
    }
}
