//! The HTTP stack every feature is mounted in: request id, tracing, panic catching, security
//! headers, compression, timeout, body limit, CSRF guard, metrics; plus the operational
//! endpoints (`/healthz`, `/readyz`, `/metrics`), `/static/` and `/favicon.ico`.

pub mod extract;
pub mod meta;
pub mod metrics;
pub mod plan_gate;
pub mod security;

use std::time::Duration;

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, Request, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tower::{BoxError, ServiceBuilder};
use tower_http::{catch_panic::CatchPanicLayer, compression::CompressionLayer, trace::TraceLayer};

use crate::{error::Error, state::AppState};

/// Wraps the features' routes in the platform's layers. Layer order matters: the request id
/// must exist before the trace span opens, and the CSRF guard runs before any handler.
pub fn app(state: AppState, features: Router<AppState>) -> Router {
    // Install the recorder before the first request so no measurement goes to the no-op one.
    let _ = metrics::recorder();
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    let body_limit = state.config.body_limit_bytes;
    let routes = features
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render_public))
        .route("/static/{*path}", get(crate::web::assets::serve))
        .route("/favicon.ico", get(crate::web::assets::favicon_ico))
        .fallback(not_found)
        // A read-only API token writes nothing, whichever route it is sent to.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ctx::token_scope_guard,
        ))
        // htmx never gets a redirect or a whole page to swap into a fragment's spot.
        .layer(middleware::from_fn(crate::web::htmx::guard))
        // Error pages of signed-in visitors get their sidebar and workspace.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::web::error_page::signed_in_shell,
        ))
        .layer(middleware::from_fn(metrics::track));

    let layers = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(state.clone(), meta::request_meta))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let request_id = req
                .headers()
                .get(meta::REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", request_id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(CatchPanicLayer::custom(|_panic: Box<dyn std::any::Any + Send>| {
            Error::internal("handler panicked").into_response()
        }))
        .layer(middleware::from_fn_with_state(state.clone(), security::security_headers))
        .layer(CompressionLayer::new())
        .layer(HandleErrorLayer::new(handle_timeout))
        // Bounds the time until the response head: a streamed body (the SSE stream at
        // `/api/v1/events`) is not cut. The compression layer above skips `text/event-stream`.
        .layer(tower::timeout::TimeoutLayer::new(timeout))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf_guard));

    routes.layer(layers).with_state(state)
}

async fn handle_timeout(err: BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        Error::Timeout.into_response()
    } else {
        Error::internal(err).into_response()
    }
}

async fn not_found() -> Error {
    Error::NotFound
}

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    if crate::db::ping(&state.db).await {
        axum::Json(serde_json::json!({ "status": "ready", "database": "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "not ready", "database": "unreachable" })),
        )
            .into_response()
    }
}
