//! Staff sign-in pages: `/admin/login` (email, password and — when the deployment sets one —
//! the access code), then `/admin/login/code` (TOTP or backup code), or `/admin/enrol` for a
//! member without a confirmed authenticator (QR code, first code, backup codes), before
//! anything else. Also sign-out and the invitation link of a new staff member.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::{Path, Query};
use platform::{
    AppState, Error, Origin, Result,
    http::extract::Form,
    web::{
        flash,
        forms::{
            Answer, FormErrors, cookie, encode, html, html_with, redirect, redirect_flash, removal,
            safe_next, with_max_age,
        },
        shell::{FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::chrome::{Chrome, shell};
use crate::{
    model::{staff, staff_session},
    service::{
        sessions::{self, Issued},
        sign_in, staff as members,
        two_factor::{self, Enrolment},
    },
    staff_ctx::session_cookie_name,
};

pub const HOME: &str = "/admin";
const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

fn next_of(raw: &str) -> String {
    let next = safe_next(raw, HOME);
    // Only back-office pages: a customer path after a staff sign-in makes no sense.
    if next == HOME || next.starts_with("/admin/") || next.starts_with("/admin?") {
        next
    } else {
        HOME.to_string()
    }
}

fn with_next(path: &str, next: &str) -> String {
    if next == HOME {
        path.to_string()
    } else {
        format!("{path}?next={}", encode(next))
    }
}

fn session_cookie(
    state: &AppState,
    issued: &Issued,
) -> axum_extra::extract::cookie::Cookie<'static> {
    let secs = (issued.session.expires_at - chrono::Utc::now()).num_seconds();
    with_max_age(
        cookie(state, session_cookie_name(state), issued.token.clone()),
        secs,
    )
}

/// The pending (password checked) session of this browser and its member.
async fn pending(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<(staff_session::Model, staff::Model)>> {
    let Some(c) = jar.get(session_cookie_name(state)) else {
        return Ok(None);
    };
    Ok(sessions::resolve(&state.db, c.value())
        .await?
        .filter(|(s, _)| s.state == sessions::PENDING))
}

/// Back to the start when the pending session is missing or over.
fn start_again(jar: CookieJar, next: &str) -> Response {
    redirect_flash(
        jar,
        FlashKind::Info,
        "Your sign-in took too long or was not started here. Please sign in again.",
        &with_next("/admin/login", next),
    )
}

// ---- sign-in: password ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    shell: Shell,
    chrome: Option<Chrome>,
    email: String,
    next: String,
    needs_access_code: bool,
    errors: FormErrors,
}

pub async fn login_form(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let next = next_of(&q.next);
    if let Some(c) = jar.get(session_cookie_name(&state))
        && let Some((s, _)) = sessions::resolve(&state.db, c.value()).await?
        && s.state == sessions::ACTIVE
    {
        return Ok(redirect(jar, &next));
    }
    let (jar, flashes) = flash::take(jar);
    let page = LoginPage {
        shell: shell(&state, "Staff sign-in", flashes),
        chrome: None,
        email: String::new(),
        next,
        needs_access_code: state.config.admin_access_code.is_some(),
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    access_code: String,
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let next = next_of(&form.next);
    let access_code = (!form.access_code.is_empty()).then_some(form.access_code.as_str());
    match sign_in::check_password(&state, &origin, &form.email, &form.password, access_code).await {
        Ok(member) => {
            let issued = sessions::start_pending(&state.db, member.id, &origin).await?;
            let jar = jar.add(session_cookie(&state, &issued));
            let step = if member.totp_confirmed_at.is_some() {
                "/admin/login/code"
            } else {
                "/admin/enrol"
            };
            Ok(redirect(jar, &with_next(step, &next)))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = LoginPage {
                shell: shell(&state, "Staff sign-in", Vec::new()),
                chrome: None,
                email: form.email,
                next,
                needs_access_code: state.config.admin_access_code.is_some(),
                errors: errors.clone(),
            };
            Ok(html_with(errors.answer, jar, &page))
        }
    }
}

// ---- sign-in: second factor -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/login_code.html")]
struct CodePage {
    shell: Shell,
    chrome: Option<Chrome>,
    email: String,
    next: String,
    errors: FormErrors,
}

pub async fn code_form(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let next = next_of(&q.next);
    let Some((_, member)) = pending(&state, &jar).await? else {
        return Ok(start_again(jar, &next));
    };
    if member.totp_confirmed_at.is_none() {
        return Ok(redirect(jar, &with_next("/admin/enrol", &next)));
    }
    let (jar, flashes) = flash::take(jar);
    let page = CodePage {
        shell: shell(&state, "Staff sign-in", flashes),
        chrome: None,
        email: member.email,
        next,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

pub async fn code(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let next = next_of(&form.next);
    let Some((session, member)) = pending(&state, &jar).await? else {
        return Ok(start_again(jar, &next));
    };
    if member.totp_confirmed_at.is_none() {
        return Ok(redirect(jar, &with_next("/admin/enrol", &next)));
    }
    match sign_in::check_second_factor(&state, &origin, &member, &form.code).await {
        Ok(()) => {
            let issued = sign_in::complete_web(&state, &origin, &session, &member, "web").await?;
            let jar = jar.add(session_cookie(&state, &issued));
            Ok(redirect(jar, &next))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = CodePage {
                shell: shell(&state, "Staff sign-in", Vec::new()),
                chrome: None,
                email: member.email,
                next,
                errors: errors.clone(),
            };
            Ok(html_with(errors.answer, jar, &page))
        }
    }
}

// ---- enrolment ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/enrol.html")]
struct EnrolPage {
    shell: Shell,
    chrome: Option<Chrome>,
    email: String,
    next: String,
    secret: String,
    otpauth_uri: String,
    qr_svg: String,
    errors: FormErrors,
}

fn enrol_page(
    state: &AppState,
    member: &staff::Model,
    setup: Enrolment,
    next: String,
    errors: FormErrors,
    flashes: Vec<platform::web::shell::Flash>,
) -> EnrolPage {
    EnrolPage {
        shell: shell(state, "Set up your authenticator", flashes),
        chrome: None,
        email: member.email.clone(),
        next,
        secret: setup.secret,
        otpauth_uri: setup.otpauth_uri,
        qr_svg: setup.qr_svg,
        errors,
    }
}

pub async fn enrol_form(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let next = next_of(&q.next);
    let Some((_, member)) = pending(&state, &jar).await? else {
        return Ok(start_again(jar, &next));
    };
    if member.totp_confirmed_at.is_some() {
        return Ok(redirect(jar, &with_next("/admin/login/code", &next)));
    }
    let setup = two_factor::enrolment(&state, &member).await?;
    let (jar, flashes) = flash::take(jar);
    let page = enrol_page(&state, &member, setup, next, FormErrors::default(), flashes);
    Ok(html(jar, &page))
}

#[derive(Template)]
#[template(path = "admin/backup_codes.html")]
struct BackupCodesPage {
    shell: Shell,
    chrome: Option<Chrome>,
    codes: Vec<String>,
    next: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let next = next_of(&form.next);
    let Some((session, member)) = pending(&state, &jar).await? else {
        return Ok(start_again(jar, &next));
    };
    if member.totp_confirmed_at.is_some() {
        return Ok(redirect(jar, &with_next("/admin/login/code", &next)));
    }
    // The secret shown on the page must exist before a code can match it.
    let setup = two_factor::enrolment(&state, &member).await?;
    let member = members::get(&state.db, member.id).await?;
    match sign_in::check_second_factor(&state, &origin, &member, &form.code).await {
        Ok(()) => {
            let (issued, codes) =
                sign_in::complete_enrolment(&state, &origin, &session, &member).await?;
            let jar = jar.add(session_cookie(&state, &issued));
            let page = BackupCodesPage {
                shell: shell(&state, "Your backup codes", Vec::new()),
                chrome: None,
                codes,
                next,
            };
            Ok(html(jar, &page))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = enrol_page(&state, &member, setup, next, errors.clone(), Vec::new());
            Ok(html_with(errors.answer, jar, &page))
        }
    }
}

// ---- sign-out -------------------------------------------------------------------------------

pub async fn logout(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
) -> Result<Response> {
    let name = session_cookie_name(&state);
    if let Some(c) = jar.get(name) {
        sign_in::sign_out(&state, &origin, c.value()).await?;
    }
    let jar = jar.remove(removal(&state, name));
    Ok(redirect_flash(
        jar,
        FlashKind::Success,
        "You are signed out of the back office.",
        "/admin/login",
    ))
}

// ---- invitation -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/invitation.html")]
struct InvitationPage {
    shell: Shell,
    chrome: Option<Chrome>,
    token: String,
    email: String,
    name: String,
    role_label: String,
    password_hint: &'static str,
    invalid: String,
    errors: FormErrors,
}

async fn invitation_page(
    state: &AppState,
    token: &str,
    errors: FormErrors,
) -> Result<(Answer, InvitationPage)> {
    let (answer, email, name, role_label, invalid) =
        match members::invitation(&state.db, token).await {
            Ok(m) => (
                errors.answer,
                m.email,
                m.name,
                platform::staff::StaffRole::parse(&m.role)
                    .map(|r| r.label())
                    .unwrap_or("Staff")
                    .to_string(),
                String::new(),
            ),
            Err(e @ Error::InvalidLink(_)) => (
                Answer::status(StatusCode::BAD_REQUEST),
                String::new(),
                String::new(),
                String::new(),
                e.detail(),
            ),
            Err(e) => return Err(e),
        };
    Ok((
        answer,
        InvitationPage {
            shell: shell(state, "Join the back office", Vec::new()),
            chrome: None,
            token: token.to_string(),
            email,
            name,
            role_label,
            password_hint: PASSWORD_HINT,
            invalid,
            errors,
        },
    ))
}

pub async fn invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let (answer, page) = invitation_page(&state, &token, FormErrors::default()).await?;
    Ok(html_with(answer, jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvitationForm {
    password: String,
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<InvitationForm>,
) -> Result<Response> {
    match members::accept_invitation(&state, &origin, &token, &form.password).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Your password is set. Sign in to set up your authenticator app.",
            "/admin/login",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let (answer, page) = invitation_page(&state, &token, errors).await?;
            Ok(html_with(answer, jar, &page))
        }
    }
}
