//! The activity log page: every staff action and security event, filtered by actor, action,
//! target, date range and IP; paged by cursor; exported as CSV. Nothing here edits an entry.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Query;
use platform::{
    AppState, Error, Result,
    audit::AuditFilter,
    db::Order,
    web::{
        csv_export,
        forms::{FormErrors, day_end, day_start, html_with},
        shell::Shell,
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    chrome::{Chrome, frame},
    trail::{TrailRow, trail_rows},
};
use crate::service::activity;
use platform::staff::{StaffPage, StaffPermission, with_query};

const PATH: &str = "/admin/activity";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub ip: String,
    pub from: String,
    pub to: String,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: String,
    pub cursor: Option<Uuid>,
}

impl LogQuery {
    fn filter(&self) -> Result<AuditFilter> {
        let ip = self.ip.trim();
        if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
            return Err(Error::validation(
                "ip",
                "Enter an IP address like 203.0.113.7",
            ));
        }
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            actor: some(&self.actor),
            action: some(&self.action),
            workspace_id: None,
            target_type: some(&self.target_type),
            target_id: some(&self.target_id),
            ip: some(ip),
            since: day_start("from", &self.from)?,
            until: day_end("to", &self.to)?,
            order: Order::parse(&self.order),
        })
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("actor", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("target_type", self.target_type.as_str()),
            ("target_id", self.target_id.as_str()),
            ("ip", self.ip.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("order", self.order.as_str()),
        ]
    }
}

#[derive(Template)]
#[template(path = "admin/activity.html")]
struct LogPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: LogQuery,
    actions: Vec<String>,
    target_types: Vec<&'static str>,
    trail: Vec<TrailRow>,
    next: String,
    first: String,
    export_href: String,
    errors: FormErrors,
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<LogQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::ActivityLog)?;
    let base = with_query(PATH, &query.pairs());
    let (events, next, errors) = match query.filter() {
        Ok(filter) => {
            let (events, next) = activity::page(&staff, &state, &filter, query.cursor, 50).await?;
            (events, next, FormErrors::default())
        }
        Err(e) => (Vec::new(), None, FormErrors::from_error(e)?),
    };
    let actions = activity::actions(&staff, &state).await?;
    let (jar, shell, chrome) = frame(&state, &staff, "Activity log", PATH, jar).await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let answer = errors.answer;
    let page = LogPage {
        shell,
        chrome,
        actions,
        target_types: vec![
            "user",
            "staff",
            "workspace",
            "job",
            "session",
            "token",
            "invitation",
        ],
        trail: trail_rows(events),
        next: next
            .map(|c| format!("{base}{sep}cursor={c}"))
            .unwrap_or_default(),
        first: if query.cursor.is_some() {
            base.clone()
        } else {
            String::new()
        },
        export_href: with_query("/admin/activity/export", &query.pairs()),
        query,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn export(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<LogQuery>,
) -> Result<Response> {
    staff.require(StaffPermission::ActivityLog)?;
    let body = activity::export(&staff, &state, query.filter()?).await?;
    csv_export::response(&crate::api::export_name("activity-log"), body).await
}
