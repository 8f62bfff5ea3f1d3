//! `/api/v1/billing/…`: the workspace's plan standing, Checkout for a plan or a credit pack,
//! the billing portal, cancel / resume, and invoices. Reading the standing is open to every
//! member; the rest needs `BillingManage` (owner, admin) — enforced in the service fns.

use axum::extract::State;
use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Permission, Result, Scope, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    service::{limits, plans::Plan, subscriptions::SubscriptionView},
    stripe::{self, InvoiceView},
};

#[derive(Serialize, ToSchema)]
pub struct SubscriptionStanding {
    /// The plan whose limits apply now.
    pub plan: Plan,
    /// The plan subscribed to (differs from `plan` when limited or ended).
    pub subscribed: Option<Plan>,
    pub subscription: Option<SubscriptionView>,
    /// Payment is overdue: show the banner.
    pub past_due: bool,
    /// The grace period is over: the free plan's limits apply until payment.
    pub limited: bool,
    pub grace_ends_at: Option<DateTime<Utc>>,
    /// The server sells plans (Stripe is configured); `false`: self-hosted, no payments.
    pub takes_payments: bool,
}

/// The workspace's plan, subscription and past-due state.
#[utoipa::path(get, path = "/api/v1/billing/subscription", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionStanding), (status = 401, body = Problem)))]
pub async fn standing(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SubscriptionStanding>> {
    ctx.require(Permission::WorkspaceRead)?;
    let s = limits::standing(&state, &Scope::of(&ctx)?).await?;
    let takes_payments = crate::service::mode::recorded(&state.db)
        .await?
        .takes_payments();
    Ok(Json(SubscriptionStanding {
        takes_payments,
        plan: s.plan,
        subscribed: s.subscribed,
        subscription: s.subscription,
        past_due: s.past_due,
        limited: s.limited,
        grace_ends_at: s.grace_ends_at,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckoutRequest {
    /// Plan key (`starter`, `pro`, …).
    pub plan: String,
    /// `month` or `year`.
    pub interval: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TopupRequest {
    /// 100, 500, 1000 or 5000.
    pub credits: i64,
}

/// Where to send the browser.
#[derive(Serialize, ToSchema)]
pub struct RedirectUrl {
    pub url: String,
}

/// Starts a Stripe Checkout for a plan.
#[utoipa::path(post, path = "/api/v1/billing/checkout", tag = "billing", security(("bearer" = [])),
    request_body = CheckoutRequest,
    responses((status = 200, body = RedirectUrl), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Stripe not configured, already subscribed, or refused"),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn checkout(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<CheckoutRequest>,
) -> Result<Json<RedirectUrl>> {
    let url = stripe::checkout(&state, &ctx, &req.plan, &req.interval).await?;
    Ok(Json(RedirectUrl { url }))
}

/// Starts a Stripe Checkout for a credit pack.
#[utoipa::path(post, path = "/api/v1/billing/topup", tag = "billing", security(("bearer" = [])),
    request_body = TopupRequest,
    responses((status = 200, body = RedirectUrl), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn topup(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<TopupRequest>,
) -> Result<Json<RedirectUrl>> {
    let url = stripe::topup_checkout(&state, &ctx, req.credits).await?;
    Ok(Json(RedirectUrl { url }))
}

/// Opens the Stripe billing portal.
#[utoipa::path(post, path = "/api/v1/billing/portal", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = RedirectUrl), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn portal(State(state): State<AppState>, ctx: Ctx) -> Result<Json<RedirectUrl>> {
    let url = stripe::portal(&state, &ctx).await?;
    Ok(Json(RedirectUrl { url }))
}

/// Cancels the subscription at the end of the paid period.
#[utoipa::path(post, path = "/api/v1/billing/cancel", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn cancel(State(state): State<AppState>, ctx: Ctx) -> Result<Json<SubscriptionView>> {
    Ok(Json(stripe::cancel_at_period_end(&state, &ctx).await?))
}

/// Takes back a scheduled cancellation.
#[utoipa::path(post, path = "/api/v1/billing/resume", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn resume(State(state): State<AppState>, ctx: Ctx) -> Result<Json<SubscriptionView>> {
    Ok(Json(stripe::resume(&state, &ctx).await?))
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceList {
    pub items: Vec<InvoiceView>,
}

/// The workspace's latest invoices, read from Stripe.
#[utoipa::path(get, path = "/api/v1/billing/invoices", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = InvoiceList), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn invoices(State(state): State<AppState>, ctx: Ctx) -> Result<Json<InvoiceList>> {
    Ok(Json(InvoiceList {
        items: stripe::invoices(&state, &ctx).await?,
    }))
}
