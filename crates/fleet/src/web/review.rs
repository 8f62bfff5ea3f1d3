//! The review queue (`/fleet/review`): every account waiting for a person, with its error,
//! and the review actions for many at once.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::Form,
    web::{
        flash,
        forms::{action_failed, fmt_opt_time, html, redirect_flash},
        pages::{PageRoutes, get},
        shell::{self, FlashKind, Shell},
    },
};
use uuid::Uuid;

use super::nav::{self, Link};
use crate::service::{access, accounts, lifecycle::State as Lifecycle, tasks::review};

const PATH: &str = "/fleet/review";
pub const QUEUE_MAX: u64 = 500;

pub fn routes() -> PageRoutes {
    PageRoutes::new().route(PATH, get(queue_page).post(bulk))
}

struct Row {
    id: Uuid,
    href: String,
    username: String,
    state: String,
    step: String,
    error: String,
    since: String,
}

#[derive(Template)]
#[template(path = "fleet/review.html")]
struct QueuePage {
    shell: Shell,
    subnav: Vec<Link>,
    rows: Vec<Row>,
    can_write: bool,
    actions: Vec<(&'static str, &'static str)>,
}

async fn queue_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let scope = access::read(&state, &ctx).await?;
    let rows = accounts::needing_review(&state.db, &scope, QUEUE_MAX).await?;
    let (jar, flashes) = flash::take(jar);
    let view = QueuePage {
        shell: shell::for_request(
            &state,
            Some(&ctx),
            "Review queue · Fleet",
            "/fleet",
            flashes,
        )
        .await?,
        subnav: nav::links(PATH),
        rows: rows
            .iter()
            .map(|a| Row {
                id: a.id,
                href: format!("/fleet/accounts/{}", a.id),
                username: a.username.clone(),
                state: Lifecycle::label_of(&a.state).into(),
                step: a
                    .warmup_step
                    .map(|n| format!("Step {n}"))
                    .unwrap_or_else(|| "Cleanup".into()),
                error: a.last_error_message.clone().unwrap_or_default(),
                since: fmt_opt_time(a.last_error_at.as_ref(), "—"),
            })
            .collect(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        actions: vec![
            ("retry", review::Action::Retry.label()),
            ("skip", review::Action::Skip.label()),
            ("mark_done", review::Action::MarkDone.label()),
            ("reset", review::Action::Reset.label()),
        ],
    };
    Ok(html(jar, &view))
}

/// The bulk form: `action` and one `account` field per ticked account.
fn parse_bulk(raw: &[(String, String)]) -> Result<(review::Action, Vec<Uuid>)> {
    let mut action = None;
    let mut ids = Vec::new();
    for (k, v) in raw {
        match k.as_str() {
            "action" => action = review::Action::parse(v),
            "account" => ids.push(Uuid::parse_str(v).map_err(|_| Error::NotFound)?),
            _ => {}
        }
    }
    let action = action
        .ok_or_else(|| Error::validation("action", "Choose retry, skip, mark done or reset"))?;
    if ids.is_empty() {
        return Err(Error::validation("account", "Tick at least one account"));
    }
    Ok((action, ids))
}

async fn bulk(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(raw): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let outcome = match parse_bulk(&raw) {
        Ok((action, ids)) => review::bulk(&state, &ctx, &ids, action)
            .await
            .map(|o| (action, o)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok((action, outcomes)) => {
            let ok = outcomes.iter().filter(|o| o.ok).count();
            let refused: Vec<String> = outcomes
                .iter()
                .filter(|o| !o.ok)
                .map(|o| o.message.clone())
                .take(3)
                .collect();
            let mut message = format!(
                "{}: done for {}.",
                action.label(),
                platform::web::forms::plural(ok as u64, "account", "accounts")
            );
            if !refused.is_empty() {
                message.push_str(&format!(
                    " Not done for {}: {}",
                    outcomes.len() - ok,
                    refused.join(" ")
                ));
            }
            let kind = if refused.is_empty() {
                FlashKind::Success
            } else {
                FlashKind::Warning
            };
            Ok(redirect_flash(jar, kind, message, PATH))
        }
        Err(e) => action_failed(jar, e, PATH),
    }
}
