//! Brute-force throttling of failed attempts (sign-in, second factor, password reset), per
//! account and per client IP. Counters live in the database so every node of a scale-out
//! deployment sees the same ones.
//!
//! A key allows `limit` failures per fixed window; once it has used them, further attempts
//! are refused with the seconds left in the window (`Retry-After`), even with the right
//! password — otherwise the throttle would only slow guessing down, not stop it.

use chrono::{Duration, Utc};
use sea_orm::{
    ConnectionTrait, Set,
    entity::prelude::*,
    sea_query::{ExprTrait, OnConflict},
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
        pub failures: i32,
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

/// `Err(TooManyRequests)` when `key` has used up its failures in the current window.
pub async fn check(conn: &impl ConnectionTrait, key: &str, limit: Limit) -> Result<()> {
    let Some(row) = entity::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let window = Duration::seconds(limit.window_secs as i64);
    let ends = row.window_started_at + window;
    let now = Utc::now();
    if now < ends && row.failures >= limit.attempts as i32 {
        let retry_after_secs = Ord::max((ends - now).num_seconds(), 1) as u64;
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    Ok(())
}

/// Counts one failure against `key`, starting a new window when the old one is over.
pub async fn fail(conn: &impl ConnectionTrait, key: &str, limit: Limit) -> Result<()> {
    let now = crate::db::now();
    let window = Duration::seconds(limit.window_secs as i64);
    match entity::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
    {
        Some(row) if now < row.window_started_at + window => {
            entity::Entity::update_many()
                .col_expr(
                    entity::Column::Failures,
                    Expr::col(entity::Column::Failures).add(1),
                )
                .filter(entity::Column::Key.eq(key))
                .exec(conn)
                .await?;
        }
        _ => {
            entity::Entity::insert(entity::ActiveModel {
                key: Set(key.to_string()),
                window_started_at: Set(now),
                failures: Set(1),
            })
            .on_conflict(
                OnConflict::column(entity::Column::Key)
                    .update_columns([entity::Column::WindowStartedAt, entity::Column::Failures])
                    .to_owned(),
            )
            .exec(conn)
            .await?;
        }
    }
    Ok(())
}

/// Forgets a key's failures (after a successful sign-in of that account).
pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<()> {
    entity::Entity::delete_by_id(key.to_string())
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes counters whose window ended before `older_than` (daily housekeeping).
pub async fn prune(conn: &impl ConnectionTrait, older_than: chrono::DateTime<Utc>) -> Result<u64> {
    Ok(entity::Entity::delete_many()
        .filter(entity::Column::WindowStartedAt.lt(older_than))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Forgets every per-account counter of an account (`…:acct:<account>`), when it is erased.
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
