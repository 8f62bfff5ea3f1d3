//! A workspace's subscription: which plan it is on and in what state. Every change is
//! written with an event carrying the MRR from then on, which is what the revenue metrics are
//! computed from.
//!
//! Without a subscription that grants a plan (none yet, or an ended one) a workspace is on
//! the *fallback* plan of the server's mode (see `mode`): the Self-hosted plan while the server
//! takes no payments, the Free plan once it does. A workspace met while the server takes no
//! payments gets a row of origin `self_hosted` ([`enrol_self_hosted`]), so it stays on the
//! Self-hosted plan after Stripe is configured, until staff move it ([`end_self_hosted`]).

use chrono::{DateTime, Duration, Utc};
use platform::{Error, Result, Scope};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::{
    mode::{self, Mode},
    plans::{self, Plan},
};
use crate::model::{subscription, subscription_event};

/// Paid through Stripe.
pub const STRIPE: &str = "stripe";
/// Assigned by staff, not charged.
pub const COMPED: &str = "comped";
/// The Self-hosted plan of a workspace from a time the server took no payments.
pub const SELF_HOSTED: &str = "self_hosted";

/// Every status a subscription row can have (Stripe's, plus `active` for comped ones).
pub const STATUSES: [&str; 8] = [
    "active",
    "trialing",
    "past_due",
    "canceled",
    "unpaid",
    "incomplete",
    "incomplete_expired",
    "paused",
];

/// Statuses in which the plan's limits apply (Stripe's vocabulary).
pub fn grants_plan(status: &str) -> bool {
    matches!(status, "active" | "trialing" | "past_due")
}

/// The plan in force for a workspace, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    /// The plan whose limits apply now.
    pub plan: Plan,
    /// The plan subscribed to (differs from `plan` when payment is overdue past the grace
    /// period, or the subscription ended).
    pub subscribed: Option<Plan>,
    pub subscription: Option<SubscriptionView>,
    /// Past due: the banner shows; `limited` says whether the grace period is over.
    pub past_due: bool,
    /// Limited to the free plan's limits (nothing is deleted).
    pub limited: bool,
    /// When the grace period of a past-due subscription ends.
    pub grace_ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub status: String,
    pub origin: String,
    pub interval: Option<String>,
    pub price_amount: Option<i64>,
    pub currency: String,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
    pub past_due_since: Option<DateTime<Utc>>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
}

impl From<&subscription::Model> for SubscriptionView {
    fn from(s: &subscription::Model) -> Self {
        SubscriptionView {
            id: s.id,
            plan_id: s.plan_id,
            status: s.status.clone(),
            origin: s.origin.clone(),
            interval: s.interval.clone(),
            price_amount: s.price_amount,
            currency: s.currency.clone(),
            current_period_start: s.current_period_start,
            current_period_end: s.current_period_end,
            cancel_at_period_end: s.cancel_at_period_end,
            canceled_at: s.canceled_at,
            trial_end: s.trial_end,
            past_due_since: s.past_due_since,
            stripe_customer_id: s.stripe_customer_id.clone(),
            stripe_subscription_id: s.stripe_subscription_id.clone(),
        }
    }
}

pub async fn row(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Option<subscription::Model>> {
    let workspace_id = scope.workspace_id();
    Ok(subscription::Entity::find()
        .filter(subscription::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?)
}

/// The plan in force for a workspace now. `grace_days`: how long a past-due subscription
/// keeps its plan's limits.
pub async fn standing(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    grace_days: i64,
) -> Result<Standing> {
    standing_at(conn, scope, grace_days, platform::db::now()).await
}

pub async fn standing_at(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    grace_days: i64,
    now: DateTime<Utc>,
) -> Result<Standing> {
    let Some(sub) = row(conn, scope).await? else {
        return Ok(Standing {
            plan: fallback(conn).await?,
            subscribed: None,
            subscription: None,
            past_due: false,
            limited: false,
            grace_ends_at: None,
        });
    };
    let subscribed = plans::get(conn, sub.plan_id).await?;
    let past_due = sub.status == "past_due";
    let grace_ends_at =
        past_due.then(|| sub.past_due_since.unwrap_or(sub.updated_at) + Duration::days(grace_days));
    let limited = grace_ends_at.is_some_and(|end| now >= end);
    let plan = if limited {
        // Payment overdue past the grace period: the free plan's limits until it is paid.
        plans::free(conn).await?
    } else if grants_plan(&sub.status) {
        subscribed.clone()
    } else {
        fallback(conn).await?
    };
    Ok(Standing {
        plan,
        subscribed: Some(subscribed),
        subscription: Some(SubscriptionView::from(&sub)),
        past_due,
        limited,
        grace_ends_at,
    })
}

/// The plan of a workspace without a subscription that grants one, in the recorded mode.
pub async fn fallback(conn: &impl ConnectionTrait) -> Result<Plan> {
    match mode::recorded(conn).await? {
        Mode::SelfHosted => plans::self_hosted(conn).await,
        Mode::Stripe { .. } => plans::free(conn).await,
    }
}

/// Puts a workspace whose subscription grants no plan (none yet, or an ended one: a comp
/// staff ended, a canceled Stripe subscription) on the Self-hosted plan for good — until
/// staff move it — when the recorded mode is self-hosted; `true` when it was written. So a
/// workspace of the self-hosted time never slides onto the Free plan when Stripe is
/// configured later. Called with a workspace known to exist (the foreign key refuses others).
pub async fn enrol_self_hosted(conn: &impl ConnectionTrait, scope: &Scope) -> Result<bool> {
    let workspace_id = scope.workspace_id();
    let current = row(conn, scope).await?;
    if current.as_ref().is_some_and(|r| grants_plan(&r.status))
        || mode::recorded(conn).await? != Mode::SelfHosted
    {
        return Ok(false);
    }
    let plan = plans::self_hosted(conn).await?;
    let now = platform::db::now();
    let saved = match current {
        Some(ended) => {
            let mut a: subscription::ActiveModel = ended.into();
            a.plan_id = Set(plan.id);
            a.status = Set("active".into());
            a.origin = Set(SELF_HOSTED.into());
            a.interval = Set(None);
            a.price_amount = Set(None);
            a.currency = Set(plan.currency.clone());
            a.stripe_subscription_id = Set(None);
            a.current_period_start = Set(Some(now));
            a.current_period_end = Set(None);
            a.cancel_at_period_end = Set(false);
            a.canceled_at = Set(None);
            a.trial_end = Set(None);
            a.past_due_since = Set(None);
            a.updated_at = Set(now);
            a.update(conn).await?
        }
        None => {
            let new = subscription::Model {
                id: Uuid::now_v7(),
                workspace_id,
                plan_id: plan.id,
                status: "active".into(),
                origin: SELF_HOSTED.into(),
                interval: None,
                price_amount: None,
                currency: plan.currency.clone(),
                stripe_customer_id: None,
                stripe_subscription_id: None,
                current_period_start: Some(now),
                current_period_end: None,
                cancel_at_period_end: false,
                canceled_at: None,
                trial_end: None,
                past_due_since: None,
                stripe_version: None,
                created_at: now,
                updated_at: now,
            };
            let written =
                subscription::Entity::insert(subscription::ActiveModel::from(new.clone()))
                    .on_conflict(
                        sea_orm::sea_query::OnConflict::column(subscription::Column::WorkspaceId)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(conn)
                    .await?;
            if written == 0 {
                // Another request enrolled it first.
                return Ok(false);
            }
            new
        }
    };
    record(conn, &saved, &plan.key, SELF_HOSTED, "system", now, None).await?;
    Ok(true)
}

/// Staff move a workspace off the Self-hosted plan once the server takes payments: it ends,
/// and the workspace is on the Free plan (from where it can subscribe, or be comped).
pub async fn end_self_hosted(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: &str,
) -> Result<subscription::Model> {
    if !mode::recorded(conn).await?.takes_payments() {
        return Err(Error::Conflict(
            "This server takes no payments yet (no Stripe key): every workspace is self-hosted until Stripe is configured".into(),
        ));
    }
    let sub = row(conn, scope)
        .await?
        .filter(|s| s.origin == SELF_HOSTED && s.status != "canceled")
        .ok_or_else(|| Error::Conflict("This workspace is not on the Self-hosted plan".into()))?;
    let plan = plans::get(conn, sub.plan_id).await?;
    let now = platform::db::now();
    let mut a: subscription::ActiveModel = sub.into();
    a.status = Set("canceled".into());
    a.canceled_at = Set(Some(now));
    a.updated_at = Set(now);
    let saved = a.update(conn).await?;
    record(
        conn,
        &saved,
        &plan.key,
        "self_hosted_ended",
        actor,
        now,
        None,
    )
    .await?;
    Ok(saved)
}

/// Workspaces still on the Self-hosted plan by a subscription row, oldest first.
pub async fn self_hosted_rows(conn: &impl ConnectionTrait) -> Result<Vec<subscription::Model>> {
    use sea_orm::QueryOrder;
    Ok(subscription::Entity::find()
        .filter(subscription::Column::Origin.eq(SELF_HOSTED))
        .filter(subscription::Column::Status.ne("canceled"))
        .order_by_asc(subscription::Column::CreatedAt)
        .order_by_asc(subscription::Column::Id)
        .all(conn)
        .await?)
}

/// Monthly recurring revenue of a subscription in minor units: 0 unless it pays.
pub fn mrr_of(status: &str, origin: &str, interval: Option<&str>, amount: Option<i64>) -> i64 {
    if origin != STRIPE || !matches!(status, "active" | "past_due") {
        return 0;
    }
    let amount = amount.unwrap_or(0);
    match interval {
        Some("year") => amount / 12,
        _ => amount,
    }
}

/// Appends the history event for a subscription's new state.
pub async fn record(
    conn: &impl ConnectionTrait,
    sub: &subscription::Model,
    plan_key: &str,
    kind: &str,
    actor: &str,
    at: DateTime<Utc>,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    subscription_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(sub.workspace_id),
        at: Set(at),
        kind: Set(kind.into()),
        plan_id: Set(sub.plan_id),
        plan_key: Set(plan_key.into()),
        status: Set(sub.status.clone()),
        mrr: Set(mrr_of(
            &sub.status,
            &sub.origin,
            sub.interval.as_deref(),
            sub.price_amount,
        )),
        currency: Set(sub.currency.clone()),
        actor: Set(actor.into()),
        detail: Set(detail),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Staff put a workspace on a plan without charging it ("comped"). Replaces a comped or
/// ended subscription; a live Stripe subscription must be changed or canceled instead.
pub async fn comp(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    plan_id: Uuid,
    actor: &str,
) -> Result<subscription::Model> {
    let workspace_id = scope.workspace_id();
    let plan = plans::get(conn, plan_id).await?;
    let now = platform::db::now();
    let current = row(conn, scope).await?;
    if let Some(c) = &current
        && c.origin == "stripe"
        && c.status != "canceled"
    {
        return Err(Error::Conflict(
            "This workspace pays through Stripe: change or cancel that subscription first".into(),
        ));
    }
    let saved = match current {
        Some(c) => {
            let mut a: subscription::ActiveModel = c.into();
            a.plan_id = Set(plan.id);
            a.status = Set("active".into());
            a.origin = Set("comped".into());
            a.interval = Set(None);
            a.price_amount = Set(None);
            a.currency = Set(plan.currency.clone());
            a.stripe_subscription_id = Set(None);
            a.current_period_start = Set(Some(now));
            a.current_period_end = Set(None);
            a.cancel_at_period_end = Set(false);
            a.canceled_at = Set(None);
            a.trial_end = Set(None);
            a.past_due_since = Set(None);
            a.updated_at = Set(now);
            a.update(conn).await?
        }
        None => {
            subscription::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace_id),
                plan_id: Set(plan.id),
                status: Set("active".into()),
                origin: Set("comped".into()),
                interval: Set(None),
                price_amount: Set(None),
                currency: Set(plan.currency.clone()),
                stripe_customer_id: Set(None),
                stripe_subscription_id: Set(None),
                current_period_start: Set(Some(now)),
                current_period_end: Set(None),
                cancel_at_period_end: Set(false),
                canceled_at: Set(None),
                trial_end: Set(None),
                past_due_since: Set(None),
                stripe_version: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(conn)
            .await?
        }
    };
    record(conn, &saved, &plan.key, "comped", actor, now, None).await?;
    Ok(saved)
}

/// [`comp`] by plan key (`agency`, …): set-up scripts and tests.
pub async fn comp_key(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    key: &str,
    actor: &str,
) -> Result<subscription::Model> {
    let plan = plans::by_key(conn, key).await?;
    comp(conn, scope, plan.id, actor).await
}

/// Ends a comped subscription at once (back to the fallback plan: Free, or Self-hosted while
/// the server takes no payments).
pub async fn end_comp(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: &str,
) -> Result<subscription::Model> {
    let sub = row(conn, scope).await?.ok_or(Error::NotFound)?;
    if sub.origin != "comped" {
        return Err(Error::Conflict(
            "Only a comped plan ends here; a Stripe subscription is canceled through Stripe".into(),
        ));
    }
    // Ending it twice would write a second cancellation into the revenue history.
    if sub.status == "canceled" {
        return Err(Error::Conflict("This comped plan has already ended".into()));
    }
    let plan = plans::get(conn, sub.plan_id).await?;
    let now = platform::db::now();
    let mut a: subscription::ActiveModel = sub.into();
    a.status = Set("canceled".into());
    a.canceled_at = Set(Some(now));
    a.updated_at = Set(now);
    let saved = a.update(conn).await?;
    record(conn, &saved, &plan.key, "canceled", actor, now, None).await?;
    Ok(saved)
}

/// The subscription's history, newest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<subscription_event::Model>> {
    let workspace_id = scope.workspace_id();
    use sea_orm::QueryOrder;
    Ok(subscription_event::Entity::find()
        .filter(subscription_event::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(subscription_event::Column::At)
        .order_by_desc(subscription_event::Column::Id)
        .all(conn)
        .await?)
}

/// Filters of the staff list of subscriptions (all optional).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ListFilter {
    pub plan_id: Option<Uuid>,
    /// One of Stripe's statuses (`active`, `canceled`, …).
    pub status: Option<String>,
    /// Current period ends at or after this time.
    pub period_end_after: Option<DateTime<Utc>>,
    /// Current period ends before this time.
    pub period_end_before: Option<DateTime<Utc>>,
}

/// Every workspace's subscription row (workspaces without one are on the free plan and not
/// listed), newest change first, `per_page` a page (1-based): (rows, total matching).
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &ListFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<subscription::Model>, u64)> {
    use sea_orm::{PaginatorTrait, QueryOrder};
    let mut q = subscription::Entity::find();
    if let Some(plan) = filter.plan_id {
        q = q.filter(subscription::Column::PlanId.eq(plan));
    }
    if let Some(status) = &filter.status {
        q = q.filter(subscription::Column::Status.eq(status.as_str()));
    }
    if let Some(after) = filter.period_end_after {
        q = q.filter(subscription::Column::CurrentPeriodEnd.gte(after));
    }
    if let Some(before) = filter.period_end_before {
        q = q.filter(subscription::Column::CurrentPeriodEnd.lt(before));
    }
    let pages = q
        .order_by_desc(subscription::Column::UpdatedAt)
        .order_by_desc(subscription::Column::Id)
        .paginate(conn, per_page.max(1));
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.max(1) - 1).await?;
    Ok((rows, total))
}

/// Subscriptions whose status grants their plan (active, trialing, past due).
pub async fn count_live(conn: &impl ConnectionTrait) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(subscription::Entity::find()
        .filter(subscription::Column::Status.is_in(["active", "trialing", "past_due"]))
        .count(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paying_subscriptions_have_mrr() {
        assert_eq!(mrr_of("active", "stripe", Some("month"), Some(4900)), 4900);
        assert_eq!(mrr_of("active", "stripe", Some("year"), Some(49000)), 4083);
        assert_eq!(
            mrr_of("past_due", "stripe", Some("month"), Some(4900)),
            4900
        );
        assert_eq!(mrr_of("trialing", "stripe", Some("month"), Some(4900)), 0);
        assert_eq!(mrr_of("canceled", "stripe", Some("month"), Some(4900)), 0);
        assert_eq!(mrr_of("active", "comped", None, None), 0);
    }
}
