//! Saved and recent searches: JSON API and the search page's forms.

use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Form, Json, Path},
    openapi::ApiRouter,
    web::{
        forms::{action_failed, parse_id, redirect_flash},
        pages::{PageRoutes, post},
        shell::FlashKind,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::service::saved::{self, Recent, Saved};

pub fn api() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_saved, create_saved))
        .routes(routes!(delete_saved))
        .routes(routes!(list_recent))
}

pub fn pages(routes: PageRoutes) -> PageRoutes {
    routes
        .route("/discover/saved", post(save_page))
        .route("/discover/saved/{id}/delete", post(delete_page))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoverySavedSearches {
    pub items: Vec<Saved>,
}

/// The caller's saved searches and those the team shared.
#[utoipa::path(get, path = "/api/v1/discovery/saved-searches", tag = "discovery",
    responses((status = 200, body = DiscoverySavedSearches), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list_saved(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoverySavedSearches>> {
    Ok(Json(DiscoverySavedSearches {
        items: saved::list(&state, &ctx).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoverySaveSearch {
    /// 1–80 characters.
    #[schema(max_length = 80)]
    pub name: String,
    /// The search's query string, as in `GET /api/v1/discovery/search?…` (at most 2,000
    /// characters; the page number is dropped).
    #[schema(max_length = 2000)]
    pub query: String,
    /// Share it with the whole workspace.
    #[serde(default)]
    pub shared: bool,
}

/// Save a search (at most 50 per person).
#[utoipa::path(post, path = "/api/v1/discovery/saved-searches", tag = "discovery",
    request_body = DiscoverySaveSearch,
    responses((status = 201, body = Saved), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_saved(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<DiscoverySaveSearch>,
) -> Result<(StatusCode, Json<Saved>)> {
    let s = saved::save(&state, &ctx, &req.name, &req.query, req.shared).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Delete one of your saved searches.
#[utoipa::path(delete, path = "/api/v1/discovery/saved-searches/{id}", tag = "discovery",
    params(("id" = Uuid, Path, description = "The saved search")),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_saved(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    saved::delete(&state, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryRecentSearches {
    pub items: Vec<Recent>,
}

/// Your latest searches on the Discover page, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/recent-searches", tag = "discovery",
    responses((status = 200, body = DiscoveryRecentSearches), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list_recent(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoveryRecentSearches>> {
    Ok(Json(DiscoveryRecentSearches {
        items: saved::recent(&state, &ctx).await?,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SaveForm {
    name: String,
    query: String,
    shared: String,
}

async fn save_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<SaveForm>,
) -> Result<Response> {
    let back = saved::clean_query(&form.query)
        .map(|q| format!("/discover?{q}"))
        .unwrap_or_else(|_| "/discover".into());
    match saved::save(&state, &ctx, &form.name, &form.query, form.shared == "1").await {
        Ok(s) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Search saved as “{}”{}.",
                s.name,
                if s.shared {
                    ", shared with your team"
                } else {
                    ""
                }
            ),
            &back,
        )),
        Err(e) => action_failed(jar, e, &back),
    }
}

async fn delete_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match saved::delete(&state, &ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Saved search deleted.",
            "/discover",
        )),
        Err(e) => action_failed(jar, e, "/discover"),
    }
}
