//! Billing: plans and their limits, subscriptions (Stripe or comped by staff), the credit
//! wallet with its append-only ledger, top-ups, and revenue metrics.
//!
//! Other features use two small entry points: [`service::limits::check_addition`] before
//! adding something a plan counts (accounts, seats), and [`service::credits::charge_on_success`]
//! around work that costs credits.

pub mod api;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod service;
pub mod stripe;

pub use service::{
    credits::{self, Actor},
    limits,
    plans::{self, Feature, Meter},
};

/// Job types of this feature.
pub fn register_jobs(registry: platform::jobs::Registry) -> platform::jobs::Registry {
    registry.register::<jobs::ReleaseStaleReservations>()
}

/// Every route of the feature.
pub fn routes() -> axum::Router<platform::AppState> {
    // The webhook is authenticated by its signature, not a session: no Ctx, and the CSRF
    // guard lets cookie-less POSTs under /webhooks/ through.
    api::routes().merge(pages::routes()).route(
        "/webhooks/stripe",
        axum::routing::post(stripe::webhook::receive),
    )
}

/// Navigation entries this feature adds to the shell.
pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    vec![platform::web::shell::NavEntry {
        label: "Billing",
        href: "/billing",
        order: 900,
    }]
}

/// Cron schedules of this feature.
pub fn schedules() -> Vec<platform::jobs::cron::Schedule> {
    jobs::schedules()
}
