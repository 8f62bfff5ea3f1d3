//! The staff back office. Staff are separate principals from customers (own table, own
//! tokens with the `gds_` prefix), created from the command line (`growthdeck admin create`),
//! always with TOTP. Roles decide what each staff member reaches ([`roles`]).
//!
//! This first part provides staff accounts, token sign-in for the admin API, and the
//! operations API of the job queue; the back-office pages come with the admin issue.

pub mod api;
pub mod customers;
pub mod model;
pub mod roles;
pub mod service;
pub mod staff_ctx;

pub use staff_ctx::Staff;

/// Every route of the back office.
pub fn routes() -> axum::Router<platform::AppState> {
    api::routes()
}
