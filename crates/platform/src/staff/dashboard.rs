//! Cards a feature adds to the staff dashboard (`GET /admin`, the admin feature's page): a
//! feature with figures of its own (billing's subscriptions and revenue) renders them here, in
//! the staff member's areas only, without the dashboard knowing the feature.

use futures::future::BoxFuture;

use super::Staff;
use crate::{AppState, Result};

/// What the dashboard counted that a card may need (billing puts workspaces without a
/// subscription on the fallback plan).
#[derive(Debug, Clone, Copy)]
pub struct DashboardFacts {
    pub workspaces: u64,
}

/// A feature's cards as rendered HTML: stat cards in the totals grid, then sections of charts
/// below it. Empty for a role outside the feature's area.
#[derive(Debug, Clone, Default)]
pub struct DashboardCards {
    pub totals: String,
    pub charts: String,
}

/// Renders a feature's dashboard cards for a staff member (trusted markup from the feature's
/// templates).
pub type DashboardCardFn =
    fn(AppState, Staff, DashboardFacts) -> BoxFuture<'static, Result<DashboardCards>>;

/// Every feature's cards, in the features' order.
pub async fn cards(
    state: &AppState,
    staff: &Staff,
    facts: DashboardFacts,
) -> Result<DashboardCards> {
    let mut all = DashboardCards::default();
    for card in &state.back_office.cards {
        let DashboardCards { totals, charts } = card(state.clone(), staff.clone(), facts).await?;
        all.totals.push_str(&totals);
        all.charts.push_str(&charts);
    }
    Ok(all)
}
