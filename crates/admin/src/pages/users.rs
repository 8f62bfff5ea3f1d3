//! Customer accounts (support and super admin): a searchable, filterable, sortable list with a
//! streamed CSV export, and one account's page — workspaces, sessions, 2FA, activity trail — with
//! block / unblock, password-reset link, force sign-out and delete (typed confirmation).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use identity::service::directory::{UserFilter, UserSort};
use platform::http::extract::{PageNumber, Path, Query};
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    web::{
        csv_export,
        forms::{
            FormErrors, action_failed, after_action, day_end, day_start, fmt_opt_time, fmt_time,
            html, html_with, parse_id, plural, short_user_agent,
        },
        shell::Shell,
    },
};
use serde::Deserialize;

use super::{
    chrome::{Chrome, frame},
    trail::{TrailRow, trail_rows},
};
use crate::service::customers::{self, PER_PAGE};
use platform::staff::{Pager, StaffPage, StaffPermission, panels::Membership, with_query};

const LIST: &str = "/admin/users";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub sort: String,
    pub page: Option<PageNumber>,
}

impl ListQuery {
    fn filter(&self) -> Result<UserFilter> {
        let mut errors = Vec::new();
        let from = day_start("from", &self.from).map_err(|e| errors.push(e));
        let to = day_end("to", &self.to).map_err(|e| errors.push(e));
        if !self.status.is_empty() && self.status != "active" && self.status != "blocked" {
            errors.push(Error::validation("status", "Choose active or blocked"));
        }
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        Ok(UserFilter {
            q: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            created_from: from.ok().flatten(),
            created_to: to.ok().flatten(),
        })
    }

    fn sort(&self) -> UserSort {
        UserSort::parse(&self.sort).unwrap_or_default()
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("sort", self.sort.as_str()),
        ]
    }
}

pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub status: String,
    pub verified: bool,
    pub two_factor: bool,
    pub created: String,
}

impl From<identity::model::user::Model> for UserRow {
    fn from(u: identity::model::user::Model) -> Self {
        Self {
            id: u.id.to_string(),
            verified: u.email_verified_at.is_some(),
            two_factor: u.totp_enabled_at.is_some(),
            created: fmt_time(&u.created_at),
            email: u.email,
            name: u.name,
            status: u.status,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: ListQuery,
    sorts: Vec<(&'static str, &'static str)>,
    rows: Vec<UserRow>,
    pager: Pager,
    export_href: String,
    errors: FormErrors,
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let base = with_query(LIST, &query.pairs());
    let page = PageNumber::or(query.page, 1);
    let (rows, total, errors) = match query.filter() {
        Ok(filter) => {
            let (users, total) =
                customers::list_users(&staff, &state, &filter, query.sort(), page).await?;
            (users, total, FormErrors::default())
        }
        Err(e) => (Vec::new(), 0, FormErrors::from_error(e)?),
    };
    let (jar, shell, chrome) = frame(&state, &staff, "Users", LIST, jar).await?;
    let answer = errors.answer;
    let page = UsersPage {
        shell,
        chrome,
        sorts: UserSort::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        rows: rows.into_iter().map(Into::into).collect(),
        pager: Pager::new(&base, page, PER_PAGE, total),
        export_href: with_query("/admin/users/export", &query.pairs()),
        query,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

/// `GET /admin/users/export`: the filtered list as a streamed CSV download.
pub async fn export(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let body = customers::export_users(&staff, &state, query.filter()?).await?;
    csv_export::response(&crate::api::export_name("users"), body).await
}

struct MembershipRow {
    id: String,
    name: String,
    role: &'static str,
    /// Other features' parts beside it (billing's change of plan), as trusted HTML.
    panel: String,
}

struct SessionRow {
    device: String,
    ip: String,
    created: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    shell: Shell,
    chrome: Option<Chrome>,
    user: UserRow,
    verified_at: String,
    two_factor_label: String,
    api_tokens: String,
    workspaces: Vec<MembershipRow>,
    sessions: Vec<SessionRow>,
    trail: Vec<TrailRow>,
    can_read_log: bool,
    confirm_error: String,
}

async fn user_page(
    state: &AppState,
    staff: &platform::staff::Staff,
    id: uuid::Uuid,
    jar: CookieJar,
    confirm_error: String,
) -> Result<(CookieJar, UserPage)> {
    let (d, trail) = customers::user(staff, state, id).await?;
    let memberships: Vec<Membership> = d
        .workspaces
        .iter()
        .map(|(w, role)| Membership {
            workspace_id: w.id,
            role: *role,
        })
        .collect();
    let mut panels = platform::staff::panels::memberships(state, staff, id, &memberships).await?;
    let workspaces = d
        .workspaces
        .iter()
        .map(|(w, r)| MembershipRow {
            id: w.id.to_string(),
            name: w.name.clone(),
            role: r.label(),
            panel: panels.remove(&w.id).unwrap_or_default(),
        })
        .collect();
    let path = format!("{LIST}/{id}");
    let (jar, shell, chrome) = frame(state, staff, &d.user.email.clone(), &path, jar).await?;
    let two_factor_label = if d.user.totp_enabled_at.is_some() {
        format!(
            "On since {} · {} left",
            fmt_opt_time(d.user.totp_enabled_at.as_ref(), ""),
            plural(d.backup_codes_left, "backup code", "backup codes")
        )
    } else {
        "Off".to_string()
    };
    Ok((
        jar,
        UserPage {
            shell,
            chrome,
            verified_at: fmt_opt_time(d.user.email_verified_at.as_ref(), "not verified"),
            two_factor_label,
            api_tokens: if d.user.status == identity::service::directory::BLOCKED {
                format!(
                    "{}, not usable while blocked",
                    plural(d.active_api_tokens, "API token", "API tokens")
                )
            } else {
                plural(d.active_api_tokens, "active API token", "active API tokens")
            },
            workspaces,
            sessions: d
                .sessions
                .into_iter()
                .map(|s| SessionRow {
                    device: short_user_agent(s.user_agent.as_deref().unwrap_or("")),
                    ip: s.ip.unwrap_or_default(),
                    created: fmt_time(&s.created_at),
                    last_seen: fmt_time(&s.last_seen_at),
                })
                .collect(),
            trail: trail_rows(trail),
            can_read_log: staff.can(StaffPermission::ActivityLog),
            confirm_error,
            user: d.user.into(),
        },
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let (jar, page) = user_page(&state, &staff, parse_id(&id)?, jar, String::new()).await?;
    Ok(html(jar, &page))
}

fn user_path(id: &str) -> String {
    format!("{LIST}/{id}")
}

pub async fn block(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let outcome = customers::set_blocked(&staff, &state, parse_id(&id)?, true).await;
    after_action(jar, &user_path(&id), outcome, |u| {
        format!(
            "{} is blocked: their sessions ended and their API tokens stopped.",
            u.email
        )
    })
}

pub async fn unblock(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let outcome = customers::set_blocked(&staff, &state, parse_id(&id)?, false).await;
    after_action(jar, &user_path(&id), outcome, |u| {
        format!("{} can sign in again.", u.email)
    })
}

pub async fn sign_out(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let outcome = customers::sign_out(&staff, &state, parse_id(&id)?).await;
    after_action(jar, &user_path(&id), outcome, |n| {
        format!("Signed out of {}.", plural(n, "session", "sessions"))
    })
}

pub async fn reset_link(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let outcome = customers::send_reset_link(&staff, &state, parse_id(&id)?).await;
    after_action(jar, &user_path(&id), outcome, |u| {
        format!(
            "A password-reset link (valid 1 hour) is on its way to {}.",
            u.email
        )
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    confirm: String,
}

#[derive(Template)]
#[template(path = "admin/user_deleted.html")]
struct DeletedPage {
    shell: Shell,
    chrome: Option<Chrome>,
    lines: Vec<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<DeleteForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let uid = parse_id(&id)?;
    match customers::delete_user(&staff, &state, uid, &form.confirm).await {
        Ok(report) => {
            let (jar, shell, chrome) = frame(&state, &staff, "Account deleted", LIST, jar).await?;
            Ok(html(
                jar,
                &DeletedPage {
                    shell,
                    chrome,
                    lines: report.lines(),
                },
            ))
        }
        Err(e @ Error::Validation(_)) => {
            let message = e.field("confirm").to_string();
            let (jar, page) = user_page(&state, &staff, uid, jar, message).await?;
            Ok(html_with(
                platform::web::forms::Answer::status(e.status()),
                jar,
                &page,
            ))
        }
        Err(e) => action_failed(jar, e, &user_path(&id)),
    }
}
