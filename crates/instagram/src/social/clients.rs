//! API clients and their keys: create a client (its first key is shown once), rotate (a new
//! key; the previous ones keep working for an overlap window, then stop), revoke a key or the
//! whole client, list with usage. Keys are `gdk_` + 43 random characters; only their SHA-256
//! is stored, with a visible prefix. No permission check happens here: the back office's
//! services check the staff member's permission and audit in the same transaction.
//!
//! A presented key is verified against memory ([`super::keys::KeyCache`]); [`lookup`] reads it
//! from the database on a miss. Whoever changes a client or its keys announces it after the
//! commit ([`super::keys::announce`]), so every node forgets what it cached of that client.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use platform::{Error, Result, crypto, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, Set, Statement, sea_query::Expr,
};
use uuid::Uuid;

use super::tiers::{Endpoint, Limits, Tier};
use crate::model::{api_client, api_key, api_usage};

pub const KEY_PREFIX: &str = "gdk_";
pub const ACTIVE: &str = "active";
pub const REVOKED: &str = "revoked";

/// What staff give to create a client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub tier: Tier,
    pub requests_per_minute: Option<i64>,
    pub requests_per_month: Option<i64>,
    pub endpoints: Option<Vec<Endpoint>>,
}

/// A key as created: the secret exists only here, to be shown once.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub key: api_key::Model,
    pub secret: String,
}

pub fn tier_of(client: &api_client::Model) -> Result<Tier> {
    Tier::parse(&client.tier).ok_or_else(|| Error::internal("unknown API client tier"))
}

/// The client's effective limits (its tier with its overrides).
pub fn limits_of(client: &api_client::Model) -> Result<Limits> {
    Ok(tier_of(client)?.with_overrides(
        client.requests_per_minute,
        client.requests_per_month,
        client.endpoints.as_deref(),
    ))
}

fn check(new: &NewClient) -> Result<String> {
    let name = new.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(platform::FieldError::new(
            "name",
            "Give the client a name of 1 to 100 characters",
        ));
    }
    for (field, value) in [
        ("requests_per_minute", new.requests_per_minute),
        ("requests_per_month", new.requests_per_month),
    ] {
        if value.is_some_and(|v| v < 0) {
            errors.push(platform::FieldError::new(
                field,
                "Use a number of 0 or more",
            ));
        }
    }
    if errors.is_empty() {
        Ok(name.to_string())
    } else {
        Err(Error::Validation(errors))
    }
}

async fn issue(conn: &impl ConnectionTrait, client_id: Uuid) -> Result<IssuedKey> {
    let secret = format!(
        "{KEY_PREFIX}{}",
        crypto::random_token().map_err(Error::internal)?
    );
    let key = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id),
        prefix: Set(secret.chars().take(KEY_PREFIX.len() + 8).collect()),
        key_hash: Set(crypto::token_hash(&secret)),
        created_at: Set(now()),
        expires_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(IssuedKey { key, secret })
}

/// Creates a client and its first key.
pub async fn create(
    conn: &impl ConnectionTrait,
    new: &NewClient,
) -> Result<(api_client::Model, IssuedKey)> {
    let name = check(new)?;
    let t = now();
    let client = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        tier: Set(new.tier.as_str().into()),
        requests_per_minute: Set(new.requests_per_minute),
        requests_per_month: Set(new.requests_per_month),
        endpoints: Set(new.endpoints.as_deref().map(Endpoint::join)),
        status: Set(ACTIVE.into()),
        created_at: Set(t),
        updated_at: Set(t),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let key = issue(conn, client.id).await?;
    Ok((client, key))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<api_client::Model> {
    api_client::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A new key for the client; its keys still working keep working until `overlap` from now
/// (not longer than they would have anyway), then stop. Returns the new key and when the
/// previous ones stop.
pub async fn rotate(
    conn: &impl ConnectionTrait,
    client_id: Uuid,
    overlap: Duration,
) -> Result<(IssuedKey, DateTime<Utc>)> {
    let client = get(conn, client_id).await?;
    if client.status != ACTIVE {
        return Err(Error::Conflict("This client is revoked".into()));
    }
    let t = now();
    let until = t + overlap;
    for key in api_key::Entity::find()
        .filter(api_key::Column::ClientId.eq(client_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(conn)
        .await?
    {
        if key.expires_at.is_none_or(|e| e > until) {
            let mut active = key.into_active_model();
            active.expires_at = Set(Some(until));
            active.update(conn).await?;
        }
    }
    Ok((issue(conn, client_id).await?, until))
}

/// Revokes one key of a client at once (another client's key is not found).
pub async fn revoke_key(
    conn: &impl ConnectionTrait,
    client_id: Uuid,
    key_id: Uuid,
) -> Result<api_key::Model> {
    let key = api_key::Entity::find_by_id(key_id)
        .filter(api_key::Column::ClientId.eq(client_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut active = key.into_active_model();
    active.revoked_at = Set(Some(now()));
    Ok(active.update(conn).await?)
}

/// Revokes a client: every key stops at once.
pub async fn revoke(conn: &impl ConnectionTrait, client_id: Uuid) -> Result<api_client::Model> {
    let client = get(conn, client_id).await?;
    let t = now();
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(t))
        .filter(api_key::Column::ClientId.eq(client_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if client.status == REVOKED {
        return Ok(client);
    }
    let mut active = client.into_active_model();
    active.status = Set(REVOKED.into());
    active.revoked_at = Set(Some(t));
    active.updated_at = Set(t);
    Ok(active.update(conn).await?)
}

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    Active,
    /// Replaced by a newer key; works until its expiry.
    Expiring,
    Expired,
    Revoked,
}

impl KeyState {
    pub fn of(key: &api_key::Model, at: DateTime<Utc>) -> KeyState {
        match (key.revoked_at, key.expires_at) {
            (Some(_), _) => KeyState::Revoked,
            (None, Some(e)) if e <= at => KeyState::Expired,
            (None, Some(_)) => KeyState::Expiring,
            (None, None) => KeyState::Active,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Expiring => "expiring",
            KeyState::Expired => "expired",
            KeyState::Revoked => "revoked",
        }
    }

    pub fn works(&self) -> bool {
        matches!(self, KeyState::Active | KeyState::Expiring)
    }
}

/// The first day of `day`'s month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first instant of the month after `at`'s (when a monthly quota starts again).
pub fn next_month(at: DateTime<Utc>) -> DateTime<Utc> {
    let d = at.date_naive();
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(at + Duration::days(31))
}

/// A client in the list: its figures and this month's use.
#[derive(Debug, Clone)]
pub struct ClientSummary {
    pub client: api_client::Model,
    pub limits: Limits,
    pub working_keys: u64,
    pub requests_today: u64,
    pub requests_this_month: u64,
}

async fn requests_since(
    conn: &impl ConnectionTrait,
    from: NaiveDate,
) -> Result<Vec<api_usage::Model>> {
    Ok(api_usage::Entity::find()
        .filter(api_usage::Column::Day.gte(from))
        .all(conn)
        .await?)
}

/// Every client, newest first, with this month's use.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<ClientSummary>> {
    let at = Utc::now();
    let today = at.date_naive();
    let clients = api_client::Entity::find()
        .order_by_desc(api_client::Column::CreatedAt)
        .all(conn)
        .await?;
    let keys = api_key::Entity::find().all(conn).await?;
    let usage = requests_since(conn, month_start(today)).await?;
    clients
        .into_iter()
        .map(|client| {
            let of_client = |u: &&api_usage::Model| u.client_id == client.id;
            Ok(ClientSummary {
                limits: limits_of(&client)?,
                working_keys: keys
                    .iter()
                    .filter(|k| k.client_id == client.id && KeyState::of(k, at).works())
                    .count() as u64,
                requests_today: usage
                    .iter()
                    .filter(of_client)
                    .filter(|u| u.day == today)
                    .map(|u| u.requests.max(0) as u64)
                    .sum(),
                requests_this_month: usage
                    .iter()
                    .filter(of_client)
                    .map(|u| u.requests.max(0) as u64)
                    .sum(),
                client,
            })
        })
        .collect()
}

/// One client with its keys (newest first) and their daily requests.
#[derive(Debug, Clone)]
pub struct ClientDetail {
    pub summary: ClientSummary,
    pub keys: Vec<api_key::Model>,
    /// Per key (same order as `keys`): requests per day, oldest first, `days` entries.
    pub usage: Vec<Vec<(NaiveDate, u64)>>,
}

pub async fn detail(conn: &impl ConnectionTrait, id: Uuid, days: u32) -> Result<ClientDetail> {
    let client = get(conn, id).await?;
    let at = Utc::now();
    let today = at.date_naive();
    let days = days.clamp(1, 366);
    let first = today - Duration::days(i64::from(days) - 1);
    let keys = api_key::Entity::find()
        .filter(api_key::Column::ClientId.eq(id))
        .order_by_desc(api_key::Column::CreatedAt)
        .all(conn)
        .await?;
    let rows = api_usage::Entity::find()
        .filter(api_usage::Column::ClientId.eq(id))
        .filter(api_usage::Column::Day.gte(first.min(month_start(today))))
        .all(conn)
        .await?;
    let usage = keys
        .iter()
        .map(|k| {
            (0..days)
                .map(|i| {
                    let day = first + Duration::days(i64::from(i));
                    let n = rows
                        .iter()
                        .find(|r| r.key_id == k.id && r.day == day)
                        .map_or(0, |r| r.requests.max(0) as u64);
                    (day, n)
                })
                .collect()
        })
        .collect();
    let sum = |from: NaiveDate| -> u64 {
        rows.iter()
            .filter(|r| r.day >= from)
            .map(|r| r.requests.max(0) as u64)
            .sum()
    };
    Ok(ClientDetail {
        summary: ClientSummary {
            limits: limits_of(&client)?,
            working_keys: keys.iter().filter(|k| KeyState::of(k, at).works()).count() as u64,
            requests_today: sum(today),
            requests_this_month: sum(month_start(today)),
            client,
        },
        keys,
        usage,
    })
}

/// An authenticated key: who it is and what its client may do.
#[derive(Debug, Clone)]
pub struct Grant {
    pub key_id: Uuid,
    pub client_id: Uuid,
    pub limits: Limits,
    /// Requests of the client's keys this month, as counted before this request.
    pub month_used: u64,
}

/// A working key as stored: what [`super::keys::KeyCache`] keeps in memory.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub key_id: Uuid,
    pub client_id: Uuid,
    pub limits: Limits,
    /// When a rotation's overlap ends (checked at every use, also when cached).
    pub expires_at: Option<DateTime<Utc>>,
    /// Requests of the client's keys this month, as recorded in the database.
    pub month_used: u64,
}

impl KeyRecord {
    pub fn works_at(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|e| e > at)
    }
}

#[derive(Debug, FromQueryResult)]
struct KeyRow {
    key_id: Uuid,
    client_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    tier: String,
    requests_per_minute: Option<i64>,
    requests_per_month: Option<i64>,
    endpoints: Option<String>,
    status: String,
    month_used: i64,
}

/// Whether `presented` can be a key at all (checked before hashing or any lookup).
pub fn plausible(presented: &str) -> bool {
    presented.starts_with(KEY_PREFIX) && presented.len() <= 128
}

/// Reads a presented key from the database (`None`: unknown, revoked, expired, or its client
/// is revoked): one indexed query returns the key, its client and the client's requests this
/// month. Callers go through [`super::keys::KeyCache`], which calls this on a miss.
///
/// The lookup is by SHA-256 of the presented key, so its timing tells nothing about stored
/// keys (an attacker controls the input, not its hash); no secret is ever compared directly.
pub async fn lookup(
    conn: &impl ConnectionTrait,
    presented: &str,
    at: DateTime<Utc>,
) -> Result<Option<KeyRecord>> {
    if !plausible(presented) {
        return Ok(None);
    }
    let backend = conn.get_database_backend();
    // SUM over BIGINT is NUMERIC on PostgreSQL: cast back for one decoding on both.
    let sql = "SELECT k.id AS key_id, k.client_id, k.expires_at, k.revoked_at, \
        c.tier, c.requests_per_minute, c.requests_per_month, c.endpoints, c.status, \
        CAST(COALESCE((SELECT SUM(u.requests) FROM api_usage u \
            WHERE u.client_id = c.id AND u.day >= $2), 0) AS BIGINT) AS month_used \
        FROM api_keys k JOIN api_clients c ON c.id = k.client_id WHERE k.key_hash = $1";
    let statement = Statement::from_sql_and_values(
        backend,
        sql,
        [
            crypto::token_hash(presented).into(),
            month_start(at.date_naive()).into(),
        ],
    );
    let Some(row) = KeyRow::find_by_statement(statement).one(conn).await? else {
        return Ok(None);
    };
    let works = row.revoked_at.is_none() && row.expires_at.is_none_or(|e| e > at);
    if !works || row.status != ACTIVE {
        return Ok(None);
    }
    let Some(tier) = Tier::parse(&row.tier) else {
        return Err(Error::internal("unknown API client tier"));
    };
    Ok(Some(KeyRecord {
        key_id: row.key_id,
        client_id: row.client_id,
        limits: tier.with_overrides(
            row.requests_per_minute,
            row.requests_per_month,
            row.endpoints.as_deref(),
        ),
        expires_at: row.expires_at,
        month_used: row.month_used.max(0) as u64,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn months_roll_over() {
        let dec = Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            next_month(dec),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default()
        );
        assert_eq!(
            month_start(dec.date_naive()),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
        );
    }
}
