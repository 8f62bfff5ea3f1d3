//! Plan gates: a group of routes sold under a plan feature (`"discovery"`, …) is refused as a
//! whole, before any of its handlers runs, when the caller's workspace's plan lacks the
//! feature — `402 feature-not-in-plan`, naming a plan that has it (`PlanLimits::require_feature`).
//!
//! Why a route layer and not a check in each handler: a group has dozens of routes, and one
//! forgotten check would sell the feature for free. [`crate::openapi::ApiRouter::requires_feature`]
//! and [`crate::web::pages::PageRoutes::requires_feature`] put the gate on every route of
//! a router (the API one also documents the 402 on each operation), so a route added to the
//! group later is gated by being in it.
//!
//! Who is not signed in, or acts for no workspace, passes through: the handler answers them
//! (401, the sign-in page) exactly as it would without the gate.

use axum::{
    extract::{OptionalFromRequestParts, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{Ctx, Scope, error::Error, state::AppState};

/// The documented meaning of a gated route's 402.
pub const NOT_IN_PLAN: &str = "The workspace's plan does not include this feature \
     (`feature-not-in-plan`); the message names a plan that does";

/// The gate itself, for `axum::middleware::from_fn`. The state comes from the request's
/// extensions, where the outermost middleware (`meta::request_meta`) puts it: a feature's
/// router is built before the state exists.
pub(crate) async fn gate(feature: &'static str, req: Request, next: Next) -> Response {
    let Some(state) = req.extensions().get::<AppState>().cloned() else {
        return Error::internal("the plan gate ran outside the platform's middleware")
            .into_response();
    };
    let (mut parts, body) = req.into_parts();
    let ctx = <Ctx as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, &state);
    match ctx.await {
        Ok(Some(ctx)) => {
            if let Ok(scope) = Scope::of(&ctx)
                && let Err(e) = state.limits.require_feature(&state, &scope, feature).await
            {
                return e.into_response();
            }
        }
        Ok(None) => {}
        Err(e) => return e.into_response(),
    }
    next.run(Request::from_parts(parts, body)).await
}
