//! Prometheus metrics: requests by route and status, a latency histogram, database pool gauges.
//!
//! Every label has a bounded set of values, so no request can add series: `route` is the
//! matched route *template* (`/api/v1/social/instagram/{username}`, or `unmatched`), never the
//! raw path; `method` is one of the methods of RFC 9110 plus `PATCH`, else `other`; `status` is
//! a status code.
//!
//! `/metrics` is not for the public: the public listener serves it only when
//! `metrics_token` is set, and then only to `Authorization: Bearer <token>` (else 404, or 401
//! with a wrong token); `metrics_listen` opens a separate listener that serves nothing else
//! ([`router`]).

use std::{sync::OnceLock, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (a process has one metrics recorder; tests start
/// many apps in one process and share it).
pub fn recorder() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &buckets,
                )
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .clone()
}

/// The `method` label: a known method's name, else `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let elapsed = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    response
}

/// The router of the separate metrics listener (`metrics_listen`): `GET /metrics` only.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
}

/// Whether the request carries the configured token (compared in constant time). Without a
/// configured token, only the metrics listener serves `/metrics`, and asks for nothing.
fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return true;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or("");
    crate::crypto::token_hash(presented) == crate::crypto::token_hash(expected)
}

/// `GET /metrics` on the public listener: 404 unless a token is configured, then the token.
pub async fn render_public(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.config.metrics_token.is_none() {
        return crate::error::Error::NotFound.into_response();
    }
    render(State(state), headers).await
}

/// `GET /metrics` (with the token when one is configured).
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !authorized(&state, &headers) {
        let mut response = (StatusCode::UNAUTHORIZED, "metrics token required").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return response;
    }
    let (size, idle) = state.db_pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    match recorder() {
        Some(handle) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            handle.render(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response(),
    }
}
