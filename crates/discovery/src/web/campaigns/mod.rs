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

pub fn api() -> ApiRouter<AppState> {
    api::openapi_router()
}

pub fn pages() -> PageRoutes {
    pages::routes()
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
