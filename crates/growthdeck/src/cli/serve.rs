//! `growthdeck serve`

use platform::Config;
use tokio::net::TcpListener;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let state = growthdeck::build_state(config).await?;
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {listen}: {e} (set GROWTHDECK_LISTEN to another address)")
    })?;
    growthdeck::metrics_listener(&state).await?;
    // Before anything is printed: whoever read "running" may interrupt at once.
    let shutdown = growthdeck::shutdown_signal();
    let base = state.config.base_url();
    tracing::info!(%listen, "Growthdeck is listening");
    println!("Growthdeck is running: open {base}/");
    if let Some(link) = identity::service::setup::first_run_link(&state).await? {
        tracing::info!("first-run link issued");
        println!();
        println!(
            "First run: create the owner account and workspace here (this link is shown once):"
        );
        println!("  {link}");
        println!();
    }
    let background = growthdeck::Background::start(&state, None)?;
    let served = growthdeck::launch(state, listener, shutdown).await;
    // HTTP has drained; now let running jobs finish (or release them).
    background.shutdown().await;
    served
}
