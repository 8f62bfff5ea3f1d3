//! A creator's profile page (locked / unlocked), its paid unlocks, the workspace's unlocked
//! creators and the exports of them: pages and JSON API.

pub mod api;
pub mod pages;
pub mod saved;

use platform::{
    AppState,
    openapi::ApiRouter,
    web::{pages::PageRoutes, shell::NavEntry},
};

pub fn api() -> ApiRouter<AppState> {
    api::router().merge(saved::api())
}

pub fn pages() -> PageRoutes {
    saved::pages(pages::routes())
}

pub fn nav() -> Vec<NavEntry> {
    pages::nav()
}
