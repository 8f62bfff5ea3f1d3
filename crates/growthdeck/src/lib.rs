//! Wiring: builds `AppState`, composes every feature's routes and the OpenAPI document, and
//! serves them. `main.rs` parses the command line; tests call [`launch`] with a port-0 listener.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use axum::Router;
use platform::{AppState, Config, crypto::Keyring, db};
use tokio::net::TcpListener;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Growthdeck API", description = "JSON API of Growthdeck. Authenticate with `Authorization: Bearer gd_…` (create a token in the UI or with POST /api/v1/auth/token). Errors are RFC 9457 problem documents."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every feature of this binary, in the order their routes and navigation are composed.
/// Adding a feature is one line here (plus its crate and migration).
pub fn features() -> Vec<platform::Feature> {
    vec![
        platform::feature::platform(),
        identity::feature(),
        billing::feature(),
        instagram::feature(),
        intelligence::feature(),
        ai::feature(),
        fleet::feature(),
        discovery::feature(),
        admin::feature(),
    ]
}

/// This process's features: [`features`] built once, at the first call (start-up), and shared
/// by everything derived from them — routes and the OpenAPI document ([`routes`]), the state
/// ([`build_state`]), the job registry and schedules ([`Background::start`]), and the
/// configuration's keys ([`load_config`]) — so they all see the same list.
pub fn product() -> &'static [platform::Feature] {
    static FEATURES: OnceLock<Vec<platform::Feature>> = OnceLock::new();
    FEATURES.get_or_init(features)
}

/// The configuration: platform's keys and every feature's (`Feature::config`), with the keys
/// none of them declares named as warnings.
pub fn load_config() -> Result<(Config, Vec<String>), platform::config::ConfigError> {
    Config::load_declared(&platform::feature::config_keys(product()))
}

/// The OpenAPI 3.1 document of every feature's API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_of(product())
}

fn openapi_of(features: &[platform::Feature]) -> utoipa::openapi::OpenApi {
    let (mut doc, _) = platform::feature::openapi(ApiDoc::openapi(), features);
    platform::openapi::document_problems(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// Every schema name two different types claim in [`openapi`] (utoipa would keep one of them
/// silently): must be empty.
pub fn openapi_schema_clashes() -> Vec<platform::openapi::SchemaClash> {
    platform::feature::openapi(ApiDoc::openapi(), product()).1
}

/// Every feature's routes plus the API documentation.
pub fn routes() -> Router<AppState> {
    let features = product();
    platform::feature::routes(features)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi_of(features)))
}

/// Workers and the cron scheduler of one process.
pub struct Background {
    runner: platform::jobs::runner::Runner,
    cron_stop: tokio::sync::watch::Sender<bool>,
    cron: tokio::task::JoinHandle<()>,
}

impl Background {
    /// `queues`: only these queues (the `worker --queues` option); default: all configured.
    pub fn start(state: &AppState, queues: Option<&[String]>) -> anyhow::Result<Self> {
        let features = product();
        let schedules = platform::jobs::cron::effective(
            platform::feature::schedules(features),
            &state.config.cron,
        )?;
        let config = platform::jobs::runner::RunnerConfig::from_config(&state.config, queues);
        let runner = platform::jobs::runner::Runner::start(
            state.clone(),
            platform::feature::registry(features),
            config,
        );
        let (cron_stop, stop_rx) = tokio::sync::watch::channel(false);
        let cron = tokio::spawn(platform::jobs::cron::run(state.clone(), schedules, stop_rx));
        Ok(Self {
            runner,
            cron_stop,
            cron,
        })
    }

    /// Stops the scheduler and the workers (running jobs get the grace period).
    pub async fn shutdown(self) {
        let _ = self.cron_stop.send(true);
        let _ = self.cron.await;
        self.runner.shutdown().await;
    }
}

/// Opens the database (creating the data directory), applies migrations, loads or creates the
/// platform key, and assembles the state from [`product`] (the test kit assembles it the
/// same way).
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    platform::install_tls_provider();
    platform::db::prepare_data_dir(&config.data_dir)?;
    let keys = Keyring::load_or_create(&config.data_dir)?;
    let database = db::connect(&config).await?;
    db::migrate(&database).await?;
    let events = platform::events::Events::connect(&config, &database).await?;
    let foundation = platform::feature::Foundation {
        config: Arc::new(config),
        db: database,
        keys: Arc::new(keys),
        events,
    };
    Ok(platform::feature::assemble(foundation, product()).await?)
}

pub fn app(state: AppState) -> Router {
    platform::http::app(state, routes())
}

/// Serves until `shutdown` resolves; in-flight requests finish first (open event streams are
/// ended then, or graceful shutdown would wait for every browser tab to hang up).
pub async fn launch(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let events = state.events.clone();
    let hooks = state.shutdown.clone();
    let shutdown = async move {
        shutdown.await;
        events.close();
    };
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // Every request has been answered: write what was kept in memory (usage counts…).
    hooks.run().await;
    served?;
    Ok(())
}

/// The separate metrics listener (`metrics_listen`), when configured: serves `GET /metrics`
/// until the event bus closes (at shutdown).
pub async fn metrics_listener(state: &AppState) -> anyhow::Result<()> {
    let Some(addr) = state.config.metrics_listen else {
        return Ok(());
    };
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr} for metrics: {e} (set GROWTHDECK_METRICS_LISTEN to another address)")
    })?;
    tracing::info!(%addr, "metrics listener");
    let router = platform::http::metrics::router(state.clone());
    let closed = state.events.closed();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(closed)
            .await
        {
            tracing::warn!(error = %e, "metrics listener stopped");
        }
    });
    Ok(())
}

/// Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: a signal that arrives between "Growthdeck is running" and the
/// server's first poll (while the workers start) is a graceful shutdown, not the default
/// action that kills the process.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {},
                _ = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}
