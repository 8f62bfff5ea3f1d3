//! The personas' JSON API: the workspace's personas with their figures (create, read, change,
//! delete), a persona's accounts by view, the batch assignment of ready accounts and the
//! release of one account into cleanup. Another workspace's persona or account is not found.
//! Reads need workspace read, changes workspace write; the workspace's plan must include the
//! fleet (402 `feature-not-in-plan` otherwise).

use std::collections::BTreeMap;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Bounded, Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::account,
    service::{
        lifecycle::State as Lifecycle,
        personas::{self as service, AccountRow, AvailableFilter, Card, PersonaInput, View},
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_personas, create_persona))
        .routes(routes!(get_persona, update_persona, delete_persona))
        .routes(routes!(persona_accounts))
        .routes(routes!(assign_accounts))
        .routes(routes!(release_account))
}

/// A persona (the requirement's "model") with its figures, counted when answered.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersona)]
pub struct PersonaOut {
    pub id: Uuid,
    pub name: String,
    /// Preferred proxy location; empty: any.
    pub location: String,
    pub notes: String,
    /// Its accounts.
    pub accounts: i64,
    /// Its accounts by lifecycle state (only states it has).
    pub accounts_by_state: BTreeMap<String, i64>,
    /// Distinct proxies its accounts use.
    pub proxies: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Card> for PersonaOut {
    fn from(c: &Card) -> Self {
        PersonaOut {
            id: c.persona.id,
            name: c.persona.name.clone(),
            location: c.persona.location.clone(),
            notes: c.persona.notes.clone(),
            accounts: c.accounts,
            accounts_by_state: c
                .by_state
                .iter()
                .map(|(s, n)| (s.as_str().to_string(), *n))
                .collect(),
            proxies: c.proxies,
            created_at: c.persona.created_at,
            updated_at: c.persona.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaList)]
pub struct PersonaList {
    /// By name; every persona of the workspace (at most 1,000).
    pub items: Vec<PersonaOut>,
}

/// A persona as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = FleetPersonaIn)]
#[serde(deny_unknown_fields)]
pub struct PersonaIn {
    /// 1–80 characters, one line, unique in the workspace (any case).
    pub name: String,
    /// Preferred proxy location, up to 80 characters, as written on the proxies; empty: any.
    #[serde(default)]
    pub location: String,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub notes: String,
}

impl From<PersonaIn> for PersonaInput {
    fn from(p: PersonaIn) -> Self {
        PersonaInput {
            name: p.name,
            location: p.location,
            notes: p.notes,
        }
    }
}

/// The workspace's personas with their figures, by name.
#[utoipa::path(get, path = "/api/v1/fleet/personas", tag = "fleet", security(("bearer" = [])),
    responses((status = 200, body = PersonaList), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_personas(State(state): State<AppState>, ctx: Ctx) -> Result<Json<PersonaList>> {
    let cards = service::cards(&state, &ctx).await?;
    Ok(Json(PersonaList {
        items: cards.iter().map(Into::into).collect(),
    }))
}

/// Create a persona (409 when the workspace keeps 1,000 already).
#[utoipa::path(post, path = "/api/v1/fleet/personas", tag = "fleet", security(("bearer" = [])), request_body = PersonaIn,
    responses((status = 201, body = PersonaOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<PersonaIn>,
) -> Result<Response> {
    let p = service::create(&state, &ctx, body.into()).await?;
    let card = service::card(&state, &ctx, p.id).await?;
    Ok((StatusCode::CREATED, Json(PersonaOut::from(&card))).into_response())
}

/// A persona with its figures.
#[utoipa::path(get, path = "/api/v1/fleet/personas/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = PersonaOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<PersonaOut>> {
    let card = service::card(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&card).into()))
}

/// Change a persona's name, location and notes.
#[utoipa::path(put, path = "/api/v1/fleet/personas/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PersonaIn,
    responses((status = 200, body = PersonaOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn update_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<PersonaIn>,
) -> Result<Json<PersonaOut>> {
    let p = service::update(&state, &ctx, parse_id(&id)?, body.into()).await?;
    let card = service::card(&state, &ctx, p.id).await?;
    Ok(Json((&card).into()))
}

/// What deleting a persona did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaDeleted)]
pub struct PersonaDeleted {
    pub id: Uuid,
    pub name: String,
    /// Its accounts that went to cleanup (cleanup tasks queued for workers; afterwards they
    /// are ready again).
    pub accounts_to_cleanup: usize,
}

/// Delete a persona and its content pools; its active accounts go to cleanup in the same
/// transaction.
#[utoipa::path(delete, path = "/api/v1/fleet/personas/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = PersonaDeleted), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<PersonaDeleted>> {
    let d = service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(PersonaDeleted {
        id: d.persona.id,
        name: d.persona.name,
        accounts_to_cleanup: d.released,
    }))
}

/// The last task of an account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaAccountTask)]
pub struct LastTaskOut {
    pub step_label: String,
    /// `pending`, `in_progress`, `completed`, `failed`, `requires_review` or `cancelled`.
    pub status: String,
    pub error_message: Option<String>,
    pub at: DateTime<Utc>,
}

/// A managed account as the persona views show it (no credentials).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaAccount)]
pub struct AccountOut {
    pub id: Uuid,
    pub username: String,
    /// `imported`, `proxy_assigned`, `warming_up`, `human_review`, `ready`, `active` or
    /// `cleanup`.
    pub state: String,
    pub state_label: String,
    pub persona_id: Option<Uuid>,
    /// The warm-up step due or running (1-based), outside warm-up `null`.
    pub warmup_step: Option<i32>,
    pub warmup_step_label: Option<String>,
    pub proxy_id: Option<Uuid>,
    pub proxy_location: Option<String>,
    pub last_worker_id: Option<Uuid>,
    pub last_worker_name: Option<String>,
    pub last_worker_action_at: Option<DateTime<Utc>>,
    pub retry_count: i32,
    /// Its finished steps (warm-up and cleanup).
    pub tasks_completed: i64,
    pub tasks_failed: i64,
    /// Completed among finished steps, in percent; `null` before any finished.
    pub success_rate: Option<f64>,
    pub last_task: Option<LastTaskOut>,
    pub last_error_message: Option<String>,
    /// Why it needs attention (the `attention` view): `needs_review`, `no_proxy`,
    /// `last_task_failed`.
    pub attention: Vec<String>,
}

fn account_out(r: &AccountRow) -> AccountOut {
    let a: &account::Model = &r.account;
    AccountOut {
        id: a.id,
        username: a.username.clone(),
        state: a.state.clone(),
        state_label: Lifecycle::label_of(&a.state).to_string(),
        persona_id: a.persona_id,
        warmup_step: a.warmup_step,
        warmup_step_label: r.step_label.clone(),
        proxy_id: a.proxy_id,
        proxy_location: r.proxy.as_ref().map(|p| p.location.clone()),
        last_worker_id: a.last_worker_id,
        last_worker_name: r.worker_name.clone(),
        last_worker_action_at: a.last_worker_action_at,
        retry_count: a.retry_count,
        tasks_completed: r.tasks_completed,
        tasks_failed: r.tasks_failed,
        success_rate: r.success_rate(),
        last_task: r.last_task.as_ref().map(|t| LastTaskOut {
            step_label: t.step_label.clone(),
            status: t.status.clone(),
            error_message: t.error.clone(),
            at: t.at,
        }),
        last_error_message: a.last_error_message.clone(),
        attention: r
            .reasons
            .iter()
            .map(|r| match *r {
                "Needs review" => "needs_review",
                "No proxy" => "no_proxy",
                _ => "last_task_failed",
            })
            .map(str::to_string)
            .collect(),
    }
}

/// A step of the warm-up pipeline and how many accounts are at it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaPipelineStep)]
pub struct PipelineStepOut {
    pub number: i32,
    pub label: String,
    pub accounts: usize,
    pub in_review: usize,
}

/// A proxy as the `proxies` view shows it (no credentials).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaProxy)]
pub struct ProxyOut {
    pub id: Uuid,
    pub host: String,
    pub port: i32,
    pub location: String,
    /// `active`, `inactive` or `error`.
    pub status: String,
    pub account_count: i32,
    pub max_accounts: i32,
    pub free_slots: i32,
    /// This persona's accounts on it.
    pub persona_accounts: i64,
    pub monthly_cost_minor: i64,
    pub currency: String,
    /// True for a proxy its accounts use, false for a free one in its location.
    pub used_by_persona: bool,
}

fn proxy_out(r: &service::ProxyRow, used: bool) -> ProxyOut {
    ProxyOut {
        id: r.proxy.id,
        host: r.proxy.host.clone(),
        port: r.proxy.port,
        location: r.proxy.location.clone(),
        status: r.proxy.status.clone(),
        account_count: r.proxy.account_count,
        max_accounts: r.proxy.max_accounts,
        free_slots: r.free_slots(),
        persona_accounts: r.persona_accounts,
        monthly_cost_minor: r.proxy.monthly_cost_minor,
        currency: r.proxy.currency.clone(),
        used_by_persona: used,
    }
}

/// A persona's accounts in one view.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaAccounts)]
pub struct AccountsOut {
    pub view: String,
    /// The accounts of the view (empty for `proxies`); at most 500.
    pub accounts: Vec<AccountOut>,
    /// How many matched (may be more than listed).
    pub total: usize,
    /// The `pipeline` view's steps, in order (empty for other views).
    pub steps: Vec<PipelineStepOut>,
    /// The `proxies` view's proxies: those its accounts use, then free ones (empty for
    /// other views).
    pub proxies: Vec<ProxyOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// `overview` (default: its accounts), `available` (ready accounts without a persona),
    /// `pipeline` (accounts warming up in its location), `proxies`, `attention`.
    pub view: Option<String>,
    /// `available`: only accounts whose proxy is in this location (any case).
    pub location: Option<String>,
    /// `available`: only accounts that never failed a step.
    pub no_failures: Option<bool>,
    /// `available`: only accounts with at least this success rate (percent); accounts with no
    /// finished step pass.
    #[param(inline, nullable = false)]
    pub min_success: Option<Bounded<0, 100>>,
}

/// A persona's accounts by view.
#[utoipa::path(get, path = "/api/v1/fleet/personas/{id}/accounts", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path), AccountsQuery),
    responses((status = 200, body = AccountsOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn persona_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<AccountsQuery>,
) -> Result<Json<AccountsOut>> {
    let id = parse_id(&id)?;
    let raw = q.view.as_deref().unwrap_or("overview").trim();
    let view = View::parse(raw).ok_or_else(|| {
        platform::Error::validation(
            "view",
            "One of overview, available, pipeline, proxies or attention",
        )
    })?;
    let mut out = AccountsOut {
        view: view.as_str().to_string(),
        accounts: Vec::new(),
        total: 0,
        steps: Vec::new(),
        proxies: Vec::new(),
    };
    match view {
        View::Overview | View::Attention => {
            let (_, l) = if view == View::Overview {
                service::overview(&state, &ctx, id).await?
            } else {
                service::attention(&state, &ctx, id).await?
            };
            out.accounts = l.rows.iter().map(account_out).collect();
            out.total = l.total;
        }
        View::Available => {
            let filter = AvailableFilter {
                location: q.location.unwrap_or_default(),
                no_failures: q.no_failures.unwrap_or(false),
                min_success: q.min_success.map(|m| u8::try_from(m.get()).unwrap_or(100)),
            };
            let (_, l) = service::available(&state, &ctx, id, &filter).await?;
            out.accounts = l.rows.iter().map(account_out).collect();
            out.total = l.total;
        }
        View::Pipeline => {
            let (_, p) = service::pipeline(&state, &ctx, id).await?;
            out.total = p.total;
            out.steps = p
                .steps
                .iter()
                .map(|s| PipelineStepOut {
                    number: s.number,
                    label: s.label.clone(),
                    accounts: s.total,
                    in_review: s.in_review,
                })
                .collect();
            out.accounts = p
                .steps
                .iter()
                .flat_map(|s| s.rows.iter().map(account_out))
                .collect();
        }
        View::Proxies => {
            let (_, p) = service::proxies(&state, &ctx, id).await?;
            out.proxies = p
                .used
                .iter()
                .map(|r| proxy_out(r, true))
                .chain(p.free.iter().map(|r| proxy_out(r, false)))
                .collect();
            out.total = out.proxies.len();
        }
    }
    Ok(Json(out))
}

/// Ready accounts to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = FleetPersonaAssignIn)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// 1–500 accounts of the workspace in state `ready` without a persona.
    pub account_ids: Vec<Uuid>,
}

/// The accounts assigned.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaAssigned)]
pub struct Assigned {
    pub assigned: usize,
    pub accounts: Vec<AssignedAccount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetPersonaAssignedAccount)]
pub struct AssignedAccount {
    pub id: Uuid,
    pub username: String,
    /// `active` after an assignment, `cleanup` after a release.
    pub state: String,
    pub persona_id: Option<Uuid>,
    pub assigned_to_persona_at: Option<DateTime<Utc>>,
}

fn assigned_account(a: &account::Model) -> AssignedAccount {
    AssignedAccount {
        id: a.id,
        username: a.username.clone(),
        state: a.state.clone(),
        persona_id: a.persona_id,
        assigned_to_persona_at: a.assigned_to_persona_at,
    }
}

/// Assign ready accounts to a persona (`ready → active`, one timeline row each). All or
/// nothing: an account of another workspace (or none) is a 404, one that is not `ready` or has
/// a persona already a 409 naming it — and then no account is assigned.
#[utoipa::path(post, path = "/api/v1/fleet/personas/{id}/assign", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AssignIn,
    responses((status = 200, body = Assigned), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AssignIn>,
) -> Result<Json<Assigned>> {
    let done = service::assign(&state, &ctx, parse_id(&id)?, &body.account_ids).await?;
    Ok(Json(Assigned {
        assigned: done.len(),
        accounts: done.iter().map(assigned_account).collect(),
    }))
}

/// Why an account is released.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = FleetPersonaReleaseIn)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    /// Up to 500 characters, added to the timeline.
    #[serde(default)]
    pub reason: String,
}

/// Release an account of the persona: `active → cleanup`, with the cleanup tasks (reset the
/// bio and picture, delete posts) queued for workers; when they are done it is `ready` again.
/// 409 when the account is not this persona's (active) account.
#[utoipa::path(post, path = "/api/v1/fleet/personas/{id}/accounts/{account_id}/release", tag = "fleet", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("account_id" = Uuid, Path)), request_body = ReleaseIn,
    responses((status = 200, body = AssignedAccount), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn release_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account_id)): Path<(String, String)>,
    Json(body): Json<ReleaseIn>,
) -> Result<Json<AssignedAccount>> {
    let a = service::release(
        &state,
        &ctx,
        parse_id(&id)?,
        parse_id(&account_id)?,
        &body.reason,
    )
    .await?;
    Ok(Json(assigned_account(&a)))
}
