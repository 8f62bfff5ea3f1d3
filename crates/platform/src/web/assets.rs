//! Static files compiled into the binary and served under `/static/`, with a content hash in
//! each URL so browsers may cache them for a year and still see every new release.

use std::sync::OnceLock;

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::shell::Assets;

struct StaticFile {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const FILES: &[StaticFile] = &[
    StaticFile {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/app.css"),
    },
    StaticFile {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/app.js"),
    },
    StaticFile {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
    StaticFile {
        name: "vendor/htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
    },
    StaticFile {
        name: "vendor/htmx-ext-sse-2.2.4.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/htmx-ext-sse-2.2.4.min.js"),
    },
];

fn url(name: &str) -> String {
    let hash = FILES
        .iter()
        .find(|f| f.name == name)
        .map(|f| hex::encode(&Sha256::digest(f.bytes)[..6]))
        .unwrap_or_default();
    format!("/static/{name}?v={hash}")
}

/// The hashed URLs, computed once: the files are part of the binary and never change at run
/// time, so this is a constant of the build rather than state.
pub fn assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(|| Assets {
        css: url("app.css"),
        js: url("app.js"),
        htmx: url("vendor/htmx-2.0.11.min.js"),
        htmx_sse: url("vendor/htmx-ext-sse-2.2.4.min.js"),
        favicon: url("favicon.svg"),
    })
}

/// The icon browsers ask for on their own (and bookmarks, tabs of older browsers): the same
/// picture as `favicon.svg`, as 16, 32 and 48 px PNGs in an ICO file.
const FAVICON_ICO: &[u8] = include_bytes!("../../static/favicon.ico");

/// `GET /favicon.ico` (not under `/static/`, so no content hash: cached for a day).
pub async fn favicon_ico() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_ICO,
    )
        .into_response()
}

/// `GET /static/{*path}`
pub async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|f| f.name == path) {
        Some(file) => {
            let mut response = file.bytes.into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
