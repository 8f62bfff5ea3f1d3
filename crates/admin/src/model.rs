//! Entities of the back office.

pub mod staff {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub email_lower: String,
        pub name: String,
        pub password_hash: String,
        /// `super_admin`, `support` or `finance`.
        pub role: String,
        /// `active` or `disabled`.
        pub status: String,
        /// Encrypted (purpose `staff_totp`). Set at creation; every sign-in needs a code.
        pub totp_secret: Option<String>,
        /// When the first valid code was given (enrolment done).
        pub totp_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
        pub totp_last_step: Option<i64>,
        pub last_sign_in_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod staff_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub staff_id: Uuid,
        pub prefix: String,
        /// SHA-256 of the token; the token itself is shown once.
        pub token_hash: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
        /// At most 8 hours after creation.
        pub expires_at: chrono::DateTime<chrono::Utc>,
        pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
        pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
