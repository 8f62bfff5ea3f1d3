//! Security headers on every response and the CSRF guard for cookie-authenticated requests.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::Error, state::AppState};

/// No inline script anywhere; Swagger UI at `/api/docs` needs inline styles and is the only
/// exception.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_docs = req.uri().path().starts_with("/api/docs");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let csp = if is_docs { CSP_DOCS } else { CSP };
    // A handler may set a stricter policy of its own (the media proxy's `default-src 'none'`).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Reset and sign-in links carry tokens in their URL: never leak them to other sites.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if state.config.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "))
}

fn has_cookie(headers: &HeaderMap) -> bool {
    headers.contains_key(header::COOKIE)
}

/// The origin a browser would send for a same-origin request to us.
fn allowed_origins(state: &AppState, headers: &HeaderMap) -> Vec<String> {
    let mut origins = Vec::with_capacity(2);
    if let Some(public) = &state.config.public_url
        && let Ok(url) = url::Url::parse(public)
    {
        origins.push(url.origin().ascii_serialization());
    }
    if let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
        let scheme = if state.config.is_https() {
            "https"
        } else {
            "http"
        };
        origins.push(format!("{scheme}://{host}"));
    }
    origins
}

/// Refuses cross-site state-changing requests that would ride on the browser's cookies
/// (including sign-in forms, against login CSRF). Browsers send `Sec-Fetch-Site` (all current
/// ones) or at least `Origin` on every POST; a cookie-bearing unsafe request with neither is
/// refused. Requests authenticated by a bearer token carry no ambient authority and pass.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let path = req.uri().path();
    let needs_check = !is_safe(req.method())
        && !has_bearer(headers)
        && (has_cookie(headers) || !(path.starts_with("/api/") || path.starts_with("/webhooks/")));
    if needs_check && !same_origin(&state, headers) {
        tracing::warn!(path, "cross-site request refused");
        return Error::forbidden(
            "Cross-site request refused (CSRF protection). Reload the page and try again.",
        )
        .into_response();
    }
    next.run(req).await
}

fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => allowed_origins(state, headers).iter().any(|o| o == origin),
        None => false,
    }
}
