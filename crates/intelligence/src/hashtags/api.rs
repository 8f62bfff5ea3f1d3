//! `GET /api/v1/instagram/{accounts|tracked}/{id}/hashtags`: hashtag suggestions by engagement
//! lift, each with its evidence, for an own account or a tracked profile. Another workspace's
//! id is not found.

use axum::extract::State;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::Deserialize;
use utoipa_axum::routes;

use crate::service::hashtags::{self, HashtagSuggestions, Options};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(account_hashtags))
        .routes(routes!(tracked_hashtags))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct HashtagQuery {
    /// Days of posts read, up to today (30–730, default 180).
    #[param(nullable = false, minimum = 30, maximum = 730)]
    pub days: Option<i64>,
    /// Seed tags, separated by spaces or commas (`#` optional; at most 10, 60 characters
    /// each): only these and tags used on the same posts are suggested.
    #[param(nullable = false, max_length = 620)]
    pub seeds: Option<String>,
    /// Suggestions returned (1–100, default 20).
    #[param(nullable = false, minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

pub(crate) async fn suggestions_for(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    options: &Options,
) -> Result<HashtagSuggestions> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    hashtags::suggest(&state.db, &scope, subject, options).await
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    subject: Subject,
    q: HashtagQuery,
) -> Result<Json<HashtagSuggestions>> {
    let options = Options::parse(q.days, q.seeds.as_deref().unwrap_or(""), q.limit)?;
    Ok(Json(suggestions_for(state, ctx, &subject, &options).await?))
}

/// Hashtag suggestions for an own account: tags whose posts (its own and the workspace's
/// tracked profiles') do better than the others, with the evidence of each.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/hashtags", tag = "intelligence", security(("bearer" = [])),
    params(("id" = Uuid, Path), HashtagQuery),
    responses((status = 200, body = HashtagSuggestions, content_type = "application/json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn account_hashtags(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashtagQuery>,
) -> Result<Json<HashtagSuggestions>> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    answer(&state, &ctx, subject, q).await
}

/// Hashtag suggestions for a tracked profile, from its posts and the workspace's other
/// tracked profiles'.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/hashtags", tag = "intelligence", security(("bearer" = [])),
    params(("id" = Uuid, Path), HashtagQuery),
    responses((status = 200, body = HashtagSuggestions, content_type = "application/json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn tracked_hashtags(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashtagQuery>,
) -> Result<Json<HashtagSuggestions>> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    answer(&state, &ctx, subject, q).await
}
