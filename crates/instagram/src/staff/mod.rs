//! Instagram's back-office screens, in the staff frame: the Instagram accounts of every
//! workspace (support and super admin) and the API clients of the social-data service with
//! their keys and usage, as pages under `/admin` and the staff API under `/api/v1/admin/`; and
//! the accounts' totals on the staff dashboard.

mod accounts;
mod api_clients;
mod dashboard;

use axum::routing::{get, post};
use platform::{
    AppState,
    openapi::ApiRouter,
    staff::{
        StaffGroup, StaffNavEntry, StaffPermission, StaffRoutes,
        dashboard::{DashboardCardFn, DashboardFigures},
    },
    web::shell::Icon,
};
use utoipa_axum::routes;

/// The back-office pages.
pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .route("/admin/instagram", get(accounts::pages::list))
        .route(
            "/admin/api-clients",
            get(api_clients::pages::list).post(api_clients::pages::create),
        )
        .route("/admin/api-clients/{id}", get(api_clients::pages::detail))
        .route(
            "/admin/api-clients/{id}/rotate",
            post(api_clients::pages::rotate),
        )
        .route(
            "/admin/api-clients/{id}/revoke",
            post(api_clients::pages::revoke),
        )
        .route(
            "/admin/api-clients/{id}/keys/{key_id}/revoke",
            post(api_clients::pages::revoke_key),
        )
}

/// The documented staff API.
pub fn api() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(accounts::api::list_instagram_accounts))
        .routes(routes!(
            api_clients::api::list_clients,
            api_clients::api::create_client
        ))
        .routes(routes!(api_clients::api::get_client))
        .routes(routes!(api_clients::api::rotate_key))
        .routes(routes!(api_clients::api::revoke_key))
        .routes(routes!(api_clients::api::revoke_client))
        .routes(routes!(api_clients::api::client_usage))
}

/// Instagram's entries of the staff sidebar.
pub fn nav() -> Vec<StaffNavEntry> {
    vec![
        StaffNavEntry {
            group: StaffGroup::Customers,
            order: 30,
            label: "Instagram",
            path: "/admin/instagram",
            icon: Icon::Camera,
            permission: StaffPermission::Customers,
        },
        StaffNavEntry {
            group: StaffGroup::Operations,
            order: 40,
            label: "API clients",
            path: "/admin/api-clients",
            icon: Icon::Plug,
            permission: StaffPermission::DataService,
        },
    ]
}

/// Instagram's card on the staff dashboard: the accounts of every workspace.
pub fn dashboard_cards() -> Vec<DashboardCardFn> {
    vec![|state, staff, _| Box::pin(async move { dashboard::card(&state, &staff).await })]
}

/// Instagram's member of the staff dashboard's JSON answer (`instagram`).
pub fn dashboard_figures() -> Vec<DashboardFigures> {
    vec![DashboardFigures::of::<dashboard::InstagramTotals>(
        "instagram",
        "Present for roles with customers' data.",
        |state, staff| Box::pin(async move { dashboard::figures(&state, &staff).await }),
    )]
}
