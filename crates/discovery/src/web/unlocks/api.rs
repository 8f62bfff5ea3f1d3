//! A creator's profile, its paid unlocks and the exports of what was unlocked
//! (`/api/v1/discovery/creators/{profile_id}…`, `/api/v1/discovery/unlocks`,
//! `/api/v1/discovery/exports…`). Every paid answer says what it cost and what is left.

use axum::{extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result, Scope,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::web::export_doc::{ExportFile, ExportRows};

use crate::service::{
    exports::{self, Format, Record},
    profile::{self, Analytics, PostAnalytics},
    unlocks::{self, EmailOutcome, Outcome},
};
use crate::web::api::{DiscoveryCreatorCard, card, pictures};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(creator))
        .routes(routes!(unlock_profile))
        .routes(routes!(unlock_email))
        .routes(routes!(post_analytics))
        .routes(routes!(track_for_audit))
        .routes(routes!(unlocked))
        .routes(routes!(export_creators))
        .routes(routes!(export_posts))
        .routes(routes!(export_history))
        .routes(routes!(fetch))
}

/// A creator to fetch into the pool.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryFetchRequest {
    /// The Instagram username, with or without `@` (at most 30 characters).
    #[schema(max_length = 30)]
    pub username: String,
    /// Generated demo data instead of the live source (always so for `demo.…` usernames).
    #[serde(default)]
    pub demo: bool,
}

/// Fetch a creator the pool does not know yet through the configured source (or the demo
/// generator): costs nothing; the creator appears in search when the job is done (202), or is
/// already known (200).
#[utoipa::path(post, path = "/api/v1/discovery/fetch", tag = "discovery",
    request_body = DiscoveryFetchRequest,
    responses((status = 200, body = crate::service::fetch::Fetched, description = "Already in the index"),
        (status = 202, body = crate::service::fetch::Fetched, description = "Fetching: a job is under way"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem, description = "No live source is configured (ask for demo data instead)")))]
pub async fn fetch(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<DiscoveryFetchRequest>,
) -> Result<(StatusCode, Json<crate::service::fetch::Fetched>)> {
    let f = crate::service::fetch::fetch(&state, &ctx, &req.username, req.demo).await?;
    let status = if f.known {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(f)))
}

/// A creator as the workspace sees it: the public card always, the rest once unlocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryCreatorProfile {
    pub card: DiscoveryCreatorCard,
    /// The workspace unlocked the full analytics (for the whole team, for good).
    pub unlocked: bool,
    /// The contact email, once unlocked (`POST …/email`).
    pub email: Option<String>,
    /// Only when unlocked.
    pub analytics: Option<Analytics>,
}

#[utoipa::path(get, path = "/api/v1/discovery/creators/{profile_id}", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id (from a search result)")),
    responses((status = 200, body = DiscoveryCreatorProfile), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
) -> Result<Json<DiscoveryCreatorProfile>> {
    let p = profile::of(&state, &ctx, profile_id).await?;
    let pics = pictures(&state, &[&p.creator]).await?;
    Ok(Json(DiscoveryCreatorProfile {
        card: card(&p.creator, &pics),
        unlocked: p.unlocked,
        email: p.email,
        analytics: p.analytics,
    }))
}

/// Unlock a creator's full analytics for the workspace: charged once (25 credits by default,
/// within the plan's monthly profile unlocks); unlocking again costs nothing.
#[utoipa::path(post, path = "/api/v1/discovery/creators/{profile_id}/unlock", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id")),
    responses((status = 200, body = Outcome), (status = 401, body = Problem),
        (status = 402, body = Problem, description = "Not enough credits, or the plan's monthly unlocks are used up"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn unlock_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
) -> Result<Json<Outcome>> {
    Ok(Json(
        unlocks::unlock_profile(&state, &ctx, profile_id).await?,
    ))
}

/// Unlock a creator's contact email: charged once, only when an email is known ("no email
/// available" — `email: null` — costs nothing).
#[utoipa::path(post, path = "/api/v1/discovery/creators/{profile_id}/email", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id")),
    responses((status = 200, body = EmailOutcome), (status = 401, body = Problem),
        (status = 402, body = Problem, description = "Not enough credits, or the plan's monthly email unlocks are used up"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn unlock_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
) -> Result<Json<EmailOutcome>> {
    Ok(Json(unlocks::unlock_email(&state, &ctx, profile_id).await?))
}

/// The detailed post analytics of an unlocked creator (5 credits per request by default).
#[utoipa::path(post, path = "/api/v1/discovery/creators/{profile_id}/post-analytics", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id")),
    responses((status = 200, body = PostAnalytics), (status = 401, body = Problem),
        (status = 402, body = Problem, description = "Not enough credits, or the plan's monthly post analyses are used up"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The creator is not unlocked: unlock the full analytics first")))]
pub async fn post_analytics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
) -> Result<Json<PostAnalytics>> {
    Ok(Json(
        profile::post_analytics(&state, &ctx, profile_id).await?,
    ))
}

/// The workspace's tracking of a creator, which the account audit runs on.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryCreatorTracking {
    /// The tracked profile's id (`/api/v1/instagram/tracked/{id}`).
    pub tracked_id: Uuid,
    /// Where to start and read its audits.
    pub audits: String,
}

/// Track an unlocked creator for its audit (idempotent: an already tracked creator answers
/// its tracking). Start the audit with `POST` on `audits`, which says its price first.
#[utoipa::path(post, path = "/api/v1/discovery/creators/{profile_id}/tracking", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id")),
    responses((status = 200, body = DiscoveryCreatorTracking), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The creator is not unlocked")))]
pub async fn track_for_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
) -> Result<Json<DiscoveryCreatorTracking>> {
    let tracked_id = profile::track_for_audit(&state, &ctx, profile_id).await?;
    Ok(Json(DiscoveryCreatorTracking {
        tracked_id,
        audits: format!("/api/v1/instagram/tracked/{tracked_id}/audits"),
    }))
}

/// An unlocked creator.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryUnlockedCreator {
    pub card: DiscoveryCreatorCard,
    pub unlocked_at: DateTime<Utc>,
    /// Credits the unlock cost.
    pub cost: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryUnlockedList {
    pub items: Vec<DiscoveryUnlockedCreator>,
    /// Every unlock of the workspace (the list shows the newest `limit`).
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryUnlockedParams {
    /// 1–500 (default 100).
    #[param(inline, nullable = false)]
    pub limit: Option<platform::http::extract::Bounded<1, 500>>,
}

/// The workspace's unlocked creators, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/unlocks", tag = "discovery",
    params(DiscoveryUnlockedParams),
    responses((status = 200, body = DiscoveryUnlockedList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn unlocked(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<DiscoveryUnlockedParams>,
) -> Result<Json<DiscoveryUnlockedList>> {
    let limit = p.limit.map(|b| b.get()).unwrap_or(100);
    let (rows, total) = crate::service::unlocks::unlocked_creators(&state, &ctx, limit).await?;
    let shown: Vec<_> = rows.iter().map(|(_, c)| c).collect();
    let pics = pictures(&state, &shown).await?;
    Ok(Json(DiscoveryUnlockedList {
        items: rows
            .iter()
            .map(|(u, c)| DiscoveryUnlockedCreator {
                card: card(c, &pics),
                unlocked_at: u.unlocked_at.unwrap_or(u.created_at),
                cost: u.cost,
            })
            .collect(),
        total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryExportParams {
    /// `csv`, `xlsx` or `json`.
    #[param(inline)]
    pub format: DiscoveryExportFormat,
}

/// The file formats of an export.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiscoveryExportFormat {
    Csv,
    Xlsx,
    Json,
}

impl From<DiscoveryExportFormat> for Format {
    fn from(f: DiscoveryExportFormat) -> Self {
        match f {
            DiscoveryExportFormat::Csv => Format::Csv,
            DiscoveryExportFormat::Xlsx => Format::Xlsx,
            DiscoveryExportFormat::Json => Format::Json,
        }
    }
}

/// Export every unlocked creator with its figures (a bulk export: one free per month, then
/// 50 credits by default). The answer is the file; `x-credits-charged` says what it cost.
#[utoipa::path(post, path = "/api/v1/discovery/exports/creators", tag = "discovery",
    params(DiscoveryExportParams),
    responses((status = 200, description = "The file", content(
            (ExportFile = "text/csv"),
            (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (ExportRows = "application/json"))),
        (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn export_creators(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<DiscoveryExportParams>,
) -> Result<Response> {
    crate::service::unlocks::export_creators(&state, &ctx, p.format.into()).await
}

/// Export the recent posts of every unlocked creator with their figures and analysis (a bulk
/// export).
#[utoipa::path(post, path = "/api/v1/discovery/exports/posts", tag = "discovery",
    params(DiscoveryExportParams),
    responses((status = 200, description = "The file", content(
            (ExportFile = "text/csv"),
            (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (ExportRows = "application/json"))),
        (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn export_posts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<DiscoveryExportParams>,
) -> Result<Response> {
    crate::service::unlocks::export_posts(&state, &ctx, p.format.into()).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryExportHistory {
    pub items: Vec<Record>,
}

/// The workspace's exports, newest first: who took what, when, in which format.
#[utoipa::path(get, path = "/api/v1/discovery/exports", tag = "discovery",
    responses((status = 200, body = DiscoveryExportHistory), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn export_history(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<(StatusCode, Json<DiscoveryExportHistory>)> {
    let _ = Scope::of(&ctx)?;
    Ok((
        StatusCode::OK,
        Json(DiscoveryExportHistory {
            items: exports::history(&state, &ctx, 200).await?,
        }),
    ))
}
