//! `bench refresh`: the time to refresh N demo Instagram accounts through the real job system
//! (the `ig_demo` queue and its concurrency, the same workers `serve` runs), on a fresh SQLite
//! file or a PostgreSQL database. The clock runs from enqueueing the first refresh until the
//! last profile has its data.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[derive(clap::Args, Debug)]
pub struct RefreshArgs {
    /// Demo accounts to refresh.
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// `sqlite` (a temporary file) or a PostgreSQL admin URL (a temporary database is made).
    #[arg(long, default_value = "sqlite")]
    database: String,
}

pub async fn run(args: RefreshArgs) -> Result<()> {
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
    let result = measure(config, args.accounts).await;
    if let Some((admin, name)) = drop_db {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    result
}

async fn measure(config: platform::Config, accounts: usize) -> Result<()> {
    let backend = if config.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let concurrency = config.jobs_queues.get("ig_demo").copied().unwrap_or(0);
    let state = growthdeck::build_state(config).await?;
    let origin = platform::Origin {
        request_id: "bench".into(),
        ip: None,
        user_agent: None,
    };
    let out = identity::service::accounts::signup(
        &state,
        &origin,
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
    let started = Instant::now();
    // Adding an account queues its refresh (in the same transaction).
    for i in 0..accounts {
        instagram::service::accounts::add_demo(
            &state,
            &platform::Scope::for_system(out.workspace.id),
            &format!("bench.creator.{i}"),
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let queued = started.elapsed();
    let background = growthdeck::Background::start(&state, None)?;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let done = instagram::model::profile::Entity::find()
            .filter(instagram::model::profile::Column::LastRefreshAt.is_not_null())
            .count(&state.db)
            .await? as usize;
        if done >= accounts {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {done} of {accounts} profiles refreshed within 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = started.elapsed();
    background.shutdown().await;
    let failed = instagram::model::profile::Entity::find()
        .filter(instagram::model::profile::Column::LastRefreshError.is_not_null())
        .count(&state.db)
        .await?;
    let posts = instagram::model::post::Entity::find()
        .count(&state.db)
        .await?;
    let snapshots = instagram::model::post_snapshot::Entity::find()
        .count(&state.db)
        .await?;
    println!(
        "refresh of {accounts} demo accounts on {backend} (ig_demo queue, {concurrency} at a time):"
    );
    println!(
        "  {:.2} s in all ({:.2} s adding and queueing), {:.1} accounts/s, {failed} failed",
        total.as_secs_f64(),
        queued.as_secs_f64(),
        accounts as f64 / total.as_secs_f64()
    );
    println!("  stored {posts} posts and {snapshots} post snapshots (a year of history each)");
    if failed > 0 {
        bail!("{failed} refreshes failed");
    }
    Ok(())
}
