//! The mail outbox and the job queue pages: what the platform sent or failed to send (with
//! retry), and background jobs with their errors (retry, discard).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::{Path, Query};
use platform::{
    AppState, Result,
    db::Order,
    jobs::store::JobFilter,
    mail::OutboxFilter,
    web::{
        forms::{FormErrors, after_action, fmt_opt_time, fmt_time, html_with, parse_id},
        shell::Shell,
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, frame};
use crate::service::operations::{self, JobAction};
use platform::staff::{StaffPage, StaffPermission, with_query};

const OUTBOX: &str = "/admin/outbox";
const JOBS: &str = "/admin/jobs";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    pub status: String,
    pub to: String,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: String,
    pub cursor: Option<Uuid>,
}

struct MailRow {
    id: String,
    to: String,
    subject: String,
    status: String,
    attempts: i32,
    last_error: String,
    created: String,
    sent: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: OutboxQuery,
    rows: Vec<MailRow>,
    next: String,
    errors: FormErrors,
}

pub async fn outbox(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<OutboxQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Outbox)?;
    let filter = OutboxFilter {
        status: Some(query.status.clone()),
        to: Some(query.to.clone()),
        order: Order::parse(&query.order),
    };
    let (rows, next, errors) =
        match operations::outbox(&staff, &state, &filter, query.cursor, 50).await {
            Ok((rows, next)) => (rows, next, FormErrors::default()),
            Err(e) => (Vec::new(), None, FormErrors::from_error(e)?),
        };
    let base = with_query(
        OUTBOX,
        &[
            ("status", &query.status),
            ("to", &query.to),
            ("order", &query.order),
        ],
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let (jar, shell, chrome) = frame(&state, &staff, "Mail outbox", OUTBOX, jar).await?;
    let answer = errors.answer;
    let page = OutboxPage {
        shell,
        chrome,
        rows: rows
            .into_iter()
            .map(|m| MailRow {
                id: m.id.to_string(),
                created: fmt_time(&m.created_at),
                sent: fmt_opt_time(m.sent_at.as_ref(), ""),
                to: m.to_addr,
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error.unwrap_or_default(),
            })
            .collect(),
        next: next
            .map(|c| format!("{base}{sep}cursor={c}"))
            .unwrap_or_default(),
        query,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn retry_mail(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Outbox)?;
    let outcome = operations::retry_mail(&staff, &state, parse_id(&id)?).await;
    after_action(jar, OUTBOX, outcome, |m| {
        format!(
            "“{}” to {} is queued for delivery again.",
            m.subject, m.to_addr
        )
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct JobsQuery {
    pub state: String,
    pub kind: String,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: String,
    pub cursor: Option<Uuid>,
}

struct JobRow {
    id: String,
    kind: String,
    queue: String,
    state: String,
    attempt: String,
    run_at: String,
    last_error: String,
    can_retry: bool,
    can_discard: bool,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: JobsQuery,
    states: Vec<&'static str>,
    rows: Vec<JobRow>,
    next: String,
}

pub async fn jobs(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<JobsQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Jobs)?;
    let filter = JobFilter {
        state: Some(query.state.clone()).filter(|s| !s.is_empty()),
        kind: Some(query.kind.trim().to_string()).filter(|s| !s.is_empty()),
        order: Order::parse(&query.order),
    };
    let (rows, next) = operations::jobs(&staff, &state, &filter, query.cursor, 50).await?;
    let base = with_query(
        JOBS,
        &[
            ("state", &query.state),
            ("kind", &query.kind),
            ("order", &query.order),
        ],
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let (jar, shell, chrome) = frame(&state, &staff, "Jobs", JOBS, jar).await?;
    let page = JobsPage {
        shell,
        chrome,
        states: vec!["available", "executing", "completed", "dead", "discarded"],
        rows: rows
            .into_iter()
            .map(|j| JobRow {
                id: j.id.to_string(),
                can_retry: matches!(j.state.as_str(), "dead" | "discarded"),
                can_discard: matches!(j.state.as_str(), "available" | "dead"),
                attempt: format!("{} / {}", j.attempt, j.max_attempts),
                run_at: fmt_time(&j.run_at),
                last_error: j
                    .errors
                    .as_array()
                    .and_then(|e| e.last())
                    .and_then(|e| e.get("error"))
                    .and_then(|e| e.as_str())
                    .unwrap_or("")
                    .to_string(),
                kind: j.kind,
                queue: j.queue,
                state: j.state,
            })
            .collect(),
        next: next
            .map(|c| format!("{base}{sep}cursor={c}"))
            .unwrap_or_default(),
        query,
    };
    Ok(html_with(platform::web::forms::Answer::OK, jar, &page))
}

async fn job_action(
    state: AppState,
    staff: platform::staff::Staff,
    id: String,
    jar: CookieJar,
    action: JobAction,
) -> Result<Response> {
    let outcome = operations::act_on_job(&staff, &state, parse_id(&id)?, action).await;
    after_action(jar, JOBS, outcome, |j| match action {
        JobAction::Retry => format!("{} will run again.", j.kind),
        JobAction::Discard => format!("{} is discarded.", j.kind),
    })
}

pub async fn retry_job(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Jobs)?;
    job_action(state, staff, id, jar, JobAction::Retry).await
}

pub async fn discard_job(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Jobs)?;
    job_action(state, staff, id, jar, JobAction::Discard).await
}
