//! What a workspace's owner or admin does with Stripe: start a Checkout for a plan or a
//! credit pack, open the billing portal, cancel at the period's end or resume, and list
//! invoices. Each returns what the page or API shows; the webhook brings the lasting state.

use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Error, Permission, Result, Scope, audit};
use sea_orm::{ActiveModelTrait, Set};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    apply::{self, Source},
    client::{Form, StripeClient},
    objects::{CheckoutSession, Invoice, List, Subscription, time},
};
use crate::{
    model::{subscription, topup},
    service::{
        limits, plans,
        subscriptions::{self, SubscriptionView},
    },
};

/// Credit packs on sale.
pub const TOPUP_PACKS: [i64; 4] = [100, 500, 1000, 5000];
/// Standard price of one credit in cents, before the plan's top-up discount.
pub const CENTS_PER_CREDIT: i64 = 10;

/// Price of a pack in minor units after the discount (rounded down, in the buyer's favour).
pub fn topup_price(credits: i64, discount_percent: i32) -> i64 {
    let discount = i64::from(discount_percent.clamp(0, 100));
    credits * CENTS_PER_CREDIT * (100 - discount) / 100
}

/// Idempotency keys that last a minute: a double click within it opens one session.
fn minute_bucket() -> i64 {
    Utc::now().timestamp() / 60
}

fn page_url(state: &AppState, query: &str) -> String {
    let base = state
        .config
        .public_url
        .as_deref()
        .unwrap_or("http://localhost:8080")
        .trim_end_matches('/');
    format!("{base}/billing{query}")
}

/// Starts a Checkout for `plan_key` billed every `interval` (`month` or `year`); the URL
/// to send the browser to.
pub async fn checkout(
    state: &AppState,
    ctx: &Ctx,
    plan_key: &str,
    interval: &str,
) -> Result<String> {
    ctx.require(Permission::BillingManage)?;
    let scope = Scope::of(ctx)?;
    let ws = scope.workspace_id();
    // Without Stripe nothing can be bought: say that before judging the choice.
    let client = StripeClient::required(state).await?;
    let plan = plans::by_key(&state.db, plan_key)
        .await
        .map_err(|_| Error::validation("plan", "No such plan"))?;
    if !plan.enabled {
        return Err(Error::validation(
            "plan",
            "This plan is not offered any more",
        ));
    }
    let price = match interval {
        "month" => plan.stripe_price_monthly.clone(),
        "year" => plan.stripe_price_yearly.clone(),
        _ => return Err(Error::validation("interval", "Choose month or year")),
    };
    let Some(price) = price.filter(|p| !p.is_empty()) else {
        return Err(Error::validation(
            "interval",
            format!(
                "The {} plan cannot be bought per {interval} online",
                plan.name
            ),
        ));
    };
    let current = subscriptions::row(&state.db, &scope).await?;
    if let Some(c) = &current
        && c.origin == "stripe"
        && c.stripe_subscription_id.is_some()
        && subscriptions::grants_plan(&c.status)
    {
        return Err(Error::Conflict(
            "This workspace already has a subscription: change the plan in the billing portal"
                .into(),
        ));
    }
    let ws_s = ws.to_string();
    let form = Form::new()
        .set("mode", "subscription")
        .set("line_items[0][price]", &price)
        .set("line_items[0][quantity]", 1)
        .set("client_reference_id", &ws_s)
        .set(
            "success_url",
            page_url(state, "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
        )
        .set("cancel_url", page_url(state, "?checkout=canceled"))
        .set("metadata[workspace_id]", &ws_s)
        .set("metadata[plan]", &plan.key)
        // Copied onto the subscription and its invoices: events about them name the workspace
        // even when they arrive before the session's completion.
        .set("subscription_data[metadata][workspace_id]", &ws_s)
        .set("subscription_data[metadata][plan]", &plan.key);
    let form = match current.as_ref().and_then(|c| c.stripe_customer_id.clone()) {
        Some(customer) => form.set("customer", customer),
        None => form.set("customer_email", &ctx.user.email),
    };
    let key = format!("checkout:{ws}:{}:{interval}:{}", plan.key, minute_bucket());
    let session: CheckoutSession = client.post("/v1/checkout/sessions", &form, &key).await?;
    audit::record(
        &state.db,
        audit::Event::new("billing.checkout_started")
            .by(ctx)
            .detail(serde_json::json!({ "plan": plan.key, "interval": interval, "session": session.id })),
    )
    .await?;
    session
        .url
        .ok_or_else(|| Error::internal("Stripe returned a Checkout session without a URL"))
}

/// Starts a Checkout for a credit pack; the pending top-up is paid by the webhook.
pub async fn topup_checkout(state: &AppState, ctx: &Ctx, credits: i64) -> Result<String> {
    ctx.require(Permission::BillingManage)?;
    let scope = Scope::of(ctx)?;
    let ws = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    if !TOPUP_PACKS.contains(&credits) {
        return Err(Error::validation(
            "credits",
            "Choose a pack of 100, 500, 1000 or 5000 credits",
        ));
    }
    let standing = limits::standing(state, &scope).await?;
    let discount = standing.plan.topup_discount_percent;
    let amount = topup_price(credits, discount);
    let currency = standing.plan.currency.clone();
    let row = topup::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        credits: Set(credits),
        amount: Set(amount),
        currency: Set(currency.clone()),
        discount_percent: Set(discount),
        status: Set("pending".into()),
        stripe_session_id: Set(None),
        created_at: Set(platform::db::now()),
        paid_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    let ws_s = ws.to_string();
    let customer = subscriptions::row(&state.db, &scope)
        .await?
        .and_then(|s| s.stripe_customer_id);
    let form = Form::new()
        .set("mode", "payment")
        .set("line_items[0][quantity]", 1)
        .set("line_items[0][price_data][currency]", &currency)
        .set("line_items[0][price_data][unit_amount]", amount)
        .set(
            "line_items[0][price_data][product_data][name]",
            format!("{credits} Growthdeck credits"),
        )
        .set("client_reference_id", &ws_s)
        .set("success_url", page_url(state, "?topup=success"))
        .set("cancel_url", page_url(state, "?topup=canceled"))
        .set("metadata[workspace_id]", &ws_s)
        .set("metadata[topup_id]", row.id)
        .set("metadata[credits]", credits)
        .set_opt("customer", customer);
    // The top-up row is the request: its id makes the key.
    let key = format!("topup:{}", row.id);
    let session: Result<CheckoutSession> = client.post("/v1/checkout/sessions", &form, &key).await;
    let mut a: topup::ActiveModel = row.clone().into();
    match session {
        Ok(session) => {
            a.stripe_session_id = Set(Some(session.id.clone()));
            a.update(&state.db).await?;
            audit::record(
                &state.db,
                audit::Event::new("billing.topup_started")
                    .by(ctx)
                    .target("topup", row.id)
                    .detail(serde_json::json!({ "credits": credits, "amount": amount })),
            )
            .await?;
            session
                .url
                .ok_or_else(|| Error::internal("Stripe returned a Checkout session without a URL"))
        }
        Err(e) => {
            // Never payable: keep the row for the record, out of the pending list.
            a.status = Set("expired".into());
            a.update(&state.db).await?;
            Err(e)
        }
    }
}

/// The workspace's Stripe customer, or a clear refusal.
async fn customer_of(state: &AppState, scope: &Scope) -> Result<String> {
    subscriptions::row(&state.db, scope)
        .await?
        .and_then(|s| s.stripe_customer_id)
        .ok_or_else(|| Error::Conflict("This workspace has not paid through Stripe yet".into()))
}

/// A billing-portal session (payment methods, invoices, plan changes) for the workspace.
pub async fn portal(state: &AppState, ctx: &Ctx) -> Result<String> {
    ctx.require(Permission::BillingManage)?;
    let scope = Scope::of(ctx)?;
    let ws = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    let customer = customer_of(state, &scope).await?;
    #[derive(serde::Deserialize)]
    struct PortalSession {
        url: String,
    }
    let form = Form::new()
        .set("customer", &customer)
        .set("return_url", page_url(state, ""));
    let key = format!("portal:{ws}:{}", minute_bucket());
    let session: PortalSession = client
        .post("/v1/billing_portal/sessions", &form, &key)
        .await?;
    Ok(session.url)
}

/// The workspace's live Stripe subscription row.
async fn live_subscription(
    state: &AppState,
    scope: &Scope,
) -> Result<(subscription::Model, String)> {
    let row = subscriptions::row(&state.db, scope).await?;
    match row {
        Some(r) if r.origin == "stripe" && r.status != "canceled" => {
            let id = r
                .stripe_subscription_id
                .clone()
                .ok_or_else(|| Error::Conflict("No Stripe subscription to change".into()))?;
            Ok((r, id))
        }
        _ => Err(Error::Conflict(
            "This workspace has no Stripe subscription to change".into(),
        )),
    }
}

/// Idempotency key of a change to a subscription: the same change of the same state is
/// the same request (a double click), a later change is a new one.
pub(crate) fn change_key(op: &str, row: &subscription::Model) -> String {
    format!(
        "{op}:{}:{}",
        row.stripe_subscription_id.as_deref().unwrap_or(""),
        row.updated_at.timestamp_micros()
    )
}

async fn set_cancel_at_period_end(
    state: &AppState,
    ctx: &Ctx,
    cancel: bool,
) -> Result<SubscriptionView> {
    ctx.require(Permission::BillingManage)?;
    let scope = Scope::of(ctx)?;
    let ws = scope.workspace_id();
    let client = StripeClient::required(state).await?;
    let (row, sub_id) = live_subscription(state, &scope).await?;
    if row.cancel_at_period_end == cancel {
        return Ok(SubscriptionView::from(&row));
    }
    let op = if cancel { "cancel" } else { "resume" };
    let form = Form::new().set("cancel_at_period_end", cancel);
    let sub: Subscription = client
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &form,
            &change_key(op, &row),
        )
        .await?;
    let source = Source::Call {
        actor: format!("user:{}", ctx.user_id()),
    };
    let applied = apply::apply(state, &sub, false, Some(ws), &source).await?;
    audit::record(
        &state.db,
        audit::Event::new(if cancel {
            "billing.cancel_scheduled"
        } else {
            "billing.resumed"
        })
        .by(ctx)
        .target("subscription", row.id),
    )
    .await?;
    let row = applied.row.unwrap_or(row);
    Ok(SubscriptionView::from(&row))
}

/// Cancels at the end of the paid period (the plan stays until then).
pub async fn cancel_at_period_end(state: &AppState, ctx: &Ctx) -> Result<SubscriptionView> {
    set_cancel_at_period_end(state, ctx, true).await
}

/// Takes back a cancellation scheduled for the period's end.
pub async fn resume(state: &AppState, ctx: &Ctx) -> Result<SubscriptionView> {
    set_cancel_at_period_end(state, ctx, false).await
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    pub id: String,
    pub number: Option<String>,
    pub status: Option<String>,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    pub created: Option<DateTime<Utc>>,
    pub hosted_invoice_url: Option<String>,
    pub invoice_pdf: Option<String>,
}

impl From<Invoice> for InvoiceView {
    fn from(i: Invoice) -> Self {
        InvoiceView {
            id: i.id,
            number: i.number,
            status: i.status,
            amount_due: i.amount_due,
            amount_paid: i.amount_paid,
            currency: i.currency,
            created: time(i.created),
            hosted_invoice_url: i.hosted_invoice_url,
            invoice_pdf: i.invoice_pdf,
        }
    }
}

/// The workspace's latest invoices (up to 24), newest first, read from Stripe.
pub async fn invoices(state: &AppState, ctx: &Ctx) -> Result<Vec<InvoiceView>> {
    ctx.require(Permission::BillingManage)?;
    let scope = Scope::of(ctx)?;
    let Some(customer) = subscriptions::row(&state.db, &scope)
        .await?
        .and_then(|s| s.stripe_customer_id)
    else {
        return Ok(vec![]);
    };
    let client = StripeClient::required(state).await?;
    let list: List<Invoice> = client
        .get(
            "/v1/invoices",
            &Form::new().set("customer", customer).set("limit", 24),
        )
        .await?;
    Ok(list.data.into_iter().map(InvoiceView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_cost_ten_cents_a_credit_less_the_plan_discount() {
        assert_eq!(topup_price(100, 0), 1000);
        assert_eq!(topup_price(500, 10), 4500);
        assert_eq!(topup_price(5000, 20), 40000);
        assert_eq!(topup_price(1000, 150), 0);
    }
}
