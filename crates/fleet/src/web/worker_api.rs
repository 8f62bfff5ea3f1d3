//! The worker API (`/api/bot/*`, the requirement's exact paths): what an automation worker
//! calls. A worker authenticates with its own bearer token (`gdw_…`, created on the Workers
//! page); `{bot_id}` must be that worker's id. Everything it sees is its own workspace's.
//!
//! Loop: `GET next-task/{bot_id}` (200 with a task under a lease, or 204), do the step on the
//! phone, `PUT heartbeat/{bot_id}` while working to keep the lease, then `POST step-complete`
//! or `POST step-failed`. A late answer (lease expired, the task went to another worker) is a
//! 409 and changes nothing. See `docs/fleet.md` for a complete example worker.

use axum::{
    extract::{FromRequestParts, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use platform::{
    AppState, Error, Result, Scope,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::model::worker;
use crate::service::{
    access, tasks,
    tasks::view::{self, FleetWorkerContent, FleetWorkerTask},
    workers,
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(next_task))
        .routes(routes!(account_content))
        .routes(routes!(image_bytes))
        .routes(routes!(step_complete))
        .routes(routes!(step_failed))
        .routes(routes!(heartbeat))
}

/// The worker behind the request's bearer token (and its workspace, whose plan must include
/// the fleet). A missing, unknown or revoked token is a 401.
pub struct WorkerAuth {
    pub worker: worker::Model,
    pub scope: Scope,
}

impl FromRequestParts<AppState> for WorkerAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_string())
            .ok_or(Error::Unauthorized)?;
        let worker = workers::by_token(&state.db, &token)
            .await?
            .ok_or(Error::Unauthorized)?;
        let scope = access::worker(state, Scope::for_worker(worker.workspace_id)).await?;
        Ok(WorkerAuth { worker, scope })
    }
}

impl WorkerAuth {
    /// The path's `{bot_id}` must be this worker: another worker's id is not found.
    fn is(&self, bot_id: &str) -> Result<()> {
        match Uuid::parse_str(bot_id) {
            Ok(id) if id == self.worker.id => Ok(()),
            _ => Err(Error::NotFound),
        }
    }
}

/// Claim the next due task for this worker: 200 with the task under a lease, 204 when nothing
/// is due. A task is never handed to two workers.
#[utoipa::path(get, path = "/api/bot/next-task/{bot_id}", tag = "fleet-worker", security(("bearer" = [])),
    params(("bot_id" = String, Path, description = "The worker's id (its token's worker)")),
    responses((status = 200, body = FleetWorkerTask), (status = 204, description = "Nothing is due"),
        (status = 401, body = Problem), (status = 402, body = Problem), (status = 404, body = Problem)))]
pub async fn next_task(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Path(bot_id): Path<String>,
) -> Result<Response> {
    auth.is(&bot_id)?;
    let claimant = workers::claimant(&auth.worker, None);
    match tasks::claim(&state.db, &auth.scope, None, &claimant).await? {
        Some(c) => {
            workers::seen(&state.db, &auth.worker).await?;
            let task = view::build(&state, &c.task, &c.account, c.proxy.as_ref())?;
            Ok(Json(task).into_response())
        }
        None => {
            workers::seen(&state.db, &auth.worker).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FleetContentQuery {
    /// The warm-up step number (1-based).
    #[param(minimum = 1, maximum = 12)]
    pub step: i64,
}

/// The content chosen for a step of an account (chosen when its task was claimed).
#[utoipa::path(get, path = "/api/bot/account/{id}/content", tag = "fleet-worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account"), FleetContentQuery),
    responses((status = 200, body = FleetWorkerContent), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn account_content(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Path(id): Path<Uuid>,
    Query(q): Query<FleetContentQuery>,
) -> Result<Json<FleetWorkerContent>> {
    if !(1..=12).contains(&q.step) {
        return Err(Error::validation("step", "A step number from 1 to 12"));
    }
    let content = view::content_for_step(&state.db, &auth.scope, id, q.step as i32).await?;
    Ok(Json(content))
}

/// An image of the workspace's content pools, as bytes.
#[utoipa::path(get, path = "/api/bot/images/{content_id}", tag = "fleet-worker", security(("bearer" = [])),
    params(("content_id" = Uuid, Path, description = "The image")),
    responses((status = 200, description = "The image", content(
        (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/gif"))),
        (status = 401, body = Problem), (status = 402, body = Problem), (status = 404, body = Problem)))]
pub async fn image_bytes(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Path(content_id): Path<Uuid>,
) -> Result<Response> {
    let (mime, bytes) =
        crate::service::content::pick::image_bytes(&state.db, &auth.scope, content_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

const JSON_MAX: usize = 16 * 1024;

fn bounded_json(field: &str, v: Option<serde_json::Value>) -> Result<Option<serde_json::Value>> {
    match v {
        Some(v)
            if serde_json::to_string(&v)
                .map(|s| s.len())
                .unwrap_or(usize::MAX)
                > JSON_MAX =>
        {
            Err(Error::validation(field, "At most 16 KB of JSON"))
        }
        v => Ok(v),
    }
}

/// A step done.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetStepComplete {
    pub task_id: Uuid,
    /// 0 to 86,400,000 (a day).
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub execution_time_ms: i64,
    /// What Instagram answered, if the worker kept it (at most 16 KB of JSON).
    #[serde(default)]
    pub instagram_response: Option<serde_json::Value>,
    /// The worker's session on the phone, for the step log (at most 100 characters).
    #[serde(default)]
    pub session_id: Option<String>,
}

fn check_time(ms: i64) -> Result<i64> {
    if (0..=86_400_000).contains(&ms) {
        Ok(ms)
    } else {
        Err(Error::validation(
            "execution_time_ms",
            "From 0 to 86,400,000 milliseconds",
        ))
    }
}

fn check_session(s: Option<String>) -> Result<Option<String>> {
    match s {
        Some(s) if s.chars().count() > 100 => {
            Err(Error::validation("session_id", "At most 100 characters"))
        }
        s => Ok(s),
    }
}

/// Report a claimed step as done: the account moves on (the next step is queued for its day;
/// after the last one the account is ready). 409 when the task is no longer this worker's.
#[utoipa::path(post, path = "/api/bot/step-complete", tag = "fleet-worker", security(("bearer" = [])),
    request_body = FleetStepComplete,
    responses((status = 200, body = tasks::Outcome), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn step_complete(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Json(body): Json<FleetStepComplete>,
) -> Result<Json<tasks::Outcome>> {
    let done = tasks::Done {
        execution_time_ms: Some(check_time(body.execution_time_ms)?),
        instagram_response: bounded_json("instagram_response", body.instagram_response)?,
    };
    let session = check_session(body.session_id)?;
    let outcome = tasks::complete(
        &state.db,
        &auth.scope,
        body.task_id,
        &workers::claimant(&auth.worker, session),
        done,
    )
    .await?;
    workers::seen(&state.db, &auth.worker).await?;
    Ok(Json(outcome))
}

/// A step failed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetStepFailed {
    pub task_id: Uuid,
    /// 1–2,000 characters.
    pub error_message: String,
    /// At most 16 KB of JSON (a stack trace, a screenshot's name, …).
    #[serde(default)]
    pub error_details: Option<serde_json::Value>,
    /// Whether trying again later may work (a timeout) or a person must look (a checkpoint).
    pub retryable: bool,
    #[serde(default)]
    pub execution_time_ms: Option<i64>,
    #[serde(default)]
    pub session_id: Option<String>,
}

/// Report a claimed step as failed: retried after a backoff while retries remain (and the
/// failure is retryable), otherwise the account needs review. 409 when the task is no longer
/// this worker's.
#[utoipa::path(post, path = "/api/bot/step-failed", tag = "fleet-worker", security(("bearer" = [])),
    request_body = FleetStepFailed,
    responses((status = 200, body = tasks::Outcome), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn step_failed(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Json(body): Json<FleetStepFailed>,
) -> Result<Json<tasks::Outcome>> {
    let message = body.error_message.trim().to_string();
    if message.is_empty() || message.chars().count() > 2000 {
        return Err(Error::validation(
            "error_message",
            "An error message of 1–2,000 characters",
        ));
    }
    if let Some(ms) = body.execution_time_ms {
        check_time(ms)?;
    }
    let session = check_session(body.session_id)?;
    let failed = tasks::Failed {
        error_message: message,
        error_details: bounded_json("error_details", body.error_details)?,
        retryable: body.retryable,
    };
    let outcome = tasks::fail(
        &state.db,
        &auth.scope,
        body.task_id,
        &workers::claimant(&auth.worker, session),
        failed,
    )
    .await?;
    workers::seen(&state.db, &auth.worker).await?;
    Ok(Json(outcome))
}

/// A worker's heartbeat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetHeartbeat {
    /// `idle`, `busy`, … (1–24 letters, digits, `_` or `-`).
    pub status: String,
    /// The task the worker is on: its lease is extended.
    #[serde(default)]
    pub current_task_id: Option<Uuid>,
}

/// Record that the worker is alive; extends the lease of its current task (409 when that task
/// is no longer its own: the lease expired and it went back to the queue).
#[utoipa::path(put, path = "/api/bot/heartbeat/{bot_id}", tag = "fleet-worker", security(("bearer" = [])),
    params(("bot_id" = String, Path, description = "The worker's id")),
    request_body = FleetHeartbeat,
    responses((status = 200, body = workers::Beat), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn heartbeat(
    State(state): State<AppState>,
    auth: WorkerAuth,
    Path(bot_id): Path<String>,
    Json(body): Json<FleetHeartbeat>,
) -> Result<Json<workers::Beat>> {
    auth.is(&bot_id)?;
    Ok(Json(
        workers::heartbeat(
            &state.db,
            &auth.scope,
            &auth.worker,
            &body.status,
            body.current_task_id,
        )
        .await?,
    ))
}
