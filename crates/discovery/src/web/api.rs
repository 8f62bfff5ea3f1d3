//! Creator search for people and their programs (`/api/v1/discovery/…`). A result is the
//! public card anyone can see (no exact engagement rate, no email); every card says where its
//! figures came from and when.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::model::creator;
use crate::service::{self, lookalikes::Distance, search::Filters};
use instagram::media::service::MediaPaths;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(lookalikes))
}

/// A creator as a search result shows it (what anyone can see before an unlock).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryCreatorCard {
    pub profile_id: Uuid,
    pub username: String,
    pub full_name: Option<String>,
    /// The profile picture through this server's media proxy.
    pub picture: Option<String>,
    pub followers: i64,
    /// `low` (< 1 %), `average` (1–3 %), `high` (3–6 %), `very_high` (≥ 6 %) or `unknown`:
    /// the exact rate comes with an unlock.
    pub engagement_band: String,
    /// The top categories of the analysed posts, most frequent first.
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub location: Option<String>,
    pub verified: bool,
    pub business: bool,
    /// Whether a contact email is known (the address comes with an email unlock).
    pub has_email: bool,
    pub last_post_at: Option<DateTime<Utc>>,
    /// `graph`, `apify`, `demo` or `manual`.
    pub source: String,
    /// When the profile's figures were fetched.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoverySearchPage {
    /// `live` or `demo`: which pool was searched (demo results are generated data).
    pub pool: String,
    pub results: Vec<DiscoveryCreatorCard>,
    /// Matches, counted up to 1,000.
    pub total: u64,
    /// More than `total` match (the count stopped).
    pub more: bool,
    pub page: u32,
    pub per_page: u32,
    /// What this search cost, when it is a priced one (a page past the first, an advanced
    /// search); `null` for a free first page.
    pub charged: Option<service::Charge>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryPoolParam {
    /// `live` or `demo`; by default real profiles once any are known, demo ones before.
    pub pool: Option<String>,
}

/// The engagement band of a rate in percent.
pub fn band(rate: Option<f64>) -> &'static str {
    match rate {
        None => "unknown",
        Some(r) if r < 1.0 => "low",
        Some(r) if r < 3.0 => "average",
        Some(r) if r < 6.0 => "high",
        Some(_) => "very_high",
    }
}

/// The band (from [`band`]) as a word for pages: "Low", "Average", "High", "Very high" or
/// "Unknown".
pub fn band_word(rate: Option<f64>) -> &'static str {
    match band(rate) {
        "low" => "Low",
        "average" => "Average",
        "high" => "High",
        "very_high" => "Very high",
        _ => "Unknown",
    }
}

/// The three most frequent categories of a category mix, most frequent first (ties by name).
pub fn top_categories(categories: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<(String, f64)> = categories
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_f64().map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().take(3).map(|(k, _)| k).collect()
}

/// The creators' pictures through this server's media proxy.
pub async fn pictures(state: &AppState, creators: &[&creator::Model]) -> Result<MediaPaths> {
    instagram::media::service::proxied_all(
        &state.db,
        &state.config,
        creators.iter().filter_map(|c| c.picture_url.as_deref()),
    )
    .await
}

/// The public card of a creator.
pub fn card(c: &creator::Model, pictures: &MediaPaths) -> DiscoveryCreatorCard {
    DiscoveryCreatorCard {
        profile_id: c.profile_id,
        username: c.username.clone(),
        full_name: c.full_name.clone(),
        picture: pictures.get(c.picture_url.as_deref()),
        followers: c.followers,
        engagement_band: band(c.engagement_rate).into(),
        categories: top_categories(&c.categories),
        language: c.language.clone(),
        location: c.location.clone(),
        verified: c.is_verified,
        business: c.is_business,
        has_email: c.has_email,
        last_post_at: c.last_post_at,
        source: c.source.clone(),
        fetched_at: c.fetched_at,
    }
}

/// Search creators: filters narrow, `sort` orders, pages of up to 100.
#[utoipa::path(get, path = "/api/v1/discovery/search", tag = "discovery",
    params(Filters, DiscoveryPoolParam),
    responses((status = 200, body = DiscoverySearchPage), (status = 401, body = Problem),
        (status = 402, body = Problem, description = "A priced search (a page past the first, an advanced search) the balance does not cover"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Query(filters): Query<Filters>,
    Query(p): Query<DiscoveryPoolParam>,
) -> Result<Json<DiscoverySearchPage>> {
    let (pool, found, charged) = service::search(&state, &ctx, p.pool.as_deref(), &filters).await?;
    let pictures = pictures(&state, &found.creators.iter().collect::<Vec<_>>()).await?;
    let results = found.creators.iter().map(|c| card(c, &pictures)).collect();
    Ok(Json(DiscoverySearchPage {
        pool,
        results,
        total: found.total,
        more: found.more,
        page: found.page,
        per_page: found.per_page,
        charged,
    }))
}

/// A lookalike and why it is near.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryLookalike {
    pub creator: DiscoveryCreatorCard,
    /// Lower is nearer: the sum of four parts between 0 and 1 (see `method`).
    pub distance: Distance,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryLookalikes {
    pub creator: DiscoveryCreatorCard,
    pub lookalikes: Vec<DiscoveryLookalike>,
    /// How the distance is computed, in words.
    pub method: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryLookalikeParams {
    /// How many (1–50, default 12).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

/// What the distance of a lookalike is made of (shown beside the results).
pub const LOOKALIKE_METHOD: &str = "Distance = content (1 − cosine similarity of the category mixes) \
    + language (0 if the same, else 1) + size (|ln of the followers ratio| ÷ ln 10, at most 1) \
    + engagement (difference of the rates ÷ the larger, at most 1). Lower is nearer.";

/// Creators like this one: the nearest of the same pool by content, language, size and
/// engagement, each with the parts of its distance.
#[utoipa::path(get, path = "/api/v1/discovery/creators/{profile_id}/lookalikes", tag = "discovery",
    params(("profile_id" = Uuid, Path, description = "The creator's profile id (from a search result)"),
        DiscoveryLookalikeParams),
    responses((status = 200, body = DiscoveryLookalikes), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn lookalikes(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(profile_id): Path<Uuid>,
    Query(p): Query<DiscoveryLookalikeParams>,
) -> Result<Json<DiscoveryLookalikes>> {
    ctx.require(platform::Permission::WorkspaceRead)?;
    let (of, near) = service::lookalikes::of(&state.db, profile_id, p.limit.unwrap_or(12)).await?;
    let shown: Vec<&creator::Model> = std::iter::once(&of)
        .chain(near.iter().map(|(c, _)| c))
        .collect();
    let pictures = pictures(&state, &shown).await?;
    Ok(Json(DiscoveryLookalikes {
        creator: card(&of, &pictures),
        lookalikes: near
            .iter()
            .map(|(c, d)| DiscoveryLookalike {
                creator: card(c, &pictures),
                distance: *d,
            })
            .collect(),
        method: LOOKALIKE_METHOD.into(),
    }))
}
