//! The persona pages: the grid of persona cards with the form to add one (`/fleet/personas`);
//! one persona's accounts in six tabs (`/fleet/personas/{id}/accounts?view=…`: its accounts,
//! ready accounts to assign in a batch, the warm-up pipeline of its location, its proxies,
//! what needs attention, and its content pools); editing and deleting it
//! (`/fleet/personas/{id}/edit`). Forms are plain posts: invalid input is answered inline, an
//! action (assign, release, delete) with a flash.

pub mod api;
mod tabs;

pub(crate) use tabs::content_tab;

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path},
    web::{
        flash,
        format::{count, number},
        forms::{FormErrors, action_failed, fmt_time, html_with, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::nav::{self, Link};
use crate::{
    model::{event, persona},
    service::{
        lifecycle::State as Lifecycle,
        personas::{self as service, LOCATION_MAX, NAME_MAX, NOTES_MAX, PersonaInput, REASON_MAX},
    },
};

const LIST: &str = "/fleet/personas";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(create))
        .route("/fleet/personas/{id}/accounts", get(tabs::accounts_page))
        .route("/fleet/personas/{id}/edit", get(edit_page).post(update))
        .route("/fleet/personas/{id}/delete", post(delete))
        .route("/fleet/personas/{id}/assign", post(assign))
        .route(
            "/fleet/personas/{id}/accounts/{account_id}/release",
            post(release),
        )
}

fn accounts_href(id: Uuid, view: &str) -> String {
    format!("/fleet/personas/{id}/accounts?view={view}")
}

/// Where an account's own page (its timeline, acting as a worker) is.
fn account_href(id: Uuid) -> String {
    format!("/fleet/accounts/{id}")
}

// ---- the form -------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PersonaForm {
    name: String,
    location: String,
    notes: String,
}

impl PersonaForm {
    fn of(p: &persona::Model) -> Self {
        PersonaForm {
            name: p.name.clone(),
            location: p.location.clone(),
            notes: p.notes.clone(),
        }
    }

    fn input(&self) -> PersonaInput {
        PersonaInput {
            name: self.name.clone(),
            location: self.location.clone(),
            notes: self.notes.clone(),
        }
    }
}

struct Limits {
    name: usize,
    location: usize,
    notes: usize,
    reason: usize,
}

impl Limits {
    /// The notes' limit as people read it (`1,000`).
    fn notes_words(&self) -> String {
        number(i64::try_from(self.notes).unwrap_or(i64::MAX))
    }
}

const LIMITS: Limits = Limits {
    name: NAME_MAX,
    location: LOCATION_MAX,
    notes: NOTES_MAX,
    reason: REASON_MAX,
};

// ---- the grid -------------------------------------------------------------------------------

struct StateCount {
    label: &'static str,
    count: String,
}

struct Recent {
    text: String,
    at: String,
}

fn recent_line(e: &event::Model) -> Recent {
    let text = match (&e.from_state, &e.to_state) {
        (Some(from), Some(to)) => format!(
            "{}: {} → {}{}",
            e.actor_label,
            Lifecycle::label_of(from),
            Lifecycle::label_of(to),
            if e.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.reason)
            }
        ),
        _ => format!("{}: {}", e.actor_label, e.reason),
    };
    Recent {
        text,
        at: fmt_time(&e.at),
    }
}

struct CardView {
    href: String,
    name: String,
    location: String,
    accounts: String,
    states: Vec<StateCount>,
    proxies: String,
    recent: Vec<Recent>,
}

#[derive(Template)]
#[template(path = "fleet/personas.html")]
struct ListPage {
    shell: Shell,
    subnav: Vec<Link>,
    can_write: bool,
    cards: Vec<CardView>,
    counted_at: String,
    errors: FormErrors,
    form: PersonaForm,
    limits: Limits,
    action: String,
}

async fn list(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: PersonaForm,
    jar: CookieJar,
) -> Result<Response> {
    let cards = service::cards(state, ctx).await?;
    let (jar, flashes) = flash::take(jar);
    let view = ListPage {
        shell: shell::for_request(state, Some(ctx), "Personas", LIST, flashes).await?,
        subnav: nav::links(LIST),
        can_write: ctx.can(Permission::WorkspaceWrite),
        cards: cards
            .iter()
            .map(|c| CardView {
                href: accounts_href(c.persona.id, "overview"),
                name: c.persona.name.clone(),
                location: c.persona.location.clone(),
                accounts: count(c.accounts, "account", "accounts"),
                states: c
                    .by_state
                    .iter()
                    .map(|(s, n)| StateCount {
                        label: s.label(),
                        count: number(*n),
                    })
                    .collect(),
                proxies: count(c.proxies, "proxy", "proxies"),
                recent: c.recent.iter().map(recent_line).collect(),
            })
            .collect(),
        counted_at: fmt_time(&platform::db::now()),
        errors,
        form,
        limits: LIMITS,
        action: LIST.to_string(),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    list(
        &state,
        &ctx,
        FormErrors::default(),
        PersonaForm::default(),
        jar,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<PersonaForm>,
) -> Result<Response> {
    match service::create(&state, &ctx, form.input()).await {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Persona “{}” added. Add its content, then assign ready accounts to it.",
                p.name
            ),
            &accounts_href(p.id, "overview"),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            list(&state, &ctx, errors, form, jar).await
        }
    }
}

/// The checked accounts of the available tab (`account_id`, repeated).
async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let back = accounts_href(id, "available");
    let ids: std::result::Result<Vec<Uuid>, Error> = fields
        .iter()
        .filter(|(k, _)| k == "account_id")
        .map(|(_, v)| parse_id(v.trim()))
        .collect();
    let outcome = match ids {
        Ok(ids) => service::assign(&state, &ctx, id, &ids).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(done) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "{} assigned to this persona.",
                count(
                    i64::try_from(done.len()).unwrap_or(0),
                    "account",
                    "accounts"
                )
            ),
            &accounts_href(id, "overview"),
        )),
        Err(e) => action_failed(jar, e, &back),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReleaseForm {
    reason: String,
}

async fn release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<ReleaseForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let account_id = parse_id(&account_id)?;
    let back = accounts_href(id, "overview");
    match service::release(&state, &ctx, id, account_id, &form.reason).await {
        Ok(a) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "@{} is in cleanup: a worker resets its bio and picture and deletes its posts, then it is ready again.",
                a.username
            ),
            &back,
        )),
        Err(e) => action_failed(jar, e, &back),
    }
}

// ---- editing and deleting -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "fleet/persona_edit.html")]
struct EditPage {
    shell: Shell,
    subnav: Vec<Link>,
    id: String,
    name: String,
    active: String,
    errors: FormErrors,
    form: PersonaForm,
    limits: Limits,
    action: String,
}

async fn edit(
    state: &AppState,
    ctx: &Ctx,
    p: persona::Model,
    errors: FormErrors,
    form: Option<PersonaForm>,
    jar: CookieJar,
) -> Result<Response> {
    let (_, members) = service::overview(state, ctx, p.id).await?;
    let (jar, flashes) = flash::take(jar);
    let view = EditPage {
        shell: shell::for_request(state, Some(ctx), &p.name, LIST, flashes).await?,
        subnav: nav::links(LIST),
        id: p.id.to_string(),
        name: p.name.clone(),
        active: count(
            i64::try_from(members.total).unwrap_or(0),
            "account",
            "accounts",
        ),
        errors,
        form: form.unwrap_or_else(|| PersonaForm::of(&p)),
        limits: LIMITS,
        action: format!("/fleet/personas/{}/edit", p.id),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let p = service::get(&state, &ctx, parse_id(&id)?).await?;
    edit(&state, &ctx, p, FormErrors::default(), None, jar).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<PersonaForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::update(&state, &ctx, id, form.input()).await {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Persona saved.",
            &accounts_href(p.id, "overview"),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = service::get(&state, &ctx, id).await?;
            edit(&state, &ctx, p, errors, Some(form), jar).await
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::delete(&state, &ctx, id).await {
        Ok(d) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            if d.released == 0 {
                format!("Persona “{}” deleted.", d.persona.name)
            } else {
                format!(
                    "Persona “{}” deleted. {} in cleanup; once a worker has reset them they are ready again.",
                    d.persona.name,
                    if d.released == 1 {
                        "Its account is".to_string()
                    } else {
                        format!(
                            "Its {} accounts are",
                            number(i64::try_from(d.released).unwrap_or(0))
                        )
                    }
                )
            },
            LIST,
        )),
        Err(e) => action_failed(jar, e, &format!("/fleet/personas/{id}/edit")),
    }
}
