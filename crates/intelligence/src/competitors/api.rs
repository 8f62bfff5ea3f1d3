//! Competitor analysis of an own account: read it (with the saved choice), save the choice of
//! tracked profiles and period (the plan caps how many), download it as CSV or PDF. Another
//! workspace's account is not found; a tracked profile not the workspace's is a 422.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Json, Path},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::service::competitors::{CompetitorAnalysis, analysis, set};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(get_analysis, put_choice))
        .routes(routes!(csv_export))
        .routes(routes!(pdf_export))
}

/// The tracked profiles to compare with and the period.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorChoice {
    /// Ids of the workspace's tracked profiles (at most 5, and no more than the plan allows).
    pub tracked: Vec<String>,
    /// Days up to today (30–365, default 90).
    pub days: Option<i64>,
}

/// The analysis with the saved choice (the page's and the API's answer).
pub async fn current(state: &AppState, ctx: &Ctx, id: &str) -> Result<CompetitorAnalysis> {
    let account = Subject::account(state, ctx, parse_id(id)?).await?;
    let chosen = set::saved(state, ctx, &account).await?;
    analysis::analyse(state, ctx, &account, &chosen).await
}

fn download(content_type: &str, name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The CSV download (the API's and the page's answer).
pub async fn csv_download(state: &AppState, ctx: &Ctx, id: &str) -> Result<Response> {
    let a = current(state, ctx, id).await?;
    let (name, bytes) = super::export::csv(&a)?;
    Ok(download("text/csv; charset=utf-8", name, bytes))
}

/// The PDF download (the API's and the page's answer).
pub async fn pdf_download(state: &AppState, ctx: &Ctx, id: &str) -> Result<Response> {
    let a = current(state, ctx, id).await?;
    let (name, bytes) = super::export::pdf(&a).await?;
    Ok(download("application/pdf", name, bytes))
}

/// An own account beside its saved tracked profiles: follower growth and engagement by week,
/// cadence, media and category mix, top posts, share of engagement, best slots, and hashtags
/// the others use with lift that the account does not.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/competitors", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CompetitorAnalysis, content_type = "application/json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<CompetitorAnalysis>> {
    Ok(Json(current(&state, &ctx, &id).await?))
}

/// Save which tracked profiles the account is compared with, and the period; answers the new
/// analysis. 402 when the plan allows fewer profiles.
#[utoipa::path(put, path = "/api/v1/instagram/accounts/{id}/competitors", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = CompetitorChoice, content_type = "application/json"),
    responses((status = 200, body = CompetitorAnalysis, content_type = "application/json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_choice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CompetitorChoice>,
) -> Result<Json<CompetitorAnalysis>> {
    let account = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    let chosen = set::save(&state, &ctx, &account, &body.tracked, body.days).await?;
    Ok(Json(
        analysis::analyse(&state, &ctx, &account, &chosen).await?,
    ))
}

/// The analysis as CSV: one row per profile and figure, with period, source and fetch time.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/competitors/csv", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn csv_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    csv_download(&state, &ctx, &id).await
}

/// The analysis as a PDF report.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/competitors/pdf", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn pdf_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    pdf_download(&state, &ctx, &id).await
}
