//! What staff do with billing (super admin and finance): plans, subscriptions, credit pricing,
//! credit adjustments and revenue. The rules live in billing's services; this module checks
//! the staff permission first and writes the activity log — in the same transaction as the
//! change wherever the rule takes a connection. Credit adjustments run their own locked
//! transaction inside `credits::adjust`, which writes the log entry we give it in that same
//! transaction. Stripe-backed actions (cancel, change plan, sync) go through `crate::stripe`'s
//! staff fns, which call Stripe, apply its answer and log the action. Workspaces are named and
//! found through the workspace directory port (`state.directory`): billing does not own them.

use std::collections::BTreeMap;

use crate::{
    mode::Mode,
    model::{subscription, subscription_event},
    plans::{self, Plan, PlanInput},
    service::{
        credits::{self, Balance, LedgerEntry, LedgerFilter},
        pricing::{self, Price, PriceInput},
        revenue::{self, Report},
        subscriptions::{self, ListFilter, Standing, SubscriptionView},
    },
    stripe::{StaffActor, StripeClient},
};
use chrono::NaiveDate;
use platform::{AppState, Result, Scope, audit, db::begin_write, directory::WorkspaceEntry};
use uuid::Uuid;

use platform::staff::{Staff, StaffPermission};

/// Subscriptions per page of the staff list.
pub const PER_PAGE: u64 = 25;
/// Ledger entries shown with a workspace's balance.
pub const LEDGER_ENTRIES: u64 = 20;

pub async fn plans(staff: &Staff, state: &AppState) -> Result<Vec<(Plan, u64)>> {
    staff.require(StaffPermission::Billing)?;
    let counts = plans::subscriber_counts(&state.db).await?;
    Ok(plans::all(&state.db)
        .await?
        .into_iter()
        .map(|p| {
            let n = counts.get(&p.id).copied().unwrap_or(0);
            (p, n)
        })
        .collect())
}

pub async fn plan(staff: &Staff, state: &AppState, id: Uuid) -> Result<Plan> {
    staff.require(StaffPermission::Billing)?;
    plans::get(&state.db, id).await
}

fn plan_detail(p: &Plan) -> serde_json::Value {
    serde_json::json!({
        "key": p.key,
        "name": p.name,
        "enabled": p.enabled,
        "price_monthly": p.price_monthly,
        "price_yearly": p.price_yearly,
        "currency": p.currency,
        "product_line": p.product_line.as_str(),
        "limits": p.limits.iter().map(|(m, l)| (m.as_str(), *l)).collect::<BTreeMap<_, _>>(),
        "features": p.features.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    })
}

pub async fn create_plan(staff: &Staff, state: &AppState, input: &PlanInput) -> Result<Plan> {
    staff.require(StaffPermission::Billing)?;
    let txn = begin_write(&state.db).await?;
    let plan = plans::create(&txn, input).await?;
    audit::record(
        &txn,
        staff
            .audit("plan.created")
            .target("plan", plan.id)
            .detail(plan_detail(&plan)),
    )
    .await?;
    txn.commit().await?;
    Ok(plan)
}

pub async fn update_plan(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    input: &PlanInput,
) -> Result<Plan> {
    staff.require(StaffPermission::Billing)?;
    let txn = begin_write(&state.db).await?;
    let before = plans::get(&txn, id).await?;
    let plan = plans::update(&txn, id, input).await?;
    audit::record(
        &txn,
        staff.audit("plan.updated").target("plan", plan.id).detail(
            serde_json::json!({ "before": plan_detail(&before), "after": plan_detail(&plan) }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(plan)
}

/// The input that saves a plan as it is (to change one thing of it).
pub fn input_of(p: &Plan) -> PlanInput {
    PlanInput {
        key: Some(p.key.clone()),
        name: p.name.clone(),
        description: p.description.clone(),
        currency: p.currency.clone(),
        price_monthly: p.price_monthly,
        price_yearly: p.price_yearly,
        stripe_price_monthly: p.stripe_price_monthly.clone(),
        stripe_price_yearly: p.stripe_price_yearly.clone(),
        enabled: p.enabled,
        sort_order: p.sort_order,
        product_line: Some(p.product_line.as_str().to_string()),
        // The meters the plan includes, as they are (a meter left out stays not included).
        limits: p
            .limits
            .iter()
            .map(|(m, l)| (m.as_str().to_string(), *l))
            .collect(),
        features: p.features.iter().map(|f| f.as_str().to_string()).collect(),
        topup_discount_percent: p.topup_discount_percent,
        allowance_rollover: p.allowance_rollover,
    }
}

/// Enables or disables a plan (a disabled plan is not offered; subscribers keep it).
pub async fn set_plan_enabled(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    enabled: bool,
) -> Result<Plan> {
    staff.require(StaffPermission::Billing)?;
    let current = plans::get(&state.db, id).await?;
    let input = PlanInput {
        enabled,
        ..input_of(&current)
    };
    update_plan(staff, state, id, &input).await
}

/// A subscription row with the names staff read.
pub struct SubscriptionRow {
    pub row: subscription::Model,
    pub workspace_name: String,
    pub plan: Option<Plan>,
}

async fn workspace_names(state: &AppState, ids: Vec<Uuid>) -> Result<BTreeMap<Uuid, String>> {
    Ok(state
        .directory
        .names(state, ids)
        .await?
        .into_iter()
        .collect())
}

/// The workspace staff act on; `Error::NotFound` when there is none.
async fn find_workspace(state: &AppState, id: Uuid) -> Result<WorkspaceEntry> {
    state.directory.find(state, id).await
}

pub async fn subscriptions(
    staff: &Staff,
    state: &AppState,
    filter: &ListFilter,
    page: u64,
) -> Result<(Vec<SubscriptionRow>, u64)> {
    staff.require(StaffPermission::Billing)?;
    let (rows, total) = subscriptions::list(&state.db, filter, page, PER_PAGE).await?;
    let names = workspace_names(state, rows.iter().map(|r| r.workspace_id).collect()).await?;
    let all: BTreeMap<Uuid, Plan> = plans::all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok((
        rows.into_iter()
            .map(|row| SubscriptionRow {
                workspace_name: names
                    .get(&row.workspace_id)
                    .cloned()
                    .unwrap_or_else(|| "(erased workspace)".into()),
                plan: all.get(&row.plan_id).cloned(),
                row,
            })
            .collect(),
        total,
    ))
}

/// A workspace's billing as staff see it.
pub struct WorkspaceBilling {
    pub workspace: WorkspaceEntry,
    pub standing: Standing,
    /// Newest first.
    pub history: Vec<subscription_event::Model>,
    pub balance: Balance,
    /// The newest `LEDGER_ENTRIES` ledger entries.
    pub ledger: Vec<LedgerEntry>,
}

pub async fn workspace_billing(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
) -> Result<WorkspaceBilling> {
    staff.require(StaffPermission::Billing)?;
    let workspace = find_workspace(state, workspace_id).await?;
    let (balance, ledger) = credits_of(staff, state, workspace_id).await?;
    Ok(WorkspaceBilling {
        workspace,
        standing: crate::limits::standing(state, &Scope::for_staff(staff, workspace_id)).await?,
        history: subscriptions::history(&state.db, &Scope::for_staff(staff, workspace_id)).await?,
        balance,
        ledger,
    })
}

/// The balance and the newest ledger entries of a workspace.
pub async fn credits_of(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
) -> Result<(Balance, Vec<LedgerEntry>)> {
    staff.require(StaffPermission::Billing)?;
    let balance = credits::balance(&state.db, &Scope::for_staff(staff, workspace_id)).await?;
    let page = credits::ledger(
        &state.db,
        &Scope::for_staff(staff, workspace_id),
        &LedgerFilter {
            limit: Some(LEDGER_ENTRIES),
            ..Default::default()
        },
    )
    .await?;
    Ok((balance, page.items))
}

/// Puts a workspace on a plan without charging it.
pub async fn comp(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
    plan_id: Uuid,
) -> Result<subscription::Model> {
    staff.require(StaffPermission::Billing)?;
    find_workspace(state, workspace_id).await?;
    let txn = begin_write(&state.db).await?;
    let plan = plans::get(&txn, plan_id).await?;
    let sub = subscriptions::comp(
        &txn,
        &Scope::for_staff(staff, workspace_id),
        plan_id,
        &format!("staff:{}", staff.id),
    )
    .await?;
    audit::record(
        &txn,
        staff
            .audit("subscription.comped")
            .workspace(Some(workspace_id))
            .target("workspace", workspace_id)
            .detail(serde_json::json!({ "plan": plan.key })),
    )
    .await?;
    txn.commit().await?;
    Ok(sub)
}

/// The changeover from self-hosted to selling plans, as staff see it.
pub struct SelfHostedView {
    pub mode: Mode,
    /// Workspaces still on the Self-hosted plan: (workspace id, name, since when).
    pub workspaces: Vec<(Uuid, String, chrono::DateTime<chrono::Utc>)>,
}

pub async fn self_hosted(staff: &Staff, state: &AppState) -> Result<SelfHostedView> {
    staff.require(StaffPermission::Billing)?;
    let mode = crate::mode::observe(state).await?;
    let rows = subscriptions::self_hosted_rows(&state.db).await?;
    let names = workspace_names(state, rows.iter().map(|r| r.workspace_id).collect()).await?;
    Ok(SelfHostedView {
        mode,
        workspaces: rows
            .into_iter()
            .filter_map(|r| {
                // A row of an erased workspace is not a workspace to move.
                let name = names.get(&r.workspace_id)?.clone();
                Some((r.workspace_id, name, r.created_at))
            })
            .collect(),
    })
}

/// Moves one workspace off the Self-hosted plan to the Free plan (the server must sell plans).
pub async fn end_self_hosted(staff: &Staff, state: &AppState, workspace_id: Uuid) -> Result<()> {
    staff.require(StaffPermission::Billing)?;
    find_workspace(state, workspace_id).await?;
    crate::mode::observe(state).await?;
    let txn = begin_write(&state.db).await?;
    subscriptions::end_self_hosted(
        &txn,
        &Scope::for_staff(staff, workspace_id),
        &format!("staff:{}", staff.id),
    )
    .await?;
    audit::record(
        &txn,
        staff
            .audit("subscription.self_hosted_ended")
            .workspace(Some(workspace_id))
            .target("workspace", workspace_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves every workspace still on the Self-hosted plan to the Free plan; how many moved.
pub async fn end_self_hosted_all(staff: &Staff, state: &AppState) -> Result<u64> {
    staff.require(StaffPermission::Billing)?;
    if !crate::mode::observe(state).await?.takes_payments() {
        return Err(platform::Error::Conflict(SELF_HOSTED_SERVER.into()));
    }
    let txn = begin_write(&state.db).await?;
    let rows = subscriptions::self_hosted_rows(&txn).await?;
    let actor = format!("staff:{}", staff.id);
    for r in &rows {
        subscriptions::end_self_hosted(&txn, &Scope::for_staff(staff, r.workspace_id), &actor)
            .await?;
    }
    audit::record(
        &txn,
        staff
            .audit("subscription.self_hosted_ended_all")
            .detail(serde_json::json!({ "workspaces": rows.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(rows.len() as u64)
}

/// Why the changeover cannot be made yet.
pub const SELF_HOSTED_SERVER: &str = "This server takes no payments yet: set a Stripe secret key in the system settings first, then move workspaces to the plans";

/// Ends a comped plan (back to the fallback plan: Free, or Self-hosted while the server takes
/// no payments).
pub async fn end_comp(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
) -> Result<subscription::Model> {
    staff.require(StaffPermission::Billing)?;
    let txn = begin_write(&state.db).await?;
    let sub = subscriptions::end_comp(
        &txn,
        &Scope::for_staff(staff, workspace_id),
        &format!("staff:{}", staff.id),
    )
    .await?;
    let plan = plans::get(&txn, sub.plan_id).await?;
    audit::record(
        &txn,
        staff
            .audit("subscription.comp_ended")
            .workspace(Some(workspace_id))
            .target("workspace", workspace_id)
            .detail(serde_json::json!({ "plan": plan.key })),
    )
    .await?;
    txn.commit().await?;
    Ok(sub)
}

pub async fn prices(staff: &Staff, state: &AppState) -> Result<Vec<Price>> {
    staff.require(StaffPermission::Billing)?;
    pricing::all(&state.db).await
}

pub async fn update_price(
    staff: &Staff,
    state: &AppState,
    action: &str,
    input: &PriceInput,
) -> Result<Price> {
    staff.require(StaffPermission::Billing)?;
    let txn = begin_write(&state.db).await?;
    let before = pricing::get(&txn, action).await?;
    let price = pricing::update(&txn, action, input, staff.id).await?;
    audit::record(
        &txn,
        staff
            .audit("pricing.updated")
            .target("credit_price", action)
            .detail(serde_json::json!({
                "cost": [before.cost, price.cost],
                "free_per_month": [before.free_per_month, price.free_per_month],
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(price)
}

/// A staff correction of a workspace's credits (reason required, checked by `credits::adjust`).
pub async fn adjust_credits(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
    amount: i64,
    reason: &str,
) -> Result<Balance> {
    staff.require(StaffPermission::Billing)?;
    find_workspace(state, workspace_id).await?;
    credits::adjust(
        &state.db,
        &Scope::for_staff(staff, workspace_id),
        amount,
        reason,
        staff.id,
        |balance| {
            Some(
                staff
                    .audit("credits.adjusted")
                    .workspace(Some(workspace_id))
                    .target("workspace", workspace_id)
                    .detail(serde_json::json!({
                        "amount": amount,
                        "reason": reason.trim(),
                        "balance_after": balance.balance,
                    })),
            )
        },
    )
    .await
}

/// Whether this server talks to Stripe (a secret key is set).
pub async fn stripe_configured(state: &AppState) -> Result<bool> {
    Ok(StripeClient::from_state(state).await?.is_some())
}

/// Whether a subscription row is paid through Stripe and still running (what cancel and
/// change plan act on).
pub fn stripe_live(row: &SubscriptionView) -> bool {
    row.origin == "stripe" && row.status != "canceled" && row.stripe_subscription_id.is_some()
}

/// Whether a row can be re-read from Stripe (it has a Stripe customer).
pub fn stripe_syncable(row: &SubscriptionView) -> bool {
    row.origin == "stripe" && row.stripe_customer_id.is_some()
}

fn actor(staff: &Staff) -> StaffActor {
    StaffActor {
        id: staff.id,
        label: staff.email.clone(),
    }
}

/// Staff's reason for a Stripe action being unavailable (customers read another one).
pub const STRIPE_NOT_CONFIGURED: &str = "Stripe is not configured on this server (no secret key in the system settings): Stripe-backed subscriptions cannot be changed from here";

/// The workspace's subscription row before a Stripe action: a workspace without one (or no
/// such workspace) is not found, and without a Stripe key staff are told so — both before
/// Stripe is asked anything.
async fn stripe_row(state: &AppState, scope: &Scope) -> Result<subscription::Model> {
    let row = subscriptions::row(&state.db, scope)
        .await?
        .ok_or(platform::Error::NotFound)?;
    if !stripe_configured(state).await? {
        return Err(platform::Error::Conflict(STRIPE_NOT_CONFIGURED.into()));
    }
    Ok(row)
}

/// Cancels the workspace's Stripe subscription: `now` ends it at once, otherwise at the end
/// of the paid period. Logged by billing (`billing.staff_canceled`).
pub async fn stripe_cancel(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
    now: bool,
) -> Result<SubscriptionView> {
    staff.require(StaffPermission::Billing)?;
    let scope = Scope::for_staff(staff, workspace_id);
    stripe_row(state, &scope).await?;
    crate::stripe::staff_cancel(state, &actor(staff), &scope, now).await
}

/// Moves the workspace's Stripe subscription to an enabled plan (prorated by Stripe).
/// Logged by billing (`billing.staff_changed_plan`).
pub async fn stripe_change_plan(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
    plan_id: Uuid,
) -> Result<SubscriptionView> {
    staff.require(StaffPermission::Billing)?;
    let scope = Scope::for_staff(staff, workspace_id);
    stripe_row(state, &scope).await?;
    let plan = plans::get(&state.db, plan_id).await?;
    if !plan.enabled {
        return Err(platform::Error::validation(
            "plan_id",
            format!("The {} plan is disabled: it is not offered", plan.name),
        ));
    }
    crate::stripe::staff_change_plan(state, &actor(staff), &scope, plan_id).await
}

/// Re-reads the workspace's subscription from Stripe and repairs our row; what changed
/// (empty: nothing differed) and the subscription after it. Logged by billing
/// (`billing.synced`).
pub async fn stripe_sync(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
) -> Result<(Vec<String>, Option<SubscriptionView>)> {
    staff.require(StaffPermission::Billing)?;
    let scope = Scope::for_staff(staff, workspace_id);
    stripe_row(state, &scope).await?;
    let changes = crate::stripe::sync(state, &actor(staff), &scope).await?;
    let after = subscriptions::row(&state.db, &scope)
        .await?
        .as_ref()
        .map(SubscriptionView::from);
    Ok((changes, after))
}

pub async fn revenue(
    staff: &Staff,
    state: &AppState,
    month: NaiveDate,
    today: NaiveDate,
) -> Result<Report> {
    staff.require(StaffPermission::Billing)?;
    revenue::report(&state.db, month, today).await
}

/// Whether a workspace's subscription is paid through Stripe and running: a change of plan
/// then goes through Stripe (prorated) instead of comping.
pub async fn stripe_backed(staff: &Staff, state: &AppState, workspace_id: Uuid) -> Result<bool> {
    staff.require(StaffPermission::Billing)?;
    Ok(
        subscriptions::row(&state.db, &Scope::for_staff(staff, workspace_id))
            .await?
            .is_some_and(|row| stripe_live(&SubscriptionView::from(&row))),
    )
}

/// How a change of plan was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanChange {
    /// The Stripe subscription was re-priced (prorated by Stripe).
    Stripe,
    /// The workspace was comped the plan (not charged).
    Comped,
}

/// Puts a workspace on a plan: through Stripe when its subscription is Stripe-backed (a comp
/// would be refused there anyway), otherwise by comping it.
pub async fn change_plan(
    staff: &Staff,
    state: &AppState,
    workspace_id: Uuid,
    plan_id: Uuid,
) -> Result<PlanChange> {
    if stripe_backed(staff, state, workspace_id).await? {
        stripe_change_plan(staff, state, workspace_id, plan_id).await?;
        Ok(PlanChange::Stripe)
    } else {
        comp(staff, state, workspace_id, plan_id).await?;
        Ok(PlanChange::Comped)
    }
}
