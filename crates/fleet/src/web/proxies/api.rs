//! The proxies' JSON API (`/api/v1/fleet/proxies`): list (cursor pages), add, bulk import,
//! read, change, delete, test through a real connection, utilization, and the accounts on a
//! proxy (assign or move one here, take one off; "assign waiting accounts" for imported
//! accounts without a proxy). A proxy's password is accepted but never returned: answers say
//! `has_password`. Another workspace's proxy or account is not found. Reads need workspace
//! read, changes workspace write; a plan without the fleet answers 402 `feature-not-in-plan`.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Result,
    error::Problem,
    http::extract::{Json, PageSize, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::proxy,
    service::proxies::{
        self as service, Filter, Input, Kind, Password, Status,
        bulk::{self, Report},
        placing::{self, AccountOn, AccountRef, AssignedWaiting},
        utilization::{self, LocationLoad, Money, PersonaUse},
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_proxies, create_proxy))
        .routes(routes!(import_proxies))
        .routes(routes!(proxy_utilization))
        .routes(routes!(assign_waiting))
        .routes(routes!(get_proxy, update_proxy, delete_proxy))
        .routes(routes!(test_proxy))
        .routes(routes!(list_proxy_accounts, assign_proxy_account))
        .routes(routes!(unassign_proxy_account))
}

/// A proxy. Its password is never returned.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxy)]
pub struct ProxyOut {
    pub id: Uuid,
    /// `http` or `socks5`.
    pub kind: String,
    /// Lower case; IPv6 without brackets.
    pub host: String,
    pub port: i32,
    /// `host:port` (IPv6 in brackets).
    pub endpoint: String,
    /// `""` when the proxy takes no credentials.
    pub username: String,
    pub has_password: bool,
    pub provider: String,
    pub location: String,
    pub monthly_cost_minor: i64,
    pub currency: String,
    /// `active` (takes accounts), `inactive` or `error` (its last test failed; takes no new
    /// accounts until a test passes).
    pub status: String,
    /// Capacity: accounts it may carry.
    pub max_accounts: i32,
    /// Accounts on it now.
    pub account_count: i32,
    pub last_tested_at: Option<DateTime<Utc>>,
    pub last_test_ok: Option<bool>,
    /// Milliseconds the last passing test took (see `POST …/test`).
    pub last_latency_ms: Option<i32>,
    pub last_test_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&proxy::Model> for ProxyOut {
    fn from(p: &proxy::Model) -> Self {
        ProxyOut {
            id: p.id,
            kind: p.kind.clone(),
            host: p.host.clone(),
            port: p.port,
            endpoint: service::endpoint(p),
            username: p.username.clone(),
            has_password: p.password_enc.is_some(),
            provider: p.provider.clone(),
            location: p.location.clone(),
            monthly_cost_minor: p.monthly_cost_minor,
            currency: p.currency.clone(),
            status: p.status.clone(),
            max_accounts: p.max_accounts,
            account_count: p.account_count,
            last_tested_at: p.last_tested_at,
            last_test_ok: p.last_test_ok,
            last_latency_ms: p.last_latency_ms,
            last_test_error: p.last_test_error.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of proxies.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyPage)]
pub struct ProxyPage {
    /// In the order they were added.
    pub items: Vec<ProxyOut>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProxyQuery {
    /// Only proxies of this status (`active`, `inactive`, `error`).
    pub status: Option<String>,
    /// Only proxies of this location (any case; empty: proxies without one).
    pub location: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

/// A new proxy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FleetProxyIn)]
pub struct ProxyIn {
    /// `http` (default) or `socks5`.
    #[serde(default)]
    pub kind: Option<String>,
    /// A host name or an IP address, at most 253 characters.
    pub host: String,
    /// 1–65535.
    pub port: i64,
    /// At most 255 characters.
    #[serde(default)]
    pub username: String,
    /// At most 255 characters; stored encrypted, never returned.
    #[serde(default)]
    pub password: Option<String>,
    /// At most 80 characters.
    #[serde(default)]
    pub provider: String,
    /// At most 80 characters; accounts of a persona with this location get this proxy first.
    #[serde(default)]
    pub location: String,
    /// 0–100,000,000 minor units (cents).
    #[serde(default)]
    pub monthly_cost_minor: i64,
    /// ISO 4217 code (default `USD`).
    #[serde(default)]
    pub currency: Option<String>,
    /// `active` (default), `inactive` or `error`.
    #[serde(default)]
    pub status: Option<String>,
    /// Capacity, 1–50 (default 3).
    #[serde(default)]
    pub max_accounts: Option<i64>,
}

impl From<ProxyIn> for Input {
    fn from(p: ProxyIn) -> Self {
        let d = Input::default();
        Input {
            kind: p.kind.unwrap_or(d.kind),
            host: p.host,
            port: p.port,
            username: p.username,
            password: p.password.map_or(Password::Keep, Password::Set),
            provider: p.provider,
            location: p.location,
            monthly_cost_minor: p.monthly_cost_minor,
            currency: p.currency.unwrap_or(d.currency),
            status: p.status.unwrap_or(d.status),
            max_accounts: p.max_accounts.unwrap_or(d.max_accounts),
        }
    }
}

/// A proxy's new values (every field; the password is kept unless given or cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FleetProxyUpdate)]
pub struct ProxyUpdate {
    /// `http` or `socks5`.
    pub kind: String,
    pub host: String,
    /// 1–65535.
    pub port: i64,
    #[serde(default)]
    pub username: String,
    /// A new password; left out (or `null`) keeps the stored one.
    #[serde(default)]
    pub password: Option<String>,
    /// Removes the stored password.
    #[serde(default)]
    pub clear_password: bool,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub location: String,
    /// Minor units (cents).
    pub monthly_cost_minor: i64,
    pub currency: String,
    /// `active`, `inactive` or `error`.
    pub status: String,
    /// Capacity, 1–50; not below the accounts on it now.
    pub max_accounts: i64,
}

impl From<ProxyUpdate> for Input {
    fn from(p: ProxyUpdate) -> Self {
        Input {
            kind: p.kind,
            host: p.host,
            port: p.port,
            username: p.username,
            password: if p.clear_password {
                Password::Clear
            } else {
                p.password.map_or(Password::Keep, Password::Set)
            },
            provider: p.provider,
            location: p.location,
            monthly_cost_minor: p.monthly_cost_minor,
            currency: p.currency,
            status: p.status,
            max_accounts: p.max_accounts,
        }
    }
}

fn filter_of(q: &ProxyQuery) -> Result<Filter> {
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| Error::validation("status", "One of active, inactive or error"))?,
        ),
    };
    Ok(Filter {
        status,
        location: q.location.clone(),
    })
}

/// The workspace's proxies, in the order they were added.
#[utoipa::path(get, path = "/api/v1/fleet/proxies", tag = "fleet", security(("bearer" = [])), params(ProxyQuery),
    responses((status = 200, body = ProxyPage), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_proxies(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ProxyQuery>,
) -> Result<Json<ProxyPage>> {
    let filter = filter_of(&q)?;
    let (rows, next) =
        service::page(&state, &ctx, &filter, q.cursor, PageSize::or(q.limit, 50)).await?;
    Ok(Json(ProxyPage {
        items: rows.iter().map(Into::into).collect(),
        next_cursor: next,
    }))
}

/// Add a proxy (422 naming each wrong field; the same host, port and username twice is a
/// 422 on `host`).
#[utoipa::path(post, path = "/api/v1/fleet/proxies", tag = "fleet", security(("bearer" = [])), request_body = ProxyIn,
    responses((status = 201, body = ProxyOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<ProxyIn>,
) -> Result<Response> {
    let row = service::create(&state, &ctx, body.into()).await?;
    Ok((StatusCode::CREATED, Json(ProxyOut::from(&row))).into_response())
}

/// Proxies to import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FleetProxyImportIn)]
pub struct ImportIn {
    /// One proxy a line (`host:port`, `host:port:username:password`,
    /// `socks5://user:pass@host:port`) or CSV with a header (`host,port,username,password,
    /// provider,location,monthly_cost[,currency,kind,max_accounts]`); blank lines and `#`
    /// comments are skipped; at most 10,000 lines (and the server's request size limit).
    pub text: String,
    /// The kind of lines that name none: `http` (default) or `socks5`.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Import proxies in bulk: every line is checked like a proxy added alone; invalid lines and
/// duplicates (of an earlier line or of a proxy the workspace has) are reported with their
/// line numbers and not inserted, so the same text imported twice adds nothing the second
/// time. A CSV header with an unknown or missing column refuses the whole text (422).
#[utoipa::path(post, path = "/api/v1/fleet/proxies/import", tag = "fleet", security(("bearer" = [])), request_body = ImportIn,
    responses((status = 200, body = Report), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import_proxies(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<ImportIn>,
) -> Result<Json<Report>> {
    let kind = match body.kind.as_deref() {
        None => Kind::Http,
        Some(k) => {
            Kind::parse(k).ok_or_else(|| Error::validation("kind", "Either http or socks5"))?
        }
    };
    Ok(Json(bulk::import(&state, &ctx, &body.text, kind).await?))
}

/// One proxy's load and the personas using it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyLoad)]
pub struct ProxyLoad {
    pub id: Uuid,
    pub endpoint: String,
    pub location: String,
    pub status: String,
    pub account_count: i32,
    pub max_accounts: i32,
    /// Room for more accounts (0 unless active).
    pub free: i64,
    pub monthly_cost_minor: i64,
    pub currency: String,
    /// Personas whose accounts use it, with how many.
    pub personas: Vec<PersonaUse>,
}

/// The workspace's proxies at a glance, computed live when asked (`at`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyPoolUtilization)]
pub struct UtilizationOut {
    pub at: DateTime<Utc>,
    pub proxies: i64,
    pub active: i64,
    pub inactive: i64,
    /// Proxies whose last test failed (`error`).
    pub failing: i64,
    /// Capacity of the active proxies.
    pub slots: i64,
    /// Accounts on a proxy.
    pub used: i64,
    /// Room on the active proxies.
    pub free: i64,
    /// Imported accounts without a proxy.
    pub waiting_accounts: i64,
    /// The sum of the proxies' monthly costs, by currency.
    pub monthly_cost: Vec<Money>,
    pub locations: Vec<LocationLoad>,
    pub items: Vec<ProxyLoad>,
}

/// Proxy utilization: free slots, load by location, monthly cost, and which personas use
/// which proxy.
#[utoipa::path(get, path = "/api/v1/fleet/proxies/utilization", tag = "fleet", security(("bearer" = [])),
    responses((status = 200, body = UtilizationOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn proxy_utilization(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<UtilizationOut>> {
    let (proxies, mut u) = utilization::utilization(&state, &ctx).await?;
    let items = proxies
        .iter()
        .map(|p| ProxyLoad {
            id: p.id,
            endpoint: service::endpoint(p),
            location: p.location.clone(),
            status: p.status.clone(),
            account_count: p.account_count,
            max_accounts: p.max_accounts,
            free: if p.status == Status::Active.as_str() {
                i64::from((p.max_accounts - p.account_count).max(0))
            } else {
                0
            },
            monthly_cost_minor: p.monthly_cost_minor,
            currency: p.currency.clone(),
            personas: u.personas.remove(&p.id).unwrap_or_default(),
        })
        .collect();
    Ok(Json(UtilizationOut {
        at: u.at,
        proxies: u.proxies,
        active: u.active,
        inactive: u.inactive,
        failing: u.failing,
        slots: u.slots,
        used: u.used,
        free: u.free,
        waiting_accounts: u.waiting_accounts,
        monthly_cost: u.monthly_cost,
        locations: u.locations,
        items,
    }))
}

/// Give imported accounts without a proxy one each (the least-loaded active proxy with room,
/// preferring their persona's location), oldest first, up to 1,000 a call, until no proxy
/// has room; each is then queued for warm-up.
#[utoipa::path(post, path = "/api/v1/fleet/proxies/assign-waiting", tag = "fleet", security(("bearer" = [])),
    responses((status = 200, body = AssignedWaiting), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn assign_waiting(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AssignedWaiting>> {
    Ok(Json(placing::assign_waiting(&state, &ctx).await?))
}

/// A proxy.
#[utoipa::path(get, path = "/api/v1/fleet/proxies/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProxyOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ProxyOut>> {
    let row = service::get(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&row).into()))
}

/// Change a proxy (its capacity not below the accounts on it: 422 on `max_accounts`).
#[utoipa::path(put, path = "/api/v1/fleet/proxies/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ProxyUpdate,
    responses((status = 200, body = ProxyOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn update_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<ProxyUpdate>,
) -> Result<Json<ProxyOut>> {
    let row = service::update(&state, &ctx, parse_id(&id)?, body.into()).await?;
    Ok(Json((&row).into()))
}

/// Delete a proxy no account uses (409 while accounts use it: move or take them off first).
#[utoipa::path(delete, path = "/api/v1/fleet/proxies/{id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A connection test's result.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyTest)]
pub struct TestOut {
    pub ok: bool,
    /// Milliseconds from the start of the TCP connection to the proxy until the tunnel to the
    /// check host was open (HTTPS check URL; for an HTTP check URL: until the status line of
    /// the check URL came back through the proxy). `null` when the test failed.
    pub latency_ms: Option<i32>,
    /// What happened, in one sentence.
    pub summary: String,
    /// The host the proxy was asked to reach (the fleet settings' check URL).
    pub check_host: String,
    /// The proxy after the result was recorded (status: a failure sets an active proxy to
    /// `error`, a success sets an `error` proxy back to `active`).
    pub proxy: ProxyOut,
}

/// Test a proxy through a real connection to the workspace's check URL (HTTP CONNECT or an
/// absolute-URI GET for an http proxy, the SOCKS5 handshake with username/password sign-in
/// for a socks5 one), within 10 seconds. The result is recorded on the proxy and its
/// timeline. A proxy whose host resolves to a loopback, private or link-local address is
/// refused (422 on `host`) unless the server allows such proxies.
#[utoipa::path(post, path = "/api/v1/fleet/proxies/{id}/test", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TestOut), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn test_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<TestOut>> {
    let t = service::test(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(TestOut {
        ok: t.probe.ok,
        latency_ms: t.probe.latency_ms,
        summary: t.probe.summary,
        check_host: t.check_host,
        proxy: (&t.proxy).into(),
    }))
}

/// An account on a proxy.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyAccount)]
pub struct ProxyAccountOut {
    pub id: Uuid,
    pub username: String,
    /// Its lifecycle state (`proxy_assigned`, `warming_up`, …).
    pub state: String,
    pub persona_id: Option<Uuid>,
    pub persona: Option<String>,
    pub proxy_id: Option<Uuid>,
    pub proxy_assigned_at: Option<DateTime<Utc>>,
}

impl From<&AccountOn> for ProxyAccountOut {
    fn from(a: &AccountOn) -> Self {
        ProxyAccountOut {
            id: a.account.id,
            username: a.account.username.clone(),
            state: a.account.state.clone(),
            persona_id: a.account.persona_id,
            persona: a.persona.clone(),
            proxy_id: a.account.proxy_id,
            proxy_assigned_at: a.account.proxy_assigned_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FleetProxyAccountList)]
pub struct ProxyAccountList {
    /// By username.
    pub items: Vec<ProxyAccountOut>,
}

/// The accounts on a proxy.
#[utoipa::path(get, path = "/api/v1/fleet/proxies/{id}/accounts", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProxyAccountList), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_proxy_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ProxyAccountList>> {
    let p = service::get(&state, &ctx, parse_id(&id)?).await?;
    let scope = platform::Scope::of(&ctx)?;
    let rows = placing::accounts_on(&state.db, &scope, p.id).await?;
    Ok(Json(ProxyAccountList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// The account to put on the proxy: by id or by username (one of them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FleetProxyAssignIn)]
pub struct AssignIn {
    #[serde(default)]
    pub account_id: Option<Uuid>,
    #[serde(default)]
    pub username: Option<String>,
}

/// Put an account on this proxy, or move it here from its proxy (409 when this proxy is full
/// or not active, or the account is on it already). An imported account becomes
/// `proxy_assigned` and is queued for warm-up.
#[utoipa::path(post, path = "/api/v1/fleet/proxies/{id}/accounts", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AssignIn,
    responses((status = 200, body = ProxyAccountOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_proxy_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AssignIn>,
) -> Result<Json<ProxyAccountOut>> {
    let account = match (body.account_id, body.username) {
        (Some(id), None) => AccountRef::Id(id),
        (None, Some(name)) => AccountRef::Username(name),
        _ => {
            return Err(Error::validation(
                "account_id",
                "Give either account_id or username",
            ));
        }
    };
    let a = placing::assign_account(&state, &ctx, parse_id(&id)?, account).await?;
    let scope = platform::Scope::of(&ctx)?;
    let a = placing::with_persona(&state.db, &scope, a).await?;
    Ok(Json((&a).into()))
}

/// Take an account off this proxy (an account waiting for warm-up goes back to `imported`;
/// any other keeps its state). An account that is not on this proxy is not found.
#[utoipa::path(delete, path = "/api/v1/fleet/proxies/{id}/accounts/{account_id}", tag = "fleet", security(("bearer" = [])), params(("id" = Uuid, Path), ("account_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn unassign_proxy_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    placing::unassign_account(&state, &ctx, parse_id(&id)?, parse_id(&account_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
