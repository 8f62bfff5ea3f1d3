//! The fleet's JSON API for people and their programs (`/api/v1/fleet/…`): accounts with their
//! step log and timeline, review actions (one account or many), workers, and settings. The
//! worker API itself is [`super::worker_api`].

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Result,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::model::{account, event, task, worker};
use crate::service::{
    access, accounts,
    lifecycle::{Actor, State as Lifecycle},
    settings,
    tasks::review,
    workers,
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(get_account))
        .routes(routes!(review_account))
        .routes(routes!(review_accounts))
        .routes(routes!(list_workers, create_worker))
        .routes(routes!(revoke_worker))
        .routes(routes!(get_settings, put_settings))
}

/// A managed account (passwords are never returned here; see the audited reveal).
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetAccount {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    /// `imported`, `proxy_assigned`, `warming_up`, `human_review`, `ready`, `active`, `cleanup`.
    pub state: String,
    pub warmup_step: Option<i32>,
    pub warmup_started_at: Option<DateTime<Utc>>,
    pub warmup_completed_at: Option<DateTime<Utc>>,
    pub persona_id: Option<Uuid>,
    pub proxy_id: Option<Uuid>,
    pub requires_human_review: bool,
    pub last_error_message: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub retry_count: i32,
    pub last_worker_action_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&account::Model> for FleetAccount {
    fn from(a: &account::Model) -> Self {
        FleetAccount {
            id: a.id,
            username: a.username.clone(),
            email: a.email.clone(),
            state: a.state.clone(),
            warmup_step: a.warmup_step,
            warmup_started_at: a.warmup_started_at,
            warmup_completed_at: a.warmup_completed_at,
            persona_id: a.persona_id,
            proxy_id: a.proxy_id,
            requires_human_review: a.requires_human_review,
            last_error_message: a.last_error_message.clone(),
            last_error_at: a.last_error_at,
            retry_count: a.retry_count,
            last_worker_action_at: a.last_worker_action_at,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetAccountList {
    pub items: Vec<FleetAccount>,
    /// Pass as `offset` for the next page; `null` at the end.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FleetAccountFilter {
    /// Only accounts in this state.
    pub state: Option<String>,
    /// Usernames starting with this (at most 30 characters).
    pub q: Option<String>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// The workspace's managed accounts, newest first.
#[utoipa::path(get, path = "/api/v1/fleet/accounts", tag = "fleet", security(("bearer" = [])), params(FleetAccountFilter),
    responses((status = 200, body = FleetAccountList), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<FleetAccountFilter>,
) -> Result<Json<FleetAccountList>> {
    let scope = access::read(&state, &ctx).await?;
    let offset = f.offset.unwrap_or(0);
    let limit = f.limit.unwrap_or(50);
    if offset > 1_000_000 {
        return Err(Error::validation("offset", "From 0 to 1,000,000"));
    }
    if !(1..=200).contains(&limit) {
        return Err(Error::validation("limit", "From 1 to 200"));
    }
    let filter = match f.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Lifecycle::parse(s)
                .ok_or_else(|| Error::validation("state", "Not a lifecycle state"))?
                .as_str(),
        ),
    };
    let q = f.q.unwrap_or_default();
    if q.chars().count() > 30 {
        return Err(Error::validation("q", "At most 30 characters"));
    }
    let mut rows = accounts::list(&state.db, &scope, filter, &q, offset, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok(Json(FleetAccountList {
        items: rows.iter().map(Into::into).collect(),
        next_offset: more.then_some(offset + limit),
    }))
}

/// One attempt of a step (the step log).
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetStepLog {
    pub id: Uuid,
    /// `warmup` or `cleanup`.
    pub kind: String,
    pub step_number: i32,
    pub step_name: String,
    /// `pending`, `in_progress`, `completed`, `failed`, `requires_review`, `skipped`, `cancelled`.
    pub status: String,
    pub due_at: DateTime<Utc>,
    pub retry_count: i32,
    pub worker_id: Option<Uuid>,
    pub worker_session_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub content_used: Option<serde_json::Value>,
    pub error_message: Option<String>,
    pub error_details: Option<serde_json::Value>,
    pub execution_time_ms: Option<i64>,
    pub instagram_response: Option<serde_json::Value>,
}

impl From<&task::Model> for FleetStepLog {
    fn from(t: &task::Model) -> Self {
        FleetStepLog {
            id: t.id,
            kind: t.kind.clone(),
            step_number: t.step_number,
            step_name: t.step_name.clone(),
            status: t.status.clone(),
            due_at: t.due_at,
            retry_count: t.retry_count,
            worker_id: t.worker_id,
            worker_session_id: t.worker_session_id.clone(),
            started_at: t.started_at,
            completed_at: t.completed_at,
            content_used: t.content_used.clone(),
            error_message: t.error_message.clone(),
            error_details: t.error_details.clone(),
            execution_time_ms: t.execution_time_ms,
            instagram_response: t.instagram_response.clone(),
        }
    }
}

/// A timeline row.
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetTimelineEntry {
    pub at: DateTime<Utc>,
    /// `transition`, `step`, `proxy`, `reveal`, `credentials`, `persona`.
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// `user`, `worker` or `system`.
    pub actor_kind: String,
    pub actor: String,
    pub reason: String,
}

impl From<&event::Model> for FleetTimelineEntry {
    fn from(e: &event::Model) -> Self {
        FleetTimelineEntry {
            at: e.at,
            kind: e.kind.clone(),
            from_state: e.from_state.clone(),
            to_state: e.to_state.clone(),
            actor_kind: e.actor_kind.clone(),
            actor: e.actor_label.clone(),
            reason: e.reason.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetAccountDetail {
    pub account: FleetAccount,
    pub steps: Vec<FleetStepLog>,
    /// Newest first (at most 200).
    pub timeline: Vec<FleetTimelineEntry>,
}

/// An account with its step log and timeline.
#[utoipa::path(get, path = "/api/v1/fleet/accounts/{id}", tag = "fleet", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses((status = 200, body = FleetAccountDetail), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<Json<FleetAccountDetail>> {
    let d = accounts::detail(&state, &ctx, id).await?;
    Ok(Json(FleetAccountDetail {
        account: (&d.account).into(),
        steps: d.tasks.iter().map(Into::into).collect(),
        timeline: d.timeline.iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetReviewIn {
    pub action: review::Action,
}

/// A review action on an account that needs a person: `retry`, `skip`, `mark_done` or
/// `reset` (409 when the account does not need review).
#[utoipa::path(post, path = "/api/v1/fleet/accounts/{id}/review", tag = "fleet", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")), request_body = FleetReviewIn,
    responses((status = 200, body = FleetAccount), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn review_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Json(body): Json<FleetReviewIn>,
) -> Result<Json<FleetAccount>> {
    let scope = access::write(&state, &ctx).await?;
    let a = review::act(&state.db, &scope, id, body.action, &Actor::user(&ctx)).await?;
    Ok(Json((&a).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetBulkReviewIn {
    /// 1–500 accounts.
    pub account_ids: Vec<Uuid>,
    pub action: review::Action,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetBulkReviewOut {
    pub outcomes: Vec<review::BulkOutcome>,
}

/// A review action on many accounts; each account's outcome is reported (one that moved on
/// meanwhile is refused without undoing the others).
#[utoipa::path(post, path = "/api/v1/fleet/review", tag = "fleet", security(("bearer" = [])), request_body = FleetBulkReviewIn,
    responses((status = 200, body = FleetBulkReviewOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn review_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<FleetBulkReviewIn>,
) -> Result<Json<FleetBulkReviewOut>> {
    let outcomes = review::bulk(&state, &ctx, &body.account_ids, body.action).await?;
    Ok(Json(FleetBulkReviewOut { outcomes }))
}

/// An automation worker (its token is only returned when it is created).
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorker {
    pub id: Uuid,
    pub name: String,
    /// The token's first characters.
    pub token_prefix: String,
    /// What its last heartbeat said.
    pub status: String,
    pub online: bool,
    pub current_task_id: Option<Uuid>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub figures: workers::Figures,
}

fn worker_out(w: &worker::Model, figures: workers::Figures) -> FleetWorker {
    FleetWorker {
        id: w.id,
        name: w.name.clone(),
        token_prefix: w.token_prefix.clone(),
        status: w.status.clone(),
        online: workers::is_online(w, platform::db::now()),
        current_task_id: w.current_task_id,
        last_seen_at: w.last_seen_at,
        revoked_at: w.revoked_at,
        created_at: w.created_at,
        figures,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerList {
    pub items: Vec<FleetWorker>,
}

/// The workspace's workers with their figures over 24 hours.
#[utoipa::path(get, path = "/api/v1/fleet/workers", tag = "fleet", security(("bearer" = [])),
    responses((status = 200, body = FleetWorkerList), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_workers(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<FleetWorkerList>> {
    let scope = access::read(&state, &ctx).await?;
    let mut items = Vec::new();
    for w in workers::list(&state.db, &scope).await? {
        let f = workers::figures(&state.db, &scope, w.id).await?;
        items.push(worker_out(&w, f));
    }
    Ok(Json(FleetWorkerList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetWorkerIn {
    /// 1–80 characters, one line.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerCreated {
    pub worker: FleetWorker,
    /// The bearer token for the worker API: shown only now.
    pub token: String,
}

/// Add a worker (owners and admins); its token is in this answer only.
#[utoipa::path(post, path = "/api/v1/fleet/workers", tag = "fleet", security(("bearer" = [])), request_body = FleetWorkerIn,
    responses((status = 201, body = FleetWorkerCreated), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_worker(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<FleetWorkerIn>,
) -> Result<Response> {
    let (w, token) = workers::create(&state, &ctx, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(FleetWorkerCreated {
            worker: worker_out(&w, workers::Figures::default()),
            token,
        }),
    )
        .into_response())
}

/// Revoke a worker (owners and admins): its token stops working and its task goes back to
/// the queue.
#[utoipa::path(delete, path = "/api/v1/fleet/workers/{id}", tag = "fleet", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The worker")),
    responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_worker(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    workers::revoke(&state, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The workspace's fleet settings (the defaults until changed).
#[utoipa::path(get, path = "/api/v1/fleet/settings", tag = "fleet", security(("bearer" = [])),
    responses((status = 200, body = settings::Settings), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<settings::Settings>> {
    let scope = access::read(&state, &ctx).await?;
    Ok(Json(settings::get(&state.db, &scope).await?))
}

/// Change the fleet settings (owners and admins).
#[utoipa::path(put, path = "/api/v1/fleet/settings", tag = "fleet", security(("bearer" = [])), request_body = settings::Input,
    responses((status = 200, body = settings::Settings), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<settings::Input>,
) -> Result<Json<settings::Settings>> {
    Ok(Json(settings::save(&state, &ctx, body).await?))
}
