//! The feature's pages: the accounts overview (cards, add by username or demo, refresh with
//! live progress, tracked profiles), one account in detail (charts, top posts, media types,
//! insights), and the side-by-side comparison with tracked profiles.

mod accounts;
mod connect;
mod detail;
pub(crate) mod format;

use axum::{
    Router,
    routing::{get, post},
};
use platform::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instagram", get(accounts::overview))
        .route("/instagram/accounts", post(accounts::add))
        .route("/instagram/accounts/{id}", get(detail::page))
        .route("/instagram/accounts/{id}/refresh", post(accounts::refresh))
        .route("/instagram/accounts/{id}/remove", post(accounts::remove))
        .route("/instagram/tracked", post(accounts::track))
        .route("/instagram/tracked/{id}/remove", post(accounts::untrack))
        .route("/instagram/compare", get(detail::compare))
        .route(
            "/instagram/connect",
            get(connect::start).post(connect::start),
        )
        .route("/instagram/connect/button", get(connect::button))
        .route("/instagram/callback", get(connect::callback))
}
