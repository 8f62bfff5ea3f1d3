//! What htmx requests get back when things do not go to plan. An htmx request swaps its
//! answer into a spot of the page (a button's card, the bell); a whole page there breaks the
//! layout (a header and navigation inside a button: a page thousands of pixels wide). So:
//!
//! - an error answers an empty body with `HX-Reswap: none` and an `HX-Trigger` that app.js
//!   shows as a toast ([`toast`], used by the error renderer and by failed page actions);
//! - a redirect (the usual answer to a form POST) becomes `HX-Redirect`: the browser goes
//!   there as a whole page, flash message and all, instead of swapping it in;
//! - any other whole page answered to htmx (a handler that did not expect htmx) is never
//!   swapped: a success reloads the page (`HX-Refresh`), a failure is a toast ([`guard`]).

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::shell::FlashKind;

/// htmx fragments are small; a larger answer is not inspected (and not a fragment either).
const INSPECT_LIMIT: usize = 2 * 1024 * 1024;

/// An answer that swaps nothing and shows a toast: `{"gd:toast": {kind, title, message}}`.
pub fn toast(status: StatusCode, kind: FlashKind, title: &str, message: &str) -> Response {
    let mut response = status.into_response();
    set_toast(response.headers_mut(), kind, title, message);
    response
}

/// Adds the toast headers to an answer (e.g. one that also carries `Retry-After`).
pub fn set_toast(headers: &mut HeaderMap, kind: FlashKind, title: &str, message: &str) {
    // "Too many attempts" over "Too many attempts. Wait a minute…" says it twice.
    let title = if message.starts_with(title) {
        ""
    } else {
        title
    };
    let trigger = serde_json::json!({
        "gd:toast": { "kind": kind.as_str(), "title": title, "message": message }
    });
    headers.insert("hx-reswap", HeaderValue::from_static("none"));
    if let Ok(v) = HeaderValue::from_str(&ascii_json(&trigger)) {
        headers.insert("hx-trigger", v);
    }
}

/// JSON with every non-ASCII character escaped (`\u00e9`): header values are bytes, and
/// browsers read non-ASCII header bytes as Latin-1, which would garble "—" or "“".
fn ascii_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn is_htmx(request: &Request) -> bool {
    let h = request.headers();
    h.get("hx-request").is_some_and(|v| v == "true") && !h.contains_key("hx-boosted")
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// A whole document rather than a fragment.
fn is_document(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 15)];
    head.eq_ignore_ascii_case(b"<!doctype html>") || head.starts_with(b"<html")
}

/// Middleware over every route: htmx requests never get a redirect followed into a swap or a
/// whole page swapped into a fragment's spot.
pub async fn guard(request: Request, next: Next) -> Response {
    if !is_htmx(&request) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status().is_redirection()
        && let Some(location) = response.headers().get(header::LOCATION).cloned()
    {
        // Cookies set with the redirect (the flash) travel with the answer.
        let (mut parts, _) = response.into_parts();
        parts.status = StatusCode::OK;
        parts.headers.remove(header::LOCATION);
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert("hx-redirect", location);
        return Response::from_parts(parts, Body::empty());
    }
    if !is_html(response.headers()) || response.headers().contains_key("hx-reswap") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, INSPECT_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return toast(
                StatusCode::INTERNAL_SERVER_ERROR,
                FlashKind::Error,
                "Something went wrong",
                "The answer could not be shown here. Reload the page and try again.",
            );
        }
    };
    if !is_document(&bytes) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    if parts.status.is_success() {
        // The page changed in a way only a whole page shows: show it.
        parts
            .headers
            .insert("hx-refresh", HeaderValue::from_static("true"));
    } else {
        let message = format!(
            "The server answered {} ({}). Reload the page and try again.",
            parts.status.as_u16(),
            parts.status.canonical_reason().unwrap_or("error")
        );
        set_toast(
            &mut parts.headers,
            FlashKind::Error,
            "That did not work",
            &message,
        );
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toast_header_is_ascii_json() {
        let r = toast(
            StatusCode::TOO_MANY_REQUESTS,
            FlashKind::Error,
            "Too many attempts",
            "Wait “5 minutes” — then again",
        );
        assert_eq!(r.headers()["hx-reswap"], "none");
        let raw = r.headers()["hx-trigger"].to_str().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
        assert_eq!(v["gd:toast"]["message"], "Wait “5 minutes” — then again");
        assert_eq!(v["gd:toast"]["kind"], "error");
    }

    #[test]
    fn documents_and_fragments() {
        assert!(is_document(b"\n<!DOCTYPE html>\n<html>"));
        assert!(is_document(b"<html lang=en>"));
        assert!(!is_document(b"<div class=\"job-progress\">"));
        assert!(!is_document(b""));
    }
}
