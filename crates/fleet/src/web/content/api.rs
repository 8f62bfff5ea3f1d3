//! The content pools' JSON API: images (multipart upload, list, metadata, bytes, removal) and
//! texts (bulk add, list, removal) of a persona's pool (`persona_id`) or of the workspace's
//! generic pool (no `persona_id`). Another workspace's persona, image or text is not found.
//! Reads need workspace read, changes workspace write; the workspace's plan must include the
//! fleet.

use axum::{
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Result,
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
    model::{image, text},
    service::content::{self as service, TextsInput, UPLOAD_BODY_MAX},
};

pub fn openapi_router() -> ApiRouter<AppState> {
    // The upload route alone takes bodies up to an image's 10 MB and its form fields.
    let (schemas, paths, upload) = routes!(upload_image);
    ApiRouter::new()
        .routes(routes!(list_images))
        .routes((
            schemas,
            paths,
            upload.layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX)),
        ))
        .routes(routes!(get_image, delete_image))
        .routes(routes!(image_file))
        .routes(routes!(list_texts, add_texts))
        .routes(routes!(delete_text))
}

/// An image of a content pool.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImage)]
pub struct ImageOut {
    pub id: Uuid,
    /// Its persona; `null`: the workspace's generic pool.
    pub persona_id: Option<Uuid>,
    /// `pfp`, `post`, `highlight`, `story` or `any`.
    pub kind: String,
    /// Read from the file's bytes: `image/png`, `image/jpeg`, `image/webp` or `image/gif`.
    pub mime: String,
    pub byte_size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub filename: String,
    pub caption: Option<String>,
    pub is_template: bool,
    /// -100..100; higher is used first.
    pub priority: i32,
    /// Times a step used it.
    pub usage_count: i64,
    /// Its bytes (`GET`, same credentials).
    pub file_url: String,
    pub created_at: DateTime<Utc>,
}

impl From<&image::Model> for ImageOut {
    fn from(i: &image::Model) -> Self {
        ImageOut {
            id: i.id,
            persona_id: i.persona_id,
            kind: i.kind.clone(),
            mime: i.mime.clone(),
            byte_size: i.byte_size,
            sha256: i.sha256.clone(),
            filename: i.filename.clone(),
            caption: i.text_content.clone(),
            is_template: i.is_template,
            priority: i.order_priority,
            usage_count: i.usage_count,
            file_url: format!("/api/v1/fleet/content/images/{}/file", i.id),
            created_at: i.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImageList)]
pub struct ImageList {
    /// In the order steps use them: priority, then least used, then oldest (at most 1,000).
    pub items: Vec<ImageOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    /// The persona whose pool; without it, the workspace's generic pool.
    pub persona_id: Option<Uuid>,
    /// Only this kind (images: `pfp`, `post`, `highlight`, `story`, `any`; texts: `bio`,
    /// `post`, `story`, `highlight`).
    pub kind: Option<String>,
}

fn kind_filter(kind: &Option<String>) -> Option<&str> {
    kind.as_deref().map(str::trim).filter(|k| !k.is_empty())
}

/// A pool's images.
#[utoipa::path(get, path = "/api/v1/fleet/content/images", tag = "fleet", security(("bearer" = [])), params(PoolQuery),
    responses((status = 200, body = ImageList), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_images(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PoolQuery>,
) -> Result<Json<ImageList>> {
    let rows = service::images(&state, &ctx, q.persona_id, kind_filter(&q.kind)).await?;
    Ok(Json(ImageList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// An image upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[schema(as = FleetImageUpload)]
#[allow(dead_code)]
pub struct ImageUploadForm {
    /// PNG, JPEG, WebP or GIF, up to 10 MB; the type is read from the bytes, not the name.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `pfp`, `post`, `highlight`, `story` or `any`.
    pub kind: String,
    /// The persona whose pool; leave out for the generic pool.
    pub persona_id: Option<Uuid>,
    /// Up to 2,200 characters.
    pub caption: Option<String>,
    /// -100..100 (default 0); higher is used first.
    pub priority: Option<i32>,
    /// `true` marks content meant to be reused as it is across accounts.
    pub is_template: Option<bool>,
}

/// Upload an image to a pool (409 when the pool keeps 1,000 already; 413 over 10 MB of body;
/// 422 for a file that is not a PNG, JPEG, WebP or GIF by its content, or over 10 MB).
#[utoipa::path(post, path = "/api/v1/fleet/content/images", tag = "fleet", security(("bearer" = [])),
    request_body(content = ImageUploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ImageOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_image(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let (upload, form) = super::read_upload(multipart).await?;
    let persona_id = match form.persona_id.trim() {
        "" => None,
        raw => Some(Uuid::parse_str(raw).map_err(|_| {
            Error::validation(
                "persona_id",
                "Not a persona id: leave it out for the generic pool",
            )
        })?),
    };
    let row = service::upload_image(&state, &ctx, persona_id, upload).await?;
    Ok((StatusCode::CREATED, Json(ImageOut::from(&row))).into_response())
}

/// An image's details.
#[utoipa::path(get, path = "/api/v1/fleet/content/images/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ImageOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ImageOut>> {
    let row = service::image(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&row).into()))
}

/// An image's bytes.
#[derive(Debug, ToSchema)]
#[schema(as = FleetImageBytes, value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ImageBytes(Vec<u8>);

/// An image's bytes, with its stored type (`X-Content-Type-Options: nosniff`).
#[utoipa::path(get, path = "/api/v1/fleet/content/images/{id}/file", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The image", content((ImageBytes = "image/png"), (ImageBytes = "image/jpeg"), (ImageBytes = "image/webp"), (ImageBytes = "image/gif"))),
        (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn image_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let (mime, bytes) = service::image_file(&state, &ctx, parse_id(&id)?).await?;
    Ok(super::image_response(mime, bytes))
}

/// Remove an image (and its bytes) from its pool.
#[utoipa::path(delete, path = "/api/v1/fleet/content/images/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete_image(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A text of a pool.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetText)]
pub struct TextOut {
    pub id: Uuid,
    /// Its persona; `null`: the workspace's generic pool.
    pub persona_id: Option<Uuid>,
    /// `bio`, `post`, `story` or `highlight`.
    pub kind: String,
    pub text: String,
    /// Times a step used it.
    pub usage_count: i64,
    pub is_template: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&text::Model> for TextOut {
    fn from(t: &text::Model) -> Self {
        TextOut {
            id: t.id,
            persona_id: t.persona_id,
            kind: t.kind.clone(),
            text: t.text_content.clone(),
            usage_count: t.usage_count,
            is_template: t.is_template,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetTextList)]
pub struct TextList {
    /// By kind, then least used first (at most 10,000).
    pub items: Vec<TextOut>,
}

/// A pool's texts.
#[utoipa::path(get, path = "/api/v1/fleet/content/texts", tag = "fleet", security(("bearer" = [])), params(PoolQuery),
    responses((status = 200, body = TextList), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_texts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PoolQuery>,
) -> Result<Json<TextList>> {
    let rows = service::texts(&state, &ctx, q.persona_id, kind_filter(&q.kind)).await?;
    Ok(Json(TextList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// Texts to add to a pool, all of one kind.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = FleetTextsIn)]
#[serde(deny_unknown_fields)]
pub struct TextsIn {
    /// The persona whose pool; leave out for the generic pool.
    #[serde(default)]
    pub persona_id: Option<Uuid>,
    /// `bio` (up to 150 characters), `post` (2,200), `story` (2,200) or `highlight` (100).
    pub kind: String,
    /// 1–1,000 texts; blank ones are skipped, one too long refuses the request.
    pub texts: Vec<String>,
    #[serde(default)]
    pub is_template: bool,
}

/// Add texts to a pool (all or none; 409 when the pool would keep more than 10,000).
#[utoipa::path(post, path = "/api/v1/fleet/content/texts", tag = "fleet", security(("bearer" = [])), request_body = TextsIn,
    responses((status = 201, body = TextList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn add_texts(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<TextsIn>,
) -> Result<Response> {
    let rows = service::add_texts(
        &state,
        &ctx,
        body.persona_id,
        TextsInput {
            kind: body.kind,
            texts: body.texts,
            is_template: body.is_template,
        },
        "texts",
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TextList {
            items: rows.iter().map(Into::into).collect(),
        }),
    )
        .into_response())
}

/// Remove a text from its pool.
#[utoipa::path(delete, path = "/api/v1/fleet/content/texts/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_text(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete_text(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
