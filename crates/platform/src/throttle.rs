//! Brute-force throttling of attempts (sign-in, second factor, password reset, mailed links,
//! sign-up). Counters live in the database so every node of a scale-out deployment sees the
//! same ones: the database is the arbiter.
//!
//! An attempt *takes a slot* in each of its buckets before anything is evaluated — one
//! conditional upsert per bucket, all in one transaction, so no number of attempts in flight
//! can overshoot a limit (checking first and counting after the password hash let 60
//! concurrent guesses through a limit of 10). Once the attempt is decided it settles its slots:
//!
//! - a failure keeps them; in a [`Scope::Guesser`] bucket each failure past
//!   [`FREE_FAILURES`] also makes the next attempt wait a growing delay;
//! - a success gives them back: a guesser bucket is forgotten, a [`Scope::Shared`] bucket
//!   (an account's ceiling, a client address) returns the one slot it took.
//!
//! A bucket allows `limit` slots per fixed window; when they are used (or a delay runs),
//! further attempts are refused with the seconds to wait (`Retry-After`), even with the right
//! password — otherwise the throttle would only slow guessing down, not stop it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, entity::prelude::*,
};

use crate::error::{Error, Result};

pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_throttle")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub window_started_at: chrono::DateTime<chrono::Utc>,
        /// Slots taken in this window: failures, plus attempts still being evaluated.
        pub failures: i32,
        /// A guesser bucket's growing delay: no attempt before this instant.
        pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub attempts: u32,
    pub window_secs: u64,
}

/// Failures of one guesser in a window that cost no delay; from the next one on, each failure
/// doubles the wait before the following attempt (2 s, 4 s, 8 s … capped at the window).
pub const FREE_FAILURES: i32 = 5;

/// The wait after a guesser's `n`-th failure in a window.
pub fn delay_after(n: i32, limit: Limit) -> Duration {
    if n <= FREE_FAILURES {
        return Duration::zero();
    }
    let exponent = (n - FREE_FAILURES).min(20) as u32;
    let secs = 2_i64.saturating_pow(exponent);
    Duration::seconds(secs.min(limit.window_secs as i64))
}

/// Who a bucket's count stands for, which decides what a success and a failure do to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One guesser (an account from one client address, a remembered device): failures past
    /// [`FREE_FAILURES`] add growing delays; a success forgets the bucket.
    Guesser,
    /// Many guessers share it (an account's ceiling, a client address): a success gives back
    /// the one slot it took.
    Shared,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub key: String,
    pub limit: Limit,
    pub scope: Scope,
}

impl Bucket {
    pub fn guesser(key: impl Into<String>, limit: Limit) -> Self {
        Self {
            key: key.into(),
            limit,
            scope: Scope::Guesser,
        }
    }

    pub fn shared(key: impl Into<String>, limit: Limit) -> Self {
        Self {
            key: key.into(),
            limit,
            scope: Scope::Shared,
        }
    }
}

/// The slots one attempt holds; settle them with [`Slots::failed`], [`Slots::succeeded`] or
/// [`Slots::spent`].
#[must_use = "an attempt's slots are settled by failed(), succeeded() or spent()"]
#[derive(Debug)]
pub struct Slots {
    taken: Vec<(Bucket, entity::Model)>,
}

/// Takes one slot in every bucket, all or none (one transaction). `TooManyRequests` with the
/// longest wait of the refusing bucket when any is full or waiting out a delay.
pub async fn take(db: &DatabaseConnection, buckets: Vec<Bucket>) -> Result<Slots> {
    let txn = crate::db::begin_write(db).await?;
    let mut taken = Vec::with_capacity(buckets.len());
    for bucket in buckets {
        match take_one(&txn, &bucket).await? {
            Some(row) => taken.push((bucket, row)),
            None => {
                let wait = retry_after(&txn, &bucket).await?;
                // Nothing of a refused attempt counts.
                txn.rollback().await?;
                return Err(Error::TooManyRequests {
                    retry_after_secs: wait,
                });
            }
        }
    }
    txn.commit().await?;
    Ok(Slots { taken })
}

/// One conditional upsert: a new window starts when the old one is over; otherwise the count
/// grows only while it is under the limit and no delay runs. No row back: refused.
async fn take_one(conn: &impl ConnectionTrait, bucket: &Bucket) -> Result<Option<entity::Model>> {
    let now = crate::db::now();
    let window_over = now - Duration::seconds(bucket.limit.window_secs as i64);
    let sql = "INSERT INTO auth_throttle (key, window_started_at, failures, locked_until) \
         VALUES ($1, $2, 1, NULL) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN auth_throttle.window_started_at <= $3 THEN 1 \
                      ELSE auth_throttle.failures + 1 END, \
           locked_until = CASE WHEN auth_throttle.window_started_at <= $3 THEN NULL \
                          ELSE auth_throttle.locked_until END, \
           window_started_at = CASE WHEN auth_throttle.window_started_at <= $3 THEN $2 \
                               ELSE auth_throttle.window_started_at END \
         WHERE auth_throttle.window_started_at <= $3 \
            OR (auth_throttle.failures < $4 \
                AND (auth_throttle.locked_until IS NULL OR auth_throttle.locked_until <= $2)) \
         RETURNING key, window_started_at, failures, locked_until";
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [
            bucket.key.clone().into(),
            now.into(),
            window_over.into(),
            (bucket.limit.attempts as i32).into(),
        ],
    );
    let row = entity::Model::find_by_statement(stmt).one(conn).await?;
    // A limit of 0 allows nothing, not even the first slot of a window.
    Ok(row.filter(|r| r.failures <= bucket.limit.attempts as i32))
}

/// Seconds until a refused bucket takes attempts again (at least 1).
async fn retry_after(conn: &impl ConnectionTrait, bucket: &Bucket) -> Result<u64> {
    let now = Utc::now();
    let Some(row) = entity::Entity::find_by_id(bucket.key.clone())
        .one(conn)
        .await?
    else {
        return Ok(1);
    };
    let window_ends = row.window_started_at + Duration::seconds(bucket.limit.window_secs as i64);
    let until = if row.failures >= bucket.limit.attempts as i32 {
        window_ends
    } else {
        row.locked_until.unwrap_or(now)
    };
    Ok(Ord::max((until - now).num_seconds(), 1) as u64)
}

impl Slots {
    /// The attempt failed: the slots stay used, and each guesser bucket waits its delay.
    pub async fn failed(self, conn: &impl ConnectionTrait) -> Result<()> {
        for (bucket, row) in &self.taken {
            if bucket.scope != Scope::Guesser {
                continue;
            }
            let delay = delay_after(row.failures, bucket.limit);
            if delay.is_zero() {
                continue;
            }
            let until = crate::db::now() + delay;
            // Several failures in flight: the longest delay wins.
            let stmt = Statement::from_sql_and_values(
                conn.get_database_backend(),
                "UPDATE auth_throttle SET locked_until = $1 \
                 WHERE key = $2 AND window_started_at = $3 \
                   AND (locked_until IS NULL OR locked_until < $1)",
                [
                    until.into(),
                    bucket.key.clone().into(),
                    row.window_started_at.into(),
                ],
            );
            conn.execute_raw(stmt).await?;
        }
        Ok(())
    }

    /// The attempt succeeded: a guesser bucket is forgotten, a shared one gets its slot back
    /// (only in the window it was taken in).
    pub async fn succeeded(self, conn: &impl ConnectionTrait) -> Result<()> {
        for (bucket, row) in &self.taken {
            match bucket.scope {
                Scope::Guesser => clear(conn, &bucket.key).await?,
                Scope::Shared => {
                    let stmt = Statement::from_sql_and_values(
                        conn.get_database_backend(),
                        "UPDATE auth_throttle SET failures = failures - 1 \
                         WHERE key = $1 AND window_started_at = $2 AND failures > 0",
                        [bucket.key.clone().into(), row.window_started_at.into()],
                    );
                    conn.execute_raw(stmt).await?;
                }
            }
        }
        Ok(())
    }

    /// The attempt used its slots for good (a mailed link, a sign-up): nothing to settle.
    pub fn spent(self) {}

    /// The slots taken in a bucket's window so far, this attempt's included.
    pub fn count(&self, key: &str) -> Option<i32> {
        self.taken
            .iter()
            .find(|(b, _)| b.key == key)
            .map(|(_, r)| r.failures)
    }
}

/// Forgets a key's count (after a successful sign-in of that account).
pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<()> {
    entity::Entity::delete_by_id(key.to_string())
        .exec(conn)
        .await?;
    Ok(())
}

/// The slots a key has taken in its current window (0 when none or the window is over).
pub async fn count(conn: &impl ConnectionTrait, key: &str, limit: Limit) -> Result<i32> {
    let row = entity::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?;
    Ok(match row {
        Some(r)
            if Utc::now() < r.window_started_at + Duration::seconds(limit.window_secs as i64) =>
        {
            r.failures
        }
        _ => 0,
    })
}

/// Deletes counters whose window ended before `older_than` (daily housekeeping); a counter
/// whose delay still runs is kept until the delay is over.
pub async fn prune(conn: &impl ConnectionTrait, older_than: DateTime<Utc>) -> Result<u64> {
    use sea_orm::sea_query::Condition;
    Ok(entity::Entity::delete_many()
        .filter(entity::Column::WindowStartedAt.lt(older_than))
        .filter(
            Condition::any()
                .add(entity::Column::LockedUntil.is_null())
                .add(entity::Column::LockedUntil.lt(crate::db::now())),
        )
        .exec(conn)
        .await?
        .rows_affected)
}

/// Forgets every per-account counter of an account (keys ending `:acct:<account>`), when it
/// is erased.
pub async fn forget_account(conn: &impl ConnectionTrait, account: &str) -> Result<u64> {
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
    let escaped = account
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Ok(entity::Entity::delete_many()
        .filter(
            Expr::col(entity::Column::Key)
                .like(LikeExpr::new(format!("%:acct:{escaped}")).escape('\\')),
        )
        .exec(conn)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_and_stop_at_the_window() {
        let limit = Limit {
            attempts: 10,
            window_secs: 900,
        };
        for n in 0..=FREE_FAILURES {
            assert!(delay_after(n, limit).is_zero());
        }
        assert_eq!(delay_after(FREE_FAILURES + 1, limit).num_seconds(), 2);
        assert_eq!(delay_after(FREE_FAILURES + 2, limit).num_seconds(), 4);
        assert_eq!(delay_after(FREE_FAILURES + 4, limit).num_seconds(), 16);
        assert_eq!(delay_after(100, limit).num_seconds(), 900);
    }
}
