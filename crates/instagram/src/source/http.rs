//! The one HTTP client of the outside data sources (Graph API, Instagram Login, Apify), made
//! once per process: connections to the same host are pooled across refreshes. No redirect is
//! followed — a request carrying a token must not be replayed to a host we did not choose.

use std::{sync::OnceLock, time::Duration};

use super::SourceError;

/// Connecting longer than this means the host is unreachable for now.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for a whole request; slow endpoints (Apify runs) set their own.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle pooled connections are closed after this: hosts drop them anyway, and a short life
/// keeps a connection from outliving the runtime that opened it.
const POOL_IDLE: Duration = Duration::from_secs(30);

pub fn client() -> Result<reqwest::Client, SourceError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client.clone());
    }
    // reqwest is built without a default TLS provider: the tree carries ring only.
    platform::install_tls_provider();
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Growthdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SourceError::Unavailable(format!("no HTTP client: {e}")))?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

/// A transport failure in words, without the URL (it may carry a token in its query).
pub fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() || e.is_body() {
        "unreadable response"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url())
}
