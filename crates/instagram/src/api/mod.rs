//! The feature's JSON API (`/api/v1/instagram/…`, and the public social-data API under
//! `/api/v1/social/instagram/…`), documented in the OpenAPI document.

mod accounts;
pub mod social;

use platform::AppState;
use platform::openapi::ApiRouter;
use utoipa_axum::routes;

pub fn openapi_router() -> ApiRouter<AppState> {
    openapi_router_with(crate::social::Social::new())
}

/// The API with a given social-data runtime (tests keep a handle to read its counters).
pub fn openapi_router_with(social: crate::social::Social) -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(accounts::list_accounts, accounts::add_account))
        .routes(routes!(accounts::get_account, accounts::remove_account))
        .routes(routes!(accounts::refresh_account))
        .merge(social::openapi_router(social))
}
