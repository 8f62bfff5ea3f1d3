//! Staff management (super admin): the members and the role table, invitations, role changes,
//! IP allow-lists, 2FA resets, disabling. Every action redirects back with a flash and is in
//! the activity log.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Result,
    http::extract::Form,
    web::{
        forms::{
            FormErrors, after_action, fmt_opt_time, fmt_time, html_with, parse_id, redirect_flash,
        },
        shell::{FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::chrome::{Chrome, frame};
use crate::{model::staff, service::staff as members};
use platform::staff::{STAFF_PERMISSIONS, Staff, StaffPage, StaffPermission, StaffRole};

const LIST: &str = "/admin/staff";

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub status: String,
    pub two_factor: &'static str,
    pub last_sign_in: String,
    pub allowlist: String,
}

fn row(m: staff::Model) -> MemberRow {
    MemberRow {
        id: m.id.to_string(),
        role: StaffRole::parse(&m.role).map(|r| r.label()).unwrap_or("?"),
        two_factor: if m.totp_confirmed_at.is_some() {
            "set up"
        } else {
            "enrols at next sign-in"
        },
        last_sign_in: fmt_opt_time(m.last_sign_in_at.as_ref(), "never"),
        allowlist: m
            .ip_allowlist
            .unwrap_or_default()
            .lines()
            .collect::<Vec<_>>()
            .join(", "),
        name: m.name,
        email: m.email,
        status: m.status,
    }
}

/// A row of the role table: what a permission allows and which roles hold it.
pub struct PermissionRow {
    pub label: &'static str,
    pub super_admin: bool,
    pub support: bool,
    pub finance: bool,
}

pub fn permission_rows() -> Vec<PermissionRow> {
    STAFF_PERMISSIONS
        .iter()
        .map(|(_, label, roles)| PermissionRow {
            label,
            super_admin: roles.contains(&StaffRole::SuperAdmin),
            support: roles.contains(&StaffRole::Support),
            finance: roles.contains(&StaffRole::Finance),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    members: Vec<MemberRow>,
    permissions: Vec<PermissionRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: InviteForm,
    errors: FormErrors,
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    StaffRole::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    form: InviteForm,
    errors: FormErrors,
) -> Result<Response> {
    let members = members::list(staff, &state.db).await?;
    let (jar, shell, chrome) = frame(state, staff, "Staff", LIST, jar).await?;
    let answer = errors.answer;
    let page = StaffListPage {
        shell,
        chrome,
        members: members.into_iter().map(row).collect(),
        permissions: permission_rows(),
        roles: role_options(),
        form,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    list_page(
        &state,
        &staff,
        jar,
        InviteForm::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
    pub name: String,
    pub role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let Some(role) = StaffRole::parse(&form.role) else {
        let errors = FormErrors::from_error(platform::Error::validation(
            "role",
            "Choose super admin, support or finance",
        ))?;
        return list_page(&state, &staff, jar, form, errors).await;
    };
    match members::invite(&staff, &state, &form.email, &form.name, role).await {
        Ok(m) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Invitation sent to {}. They set a password from the link, then enrol an authenticator.",
                m.email
            ),
            LIST,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            list_page(&state, &staff, jar, form, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/staff_member.html")]
struct MemberPage {
    shell: Shell,
    chrome: Option<Chrome>,
    member: MemberRow,
    role_value: String,
    allowlist_text: String,
    /// A refused allow-list's error (the typed text is in `allowlist_text`).
    allowlist_error: String,
    created: String,
    backup_codes_left: u64,
    sessions: u64,
    is_self: bool,
    roles: Vec<(&'static str, &'static str)>,
}

pub async fn member(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    member_page(&state, &staff, jar, &id, None).await
}

/// The member's page; `refused` is an allow-list shown back as typed, with its error.
async fn member_page(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    id: &str,
    refused: Option<(String, FormErrors)>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let detail = members::detail(staff, state, parse_id(id)?).await?;
    let m = detail.member;
    let (jar, shell, chrome) = frame(state, staff, &m.name.clone(), LIST, jar).await?;
    let answer = refused
        .as_ref()
        .map_or(platform::web::forms::Answer::OK, |(_, e)| e.answer);
    let (allowlist_text, allowlist_error) = match refused {
        Some((typed, errors)) => (typed, errors.field("ip_allowlist").to_string()),
        None => (m.ip_allowlist.clone().unwrap_or_default(), String::new()),
    };
    let page = MemberPage {
        shell,
        chrome,
        role_value: m.role.clone(),
        allowlist_text,
        allowlist_error,
        created: fmt_time(&m.created_at),
        backup_codes_left: detail.backup_codes_left,
        sessions: detail.sessions,
        is_self: m.id == staff.id,
        roles: role_options(),
        member: row(m),
    };
    Ok(platform::web::forms::html_with(answer, jar, &page))
}

fn member_path(id: &str) -> String {
    format!("{LIST}/{id}")
}

/// Runs one staff action and redirects back to the member with a flash.
async fn act<F, Fut>(jar: CookieJar, id: &str, success: &str, action: F) -> Result<Response>
where
    F: FnOnce(uuid::Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<staff::Model>>,
{
    let outcome = action(parse_id(id)?).await;
    after_action(jar, &member_path(id), outcome, |_| success.to_string())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let role = StaffRole::parse(&form.role);
    act(
        jar,
        &id,
        "Role changed. Their sessions ended; they sign in again.",
        |id| async move {
            let role = role.ok_or_else(|| {
                platform::Error::validation("role", "Choose super admin, support or finance")
            })?;
            members::change_role(&staff, &state, id, role).await
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AllowlistForm {
    ip_allowlist: String,
}

pub async fn set_allowlist(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<AllowlistForm>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    match members::set_allowlist(&staff, &state, parse_id(&id)?, &form.ip_allowlist).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "IP allow-list saved.",
            &member_path(&id),
        )),
        // A refused list is shown back as typed, its error beside it.
        Err(e @ platform::Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            member_page(&state, &staff, jar, &id, Some((form.ip_allowlist, errors))).await
        }
        Err(e) => platform::web::forms::action_failed(jar, e, &member_path(&id)),
    }
}

pub async fn reset_two_factor(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    act(
        jar,
        &id,
        "Authenticator removed. They set up a new one at their next sign-in.",
        |id| async move { members::reset_two_factor(&staff, &state, id).await },
    )
    .await
}

pub async fn disable(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    act(
        jar,
        &id,
        "Disabled. Their sessions and API tokens stopped.",
        |id| async move { members::set_disabled(&staff, &state, id, true).await },
    )
    .await
}

pub async fn enable(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    act(jar, &id, "Enabled again.", |id| async move {
        members::set_disabled(&staff, &state, id, false).await
    })
    .await
}
