//! The media proxy. Profile pictures and post images reach pages and API clients as
//! `/media/{id}`, never as Instagram CDN URLs: those expire, and they would have every viewer's
//! browser call Meta. [`proxied_all`] registers CDN URLs where they leave the server and gives
//! their paths; the first request for a path fetches the image through the guarded fetcher
//! ([`fetch`]: allow-listed CDN hosts, public addresses only — checked at every redirect and
//! pinned against DNS rebinding — image types only, size-capped) into a size-capped disk cache
//! ([`disk`]); later requests are served from disk with long cache headers. A failed fetch is
//! remembered for a few minutes rather than retried on every hit. A demo profile's pictures
//! (`demo:` URLs, see `source::demo::picture`) take the same path and cache, drawn locally
//! instead of fetched.

mod api;
pub mod disk;
pub mod fetch;
pub mod policy;
pub mod service;

pub use service::{MediaPaths, proxied, proxied_all};

pub fn routes() -> axum::Router<platform::AppState> {
    api::routes()
}
