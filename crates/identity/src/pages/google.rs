//! `/auth/google` → Google's consent page → `/auth/google/callback`.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Query;
use platform::{AppState, Error, Origin, Result, web::shell::FlashKind};
use serde::Deserialize;

use super::{
    auth::after_first_factor,
    common::{redirect_flash, safe_next},
};
use crate::service::google;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<StartQuery>,
) -> Result<Response> {
    if !state.config.google_oauth_enabled() {
        return Err(Error::NotFound);
    }
    match google::start(&state, &safe_next(&q.next)).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => Ok(redirect_flash(jar, FlashKind::Error, e.detail(), "/login")),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Result<Response> {
    let (Some(code), Some(state_param)) = (q.code, q.state) else {
        let message = match q.error.as_deref() {
            Some("access_denied") => "Google sign-in was cancelled.",
            _ => "Google sign-in did not complete. Try again.",
        };
        return Ok(redirect_flash(jar, FlashKind::Error, message, "/login"));
    };
    match google::finish(&state, &origin, &code, &state_param).await {
        Ok((outcome, return_to)) => {
            after_first_factor(&state, &origin, jar, outcome, &safe_next(&return_to), None).await
        }
        Err(e @ (Error::Database(_) | Error::Internal(_))) => Err(e),
        Err(e) => Ok(redirect_flash(jar, FlashKind::Error, e.detail(), "/login")),
    }
}
