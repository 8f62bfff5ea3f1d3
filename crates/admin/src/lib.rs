//! The staff back office (`/admin` pages and `/api/v1/admin` API). Staff are separate
//! principals from customers (own table, own sessions, own tokens with the `gds_` prefix),
//! created from the command line (`growthdeck admin create`) or invited by a super admin, and
//! always sign in with TOTP. Roles decide what each staff member reaches ([`roles`]).

pub mod api;
pub mod model;
pub mod pages;
pub mod roles;
pub mod service;
pub mod staff_ctx;

pub use staff_ctx::{Staff, StaffPage};

/// Every route of the back office: pages and the JSON API.
pub fn routes() -> axum::Router<platform::AppState> {
    pages::routes().merge(api::routes())
}
