//! API clients of the social-data service (super admin and support): create a client on a tier
//! (its first key shown once), rotate its key (the previous one keeps working for the
//! configured overlap), revoke a key or the client, and read usage per key per day. Each
//! action checks the permission first and is in the activity log, written in the same
//! transaction as the change. The keys themselves are never logged or audited. A rotation or
//! revocation is announced on the event bus after its commit, so every node stops using what it
//! cached of the client's keys at once.

use chrono::{DateTime, Duration, Utc};
use platform::{
    AppState, Result, audit,
    db::begin_write,
    staff::{Staff, StaffPermission},
};
use uuid::Uuid;

use crate::{
    model::{api_client, api_key},
    social::{
        clients::{self, ClientDetail, ClientSummary, IssuedKey, NewClient},
        keys::announce,
    },
};

/// Days of usage the client page charts.
pub const USAGE_DAYS: u32 = 30;

pub async fn list(staff: &Staff, state: &AppState) -> Result<Vec<ClientSummary>> {
    staff.require(StaffPermission::DataService)?;
    clients::list(&state.db).await
}

pub async fn detail(staff: &Staff, state: &AppState, id: Uuid, days: u32) -> Result<ClientDetail> {
    staff.require(StaffPermission::DataService)?;
    clients::detail(&state.db, id, days).await
}

/// Creates a client; the returned key is shown once.
pub async fn create(
    staff: &Staff,
    state: &AppState,
    new: &NewClient,
) -> Result<(api_client::Model, IssuedKey)> {
    staff.require(StaffPermission::DataService)?;
    let txn = begin_write(&state.db).await?;
    let (client, key) = clients::create(&txn, new).await?;
    audit::record(
        &txn,
        staff
            .audit("api_client.created")
            .target("api_client", client.id)
            .detail(serde_json::json!({
                "name": client.name,
                "tier": client.tier,
                "requests_per_minute": client.requests_per_minute,
                "requests_per_month": client.requests_per_month,
                "endpoints": client.endpoints,
                "key_prefix": key.key.prefix,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok((client, key))
}

/// The configured overlap of a rotation.
pub fn overlap(state: &AppState) -> Duration {
    Duration::seconds(
        state
            .config
            .get(&crate::settings::SOCIAL_KEY_OVERLAP_SECS)
            .min(i64::MAX as u64) as i64,
    )
}

/// A new key for the client; returns it (shown once) and when the previous keys stop.
pub async fn rotate(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
) -> Result<(IssuedKey, DateTime<Utc>)> {
    staff.require(StaffPermission::DataService)?;
    let txn = begin_write(&state.db).await?;
    let (key, until) = clients::rotate(&txn, id, overlap(state)).await?;
    audit::record(
        &txn,
        staff
            .audit("api_client.key_rotated")
            .target("api_client", id)
            .detail(serde_json::json!({
                "key_prefix": key.key.prefix,
                "previous_keys_until": until,
            })),
    )
    .await?;
    txn.commit().await?;
    changed(state, id).await;
    Ok((key, until))
}

pub async fn revoke_key(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    key_id: Uuid,
) -> Result<api_key::Model> {
    staff.require(StaffPermission::DataService)?;
    let txn = begin_write(&state.db).await?;
    let key = clients::revoke_key(&txn, id, key_id).await?;
    audit::record(
        &txn,
        staff
            .audit("api_client.key_revoked")
            .target("api_client", id)
            .detail(serde_json::json!({ "key_id": key.id, "key_prefix": key.prefix })),
    )
    .await?;
    txn.commit().await?;
    changed(state, id).await;
    Ok(key)
}

/// Revokes the client: every key stops at once.
pub async fn revoke(staff: &Staff, state: &AppState, id: Uuid) -> Result<api_client::Model> {
    staff.require(StaffPermission::DataService)?;
    let txn = begin_write(&state.db).await?;
    let client = clients::revoke(&txn, id).await?;
    audit::record(
        &txn,
        staff
            .audit("api_client.revoked")
            .target("api_client", id)
            .detail(serde_json::json!({ "name": client.name })),
    )
    .await?;
    txn.commit().await?;
    changed(state, id).await;
    Ok(client)
}

/// Tells every node about a committed change. This node always hears it (its bus delivers
/// before `publish` answers); a failure to reach the others is logged by the bus, and their
/// cached keys expire within `KEY_TTL` anyway.
async fn changed(state: &AppState, id: Uuid) {
    let _ = announce(&state.events, id).await;
}
