//! What staff do with a workspace's Stripe subscription from the back office: re-read it from
//! Stripe and repair our row ("sync"), cancel it (now or at the period's end), and move it to
//! another plan with proration. The back office passes who acts; billing does not depend on
//! the admin crate.

use platform::{AppState, Error, Result, Scope, audit};
use uuid::Uuid;

use super::{
    apply::{self, Source},
    client::{Form, StripeClient},
    objects::{List, Subscription},
};
use crate::service::{plans, subscriptions};

/// The staff member acting (from the back office's own context).
#[derive(Debug, Clone)]
pub struct StaffActor {
    pub id: Uuid,
    /// Shown in the audit log (the staff member's email).
    pub label: String,
}

impl StaffActor {
    fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }

    fn event(&self, action: &'static str, ws: Uuid) -> audit::Event {
        audit::Event::new(action)
            .actor(None, format!("{} ({})", self.label, self.actor()))
            .workspace(Some(ws))
    }
}

/// Re-reads the customer's subscriptions from Stripe and repairs our row; says what changed
/// (empty when the row was right).
pub async fn sync(state: &AppState, staff: &StaffActor, scope: &Scope) -> Result<Vec<String>> {
    let workspace_id = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    let row = subscriptions::row(&state.db, scope)
        .await?
        .ok_or(Error::NotFound)?;
    let customer = row
        .stripe_customer_id
        .clone()
        .ok_or_else(|| Error::Conflict("This workspace has no Stripe customer".into()))?;
    let list: List<Subscription> = client
        .get(
            "/v1/subscriptions",
            &Form::new()
                .set("customer", &customer)
                .set("status", "all")
                .set("limit", 10),
        )
        .await?;
    // The live one if any (Stripe lists newest first), else the newest ended one.
    let chosen = list
        .data
        .iter()
        .find(|s| subscriptions::grants_plan(&s.status))
        .or_else(|| list.data.first());
    let Some(sub) = chosen else {
        return Ok(vec!["Stripe has no subscription for this customer".into()]);
    };
    let source = Source::Sync {
        actor: staff.actor(),
    };
    let applied = apply::apply(state, sub, false, Some(workspace_id), &source).await?;
    if applied.workspace_id != Some(workspace_id) {
        return Err(Error::Conflict(format!(
            "Stripe subscription {} belongs to another workspace",
            sub.id
        )));
    }
    audit::record(
        &state.db,
        staff
            .event("billing.synced", workspace_id)
            .target("subscription", &sub.id)
            .detail(serde_json::json!({ "changes": applied.changes, "outcome": applied.outcome })),
    )
    .await?;
    Ok(applied.changes)
}

fn stripe_subscription(row: &crate::model::subscription::Model) -> Result<String> {
    match (&row.stripe_subscription_id, row.origin.as_str()) {
        (Some(id), "stripe") if row.status != "canceled" => Ok(id.clone()),
        _ => Err(Error::Conflict(
            "This workspace has no live Stripe subscription".into(),
        )),
    }
}

/// Cancels the workspace's Stripe subscription: `now` ends it at once (no refund is made
/// here), otherwise at the end of the paid period.
pub async fn staff_cancel(
    state: &AppState,
    staff: &StaffActor,
    scope: &Scope,
    now: bool,
) -> Result<subscriptions::SubscriptionView> {
    let workspace_id = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    let row = subscriptions::row(&state.db, scope)
        .await?
        .ok_or(Error::NotFound)?;
    let sub_id = stripe_subscription(&row)?;
    let path = format!("/v1/subscriptions/{sub_id}");
    let sub: Subscription = if now {
        client
            .delete(&path, &super::account::change_key("cancel-now", &row))
            .await?
    } else {
        client
            .post(
                &path,
                &Form::new().set("cancel_at_period_end", true),
                &super::account::change_key("cancel", &row),
            )
            .await?
    };
    let source = Source::Call {
        actor: staff.actor(),
    };
    let applied = apply::apply(state, &sub, now, Some(workspace_id), &source).await?;
    audit::record(
        &state.db,
        staff
            .event("billing.staff_canceled", workspace_id)
            .target("subscription", &sub_id)
            .detail(serde_json::json!({ "now": now, "changes": applied.changes })),
    )
    .await?;
    let row = applied.row.unwrap_or(row);
    Ok(subscriptions::SubscriptionView::from(&row))
}

/// Moves the workspace's Stripe subscription to another plan at the same interval, with
/// proration (Stripe credits the unused time and charges the difference on the next invoice).
pub async fn staff_change_plan(
    state: &AppState,
    staff: &StaffActor,
    scope: &Scope,
    plan_id: Uuid,
) -> Result<subscriptions::SubscriptionView> {
    let workspace_id = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    let row = subscriptions::row(&state.db, scope)
        .await?
        .ok_or(Error::NotFound)?;
    let sub_id = stripe_subscription(&row)?;
    let plan = plans::get(&state.db, plan_id).await?;
    let interval = row.interval.clone().unwrap_or_else(|| "month".into());
    let price = match interval.as_str() {
        "year" => plan.stripe_price_yearly.clone(),
        _ => plan.stripe_price_monthly.clone(),
    }
    .filter(|p| !p.is_empty())
    .ok_or_else(|| {
        Error::validation(
            "plan_id",
            format!("The {} plan has no Stripe price per {interval}", plan.name),
        )
    })?;
    let path = format!("/v1/subscriptions/{sub_id}");
    // The item to re-price is read from Stripe: our row does not keep item ids.
    let current: Subscription = client.get(&path, &Form::new()).await?;
    let item = current
        .item()
        .ok_or_else(|| Error::Conflict("The Stripe subscription has no item".into()))?;
    let form = Form::new()
        .set("items[0][id]", &item.id)
        .set("items[0][price]", &price)
        .set("proration_behavior", "create_prorations")
        .set("cancel_at_period_end", false);
    let key = format!(
        "{}:{}",
        super::account::change_key("change-plan", &row),
        plan.key
    );
    let sub: Subscription = client.post(&path, &form, &key).await?;
    let source = Source::Call {
        actor: staff.actor(),
    };
    let applied = apply::apply(state, &sub, false, Some(workspace_id), &source).await?;
    audit::record(
        &state.db,
        staff
            .event("billing.staff_changed_plan", workspace_id)
            .target("subscription", &sub_id)
            .detail(serde_json::json!({ "plan": plan.key, "changes": applied.changes })),
    )
    .await?;
    let row = applied.row.unwrap_or(row);
    Ok(subscriptions::SubscriptionView::from(&row))
}
