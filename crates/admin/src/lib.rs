//! The staff back office (`/admin` pages and `/api/v1/admin` API). Staff are separate
//! principals from customers (own table, own sessions, own tokens with the `gds_` prefix),
//! created from the command line (`growthdeck admin create`) or invited by a super admin, and
//! always sign in with TOTP. Roles decide what each staff member reaches ([`roles`]).

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod settings;
pub mod staff_ctx;
#[cfg(feature = "testkit")]
pub mod testkit;

/// Everything the back office contributes to the product (the binary's list holds it).
pub fn feature() -> platform::Feature {
    platform::Feature::new("admin")
        .staff_routes(pages::routes())
        .staff_api(api::openapi_router())
        .staff_nav(pages::chrome::nav())
        .staff_bell(std::sync::Arc::new(pages::chrome::AdminBell))
        .staff_authenticator(std::sync::Arc::new(staff_ctx::AdminStaffAuth))
        .config(settings::config())
        .settings(settings::SYSTEM)
        .integrations(settings::INTEGRATIONS)
}
