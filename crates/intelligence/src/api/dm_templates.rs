//! The DM templates' JSON API: the workspace's templates (list, filter by category, create,
//! read, change, remove), a preview filled in with given values, counting a use, and AI drafts
//! from a short brief (202 with the AI feature's generation: follow its `stream_url`, then
//! keep the text with `POST /api/v1/dm-templates` and `ai_generation_id`). Another workspace's
//! template or draft is not found. Reads need workspace read, changes workspace write.

use std::collections::HashMap;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::dm_templates::template,
    service::dm_templates::{self as service, Category, DraftInput, TemplateInput, Variable},
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
        .routes(routes!(preview_template))
        .routes(routes!(use_template))
        .routes(routes!(draft_template))
}

/// A custom variable and its default.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DmTemplateVariable {
    /// `[a-z_][a-z0-9_]{0,31}`, not `first_name` or `ig_username` (built in).
    pub name: String,
    /// 1–100 characters, one line.
    pub default: String,
}

impl From<Variable> for DmTemplateVariable {
    fn from(v: Variable) -> Self {
        DmTemplateVariable {
            name: v.name,
            default: v.default,
        }
    }
}

impl From<DmTemplateVariable> for Variable {
    fn from(v: DmTemplateVariable) -> Self {
        Variable {
            name: v.name,
            default: v.default,
        }
    }
}

/// A DM template.
#[derive(Debug, Serialize, ToSchema)]
pub struct DmTemplateOut {
    pub id: Uuid,
    pub name: String,
    /// `greeting`, `follow_up`, `collaboration`, `sales`, `support` or `other`.
    pub category: String,
    /// The message, with `{first_name}`, `{ig_username}` and the custom variables.
    pub body: String,
    pub variables: Vec<DmTemplateVariable>,
    /// Placeholders in the body that are neither built in nor custom variables: they stay
    /// as written when filled in.
    pub unknown_variables: Vec<String>,
    /// Times copied from a page or counted with `POST …/uses`.
    pub usage_count: i64,
    pub last_used_at: Option<DateTime<Utc>>,
    /// True when the template was kept from an AI draft (edits included).
    pub ai_written: bool,
    /// The AI draft it was kept from.
    pub ai_generation_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&template::Model> for DmTemplateOut {
    fn from(t: &template::Model) -> Self {
        DmTemplateOut {
            id: t.id,
            name: t.name.clone(),
            category: t.category.clone(),
            body: t.body.clone(),
            variables: service::variables_of(t)
                .into_iter()
                .map(Into::into)
                .collect(),
            unknown_variables: service::fill(t, &HashMap::new()).unknown,
            usage_count: t.usage_count,
            last_used_at: t.last_used_at,
            ai_written: service::is_ai_written(t),
            ai_generation_id: t.ai_generation_id,
            created_by: t.created_by,
            updated_by: t.updated_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DmTemplateList {
    /// By name; every template of the workspace (at most 500), or of the category asked for.
    pub items: Vec<DmTemplateOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DmTemplateFilter {
    /// Only this category.
    pub category: Option<String>,
}

/// A template as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DmTemplateIn {
    /// 1–120 characters, one line, unique in the workspace (any case).
    pub name: String,
    /// `greeting`, `follow_up`, `collaboration`, `sales`, `support` or `other`.
    pub category: String,
    /// 1–1,000 characters (Instagram's limit for a direct message).
    pub body: String,
    /// Up to 10.
    #[serde(default)]
    pub variables: Vec<DmTemplateVariable>,
}

/// A new template; `ai_generation_id` keeps a finished AI draft (its text may be edited).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DmTemplateCreate {
    /// 1–120 characters, one line, unique in the workspace (any case).
    pub name: String,
    /// `greeting`, `follow_up`, `collaboration`, `sales`, `support` or `other`.
    pub category: String,
    /// 1–1,000 characters (Instagram's limit for a direct message).
    pub body: String,
    /// Up to 10.
    #[serde(default)]
    pub variables: Vec<DmTemplateVariable>,
    /// A finished draft of `POST /api/v1/dm-templates/drafts` of this workspace.
    #[serde(default)]
    pub ai_generation_id: Option<Uuid>,
}

impl From<DmTemplateIn> for TemplateInput {
    fn from(t: DmTemplateIn) -> Self {
        TemplateInput {
            name: t.name,
            category: t.category,
            body: t.body,
            variables: t.variables.into_iter().map(Into::into).collect(),
        }
    }
}

fn category_filter(raw: Option<&str>) -> Result<Option<Category>> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => Category::parse(c).map(Some).ok_or_else(|| {
            platform::Error::validation(
                "category",
                "Choose a category: greeting, follow_up, collaboration, sales, support or other",
            )
        }),
    }
}

/// The workspace's DM templates, by name.
#[utoipa::path(get, path = "/api/v1/dm-templates", tag = "intelligence", security(("bearer" = [])), params(DmTemplateFilter),
    responses((status = 200, body = DmTemplateList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<DmTemplateFilter>,
) -> Result<Json<DmTemplateList>> {
    let category = category_filter(filter.category.as_deref())?;
    let rows = service::list(&state, &ctx, category).await?;
    Ok(Json(DmTemplateList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// Create a DM template (409 when the workspace keeps 500 already).
#[utoipa::path(post, path = "/api/v1/dm-templates", tag = "intelligence", security(("bearer" = [])), request_body = DmTemplateCreate,
    responses((status = 201, body = DmTemplateOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<DmTemplateCreate>,
) -> Result<Response> {
    let input = DmTemplateIn {
        name: body.name,
        category: body.category,
        body: body.body,
        variables: body.variables,
    };
    let row = service::create(&state, &ctx, input.into(), body.ai_generation_id).await?;
    Ok((StatusCode::CREATED, Json(DmTemplateOut::from(&row))).into_response())
}

/// A DM template.
#[utoipa::path(get, path = "/api/v1/dm-templates/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DmTemplateOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DmTemplateOut>> {
    let row = service::get(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&row).into()))
}

/// Change a DM template's name, category, message and variables.
#[utoipa::path(put, path = "/api/v1/dm-templates/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DmTemplateIn,
    responses((status = 200, body = DmTemplateOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn update_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DmTemplateIn>,
) -> Result<Json<DmTemplateOut>> {
    let row = service::update(&state, &ctx, parse_id(&id)?, body.into()).await?;
    Ok(Json((&row).into()))
}

/// Remove a DM template.
#[utoipa::path(delete, path = "/api/v1/dm-templates/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Values to fill a template in with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DmTemplatePreviewIn {
    /// By variable name (`first_name`, `ig_username`, custom ones); a missing or blank value
    /// takes the default (the built-ins: a sample).
    #[serde(default)]
    pub values: HashMap<String, String>,
}

/// A template filled in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DmTemplatePreview {
    pub text: String,
    pub characters: usize,
    /// Longer than the 1,000 characters Instagram accepts in a direct message.
    pub too_long: bool,
    /// Placeholders left as written: no variable of that name.
    pub unknown_variables: Vec<String>,
}

/// Fill a template in with sample or given values (nothing is stored or counted).
#[utoipa::path(post, path = "/api/v1/dm-templates/{id}/preview", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DmTemplatePreviewIn,
    responses((status = 200, body = DmTemplatePreview), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn preview_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DmTemplatePreviewIn>,
) -> Result<Json<DmTemplatePreview>> {
    let row = service::get(&state, &ctx, parse_id(&id)?).await?;
    let r = service::fill(&row, &body.values);
    Ok(Json(DmTemplatePreview {
        too_long: r.too_long(),
        characters: r.chars,
        unknown_variables: r.unknown,
        text: r.text,
    }))
}

/// How often a template was used.
#[derive(Debug, Serialize, ToSchema)]
pub struct DmTemplateUses {
    pub id: Uuid,
    pub usage_count: i64,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Count one use of a template (one message sent with it).
#[utoipa::path(post, path = "/api/v1/dm-templates/{id}/uses", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DmTemplateUses), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn use_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DmTemplateUses>> {
    let row = service::record_use(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(DmTemplateUses {
        id: row.id,
        usage_count: row.usage_count,
        last_used_at: row.last_used_at,
    }))
}

/// What the AI draft is about.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DmTemplateDraftIn {
    /// 1–500 characters: who receives it and what it should achieve. Sent to the model as
    /// data, never as instructions.
    pub brief: String,
    /// `greeting`, `follow_up`, `collaboration`, `sales`, `support` or `other`.
    pub category: String,
}

/// Draft a template with AI from a short brief (metered: charged in credits when written).
/// Answers 202 with the generation: follow `stream_url` (server-sent events) or read
/// `GET /api/v1/ai/generations/{id}` until `status` is `done`, then keep the text with
/// `POST /api/v1/dm-templates` and its `ai_generation_id`. Refusals come from the AI feature:
/// 402 `ai-budget-exhausted` or `insufficient-credits`, 503 `ai-not-configured`,
/// `ai-key-refused`, `ai-model-unknown` or `ai-no-model`.
#[utoipa::path(post, path = "/api/v1/dm-templates/drafts", tag = "intelligence", security(("bearer" = [])), request_body = DmTemplateDraftIn,
    responses((status = 202, body = ai::generation::Generation), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn draft_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<DmTemplateDraftIn>,
) -> Result<Response> {
    let g = service::start_draft(
        &state,
        &ctx,
        &DraftInput {
            brief: body.brief,
            category: body.category,
        },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ai::generation::Generation::from(&g)),
    )
        .into_response())
}
