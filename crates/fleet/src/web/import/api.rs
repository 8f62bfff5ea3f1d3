//! The account import API: upload a file (answered 202 at once; the import runs in the
//! background), follow its progress, page through its rejected lines or download them as CSV;
//! and the audited reveal of an account's passwords (owners and admins).

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Bounded, Json, PageSize, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::{import, import_issue},
    service::import::{self as service, reveal},
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_imports, create_import))
        .routes(routes!(get_import))
        .routes(routes!(import_issues))
        .routes(routes!(import_report))
        .routes(routes!(reveal_account))
}

/// An account import and where it is.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImport)]
pub struct ImportOut {
    pub id: Uuid,
    pub filename: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub total_bytes: i64,
    pub processed_bytes: i64,
    /// Per cent of the file read (100 once finished).
    pub percent: u8,
    /// Account lines read (blank lines, comments and the header are not counted);
    /// `inserted + duplicates + invalid = lines`.
    pub lines: i64,
    pub inserted: i64,
    pub duplicates: i64,
    pub invalid: i64,
    /// Why a `failed` import stopped (the lines before it stay imported).
    pub error: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The rejected lines (`GET`).
    pub issues_url: String,
    /// The rejected lines as CSV (`GET`).
    pub report_url: String,
}

impl From<&import::Model> for ImportOut {
    fn from(r: &import::Model) -> Self {
        let p = service::progress_of(r);
        ImportOut {
            id: r.id,
            filename: r.filename.clone(),
            status: r.status.clone(),
            total_bytes: r.total_bytes,
            processed_bytes: r.processed_bytes,
            percent: if r.status == service::RUNNING {
                p.percent()
            } else {
                100
            },
            lines: r.lines,
            inserted: r.inserted,
            duplicates: r.duplicates,
            invalid: r.invalid,
            error: r.error.clone(),
            created_by: r.created_by,
            created_at: r.created_at,
            finished_at: r.finished_at,
            issues_url: format!("/api/v1/fleet/imports/{}/issues", r.id),
            report_url: format!("/api/v1/fleet/imports/{}/report.csv", r.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImportList)]
pub struct ImportList {
    /// Newest first.
    pub items: Vec<ImportOut>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportListQuery {
    /// Imports older than this one (the previous page's `next_before`).
    pub before: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportUploadQuery {
    /// The file's name, for a `text/plain` or `text/csv` body (a form upload names itself).
    pub filename: Option<String>,
}

/// The workspace's account imports, newest first.
#[utoipa::path(get, path = "/api/v1/fleet/imports", tag = "fleet", security(("bearer" = [])), params(ImportListQuery),
    responses((status = 200, body = ImportList, content_type = "application/json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_imports(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ImportListQuery>,
) -> Result<Json<ImportList>> {
    let limit = PageSize::or(q.limit, 50);
    let rows = service::list(&state, &ctx, q.before, limit).await?;
    let next_before = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(Json(ImportList {
        items: rows.iter().map(Into::into).collect(),
        next_before,
    }))
}

/// Import accounts from a file of `username,password,email[,extra…]` (or
/// `username:password:email[:extra…]`) lines, up to 50 MB: a form upload
/// (`multipart/form-data`, field `file`) or the file as a `text/plain` / `text/csv` body with
/// `?filename=`. Answers 202 at once; follow the import with `GET /api/v1/fleet/imports/{id}`
/// until `status` is `done` (or `failed`). Lines with a bad username, no password or a bad
/// e-mail, and usernames already in the file or the workspace, are not imported and are listed
/// by `…/issues`. New accounts start `imported` and get a proxy (and their warm-up) at once
/// while some proxy has room.
#[utoipa::path(post, path = "/api/v1/fleet/imports", tag = "fleet", security(("bearer" = [])), params(ImportUploadQuery),
    request_body(description = "The accounts file, as a form upload (field `file`) or as the body itself.", content(("multipart/form-data"), (String = "text/plain"), (String = "text/csv"))),
    responses((status = 202, body = ImportOut, content_type = "application/json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_import(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ImportUploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    crate::service::access::write(&state, &ctx).await?;
    let upload = super::receive(&state, &headers, q.filename.as_deref(), body).await?;
    if upload.bytes == 0 {
        return Err(platform::Error::validation("file", "The file is empty"));
    }
    let row = super::start(&state, &ctx, upload).await?;
    let mut response = (StatusCode::ACCEPTED, Json(ImportOut::from(&row))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/fleet/imports/{}", row.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// An account import: its status and counts (poll it while `status` is `running`).
#[utoipa::path(get, path = "/api/v1/fleet/imports/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportOut, content_type = "application/json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ImportOut>> {
    let row = service::get(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&row).into()))
}

/// A line an import did not insert.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImportIssue)]
pub struct IssueOut {
    /// 1-based line number in the file.
    pub line: i64,
    pub username: String,
    /// `duplicate` or `invalid`.
    pub outcome: String,
    pub message: String,
}

impl From<&import_issue::Model> for IssueOut {
    fn from(i: &import_issue::Model) -> Self {
        IssueOut {
            line: i.line_no,
            username: i.username.clone(),
            outcome: i.outcome.clone(),
            message: i.message.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetImportIssues)]
pub struct IssueList {
    /// In line order.
    pub items: Vec<IssueOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

pub type IssuePageSize = Bounded<1, 1000>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    /// Lines after this line number (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Page size (1–1,000, default 200).
    #[param(inline, nullable = false)]
    pub limit: Option<IssuePageSize>,
}

/// The lines an import did not insert, with why (line order).
#[utoipa::path(get, path = "/api/v1/fleet/imports/{id}/issues", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path), IssueQuery),
    responses((status = 200, body = IssueList, content_type = "application/json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_issues(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<IssueQuery>,
) -> Result<Json<IssueList>> {
    let limit = IssuePageSize::or(q.limit, 200);
    let (_, rows) = service::issues(&state, &ctx, parse_id(&id)?, q.after, limit).await?;
    let next_after = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|i| i.line_no))
        .flatten();
    Ok(Json(IssueList {
        items: rows.iter().map(Into::into).collect(),
        next_after,
    }))
}

/// The lines an import did not insert as CSV: `line,username,outcome,message`.
#[utoipa::path(get, path = "/api/v1/fleet/imports/{id}/report.csv", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn import_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    super::report_response(&state, &ctx, parse_id(&id)?).await
}

/// Reveal an account's Instagram and e-mail passwords (workspace owners and admins). Every
/// reveal is recorded on the account's timeline and in the workspace's activity log
/// (`fleet.account.revealed`). The answer is never cached.
#[utoipa::path(post, path = "/api/v1/fleet/accounts/{id}/reveal", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = reveal::Credentials, content_type = "application/json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn reveal_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let c = reveal::credentials(&state, &ctx, parse_id(&id)?).await?;
    let mut response = Json(c).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
