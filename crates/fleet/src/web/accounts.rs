//! The accounts pages: the workspace's managed accounts by state (`/fleet/accounts`), and one
//! account (`/fleet/accounts/{id}`): where it is in its lifecycle, its proxy and persona, the
//! review actions when it needs a person, "act as worker" (take its due task, see what a
//! worker would get, mark it done or failed), its step log and its timeline.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path, Query},
    web::{
        flash,
        format::number,
        forms::{action_failed, fmt_opt_time, fmt_time, html, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::nav::{self, Link};
use crate::model::{account, task};
use crate::service::{
    access, accounts,
    lifecycle::{Actor, State as Lifecycle},
    tasks::{self, review},
};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/fleet/accounts", get(list_page))
        .route("/fleet/accounts/{id}", get(account_page))
        .route("/fleet/accounts/{id}/review", post(review_action))
        .route("/fleet/accounts/{id}/take", post(take))
        .route("/fleet/accounts/{id}/tasks/{task_id}/done", post(task_done))
        .route(
            "/fleet/accounts/{id}/tasks/{task_id}/failed",
            post(task_failed),
        )
}

pub const PAGE_SIZE: u64 = 50;

pub struct StateChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn state_choices(selected: &str) -> Vec<StateChoice> {
    Lifecycle::ALL
        .into_iter()
        .map(|s| StateChoice {
            value: s.as_str(),
            label: s.label(),
            selected: s.as_str() == selected,
        })
        .collect()
}

/// The badge class of a state.
pub fn state_badge(state: &str) -> &'static str {
    match Lifecycle::parse(state) {
        Some(Lifecycle::Ready | Lifecycle::Active) => "badge-success",
        Some(Lifecycle::HumanReview) => "badge-danger",
        Some(Lifecycle::WarmingUp | Lifecycle::Cleanup) => "badge-info",
        Some(Lifecycle::Imported | Lifecycle::ProxyAssigned) | None => "badge-muted",
    }
}

struct Row {
    href: String,
    username: String,
    state: String,
    badge: &'static str,
    step: String,
    proxy: &'static str,
    error: String,
    created: String,
}

#[derive(Template)]
#[template(path = "fleet/accounts.html")]
struct ListPage {
    shell: Shell,
    subnav: Vec<Link>,
    states: Vec<StateChoice>,
    filter: String,
    q: String,
    rows: Vec<Row>,
    page: u64,
    prev: Option<String>,
    next: Option<String>,
    total: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    q: String,
    page: Option<u64>,
}

fn step_text(a: &account::Model) -> String {
    match a.warmup_step {
        Some(n) => format!("Step {n}"),
        None => "—".into(),
    }
}

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let scope = access::read(&state, &ctx).await?;
    let page = q.page.unwrap_or(1);
    if !(1..=10_000).contains(&page) {
        return Err(Error::validation("page", "A page from 1 to 10,000"));
    }
    let filter = Lifecycle::parse(q.state.trim()).map(|s| s.as_str());
    let search: String = q.q.trim().chars().take(30).collect();
    let rows = accounts::list(
        &state.db,
        &scope,
        filter,
        &search,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await?;
    let more = rows.len() as u64 > PAGE_SIZE;
    let counts = accounts::count_by_state(&state.db, &scope).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let link = |p: u64| {
        format!(
            "/fleet/accounts?state={}&q={}&page={p}",
            filter.unwrap_or(""),
            platform::web::forms::encode(&search)
        )
    };
    let (jar, flashes) = flash::take(jar);
    let view = ListPage {
        shell: shell::for_request(&state, Some(&ctx), "Fleet accounts", "/fleet", flashes).await?,
        subnav: nav::links("/fleet/accounts"),
        states: state_choices(filter.unwrap_or("")),
        filter: filter.unwrap_or("").into(),
        q: search.clone(),
        rows: rows
            .iter()
            .take(PAGE_SIZE as usize)
            .map(|a| Row {
                href: format!("/fleet/accounts/{}", a.id),
                username: a.username.clone(),
                state: Lifecycle::label_of(&a.state).into(),
                badge: state_badge(&a.state),
                step: step_text(a),
                proxy: if a.proxy_id.is_some() { "Yes" } else { "None" },
                error: a.last_error_message.clone().unwrap_or_default(),
                created: fmt_time(&a.created_at),
            })
            .collect(),
        page,
        prev: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        total: number(total),
    };
    Ok(html(jar, &view))
}

// ---- one account ----------------------------------------------------------------------------

struct TaskRow {
    step: String,
    label: String,
    status: String,
    attempt: i32,
    by: String,
    started: String,
    finished: String,
    time: String,
    error: String,
}

struct EventRow {
    at: String,
    who: String,
    what: String,
    reason: String,
}

/// The task the operator holds (acting as a worker), with what a worker would get.
struct Held {
    id: Uuid,
    label: String,
    step: i32,
    username: String,
    password: String,
    email: String,
    email_password: String,
    proxy: String,
    image: Option<(String, String)>,
    text: String,
    lease: String,
}

#[derive(Template)]
#[template(path = "fleet/account.html")]
struct AccountPage {
    shell: Shell,
    subnav: Vec<Link>,
    id: Uuid,
    account_id: Uuid,
    username: String,
    state: String,
    badge: &'static str,
    step: String,
    proxy: String,
    proxy_href: Option<String>,
    persona: String,
    created: String,
    last_worker: String,
    last_error: String,
    needs_review: bool,
    can_write: bool,
    can_act: bool,
    open_task: Option<String>,
    takeable: bool,
    held: Option<Held>,
    tasks: Vec<TaskRow>,
    events: Vec<EventRow>,
    actions: Vec<(&'static str, &'static str)>,
}

fn by_of(t: &task::Model, ctx: &Ctx) -> String {
    match (&t.worker_id, &t.worker_session_id) {
        (Some(_), _) => "A worker".into(),
        (None, Some(s)) if *s == format!("operator:{}", ctx.user.id) => "You".into(),
        (None, Some(s)) if s.starts_with("operator:") => "An operator".into(),
        _ => "—".into(),
    }
}

async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let d = accounts::detail(&state, &ctx, id).await?;
    let a = &d.account;
    let now = platform::db::now();
    let open = d
        .tasks
        .iter()
        .find(|t| t.status == tasks::status::PENDING || t.status == tasks::status::IN_PROGRESS);
    let mine = format!("operator:{}", ctx.user.id);
    let can_act = ctx.can(Permission::WorkspaceSettings);
    let held = match open {
        Some(t)
            if t.status == tasks::status::IN_PROGRESS
                && t.worker_id.is_none()
                && t.worker_session_id.as_deref() == Some(mine.as_str())
                && t.lease_expires_at.is_some_and(|l| l > now)
                && can_act =>
        {
            let scope = access::admin(&state, &ctx).await?;
            let v = crate::service::tasks::view::of_task(&state, &scope, t).await?;
            Some(Held {
                id: t.id,
                label: t.step_label.clone(),
                step: t.step_number,
                username: v.account.username,
                password: v.account.password,
                email: v.account.email,
                email_password: v.account.email_password.unwrap_or_default(),
                proxy: v
                    .proxy
                    .map(|p| {
                        format!(
                            "{}://{}{}:{}",
                            p.kind,
                            p.username
                                .map(|u| format!("{u}:{}@", p.password.unwrap_or_default()))
                                .unwrap_or_default(),
                            p.host,
                            p.port
                        )
                    })
                    .unwrap_or_else(|| "No proxy".into()),
                image: v.content.image.map(|i| {
                    (
                        format!("/fleet/content/images/{}", i.id),
                        i.caption.unwrap_or_default(),
                    )
                }),
                text: v.content.text.map(|t| t.text).unwrap_or_default(),
                lease: fmt_opt_time(t.lease_expires_at.as_ref(), ""),
            })
        }
        _ => None,
    };
    let open_task = open.map(|t| {
        if t.status == tasks::status::PENDING {
            if t.due_at <= now {
                format!("Step {}, {}: due now", t.step_number, t.step_label)
            } else {
                format!(
                    "Step {}, {}: due {}",
                    t.step_number,
                    t.step_label,
                    fmt_time(&t.due_at)
                )
            }
        } else {
            format!(
                "Step {}, {}: in progress ({}) until {}",
                t.step_number,
                t.step_label,
                by_of(t, &ctx),
                fmt_opt_time(t.lease_expires_at.as_ref(), "")
            )
        }
    });
    let takeable = open.is_some_and(|t| {
        (t.status == tasks::status::PENDING && t.due_at <= now)
            || (t.status == tasks::status::IN_PROGRESS
                && t.lease_expires_at.is_some_and(|l| l < now))
    });
    let (jar, flashes) = flash::take(jar);
    let view = AccountPage {
        shell: shell::for_request(
            &state,
            Some(&ctx),
            &format!("@{} · Fleet", a.username),
            "/fleet",
            flashes,
        )
        .await?,
        subnav: nav::links("/fleet/accounts"),
        id: a.id,
        account_id: a.id,
        username: a.username.clone(),
        state: Lifecycle::label_of(&a.state).into(),
        badge: state_badge(&a.state),
        step: match a.warmup_step {
            Some(n) => format!("Step {n} of {}", d.steps_total),
            None => "Not in warm-up".into(),
        },
        proxy: d
            .proxy
            .as_ref()
            .map(|p| {
                let place = if p.location.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", p.location)
                };
                format!("{}:{}{place}", p.host, p.port)
            })
            .unwrap_or_else(|| "None".into()),
        proxy_href: d.proxy.as_ref().map(|p| format!("/fleet/proxies/{}", p.id)),
        persona: d
            .persona
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "None".into()),
        created: fmt_time(&a.created_at),
        last_worker: fmt_opt_time(a.last_worker_action_at.as_ref(), "Never"),
        last_error: a.last_error_message.clone().unwrap_or_default(),
        needs_review: review::needs_review(a),
        can_write: ctx.can(Permission::WorkspaceWrite),
        can_act,
        open_task,
        takeable,
        held,
        tasks: d
            .tasks
            .iter()
            .map(|t| TaskRow {
                step: if t.kind == tasks::CLEANUP {
                    format!("Cleanup {}", t.step_number)
                } else {
                    format!("Step {}", t.step_number)
                },
                label: t.step_label.clone(),
                status: tasks::status::label(&t.status).into(),
                attempt: t.retry_count + 1,
                by: by_of(t, &ctx),
                started: fmt_opt_time(t.started_at.as_ref(), "—"),
                finished: fmt_opt_time(t.completed_at.as_ref(), "—"),
                time: t
                    .execution_time_ms
                    .map(|ms| format!("{} ms", number(ms)))
                    .unwrap_or_else(|| "—".into()),
                error: t.error_message.clone().unwrap_or_default(),
            })
            .collect(),
        events: d
            .timeline
            .iter()
            .map(|e| EventRow {
                at: fmt_time(&e.at),
                who: e.actor_label.clone(),
                what: match (&e.from_state, &e.to_state) {
                    (Some(f), Some(t)) => {
                        format!("{} → {}", Lifecycle::label_of(f), Lifecycle::label_of(t))
                    }
                    _ => match e.kind.as_str() {
                        "proxy" => "Proxy".into(),
                        "reveal" => "Passwords revealed".into(),
                        "step" => "Step".into(),
                        "persona" => "Persona".into(),
                        "credentials" => "Credentials shown".into(),
                        other => other.replace('_', " "),
                    },
                },
                reason: e.reason.clone(),
            })
            .collect(),
        actions: vec![
            ("retry", review::Action::Retry.label()),
            ("skip", review::Action::Skip.label()),
            ("mark_done", review::Action::MarkDone.label()),
            ("reset", review::Action::Reset.label()),
        ],
    };
    Ok(html(jar, &view))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    action: String,
}

async fn review_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let to = format!("/fleet/accounts/{id}");
    let outcome = async {
        let scope = access::write(&state, &ctx).await?;
        let action = review::Action::parse(&form.action)
            .ok_or_else(|| Error::validation("action", "Choose retry, skip, mark done or reset"))?;
        review::act(&state.db, &scope, id, action, &Actor::user(&ctx))
            .await
            .map(|a| (action, a))
    }
    .await;
    match outcome {
        Ok((action, a)) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "{}: @{} is now {}.",
                action.label(),
                a.username,
                Lifecycle::label_of(&a.state).to_lowercase()
            ),
            &to,
        )),
        Err(e) => action_failed(jar, e, &to),
    }
}

/// Takes the account's due task as an operator. Showing the credentials it carries is owner
/// or admin only and is written to the activity log.
async fn take(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let to = format!("/fleet/accounts/{id}");
    let outcome = tasks::operator::take(&state, &ctx, id).await;
    match outcome {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "You hold step {}, {} until {}. Do it, then mark it done or failed.",
                t.step_number,
                t.step_label,
                fmt_opt_time(t.lease_expires_at.as_ref(), "")
            ),
            &to,
        )),
        Err(e) => action_failed(jar, e, &to),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneForm {
    execution_time_ms: String,
}

fn parse_ms(raw: &str) -> Result<Option<i64>> {
    let raw = raw.trim().replace(',', "");
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(ms) if (0..=86_400_000).contains(&ms) => Ok(Some(ms)),
        _ => Err(Error::validation(
            "execution_time_ms",
            "A time from 0 to 86,400,000 milliseconds",
        )),
    }
}

async fn task_done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, task_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<DoneForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let task_id = parse_id(&task_id)?;
    let to = format!("/fleet/accounts/{id}");
    let outcome = async {
        let scope = access::admin(&state, &ctx).await?;
        let t = tasks::find_in(&state.db, &scope, task_id).await?;
        if t.account_id != id {
            return Err(Error::NotFound);
        }
        let done = tasks::Done {
            execution_time_ms: parse_ms(&form.execution_time_ms)?,
            instagram_response: None,
        };
        tasks::complete(
            &state.db,
            &scope,
            task_id,
            &tasks::operator::claimant(&ctx),
            done,
        )
        .await
    }
    .await;
    match outcome {
        Ok(o) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            match o.next_step {
                Some(n) => format!(
                    "Done. Step {n} is due {}.",
                    fmt_opt_time(o.next_due_at.as_ref(), "now")
                ),
                None => format!(
                    "Done. The account is {}.",
                    Lifecycle::label_of(&o.account_state).to_lowercase()
                ),
            },
            &to,
        )),
        Err(e) => action_failed(jar, e, &to),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FailedForm {
    error_message: String,
    retryable: Option<String>,
}

pub const ERROR_MAX: usize = 2000;

async fn task_failed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, task_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<FailedForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let task_id = parse_id(&task_id)?;
    let to = format!("/fleet/accounts/{id}");
    let outcome = async {
        let scope = access::admin(&state, &ctx).await?;
        let t = tasks::find_in(&state.db, &scope, task_id).await?;
        if t.account_id != id {
            return Err(Error::NotFound);
        }
        let message = form.error_message.trim().to_string();
        if message.is_empty() || message.chars().count() > ERROR_MAX {
            return Err(Error::validation(
                "error_message",
                "Say what went wrong (1–2,000 characters)",
            ));
        }
        let failed = tasks::Failed {
            error_message: message,
            error_details: None,
            retryable: form.retryable.is_some(),
        };
        tasks::fail(
            &state.db,
            &scope,
            task_id,
            &tasks::operator::claimant(&ctx),
            failed,
        )
        .await
    }
    .await;
    match outcome {
        Ok(o) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            match o.next_due_at {
                Some(at) => format!("Marked failed. A retry is due {}.", fmt_time(&at)),
                None => format!(
                    "Marked failed. The account is {}.",
                    Lifecycle::label_of(&o.account_state).to_lowercase()
                ),
            },
            &to,
        )),
        Err(e) => action_failed(jar, e, &to),
    }
}
