//! The fleet's tables (migration `m20261206_000035_fleet`). Only this crate reads them.

type Ts = chrono::DateTime<chrono::Utc>;

/// A workspace's fleet settings (a missing row means the defaults of `service::settings`).
pub mod settings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        /// The warm-up steps: `[{name, label, image_kind, text_kind, days_after}]`.
        pub steps: Json,
        pub max_retries: i32,
        pub retry_backoff_secs: i32,
        pub lease_secs: i32,
        /// IANA zone the warm-up's calendar days are counted in.
        pub time_zone: String,
        /// Where a proxy test connects through the proxy.
        pub proxy_check_url: String,
        pub updated_at: super::Ts,
    }

    platform::no_relations!();
}

/// A persona (the requirement's "model"): a content strategy accounts are assigned to.
pub mod persona {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_personas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub name_lower: String,
        /// Preferred proxy location ("" = any).
        pub location: String,
        pub notes: String,
        pub created_by: Option<Uuid>,
        pub created_at: super::Ts,
        pub updated_at: super::Ts,
    }

    platform::no_relations!();
}

/// A proxy the workspace rents; accounts are assigned to it up to `max_accounts`.
pub mod proxy {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_proxies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// `http` (CONNECT) or `socks5`.
        pub kind: String,
        pub host: String,
        pub port: i32,
        /// "" when the proxy takes no credentials.
        pub username: String,
        /// The password, sealed with the platform key.
        pub password_enc: Option<String>,
        pub provider: String,
        pub location: String,
        pub monthly_cost_minor: i64,
        pub currency: String,
        /// `active`, `inactive` or `error`.
        pub status: String,
        pub max_accounts: i32,
        /// Accounts assigned now; changed only together with an account's `proxy_id`.
        pub account_count: i32,
        pub last_tested_at: Option<super::Ts>,
        pub last_test_ok: Option<bool>,
        pub last_latency_ms: Option<i32>,
        pub last_test_error: Option<String>,
        pub created_at: super::Ts,
        pub updated_at: super::Ts,
    }

    platform::no_relations!();
}

/// A managed Instagram account and where it is in its lifecycle.
pub mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub username: String,
        pub username_lower: String,
        /// The Instagram password, sealed with the platform key.
        pub password_enc: String,
        pub email: String,
        /// The e-mail account's password, sealed, when the import had one.
        pub email_password_enc: Option<String>,
        /// The import line's extra fields (`{"key": "value"}`; bare values as `field_N`).
        pub extra: Json,
        /// One of `lifecycle::State`'s values.
        pub state: String,
        /// The warm-up step due or running (1-based), `None` outside warm-up.
        pub warmup_step: Option<i32>,
        pub warmup_started_at: Option<super::Ts>,
        pub warmup_completed_at: Option<super::Ts>,
        pub persona_id: Option<Uuid>,
        pub assigned_to_persona_at: Option<super::Ts>,
        pub proxy_id: Option<Uuid>,
        pub proxy_assigned_at: Option<super::Ts>,
        pub last_worker_id: Option<Uuid>,
        pub last_worker_action_at: Option<super::Ts>,
        pub requires_human_review: bool,
        pub last_error_message: Option<String>,
        pub last_error_at: Option<super::Ts>,
        pub retry_count: i32,
        pub import_id: Option<Uuid>,
        pub created_at: super::Ts,
        pub updated_at: super::Ts,
    }

    platform::no_relations!();
}

/// The timeline: transitions with who and why, proxy changes, reveals, proxy tests.
pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub account_id: Option<Uuid>,
        pub proxy_id: Option<Uuid>,
        /// `transition`, `proxy`, `persona`, `reveal`, `proxy_test`, `step`.
        pub kind: String,
        pub from_state: Option<String>,
        pub to_state: Option<String>,
        /// `user`, `worker` or `system`.
        pub actor_kind: String,
        pub actor_id: Option<Uuid>,
        pub actor_label: String,
        pub reason: String,
        pub at: super::Ts,
    }

    platform::no_relations!();
}

/// One attempt of a warm-up or cleanup step (the requirement's `WarmupStepLog`).
pub mod task {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub account_id: Uuid,
        /// `warmup` or `cleanup`.
        pub kind: String,
        pub step_number: i32,
        pub step_name: String,
        pub step_label: String,
        /// The image pool kind the step posts from, if any.
        pub image_kind: Option<String>,
        /// The text pool kind the step uses, if any.
        pub text_kind: Option<String>,
        /// `pending`, `in_progress`, `completed`, `failed`, `requires_review`, `cancelled`.
        pub status: String,
        pub due_at: super::Ts,
        /// How many attempts of this step came before this one.
        pub retry_count: i32,
        pub worker_id: Option<Uuid>,
        pub worker_session_id: Option<String>,
        pub lease_expires_at: Option<super::Ts>,
        /// Times it was claimed (a lease that ran out hands it to the next worker).
        pub claims: i32,
        pub started_at: Option<super::Ts>,
        pub completed_at: Option<super::Ts>,
        pub content_used: Option<Json>,
        pub error_message: Option<String>,
        pub error_details: Option<Json>,
        pub execution_time_ms: Option<i64>,
        pub instagram_response: Option<Json>,
        pub created_at: super::Ts,
        pub updated_at: super::Ts,
    }

    platform::no_relations!();
}

/// An automation worker and its (hashed) bearer token.
pub mod worker {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_workers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        /// SHA-256 of the token, hex.
        pub token_hash: String,
        /// The token's first characters, to recognise it.
        pub token_prefix: String,
        /// What its last heartbeat said (`idle`, `busy`, …).
        pub status: String,
        pub current_task_id: Option<Uuid>,
        pub last_seen_at: Option<super::Ts>,
        pub created_by: Option<Uuid>,
        pub created_at: super::Ts,
        pub revoked_at: Option<super::Ts>,
    }

    platform::no_relations!();
}

/// An image of a content pool (a persona's, or the workspace's generic one).
pub mod image {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_images")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub persona_id: Option<Uuid>,
        /// `pfp`, `post`, `highlight`, `story` or `any`.
        pub kind: String,
        pub mime: String,
        pub byte_size: i64,
        pub sha256: String,
        pub filename: String,
        pub text_content: Option<String>,
        pub is_template: bool,
        pub order_priority: i32,
        pub usage_count: i64,
        pub created_at: super::Ts,
    }

    platform::no_relations!();
}

/// An image's bytes, apart from its row so lists never read them.
pub mod image_data {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_image_data")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub image_id: Uuid,
        pub bytes: Vec<u8>,
    }

    platform::no_relations!();
}

/// A text of a text pool.
pub mod text {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_texts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub persona_id: Option<Uuid>,
        /// `bio`, `post`, `story` or `highlight`.
        pub kind: String,
        pub text_content: String,
        pub usage_count: i64,
        pub is_template: bool,
        pub created_at: super::Ts,
    }

    platform::no_relations!();
}

/// An account import (an upload or a CLI run) and its counts.
pub mod import {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_imports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub filename: String,
        /// `running`, `done` or `failed`.
        pub status: String,
        pub total_bytes: i64,
        pub processed_bytes: i64,
        pub lines: i64,
        pub inserted: i64,
        pub duplicates: i64,
        pub invalid: i64,
        pub error: Option<String>,
        pub created_by: Option<Uuid>,
        pub created_at: super::Ts,
        pub finished_at: Option<super::Ts>,
    }

    platform::no_relations!();
}

/// A line an import did not insert, and why.
pub mod import_issue {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fleet_import_issues")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub import_id: Uuid,
        pub workspace_id: Uuid,
        pub line_no: i64,
        pub username: String,
        /// `duplicate` or `invalid`.
        pub outcome: String,
        pub message: String,
    }

    platform::no_relations!();
}
