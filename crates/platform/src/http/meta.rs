//! Per-request facts every layer, handler and error renderer may need without threading them
//! through signatures: the request id, whether the client wants HTML, whether it is htmx, and
//! the client's IP. Held in a task-local for the duration of the request.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    /// Page requests get HTML errors and redirects; API calls get problem documents.
    pub wants_html: bool,
    /// Sent by htmx (`HX-Request: true`): errors become toasts or `HX-Redirect`.
    pub is_htmx: bool,
    pub client_ip: Option<IpAddr>,
    pub path: String,
    pub platform_name: Arc<str>,
}

impl Default for RequestMeta {
    fn default() -> Self {
        Self {
            request_id: String::new(),
            wants_html: false,
            is_htmx: false,
            client_ip: None,
            path: "/".into(),
            platform_name: Arc::from("Growthdeck"),
        }
    }
}

tokio::task_local! {
    static META: RequestMeta;
}

/// The current request's facts; defaults outside a request (background tasks, tests).
pub fn current() -> RequestMeta {
    META.try_with(Clone::clone).unwrap_or_default()
}

/// Paths answered as JSON even to a browser.
fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/webhooks/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| s.to_string())
}

pub fn client_ip(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Outermost middleware: assigns the request id (keeping a sane incoming one), records the
/// request's facts for the task, and echoes the id on the response.
pub async fn request_meta(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let path = req.uri().path().to_string();
    // Settings saved on another node reach this one within the refresh period.
    state.settings.refresh_if_stale().await;
    let meta = RequestMeta {
        request_id: request_id.clone(),
        wants_html: !is_machine_path(&path),
        is_htmx: req.headers().get("hx-request").is_some_and(|v| v == "true"),
        client_ip: client_ip(&req, state.config.trust_forwarded_for),
        path,
        platform_name: Arc::from(state.platform_name()),
    };
    // For route layers of features (plan gates), whose routers are built before the state.
    req.extensions_mut().insert(state.clone());
    let mut response = META.scope(meta, next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}
