//! The dashboard's figures: what exists on the platform, counted from the database when asked
//! (no cache, no estimate), and the last 30 days of new and active users.
//!
//! A figure appears only where there is something to count: modules that do not exist yet
//! (AI usage) have no field here, and figures of an area the staff member's role does not
//! cover (jobs, the mail outbox) are `None` rather than zero. Features add their own figures
//! (`platform::staff::dashboard`: billing's cards, instagram's accounts).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use identity::service::stats;
use platform::{AppState, Result, jobs::store, mail, notify};

use platform::staff::{Staff, StaffPermission};

/// Days in the charts, today included.
pub const DAYS: u32 = 30;

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub generated_at: DateTime<Utc>,
    pub totals: stats::Totals,
    /// Unread notifications of the staff member's areas.
    pub notifications_unread: u64,
    /// Only for roles with the job queue.
    pub jobs: Option<JobFigures>,
    /// Only for roles with the mail outbox.
    pub outbox: Option<OutboxFigures>,
    /// Accounts created per day, oldest first, `DAYS` entries ending today (UTC).
    pub new_users: Vec<(NaiveDate, u64)>,
    /// Users signed in (session or API token) per day, same days.
    pub active_users: Vec<(NaiveDate, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobFigures {
    pub dead: u64,
    pub dead_last_24h: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxFigures {
    pub failed_last_24h: u64,
}

pub async fn dashboard(staff: &Staff, state: &AppState) -> Result<Dashboard> {
    staff.require(StaffPermission::Dashboard)?;
    let db = &state.db;
    let now = Utc::now();
    let today = now.date_naive();
    let day_ago = now - Duration::hours(24);
    let audiences: Vec<&str> = StaffPermission::of(staff.role)
        .into_iter()
        .map(|p| p.as_str())
        .collect();
    let jobs = if staff.can(StaffPermission::Jobs) {
        let (dead, dead_last_24h) = store::dead_counts(db, day_ago).await?;
        Some(JobFigures {
            dead,
            dead_last_24h,
        })
    } else {
        None
    };
    let outbox = if staff.can(StaffPermission::Outbox) {
        Some(OutboxFigures {
            failed_last_24h: mail::failed_since(db, day_ago).await?,
        })
    } else {
        None
    };
    Ok(Dashboard {
        generated_at: now,
        totals: stats::totals(db).await?,
        notifications_unread: notify::unread_count(db, staff.id, &audiences).await?,
        jobs,
        outbox,
        new_users: stats::new_users_per_day(db, today, DAYS).await?,
        active_users: stats::active_users_per_day(db, today, DAYS).await?,
    })
}
