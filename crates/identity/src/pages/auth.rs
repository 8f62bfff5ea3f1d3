//! Public pages: landing, sign-up, sign-in with a password and the second factor, sign-out;
//! and what the other sign-in paths share (the step after a first factor, invalid links).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
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
    Answer, DEFAULT_NEXT, FormErrors, device_cookie, device_cookie_name, encode, html, html_with,
    login_url, mfa_cookie, mfa_cookie_name, redirect, redirect_flash, removal, safe_next,
    session_cookie, session_cookie_name,
};
use crate::service::{
    accounts::{self, SignIn, SignupInput},
    devices, signup as sign_up, two_factor,
};

const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";

// ---- shared ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    pub(crate) next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    pub(crate) token: String,
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

pub(crate) async fn link_invalid(
    state: &AppState,
    ctx: Option<&Ctx>,
    jar: CookieJar,
    message: String,
    action_href: &str,
    action_label: &str,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = LinkInvalidPage {
        shell: for_request(state, ctx, "Link not valid", "", flashes).await?,
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

/// After a completed sign-in: this browser becomes (or stays) a remembered device of the user.
pub(crate) async fn remember_device(
    state: &AppState,
    origin: &Origin,
    jar: CookieJar,
    user_id: uuid::Uuid,
) -> Result<CookieJar> {
    let presented = jar
        .get(device_cookie_name(state))
        .map(|c| c.value().to_string());
    let token = devices::remember(
        &state.db,
        user_id,
        presented.as_deref(),
        origin.user_agent.clone(),
    )
    .await?;
    Ok(jar.add(device_cookie(state, token)))
}

/// After a first factor: a full session (cookie, go to `next`) or the second-factor step.
pub(crate) async fn after_first_factor(
    state: &AppState,
    origin: &Origin,
    jar: CookieJar,
    outcome: SignIn,
    next: &str,
    welcome: Option<&str>,
) -> Result<Response> {
    Ok(match outcome {
        SignIn::Done(issued, user) => {
            let jar = remember_device(state, origin, jar, user.id).await?;
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
    })
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
    let title = state.platform_name();
    let page = LandingPage {
        shell: for_request(&state, ctx.as_ref(), &title, "/", flashes).await?,
        signed_in: ctx.is_some(),
    };
    Ok(html(jar, &page))
}

// ---- sign-up --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/signup.html")]
struct SignupPage {
    shell: Shell,
    /// The request went through: the "check your email" answer instead of the form.
    sent: bool,
    /// Whether this server delivers mail (SMTP or Resend) or keeps it in the outbox.
    mail_delivered: bool,
    email: String,
    name_value: String,
    workspace: String,
    password_hint: &'static str,
    errors: FormErrors,
}

impl SignupPage {
    async fn new(state: &AppState, flashes: Vec<platform::web::shell::Flash>) -> Result<Self> {
        Ok(Self {
            shell: for_request(state, None, "Create your account", "/signup", flashes).await?,
            sent: false,
            mail_delivered: sign_up::mail_delivered(state),
            email: String::new(),
            name_value: String::new(),
            workspace: String::new(),
            password_hint: PASSWORD_HINT,
            errors: FormErrors::default(),
        })
    }
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
    let page = SignupPage::new(&state, flashes).await?;
    Ok(html(jar, &page))
}

/// The same answer whether or not the address has an account (see `service::signup`): the
/// "check your email" page, by a redirect so a reload does not send the form again.
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
    let errors = match sign_up::request(&state, &origin, input).await {
        Ok(()) => return Ok(redirect(jar, "/signup/sent")),
        Err(e) => FormErrors::from_error(e)?,
    };
    let (jar, flashes) = flash::take(jar);
    let mut page = SignupPage::new(&state, flashes).await?;
    page.email = form.email;
    page.name_value = form.name;
    page.workspace = form.workspace;
    page.errors = errors;
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn signup_sent(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    jar: CookieJar,
) -> Result<Response> {
    if ctx.is_some() {
        return Ok(redirect(jar, DEFAULT_NEXT));
    }
    let (jar, flashes) = flash::take(jar);
    let mut page = SignupPage::new(&state, flashes).await?;
    page.shell.title = "Check your email".into();
    page.sent = true;
    Ok(html(jar, &page))
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
        shell: for_request(state, None, "Sign in", "/login", flashes).await?,
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
    let device = jar
        .get(device_cookie_name(&state))
        .map(|c| c.value().to_string());
    match accounts::sign_in(
        &state,
        &origin,
        &form.email,
        &form.password,
        device.as_deref(),
    )
    .await
    {
        Ok(outcome) => after_first_factor(&state, &origin, jar, outcome, &next, None).await,
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
        shell: for_request(
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
            Ok((issued, user)) => {
                let jar = remember_device(&state, &origin, jar, user.id).await?;
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
        shell: for_request(
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
