//! Public pages: landing, sign-up, sign-in with password / magic link / second factor,
//! sign-out, password reset, email verification, first-run setup, invitations.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Origin, Result, Role,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::{
    common::{
        Answer, DEFAULT_NEXT, FormErrors, encode, fmt_time, html, html_with, login_url, mfa_cookie,
        mfa_cookie_name, redirect, redirect_flash, removal, safe_next, session_cookie,
        session_cookie_name,
    },
    shell::shell,
};
use crate::service::{
    accounts::{self, SignIn, SignupInput},
    invitations, links,
    links::Purpose,
    setup as first_run, two_factor,
};

const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";

// ---- shared ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

/// A link that cannot be used (expired, used, revoked), with the way forward.
#[derive(Template)]
#[template(path = "identity/link_invalid.html")]
struct LinkInvalidPage {
    shell: Shell,
    message: String,
    action_href: String,
    action_label: String,
}

async fn link_invalid(
    state: &AppState,
    ctx: Option<&Ctx>,
    jar: CookieJar,
    message: String,
    action_href: &str,
    action_label: &str,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = LinkInvalidPage {
        shell: shell(state, ctx, "Link not valid", "", flashes).await?,
        message,
        action_href: action_href.into(),
        action_label: action_label.into(),
    };
    Ok(html_with(
        Answer::status(StatusCode::BAD_REQUEST),
        jar,
        &page,
    ))
}

/// After a first factor: a full session (cookie, go to `next`) or the second-factor step.
pub(crate) fn after_first_factor(
    state: &AppState,
    jar: CookieJar,
    outcome: SignIn,
    next: &str,
    welcome: Option<&str>,
) -> Response {
    match outcome {
        SignIn::Done(issued, _) => {
            let jar = jar
                .remove(removal(state, mfa_cookie_name(state)))
                .add(session_cookie(state, &issued));
            match welcome {
                Some(message) => redirect_flash(jar, FlashKind::Success, message, next),
                None => redirect(jar, next),
            }
        }
        SignIn::NeedsSecondFactor(issued, _) => {
            let jar = jar.add(mfa_cookie(state, &issued));
            let to = if next == DEFAULT_NEXT {
                "/login/2fa".to_string()
            } else {
                format!("/login/2fa?next={}", encode(next))
            };
            redirect(jar, &to)
        }
    }
}

// ---- landing --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/landing.html")]
struct LandingPage {
    shell: Shell,
    signed_in: bool,
}

pub async fn landing(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let title = state.config.platform_name.clone();
    let page = LandingPage {
        shell: shell(&state, ctx.as_ref(), &title, "/", flashes).await?,
        signed_in: ctx.is_some(),
    };
    Ok(html(jar, &page))
}

// ---- sign-up --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/signup.html")]
struct SignupPage {
    shell: Shell,
    email: String,
    name_value: String,
    workspace: String,
    password_hint: &'static str,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    email: String,
    name: String,
    password: String,
    workspace: String,
}

pub async fn signup_form(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
) -> Result<Response> {
    if ctx.is_some() {
        return Ok(redirect(jar, DEFAULT_NEXT));
    }
    let (jar, flashes) = flash::take(jar);
    let page = SignupPage {
        shell: shell(&state, None, "Create your account", "/signup", flashes).await?,
        email: String::new(),
        name_value: String::new(),
        workspace: String::new(),
        password_hint: PASSWORD_HINT,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn signup(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> Result<Response> {
    let input = SignupInput {
        email: form.email.clone(),
        password: form.password,
        name: form.name.clone(),
        workspace: form.workspace.clone(),
    };
    let errors = match accounts::signup(&state, &origin, input, false).await {
        Ok(created) => {
            let outcome = accounts::start_session(&state, &origin, created.user, "signup").await?;
            return Ok(after_first_factor(
                &state,
                jar,
                outcome,
                DEFAULT_NEXT,
                Some("Check your inbox to verify your email"),
            ));
        }
        Err(e) => FormErrors::from_error(e)?,
    };
    let (jar, flashes) = flash::take(jar);
    let page = SignupPage {
        shell: shell(&state, None, "Create your account", "/signup", flashes).await?,
        email: form.email,
        name_value: form.name,
        workspace: form.workspace,
        password_hint: PASSWORD_HINT,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

// ---- sign-in --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    shell: Shell,
    email: String,
    next: String,
    google: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn login_page(
    state: &AppState,
    jar: CookieJar,
    email: String,
    next: String,
    errors: FormErrors,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = LoginPage {
        shell: shell(state, None, "Sign in", "/login", flashes).await?,
        email,
        next,
        google: state.config.google_oauth_enabled(),
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let next = safe_next(&q.next);
    if ctx.is_some() {
        return Ok(redirect(jar, &next));
    }
    login_page(&state, jar, String::new(), next, FormErrors::default()).await
}

pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let next = safe_next(&form.next);
    match accounts::sign_in(&state, &origin, &form.email, &form.password).await {
        Ok(outcome) => Ok(after_first_factor(&state, jar, outcome, &next, None)),
        Err(e) => login_page(&state, jar, form.email, next, FormErrors::from_error(e)?).await,
    }
}

// ---- second factor --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/login_2fa.html")]
struct SecondFactorPage {
    shell: Shell,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecondFactorForm {
    code: String,
    next: String,
}

fn sign_in_expired(state: &AppState, jar: CookieJar, next: &str) -> Response {
    let jar = jar.remove(removal(state, mfa_cookie_name(state)));
    redirect_flash(
        jar,
        FlashKind::Warning,
        "Your sign-in attempt has expired. Sign in again.",
        &login_url(next),
    )
}

pub async fn second_factor_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let next = safe_next(&q.next);
    if jar.get(mfa_cookie_name(&state)).is_none() {
        return Ok(sign_in_expired(&state, jar, &next));
    }
    let (jar, flashes) = flash::take(jar);
    let page = SecondFactorPage {
        shell: shell(
            &state,
            None,
            "Two-factor authentication",
            "/login/2fa",
            flashes,
        )
        .await?,
        next,
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn second_factor(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response> {
    let next = safe_next(&form.next);
    let Some(pending) = jar
        .get(mfa_cookie_name(&state))
        .map(|c| c.value().to_string())
    else {
        return Ok(sign_in_expired(&state, jar, &next));
    };
    let errors =
        match two_factor::complete_sign_in(&state, &origin, &pending, form.code.trim()).await {
            Ok((issued, _)) => {
                let jar = jar
                    .remove(removal(&state, mfa_cookie_name(&state)))
                    .add(session_cookie(&state, &issued));
                return Ok(redirect(jar, &next));
            }
            Err(Error::Unauthorized) => return Ok(sign_in_expired(&state, jar, &next)),
            Err(e) => FormErrors::from_error(e)?,
        };
    let (jar, flashes) = flash::take(jar);
    let page = SecondFactorPage {
        shell: shell(
            &state,
            None,
            "Two-factor authentication",
            "/login/2fa",
            flashes,
        )
        .await?,
        next,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

// ---- sign-out -------------------------------------------------------------------------------

pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    let name = session_cookie_name(&state);
    if let Some(cookie) = jar.get(name) {
        crate::service::sessions::delete_by_token(&state.db, cookie.value()).await?;
    }
    let jar = jar
        .remove(removal(&state, name))
        .remove(removal(&state, mfa_cookie_name(&state)));
    Ok(redirect_flash(
        jar,
        FlashKind::Info,
        "You have signed out.",
        "/login",
    ))
}

// ---- forgotten password ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/forgot_password.html")]
struct ForgotPage {
    shell: Shell,
    email: String,
    sent: bool,
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
        shell: shell(
            &state,
            ctx.as_ref(),
            "Reset your password",
            "/forgot-password",
            flashes,
        )
        .await?,
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
        shell: shell(
            &state,
            ctx.as_ref(),
            "Reset your password",
            "/forgot-password",
            flashes,
        )
        .await?,
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
        shell: shell(
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
        shell: shell(
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
        shell: shell(
            &state,
            ctx.as_ref(),
            "Sign in with an email link",
            "/magic-link",
            flashes,
        )
        .await?,
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
        shell: shell(
            &state,
            ctx.as_ref(),
            "Sign in with an email link",
            "/magic-link",
            flashes,
        )
        .await?,
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
        Ok(outcome) => Ok(after_first_factor(&state, jar, outcome, DEFAULT_NEXT, None)),
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
        shell: shell(&state, None, "First-run setup", "/setup", flashes).await?,
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
        shell: shell(&state, None, "First-run setup", "/setup", flashes).await?,
        token: form.token,
        email: form.email,
        name_value: form.name,
        workspace: form.workspace,
        password_hint: PASSWORD_HINT,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

// ---- invitations ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/invitation.html")]
struct InvitationPage {
    shell: Shell,
    token: String,
    workspace_name: String,
    role_label: String,
    email: String,
    expires: String,
    /// The signed-in user's email, if any.
    signed_in_as: Option<String>,
    email_matches: bool,
    existing_account: bool,
    login_href: String,
    name_value: String,
    password_hint: &'static str,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    name: String,
    password: String,
}

async fn invitation_page(
    state: &AppState,
    ctx: Option<&Ctx>,
    jar: CookieJar,
    token: String,
    name: String,
    errors: FormErrors,
) -> Result<Response> {
    let preview = match invitations::preview(state, &token).await {
        Ok(p) => p,
        Err(Error::InvalidLink(message)) => {
            let (href, label) = if ctx.is_some() {
                (DEFAULT_NEXT, "Go to your home page")
            } else {
                ("/login", "Sign in")
            };
            return link_invalid(state, ctx, jar, message, href, label).await;
        }
        Err(e) => return Err(e),
    };
    let role_label = Role::parse(&preview.invitation.role)
        .map(|r| r.label().to_string())
        .unwrap_or_else(|| preview.invitation.role.clone());
    let (jar, flashes) = flash::take(jar);
    let title = format!("Join {}", preview.workspace.name);
    let signed_in_as = ctx.map(|c| c.user.email.clone());
    let email_matches = signed_in_as
        .as_deref()
        .is_some_and(|e| e.to_lowercase() == preview.invitation.email_lower);
    let page = InvitationPage {
        shell: shell(state, ctx, &title, "/invitations", flashes).await?,
        login_href: login_url(&format!("/invitations/{token}")),
        token,
        workspace_name: preview.workspace.name,
        role_label,
        email: preview.invitation.email_lower,
        expires: fmt_time(&preview.invitation.expires_at),
        signed_in_as,
        email_matches,
        existing_account: preview.existing_account,
        name_value: name,
        password_hint: PASSWORD_HINT,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn invitation(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response> {
    invitation_page(
        &state,
        ctx.as_ref(),
        jar,
        token,
        String::new(),
        FormErrors::default(),
    )
    .await
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    origin: Origin,
    jar: CookieJar,
    Path(token): Path<String>,
    form: std::result::Result<Form<AcceptForm>, Error>,
) -> Result<Response> {
    let Form(form) = form.unwrap_or_default();
    if let Some(ctx) = &ctx {
        return match invitations::accept_signed_in(&state, ctx, &token).await {
            Ok(ws) => Ok(redirect_flash(
                jar,
                FlashKind::Success,
                format!("You joined {}.", ws.name),
                DEFAULT_NEXT,
            )),
            Err(e) => super::common::action_failed(jar, e, &format!("/invitations/{token}")),
        };
    }
    let errors =
        match invitations::accept_new_account(&state, &origin, &token, &form.name, &form.password)
            .await
        {
            Ok((issued, ws)) => {
                let jar = jar.add(session_cookie(&state, &issued));
                return Ok(redirect_flash(
                    jar,
                    FlashKind::Success,
                    format!("Welcome to {}!", ws.name),
                    DEFAULT_NEXT,
                ));
            }
            Err(e) => FormErrors::from_error(e)?,
        };
    invitation_page(&state, None, jar, token, form.name, errors).await
}
