//! The Workers page (`/fleet/workers`): the workspace's automation workers — online or not,
//! the task each is on, tasks per hour and failure rate over 24 hours — and, for owners and
//! admins, adding a worker (its token is shown once) and revoking one.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    http::extract::{Form, Path},
    web::{
        flash,
        forms::{FormErrors, action_failed, fmt_opt_time, html_with, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::nav::{self, Link};
use crate::service::{access, workers};

const PATH: &str = "/fleet/workers";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(PATH, get(workers_page).post(create))
        .route("/fleet/workers/{id}/revoke", post(revoke))
}

struct Row {
    id: String,
    name: String,
    online: bool,
    revoked: bool,
    status: String,
    current: Option<String>,
    per_hour: String,
    failure: String,
    last_seen: String,
    prefix: String,
}

#[derive(Template)]
#[template(path = "fleet/workers.html")]
struct WorkersPage {
    shell: Shell,
    subnav: Vec<Link>,
    rows: Vec<Row>,
    can_manage: bool,
    errors: FormErrors,
    worker_name: String,
    name_max: usize,
    new_token: Option<(String, String)>,
    computed_at: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    errors: FormErrors,
    name: String,
    new_token: Option<(String, String)>,
) -> Result<Response> {
    let scope = access::read(state, ctx).await?;
    let now = platform::db::now();
    let mut rows = Vec::new();
    for w in workers::list(&state.db, &scope).await? {
        let f = workers::figures(&state.db, &scope, w.id).await?;
        let current = workers::current_task(&state.db, &scope, w.id)
            .await?
            .map(|t| format!("/fleet/accounts/{}", t.account_id));
        rows.push(Row {
            id: w.id.to_string(),
            name: w.name.clone(),
            online: workers::is_online(&w, now),
            revoked: w.revoked_at.is_some(),
            status: w.status.clone(),
            current,
            per_hour: format!("{:.1}", f.tasks_per_hour),
            failure: f
                .failure_rate
                .map(|r| format!("{:.0} %", r * 100.0))
                .unwrap_or_else(|| "—".into()),
            last_seen: fmt_opt_time(w.last_seen_at.as_ref(), "Never"),
            prefix: w.token_prefix.clone(),
        });
    }
    let (jar, flashes) = flash::take(jar);
    let view = WorkersPage {
        shell: shell::for_request(state, Some(ctx), "Workers · Fleet", "/fleet", flashes).await?,
        subnav: nav::links(PATH),
        rows,
        can_manage: ctx.can(Permission::WorkspaceSettings),
        errors,
        worker_name: name,
        name_max: workers::NAME_MAX,
        new_token,
        computed_at: platform::web::forms::fmt_time(&now),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn workers_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    render(
        &state,
        &ctx,
        jar,
        FormErrors::default(),
        String::new(),
        None,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    name: String,
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<CreateForm>,
) -> Result<Response> {
    match workers::create(&state, &ctx, &form.name).await {
        Ok((w, token)) => {
            render(
                &state,
                &ctx,
                jar,
                FormErrors::default(),
                String::new(),
                Some((w.name, token)),
            )
            .await
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &ctx, jar, errors, form.name, None).await
        }
    }
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match workers::revoke(&state, &ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Worker revoked: its token no longer works, and its task went back to the queue.",
            PATH,
        )),
        Err(e) => action_failed(jar, e, PATH),
    }
}
