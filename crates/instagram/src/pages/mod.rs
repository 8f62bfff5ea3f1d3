//! The feature's pages: the accounts overview, one account in detail, tracked profiles.

use axum::Router;
use platform::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
