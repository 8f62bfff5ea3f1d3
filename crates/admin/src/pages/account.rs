//! A staff member's own account: role and what it reaches, password, signed-in sessions,
//! new backup codes.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    http::extract::Form,
    web::{
        forms::{FormErrors, fmt_time, html_with, plural, redirect_flash, short_user_agent},
        shell::{FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::{
    chrome::{Chrome, frame},
    staff::{PermissionRow, permission_rows},
};
use crate::service::{sessions, staff as members, two_factor};
use platform::staff::{Staff, StaffPage};

const PATH: &str = "/admin/account";

struct SessionRow {
    device: String,
    ip: String,
    created: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountPage {
    shell: Shell,
    chrome: Option<Chrome>,
    email: String,
    role_label: &'static str,
    permissions: Vec<PermissionRow>,
    sessions: Vec<SessionRow>,
    backup_codes_left: String,
    password_errors: FormErrors,
    code_errors: FormErrors,
    new_codes: Vec<String>,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    password_errors: FormErrors,
    code_errors: FormErrors,
    new_codes: Vec<String>,
) -> Result<Response> {
    let rows = sessions::list_active(&state.db, staff.id).await?;
    let left = two_factor::unused_backup_codes(&state.db, staff.id).await?;
    let (jar, shell, chrome) = frame(state, staff, "Your staff account", PATH, jar).await?;
    let answer = if password_errors.messages.is_empty() {
        code_errors.answer
    } else {
        password_errors.answer
    };
    let page = AccountPage {
        shell,
        chrome,
        email: staff.email.clone(),
        role_label: staff.role.label(),
        permissions: permission_rows(),
        sessions: rows
            .into_iter()
            .map(|s| SessionRow {
                device: short_user_agent(s.user_agent.as_deref().unwrap_or("")),
                ip: s.ip.unwrap_or_default(),
                created: fmt_time(&s.created_at),
                last_seen: fmt_time(&s.last_seen_at),
                current: Some(s.id) == staff.session_id,
            })
            .collect(),
        backup_codes_left: plural(left, "unused backup code", "unused backup codes"),
        password_errors,
        code_errors,
        new_codes,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    render(
        &state,
        &staff,
        jar,
        FormErrors::default(),
        FormErrors::default(),
        Vec::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    match members::change_own_password(&staff, &state, &form.current_password, &form.new_password)
        .await
    {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Password changed. Your other sessions ended.",
            PATH,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &state,
                &staff,
                jar,
                errors,
                FormErrors::default(),
                Vec::new(),
            )
            .await
        }
    }
}

pub async fn end_other_sessions(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    let n = members::end_other_sessions(&staff, &state).await?;
    Ok(redirect_flash(
        jar,
        FlashKind::Success,
        format!("Ended {}.", plural(n, "other session", "other sessions")),
        PATH,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

pub async fn regenerate_backup_codes(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    match members::regenerate_backup_codes(&staff, &state, &form.code).await {
        Ok(codes) => {
            render(
                &state,
                &staff,
                jar,
                FormErrors::default(),
                FormErrors::default(),
                codes,
            )
            .await
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &state,
                &staff,
                jar,
                FormErrors::default(),
                errors,
                Vec::new(),
            )
            .await
        }
    }
}
