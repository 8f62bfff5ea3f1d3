//! Billing's JSON API, documented in the OpenAPI document.

pub mod credits;
pub mod subscription;

use platform::AppState;
use platform::openapi::ApiRouter;
use utoipa_axum::routes;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(credits::balance))
        .routes(routes!(credits::transactions))
        .routes(routes!(credits::pricing_list))
        .routes(routes!(credits::can_perform))
        .routes(routes!(subscription::standing))
        .routes(routes!(subscription::checkout))
        .routes(routes!(subscription::topup))
        .routes(routes!(subscription::portal))
        .routes(routes!(subscription::cancel))
        .routes(routes!(subscription::resume))
        .routes(routes!(subscription::invoices))
}
