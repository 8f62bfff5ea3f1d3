//! The AI JSON API: a workspace's AI settings (budget, model), the models it may use, its
//! usage this month, and its AI-written texts — read whole, or followed as server-sent events
//! while written. Another workspace's text is not found.

use axum::{extract::State, response::Response};
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    error::Problem,
    http::extract::{Json, Path},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::{
    budget::{self, Input, Settings},
    features::AiFeature,
    generation::{self, Generation},
    meter::{self, Figures},
    model::call,
    models::{self, ModelPrice},
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_models))
        .routes(routes!(usage))
        .routes(routes!(get_generation))
        .routes(routes!(stream_generation))
}

/// The workspace's AI settings and this month's spending.
#[utoipa::path(get, path = "/api/v1/ai/settings", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_settings(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Settings>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(Json(budget::of(&state.db, &Scope::of(&ctx)?).await?))
}

/// Sets the monthly AI budget (credits; null for no cap) and the model (an enabled one; null
/// for the server's default). Owners and admins.
#[utoipa::path(put, path = "/api/v1/ai/settings", tag = "ai", security(("bearer" = [])),
    request_body(content = Input, content_type = "application/json"),
    responses((status = 200, body = Settings), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<Input>,
) -> Result<Json<Settings>> {
    Ok(Json(budget::save(&state, &ctx, &input).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiModelList {
    /// The models staff enabled, with their prices per million tokens.
    pub items: Vec<ModelPrice>,
    /// The server's default model.
    pub default_model: Option<String>,
}

/// The models this workspace may choose.
#[utoipa::path(get, path = "/api/v1/ai/models", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = AiModelList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_models(State(state): State<AppState>, ctx: Ctx) -> Result<Json<AiModelList>> {
    ctx.require(Permission::WorkspaceRead)?;
    Scope::of(&ctx)?;
    Ok(Json(AiModelList {
        items: models::enabled(&state.db).await?,
        default_model: state
            .settings
            .get(platform::settings::DEFAULT_AI_MODEL)
            .await,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiFeatureUsage {
    pub feature: String,
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiUsage {
    /// The first instant of the month counted (UTC).
    pub since: chrono::DateTime<chrono::Utc>,
    pub total: Figures,
    pub by_feature: Vec<AiFeatureUsage>,
    /// The monthly budget in credits, if set.
    pub monthly_credits: Option<i64>,
}

/// This month's AI calls of the workspace: requests, tokens, estimated cost and credits, in
/// total and by feature.
#[utoipa::path(get, path = "/api/v1/ai/usage", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = AiUsage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn usage(State(state): State<AppState>, ctx: Ctx) -> Result<Json<AiUsage>> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(&ctx)?;
    let since = meter::month_start(chrono::Utc::now());
    let ws = Some(scope.workspace_id());
    let by_feature = meter::grouped::<String>(&state.db, ws, since, call::Column::Feature, 50)
        .await?
        .into_iter()
        .map(|(k, figures)| {
            let feature = k.unwrap_or_default();
            AiFeatureUsage {
                label: AiFeature::label_of(&feature).into(),
                feature,
                figures,
            }
        })
        .collect();
    Ok(Json(AiUsage {
        since,
        total: meter::total(&state.db, ws, since).await?,
        by_feature,
        monthly_credits: budget::of(&state.db, &scope).await?.monthly_credits,
    }))
}

/// An AI-written text (`running` while written; `ai_written` is always true).
#[utoipa::path(get, path = "/api/v1/ai/generations/{id}", tag = "ai", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Generation), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_generation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Generation>> {
    ctx.require(Permission::WorkspaceRead)?;
    let g = generation::find_in(&state, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    Ok(Json(Generation::from(&g)))
}

/// Follows an AI-written text as server-sent events: `text` events (`{"text": …}`, append
/// them in order), then one `done` event with the generation (its status says whether it
/// failed). A finished text answers `done` at once.
#[utoipa::path(get, path = "/api/v1/ai/generations/{id}/stream", tag = "ai", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "text/event-stream", body = String, description = "`text` events, then `done` with the generation"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn stream_generation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    crate::web::stream::api_events(&state, &Scope::of(&ctx)?, parse_id(&id)?).await
}
