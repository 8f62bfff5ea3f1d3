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
        /// CIDRs (one per line) this member may sign in from; `None`: anywhere.
        pub ip_allowlist: Option<String>,
        /// SHA-256 of the pending invitation's token (status `invited`).
        pub invite_token_hash: Option<String>,
        pub invite_expires_at: Option<chrono::DateTime<chrono::Utc>>,
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

pub mod staff_session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub staff_id: Uuid,
        /// SHA-256 of the cookie value.
        pub token_hash: String,
        /// `pending` (password checked, second factor or enrolment missing) or `active`.
        pub state: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
        /// Updated at most once a minute; 30 minutes without a request end the session.
        pub last_seen_at: chrono::DateTime<chrono::Utc>,
        /// At most 8 hours after the sign-in completed.
        pub expires_at: chrono::DateTime<chrono::Utc>,
        pub ip: Option<String>,
        pub user_agent: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod staff_backup_code {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_backup_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub staff_id: Uuid,
        /// SHA-256 of the normalised code; the code is shown once.
        pub code_hash: String,
        pub used_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
