//! Proposals on the web: the team's pages (`/discover/proposals…`, [`pages`]), the JSON API
//! ([`api`]), the brand's review by link with no sign-in ([`review`]), and the back office's
//! unlock ([`staff`]).

pub mod api;
pub mod pages;
pub mod review;
pub mod staff;

use platform::{
    AppState,
    openapi::ApiRouter,
    web::{
        format::number,
        pages::PageRoutes,
        shell::{Icon, NavArea, NavEntry},
    },
};

pub fn api() -> ApiRouter<AppState> {
    api::router().merge(review::router())
}

pub fn pages() -> PageRoutes {
    review::pages(pages::routes())
}

pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "Proposals",
        href: pages::LIST,
        area: NavArea::Growth,
        icon: Icon::Megaphone,
        order: 204,
        keywords: "proposals brands partnerships pitch shortlist review share link",
    }]
}

/// An amount in minor units as people read it: `USD 1,500.00`.
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let major = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    format!("{currency} {sign}{}.{:02}", number(major), abs % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_reads_as_people_write_it() {
        assert_eq!(super::money(150_050, "USD"), "USD 1,500.50");
        assert_eq!(super::money(5, "EUR"), "EUR 0.05");
    }
}
