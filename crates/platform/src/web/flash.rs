//! Flash messages: one-shot notices carried across a redirect in a short-lived cookie.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::shell::{Flash, FlashKind};

const COOKIE: &str = "gd_flash";

/// Adds a flash to the jar, to be shown on the next page.
pub fn push(jar: CookieJar, kind: FlashKind, message: impl Into<String>) -> CookieJar {
    let mut flashes = read(&jar);
    flashes.push(Flash {
        kind,
        message: message.into(),
    });
    let encoded = serde_json::to_vec(&flashes)
        .map(|v| URL_SAFE_NO_PAD.encode(v))
        .unwrap_or_default();
    let cookie = Cookie::build((COOKIE, encoded))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    jar.add(cookie)
}

fn read(jar: &CookieJar) -> Vec<Flash> {
    jar.get(COOKIE)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Takes the pending flashes (to render) and clears the cookie.
pub fn take(jar: CookieJar) -> (CookieJar, Vec<Flash>) {
    let flashes = read(&jar);
    if flashes.is_empty() {
        return (jar, flashes);
    }
    (jar.remove(Cookie::build(COOKIE).path("/")), flashes)
}
