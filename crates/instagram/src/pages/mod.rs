//! The feature's pages: the accounts overview (cards, add by username or demo, refresh with
//! live progress, tracked profiles), one account or tracked profile in detail over a range
//! (charts, top posts, media types, insights), the side-by-side comparison, and how the
//! figures are computed.

mod accounts;
mod compare;
mod connect;
mod definitions;
mod detail;
mod figures;
pub(crate) mod format;

use platform::web::pages::{PageRoutes, get, post};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/instagram", get(accounts::overview))
        .route("/instagram/accounts", post(accounts::add))
        .route("/instagram/accounts/{id}", get(detail::account_page))
        .route(
            "/instagram/accounts/{id}/figures",
            get(detail::account_figures),
        )
        .route("/instagram/accounts/{id}/refresh", post(accounts::refresh))
        .route("/instagram/accounts/{id}/remove", post(accounts::remove))
        .route("/instagram/tracked", post(accounts::track))
        .route("/instagram/tracked/{id}", get(detail::tracked_page))
        .route(
            "/instagram/tracked/{id}/figures",
            get(detail::tracked_figures),
        )
        .route("/instagram/tracked/{id}/remove", post(accounts::untrack))
        .route("/instagram/compare", get(compare::page))
        .route("/instagram/definitions", get(definitions::page))
        .route(
            "/instagram/connect",
            get(connect::start).post(connect::start),
        )
        .route("/instagram/connect/button", get(connect::button))
        .route("/instagram/callback", get(connect::callback))
}
