//! `GET /api/v1/admin/dashboard`: the dashboard's figures and 30-day series as JSON, for every
//! staff role. Like the page, it leaves out what the caller's role does not cover (`jobs`,
//! `outbox`, a feature's figures) and modules that do not exist yet. Each feature's figures
//! are a member of the answer named by the feature (instagram's `instagram`), documented in
//! this answer's schema by `platform::staff::dashboard`.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use platform::{AppState, Result, error::Problem, http::extract::Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::dashboard;
use platform::staff::{Staff, dashboard::figures};

#[derive(Serialize, ToSchema)]
pub struct DashboardOut {
    /// When the figures were counted (they are counted on each request).
    pub generated_at: DateTime<Utc>,
    pub users: UserTotals,
    pub workspaces: u64,
    /// Unread notifications of the caller's areas.
    pub notifications_unread: u64,
    /// Present for roles with the job queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<JobTotals>,
    /// Present for roles with the mail outbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxTotals>,
    /// The features' figures of the caller's areas, by member name.
    #[serde(flatten)]
    #[schema(ignore)]
    pub features: BTreeMap<&'static str, serde_json::Value>,
    /// Accounts created per UTC day: 30 entries, oldest first, ending today.
    pub new_users: Vec<DayCount>,
    /// Distinct users signed in (session or API token) per UTC day, the same days.
    pub daily_active_users: Vec<DayCount>,
}

#[derive(Serialize, ToSchema)]
pub struct UserTotals {
    pub total: u64,
    pub active: u64,
    pub blocked: u64,
}

#[derive(Serialize, ToSchema)]
pub struct JobTotals {
    /// Jobs in the `dead` state now.
    pub dead: u64,
    /// Of those, the ones that died in the last 24 hours.
    pub dead_last_24h: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxTotals {
    /// Messages queued in the last 24 hours whose delivery was refused for good.
    pub failed_last_24h: u64,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DashboardDayCount)]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: u64,
}

fn days(series: Vec<(NaiveDate, u64)>) -> Vec<DayCount> {
    series
        .into_iter()
        .map(|(day, count)| DayCount { day, count })
        .collect()
}

/// Platform totals and the last 30 days of new and daily active users.
#[utoipa::path(get, path = "/api/v1/admin/dashboard", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = DashboardOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<DashboardOut>> {
    let d = dashboard::dashboard(&staff, &state).await?;
    Ok(Json(DashboardOut {
        generated_at: d.generated_at,
        users: UserTotals {
            total: d.totals.users,
            active: d.totals.active_users,
            blocked: d.totals.blocked_users,
        },
        workspaces: d.totals.workspaces,
        notifications_unread: d.notifications_unread,
        jobs: d.jobs.map(|j| JobTotals {
            dead: j.dead,
            dead_last_24h: j.dead_last_24h,
        }),
        outbox: d.outbox.map(|o| OutboxTotals {
            failed_last_24h: o.failed_last_24h,
        }),
        features: figures(&state, &staff).await?,
        new_users: days(d.new_users),
        daily_active_users: days(d.active_users),
    }))
}

#[cfg(test)]
mod tests {
    /// The features' figures are documented as members of this answer, found by its name.
    #[test]
    fn the_answer_is_documented_under_the_name_features_extend() {
        assert_eq!(
            <super::DashboardOut as utoipa::ToSchema>::name(),
            platform::staff::dashboard::ANSWER_SCHEMA
        );
    }
}
