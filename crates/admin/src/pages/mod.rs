//! The back-office pages under `/admin`: server-rendered, htmx where it saves a reload, every
//! page gated by the staff member's role (a page a role may not use answers 403 and is not in
//! its navigation). Handlers translate HTTP; the services decide.

mod auth;
mod chrome;
mod notifications;
mod settings;
mod staff;

use axum::{
    Router,
    routing::{get, post},
};
use platform::AppState;

pub use chrome::NAV;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(auth::login_form).post(auth::login))
        .route("/admin/login/code", get(auth::code_form).post(auth::code))
        .route("/admin/enrol", get(auth::enrol_form).post(auth::enrol))
        .route("/admin/logout", post(auth::logout))
        .route(
            "/admin/invitation/{token}",
            get(auth::invitation).post(auth::accept_invitation),
        )
        .route("/admin/events", get(notifications::stream))
        .route("/admin/notifications", get(notifications::page))
        .route(
            "/admin/notifications/bell",
            get(notifications::bell_partial),
        )
        .route(
            "/admin/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route(
            "/admin/notifications/{id}/read",
            post(notifications::mark_read),
        )
        .route("/admin/staff", get(staff::list))
        .route("/admin/staff/invite", post(staff::invite))
        .route("/admin/staff/{id}", get(staff::member))
        .route("/admin/staff/{id}/role", post(staff::change_role))
        .route("/admin/staff/{id}/allowlist", post(staff::set_allowlist))
        .route("/admin/staff/{id}/reset-2fa", post(staff::reset_two_factor))
        .route("/admin/staff/{id}/disable", post(staff::disable))
        .route("/admin/staff/{id}/enable", post(staff::enable))
        .route("/admin/settings", get(settings::page).post(settings::save))
        .route("/admin/settings/test/{integration}", post(settings::test))
}
