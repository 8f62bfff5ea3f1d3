//! `/workspace/tokens`: the workspace's API tokens — named, read only or read and write,
//! optional expiry; the secret is shown once, on the page that creates it.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{NaiveDate, Utc};
use platform::http::extract::Path;
use platform::{
    AppState, Ctx, FieldError, Permission, Result,
    ctx::TokenScope,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::common::{
    FormErrors, action_failed, fmt_opt_time, fmt_time, html, html_with, parse_id, redirect,
    redirect_flash,
};
use crate::service::tokens::{self, NewToken};

const HOME: &str = "/home";
const TOKENS: &str = "/workspace/tokens";

// ---- API tokens -----------------------------------------------------------------------------

struct TokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    read_only: bool,
    scope_label: &'static str,
    created: String,
    expires: String,
    last_used: String,
}

fn scope_label(scope: &str) -> (&'static str, bool) {
    match TokenScope::parse(scope) {
        Some(TokenScope::Read) => ("Read only", true),
        Some(TokenScope::ReadWrite) => ("Read and write", false),
        None => ("Unknown", true),
    }
}

#[derive(Template)]
#[template(path = "identity/tokens.html")]
struct TokensPage {
    shell: Shell,
    can_read: bool,
    can_manage: bool,
    tokens: Vec<TokenRow>,
    name_value: String,
    scope: String,
    expires_at: String,
    min_date: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    scope: String,
    expires_at: String,
}

async fn tokens_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    form: TokenForm,
    errors: FormErrors,
) -> Result<Response> {
    let can_read = ctx.can(Permission::TokensRead);
    let tokens = if can_read {
        tokens::list(state, ctx)
            .await?
            .into_iter()
            .map(|t| {
                let (scope_label, read_only) = scope_label(&t.scope);
                TokenRow {
                    id: t.id,
                    name: t.name,
                    prefix: t.prefix,
                    read_only,
                    scope_label,
                    created: fmt_time(&t.created_at),
                    expires: fmt_opt_time(t.expires_at.as_ref(), "never"),
                    last_used: fmt_opt_time(t.last_used_at.as_ref(), "never"),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let (jar, flashes) = flash::take(jar);
    let page = TokensPage {
        shell: for_request(state, Some(ctx), "API tokens", TOKENS, flashes).await?,
        can_read,
        can_manage: ctx.can(Permission::TokensManage),
        tokens,
        name_value: form.name,
        scope: if form.scope.is_empty() {
            "read".into()
        } else {
            form.scope
        },
        expires_at: form.expires_at,
        min_date: (Utc::now() + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn tokens(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    if ctx.workspace.is_none() {
        return Ok(redirect(jar, HOME));
    }
    tokens_page(
        &state,
        &ctx,
        jar,
        TokenForm::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "identity/token_created.html")]
struct TokenCreatedPage {
    shell: Shell,
    name: String,
    secret: String,
    scope_label: &'static str,
    expires: String,
}

/// The last moment of a `YYYY-MM-DD` day, UTC.
fn end_of_day(raw: &str) -> Option<chrono::DateTime<Utc>> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()?
        .and_hms_opt(23, 59, 59)
        .map(|t| t.and_utc())
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let mut problems = Vec::new();
    let scope = TokenScope::parse(form.scope.trim());
    if scope.is_none() {
        problems.push(FieldError::new(
            "scope",
            "Choose read only or read and write",
        ));
    }
    let expires_at = if form.expires_at.trim().is_empty() {
        None
    } else {
        let parsed = end_of_day(&form.expires_at);
        if parsed.is_none() {
            problems.push(FieldError::new(
                "expires_at",
                "Enter a date like 2030-12-31, or leave it empty",
            ));
        }
        parsed
    };
    let errors = match scope {
        Some(scope) if problems.is_empty() => {
            match tokens::create(
                &state,
                &ctx,
                NewToken {
                    name: form.name.clone(),
                    scope,
                    expires_at,
                },
            )
            .await
            {
                Ok((model, secret)) => {
                    let (jar, flashes) = flash::take(jar);
                    let page = TokenCreatedPage {
                        shell: for_request(&state, Some(&ctx), "Token created", TOKENS, flashes)
                            .await?,
                        scope_label: scope_label(&model.scope).0,
                        expires: fmt_opt_time(model.expires_at.as_ref(), "never"),
                        name: model.name,
                        secret,
                    };
                    return Ok(html(jar, &page));
                }
                Err(e) => FormErrors::from_error(e)?,
            }
        }
        _ => FormErrors::from_fields(problems),
    };
    tokens_page(&state, &ctx, jar, form, errors).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match tokens::revoke(&state, &ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The token was revoked. It no longer works.",
            TOKENS,
        )),
        Err(e) => action_failed(jar, e, TOKENS),
    }
}
