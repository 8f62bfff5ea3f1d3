//! The audits' JSON API: ask for an audit of an own account or a tracked profile (202; the
//! credits are held, 402 when they do not cover it), list a subject's or the workspace's
//! audits, read one with its report, compare two of the same subject, delete one, download
//! its PDF. Another workspace's audit, account or profile is not found.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Error, Result,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::audit,
    service::audit::{
        Report,
        compare::Comparison,
        narrative,
        run::{self, DEFAULT_DAYS},
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(account_audits, audit_account))
        .routes(routes!(tracked_audits, audit_tracked))
        .routes(routes!(list))
        .routes(routes!(get_one, delete_one))
        .routes(routes!(compare_two))
        .routes(routes!(pdf))
        .routes(routes!(get_summary, ask_summary))
}

/// What to audit (`{}` for the default range).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountAuditRequest {
    /// The days before today the audit covers (7–365, default 90).
    pub days: Option<i64>,
}

/// An audit: its state as a job and, once done, its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountAudit {
    pub id: Uuid,
    /// `account` or `tracked`.
    pub subject_kind: String,
    /// The account's or tracked profile's id.
    pub subject_id: Uuid,
    pub username: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// 0–100 while running.
    pub progress: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub overall_score: Option<f64>,
    /// Credits it costs: held while it runs, taken when done; 0 when free or failed.
    pub cost: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// Sources of its figures (`graph`, `apify`, `demo`); `demo` results are demo data.
    pub sources: Vec<String>,
    pub method_version: i32,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The findings, once done (not in lists).
    pub report: Option<Report>,
}

impl AccountAudit {
    fn of(row: &audit::Model, with_report: bool) -> Self {
        AccountAudit {
            id: row.id,
            subject_kind: row.subject_kind.clone(),
            subject_id: row.subject_id,
            username: row.username.clone(),
            status: row.status.clone(),
            progress: row.progress,
            from: row.from_day,
            to: row.to_day,
            overall_score: row.overall_score,
            cost: row.cost,
            error: row.error.clone(),
            sources: row
                .sources
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            method_version: row.method_version,
            created_at: row.created_at,
            finished_at: row.finished_at,
            report: if with_report {
                run::report_of(row)
            } else {
                None
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountAuditList {
    /// Newest first.
    pub items: Vec<AccountAudit>,
    /// Pass as `before` for the next page; `null` on the last.
    pub next: Option<Uuid>,
}

async fn start(
    state: &AppState,
    ctx: &Ctx,
    subject: Subject,
    body: AccountAuditRequest,
) -> Result<Response> {
    let days = body.days.unwrap_or(DEFAULT_DAYS);
    let row = run::request(state, ctx, &subject, days).await?;
    Ok((StatusCode::ACCEPTED, Json(AccountAudit::of(&row, false))).into_response())
}

async fn subject_list(
    state: &AppState,
    ctx: &Ctx,
    subject: Subject,
) -> Result<Json<AccountAuditList>> {
    let rows = run::of_subject(state, ctx, &subject).await?;
    Ok(Json(AccountAuditList {
        items: rows.iter().map(|r| AccountAudit::of(r, false)).collect(),
        next: None,
    }))
}

/// Audit an own account (held credits; the job's progress streams as live events).
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/audits", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = AccountAuditRequest, content_type = "application/json"),
    responses((status = 202, body = AccountAudit), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn audit_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AccountAuditRequest>,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    start(&state, &ctx, subject, body).await
}

/// An own account's audits, newest first.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/audits", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AccountAuditList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_audits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AccountAuditList>> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    subject_list(&state, &ctx, subject).await
}

/// Audit a tracked profile.
#[utoipa::path(post, path = "/api/v1/instagram/tracked/{id}/audits", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = AccountAuditRequest, content_type = "application/json"),
    responses((status = 202, body = AccountAudit), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn audit_tracked(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AccountAuditRequest>,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    start(&state, &ctx, subject, body).await
}

/// A tracked profile's audits, newest first.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/audits", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AccountAuditList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_audits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AccountAuditList>> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    subject_list(&state, &ctx, subject).await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// The `next` of the previous page.
    #[param(nullable = false)]
    pub before: Option<Uuid>,
    /// Audits a page (1–100, default 50).
    #[param(nullable = false, minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

/// The workspace's audits, newest first.
#[utoipa::path(get, path = "/api/v1/audits", tag = "intelligence", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = AccountAuditList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Json<AccountAuditList>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(Error::validation("limit", "From 1 to 100"));
    }
    let rows = run::of_workspace(&state, &ctx, q.before, limit).await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(Json(AccountAuditList {
        items: rows.iter().map(|r| AccountAudit::of(r, false)).collect(),
        next,
    }))
}

/// One audit with its report.
#[utoipa::path(get, path = "/api/v1/audits/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AccountAudit), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AccountAudit>> {
    let row = run::find_in(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(AccountAudit::of(&row, true)))
}

/// Delete a finished audit (409 while it runs).
#[utoipa::path(delete, path = "/api/v1/audits/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    run::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How an audit changed against another of the same account (deltas per component).
#[utoipa::path(get, path = "/api/v1/audits/{id}/compare/{other_id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), ("other_id" = Uuid, Path)),
    responses((status = 200, body = Comparison), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn compare_two(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, other)): Path<(String, String)>,
) -> Result<Json<Comparison>> {
    let (_, _, c) = run::compare_pair(&state, &ctx, parse_id(&id)?, parse_id(&other)?).await?;
    Ok(Json(c))
}

/// The audit as a PDF report.
#[utoipa::path(get, path = "/api/v1/audits/{id}/pdf", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    pdf_download(&state, &ctx, &id).await
}

/// The PDF as a download (the API's and the page's answer).
pub async fn pdf_download(state: &AppState, ctx: &Ctx, id: &str) -> Result<Response> {
    let row = run::find_in(state, ctx, parse_id(id)?).await?;
    let summary = narrative::latest(state, &platform::Scope::of(ctx)?, row.id)
        .await?
        .filter(|g| ai::generation::effective_status(g).0 == "done");
    let (name, bytes) = super::pdf::render(&row, summary.as_ref()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The audit's latest AI-written summary and action plan (404 when none was asked for).
#[utoipa::path(get, path = "/api/v1/audits/{id}/summary", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ai::generation::Generation), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ai::generation::Generation>> {
    let row = run::find_in(&state, &ctx, parse_id(&id)?).await?;
    let g = narrative::latest(&state, &platform::Scope::of(&ctx)?, row.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(ai::generation::Generation::from(&g)))
}

/// Asks the AI for a summary and action plan of a finished audit, written from its stored
/// evidence only (202; follow `stream_url`). Again: a new summary replaces the shown one.
#[utoipa::path(post, path = "/api/v1/audits/{id}/summary", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 202, body = ai::generation::Generation), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem, description = "credits or the monthly AI budget do not cover it"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "the audit has not finished"), (status = 503, body = Problem, description = "AI is not configured or not reachable")))]
pub async fn ask_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let g = narrative::request(&state, &ctx, parse_id(&id)?).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ai::generation::Generation::from(&g)),
    )
        .into_response())
}
