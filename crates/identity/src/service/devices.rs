//! Remembered devices: a browser that completed a sign-in keeps a long-lived, httpOnly cookie
//! with a 256-bit random token (the table holds its SHA-256), bound to one user. From such a
//! device a sign-in counts against the device's own throttle bucket instead of the account's,
//! so someone who only knows the address cannot lock its owner out. A password change, a
//! password reset and "sign out everywhere" forget every device of the user.

use platform::{Error, Result, crypto, db::now};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::model::remembered_device;

/// How long a device stays remembered after its last sign-in.
pub const TTL: chrono::Duration = chrono::Duration::days(180);

/// The device behind a cookie value, when it is live and belongs to `user_id`.
pub async fn recognise(
    conn: &impl ConnectionTrait,
    token: &str,
    user_id: Uuid,
) -> Result<Option<Uuid>> {
    let row = remembered_device::Entity::find()
        .filter(remembered_device::Column::TokenHash.eq(crypto::token_hash(token)))
        .one(conn)
        .await?;
    Ok(row
        .filter(|d| d.user_id == user_id && d.expires_at > now())
        .map(|d| d.id))
}

/// After a completed sign-in: the cookie value this browser should carry from now on. A live
/// cookie of the same user is kept (its lifetime starts again); otherwise a new device is
/// remembered (a browser remembers one user: the last one who signed in on it).
pub async fn remember(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    presented: Option<&str>,
    user_agent: Option<String>,
) -> Result<String> {
    let t = now();
    if let Some(token) = presented
        && let Some(id) = recognise(conn, token, user_id).await?
    {
        remembered_device::Entity::update_many()
            .col_expr(
                remembered_device::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(t),
            )
            .col_expr(
                remembered_device::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(t + TTL),
            )
            .filter(remembered_device::Column::Id.eq(id))
            .exec(conn)
            .await?;
        return Ok(token.to_string());
    }
    let token = crypto::random_token().map_err(Error::internal)?;
    remembered_device::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(crypto::token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(t),
        last_used_at: Set(t),
        expires_at: Set(t + TTL),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(500).collect())),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Forgets every remembered device of a user (password changed or reset, signed out
/// everywhere); returns how many.
pub async fn forget_all(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<u64> {
    Ok(remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Deletes devices not used within their lifetime (daily housekeeping).
pub async fn prune(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::ExpiresAt.lt(now()))
        .exec(conn)
        .await?
        .rows_affected)
}
