//! Instagram on the staff dashboard, for staff with customers' data: the accounts of every
//! workspace among the totals of the page, and the same figures as the `instagram` member of
//! the dashboard's JSON answer.

use askama::Template;
use platform::{
    AppState, Result,
    staff::{Staff, StaffPermission, dashboard::DashboardCards},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::staff_view::{self, Totals};

#[derive(Serialize, ToSchema)]
pub struct InstagramTotals {
    /// Instagram accounts of all workspaces.
    pub accounts: u64,
    /// Of those, connected with Instagram Login.
    pub connected: u64,
    /// Of those, waiting to be connected again.
    pub reconnect_needed: u64,
    /// Of those, demo accounts.
    pub demo: u64,
    /// Public profiles tracked by workspaces (a profile tracked by two counts twice).
    pub tracked_profiles: u64,
}

impl From<Totals> for InstagramTotals {
    fn from(t: Totals) -> Self {
        Self {
            accounts: t.accounts,
            connected: t.connected,
            reconnect_needed: t.reconnect_needed,
            demo: t.demo,
            tracked_profiles: t.tracked_profiles,
        }
    }
}

#[derive(Template)]
#[template(path = "instagram/staff/_dashboard_totals.html")]
struct TotalsCard {
    i: Totals,
}

/// The totals, or none for a role without customers' data.
async fn totals(state: &AppState, staff: &Staff) -> Result<Option<Totals>> {
    if !staff.can(StaffPermission::Customers) {
        return Ok(None);
    }
    staff_view::totals(staff, &state.db).await.map(Some)
}

/// The card among the dashboard's totals.
pub async fn card(state: &AppState, staff: &Staff) -> Result<DashboardCards> {
    let Some(i) = totals(state, staff).await? else {
        return Ok(DashboardCards::default());
    };
    let totals = TotalsCard { i }
        .render()
        .map_err(|e| platform::Error::Internal(format!("render: {e}")))?;
    Ok(DashboardCards {
        totals,
        charts: String::new(),
    })
}

/// The `instagram` member of the JSON answer.
pub async fn figures(state: &AppState, staff: &Staff) -> Result<Option<serde_json::Value>> {
    let Some(t) = totals(state, staff).await? else {
        return Ok(None);
    };
    serde_json::to_value(InstagramTotals::from(t))
        .map(Some)
        .map_err(|e| platform::Error::Internal(format!("dashboard figures: {e}")))
}
