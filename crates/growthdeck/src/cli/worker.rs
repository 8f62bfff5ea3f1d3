//! `growthdeck worker [--queues a,b]`: only job workers and the cron scheduler, no HTTP
//! (scale-out: run as many as the database can feed).

use platform::Config;

pub async fn run(config: Config, queues: Option<Vec<String>>) -> anyhow::Result<()> {
    let state = growthdeck::build_state(config).await?;
    growthdeck::metrics_listener(&state).await?;
    let shutdown = growthdeck::shutdown_signal();
    let background = growthdeck::Background::start(&state, queues.as_deref())?;
    println!("worker running; Ctrl-C stops it after running jobs finish");
    shutdown.await;
    background.shutdown().await;
    Ok(())
}
