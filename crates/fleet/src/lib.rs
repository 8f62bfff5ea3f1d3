//! Account operations ("fleet", requirement 002). Agencies operate many Instagram accounts;
//! external automation workers (a PC driving a phone) do the Instagram actions and talk to
//! Growthdeck only through the worker API. Growthdeck orchestrates and records: it imports
//! accounts ([`service::import`]), rents them proxies with capacity ([`service::proxies`]),
//! moves them through their lifecycle with a timeline ([`service::lifecycle`]), turns the
//! warm-up pipeline and cleanup into tasks workers claim under a lease ([`service::tasks`]),
//! assigns ready accounts to personas with content pools ([`service::personas`],
//! [`service::content`]) and measures it all ([`service::analytics`]). It never logs in to
//! Instagram itself. See `docs/fleet.md`.
//!
//! Personas are the requirement's "models" (label: "Personas (models)").

pub mod demo;
pub mod model;
pub mod service;
pub mod simulate;
pub mod web;

/// Everything this feature contributes to the product.
pub fn feature() -> platform::Feature {
    platform::Feature::new("fleet")
        .api(web::worker_api::openapi_router())
        .api(web::api::openapi_router())
        .pages(web::accounts::routes())
        .pages(web::review::routes())
        .pages(web::workers::routes())
        .pages(web::settings::routes())
        .api(web::dashboard::openapi_router())
        .pages(web::dashboard::routes())
        .nav(web::dashboard::nav())
        .api(web::proxies::api::openapi_router())
        .pages(web::proxies::routes())
        .config(service::proxies::tester::config())
        .api(web::personas::api::openapi_router())
        .pages(web::personas::routes())
        .api(web::content::api::openapi_router())
        .pages(web::content::routes())
        .api(web::import::openapi_router())
        .pages(web::import::routes())
}
