//! The feature's pages: the accounts overview, one account in detail, tracked profiles.

mod connect;

use axum::{Router, routing::get};
use platform::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/instagram/connect",
            get(connect::start).post(connect::start),
        )
        .route("/instagram/connect/button", get(connect::button))
        .route("/instagram/callback", get(connect::callback))
}
