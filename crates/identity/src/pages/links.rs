//! Pages reached from mailed links: forgotten password and reset, email verification,
//! magic sign-in links, and the first-run setup link.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Query;
use platform::{
    AppState, Ctx, Error, Origin, Result,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;

use super::common::{
    DEFAULT_NEXT, FormErrors, html, html_with, redirect_flash, removal, session_cookie,
    session_cookie_name,
};
use crate::service::{
    accounts::{self, SignupInput},
    links,
    links::Purpose,
    setup as first_run,
};

const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";

use super::auth::{TokenQuery, after_first_factor, link_invalid};

// ---- forgotten password ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/forgot_password.html")]
struct ForgotPage {
    shell: Shell,
    email: String,
    sent: bool,
    /// Whether mail leaves this server: the page says "we sent" only then.
    mail_delivered: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn forgot_form(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = ForgotPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Reset your password",
            "/forgot-password",
            flashes,
        )
        .await?,
        mail_delivered: crate::service::signup::mail_delivered(&state),
        email: String::new(),
        sent: false,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn forgot(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    let (sent, errors) = match accounts::request_password_reset(&state, &origin, &form.email).await
    {
        Ok(()) => (true, FormErrors::default()),
        Err(e) => (false, FormErrors::from_error(e)?),
    };
    let (jar, flashes) = flash::take(jar);
    let page = ForgotPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Reset your password",
            "/forgot-password",
            flashes,
        )
        .await?,
        mail_delivered: crate::service::signup::mail_delivered(&state),
        email: form.email.trim().to_string(),
        sent,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

// ---- password reset -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/reset_password.html")]
struct ResetPage {
    shell: Shell,
    token: String,
    password_hint: &'static str,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    token: String,
    password: String,
}

async fn reset_link_invalid(
    state: &AppState,
    ctx: Option<&Ctx>,
    jar: CookieJar,
    message: String,
) -> Result<Response> {
    link_invalid(
        state,
        ctx,
        jar,
        message,
        "/forgot-password",
        "Ask for a new reset link",
    )
    .await
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    if let Err(e) = links::peek(&state.db, Purpose::PasswordReset, &q.token).await {
        return match e {
            Error::InvalidLink(message) => {
                reset_link_invalid(&state, ctx.as_ref(), jar, message).await
            }
            other => Err(other),
        };
    }
    let (jar, flashes) = flash::take(jar);
    let page = ResetPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Choose a new password",
            "/reset-password",
            flashes,
        )
        .await?,
        token: q.token,
        password_hint: PASSWORD_HINT,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    let errors = match accounts::reset_password(&state, &origin, &form.token, &form.password).await
    {
        Ok(_) => {
            // Every session of the account ended, this browser's included.
            let jar = jar.remove(removal(&state, session_cookie_name(&state)));
            return Ok(redirect_flash(
                jar,
                FlashKind::Success,
                "Password changed. Sign in with your new password.",
                "/login",
            ));
        }
        Err(Error::InvalidLink(message)) => {
            return reset_link_invalid(&state, ctx.as_ref(), jar, message).await;
        }
        Err(e) => FormErrors::from_error(e)?,
    };
    let (jar, flashes) = flash::take(jar);
    let page = ResetPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Choose a new password",
            "/reset-password",
            flashes,
        )
        .await?,
        token: form.token,
        password_hint: PASSWORD_HINT,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

// ---- email verification ---------------------------------------------------------------------

pub async fn verify_email(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    match accounts::verify_email(&state, &origin, &q.token).await {
        Ok(user) => {
            let message = format!("Your email address {} is verified. Thank you!", user.email);
            let to = if ctx.is_some() {
                DEFAULT_NEXT
            } else {
                "/login"
            };
            Ok(redirect_flash(jar, FlashKind::Success, message, to))
        }
        Err(Error::InvalidLink(message)) => {
            let (href, label) = if ctx.is_some() {
                (DEFAULT_NEXT, "Go to your home page to ask for a new link")
            } else {
                ("/login", "Sign in")
            };
            link_invalid(&state, ctx.as_ref(), jar, message, href, label).await
        }
        Err(e) => Err(e),
    }
}

pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    match accounts::resend_verification(&state, &ctx).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("We sent a new verification link to {}.", ctx.user.email),
            DEFAULT_NEXT,
        )),
        Err(e) => super::common::action_failed(jar, e, DEFAULT_NEXT),
    }
}

// ---- magic links ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/magic_link.html")]
struct MagicPage {
    shell: Shell,
    email: String,
    sent: bool,
    /// Whether mail leaves this server: the page says "we sent" only then.
    mail_delivered: bool,
    /// Set when the page is the landing of a mailed link: a button consumes it.
    token: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    token: String,
}

async fn magic_link_invalid(
    state: &AppState,
    ctx: Option<&Ctx>,
    jar: CookieJar,
    message: String,
) -> Result<Response> {
    link_invalid(
        state,
        ctx,
        jar,
        message,
        "/magic-link",
        "Ask for a new sign-in link",
    )
    .await
}

pub async fn magic_form(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    // Opening the link never signs in (mail scanners prefetch links): only the button does.
    if !q.token.is_empty()
        && let Err(e) = links::peek(&state.db, Purpose::MagicLink, &q.token).await
    {
        return match e {
            Error::InvalidLink(message) => {
                magic_link_invalid(&state, ctx.as_ref(), jar, message).await
            }
            other => Err(other),
        };
    }
    let (jar, flashes) = flash::take(jar);
    let page = MagicPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Sign in with an email link",
            "/magic-link",
            flashes,
        )
        .await?,
        mail_delivered: crate::service::signup::mail_delivered(&state),
        email: String::new(),
        sent: false,
        token: q.token,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn magic_request(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    let (sent, errors) = match accounts::request_magic_link(&state, &origin, &form.email).await {
        Ok(()) => (true, FormErrors::default()),
        Err(e) => (false, FormErrors::from_error(e)?),
    };
    let (jar, flashes) = flash::take(jar);
    let page = MagicPage {
        shell: for_request(
            &state,
            ctx.as_ref(),
            "Sign in with an email link",
            "/magic-link",
            flashes,
        )
        .await?,
        mail_delivered: crate::service::signup::mail_delivered(&state),
        email: form.email.trim().to_string(),
        sent,
        token: String::new(),
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn magic_consume(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    match accounts::consume_magic_link(&state, &origin, &form.token).await {
        Ok(outcome) => after_first_factor(&state, &origin, jar, outcome, DEFAULT_NEXT, None).await,
        Err(Error::InvalidLink(message) | Error::Forbidden(message)) => {
            magic_link_invalid(&state, ctx.as_ref(), jar, message).await
        }
        Err(e) => Err(e),
    }
}

// ---- first-run setup ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/setup.html")]
struct SetupPage {
    shell: Shell,
    token: String,
    email: String,
    name_value: String,
    workspace: String,
    password_hint: &'static str,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    token: String,
    email: String,
    name: String,
    password: String,
    workspace: String,
}

async fn setup_link_invalid(state: &AppState, jar: CookieJar, message: String) -> Result<Response> {
    link_invalid(state, None, jar, message, "/login", "Sign in").await
}

pub async fn setup_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    if let Err(e) = first_run::check(&state, &q.token).await {
        return match e {
            Error::InvalidLink(message) => setup_link_invalid(&state, jar, message).await,
            other => Err(other),
        };
    }
    let (jar, flashes) = flash::take(jar);
    let page = SetupPage {
        shell: for_request(&state, None, "First-run setup", "/setup", flashes).await?,
        token: q.token,
        email: String::new(),
        name_value: String::new(),
        workspace: String::new(),
        password_hint: PASSWORD_HINT,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn setup(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    let input = SignupInput {
        email: form.email.clone(),
        password: form.password,
        name: form.name.clone(),
        workspace: form.workspace.clone(),
    };
    let errors = match first_run::complete(&state, &origin, &form.token, input).await {
        Ok(issued) => {
            let jar = jar.add(session_cookie(&state, &issued));
            return Ok(redirect_flash(
                jar,
                FlashKind::Success,
                "Welcome — your workspace is ready",
                DEFAULT_NEXT,
            ));
        }
        Err(Error::InvalidLink(message)) => return setup_link_invalid(&state, jar, message).await,
        Err(e) => FormErrors::from_error(e)?,
    };
    let (jar, flashes) = flash::take(jar);
    let page = SetupPage {
        shell: for_request(&state, None, "First-run setup", "/setup", flashes).await?,
        token: form.token,
        email: form.email,
        name_value: form.name,
        workspace: form.workspace,
        password_hint: PASSWORD_HINT,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}
