//! Platform figures for the staff dashboard: how many users and workspaces there are, and per
//! day the new users and the daily active users. Cross-tenant by design, like [`super::directory`]:
//! only the back office calls these, after checking the staff member's role.
//!
//! Days are UTC calendar days. Series are dense — one entry per day of the window, oldest
//! first, zero where nothing happened — so a chart can draw them as they are.

use chrono::{NaiveDate, TimeZone, Utc};
use platform::{Error, Result};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::directory::{ACTIVE, BLOCKED};
use crate::model::{user, user_activity_day, workspace};

/// Counted now from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub users: u64,
    pub active_users: u64,
    pub blocked_users: u64,
    pub workspaces: u64,
}

pub async fn totals(conn: &impl ConnectionTrait) -> Result<Totals> {
    let by_status: Vec<(String, i64)> = user::Entity::find()
        .select_only()
        .column(user::Column::Status)
        .column_as(Expr::col(user::Column::Id).count(), "n")
        .group_by(user::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let count = |status: &str| {
        by_status
            .iter()
            .filter(|(s, _)| s == status)
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum::<u64>()
    };
    Ok(Totals {
        users: by_status
            .iter()
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum(),
        active_users: count(ACTIVE),
        blocked_users: count(BLOCKED),
        workspaces: workspace::Entity::find().count(conn).await?,
    })
}

/// The `days` days ending with `today`, oldest first.
pub fn window(today: NaiveDate, days: u32) -> Vec<NaiveDate> {
    (0..days)
        .rev()
        .filter_map(|back| today.checked_sub_days(chrono::Days::new(u64::from(back))))
        .collect()
}

/// Puts the counts of the days that had any on the window's days.
fn dense(window: &[NaiveDate], counts: &[(NaiveDate, i64)]) -> Vec<(NaiveDate, u64)> {
    window
        .iter()
        .map(|day| {
            let n = counts
                .iter()
                .filter(|(d, _)| d == day)
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .sum();
            (*day, n)
        })
        .collect()
}

/// Users created per day over the `days` days ending with `today`.
pub async fn new_users_per_day(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    days: u32,
) -> Result<Vec<(NaiveDate, u64)>> {
    let window = window(today, days);
    let Some(first) = window.first() else {
        return Ok(Vec::new());
    };
    let since = Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN));
    // The UTC calendar day of a timestamp, which SeaQuery cannot say portably. SQLite stores
    // timestamps as RFC 3339 text (`date()` reads it, offset included); PostgreSQL has
    // `timestamptz`. Both give `YYYY-MM-DD` text.
    let day = match conn.get_database_backend() {
        DatabaseBackend::Postgres => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "date(created_at)",
    };
    let rows: Vec<(String, i64)> = user::Entity::find()
        .select_only()
        .column_as(Expr::cust(day), "day")
        .column_as(Expr::col(user::Column::Id).count(), "n")
        .filter(user::Column::CreatedAt.gte(since))
        .group_by(Expr::cust(day))
        .into_tuple()
        .all(conn)
        .await?;
    let counts = rows
        .into_iter()
        .map(|(d, n)| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map(|d| (d, n))
                .map_err(|e| Error::internal(format!("day {d:?} from the database: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(dense(&window, &counts))
}

/// Distinct users active (signed in by session or API token) per day over the `days` days
/// ending with `today`.
pub async fn active_users_per_day(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    days: u32,
) -> Result<Vec<(NaiveDate, u64)>> {
    let window = window(today, days);
    let Some(first) = window.first() else {
        return Ok(Vec::new());
    };
    let counts: Vec<(NaiveDate, i64)> = user_activity_day::Entity::find()
        .select_only()
        .column(user_activity_day::Column::Day)
        .column_as(Expr::col(user_activity_day::Column::UserId).count(), "n")
        .filter(user_activity_day::Column::Day.gte(*first))
        .filter(user_activity_day::Column::Day.lte(today))
        .group_by(user_activity_day::Column::Day)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(dense(&window, &counts))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_window_ends_today_and_is_dense() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let w = window(today, 3);
        assert_eq!(
            w,
            vec![
                NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                today
            ]
        );
        let series = dense(&w, &[(today, 4), (w[0], 1)]);
        assert_eq!(series, vec![(w[0], 1), (w[1], 0), (today, 4)]);
        assert!(window(today, 0).is_empty());
    }
}
