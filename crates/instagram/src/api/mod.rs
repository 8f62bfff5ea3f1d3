//! The feature's JSON API (`/api/v1/instagram/…`), documented in the OpenAPI document.

mod accounts;

use platform::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn openapi_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts::list_accounts, accounts::add_account))
        .routes(routes!(accounts::get_account, accounts::remove_account))
        .routes(routes!(accounts::refresh_account))
}

pub fn routes() -> axum::Router<AppState> {
    openapi_router().split_for_parts().0
}
