//! Bringing our subscription row in line with a Stripe subscription object — the one place
//! that writes Stripe's state, whether it arrives by webhook, as the answer of our own call,
//! or by a staff "sync". Every real change appends one history event (which carries the MRR)
//! and one audit entry; an object identical to the row changes nothing.

use chrono::{DateTime, Utc};
use platform::{AppState, Result, Scope, audit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use super::objects::{Subscription, time};
use crate::{
    model::subscription,
    service::{
        plans::{self, Plan},
        subscriptions,
    },
};

/// Where the object comes from, which decides ordering rules and the event kind.
#[derive(Debug, Clone)]
pub enum Source {
    /// A webhook event: `created` orders events for the same subscription; an older one
    /// never overwrites newer state.
    Event { id: String, created: i64 },
    /// Stripe's answer to a call we made for a user or staff member (`actor` as stored).
    Call { actor: String },
    /// A staff "sync": the history event is `synced`.
    Sync { actor: String },
}

impl Source {
    fn actor(&self) -> String {
        match self {
            Source::Event { id, .. } => format!("stripe:{id}"),
            Source::Call { actor } | Source::Sync { actor } => actor.clone(),
        }
    }
}

#[derive(Debug)]
pub struct Applied {
    pub workspace_id: Option<Uuid>,
    /// `applied`, `unchanged`, `stale`, `superseded`, `ignored: …`.
    pub outcome: String,
    /// Human-readable "what changed" lines.
    pub changes: Vec<String>,
    pub row: Option<subscription::Model>,
}

impl Applied {
    fn skipped(
        workspace_id: Option<Uuid>,
        outcome: &str,
        row: Option<subscription::Model>,
    ) -> Self {
        Applied {
            workspace_id,
            outcome: outcome.into(),
            changes: vec![],
            row,
        }
    }
}

/// Our plan for a Stripe price id, and the interval it sells.
pub fn plan_for_price<'a>(plans: &'a [Plan], price_id: &str) -> Option<(&'a Plan, &'static str)> {
    plans.iter().find_map(|p| {
        if p.stripe_price_monthly.as_deref() == Some(price_id) {
            Some((p, "month"))
        } else if p.stripe_price_yearly.as_deref() == Some(price_id) {
            Some((p, "year"))
        } else {
            None
        }
    })
}

pub async fn row_by_stripe_subscription(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<subscription::Model>> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::StripeSubscriptionId.eq(id))
        .one(conn)
        .await?)
}

pub async fn row_by_customer(
    conn: &impl ConnectionTrait,
    customer: &str,
) -> Result<Option<subscription::Model>> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::StripeCustomerId.eq(customer))
        .one(conn)
        .await?)
}

/// The workspace a subscription belongs to: the row already linked to it wins; then the
/// caller's hint (checkout's `client_reference_id`, a staff sync), the metadata we set at
/// checkout, and last the customer's row.
async fn resolve(
    conn: &impl ConnectionTrait,
    sub: &Subscription,
    hint: Option<Uuid>,
) -> Result<(Option<Uuid>, Option<subscription::Model>)> {
    if let Some(row) = row_by_stripe_subscription(conn, &sub.id).await? {
        return Ok((Some(row.workspace_id), Some(row)));
    }
    let ws = hint.or_else(|| {
        sub.metadata
            .get("workspace_id")
            .and_then(|s| Uuid::parse_str(s).ok())
    });
    if let Some(ws) = ws {
        return Ok((
            Some(ws),
            subscriptions::row(conn, &Scope::for_system(ws)).await?,
        ));
    }
    if let Some(customer) = sub.customer_id()
        && let Some(row) = row_by_customer(conn, &customer).await?
    {
        return Ok((Some(row.workspace_id), Some(row)));
    }
    Ok((None, None))
}

fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "none".into())
}

/// Applies `sub` (`deleted`: it came from `customer.subscription.deleted`).
pub async fn apply(
    state: &AppState,
    sub: &Subscription,
    deleted: bool,
    hint: Option<Uuid>,
    source: &Source,
) -> Result<Applied> {
    let txn = state.db.begin().await?;
    let (ws, old) = resolve(&txn, sub, hint).await?;
    let Some(ws) = ws else {
        txn.rollback().await?;
        return Ok(Applied::skipped(
            None,
            "ignored: no workspace for this subscription",
            None,
        ));
    };
    let same_sub = old
        .as_ref()
        .is_some_and(|o| o.stripe_subscription_id.as_deref() == Some(sub.id.as_str()));
    let status = if deleted {
        "canceled"
    } else {
        sub.status.as_str()
    };

    // Out-of-order delivery: an event older than the state the row reflects is recorded by
    // the caller but changes nothing.
    if let (Source::Event { created, .. }, Some(o)) = (source, &old)
        && same_sub
        && o.stripe_version.is_some_and(|v| *created < v)
    {
        txn.rollback().await?;
        return Ok(Applied::skipped(Some(ws), "stale", old));
    }
    // The workspace has moved on to another live subscription: news about an ended old one
    // must not replace it.
    if let Some(o) = &old
        && !same_sub
        && o.stripe_subscription_id.is_some()
        && subscriptions::grants_plan(&o.status)
        && !subscriptions::grants_plan(status)
    {
        txn.rollback().await?;
        return Ok(Applied::skipped(Some(ws), "superseded", old));
    }

    let all = plans::all(&txn).await?;
    let item = sub.item();
    let matched = item.and_then(|i| plan_for_price(&all, &i.price.id));
    let plan = match (matched, &old) {
        (Some((p, _)), _) => p.clone(),
        // A price we do not sell (changed in Stripe's dashboard): keep the plan we know.
        (None, Some(o)) if same_sub => plans::get(&txn, o.plan_id).await?,
        (None, _) => {
            txn.rollback().await?;
            return Ok(Applied::skipped(Some(ws), "ignored: price of no plan", old));
        }
    };
    let interval = item
        .and_then(|i| i.price.recurring.as_ref().map(|r| r.interval.clone()))
        .or_else(|| matched.map(|(_, i)| i.to_string()));
    let price_amount = item.and_then(|i| i.price.unit_amount);
    let currency = item
        .map(|i| i.price.currency.clone())
        .unwrap_or_else(|| plan.currency.clone());
    let (start, end) = sub.period();
    let now = platform::db::now();
    let at = match source {
        Source::Event { created, .. } => time(Some(*created)).unwrap_or(now),
        _ => now,
    };
    let was_past_due = old.as_ref().is_some_and(|o| o.status == "past_due");
    let past_due_since = if status == "past_due" {
        old.as_ref()
            .and_then(|o| o.past_due_since)
            .filter(|_| was_past_due)
            .or(Some(at))
    } else {
        None
    };
    let version = match source {
        Source::Event { created, .. } => Some(
            old.as_ref()
                .filter(|_| same_sub)
                .and_then(|o| o.stripe_version)
                .map_or(*created, |v| v.max(*created)),
        ),
        _ => old
            .as_ref()
            .filter(|_| same_sub)
            .and_then(|o| o.stripe_version),
    };

    let new = subscription::Model {
        id: old.as_ref().map_or_else(Uuid::now_v7, |o| o.id),
        workspace_id: ws,
        plan_id: plan.id,
        status: status.to_string(),
        origin: "stripe".into(),
        interval,
        price_amount,
        currency,
        stripe_customer_id: sub
            .customer_id()
            .or_else(|| old.as_ref().and_then(|o| o.stripe_customer_id.clone())),
        stripe_subscription_id: Some(sub.id.clone()),
        current_period_start: time(start),
        current_period_end: time(end),
        cancel_at_period_end: sub.cancel_at_period_end,
        canceled_at: time(sub.canceled_at),
        trial_end: time(sub.trial_end),
        past_due_since,
        stripe_version: version,
        created_at: old.as_ref().map_or(now, |o| o.created_at),
        updated_at: now,
    };

    let (changes, kind) = diff(old.as_ref(), &new, &all, same_sub);
    let kind = match source {
        Source::Sync { .. } => "synced",
        _ => kind,
    };
    if changes.is_empty() {
        // Still remember the newest event seen, so an older one cannot come after it.
        if let Some(o) = old.clone()
            && o.stripe_version != version
        {
            let mut a: subscription::ActiveModel = o.into();
            a.stripe_version = Set(version);
            a.update(&txn).await?;
        }
        txn.commit().await?;
        return Ok(Applied::skipped(Some(ws), "unchanged", old));
    }

    let saved = match &old {
        Some(_) => {
            let mut a: subscription::ActiveModel = new.clone().into();
            a = a.reset_all();
            a.id = sea_orm::ActiveValue::Unchanged(new.id);
            a.update(&txn).await?
        }
        None => {
            let a: subscription::ActiveModel = new.clone().into();
            subscription::Entity::insert(a)
                .exec_without_returning(&txn)
                .await?;
            new.clone()
        }
    };
    let actor = source.actor();
    let detail = serde_json::json!({ "changes": changes, "stripe_subscription": sub.id });
    subscriptions::record(
        &txn,
        &saved,
        &plan.key,
        kind,
        &actor,
        at,
        Some(detail.clone()),
    )
    .await?;
    audit::record(
        &txn,
        audit::Event::new("billing.subscription_changed")
            .actor(None, actor)
            .workspace(Some(ws))
            .target("subscription", saved.id)
            .detail(serde_json::json!({ "kind": kind, "changes": changes })),
    )
    .await?;
    txn.commit().await?;
    Ok(Applied {
        workspace_id: Some(ws),
        outcome: "applied".into(),
        changes,
        row: Some(saved),
    })
}

/// What changed between the row and the new state, and the history kind that names it.
fn diff(
    old: Option<&subscription::Model>,
    new: &subscription::Model,
    plans: &[Plan],
    same_sub: bool,
) -> (Vec<String>, &'static str) {
    let key = |id: Uuid| {
        plans
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.key.clone())
    };
    let Some(o) = old.filter(|_| same_sub) else {
        let line = format!(
            "subscribed to {} ({}) through Stripe, status {}",
            key(new.plan_id),
            new.interval.as_deref().unwrap_or("?"),
            new.status
        );
        let kind = if new.status == "canceled" {
            "canceled"
        } else {
            "subscribed"
        };
        return (vec![line], kind);
    };
    let mut changes = Vec::new();
    let mut push = |what: &str, a: String, b: String| {
        if a != b {
            changes.push(format!("{what}: {a} → {b}"));
        }
    };
    push("plan", key(o.plan_id), key(new.plan_id));
    push("status", o.status.clone(), new.status.clone());
    push(
        "interval",
        o.interval.clone().unwrap_or_default(),
        new.interval.clone().unwrap_or_default(),
    );
    push(
        "price",
        format!("{:?}", o.price_amount),
        format!("{:?}", new.price_amount),
    );
    push(
        "cancel at period end",
        o.cancel_at_period_end.to_string(),
        new.cancel_at_period_end.to_string(),
    );
    push(
        "period start",
        fmt_time(o.current_period_start),
        fmt_time(new.current_period_start),
    );
    push(
        "period end",
        fmt_time(o.current_period_end),
        fmt_time(new.current_period_end),
    );
    push("trial end", fmt_time(o.trial_end), fmt_time(new.trial_end));
    push(
        "canceled at",
        fmt_time(o.canceled_at),
        fmt_time(new.canceled_at),
    );
    push(
        "customer",
        format!("{:?}", o.stripe_customer_id),
        format!("{:?}", new.stripe_customer_id),
    );
    let kind = if new.status == "canceled" && o.status != "canceled" {
        "canceled"
    } else if o.status == "canceled" && subscriptions::grants_plan(&new.status) {
        "subscribed"
    } else if o.plan_id != new.plan_id
        || o.interval != new.interval
        || o.price_amount != new.price_amount
    {
        "plan_changed"
    } else if o.status != new.status || o.cancel_at_period_end != new.cancel_at_period_end {
        "status_changed"
    } else if o.current_period_start != new.current_period_start {
        "renewed"
    } else {
        "status_changed"
    };
    (changes, kind)
}
