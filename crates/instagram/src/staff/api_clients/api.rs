//! API clients of the social-data service (`/api/v1/admin/api-clients`): create one on a tier
//! (its key is in the answer once and never again), list with usage, one client with its keys,
//! rotate its key, revoke a key or the client, and usage per key per day.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    AppState, Result,
    error::Problem,
    http::extract::{Bounded, Json, Path, Query},
    staff::Staff,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::service;
use crate::{
    model::{api_client, api_key},
    social::{
        clients::{ClientSummary, KeyState, NewClient},
        tiers::{Endpoint, Limits, Tier},
    },
};

/// How many days of usage a client's page shows.
pub type UsageDays = Bounded<1, 366>;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    pub name: String,
    pub tier: Tier,
    /// Overrides of the tier's figures for this client.
    pub requests_per_minute: Option<i64>,
    pub requests_per_month: Option<i64>,
    pub endpoints: Option<Vec<Endpoint>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedClient {
    pub id: Uuid,
    /// The key, shown this once: only its hash is kept.
    pub key: String,
    pub key_id: Uuid,
    pub key_prefix: String,
}

/// Create an API client; its first key is in the answer, once.
#[utoipa::path(post, path = "/api/v1/admin/api-clients", tag = "admin", security(("bearer" = [])), request_body = CreateClient,
    responses((status = 201, body = CreatedClient), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_client(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<CreateClient>,
) -> Result<Response> {
    let (client, key) = service::create(
        &staff,
        &state,
        &NewClient {
            name: req.name,
            tier: req.tier,
            requests_per_minute: req.requests_per_minute,
            requests_per_month: req.requests_per_month,
            endpoints: req.endpoints,
        },
    )
    .await?;
    let out = CreatedClient {
        id: client.id,
        key: key.secret,
        key_id: key.key.id,
        key_prefix: key.key.prefix,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ClientOut {
    pub id: Uuid,
    pub name: String,
    pub tier: Tier,
    /// The effective limits (the tier with this client's overrides).
    pub limits: Limits,
    /// `active` or `revoked`.
    pub status: String,
    pub working_keys: u64,
    /// Requests recorded today and this calendar month (UTC).
    pub requests_today: u64,
    pub requests_this_month: u64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn client_out(s: ClientSummary) -> ClientOut {
    let c: api_client::Model = s.client;
    ClientOut {
        id: c.id,
        tier: Tier::parse(&c.tier).unwrap_or(Tier::Free),
        name: c.name,
        limits: s.limits,
        status: c.status,
        working_keys: s.working_keys,
        requests_today: s.requests_today,
        requests_this_month: s.requests_this_month,
        created_at: c.created_at,
        revoked_at: c.revoked_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<ClientOut>,
}

/// Every API client, newest first, with this month's usage.
#[utoipa::path(get, path = "/api/v1/admin/api-clients", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ClientList), (status = 403, body = Problem)))]
pub async fn list_clients(State(state): State<AppState>, staff: Staff) -> Result<Json<ClientList>> {
    let items = service::list(&staff, &state)
        .await?
        .into_iter()
        .map(client_out)
        .collect();
    Ok(Json(ClientList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct KeyOut {
    pub id: Uuid,
    /// The key's first characters; the key itself is never shown again.
    pub prefix: String,
    pub state: KeyState,
    pub created_at: DateTime<Utc>,
    /// When a rotated key stops working.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn key_out(k: api_key::Model, at: DateTime<Utc>) -> KeyOut {
    KeyOut {
        state: KeyState::of(&k, at),
        id: k.id,
        prefix: k.prefix,
        created_at: k.created_at,
        expires_at: k.expires_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientDetailOut {
    #[serde(flatten)]
    pub client: ClientOut,
    /// Newest first.
    pub keys: Vec<KeyOut>,
}

/// One API client with its keys.
#[utoipa::path(get, path = "/api/v1/admin/api-clients/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ClientDetailOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_client(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<ClientDetailOut>> {
    let d = service::detail(&staff, &state, parse_id(&id)?, 1).await?;
    let at = Utc::now();
    Ok(Json(ClientDetailOut {
        client: client_out(d.summary),
        keys: d.keys.into_iter().map(|k| key_out(k, at)).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RotatedKey {
    pub key_id: Uuid,
    /// The new key, shown this once.
    pub key: String,
    pub key_prefix: String,
    /// Until when the client's previous keys keep working.
    pub previous_keys_until: DateTime<Utc>,
}

/// Rotate the client's key: a new key now; the previous ones keep working for the overlap
/// (`GROWTHDECK_SOCIAL_KEY_OVERLAP_SECS`, 24 h by default), then stop.
#[utoipa::path(post, path = "/api/v1/admin/api-clients/{id}/keys", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = RotatedKey), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn rotate_key(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response> {
    let (key, until) = service::rotate(&staff, &state, parse_id(&id)?).await?;
    let out = RotatedKey {
        key_id: key.key.id,
        key: key.secret,
        key_prefix: key.key.prefix,
        previous_keys_until: until,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Revoke one key of a client at once.
#[utoipa::path(post, path = "/api/v1/admin/api-clients/{id}/keys/{key_id}/revoke", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("key_id" = Uuid, Path)),
    responses((status = 200, body = KeyOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<Json<KeyOut>> {
    let key = service::revoke_key(&staff, &state, parse_id(&id)?, parse_id(&key_id)?).await?;
    Ok(Json(key_out(key, Utc::now())))
}

/// Revoke a client: every key stops at once.
#[utoipa::path(post, path = "/api/v1/admin/api-clients/{id}/revoke", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ClientDetailOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_client(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<ClientDetailOut>> {
    let id = parse_id(&id)?;
    service::revoke(&staff, &state, id).await?;
    get_client(State(state), staff, Path(id.to_string())).await
}

#[derive(Deserialize, IntoParams)]
pub struct UsageQuery {
    /// Days up to today (UTC), 1–366; default 30.
    #[param(inline, nullable = false)]
    pub days: Option<UsageDays>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ApiClientRequestsOnDay)]
pub struct DayCount {
    pub day: NaiveDate,
    pub requests: u64,
}

#[derive(Serialize, ToSchema)]
pub struct KeyUsage {
    pub key_id: Uuid,
    pub prefix: String,
    /// Oldest first, one entry per day (zero on days without requests).
    pub days: Vec<DayCount>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageOut {
    pub client_id: Uuid,
    pub requests_today: u64,
    pub requests_this_month: u64,
    pub keys: Vec<KeyUsage>,
}

/// Requests per key per day (UTC).
#[utoipa::path(get, path = "/api/v1/admin/api-clients/{id}/usage", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path), UsageQuery),
    responses((status = 200, body = UsageOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn client_usage(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<UsageQuery>,
) -> Result<Json<UsageOut>> {
    let days = q.days.map_or(service::USAGE_DAYS, |d| d.get() as u32);
    let d = service::detail(&staff, &state, parse_id(&id)?, days).await?;
    Ok(Json(UsageOut {
        client_id: d.summary.client.id,
        requests_today: d.summary.requests_today,
        requests_this_month: d.summary.requests_this_month,
        keys: d
            .keys
            .into_iter()
            .zip(d.usage)
            .map(|(k, points)| KeyUsage {
                key_id: k.id,
                prefix: k.prefix,
                days: points
                    .into_iter()
                    .map(|(day, requests)| DayCount { day, requests })
                    .collect(),
            })
            .collect(),
    }))
}
