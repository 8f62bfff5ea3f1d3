//! Billing for staff tools (`/api/v1/admin/billing/…`, super admin and finance): plans,
//! subscriptions with their history, comps, Stripe-backed cancel / change plan / sync, credit
//! pricing, credit adjustments and revenue.
//! The same service fns as the pages (`staff::service`), so the same checks and log entries.

use crate::{
    plans::{Plan, PlanInput},
    service::{
        credits::{Balance, LedgerEntry},
        pricing::{Price, PriceInput},
        revenue::{self, DEFINITIONS, Movement, PlanRevenue},
        subscriptions::{ListFilter, SubscriptionView},
    },
};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use platform::http::extract::{PageNumber, Path, Query};
use platform::{
    AppState, Result, error::Problem, http::extract::Json, openapi::ApiRouter, staff::Staff,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use super::service;

/// The staff API of billing, in the product's OpenAPI document beside the back office's.
pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(get_plan, update_plan))
        .routes(routes!(list_subscriptions))
        .routes(routes!(get_subscription))
        .routes(routes!(comp))
        .routes(routes!(end_comp))
        .routes(routes!(cancel))
        .routes(routes!(change_plan))
        .routes(routes!(sync))
        .routes(routes!(list_pricing))
        .routes(routes!(update_pricing))
        .routes(routes!(adjust_credits))
        .routes(routes!(get_revenue))
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    #[serde(flatten)]
    pub plan: Plan,
    /// Subscriptions on the plan that are not canceled.
    pub subscribers: u64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanOut>,
}

/// Every plan with its subscriber count and product line (`growth`, `discovery`), in sort
/// order.
#[utoipa::path(get, path = "/api/v1/admin/billing/plans", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = PlanList), (status = 403, body = Problem)))]
pub async fn list_plans(State(state): State<AppState>, staff: Staff) -> Result<Json<PlanList>> {
    let items = service::plans(&staff, &state)
        .await?
        .into_iter()
        .map(|(plan, subscribers)| PlanOut { plan, subscribers })
        .collect();
    Ok(Json(PlanList { items }))
}

/// Create a plan (prices in minor units; limits per meter: a number, `null` unlimited, a meter
/// left out not included).
#[utoipa::path(post, path = "/api/v1/admin/billing/plans", tag = "admin", security(("bearer" = [])), request_body = PlanInput,
    responses((status = 201, body = Plan), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_plan(
    State(state): State<AppState>,
    staff: Staff,
    Json(input): Json<PlanInput>,
) -> Result<Response> {
    let plan = service::create_plan(&staff, &state, &input).await?;
    Ok((StatusCode::CREATED, Json(plan)).into_response())
}

/// One plan.
#[utoipa::path(get, path = "/api/v1/admin/billing/plans/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Plan), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<Plan>> {
    Ok(Json(service::plan(&staff, &state, parse_id(&id)?).await?))
}

/// Replace a plan's settings (its key stays). Limits and features apply to its subscribers
/// at once; `enabled: false` stops offering it.
#[utoipa::path(put, path = "/api/v1/admin/billing/plans/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PlanInput,
    responses((status = 200, body = Plan), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(input): Json<PlanInput>,
) -> Result<Json<Plan>> {
    Ok(Json(
        service::update_plan(&staff, &state, parse_id(&id)?, &input).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct SubscriptionQuery {
    pub plan_id: Option<Uuid>,
    pub status: Option<String>,
    pub period_end_after: Option<DateTime<Utc>>,
    pub period_end_before: Option<DateTime<Utc>>,
    /// Page number (1–1,000,000, default 1); 25 a page.
    #[param(inline, nullable = false)]
    pub page: Option<PageNumber>,
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionOut {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub plan_key: Option<String>,
    #[serde(flatten)]
    pub subscription: SubscriptionView,
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionOut>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Every workspace's subscription, filtered, newest change first.
#[utoipa::path(get, path = "/api/v1/admin/billing/subscriptions", tag = "admin", security(("bearer" = [])), params(SubscriptionQuery),
    responses((status = 200, body = SubscriptionList), (status = 403, body = Problem)))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SubscriptionQuery>,
) -> Result<Json<SubscriptionList>> {
    let page = PageNumber::or(q.page, 1);
    let filter = ListFilter {
        plan_id: q.plan_id,
        status: q.status,
        period_end_after: q.period_end_after,
        period_end_before: q.period_end_before,
    };
    let (rows, total) = service::subscriptions(&staff, &state, &filter, page).await?;
    Ok(Json(SubscriptionList {
        items: rows
            .into_iter()
            .map(|r| SubscriptionOut {
                workspace_id: r.row.workspace_id,
                workspace_name: r.workspace_name,
                plan_key: r.plan.map(|p| p.key),
                subscription: SubscriptionView::from(&r.row),
            })
            .collect(),
        total,
        page,
        per_page: service::PER_PAGE,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub plan_key: String,
    pub status: String,
    /// Minor units per month from `at` on.
    pub mrr: i64,
    pub currency: String,
    pub actor: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceBillingOut {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    /// The plan whose limits apply now.
    pub plan_key: String,
    pub subscription: Option<SubscriptionView>,
    pub limited: bool,
    /// Newest first.
    pub history: Vec<EventOut>,
    pub balance: Balance,
    /// The newest ledger entries.
    pub ledger: Vec<LedgerEntry>,
}

/// One workspace's billing: plan in force, subscription, history, credits.
#[utoipa::path(get, path = "/api/v1/admin/billing/subscriptions/{workspace_id}", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)),
    responses((status = 200, body = WorkspaceBillingOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_subscription(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
) -> Result<Json<WorkspaceBillingOut>> {
    let b = service::workspace_billing(&staff, &state, parse_id(&workspace_id)?).await?;
    Ok(Json(WorkspaceBillingOut {
        workspace_id: b.workspace.id,
        workspace_name: b.workspace.name,
        plan_key: b.standing.plan.key,
        subscription: b.standing.subscription,
        limited: b.standing.limited,
        history: b
            .history
            .into_iter()
            .map(|e| EventOut {
                at: e.at,
                kind: e.kind,
                plan_key: e.plan_key,
                status: e.status,
                mrr: e.mrr,
                currency: e.currency,
                actor: e.actor,
            })
            .collect(),
        balance: b.balance,
        ledger: b.ledger,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompRequest {
    pub plan_id: Uuid,
}

/// Put a workspace on a plan without charging it (refused while it pays through Stripe).
#[utoipa::path(post, path = "/api/v1/admin/billing/subscriptions/{workspace_id}/comp", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)), request_body = CompRequest,
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn comp(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
    Json(req): Json<CompRequest>,
) -> Result<Json<SubscriptionView>> {
    let sub = service::comp(&staff, &state, parse_id(&workspace_id)?, req.plan_id).await?;
    Ok(Json(SubscriptionView::from(&sub)))
}

/// End a comped plan (back to the Free plan, or the Self-hosted one while the server takes no
/// payments).
#[utoipa::path(post, path = "/api/v1/admin/billing/subscriptions/{workspace_id}/end-comp", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)),
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn end_comp(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
) -> Result<Json<SubscriptionView>> {
    let sub = service::end_comp(&staff, &state, parse_id(&workspace_id)?).await?;
    Ok(Json(SubscriptionView::from(&sub)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// `true`: end the subscription at once (no refund is made); `false` (default): at the
    /// end of the paid period.
    #[serde(default)]
    pub now: bool,
}

/// Cancel a workspace's Stripe subscription, at the end of the period or now (through
/// Stripe, with an idempotency key; our row is updated from Stripe's answer). 409 when the
/// subscription is not a live Stripe one, Stripe is not configured or Stripe refuses.
#[utoipa::path(post, path = "/api/v1/admin/billing/subscriptions/{workspace_id}/cancel", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)), request_body = CancelRequest,
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
    Json(req): Json<CancelRequest>,
) -> Result<Json<SubscriptionView>> {
    Ok(Json(
        service::stripe_cancel(&staff, &state, parse_id(&workspace_id)?, req.now).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePlanRequest {
    /// An enabled plan with a Stripe price for the subscription's interval.
    pub plan_id: Uuid,
}

/// Move a workspace's Stripe subscription to another plan (the item is re-priced in Stripe,
/// prorated). 422 when the plan is disabled or has no Stripe price for the interval.
#[utoipa::path(post, path = "/api/v1/admin/billing/subscriptions/{workspace_id}/change-plan", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)), request_body = ChangePlanRequest,
    responses((status = 200, body = SubscriptionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn change_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
    Json(req): Json<ChangePlanRequest>,
) -> Result<Json<SubscriptionView>> {
    Ok(Json(
        service::stripe_change_plan(&staff, &state, parse_id(&workspace_id)?, req.plan_id).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SyncOut {
    /// What was repaired in our row (`status: canceled → active`); empty when nothing differed.
    pub changes: Vec<String>,
    /// The subscription after the sync.
    pub subscription: Option<SubscriptionView>,
}

/// Re-read a workspace's subscription from Stripe and repair our row; says what changed.
#[utoipa::path(post, path = "/api/v1/admin/billing/subscriptions/{workspace_id}/sync", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)),
    responses((status = 200, body = SyncOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn sync(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
) -> Result<Json<SyncOut>> {
    let ws = parse_id(&workspace_id)?;
    let (changes, subscription) = service::stripe_sync(&staff, &state, ws).await?;
    Ok(Json(SyncOut {
        changes,
        subscription,
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = StaffPriceList)]
pub struct PriceList {
    pub items: Vec<Price>,
}

/// What each action costs in credits, and its free uses per month.
#[utoipa::path(get, path = "/api/v1/admin/billing/pricing", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = PriceList), (status = 403, body = Problem)))]
pub async fn list_pricing(State(state): State<AppState>, staff: Staff) -> Result<Json<PriceList>> {
    Ok(Json(PriceList {
        items: service::prices(&staff, &state).await?,
    }))
}

/// Change an action's cost and free uses per month.
#[utoipa::path(put, path = "/api/v1/admin/billing/pricing/{action}", tag = "admin", security(("bearer" = [])), params(("action" = String, Path)), request_body = PriceInput,
    responses((status = 200, body = Price), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_pricing(
    State(state): State<AppState>,
    staff: Staff,
    Path(action): Path<String>,
    Json(input): Json<PriceInput>,
) -> Result<Json<Price>> {
    Ok(Json(
        service::update_price(&staff, &state, &action, &input).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustRequest {
    /// Credits to add (negative: to take away).
    pub amount: i64,
    /// Why; required, kept in the ledger and the activity log.
    #[serde(default)]
    pub reason: String,
}

/// Correct a workspace's credit balance (a ledger entry of kind `adjustment`).
#[utoipa::path(post, path = "/api/v1/admin/billing/workspaces/{workspace_id}/credits", tag = "admin", security(("bearer" = [])), params(("workspace_id" = Uuid, Path)), request_body = AdjustRequest,
    responses((status = 200, body = Balance), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn adjust_credits(
    State(state): State<AppState>,
    staff: Staff,
    Path(workspace_id): Path<String>,
    Json(req): Json<AdjustRequest>,
) -> Result<Json<Balance>> {
    Ok(Json(
        service::adjust_credits(
            &staff,
            &state,
            parse_id(&workspace_id)?,
            req.amount,
            &req.reason,
        )
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct RevenueQuery {
    /// `YYYY-MM` (UTC); the current month when left out.
    pub month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DayAmount {
    pub day: NaiveDate,
    /// Minor units.
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Definition {
    pub figure: &'static str,
    pub definition: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueOut {
    pub currency: String,
    #[serde(flatten)]
    pub month: Movement,
    pub arr: i64,
    pub arpu: Option<i64>,
    /// Fractions (0.25 = 25 %); `null` when undefined (nobody / nothing at the start).
    pub customer_churn: Option<f64>,
    pub revenue_churn: Option<f64>,
    pub by_plan: Vec<PlanRevenue>,
    /// The 12 months ending with the chosen one.
    pub series: Vec<Movement>,
    /// The 30 days ending today (UTC).
    pub collected: Vec<DayAmount>,
    pub collected_total: i64,
    pub definitions: Vec<Definition>,
}

/// Revenue metrics of a month (amounts in minor units), with the definitions used.
#[utoipa::path(get, path = "/api/v1/admin/billing/revenue", tag = "admin", security(("bearer" = [])), params(RevenueQuery),
    responses((status = 200, body = RevenueOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn get_revenue(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<RevenueQuery>,
) -> Result<Json<RevenueOut>> {
    let today = Utc::now().date_naive();
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => revenue::parse_month(m)?,
        None => today,
    };
    let r = service::revenue(&staff, &state, month, today).await?;
    Ok(Json(RevenueOut {
        currency: r.currency,
        month: r.month,
        arr: r.arr,
        arpu: r.arpu,
        customer_churn: r.customer_churn,
        revenue_churn: r.revenue_churn,
        by_plan: r.by_plan,
        series: r.series,
        collected: r
            .collected
            .into_iter()
            .map(|(day, amount)| DayAmount { day, amount })
            .collect(),
        collected_total: r.collected_total,
        definitions: DEFINITIONS
            .iter()
            .map(|(figure, definition)| Definition { figure, definition })
            .collect(),
    }))
}
