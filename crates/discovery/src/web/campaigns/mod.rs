//! Discovery's campaigns: the JSON API (`/api/v1/discovery/campaigns…`, [`api`]) and the
//! pages (`/discover/campaigns…`, [`pages`]), both over `crate::service::campaigns`.

pub mod api;
pub mod pages;

use platform::{
    AppState,
    openapi::ApiRouter,
    web::{
        pages::PageRoutes,
        shell::{Icon, NavArea, NavEntry},
    },
};

/// Campaigns are among the plan's team tools (`service::plan`): every route is gated.
pub fn api() -> ApiRouter<AppState> {
    api::openapi_router().requires_feature(crate::service::plan::FEATURE)
}

pub fn pages() -> PageRoutes {
    pages::routes().requires_feature(crate::service::plan::FEATURE)
}

/// The sidebar entry (after search, favourites and lists).
pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "Campaigns",
        href: pages::INDEX,
        area: NavArea::Growth,
        icon: Icon::Megaphone,
        order: 203,
        keywords: "campaigns influencer creators brand deliverables milestones budget tracked posts report",
    }]
}
