//! `users` rows.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub email_lower: String,
    pub name: String,
    /// Argon2id PHC string; `None` for accounts that only sign in with Google.
    pub password_hash: Option<String>,
    pub email_verified_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `active` or `blocked`.
    pub status: String,
    /// Encrypted (purpose `totp`) once 2FA is enabled.
    pub totp_secret: Option<String>,
    /// Encrypted secret shown during set-up, until a valid code enables it.
    pub totp_pending_secret: Option<String>,
    pub totp_enabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Last accepted 30-second step: a code of that step or earlier is refused (single use).
    pub totp_last_step: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
