//! Account import pages and API, and the audited password reveal.
//!
//! Pages: `/fleet/import` (upload form and past imports), `/fleet/imports/{id}` (a live
//! progress bar, polled by htmx every second while the import runs, then the summary and the
//! rejected lines, 200 a page), `/fleet/imports/{id}/report.csv` (the rejected lines as CSV),
//! `POST /fleet/accounts/{id}/reveal` (owners and admins: the passwords as an htmx fragment,
//! recorded on the timeline and in the activity log). The JSON API is in [`api`].
//!
//! An upload is streamed to a temporary file as it arrives (never whole in memory; more than
//! 50 MB is refused), then imported in the background: the request answers at once with the
//! import's page.

mod api;
mod multipart;

use askama::Template;
use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use futures::StreamExt;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    error::FieldError,
    http::extract::{Path, Query},
    web::{
        flash,
        format::number,
        forms::{Answer, FormErrors, action_failed, html_with, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use uuid::Uuid;

use super::nav::{self, Link};
use crate::{
    model::{import, import_issue},
    service::{
        access,
        import::{self as service, DONE, FAILED, MAX_BYTES, Progress, reveal},
        lifecycle::Actor,
    },
};

pub use api::openapi_router;

const LIST: &str = "/fleet/import";
/// The sidebar entry the fleet's pages are under.
const FLEET: &str = "/fleet";
/// Rejected lines per page.
const ISSUES_PAGE: u64 = 200;

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(upload))
        .route("/fleet/imports/{id}", get(detail_page))
        .route("/fleet/imports/{id}/progress", get(progress_part))
        .route("/fleet/imports/{id}/report.csv", get(report_csv))
        .route("/fleet/accounts/{id}/reveal", post(reveal_part))
}

// ---- receiving an upload ------------------------------------------------------------------

/// A received file, spooled to a temporary file (removed when dropped) and rewound.
pub(crate) struct Upload {
    pub filename: String,
    pub bytes: u64,
    pub file: tokio::fs::File,
}

fn is_text(content_type: &str) -> bool {
    let kind = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        kind.as_str(),
        "text/plain" | "text/csv" | "application/octet-stream"
    )
}

/// Reads the request body to a temporary file: a `multipart/form-data` form's `file` field,
/// or a `text/plain`, `text/csv` or `application/octet-stream` body named `name`. More than
/// [`MAX_BYTES`] is 413; another content type 400.
pub(crate) async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    name: Option<&str>,
    body: Body,
) -> Result<Upload> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A multipart form wraps the file in a few hundred bytes of headers and boundaries.
    if declared.is_some_and(|n| n > MAX_BYTES + 64 * 1024) {
        return Err(Error::PayloadTooLarge);
    }
    let multipart = multipart::boundary(&content_type);
    if multipart.is_none() && !is_text(&content_type) {
        return Err(Error::BadRequest(
            "Send the file as a form upload (multipart/form-data, field `file`) or as a text/plain or text/csv body.".into(),
        ));
    }
    let dir = state.config.data_dir.clone();
    let spool = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let mut writer =
        tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(spool));
    let mut stream = body.into_data_stream();
    let (filename, bytes) = match multipart {
        Some(boundary) => {
            let got =
                multipart::read_file(&boundary, stream, "file", MAX_BYTES, &mut writer).await?;
            (got.filename, got.bytes)
        }
        None => {
            let mut bytes = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    Error::BadRequest(format!("The upload was interrupted ({e}). Try again."))
                })?;
                bytes += chunk.len() as u64;
                if bytes > MAX_BYTES {
                    return Err(Error::PayloadTooLarge);
                }
                writer.write_all(&chunk).await.map_err(Error::internal)?;
            }
            writer.flush().await.map_err(Error::internal)?;
            (name.unwrap_or("").to_string(), bytes)
        }
    };
    let mut file = writer.into_inner();
    file.rewind().await.map_err(Error::internal)?;
    Ok(Upload {
        filename,
        bytes,
        file,
    })
}

/// Starts the import of a received file in the background; its record.
pub(crate) async fn start(state: &AppState, ctx: &Ctx, upload: Upload) -> Result<import::Model> {
    let scope = access::write(state, ctx).await?;
    let actor = Actor::user(ctx);
    let row = service::begin(&state.db, &scope, &actor, &upload.filename, upload.bytes).await?;
    service::spawn(
        state.clone(),
        scope,
        actor,
        row.clone(),
        tokio::io::BufReader::with_capacity(64 * 1024, upload.file),
    );
    Ok(row)
}

fn mb(bytes: u64) -> String {
    let tenths = (bytes * 10 + 524_288) / 1_048_576;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

fn count(n: u64) -> String {
    number(i64::try_from(n).unwrap_or(i64::MAX))
}

fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%b %-d, %Y %H:%M UTC").to_string()
}

// ---- the list and the upload form -----------------------------------------------------------

struct ImportRow {
    href: String,
    filename: String,
    started: String,
    status: &'static str,
    badge: &'static str,
    lines: String,
    inserted: String,
    duplicates: String,
    invalid: String,
}

fn status_of(row: &import::Model) -> (&'static str, &'static str) {
    match row.status.as_str() {
        DONE => ("Done", "badge-success"),
        FAILED => ("Stopped", "badge-danger"),
        _ => ("Importing", "badge-info"),
    }
}

#[derive(Template)]
#[template(path = "fleet/import.html")]
struct ImportPage {
    shell: Shell,
    subnav: Vec<Link>,
    can_write: bool,
    errors: FormErrors,
    rows: Vec<ImportRow>,
    max_mb: u64,
    as_of: String,
}

async fn list(state: &AppState, ctx: &Ctx, errors: FormErrors, jar: CookieJar) -> Result<Response> {
    let rows = service::list(state, ctx, None, service::LIST_MAX).await?;
    let (jar, flashes) = flash::take(jar);
    let view = ImportPage {
        shell: shell::for_request(state, Some(ctx), "Import accounts", FLEET, flashes).await?,
        subnav: nav::links(LIST),
        can_write: ctx.can(Permission::WorkspaceWrite),
        errors,
        rows: rows
            .iter()
            .map(|r| {
                let (status, badge) = status_of(r);
                ImportRow {
                    href: format!("/fleet/imports/{}", r.id),
                    filename: r.filename.clone(),
                    started: when(&r.created_at),
                    status,
                    badge,
                    lines: number(r.lines),
                    inserted: number(r.inserted),
                    duplicates: number(r.duplicates),
                    invalid: number(r.invalid),
                }
            })
            .collect(),
        max_mb: MAX_BYTES / 1_048_576,
        as_of: when(&platform::db::now()),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    list(&state, &ctx, FormErrors::default(), jar).await
}

/// The upload form's failure, shown at the file field.
fn file_error(error: Error) -> Result<FormErrors> {
    let (status, message) = match error {
        Error::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The file is larger than {} MB. Split it into smaller files and import each.",
                MAX_BYTES / 1_048_576
            ),
        ),
        Error::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
        other => return FormErrors::from_error(other),
    };
    Ok(FormErrors {
        fields: vec![FieldError::new("file", message.clone())],
        messages: vec![message],
        answer: Answer::status(status),
    })
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    // Refused before a byte is read: no plan, or no right to change the workspace.
    access::write(&state, &ctx).await?;
    let received = receive(&state, &headers, None, body).await.and_then(|u| {
        if u.filename.is_empty() && u.bytes == 0 {
            Err(Error::validation("file", "Choose a file to import"))
        } else {
            Ok(u)
        }
    });
    let outcome = match received {
        Ok(upload) => start(&state, &ctx, upload).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(row) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Importing “{}”.", row.filename),
            &format!("/fleet/imports/{}", row.id),
        )),
        Err(e) => {
            let errors = file_error(e)?;
            list(&state, &ctx, errors, jar).await
        }
    }
}

// ---- one import -------------------------------------------------------------------------------

/// The progress bar and counts (the `import_progress.html` fragment's `p`).
struct ProgressView {
    id: String,
    running: bool,
    percent: u8,
    read: String,
    lines: String,
    inserted: String,
    duplicates: String,
    invalid: String,
}

impl ProgressView {
    fn of(row: &import::Model) -> Self {
        let p: Progress = service::progress_of(row);
        let running = row.status == service::RUNNING;
        ProgressView {
            id: row.id.to_string(),
            running,
            percent: if running { p.percent() } else { 100 },
            read: if p.total_bytes > 0 {
                format!("{} of {}", mb(p.processed_bytes), mb(p.total_bytes))
            } else {
                mb(p.processed_bytes)
            },
            lines: count(p.lines),
            inserted: count(p.inserted),
            duplicates: count(p.duplicates),
            invalid: count(p.invalid),
        }
    }
}

#[derive(Template)]
#[template(path = "fleet/import_progress.html")]
struct ProgressPart {
    p: ProgressView,
}

struct IssueRow {
    line: String,
    username: String,
    outcome: &'static str,
    badge: &'static str,
    message: String,
}

impl IssueRow {
    fn of(i: &import_issue::Model) -> Self {
        let duplicate = i.outcome == service::DUPLICATE;
        IssueRow {
            line: number(i.line_no),
            username: i.username.clone(),
            outcome: if duplicate { "Duplicate" } else { "Invalid" },
            badge: if duplicate {
                "badge-warning"
            } else {
                "badge-danger"
            },
            message: i.message.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "fleet/import_detail.html")]
struct DetailPage {
    shell: Shell,
    subnav: Vec<Link>,
    filename: String,
    started: String,
    finished: String,
    status: &'static str,
    badge: &'static str,
    error: String,
    p: ProgressView,
    proxied: String,
    issues: Vec<IssueRow>,
    issues_total: String,
    first_page: bool,
    first_href: String,
    next_href: String,
    report_href: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    /// Rejected lines after this line number.
    after: Option<i64>,
}

async fn detail_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let scope = access::read(&state, &ctx).await?;
    let row = service::find_in(&state.db, &scope, id).await?;
    let issues = service::issues_in(&state.db, &scope, row.id, q.after, ISSUES_PAGE + 1).await?;
    let proxied = service::with_proxy(&state, &scope, row.id).await?;
    let more = issues.len() as u64 > ISSUES_PAGE;
    let shown: Vec<&import_issue::Model> = issues.iter().take(ISSUES_PAGE as usize).collect();
    let base = format!("/fleet/imports/{}", row.id);
    let (status, badge) = status_of(&row);
    let (jar, flashes) = flash::take(jar);
    let view = DetailPage {
        shell: shell::for_request(&state, Some(&ctx), &row.filename, FLEET, flashes).await?,
        subnav: nav::links(LIST),
        filename: row.filename.clone(),
        started: when(&row.created_at),
        finished: row.finished_at.as_ref().map(when).unwrap_or_default(),
        status,
        badge,
        error: row.error.clone().unwrap_or_default(),
        p: ProgressView::of(&row),
        proxied: count(proxied),
        issues_total: number(row.duplicates + row.invalid),
        next_href: match (more, shown.last()) {
            (true, Some(last)) => format!("{base}?after={}", last.line_no),
            _ => String::new(),
        },
        first_page: q.after.is_none(),
        first_href: base.clone(),
        issues: shown.into_iter().map(IssueRow::of).collect(),
        report_href: format!("{base}/report.csv"),
    };
    Ok(html_with(Answer::OK, jar, &view))
}

/// The progress fragment htmx polls; once the import has finished, the whole page is reloaded
/// to show the summary and the rejected lines.
async fn progress_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = service::get(&state, &ctx, parse_id(&id)?).await?;
    let finished = row.status != service::RUNNING;
    let mut response = platform::web::render(&ProgressPart {
        p: ProgressView::of(&row),
    });
    if finished && headers.contains_key("hx-request") {
        response
            .headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The rejected lines as CSV: `line,username,outcome,message` (also the API's).
pub(crate) async fn report_response(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Response> {
    let scope = access::read(state, ctx).await?;
    let row = service::find_in(&state.db, &scope, id).await?;
    let db = state.db.clone();
    let import_id = row.id;
    let body = platform::web::csv_export::stream(
        &["line", "username", "outcome", "message"],
        move |after: Option<i64>| {
            let db = db.clone();
            async move {
                let page = service::issues_in(
                    &db,
                    &scope,
                    import_id,
                    after,
                    platform::web::csv_export::BATCH,
                )
                .await?;
                let next = (page.len() as u64 == platform::web::csv_export::BATCH)
                    .then(|| page.last().map(|i| i.line_no))
                    .flatten();
                let rows = page
                    .into_iter()
                    .map(|i| vec![i.line_no.to_string(), i.username, i.outcome, i.message])
                    .collect();
                Ok((rows, next))
            }
        },
    );
    // A header value is ASCII: the file's own name, with anything else as `_`.
    let stem: String = row
        .filename
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&row.filename)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    platform::web::csv_export::response(&format!("{stem}-import-report.csv"), body).await
}

async fn report_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    report_response(&state, &ctx, parse_id(&id)?).await
}

// ---- the reveal -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "fleet/import_reveal.html")]
struct RevealPart {
    c: reveal::Credentials,
    at: String,
}

#[derive(Template)]
#[template(path = "fleet/import_reveal_page.html")]
struct RevealPage {
    shell: Shell,
    c: reveal::Credentials,
    at: String,
    back: String,
}

/// Reveals an account's passwords (owners and admins): a fragment for htmx, a page for a plain
/// form post; a refusal is a toast (htmx) or a flash.
async fn reveal_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let back = format!("/fleet/accounts/{id}");
    let c = match reveal::credentials(&state, &ctx, id).await {
        Ok(c) => c,
        Err(e) => return action_failed(jar, e, &back),
    };
    let at = when(&platform::db::now());
    let mut response = if platform::http::meta::current().is_htmx {
        platform::web::render(&RevealPart { c, at })
    } else {
        let shell = shell::for_request(&state, Some(&ctx), "Passwords", FLEET, Vec::new()).await?;
        platform::web::render(&RevealPage { shell, c, at, back })
    };
    // Passwords are never kept by a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_megabytes() {
        assert_eq!(mb(0), "0.0 MB");
        assert_eq!(mb(1_048_576), "1.0 MB");
        assert_eq!(mb(5 * 1_048_576 + 300_000), "5.3 MB");
    }

    #[test]
    fn plain_bodies_are_recognised() {
        assert!(is_text("text/plain; charset=utf-8"));
        assert!(is_text("Text/CSV"));
        assert!(!is_text("application/json"));
        assert!(!is_text(""));
    }
}
