//! Wiring: builds `AppState`, composes every feature's routes and the OpenAPI document, and
//! serves them. `main.rs` parses the command line; tests call [`launch`] with a port-0 listener.

use std::{net::SocketAddr, sync::Arc};

use axum::Router;
use platform::{AppState, Config, crypto::Keyring, db, mail::Mailer};
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

/// Every feature's documented API, composed once: [`openapi`] serves it and
/// [`openapi_schema_clashes`] checks it.
fn documented() -> platform::openapi::ApiRouter<AppState> {
    platform::openapi::ApiRouter::with_openapi(ApiDoc::openapi())
        .merge(identity::api::openapi_router())
        .merge(admin::api::openapi_router())
        .merge(instagram::api::openapi_router())
        .merge(billing::api::openapi_router())
}

/// Documents merged in beside the features' routers.
fn platform_docs() -> [utoipa::openapi::OpenApi; 2] {
    [
        <platform::events::EventsApi as OpenApi>::openapi(),
        <platform::search::SearchApi as OpenApi>::openapi(),
    ]
}

/// The OpenAPI 3.1 document of every feature's API, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = documented().split_for_parts();
    for other in platform_docs() {
        doc.merge(other);
    }
    platform::openapi::document_problems(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// Every schema name two different types claim in [`openapi`] (utoipa would keep one of them
/// silently): must be empty.
pub fn openapi_schema_clashes() -> Vec<platform::openapi::SchemaClash> {
    let router = documented();
    let mut clashes = router.schema_clashes().to_vec();
    let (_, mut doc) = router.split_for_parts();
    for other in platform_docs() {
        clashes.extend(platform::openapi::clashes(&doc, &other));
        doc.merge(other);
    }
    clashes
}

/// Every feature's routes plus the API documentation.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(identity::routes())
        .merge(admin::routes())
        .merge(instagram::routes())
        .merge(billing::routes())
        .merge(platform::events::routes())
        .merge(platform::search::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
}

pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    let mut nav = identity::nav();
    nav.extend(instagram::nav());
    nav.extend(billing::nav());
    nav.sort_by_key(|n| (n.area, n.order));
    nav
}

/// Every feature's part of the command palette's search.
pub fn search() -> Vec<platform::search::SearchFn> {
    let mut search = identity::search::providers();
    search.extend(instagram::search::providers());
    search
}

/// Every feature's usage counters (what billing shows against the plan's limits).
pub fn usage() -> Vec<platform::usage::UsageCounter> {
    let mut usage = identity::usage();
    usage.extend(instagram::usage());
    usage
}

/// The features' sections of the workspace home and how their activity reads there.
pub fn home() -> platform::home::Home {
    let mut describers = identity::describers();
    describers.extend(instagram::describers());
    platform::home::Home::new(instagram::home_panels(), describers)
}

/// Every job type this binary can run.
pub fn registry() -> platform::jobs::Registry {
    billing::register_jobs(instagram::register_jobs(identity::jobs(
        platform::jobs::Registry::platform(),
    )))
}

/// Every cron schedule declared in code (config may override or turn them off).
pub fn schedules() -> Vec<platform::jobs::cron::Schedule> {
    let mut schedules = platform::jobs::builtin::schedules();
    schedules.extend(identity::jobs::schedules());
    schedules.extend(instagram::schedules());
    schedules.extend(billing::schedules());
    schedules
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
        let schedules = platform::jobs::cron::effective(schedules(), &state.config.cron)?;
        let config = platform::jobs::runner::RunnerConfig::from_config(&state.config, queues);
        let runner = platform::jobs::runner::Runner::start(state.clone(), registry(), config);
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
/// platform key, and assembles the state.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    platform::install_tls_provider();
    platform::db::prepare_data_dir(&config.data_dir)?;
    let keys = Keyring::load_or_create(&config.data_dir)?;
    let database = db::connect(&config).await?;
    db::migrate(&database).await?;
    let mailer = Mailer::from_config(&config)?;
    let events = platform::events::Events::connect(&config, &database).await?;
    let config = Arc::new(config);
    let keys = Arc::new(keys);
    let settings =
        platform::settings::SystemSettings::new(config.clone(), database.clone(), keys.clone());
    settings.reload().await?;
    let state = AppState {
        config,
        db: database,
        keys,
        auth: identity::authenticator(),
        mailer,
        nav: Arc::new(nav()),
        events,
        jobs: platform::jobs::Jobs::new(),
        settings,
        usage: platform::usage::Counters::new(usage()),
        banners: Arc::new(billing::banners()),
        search: platform::search::Providers::new(search()),
        home: home(),
        shutdown: platform::shutdown::ShutdownHooks::new(),
    };
    billing::start(&state).await?;
    Ok(state)
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
