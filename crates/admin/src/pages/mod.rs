//! The back-office pages under `/admin`: server-rendered, htmx where it saves a reload, every
//! page gated by the staff member's role (a page a role may not use answers 403 and is not in
//! its navigation). Handlers translate HTTP; the services decide.

mod account;
mod activity;
mod auth;
pub mod chrome;
mod dashboard;
mod notifications;
mod operations;
mod settings;
mod staff;
mod trail;
mod users;
mod workspaces;

use axum::routing::{get, post};
use platform::staff::StaffRoutes;

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .route("/admin", get(dashboard::page))
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
        .route("/admin/users", get(users::list))
        .route("/admin/users/export", get(users::export))
        .route("/admin/users/{id}", get(users::detail))
        .route("/admin/users/{id}/block", post(users::block))
        .route("/admin/users/{id}/unblock", post(users::unblock))
        .route("/admin/users/{id}/sign-out", post(users::sign_out))
        .route("/admin/users/{id}/password-reset", post(users::reset_link))
        .route("/admin/users/{id}/delete", post(users::delete))
        .route("/admin/workspaces", get(workspaces::list))
        .route("/admin/workspaces/{id}", get(workspaces::detail))
        .route("/admin/activity", get(activity::page))
        .route("/admin/activity/export", get(activity::export))
        .route("/admin/outbox", get(operations::outbox))
        .route("/admin/outbox/{id}/retry", post(operations::retry_mail))
        .route("/admin/jobs", get(operations::jobs))
        .route("/admin/jobs/{id}/retry", post(operations::retry_job))
        .route("/admin/jobs/{id}/discard", post(operations::discard_job))
        .route("/admin/account", get(account::page))
        .route("/admin/account/password", post(account::change_password))
        .route(
            "/admin/account/sessions/end-others",
            post(account::end_other_sessions),
        )
        .route(
            "/admin/account/backup-codes",
            post(account::regenerate_backup_codes),
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
