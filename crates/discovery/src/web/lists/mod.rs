//! Favourites and lists: the JSON API ([`api`]), the pages `/discover/favourites`,
//! `/discover/lists` and `/discover/lists/{id}` ([`pages`]), and the small controls the search
//! page loads into each result (star, add to a list; [`controls`]). Pages and API call the same
//! service (`service::lists`).

pub mod api;
mod controls;
mod pages;

use chrono::{DateTime, Utc};
use platform::{
    AppState,
    home::ago,
    openapi::ApiRouter,
    web::{
        format::number,
        forms::fmt_time,
        pages::PageRoutes,
        shell::{Icon, NavArea, NavEntry},
    },
};

use crate::model::creator;

pub fn api() -> ApiRouter<AppState> {
    api::openapi_router()
}

/// The lists' pages and adding to a list are gated by plan (`service::plan`); favourites and
/// the search results' controls are open to every plan.
pub fn pages() -> PageRoutes {
    let gated = pages::routes(controls::routes(PageRoutes::new()))
        .requires_feature(crate::service::plan::FEATURE);
    pages::open_routes(controls::open_routes(gated))
}

/// After Discover (order 200) in the Growth area.
pub fn nav() -> Vec<NavEntry> {
    // Favourites are reached from the Discover page's head (the sidebar must fit a 900 px
    // high screen without hiding the workspace's entries).
    vec![NavEntry {
        label: "Creator lists",
        href: pages::LISTS,
        area: NavArea::Growth,
        icon: Icon::List,
        order: 202,
        keywords: "discovery creators lists team shortlist templates collaborators export",
    }]
}

/// A creator as the favourites and list pages show it: the public card, for people.
pub struct CreatorLine {
    pub username: String,
    pub full_name: String,
    pub initial: String,
    /// Through the media proxy, or empty (the initial instead).
    pub picture: String,
    pub followers: String,
    /// "Low", "Average", "High", "Very high" or "Unknown".
    pub engagement: &'static str,
    pub demo: bool,
    /// "Apify", "Demo data", …
    pub source: &'static str,
    /// "3 days ago", and exactly (tooltip).
    pub fetched: String,
    pub fetched_exact: String,
}

pub fn creator_line(
    c: &creator::Model,
    picture: Option<String>,
    now: DateTime<Utc>,
) -> CreatorLine {
    CreatorLine {
        username: c.username.clone(),
        full_name: c.full_name.clone().unwrap_or_default(),
        initial: c
            .username
            .chars()
            .find(|ch| ch.is_alphanumeric())
            .map(|ch| ch.to_uppercase().collect())
            .unwrap_or_else(|| "?".into()),
        picture: picture.unwrap_or_default(),
        followers: number(c.followers),
        engagement: crate::web::api::band_word(c.engagement_rate),
        demo: c.pool == "demo" || c.source == "demo",
        source: instagram::Source::parse(&c.source)
            .map(|s| s.label())
            .unwrap_or("Unknown source"),
        fetched: c
            .fetched_at
            .map_or_else(|| "at an unknown time".into(), |t| ago(t, now)),
        fetched_exact: c.fetched_at.as_ref().map(fmt_time).unwrap_or_default(),
    }
}
