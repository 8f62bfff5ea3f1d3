//! `/api/v1/notes`: keep, read and remove the workspace's notes. Reading needs the workspace
//! read permission, writing the write permission (a read-only token writes nothing); another
//! workspace's note is not found.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
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

use crate::note;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(show, remove))
}

/// A note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteOut {
    pub id: Uuid,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<note::Model> for NoteOut {
    fn from(n: note::Model) -> Self {
        NoteOut {
            id: n.id,
            text: n.text,
            created_at: n.created_at,
        }
    }
}

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteIn {
    /// 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// Keep a note.
#[utoipa::path(post, path = "/api/v1/notes", tag = "notes", security(("bearer" = [])), request_body = NoteIn,
    responses((status = 201, body = NoteOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<NoteIn>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = crate::create(&state.db, &Scope::of(&ctx)?, &req.text).await?;
    Ok((StatusCode::CREATED, Json(NoteOut::from(row))).into_response())
}

/// Read a note.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = NoteOut), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<NoteOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let row = crate::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    Ok(Json(row.into()))
}

/// Remove a note.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    ctx.require(Permission::WorkspaceWrite)?;
    crate::delete_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
