//! Daily activity: a user seen signed in (browser session or API token) gets one
//! `user_activity_days` row for that UTC day — the dashboard's daily active users.
//!
//! Every authenticated request passes here, so the hot path must not write each time: an
//! in-memory set of the users already recorded today (per process, reset when the day
//! changes) answers all but the first request of a user's day. Several processes, or two
//! racing first requests, each insert at most once; `ON CONFLICT DO NOTHING` keeps one row.

use std::{
    collections::HashSet,
    sync::{Mutex, PoisonError},
};

use chrono::{NaiveDate, Utc};
use platform::Result;
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};
use uuid::Uuid;

use crate::model::user_activity_day;

/// The users this process has recorded as active today.
#[derive(Debug)]
pub struct DailyActivity {
    seen: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    day: NaiveDate,
    users: HashSet<Uuid>,
}

impl Default for DailyActivity {
    fn default() -> Self {
        Self {
            seen: Mutex::new(Seen {
                day: Utc::now().date_naive(),
                users: HashSet::new(),
            }),
        }
    }
}

impl DailyActivity {
    /// Records that `user_id` is active today, unless this process already did. Returns
    /// whether it went to the database.
    pub async fn seen(&self, conn: &impl ConnectionTrait, user_id: Uuid) -> Result<bool> {
        let today = Utc::now().date_naive();
        if self.known(user_id, today) {
            return Ok(false);
        }
        record(conn, user_id, today).await?;
        // Remembered only once written: a failed write is tried again by the next request.
        self.remember(user_id, today);
        Ok(true)
    }

    fn known(&self, user_id: Uuid, today: NaiveDate) -> bool {
        // The set holds no invariant a panic could break: a poisoned lock is still usable.
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.day == today && seen.users.contains(&user_id)
    }

    fn remember(&self, user_id: Uuid, today: NaiveDate) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.day != today {
            // A new day: yesterday's users are of no more use (this also bounds the memory).
            seen.day = today;
            seen.users.clear();
        }
        seen.users.insert(user_id);
    }
}

/// Inserts `(user_id, day)` unless it exists.
pub async fn record(conn: &impl ConnectionTrait, user_id: Uuid, day: NaiveDate) -> Result<()> {
    user_activity_day::Entity::insert(user_activity_day::ActiveModel {
        user_id: Set(user_id),
        day: Set(day),
    })
    .on_conflict(
        OnConflict::columns([
            user_activity_day::Column::UserId,
            user_activity_day::Column::Day,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_known_for_the_day_it_was_remembered_only() {
        let activity = DailyActivity::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let today = Utc::now().date_naive();
        let Some(tomorrow) = today.succ_opt() else {
            return;
        };
        assert!(!activity.known(a, today));
        activity.remember(a, today);
        assert!(activity.known(a, today));
        assert!(!activity.known(b, today));
        assert!(!activity.known(a, tomorrow));
        activity.remember(b, tomorrow);
        assert!(!activity.known(a, today), "a new day starts empty");
        assert!(activity.known(b, tomorrow));
    }
}
