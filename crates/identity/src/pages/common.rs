//! Helpers of the identity pages: its cookies and sign-in redirects. The generic form and
//! redirect machinery lives in `platform::web::forms` (shared with the back office) and is
//! re-exported here so the page modules keep one import path.

use axum_extra::extract::cookie::Cookie;
use chrono::Utc;
use platform::AppState;
pub use platform::web::forms::{
    Answer, FormErrors, action_failed, encode, fmt_opt_time, fmt_time, html, html_with, parse_id,
    plural, redirect, redirect_flash, removal, short_user_agent,
};
use platform::web::forms::{cookie, with_max_age};

use crate::service::{MFA_PENDING_TTL, sessions::Issued};

pub const DEFAULT_NEXT: &str = "/home";

pub fn session_cookie_name(state: &AppState) -> &'static str {
    crate::auth::session_cookie_name(state)
}

/// The cookie holding the pending (password-checked, second factor missing) session token.
pub fn mfa_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-gd_mfa"
    } else {
        "gd_mfa"
    }
}

/// The session cookie for a newly issued session; it lives as long as the server-side session.
pub fn session_cookie(state: &AppState, issued: &Issued) -> Cookie<'static> {
    let secs = (issued.session.expires_at - Utc::now()).num_seconds();
    with_max_age(
        cookie(state, session_cookie_name(state), issued.token.clone()),
        secs,
    )
}

/// The remembered-device cookie (see `service::devices`): httpOnly, long-lived.
pub fn device_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-gd_device"
    } else {
        "gd_device"
    }
}

pub fn device_cookie(state: &AppState, token: String) -> Cookie<'static> {
    with_max_age(
        cookie(state, device_cookie_name(state), token),
        crate::service::devices::TTL.num_seconds(),
    )
}

pub fn mfa_cookie(state: &AppState, issued: &Issued) -> Cookie<'static> {
    with_max_age(
        cookie(state, mfa_cookie_name(state), issued.token.clone()),
        MFA_PENDING_TTL.num_seconds(),
    )
}

/// A redirect target from user input: a local path only, else the home page.
pub fn safe_next(next: &str) -> String {
    platform::web::forms::safe_next(next, DEFAULT_NEXT)
}

/// `/login?next=…` (no `next` for the default target).
pub fn login_url(next: &str) -> String {
    if next == DEFAULT_NEXT {
        "/login".into()
    } else {
        format!("/login?next={}", encode(next))
    }
}
