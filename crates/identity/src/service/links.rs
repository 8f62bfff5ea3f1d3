//! Single-use links sent by mail (verify email, reset password, magic sign-in, first-run
//! setup): a random token in the URL, its hash in `one_time_tokens`, an expiry, used once.

use chrono::{Duration, Utc};
use platform::{Error, Result, crypto, db::now};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::model::one_time_token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    PasswordReset,
    MagicLink,
    Setup,
}

impl Purpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
            Purpose::MagicLink => "magic_link",
            Purpose::Setup => "setup",
        }
    }

    fn expired_message(&self) -> &'static str {
        match self {
            Purpose::VerifyEmail => {
                "This verification link has expired or was already used. Sign in and ask for a new one."
            }
            Purpose::PasswordReset => {
                "This reset link has expired or was already used. Ask for a new one."
            }
            Purpose::MagicLink => {
                "This sign-in link has expired or was already used. Ask for a new one."
            }
            Purpose::Setup => "This first-run link is not valid any more.",
        }
    }
}

/// Creates a link token; returns the plaintext (only ever put into the mail / console).
pub async fn create(
    conn: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Option<Uuid>,
    ttl: Duration,
) -> Result<String> {
    let token = crypto::random_token().map_err(Error::internal)?;
    let t = now();
    one_time_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(crypto::token_hash(&token)),
        purpose: Set(purpose.as_str().into()),
        user_id: Set(user_id),
        email: Set(None),
        created_at: Set(t),
        expires_at: Set(t + ttl),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The valid (unused, unexpired) row for a token, without using it up.
pub async fn peek(
    conn: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
) -> Result<one_time_token::Model> {
    let row = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(crypto::token_hash(token)))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?;
    match row {
        Some(r) if r.used_at.is_none() && r.expires_at > Utc::now() => Ok(r),
        _ => Err(Error::InvalidLink(purpose.expired_message().into())),
    }
}

/// Marks the token used. The conditional update makes two concurrent uses of one link
/// impossible: only one of them changes a row.
pub async fn consume(
    conn: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
) -> Result<one_time_token::Model> {
    let row = peek(conn, purpose, token).await?;
    let res = one_time_token::Entity::update_many()
        .col_expr(
            one_time_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(one_time_token::Column::Id.eq(row.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(Error::InvalidLink(purpose.expired_message().into()));
    }
    Ok(row)
}

/// Invalidates a user's outstanding links of one purpose (a new reset link voids older ones).
pub async fn void_for_user(
    conn: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Uuid,
) -> Result<()> {
    one_time_token::Entity::update_many()
        .col_expr(
            one_time_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(one_time_token::Column::UserId.eq(user_id))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
