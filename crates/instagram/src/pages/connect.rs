//! "Connect with Instagram": `/instagram/connect` sends the person to Instagram's consent page,
//! `/instagram/callback` finishes the connection and returns to `/instagram` with a flash. A
//! refusal (cancelled on Instagram, a bad or used code, an attempt started elsewhere) is a
//! flash, never an error page; `/instagram/connect/button` is the button partial. While
//! Instagram Login is not set up on the server the customer is told so in their words, and
//! to ask their administrator (the set-up itself is explained to staff on the system settings
//! page, never here: customers do not configure servers).

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Query;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    web::{forms::redirect_flash, render, shell::FlashKind},
};
use serde::Deserialize;

use crate::service::connect;

/// Where the flow returns to.
const ACCOUNTS: &str = "/instagram";

/// What a customer reads while the server has no Meta app for Instagram Login.
pub const NOT_SET_UP: &str = "Connecting Instagram accounts is not set up on this server yet. Ask your administrator to set up Instagram Login.";

/// Errors shown as a flash; internal ones stay errors (logged, error page).
fn as_flash(jar: CookieJar, e: Error) -> Result<Response> {
    match e {
        e @ (Error::Database(_) | Error::Internal(_) | Error::Unauthorized) => Err(e),
        e => Ok(redirect_flash(jar, FlashKind::Error, e.detail(), ACCOUNTS)),
    }
}

pub async fn start(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    if connect::availability(&state).await.is_err() {
        return as_flash(jar, Error::BadRequest(NOT_SET_UP.into()));
    }
    match connect::start(&state, &ctx).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => as_flash(jar, e),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_reason: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Result<Response> {
    let Some(state_param) = q.state.filter(|s| !s.is_empty()) else {
        return as_flash(
            jar,
            Error::BadRequest("Instagram did not complete the connection. Start it again.".into()),
        );
    };
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        // Cancelled on Instagram's page (`error=access_denied&error_reason=user_denied`): the
        // attempt is dropped so it cannot be completed later.
        // The person's answer does not depend on it (the attempt expires anyway), but a
        // database that refused the delete is worth knowing about.
        if let Err(e) = connect::abandon(&state, &ctx, &state_param).await {
            tracing::warn!(error = %e, "a cancelled Instagram connection could not be dropped");
        }
        let message = match (q.error.as_deref(), q.error_reason.as_deref()) {
            (Some("access_denied"), _) | (_, Some("user_denied")) => {
                "The Instagram connection was cancelled; nothing was connected."
            }
            _ => "Instagram did not complete the connection. Start it again.",
        };
        return as_flash(jar, Error::BadRequest(message.into()));
    };
    if connect::availability(&state).await.is_err() {
        return as_flash(jar, Error::BadRequest(NOT_SET_UP.into()));
    }
    match connect::finish(&state, &ctx, &code, &state_param).await {
        Ok(done) => {
            let username = &done.card.profile.username;
            let mut message = if done.reconnected {
                format!("@{username} is connected again. Its data is being refreshed.")
            } else {
                format!("@{username} is connected. Its data is being fetched.")
            };
            let kind = if done.missing_scopes.is_empty() {
                FlashKind::Success
            } else {
                message.push_str(&format!(
                    " Some permissions were not granted ({}): connect again and allow them to see insights.",
                    done.missing_scopes.join(", ")
                ));
                FlashKind::Warning
            };
            Ok(redirect_flash(jar, kind, message, ACCOUNTS))
        }
        Err(e) => as_flash(jar, e),
    }
}

#[derive(Template)]
#[template(path = "instagram/_connect_button.html")]
pub struct ConnectButton {
    /// Instagram Login is set up on this server.
    pub available: bool,
    pub can_connect: bool,
}

/// The connect button (or that it is not set up yet), for the accounts page to include.
pub async fn button(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(render(&ConnectButton {
        available: connect::availability(&state).await.is_ok(),
        can_connect: ctx.can(Permission::WorkspaceWrite),
    }))
}
