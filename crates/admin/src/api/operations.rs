//! The job queue and the mail outbox (`/api/v1/admin/jobs`, `/api/v1/admin/outbox`).

use axum::extract::State;
use chrono::{DateTime, Utc};
use platform::http::extract::{PageSize, Path, Query};
use platform::{
    AppState, Error, Result,
    db::Order,
    error::Problem,
    http::extract::Json,
    jobs::{model::job, store},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::service::operations::{self, JobAction};
use platform::staff::Staff;

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    pub id: Uuid,
    pub kind: String,
    pub queue: String,
    /// available, executing, completed, dead or discarded
    pub state: String,
    pub priority: i32,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub attempted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub worker: Option<String>,
    /// One `{attempt, at, error}` per failed attempt.
    pub errors: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<job::Model> for JobOut {
    fn from(j: job::Model) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            queue: j.queue,
            state: j.state,
            priority: j.priority,
            attempt: j.attempt,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            attempted_at: j.attempted_at,
            completed_at: j.completed_at,
            worker: j.worker,
            errors: j.errors,
            created_at: j.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct JobQuery {
    /// Only jobs in this state.
    pub state: Option<String>,
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

#[derive(Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

/// The job queue, newest first (ids are time-ordered UUIDv7, so the cursor is an id).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", security(("bearer" = [])), params(JobQuery),
    responses((status = 200, body = JobPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_jobs(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<JobQuery>,
) -> Result<Json<JobPage>> {
    let filter = store::JobFilter {
        order: Order::parse(q.order.as_deref().unwrap_or("")),
        state: q.state,
        kind: q.kind,
    };
    let (rows, next_cursor) =
        operations::jobs(&staff, &state, &filter, q.cursor, PageSize::or(q.limit, 50)).await?;
    Ok(Json(JobPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

pub(crate) fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

/// One job with every attempt's error.
#[utoipa::path(get, path = "/api/v1/admin/jobs/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobOut), (status = 404, body = Problem)))]
pub async fn get_job(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<JobOut>> {
    Ok(Json(
        operations::job(&staff, &state, parse_id(&id)?)
            .await?
            .into(),
    ))
}

/// Run a dead or discarded job again (fresh attempts; its error history is kept).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry_job(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<JobOut>> {
    let job = operations::act_on_job(&staff, &state, parse_id(&id)?, JobAction::Retry).await?;
    Ok(Json(job.into()))
}

/// Stop an available or dead job from running.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/discard", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn discard_job(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<JobOut>> {
    let job = operations::act_on_job(&staff, &state, parse_id(&id)?, JobAction::Discard).await?;
    Ok(Json(job.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// pending, sent or failed
    pub status: Option<String>,
    /// Part of the recipient's address.
    pub to: Option<String>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

/// A message of the mail outbox (its body is not shown: it may hold sign-in links).
#[derive(Serialize, ToSchema)]
pub struct MailOut {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    /// pending, sent or failed
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<platform::mail::OutboxMessage> for MailOut {
    fn from(m: platform::mail::OutboxMessage) -> Self {
        Self {
            id: m.id,
            to: m.to_addr,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MailPage {
    pub items: Vec<MailOut>,
    pub next_cursor: Option<Uuid>,
}

/// The mail outbox: what the platform sent or failed to send, newest first.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", security(("bearer" = [])), params(OutboxQuery),
    responses((status = 200, body = MailPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_outbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<MailPage>> {
    let filter = platform::mail::OutboxFilter {
        order: Order::parse(q.order.as_deref().unwrap_or("")),
        status: q.status,
        to: q.to,
    };
    let (rows, next_cursor) =
        operations::outbox(&staff, &state, &filter, q.cursor, PageSize::or(q.limit, 50)).await?;
    Ok(Json(MailPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Send a failed message again (or a pending one no delivery is scheduled for).
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = MailOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry_mail(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<MailOut>> {
    Ok(Json(
        operations::retry_mail(&staff, &state, parse_id(&id)?)
            .await?
            .into(),
    ))
}
