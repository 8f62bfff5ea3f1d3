//! Creator discovery (requirement 004): search over every public profile the platform knows
//! (the shared pool filled by tracking, the social-data API and discovery's own fetches; demo
//! profiles on a demo install). The indexer ([`service::index`]) computes each creator's
//! figures from the Instagram data layer and post analysis; search ([`service::search`]) runs
//! on the database's own indexes. See `docs/discovery.md`.

pub mod demo;
pub mod jobs;
pub mod model;
pub mod service;
pub mod web;

/// Everything this feature contributes to the product.
pub fn feature() -> platform::Feature {
    use web::{campaigns, lists, proposals, unlocks};
    platform::Feature::new("discovery")
        .api(web::api::openapi_router())
        .pages(web::pages::routes())
        .nav(web::pages::nav())
        .api(unlocks::api())
        .pages(unlocks::pages())
        .nav(unlocks::nav())
        .api(lists::api())
        .pages(lists::pages())
        .nav(lists::nav())
        .api(campaigns::api())
        .pages(campaigns::pages())
        .nav(campaigns::nav())
        .api(proposals::api())
        .pages(proposals::pages())
        .nav(proposals::nav())
        .staff_routes(proposals::staff::routes())
        .staff_api(proposals::staff::api())
        .staff_workspace_panel(|state, staff, id, back| {
            Box::pin(
                async move { proposals::staff::workspace_panel(&state, &staff, id, back).await },
            )
        })
        .jobs(|registry| {
            registry
                .register::<jobs::IndexProfile>()
                .register::<jobs::Reindex>()
                .register::<service::campaigns::tracking::TrackCampaign>()
        })
        .follow_up(instagram::PROFILE_REFRESHED, jobs::after_change)
        .follow_up(intelligence::PROFILE_ANALYSED, jobs::after_change)
}
