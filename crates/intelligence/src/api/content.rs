//! The content engine's JSON API, for own accounts: the brand voice, asking the AI for a
//! caption, hashtag set, week of post ideas or bio (202 with the AI text, followed at its
//! `stream_url`), and the content library (keep, list, change, remove, schedule into the
//! planner). Another workspace's account or item is not found; a tracked profile has no
//! studio (404).

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    error::Problem,
    http::extract::{Json, Path},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::content::content_item,
    service::{
        content::{
            self, Request,
            library::{self, ItemInput},
            voice::{self, Voice},
        },
        planner::SubjectKey,
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(get_voice, put_voice))
        .routes(routes!(ask))
        .routes(routes!(list_items, keep_item))
        .routes(routes!(get_item, put_item, delete_item))
        .routes(routes!(schedule_item))
}

async fn own(state: &AppState, ctx: &Ctx, id: &str) -> Result<(Subject, SubjectKey)> {
    let subject = Subject::account(state, ctx, parse_id(id)?).await?;
    content::own_account(&subject)?;
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    Ok((subject, key))
}

/// The account's brand voice (defaults until saved).
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/brand-voice", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Voice), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_voice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Voice>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (_, key) = own(&state, &ctx, &id).await?;
    Ok(Json(voice::of(&state.db, &key).await?))
}

/// Sets the account's brand voice.
#[utoipa::path(put, path = "/api/v1/instagram/accounts/{id}/brand-voice", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = Voice, content_type = "application/json"),
    responses((status = 200, body = Voice), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn put_voice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<Voice>,
) -> Result<Json<Voice>> {
    let (_, key) = own(&state, &ctx, &id).await?;
    Ok(Json(voice::save(&state.db, &ctx, &key, &body).await?))
}

/// Asks the AI for a caption, hashtag set (ranked from the lift suggestions only), week of
/// post ideas or bio rewrite, grounded in the account's data. 202: the text is being written;
/// follow `stream_url`, or read the generation until `status` is `done`. Credits are held now
/// and taken only if it succeeds.
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/content", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = Request, content_type = "application/json"),
    responses((status = 202, body = ai::generation::Generation), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem, description = "credits or the monthly AI budget do not cover it"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem, description = "AI is not configured, refused the key, or is unreachable")))]
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<Request>,
) -> Result<Response> {
    let (subject, _) = own(&state, &ctx, &id).await?;
    let g = content::request(&state, &ctx, &subject, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ai::generation::Generation::from(&g)),
    )
        .into_response())
}

/// A kept text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentItem {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Written by an AI model (kept from an AI text).
    pub ai_written: bool,
    /// Changed by a person after the AI wrote it.
    pub edited: bool,
    pub ai_generation_id: Option<Uuid>,
    /// The planned post it was scheduled as.
    pub calendar_item_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<content_item::Model> for ContentItem {
    fn from(m: content_item::Model) -> Self {
        ContentItem {
            id: m.id,
            account_id: m.subject_id,
            kind: m.kind,
            title: m.title,
            body: m.body,
            ai_written: m.ai_written,
            edited: m.edited,
            ai_generation_id: m.ai_generation_id,
            calendar_item_id: m.calendar_item_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentItemList {
    /// Newest first (at most 200).
    pub items: Vec<ContentItem>,
}

/// The account's content library.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/content-library", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ContentItemList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_items(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ContentItemList>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (_, key) = own(&state, &ctx, &id).await?;
    Ok(Json(ContentItemList {
        items: library::list(&state.db, &key)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// Keeps a text (from an AI text with `generation_id`, or written by hand).
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/content-library", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = ItemInput, content_type = "application/json"),
    responses((status = 201, body = ContentItem), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn keep_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<ItemInput>,
) -> Result<Response> {
    let (subject, key) = own(&state, &ctx, &id).await?;
    let row = library::keep(&state, &ctx, &key, &content::reference(&subject), &body).await?;
    Ok((StatusCode::CREATED, Json(ContentItem::from(row))).into_response())
}

/// One kept text.
#[utoipa::path(get, path = "/api/v1/content-library/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ContentItem), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ContentItem>> {
    ctx.require(Permission::WorkspaceRead)?;
    let row = library::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContentItemChange {
    #[serde(default)]
    pub title: String,
    pub body: String,
}

/// Changes a kept text (an AI-written one is then marked edited).
#[utoipa::path(put, path = "/api/v1/content-library/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = ContentItemChange, content_type = "application/json"),
    responses((status = 200, body = ContentItem), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn put_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<ContentItemChange>,
) -> Result<Json<ContentItem>> {
    let row = library::update(&state.db, &ctx, parse_id(&id)?, &body.title, &body.body).await?;
    Ok(Json(row.into()))
}

/// Removes a kept text (a planned post made from it stays on the calendar).
#[utoipa::path(delete, path = "/api/v1/content-library/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "removed"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    library::delete(&state.db, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContentSchedule {
    /// When it goes out (UTC), within a year back and five years ahead.
    pub slot_at: DateTime<Utc>,
    /// `reel`, `carousel`, `image` or `story`.
    pub media_type: String,
}

/// Schedules a kept text into the planner's calendar as a planned post.
#[utoipa::path(post, path = "/api/v1/content-library/{id}/schedule", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = ContentSchedule, content_type = "application/json"),
    responses((status = 200, body = ContentItem), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<ContentSchedule>,
) -> Result<Json<ContentItem>> {
    let row = library::schedule(
        &state.db,
        &ctx,
        parse_id(&id)?,
        Some(body.slot_at),
        &body.media_type,
    )
    .await?;
    Ok(Json(row.into()))
}
