//! The invitation page: preview, accept when signed in, or join with a new account.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Ctx, Error, Origin, Result, Role,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;

use super::common::{
    DEFAULT_NEXT, FormErrors, fmt_time, html_with, login_url, redirect_flash, session_cookie,
};
use crate::service::invitations;

const PASSWORD_HINT: &str = "At least 12 characters. A few words make a strong password.";

use super::auth::link_invalid;

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
        shell: for_request(state, ctx, &title, "/invitations", flashes).await?,
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
