//! `POST /webhooks/stripe`: Stripe tells us what happened. The signature proves the sender;
//! each event id is handled once (a replay answers 200 and changes nothing); events may come
//! late or twice, so every effect is itself idempotent (payments by invoice or session id,
//! credits by ledger key, allowance by period) and subscription state carries the time of the
//! newest event applied. Unknown types are acknowledged and recorded as ignored.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use platform::{AppState, Error, Result, Scope, audit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    apply::{self, Source},
    client::StripeClient,
    objects::{CheckoutSession, Event, Invoice, Subscription, time},
    signature,
};
use crate::{
    credits::{self, Actor},
    model::{payment, stripe_event, subscription, topup},
    service::{plans, subscriptions},
};

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let secret = state
        .settings
        .get(crate::settings::STRIPE_WEBHOOK_SECRET.name)
        .await
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::Unavailable {
            message: "Stripe webhooks are not configured on this server".into(),
            retry_after_secs: 300,
        })?;
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    signature::verify(header, &body, secret.trim(), chrono::Utc::now().timestamp()).map_err(
        |e| {
            tracing::warn!(error = %e, "Stripe webhook refused");
            Error::BadRequest(e.to_string())
        },
    )?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| Error::BadRequest(format!("not a Stripe event: {e}")))?;
    if stripe_event::Entity::find_by_id(event.id.clone())
        .one(&state.db)
        .await?
        .is_some()
    {
        return Ok(ack("duplicate"));
    }
    let (workspace_id, outcome) = handle(&state, &event).await?;
    tracing::info!(event = %event.id, kind = %event.kind, %outcome, "Stripe event");
    // Recorded after the effects: a failure above answers 5xx and Stripe retries, and the
    // effects are idempotent, so a retry after a partial failure completes the work.
    stripe_event::Entity::insert(stripe_event::ActiveModel {
        id: Set(event.id.clone()),
        kind: Set(event.kind.clone()),
        object_created: Set(event.created),
        workspace_id: Set(workspace_id),
        received_at: Set(platform::db::now()),
        outcome: Set(outcome.clone()),
    })
    .on_conflict(
        OnConflict::column(stripe_event::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    Ok(ack(&outcome))
}

fn ack(outcome: &str) -> Response {
    (
        StatusCode::OK,
        Json(serde_json::json!({ "received": true, "outcome": outcome })),
    )
        .into_response()
}

/// The events to send to the webhook endpoint (what staff select in Stripe's dashboard).
pub const EVENTS: &[&str] = &[
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_action_required",
];

/// Where Stripe sends the events: this server's `/webhooks/stripe`.
pub fn endpoint_url(state: &AppState) -> String {
    format!("{}/webhooks/stripe", state.config.base_url())
}

fn parse<T: serde::de::DeserializeOwned>(event: &Event) -> Result<T> {
    serde_json::from_value(event.data.object.clone())
        .map_err(|e| Error::BadRequest(format!("unexpected {} object: {e}", event.kind)))
}

/// Dispatches one verified, first-seen event: (workspace touched, outcome).
async fn handle(state: &AppState, event: &Event) -> Result<(Option<Uuid>, String)> {
    let source = Source::Event {
        id: event.id.clone(),
        created: event.created,
    };
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout_completed(state, event, &parse(event)?).await
        }
        "customer.subscription.created" | "customer.subscription.updated" => {
            let sub: Subscription = parse(event)?;
            let a = apply::apply(state, &sub, false, None, &source).await?;
            Ok((a.workspace_id, a.outcome))
        }
        "customer.subscription.deleted" => {
            let sub: Subscription = parse(event)?;
            let a = apply::apply(state, &sub, true, None, &source).await?;
            Ok((a.workspace_id, a.outcome))
        }
        "customer.subscription.trial_will_end" => {
            let sub: Subscription = parse(event)?;
            let Some(row) = apply::row_by_stripe_subscription(&state.db, &sub.id).await? else {
                return Ok((None, "ignored: unknown subscription".into()));
            };
            audit::record(
                &state.db,
                audit::Event::new("billing.trial_ending")
                    .actor(None, format!("stripe:{}", event.id))
                    .workspace(Some(row.workspace_id))
                    .target("subscription", row.id)
                    .detail(serde_json::json!({ "trial_end": time(sub.trial_end) })),
            )
            .await?;
            Ok((Some(row.workspace_id), "noted".into()))
        }
        "invoice.paid" => invoice_paid(state, event, &parse(event)?).await,
        "invoice.payment_failed" => payment_failed(state, event, &parse(event)?, true).await,
        "invoice.payment_action_required" => {
            payment_failed(state, event, &parse(event)?, false).await
        }
        _ => Ok((None, "ignored".into())),
    }
}

async fn checkout_completed(
    state: &AppState,
    event: &Event,
    session: &CheckoutSession,
) -> Result<(Option<Uuid>, String)> {
    let Some(ws) = session
        .client_reference_id
        .as_deref()
        .and_then(|s| Uuid::parse_str(s).ok())
    else {
        return Ok((None, "ignored: no client_reference_id".into()));
    };
    match session.mode.as_str() {
        "subscription" => {
            let Some(sub_id) = super::objects::id_of(&session.subscription) else {
                return Ok((Some(ws), "ignored: no subscription".into()));
            };
            // The session names the subscription only; its state (plan, periods) is read
            // from Stripe now, which is at least as new as this event.
            let Some(client) = StripeClient::from_state(state).await? else {
                return Ok((Some(ws), "ignored: Stripe secret key not configured".into()));
            };
            let sub: Subscription = client
                .get(&format!("/v1/subscriptions/{sub_id}"), &Default::default())
                .await?;
            let source = Source::Event {
                id: event.id.clone(),
                created: event.created,
            };
            let a = apply::apply(state, &sub, false, Some(ws), &source).await?;
            Ok((Some(ws), a.outcome))
        }
        "payment" => topup_paid(state, event, session, ws).await,
        other => Ok((Some(ws), format!("ignored: mode {other}"))),
    }
}

async fn topup_paid(
    state: &AppState,
    event: &Event,
    session: &CheckoutSession,
    ws: Uuid,
) -> Result<(Option<Uuid>, String)> {
    // Delayed payment methods complete the session before the money arrives; the
    // `async_payment_succeeded` event brings the paid session later.
    if session.payment_status.as_deref() != Some("paid") {
        return Ok((Some(ws), "waiting for payment".into()));
    }
    let Some(topup_id) = session
        .metadata
        .get("topup_id")
        .and_then(|s| Uuid::parse_str(s).ok())
    else {
        return Ok((Some(ws), "ignored: no topup_id".into()));
    };
    // Both ids must agree: a session can only pay its own workspace's top-up.
    let Some(t) = topup::Entity::find_by_id(topup_id)
        .filter(topup::Column::WorkspaceId.eq(ws))
        .one(&state.db)
        .await?
    else {
        return Ok((Some(ws), "ignored: unknown top-up".into()));
    };
    let actor = Actor::Stripe(event.id.clone());
    let key = format!("topup:{}", t.id);
    let reference = format!("Top-up of {} credits", t.credits);
    let added = credits::add_purchased(
        &state.db,
        &Scope::for_system(ws),
        t.credits,
        &key,
        &reference,
        &actor,
    )
    .await?;
    let txn = state.db.begin().await?;
    if t.status != "paid" {
        let mut a: topup::ActiveModel = t.clone().into();
        a.status = Set("paid".into());
        a.paid_at = Set(Some(platform::db::now()));
        a.stripe_session_id = Set(Some(session.id.clone()));
        a.update(&txn).await?;
    }
    let known = payment::Entity::find()
        .filter(payment::Column::StripeCheckoutSessionId.eq(&session.id))
        .one(&txn)
        .await?
        .is_some();
    if !known {
        payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ws),
            kind: Set("topup".into()),
            stripe_invoice_id: Set(None),
            stripe_checkout_session_id: Set(Some(session.id.clone())),
            amount: Set(session.amount_total.unwrap_or(t.amount)),
            currency: Set(session.currency.clone().unwrap_or(t.currency.clone())),
            description: Set(reference),
            hosted_url: Set(None),
            paid_at: Set(time(Some(event.created)).unwrap_or_else(platform::db::now)),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            audit::Event::new("billing.topup_paid")
                .actor(None, actor.as_string())
                .workspace(Some(ws))
                .target("topup", t.id)
                .detail(serde_json::json!({ "credits": t.credits, "amount": t.amount })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok((
        Some(ws),
        if added {
            "credits added"
        } else {
            "already credited"
        }
        .into(),
    ))
}

/// The workspace and subscription row an invoice belongs to.
async fn invoice_owner(
    state: &AppState,
    invoice: &Invoice,
) -> Result<(Option<Uuid>, Option<subscription::Model>)> {
    if let Some(sub_id) = invoice.subscription_id()
        && let Some(row) = apply::row_by_stripe_subscription(&state.db, &sub_id).await?
    {
        return Ok((Some(row.workspace_id), Some(row)));
    }
    if let Some(customer) = invoice.customer_id()
        && let Some(row) = apply::row_by_customer(&state.db, &customer).await?
    {
        return Ok((Some(row.workspace_id), Some(row)));
    }
    // Paid before the subscription reached us: the metadata set at checkout names the
    // workspace, so the payment and the allowance are not lost.
    let ws = invoice
        .workspace_hint()
        .and_then(|s| Uuid::parse_str(&s).ok());
    match ws {
        Some(ws) => Ok((
            Some(ws),
            subscriptions::row(&state.db, &Scope::for_system(ws)).await?,
        )),
        None => Ok((None, None)),
    }
}

async fn invoice_paid(
    state: &AppState,
    event: &Event,
    invoice: &Invoice,
) -> Result<(Option<Uuid>, String)> {
    let (Some(ws), row) = invoice_owner(state, invoice).await? else {
        return Ok((None, "ignored: unknown customer".into()));
    };
    let actor = Actor::Stripe(event.id.clone());
    let all = plans::all(&state.db).await?;
    let (plan, interval) = match invoice
        .price_id()
        .and_then(|p| apply::plan_for_price(&all, &p))
    {
        Some((p, interval)) => (Some(p.clone()), Some(interval.to_string())),
        None => match &row {
            Some(r) => (
                Some(plans::get(&state.db, r.plan_id).await?),
                r.interval.clone(),
            ),
            None => (None, None),
        },
    };
    let mut outcome = Vec::new();
    if invoice.amount_paid > 0 {
        let known = payment::Entity::find()
            .filter(payment::Column::StripeInvoiceId.eq(&invoice.id))
            .one(&state.db)
            .await?
            .is_some();
        if !known {
            let description = match &plan {
                Some(p) => format!("{} plan", p.name),
                None => "Subscription".into(),
            };
            let inserted = payment::Entity::insert(payment::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(ws),
                kind: Set("subscription".into()),
                stripe_invoice_id: Set(Some(invoice.id.clone())),
                stripe_checkout_session_id: Set(None),
                amount: Set(invoice.amount_paid),
                currency: Set(invoice.currency.clone()),
                description: Set(description),
                hosted_url: Set(invoice.hosted_invoice_url.clone()),
                paid_at: Set(time(Some(event.created)).unwrap_or_else(platform::db::now)),
            })
            // Two deliveries racing: the unique invoice id keeps one row.
            .on_conflict(
                OnConflict::column(payment::Column::StripeInvoiceId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&state.db)
            .await?;
            if inserted > 0 {
                outcome.push("payment recorded");
            }
        }
    }
    // The plan's monthly AI credits, once per billing period (the ledger key is the period).
    // A yearly invoice covers twelve months: those get their allowance each calendar month
    // instead (`credits::refresh_allowance`).
    if interval.as_deref() != Some("year")
        && let Some(plan) = &plan
        && let Some(allowance) = plan.limit(plans::Meter::AiCredits)
        && let Some(start) = invoice.service_period_start().and_then(|s| time(Some(s)))
    {
        let period = start.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        if credits::grant_allowance(
            &state.db,
            &Scope::for_system(ws),
            allowance,
            &period,
            plan.allowance_rollover,
            &actor,
        )
        .await?
        {
            outcome.push("allowance granted");
        }
    }
    // Paying the overdue invoice ends the past-due state (Stripe's subscription update says
    // the same; whichever comes first wins, the other changes nothing).
    if let Some(r) = row
        && r.status == "past_due"
        && r.stripe_version.is_none_or(|v| event.created >= v)
    {
        set_status(state, r, "active", event, "billing.payment_recovered").await?;
        outcome.push("past due cleared");
    }
    let outcome = if outcome.is_empty() {
        "already handled".to_string()
    } else {
        outcome.join(", ")
    };
    Ok((Some(ws), outcome))
}

async fn payment_failed(
    state: &AppState,
    event: &Event,
    invoice: &Invoice,
    failed: bool,
) -> Result<(Option<Uuid>, String)> {
    let (Some(ws), row) = invoice_owner(state, invoice).await? else {
        return Ok((None, "ignored: unknown customer".into()));
    };
    let action = if failed {
        "billing.payment_failed"
    } else {
        "billing.payment_action_required"
    };
    match row {
        Some(r)
            if failed
                && matches!(r.status.as_str(), "active" | "trialing")
                && r.stripe_version.is_none_or(|v| event.created >= v) =>
        {
            set_status(state, r, "past_due", event, action).await?;
            Ok((Some(ws), "past due".into()))
        }
        _ => {
            audit::record(
                &state.db,
                audit::Event::new(action)
                    .actor(None, format!("stripe:{}", event.id))
                    .workspace(Some(ws))
                    .target("invoice", &invoice.id)
                    .detail(serde_json::json!({
                        "amount_due": invoice.amount_due,
                        "hosted_invoice_url": invoice.hosted_invoice_url,
                    })),
            )
            .await?;
            Ok((Some(ws), "noted".into()))
        }
    }
}

/// A status change an invoice event implies (past due, or recovered).
async fn set_status(
    state: &AppState,
    row: subscription::Model,
    status: &str,
    event: &Event,
    action: &'static str,
) -> Result<()> {
    let at = time(Some(event.created)).unwrap_or_else(platform::db::now);
    let plan = plans::get(&state.db, row.plan_id).await?;
    let from = row.status.clone();
    let txn = state.db.begin().await?;
    let mut a: subscription::ActiveModel = row.into();
    a.status = Set(status.into());
    a.past_due_since = Set((status == "past_due").then_some(at));
    a.stripe_version = Set(Some(event.created));
    a.updated_at = Set(platform::db::now());
    let saved = a.update(&txn).await?;
    let actor = format!("stripe:{}", event.id);
    let detail = serde_json::json!({ "changes": [format!("status: {from} → {status}")] });
    subscriptions::record(
        &txn,
        &saved,
        &plan.key,
        "status_changed",
        &actor,
        at,
        Some(detail.clone()),
    )
    .await?;
    audit::record(
        &txn,
        audit::Event::new(action)
            .actor(None, actor)
            .workspace(Some(saved.workspace_id))
            .target("subscription", saved.id)
            .detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
