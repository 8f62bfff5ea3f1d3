//! The Instagram data layer. Audits, content, discovery, competitors and the public data API
//! read from here: connected accounts (workspace-owned), public profiles (a shared cache a
//! workspace tracks), their history (daily snapshots, posts, per-post counts over time,
//! comments, private insights of connected accounts), the data sources that fill them, and the
//! refresh jobs that keep them current. Every stored figure records its source and fetch time.

pub mod api;
pub mod home;
pub mod jobs;
pub mod media;
pub mod model;
pub mod pages;
pub mod search;
pub mod service;
pub mod settings;
pub mod social;
pub mod source;
pub mod staff;

pub use source::{DataSource, Source};

/// Follow-up topic announced after a profile's refresh stored its data (the subject is the
/// profile's id); see `platform::follow_ups`.
pub const PROFILE_REFRESHED: &str = "instagram.profile_refreshed";

/// Object kinds of the account and tracked-profile pages, for other features' links on them
/// (`platform::web::links`); `{id}` is the account's or the tracked profile's id.
pub const ACCOUNT_OBJECT: &str = "instagram.account";
pub const TRACKED_OBJECT: &str = "instagram.tracked";

/// Everything this feature contributes to the product (the binary's list holds it).
pub fn feature() -> platform::Feature {
    feature_with(social::Social::new())
}

/// The feature with a given social-data runtime (tests keep a handle to read its counters).
pub fn feature_with(social: social::Social) -> platform::Feature {
    platform::Feature::new("instagram")
        .pages(pages::routes())
        .routes(media::routes())
        .api(api::openapi_router_with(social))
        .nav(nav())
        .jobs(jobs)
        .schedules(jobs::schedules())
        .usage(usage())
        .search(search::providers())
        .home_panels(home_panels())
        .describers(describers())
        .config(settings::config())
        .settings(settings::SYSTEM)
        .integrations(settings::INTEGRATIONS)
        .staff_routes(staff::routes())
        .staff_api(staff::api())
        .staff_nav(staff::nav())
        .staff_cards(staff::dashboard_cards())
        .staff_figures(staff::dashboard_figures())
}

/// Job types of this feature.
pub fn jobs(registry: platform::jobs::Registry) -> platform::jobs::Registry {
    registry
        .register::<jobs::RefreshProfile>()
        .register::<jobs::ScheduleRefreshes>()
        .register::<jobs::RefreshTokens>()
}

/// Navigation entries this feature adds to the shell.
pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    use platform::web::shell::{Icon, NavArea, NavEntry};
    vec![NavEntry {
        label: "Instagram",
        href: "/instagram",
        area: NavArea::Growth,
        icon: Icon::Camera,
        order: 100,
        keywords: "accounts profiles followers competitors",
    }]
}

/// This feature's section of the workspace home (its accounts, what needs attention).
pub fn home_panels() -> Vec<platform::home::PanelFn> {
    vec![home::panel()]
}

/// How this feature's activity-log actions read on the workspace home.
pub fn describers() -> Vec<platform::home::Describer> {
    vec![home::describer()]
}

/// Accounts in use: the workspace's real (non-demo) Instagram accounts, as the plan counts them.
pub fn usage() -> Vec<platform::usage::UsageCounter> {
    vec![platform::usage::UsageCounter {
        meter: "accounts",
        count: |state, scope| {
            Box::pin(async move { service::accounts::real_count(&state.db, &scope).await })
        },
    }]
}
