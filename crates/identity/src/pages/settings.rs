//! `/workspace/settings`: the workspace's name (renamed by owners and admins, with inline
//! errors), its slug (the name scripts and the command line use), and what it holds — members,
//! pending invitations, active API tokens — with links to manage them.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;

use super::common::{FormErrors, fmt_time, html_with, redirect, redirect_flash};
use crate::service::workspaces::{self, NAME_MAX, WorkspaceFigures};

pub const SETTINGS: &str = "/workspace/settings";

#[derive(Template)]
#[template(path = "identity/workspace_settings.html")]
struct SettingsPage {
    shell: Shell,
    name: String,
    /// What the name field shows: the saved name, or what was typed when it was refused.
    name_value: String,
    name_max: usize,
    slug: String,
    created: String,
    can_rename: bool,
    can_tokens: bool,
    figures: WorkspaceFigures,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    typed: Option<String>,
    errors: FormErrors,
) -> Result<Response> {
    let figures = workspaces::figures(state, ctx).await?;
    let ws = workspaces::current(state, ctx).await?;
    let (jar, flashes) = flash::take(jar);
    let page = SettingsPage {
        shell: for_request(state, Some(ctx), "Workspace settings", SETTINGS, flashes).await?,
        name_value: typed.unwrap_or_else(|| ws.name.clone()),
        name: ws.name,
        name_max: NAME_MAX,
        slug: ws.slug,
        created: fmt_time(&ws.created_at),
        can_rename: ctx.can(Permission::WorkspaceSettings),
        can_tokens: ctx.can(Permission::TokensRead),
        figures,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    if ctx.workspace.is_none() {
        return Ok(redirect(jar, "/home"));
    }
    render(&state, &ctx, jar, None, FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<RenameForm>,
) -> Result<Response> {
    match workspaces::rename(&state, &ctx, &form.name).await {
        Ok(ws) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("The workspace is now called {}.", ws.name),
            SETTINGS,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &ctx, jar, Some(form.name), errors).await
        }
    }
}
