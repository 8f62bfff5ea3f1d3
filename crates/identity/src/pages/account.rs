//! Account settings: profile, email, password; security: two-factor authentication, backup
//! codes and sessions.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Ctx, Error, Result,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::common::{
    Answer, FormErrors, action_failed, fmt_time, html, html_with, parse_id, plural, redirect_flash,
    short_user_agent,
};
use crate::service::{accounts, sessions, two_factor};

const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";
const SECURITY: &str = "/account/security";

// ---- account --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/account.html")]
struct AccountPage {
    shell: Shell,
    name_value: String,
    email: String,
    verified: bool,
    new_email: String,
    password_hint: &'static str,
    profile_errors: FormErrors,
    email_errors: FormErrors,
    password_errors: FormErrors,
}

#[derive(Default)]
struct AccountErrors {
    profile: FormErrors,
    email: FormErrors,
    password: FormErrors,
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    name: Option<String>,
    new_email: String,
    errors: AccountErrors,
) -> Result<Response> {
    ctx.require_session()?;
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    let answer = [&errors.profile, &errors.email, &errors.password]
        .into_iter()
        .map(|e| e.answer)
        .find(|a| a.status != StatusCode::OK)
        .unwrap_or(Answer::OK);
    let (jar, flashes) = flash::take(jar);
    let page = AccountPage {
        shell: for_request(state, Some(ctx), "Your account", "/account", flashes).await?,
        name_value: name.unwrap_or(user.name),
        email: user.email,
        verified: user.email_verified_at.is_some(),
        new_email,
        password_hint: PASSWORD_HINT,
        profile_errors: errors.profile,
        email_errors: errors.email,
        password_errors: errors.password,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn account(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    account_page(
        &state,
        &ctx,
        jar,
        None,
        String::new(),
        AccountErrors::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    name: String,
}

pub async fn update_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<ProfileForm>,
) -> Result<Response> {
    match accounts::update_profile(&state, &ctx, &form.name).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Your profile is saved.",
            "/account",
        )),
        Err(e) => {
            let errors = AccountErrors {
                profile: FormErrors::from_error(e)?,
                ..Default::default()
            };
            account_page(&state, &ctx, jar, Some(form.name), String::new(), errors).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailChangeForm {
    email: String,
    password: String,
}

pub async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<EmailChangeForm>,
) -> Result<Response> {
    match accounts::change_email(&state, &ctx, &form.password, &form.email).await {
        Ok(user) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Your email address is now {}. Check that inbox for a link to verify it.",
                user.email
            ),
            "/account",
        )),
        Err(e) => {
            let errors = AccountErrors {
                email: FormErrors::from_error(e)?,
                ..Default::default()
            };
            account_page(&state, &ctx, jar, None, form.email, errors).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordChangeForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<PasswordChangeForm>,
) -> Result<Response> {
    match accounts::change_password(&state, &ctx, &form.current_password, &form.new_password).await
    {
        Ok(ended) => {
            let message = if ended == 0 {
                "Your password is changed. No other session was signed in.".to_string()
            } else {
                format!(
                    "Your password is changed. {} signed out.",
                    plural(ended, "other session was", "other sessions were")
                )
            };
            Ok(redirect_flash(jar, FlashKind::Success, message, "/account"))
        }
        Err(e) => {
            let errors = AccountErrors {
                password: FormErrors::from_error(e)?,
                ..Default::default()
            };
            account_page(&state, &ctx, jar, None, String::new(), errors).await
        }
    }
}

// ---- security -------------------------------------------------------------------------------

struct SessionRow {
    id: Uuid,
    created: String,
    last_seen: String,
    expires: String,
    ip: String,
    device: String,
    user_agent: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "identity/security.html")]
struct SecurityPage {
    shell: Shell,
    two_factor_on: bool,
    two_factor_since: String,
    backup_codes_left: u64,
    sessions: Vec<SessionRow>,
    other_sessions: usize,
    disable_errors: FormErrors,
    regen_errors: FormErrors,
}

async fn security_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    disable_errors: FormErrors,
    regen_errors: FormErrors,
) -> Result<Response> {
    ctx.require_session()?;
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    let backup_codes_left = if user.totp_enabled_at.is_some() {
        two_factor::unused_backup_codes(&state.db, user.id).await?
    } else {
        0
    };
    let sessions: Vec<SessionRow> = sessions::list(&state.db, ctx.user_id())
        .await?
        .into_iter()
        .map(|s| {
            let ua = s.user_agent.clone().unwrap_or_default();
            SessionRow {
                id: s.id,
                created: fmt_time(&s.created_at),
                last_seen: fmt_time(&s.last_seen_at),
                expires: fmt_time(&s.expires_at),
                ip: s.ip.clone().unwrap_or_else(|| "unknown".into()),
                device: short_user_agent(&ua),
                user_agent: ua,
                current: Some(s.id) == ctx.session_id(),
            }
        })
        .collect();
    let other_sessions = sessions.iter().filter(|s| !s.current).count();
    let answer = [&disable_errors, &regen_errors]
        .into_iter()
        .map(|e| e.answer)
        .find(|a| a.status != StatusCode::OK)
        .unwrap_or(Answer::OK);
    let (jar, flashes) = flash::take(jar);
    let page = SecurityPage {
        shell: for_request(state, Some(ctx), "Security", SECURITY, flashes).await?,
        two_factor_on: user.totp_enabled_at.is_some(),
        two_factor_since: user
            .totp_enabled_at
            .as_ref()
            .map(fmt_time)
            .unwrap_or_default(),
        backup_codes_left,
        sessions,
        other_sessions,
        disable_errors,
        regen_errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn security(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    security_page(
        &state,
        &ctx,
        jar,
        FormErrors::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "identity/two_factor_setup.html")]
struct SetupPage {
    shell: Shell,
    secret: String,
    otpauth_uri: String,
    qr_svg: String,
    errors: FormErrors,
}

async fn setup_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    setup: two_factor::Setup,
    errors: FormErrors,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = SetupPage {
        shell: for_request(
            state,
            Some(ctx),
            "Set up two-factor authentication",
            SECURITY,
            flashes,
        )
        .await?,
        secret: setup.secret,
        otpauth_uri: setup.otpauth_uri,
        qr_svg: setup.qr_svg,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn two_factor_setup(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    ctx.require_session()?;
    match two_factor::setup(&state, &ctx).await {
        Ok(setup) => setup_page(&state, &ctx, jar, setup, FormErrors::default()).await,
        Err(e) => action_failed(jar, e, SECURITY),
    }
}

#[derive(Template)]
#[template(path = "identity/backup_codes.html")]
struct BackupCodesPage {
    shell: Shell,
    heading: &'static str,
    intro: &'static str,
    codes: Vec<String>,
}

async fn backup_codes_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    heading: &'static str,
    intro: &'static str,
    codes: Vec<String>,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = BackupCodesPage {
        shell: for_request(state, Some(ctx), heading, SECURITY, flashes).await?,
        heading,
        intro,
        codes,
    };
    Ok(html(jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

pub async fn two_factor_enable(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    ctx.require_session()?;
    match two_factor::enable(&state, &ctx, form.code.trim()).await {
        Ok(codes) => {
            backup_codes_page(
                &state,
                &ctx,
                jar,
                "Two-factor authentication is on",
                "From now on, signing in asks for a code from your authenticator app. Other devices were signed out.",
                codes,
            )
            .await
        }
        Err(e @ Error::Validation(_)) => match two_factor::pending_setup(&state, &ctx).await? {
            Some(setup) => setup_page(&state, &ctx, jar, setup, FormErrors::from_error(e)?).await,
            None => Ok(redirect_flash(jar, FlashKind::Error, "The set-up has expired. Start again.", SECURITY)),
        },
        Err(e) => action_failed(jar, e, SECURITY),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DisableForm {
    disable_password: String,
    disable_code: String,
}

pub async fn two_factor_disable(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<DisableForm>,
) -> Result<Response> {
    ctx.require_session()?;
    match two_factor::disable(
        &state,
        &ctx,
        &form.disable_password,
        form.disable_code.trim(),
    )
    .await
    {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Two-factor authentication is off. Your backup codes no longer work.",
            SECURITY,
        )),
        Err(e) => {
            security_page(
                &state,
                &ctx,
                jar,
                FormErrors::from_error(e)?,
                FormErrors::default(),
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegenerateForm {
    regen_password: String,
    regen_code: String,
}

pub async fn regenerate_backup_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<RegenerateForm>,
) -> Result<Response> {
    ctx.require_session()?;
    match two_factor::regenerate_backup_codes(
        &state,
        &ctx,
        &form.regen_password,
        form.regen_code.trim(),
    )
    .await
    {
        Ok(codes) => {
            backup_codes_page(
                &state,
                &ctx,
                jar,
                "New backup codes",
                "Your previous backup codes no longer work.",
                codes,
            )
            .await
        }
        Err(e) => {
            security_page(
                &state,
                &ctx,
                jar,
                FormErrors::default(),
                FormErrors::from_error(e)?,
            )
            .await
        }
    }
}

// ---- sessions -------------------------------------------------------------------------------

pub async fn revoke_session(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response> {
    ctx.require_session()?;
    let id = parse_id(&id)?;
    if Some(id) == ctx.session_id() {
        return Ok(redirect_flash(
            jar,
            FlashKind::Error,
            "That is this device. Use “Sign out” to end this session.",
            SECURITY,
        ));
    }
    match sessions::revoke_own(&state, &ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "That session is signed out.",
            SECURITY,
        )),
        Err(e) => action_failed(jar, e, SECURITY),
    }
}

pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    ctx.require_session()?;
    let ended = sessions::revoke_all_but_current(&state, &ctx).await?;
    let message = if ended == 0 {
        "No other session was signed in.".to_string()
    } else {
        format!(
            "Signed out {}.",
            plural(ended, "other session", "other sessions")
        )
    };
    Ok(redirect_flash(jar, FlashKind::Success, message, SECURITY))
}
