//! `/api/v1/credits/…`: the workspace's balance, its ledger, the price list, and whether an
//! action can be performed now. Every member may read them.

use axum::extract::State;
use platform::http::extract::{Path, Query};
use platform::{AppState, Ctx, Permission, Result, Scope, error::Problem, http::extract::Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::{
    credits::{self, Balance, CanPerform, LedgerFilter, LedgerPage},
    pricing::{self, Price},
};

/// The workspace's credit balance.
#[utoipa::path(get, path = "/api/v1/credits/balance", tag = "credits", security(("bearer" = [])),
    responses((status = 200, body = Balance), (status = 401, body = Problem)))]
pub async fn balance(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Balance>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(Json(credits::balance(&state.db, &Scope::of(&ctx)?).await?))
}

/// The ledger, newest first (cursor pagination; filters by kind, action and time).
#[utoipa::path(get, path = "/api/v1/credits/transactions", tag = "credits", security(("bearer" = [])),
    params(LedgerFilter),
    responses((status = 200, body = LedgerPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn transactions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<LedgerFilter>,
) -> Result<Json<LedgerPage>> {
    ctx.require(Permission::WorkspaceRead)?;
    if let Some(limit) = filter.limit {
        credits::LedgerPageSize::check("limit", limit)?;
    }
    Ok(Json(
        credits::ledger(&state.db, &Scope::of(&ctx)?, &filter).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PriceList {
    pub items: Vec<Price>,
}

/// What each action costs, and its free uses per month.
#[utoipa::path(get, path = "/api/v1/credits/pricing", tag = "credits", security(("bearer" = [])),
    responses((status = 200, body = PriceList), (status = 401, body = Problem)))]
pub async fn pricing_list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<PriceList>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(Json(PriceList {
        items: pricing::all(&state.db).await?,
    }))
}

/// Whether the workspace can perform `action` now, what it would cost, the free uses left this
/// month, and the balance.
#[utoipa::path(get, path = "/api/v1/credits/can-perform/{action}", tag = "credits", security(("bearer" = [])),
    params(("action" = String, Path, description = "A priced action, e.g. `ai_generation`")),
    responses((status = 200, body = CanPerform), (status = 401, body = Problem), (status = 404, body = Problem, description = "No such priced action")))]
pub async fn can_perform(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(action): Path<String>,
) -> Result<Json<CanPerform>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(Json(
        credits::can_perform(&state, &Scope::of(&ctx)?, &action).await?,
    ))
}
