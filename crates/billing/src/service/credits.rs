//! The credit wallet of a workspace and its append-only ledger.
//!
//! Invariants: `balance = allowance + purchased = sum(ledger amounts)`, and no bucket goes
//! below zero — also under concurrent spending, because every change runs in one write
//! transaction that first locks the wallet row (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the
//! row lock of an `UPDATE`) and the database checks `>= 0` as well.
//!
//! Work that costs credits goes through `platform::credits::charge_on_success` (or
//! [`reserve`] then [`capture`] / [`release`]), which reaches these fns through
//! [`WalletPort`]: credits are held first and taken only when the work succeeded. Monthly allowance is spent before purchased credits.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use platform::{
    AppState, Error, Result, Scope,
    web::forms::{REASON_MAX, within},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, OnConflict},
};
use serde::Serialize;
use uuid::Uuid;

use super::{plans::Meter, pricing, subscriptions};
use crate::model::{reservation, transaction, wallet};

// Who caused an entry, a hold, and a quote are the port's types, so a feature that spends
// credits through `platform::credits` and billing's own screens speak the same language.
pub use platform::credits::{Actor, CanPerform, Reservation, charge_on_success};

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Balance {
    pub balance: i64,
    /// Left of this period's allowance (spent first).
    pub allowance: i64,
    /// Bought with top-ups (never expires).
    pub purchased: i64,
}

impl From<&wallet::Model> for Balance {
    fn from(w: &wallet::Model) -> Self {
        Balance {
            balance: w.balance,
            allowance: w.allowance,
            purchased: w.purchased,
        }
    }
}

async fn ensure_wallet(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<()> {
    wallet::Entity::insert(wallet::ActiveModel {
        workspace_id: Set(workspace_id),
        balance: Set(0),
        allowance: Set(0),
        purchased: Set(0),
        allowance_period: Set(None),
        updated_at: Set(platform::db::now()),
    })
    .on_conflict(
        OnConflict::column(wallet::Column::WorkspaceId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Opens the write transaction of a wallet change and locks the wallet row.
async fn lock(
    db: &DatabaseConnection,
    workspace_id: Uuid,
) -> Result<(DatabaseTransaction, wallet::Model)> {
    let txn = platform::db::begin_write(db).await?;
    ensure_wallet(&txn, workspace_id).await?;
    // A no-op write takes the row lock on PostgreSQL (SQLite's IMMEDIATE already holds the
    // database's write lock), so the read below cannot be overtaken.
    wallet::Entity::update_many()
        .col_expr(wallet::Column::UpdatedAt, Expr::value(platform::db::now()))
        .filter(wallet::Column::WorkspaceId.eq(workspace_id))
        .exec(&txn)
        .await?;
    let w = wallet::Entity::find_by_id(workspace_id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((txn, w))
}

/// One ledger entry and the wallet's new buckets, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn post(
    txn: &DatabaseTransaction,
    w: &wallet::Model,
    d_allowance: i64,
    d_purchased: i64,
    kind: &str,
    action: Option<&str>,
    reservation_id: Option<Uuid>,
    reference: Option<&str>,
    reason: Option<&str>,
    actor: &Actor,
    idempotency_key: Option<String>,
) -> Result<wallet::Model> {
    let allowance = w.allowance + d_allowance;
    let purchased = w.purchased + d_purchased;
    if allowance < 0 || purchased < 0 {
        return Err(Error::internal("a wallet bucket would go below zero"));
    }
    let mut a: wallet::ActiveModel = w.clone().into();
    a.allowance = Set(allowance);
    a.purchased = Set(purchased);
    a.balance = Set(allowance + purchased);
    a.updated_at = Set(platform::db::now());
    let saved = a.update(txn).await?;
    transaction::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(w.workspace_id),
        kind: Set(kind.into()),
        amount: Set(d_allowance + d_purchased),
        balance_after: Set(saved.balance),
        action: Set(action.map(Into::into)),
        reservation_id: Set(reservation_id),
        reference: Set(reference.map(Into::into)),
        reason: Set(reason.map(Into::into)),
        actor: Set(actor.as_string()),
        idempotency_key: Set(idempotency_key),
        created_at: Set(platform::db::now()),
    }
    .insert(txn)
    .await?;
    Ok(saved)
}

pub async fn balance(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Balance> {
    let workspace_id = scope.workspace_id();
    Ok(wallet::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .map(|w| Balance::from(&w))
        .unwrap_or(Balance {
            balance: 0,
            allowance: 0,
            purchased: 0,
        }))
}

fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(at)
}

/// Free uses of an action taken this month (held or captured).
async fn free_used(conn: &impl ConnectionTrait, workspace_id: Uuid, action: &str) -> Result<i64> {
    Ok(reservation::Entity::find()
        .filter(reservation::Column::WorkspaceId.eq(workspace_id))
        .filter(reservation::Column::Action.eq(action))
        .filter(reservation::Column::Free.eq(true))
        .filter(reservation::Column::State.is_in(["held", "captured"]))
        .filter(reservation::Column::CreatedAt.gte(month_start(platform::db::now())))
        .count(conn)
        .await? as i64)
}

pub async fn can_perform(state: &AppState, scope: &Scope, action: &str) -> Result<CanPerform> {
    let workspace_id = scope.workspace_id();
    let conn = &state.db;
    let price = pricing::get(conn, action).await?;
    let free_remaining =
        (price.free_per_month - free_used(conn, workspace_id, action).await?).max(0);
    let balance = balance(conn, scope).await?.balance;
    let standing = super::limits::standing(state, scope).await?;
    let unlimited = standing.plan.credits_unlimited();
    let cost = if unlimited || free_remaining > 0 {
        0
    } else {
        price.cost
    };
    // The plan's monthly limit refuses before the price does (as the action itself does).
    let mut monthly_remaining = None;
    let mut reason = None;
    if let Some(meter) = pricing::meter_of(&price.action)
        && let Some(limit) = standing.plan.limit(meter)
    {
        let used = super::limits::used_this_month(conn, scope, meter).await?;
        monthly_remaining = Some((limit - used).max(0));
        if used >= limit {
            let plans = super::plans::all(conn).await?;
            reason =
                Some(super::limits::limit_error(&plans, &standing, meter, limit, used).to_string());
        }
    }
    if reason.is_none() && balance < cost {
        reason = Some(insufficient(&price.label, cost, balance).to_string());
    }
    Ok(CanPerform {
        action: price.action,
        allowed: reason.is_none(),
        cost,
        free_remaining,
        balance,
        monthly_remaining,
        reason,
    })
}

fn insufficient(action: &str, cost: i64, balance: i64) -> Error {
    Error::PaymentRequired {
        code: "insufficient-credits",
        message: format!(
            "{action} costs {cost} credits and the balance is {balance}. Top up credits on the billing page, or move to a plan with a larger monthly allowance."
        ),
    }
}

/// Holds the price of `action` (or takes one of its free uses). Refused, with nothing
/// changed, when the balance does not cover it.
pub async fn reserve(
    state: &AppState,
    scope: &Scope,
    action: &str,
    actor: &Actor,
    reference: Option<&str>,
) -> Result<Reservation> {
    let workspace_id = scope.workspace_id();
    let db = &state.db;
    let (_, standing) = refresh(state, scope).await?;
    // A plan with unlimited AI credits (the Self-hosted one) charges nothing: the work runs
    // and the ledger says why it cost 0.
    let unlimited = standing.plan.credits_unlimited();
    let price = pricing::get(db, action).await?;
    let (txn, w) = lock(db, workspace_id).await?;
    let free = !unlimited
        && price.free_per_month > 0
        && free_used(&txn, workspace_id, action).await? < price.free_per_month;
    let cost = if free || unlimited { 0 } else { price.cost };
    if w.balance < cost {
        txn.rollback().await?;
        return Err(insufficient(&price.label, cost, w.balance));
    }
    let from_allowance = cost.min(w.allowance);
    let from_purchased = cost - from_allowance;
    let id = Uuid::now_v7();
    reservation::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        action: Set(action.into()),
        cost: Set(cost),
        from_allowance: Set(from_allowance),
        from_purchased: Set(from_purchased),
        free: Set(free),
        state: Set("held".into()),
        reference: Set(reference.map(Into::into)),
        created_at: Set(platform::db::now()),
        settled_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let reason = if unlimited {
        Some(format!(
            "not charged: the {} plan has unlimited credits",
            standing.plan.name
        ))
    } else {
        free.then(|| format!("free use of the month ({} per month)", price.free_per_month))
    };
    post(
        &txn,
        &w,
        -from_allowance,
        -from_purchased,
        "reserve",
        Some(action),
        Some(id),
        reference,
        reason.as_deref(),
        actor,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Reservation {
        id,
        action: action.into(),
        cost,
        free,
    })
}

/// Moves a held reservation to `to`; returns it, or 404 when it is not held in this workspace.
async fn settle(
    txn: &DatabaseTransaction,
    workspace_id: Uuid,
    id: Uuid,
    from: &str,
    to: &str,
) -> Result<reservation::Model> {
    let res = reservation::Entity::update_many()
        .col_expr(reservation::Column::State, Expr::value(to))
        .col_expr(
            reservation::Column::SettledAt,
            Expr::value(platform::db::now()),
        )
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::WorkspaceId.eq(workspace_id))
        .filter(reservation::Column::State.eq(from))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    reservation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(Error::NotFound)
}

/// The work succeeded: the held credits are spent.
pub async fn capture(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    actor: &Actor,
) -> Result<()> {
    let workspace_id = scope.workspace_id();
    let (txn, w) = lock(db, workspace_id).await?;
    let r = settle(&txn, workspace_id, id, "held", "captured").await?;
    post(
        &txn,
        &w,
        0,
        0,
        "capture",
        Some(&r.action),
        Some(id),
        r.reference.as_deref(),
        None,
        actor,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The work failed: the held credits go back where they came from.
pub async fn release(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let workspace_id = scope.workspace_id();
    let (txn, w) = lock(db, workspace_id).await?;
    let r = settle(&txn, workspace_id, id, "held", "released").await?;
    post(
        &txn,
        &w,
        r.from_allowance,
        r.from_purchased,
        "release",
        Some(&r.action),
        Some(id),
        r.reference.as_deref(),
        Some(reason),
        actor,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives back a captured charge (staff, or a feature that learns later its result was void).
pub async fn refund(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let workspace_id = scope.workspace_id();
    if reason.trim().is_empty() {
        return Err(Error::validation(
            "reason",
            "Say why the charge is refunded",
        ));
    }
    within("reason", "The reason", reason, REASON_MAX).map_err(|e| Error::Validation(vec![e]))?;
    let (txn, w) = lock(db, workspace_id).await?;
    let r = settle(&txn, workspace_id, id, "captured", "refunded").await?;
    post(
        &txn,
        &w,
        r.from_allowance,
        r.from_purchased,
        "refund",
        Some(&r.action),
        Some(id),
        r.reference.as_deref(),
        Some(reason.trim()),
        actor,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Billing's wallets behind platform's credits port: the fns above, reached by features that
/// do not depend on billing.
pub struct WalletPort;

#[async_trait::async_trait]
impl platform::credits::CreditWallet for WalletPort {
    async fn can_perform(
        &self,
        state: &AppState,
        scope: &Scope,
        action: &str,
    ) -> Result<CanPerform> {
        can_perform(state, scope, action).await
    }

    async fn reserve(
        &self,
        state: &AppState,
        scope: &Scope,
        action: &str,
        actor: &Actor,
        reference: Option<&str>,
    ) -> Result<Reservation> {
        reserve(state, scope, action, actor, reference).await
    }

    async fn capture(
        &self,
        state: &AppState,
        scope: &Scope,
        id: Uuid,
        actor: &Actor,
    ) -> Result<()> {
        capture(&state.db, scope, id, actor).await
    }

    async fn release(
        &self,
        state: &AppState,
        scope: &Scope,
        id: Uuid,
        actor: &Actor,
        reason: &str,
    ) -> Result<()> {
        release(&state.db, scope, id, actor, reason).await
    }

    async fn settled_since(
        &self,
        state: &AppState,
        scope: &Scope,
        action: &str,
        reference: &str,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        settled_since(&state.db, scope, action, reference, since).await
    }
}

/// Whether the workspace's use of `action` with `reference` was captured at or after `since`.
pub async fn settled_since(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    action: &str,
    reference: &str,
    since: DateTime<Utc>,
) -> Result<bool> {
    Ok(reservation::Entity::find()
        .filter(reservation::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(reservation::Column::Action.eq(action))
        .filter(reservation::Column::Reference.eq(reference))
        .filter(reservation::Column::State.eq("captured"))
        .filter(reservation::Column::CreatedAt.gte(since))
        .count(conn)
        .await?
        > 0)
}

/// Adds purchased credits once per `key` (a paid top-up); a repeat is a no-op.
pub async fn add_purchased(
    db: &DatabaseConnection,
    scope: &Scope,
    credits: i64,
    key: &str,
    reference: &str,
    actor: &Actor,
) -> Result<bool> {
    let workspace_id = scope.workspace_id();
    if credits <= 0 {
        return Err(Error::internal(
            "a top-up adds a positive number of credits",
        ));
    }
    let (txn, w) = lock(db, workspace_id).await?;
    if already_posted(&txn, key).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    post(
        &txn,
        &w,
        0,
        credits,
        "topup",
        None,
        None,
        Some(reference),
        None,
        actor,
        Some(key.into()),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

async fn already_posted(conn: &impl ConnectionTrait, key: &str) -> Result<bool> {
    Ok(transaction::Entity::find()
        .filter(transaction::Column::IdempotencyKey.eq(key))
        .count(conn)
        .await?
        > 0)
}

/// Grants a period's allowance once (`period` names it). Without rollover, what is left of
/// the previous allowance expires first (its own ledger entry).
pub async fn grant_allowance(
    db: &DatabaseConnection,
    scope: &Scope,
    credits: i64,
    period: &str,
    rollover: bool,
    actor: &Actor,
) -> Result<bool> {
    let workspace_id = scope.workspace_id();
    let key = format!("allowance:{workspace_id}:{period}");
    let (txn, w) = lock(db, workspace_id).await?;
    if already_posted(&txn, &key).await? || w.allowance_period.as_deref() == Some(period) {
        txn.rollback().await?;
        return Ok(false);
    }
    let mut w = w;
    if !rollover && w.allowance > 0 {
        let expiring = w.allowance;
        w = post(
            &txn,
            &w,
            -expiring,
            0,
            "expire",
            None,
            None,
            Some(period),
            Some("unused allowance of the previous period"),
            actor,
            None,
        )
        .await?;
    }
    if credits > 0 {
        w = post(
            &txn,
            &w,
            credits,
            0,
            "grant",
            None,
            None,
            Some(period),
            Some("monthly allowance"),
            actor,
            Some(key),
        )
        .await?;
    }
    let mut a: wallet::ActiveModel = w.into();
    a.allowance_period = Set(Some(period.into()));
    a.update(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// Grants this calendar month's allowance if it is due. A monthly Stripe subscription gets
/// its allowance when its invoice is paid (its own period); every other workspace (free,
/// comped, yearly, or fallen back to free limits) gets the plan in force's `ai_credits` each
/// calendar month (UTC), on first use or look. Returns whether a grant was made.
pub async fn refresh_allowance(state: &AppState, scope: &Scope) -> Result<bool> {
    Ok(refresh(state, scope).await?.0)
}

/// [`refresh_allowance`], with the standing it worked from.
async fn refresh(state: &AppState, scope: &Scope) -> Result<(bool, subscriptions::Standing)> {
    let workspace_id = scope.workspace_id();
    let standing = super::limits::standing(state, scope).await?;
    let paid_monthly = standing.subscription.as_ref().is_some_and(|s| {
        s.origin == "stripe"
            && s.interval.as_deref() == Some("month")
            && !standing.limited
            && subscriptions::grants_plan(&s.status)
    });
    if paid_monthly {
        return Ok((false, standing));
    }
    let period = super::limits::period_of(platform::db::now());
    let current = wallet::Entity::find_by_id(workspace_id)
        .one(&state.db)
        .await?;
    if current.as_ref().and_then(|w| w.allowance_period.as_deref()) == Some(period.as_str()) {
        return Ok((false, standing));
    }
    let credits = standing.plan.limit(Meter::AiCredits).unwrap_or(0);
    if credits == 0 && current.as_ref().is_none_or(|w| w.allowance == 0) {
        // Nothing to grant or expire: no ledger noise for free workspaces.
        return Ok((false, standing));
    }
    let granted = grant_allowance(
        &state.db,
        scope,
        credits,
        &period,
        standing.plan.allowance_rollover,
        &Actor::System,
    )
    .await?;
    Ok((granted, standing))
}

/// A staff correction: needs a reason; a negative amount takes allowance first and cannot
/// take the balance below zero. `audit` is given the balance after the correction and may
/// return the activity-log entry to write: it is written in the adjustment's transaction, so
/// the correction and its log entry are saved together or not at all.
pub async fn adjust(
    db: &DatabaseConnection,
    scope: &Scope,
    amount: i64,
    reason: &str,
    staff_id: Uuid,
    audit: impl FnOnce(&Balance) -> Option<platform::audit::Event>,
) -> Result<Balance> {
    let workspace_id = scope.workspace_id();
    if reason.trim().chars().count() < 3 {
        return Err(Error::validation(
            "reason",
            "Say why the balance is corrected",
        ));
    }
    within("reason", "The reason", reason, REASON_MAX).map_err(|e| Error::Validation(vec![e]))?;
    if amount == 0 || amount.abs() > 10_000_000 {
        return Err(Error::validation(
            "amount",
            "A non-zero number of credits, at most 10,000,000 either way",
        ));
    }
    let (txn, w) = lock(db, workspace_id).await?;
    let (d_allowance, d_purchased) = if amount > 0 {
        (0, amount)
    } else {
        let take = -amount;
        if take > w.balance {
            txn.rollback().await?;
            return Err(Error::validation(
                "amount",
                format!("The balance is {}; it cannot go below zero", w.balance),
            ));
        }
        let from_allowance = take.min(w.allowance);
        (-from_allowance, -(take - from_allowance))
    };
    let saved = post(
        &txn,
        &w,
        d_allowance,
        d_purchased,
        "adjustment",
        None,
        None,
        None,
        Some(reason.trim()),
        &Actor::Staff(staff_id),
        None,
    )
    .await?;
    let balance = Balance::from(&saved);
    if let Some(event) = audit(&balance) {
        // On failure the transaction is dropped, which rolls the correction back.
        platform::audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(balance)
}

/// Releases reservations held longer than `older_than` (their work never reported back).
pub async fn release_stale(db: &DatabaseConnection, older_than: chrono::Duration) -> Result<u64> {
    let stale: Vec<(Uuid, Uuid)> = reservation::Entity::find()
        .select_only()
        .column(reservation::Column::Id)
        .column(reservation::Column::WorkspaceId)
        .filter(reservation::Column::State.eq("held"))
        .filter(reservation::Column::CreatedAt.lt(platform::db::now() - older_than))
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    let mut released = 0;
    for (id, ws) in stale {
        match release(
            db,
            &Scope::for_job(ws),
            id,
            &Actor::System,
            "held too long without a result",
        )
        .await
        {
            Ok(()) => released += 1,
            Err(Error::NotFound) => {} // settled meanwhile
            Err(e) => return Err(e),
        }
    }
    Ok(released)
}

/// A page of the ledger, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerPage {
    pub items: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    pub id: Uuid,
    pub kind: String,
    pub amount: i64,
    pub balance_after: i64,
    pub action: Option<String>,
    pub reference: Option<String>,
    pub reason: Option<String>,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<transaction::Model> for LedgerEntry {
    fn from(t: transaction::Model) -> Self {
        LedgerEntry {
            id: t.id,
            kind: t.kind,
            amount: t.amount,
            balance_after: t.balance_after,
            action: t.action,
            reference: t.reference,
            reason: t.reason,
            actor: t.actor,
            created_at: t.created_at,
        }
    }
}

pub const KINDS: [&str; 8] = [
    "grant",
    "expire",
    "topup",
    "reserve",
    "capture",
    "release",
    "refund",
    "adjustment",
];

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct LedgerFilter {
    /// One of the entry kinds.
    pub kind: Option<String>,
    pub action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    /// Page size (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// The range of [`LedgerFilter::limit`] a client may ask for.
pub type LedgerPageSize = platform::http::extract::Bounded<1, 500>;

pub async fn ledger(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &LedgerFilter,
) -> Result<LedgerPage> {
    let workspace_id = scope.workspace_id();
    if let Some(kind) = &f.kind
        && !KINDS.contains(&kind.as_str())
    {
        return Err(Error::validation(
            "kind",
            format!("One of {}", KINDS.join(", ")),
        ));
    }
    // Callers in this process (the CSV export's batches) may ask for more than a client may;
    // the API checks a client's `limit` against [`LedgerPageSize`] before it gets here.
    let limit = f.limit.unwrap_or(50).clamp(1, LedgerPageSize::MAX_VALUE);
    let mut q =
        transaction::Entity::find().filter(transaction::Column::WorkspaceId.eq(workspace_id));
    if let Some(kind) = &f.kind {
        q = q.filter(transaction::Column::Kind.eq(kind));
    }
    if let Some(action) = &f.action {
        q = q.filter(transaction::Column::Action.eq(action));
    }
    if let Some(from) = f.from {
        q = q.filter(transaction::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(transaction::Column::CreatedAt.lt(to));
    }
    if let Some(cursor) = &f.cursor {
        let after = Uuid::parse_str(cursor)
            .map_err(|_| Error::validation("cursor", "This cursor is not one we handed out"))?;
        q = q.filter(Condition::all().add(transaction::Column::Id.lt(after)));
    }
    let mut rows = q
        .order_by_desc(transaction::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let next_cursor = (rows.len() as u64 > limit)
        .then(|| {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.id.to_string())
        })
        .flatten();
    Ok(LedgerPage {
        items: rows.into_iter().map(LedgerEntry::from).collect(),
        next_cursor,
    })
}

/// The sum of a workspace's ledger (what the balance must equal).
pub async fn ledger_sum(conn: &impl ConnectionTrait, scope: &Scope) -> Result<i64> {
    let workspace_id = scope.workspace_id();
    let sum: Option<Option<i64>> = transaction::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "sum")
        .filter(transaction::Column::WorkspaceId.eq(workspace_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(sum.flatten().unwrap_or(0))
}
