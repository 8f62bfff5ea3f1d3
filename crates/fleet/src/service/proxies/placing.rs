//! Accounts on proxies: who sits on a proxy (with their persona), and the operator's hand
//! moves — assign by username or id, move to another proxy, take off — plus "assign waiting
//! accounts", which gives every imported account without a proxy one while any has room.
//! The capacity rule itself lives in [`super::assign`].

use std::collections::HashMap;

use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::{assign, endpoint, find_in};
use crate::{
    model::{account, persona, proxy},
    service::{
        access, accounts,
        lifecycle::{self, Actor},
    },
};

/// An account on a proxy, with its persona's name.
#[derive(Debug, Clone)]
pub struct AccountOn {
    pub account: account::Model,
    pub persona: Option<String>,
}

/// The accounts on a proxy, by username.
pub async fn accounts_on(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    proxy_id: Uuid,
) -> Result<Vec<AccountOn>> {
    let rows = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::ProxyId.eq(proxy_id))
        .order_by_asc(account::Column::UsernameLower)
        .all(conn)
        .await?;
    let names = persona_names(conn, scope).await?;
    Ok(rows
        .into_iter()
        .map(|a| AccountOn {
            persona: a.persona_id.and_then(|id| names.get(&id).cloned()),
            account: a,
        })
        .collect())
}

pub(super) async fn persona_names(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> = persona::Entity::find()
        .select_only()
        .column(persona::Column::Id)
        .column(persona::Column::Name)
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// One account with its persona's name.
pub async fn with_persona(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: account::Model,
) -> Result<AccountOn> {
    let persona = match account.persona_id {
        Some(id) => persona::Entity::find_by_id(id)
            .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
            .one(conn)
            .await?
            .map(|p| p.name),
        None => None,
    };
    Ok(AccountOn { account, persona })
}

/// An account named by id (API) or by username (the proxy page's form).
#[derive(Debug, Clone)]
pub enum AccountRef {
    Id(Uuid),
    Username(String),
}

async fn find_account(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &AccountRef,
) -> Result<account::Model> {
    match account {
        AccountRef::Id(id) => accounts::find_in(conn, scope, *id).await,
        AccountRef::Username(name) => {
            let lower = name.trim().trim_start_matches('@').to_lowercase();
            if lower.is_empty() {
                return Err(Error::validation("account", "Enter an account's username"));
            }
            account::Entity::find()
                .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
                .filter(account::Column::UsernameLower.eq(lower.clone()))
                .one(conn)
                .await?
                .ok_or_else(|| {
                    Error::validation("account", format!("No account @{lower} in this workspace"))
                })
        }
    }
}

/// Puts an account on this proxy, or moves it here from another (409 when the proxy is full).
pub async fn assign_account(
    state: &AppState,
    ctx: &Ctx,
    proxy_id: Uuid,
    account: AccountRef,
) -> Result<account::Model> {
    let scope = access::write(state, ctx).await?;
    let p = find_in(&state.db, &scope, proxy_id).await?;
    let a = find_account(&state.db, &scope, &account).await?;
    if a.proxy_id == Some(p.id) {
        return Err(Error::Conflict(format!(
            "@{} is on this proxy already",
            a.username
        )));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    assign::to(&txn, &scope, &a, p.id, &Actor::user(ctx)).await?;
    txn.commit().await?;
    accounts::find_in(&state.db, &scope, a.id).await
}

/// The account on this proxy (another proxy's account is not found here).
async fn account_on(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    proxy_id: Uuid,
    account_id: Uuid,
) -> Result<(proxy::Model, account::Model)> {
    let p = find_in(conn, scope, proxy_id).await?;
    let a = accounts::find_in(conn, scope, account_id).await?;
    if a.proxy_id != Some(p.id) {
        return Err(Error::NotFound);
    }
    Ok((p, a))
}

/// Takes an account off this proxy.
pub async fn unassign_account(
    state: &AppState,
    ctx: &Ctx,
    proxy_id: Uuid,
    account_id: Uuid,
) -> Result<account::Model> {
    let scope = access::write(state, ctx).await?;
    let (p, a) = account_on(&state.db, &scope, proxy_id, account_id).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    assign::release(
        &txn,
        &scope,
        &a,
        &Actor::user(ctx),
        &format!("Taken off proxy {} by hand", endpoint(&p)),
    )
    .await?;
    txn.commit().await?;
    accounts::find_in(&state.db, &scope, a.id).await
}

/// Moves an account from this proxy to another of the workspace (409 when that one is full).
pub async fn move_account(
    state: &AppState,
    ctx: &Ctx,
    proxy_id: Uuid,
    account_id: Uuid,
    to: Uuid,
) -> Result<account::Model> {
    let scope = access::write(state, ctx).await?;
    let (p, a) = account_on(&state.db, &scope, proxy_id, account_id).await?;
    let target = find_in(&state.db, &scope, to)
        .await
        .map_err(|_| Error::validation("to", "Choose another proxy of this workspace"))?;
    if target.id == p.id {
        return Err(Error::validation("to", "Choose another proxy than its own"));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    assign::to(&txn, &scope, &a, target.id, &Actor::user(ctx)).await?;
    txn.commit().await?;
    accounts::find_in(&state.db, &scope, a.id).await
}

/// What [`assign_waiting`] did.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyAssignWaiting)]
pub struct AssignedWaiting {
    /// Accounts that got a proxy.
    pub assigned: u64,
    /// Imported accounts still without one (no proxy had room).
    pub waiting: u64,
}

/// The most accounts one "assign waiting accounts" handles (the rest on the next click).
pub const ASSIGN_WAITING_BATCH: u64 = 1_000;

/// Gives imported accounts without a proxy one each (least-loaded active proxy with room,
/// preferring their persona's location), oldest first, until no proxy has room. One short
/// transaction per account.
pub async fn assign_waiting(state: &AppState, ctx: &Ctx) -> Result<AssignedWaiting> {
    let scope = access::write(state, ctx).await?;
    let waiting = waiting_accounts(&state.db, &scope, ASSIGN_WAITING_BATCH).await?;
    let locations: HashMap<Uuid, String> = persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.location))
        .collect();
    let actor = Actor::user(ctx);
    let mut assigned = 0u64;
    for a in waiting {
        let location = a
            .persona_id
            .and_then(|id| locations.get(&id).cloned())
            .unwrap_or_default();
        let txn = platform::db::begin_write(&state.db).await?;
        let got = assign::auto(&txn, &scope, &a, &location, &actor).await;
        match got {
            Ok(Some(_)) => {
                txn.commit().await?;
                assigned += 1;
            }
            Ok(None) => {
                txn.rollback().await?;
                break;
            }
            // Moved meanwhile (another click, an import): not waiting any more.
            Err(Error::Conflict(_)) => txn.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    let waiting = count_waiting(&state.db, &scope).await?;
    Ok(AssignedWaiting { assigned, waiting })
}

fn waiting_filter(scope: &Scope) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .add(account::Column::State.eq(lifecycle::State::Imported.as_str()))
        .add(account::Column::ProxyId.is_null())
}

async fn waiting_accounts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    limit: u64,
) -> Result<Vec<account::Model>> {
    Ok(account::Entity::find()
        .filter(waiting_filter(scope))
        .order_by_asc(account::Column::CreatedAt)
        .order_by_asc(account::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub(super) async fn count_waiting(conn: &impl ConnectionTrait, scope: &Scope) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(account::Entity::find()
        .filter(waiting_filter(scope))
        .count(conn)
        .await?)
}
