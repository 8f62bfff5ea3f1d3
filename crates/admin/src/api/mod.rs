//! The admin JSON API (`/api/v1/admin/…`): the back office's operations for staff tools, with
//! the same role checks as the pages. Every route but the token sign-in takes `Staff` (a live
//! staff token); a customer's credentials never pass.

mod activity;
mod auth;
mod customers;
mod dashboard;
mod notifications;
mod operations;
mod settings;
mod staff;

use platform::AppState;
use platform::openapi::ApiRouter;
use utoipa_axum::routes;

pub use auth::{StaffTokenRequest, StaffTokenResponse};
pub use customers::export_name;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(auth::issue_token))
        .routes(routes!(operations::list_jobs))
        .routes(routes!(operations::get_job))
        .routes(routes!(operations::retry_job))
        .routes(routes!(operations::discard_job))
        .routes(routes!(operations::list_outbox))
        .routes(routes!(operations::retry_mail))
        .routes(routes!(customers::list_users))
        .routes(routes!(customers::export_users))
        .routes(routes!(customers::get_user, customers::delete_user))
        .routes(routes!(customers::block_user))
        .routes(routes!(customers::unblock_user))
        .routes(routes!(customers::sign_out_user))
        .routes(routes!(customers::reset_user_password))
        .routes(routes!(customers::list_workspaces))
        .routes(routes!(customers::get_workspace))
        .routes(routes!(activity::list_audit))
        .routes(routes!(activity::export_audit))
        .routes(routes!(dashboard::get_dashboard))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .routes(routes!(settings::test_integration))
        .routes(routes!(staff::list_staff, staff::invite_staff))
        .routes(routes!(staff::get_staff))
        .routes(routes!(staff::change_role))
        .routes(routes!(staff::set_allowlist))
        .routes(routes!(staff::reset_two_factor))
        .routes(routes!(staff::disable_staff))
        .routes(routes!(staff::enable_staff))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::mark_all_read))
}
