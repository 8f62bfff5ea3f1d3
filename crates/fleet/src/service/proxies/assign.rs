//! Assigning accounts to proxies under capacity.
//!
//! Invariant: a proxy's `account_count` equals the number of accounts whose `proxy_id` names
//! it, and never exceeds `max_accounts`. Both sides change in the caller's transaction, and a
//! slot is taken only by the conditional update `account_count < max_accounts`, so parallel
//! assignments (on SQLite serialised by the write lock, on PostgreSQL by the row lock the
//! update takes) can never overfill a proxy.

use platform::{Error, Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::model::{account, proxy};
use crate::service::{
    lifecycle::{self, Actor, State},
    settings, tasks,
};

/// Takes one slot of a proxy if it has room; whether it did.
async fn take_slot(conn: &impl ConnectionTrait, scope: &Scope, proxy_id: Uuid) -> Result<bool> {
    let done = proxy::Entity::update_many()
        .col_expr(
            proxy::Column::AccountCount,
            Expr::col(proxy::Column::AccountCount).add(1),
        )
        .filter(proxy::Column::Id.eq(proxy_id))
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::Status.eq("active"))
        .filter(Expr::col(proxy::Column::AccountCount).lt(Expr::col(proxy::Column::MaxAccounts)))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

async fn give_slot(conn: &impl ConnectionTrait, scope: &Scope, proxy_id: Uuid) -> Result<()> {
    proxy::Entity::update_many()
        .col_expr(
            proxy::Column::AccountCount,
            Expr::col(proxy::Column::AccountCount).sub(1),
        )
        .filter(proxy::Column::Id.eq(proxy_id))
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::AccountCount.gt(0))
        .exec(conn)
        .await?;
    Ok(())
}

/// Points the account at `proxy_id` if its proxy is still `current`; whether it did.
async fn set_proxy(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    current: Option<Uuid>,
    proxy_id: Option<Uuid>,
) -> Result<bool> {
    let now = platform::db::now();
    let mut q = account::Entity::update_many()
        .col_expr(account::Column::ProxyId, Expr::value(proxy_id))
        .col_expr(
            account::Column::ProxyAssignedAt,
            Expr::value(proxy_id.map(|_| now)),
        )
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::WorkspaceId.eq(account.workspace_id));
    q = match current {
        Some(c) => q.filter(account::Column::ProxyId.eq(c)),
        None => q.filter(account::Column::ProxyId.is_null()),
    };
    Ok(q.exec(conn).await?.rows_affected == 1)
}

/// After an account got a proxy: an imported account becomes `proxy_assigned` and is queued
/// for warm-up (step 1 due at once); any other gets a timeline row.
async fn after_assign(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    proxy_id: Uuid,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let mut fresh = account.clone();
    fresh.proxy_id = Some(proxy_id);
    if account.state == State::Imported.as_str() {
        lifecycle::transition(conn, &fresh, State::ProxyAssigned, actor, reason, vec![]).await?;
        let s = settings::get(conn, scope).await?;
        tasks::queue_warmup(conn, scope, account.id, &s).await?;
    } else {
        lifecycle::record(
            conn,
            scope.workspace_id(),
            Some(account.id),
            Some(proxy_id),
            "proxy",
            (None, None),
            actor,
            reason,
        )
        .await?;
    }
    Ok(())
}

/// Gives the account the least-loaded active proxy with room, preferring `preferred_location`
/// when it is not empty; `None` when no proxy has room. An account that has a proxy keeps it.
pub async fn auto(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    preferred_location: &str,
    actor: &Actor,
) -> Result<Option<Uuid>> {
    if account.proxy_id.is_some() {
        return Ok(account.proxy_id);
    }
    let preferred = preferred_location.trim();
    for pass in [true, false] {
        if pass && preferred.is_empty() {
            continue;
        }
        // A few candidates: one taken meanwhile by a parallel assignment is skipped.
        let mut q = proxy::Entity::find()
            .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(proxy::Column::Status.eq("active"))
            .filter(
                Expr::col(proxy::Column::AccountCount).lt(Expr::col(proxy::Column::MaxAccounts)),
            );
        if pass {
            q = q.filter(proxy::Column::Location.eq(preferred));
        }
        let candidates = q
            .order_by_asc(proxy::Column::AccountCount)
            .order_by_asc(proxy::Column::CreatedAt)
            .order_by_asc(proxy::Column::Id)
            .limit(8)
            .all(conn)
            .await?;
        for p in candidates {
            if !take_slot(conn, scope, p.id).await? {
                continue;
            }
            if !set_proxy(conn, account, None, Some(p.id)).await? {
                // The account got a proxy meanwhile: keep that one.
                give_slot(conn, scope, p.id).await?;
                let now = crate::service::accounts::find_in(conn, scope, account.id).await?;
                return Ok(now.proxy_id);
            }
            let reason = format!("Assigned to proxy {}:{} automatically", p.host, p.port);
            after_assign(conn, scope, account, p.id, actor, &reason).await?;
            return Ok(Some(p.id));
        }
    }
    Ok(None)
}

/// Assigns the account to a chosen proxy (or moves it there); a full or inactive proxy is a
/// 409 and changes nothing.
pub async fn to(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    proxy_id: Uuid,
    actor: &Actor,
) -> Result<()> {
    let target = proxy::Entity::find_by_id(proxy_id)
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    if account.proxy_id == Some(proxy_id) {
        return Ok(());
    }
    if !take_slot(conn, scope, proxy_id).await? {
        return Err(Error::Conflict(format!(
            "Proxy {}:{} has no free slot (or is not active).",
            target.host, target.port
        )));
    }
    if !set_proxy(conn, account, account.proxy_id, Some(proxy_id)).await? {
        return Err(Error::Conflict(
            "The account's proxy changed meanwhile; reload and try again.".into(),
        ));
    }
    if let Some(old) = account.proxy_id {
        give_slot(conn, scope, old).await?;
    }
    let verb = if account.proxy_id.is_some() {
        "Moved"
    } else {
        "Assigned"
    };
    let reason = format!("{verb} to proxy {}:{}", target.host, target.port);
    after_assign(conn, scope, account, proxy_id, actor, &reason).await
}

/// Takes the account off its proxy. An account waiting for warm-up goes back to `imported`
/// (its queued warm-up is cancelled); any other keeps its state and shows as "no proxy".
pub async fn release(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account: &account::Model,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let Some(old) = account.proxy_id else {
        return Ok(());
    };
    if !set_proxy(conn, account, Some(old), None).await? {
        return Err(Error::Conflict(
            "The account's proxy changed meanwhile; reload and try again.".into(),
        ));
    }
    give_slot(conn, scope, old).await?;
    if account.state == State::ProxyAssigned.as_str() {
        let mut fresh = account.clone();
        fresh.proxy_id = None;
        tasks::cancel_open(conn, scope, account.id).await?;
        lifecycle::transition(conn, &fresh, State::Imported, actor, reason, vec![]).await?;
    } else {
        lifecycle::record(
            conn,
            scope.workspace_id(),
            Some(account.id),
            Some(old),
            "proxy",
            (None, None),
            actor,
            reason,
        )
        .await?;
    }
    Ok(())
}
