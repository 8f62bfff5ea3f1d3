//! Creator discovery's team tools — lists and campaigns — are sold under the `discovery` plan
//! feature: requirement 004's Free tier has neither (its search, profile unlocks and
//! favourites stay open; exports are its `exports` meter's, 0 on Free); Discovery Standard and
//! Premium, and the growth plans from Pro up, have them; the self-hosted plan has every
//! feature.
//!
//! The web layer gates those routes as groups (`requires_feature(FEATURE)` on their routers:
//! a 402 naming a plan that has them, before any handler runs); a page that offers them
//! elsewhere (a search result's "Add to list") asks [`included`] and says where they come from
//! instead of offering a button that would be refused.

use platform::{AppState, Error, Result, Scope};

/// The plan feature flag the team tools sell under.
pub const FEATURE: &str = "discovery";

/// Whether the workspace's plan includes the team tools.
pub async fn included(state: &AppState, scope: &Scope) -> Result<bool> {
    match state.limits.require_feature(state, scope, FEATURE).await {
        Ok(()) => Ok(true),
        Err(Error::PaymentRequired { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
