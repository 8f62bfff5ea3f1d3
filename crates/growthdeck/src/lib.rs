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

/// The OpenAPI 3.1 document of every feature's API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) =
        utoipa_axum::router::OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
            .merge(identity::api::openapi_router())
            .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// Every feature's routes plus the API documentation.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(identity::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
}

pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    let mut nav = identity::nav();
    nav.sort_by_key(|n| n.order);
    nav
}

/// Opens the database (creating the data directory), applies migrations, loads or creates the
/// platform key, and assembles the state.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    platform::install_tls_provider();
    std::fs::create_dir_all(&config.data_dir)?;
    let keys = Keyring::load_or_create(&config.data_dir)?;
    let database = db::connect(&config).await?;
    db::migrate(&database).await?;
    let mailer = Mailer::from_config(&config)?;
    Ok(AppState {
        platform_name: Arc::from(config.platform_name.as_str()),
        config: Arc::new(config),
        db: database,
        keys: Arc::new(keys),
        auth: identity::authenticator(),
        mailer,
        nav: Arc::new(nav()),
        events: platform::events::Events::local(),
        jobs: platform::jobs::Jobs::new(),
    })
}

pub fn app(state: AppState) -> Router {
    platform::http::app(state, routes())
}

/// Serves until `shutdown` resolves; in-flight requests finish first.
pub async fn launch(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
