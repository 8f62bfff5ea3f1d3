//! The feature's tables (migration `m20261206_000030_ai`).

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// A model staff enabled (or listed and left disabled), with its price per million tokens.
pub mod ai_model {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ai_models")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The model's name as the server knows it (`gpt-4o-mini`, `llama3.2`).
        pub model: String,
        pub label: String,
        pub enabled: bool,
        /// US dollars in millionths per million prompt tokens (0: no price set).
        pub input_micros_per_million: i64,
        pub output_micros_per_million: i64,
        pub updated_by: Option<Uuid>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// One call to the model server.
pub mod call {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ai_calls")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Option<Uuid>,
        pub user_id: Option<Uuid>,
        pub feature: String,
        pub model: String,
        pub prompt_tokens: i64,
        pub completion_tokens: i64,
        pub usage_estimated: bool,
        pub latency_ms: i64,
        pub first_token_ms: Option<i64>,
        pub attempts: i32,
        /// `ok` or the kind of failure ([`crate::provider::Failure::outcome`]).
        pub outcome: String,
        pub error: Option<String>,
        pub cost_micros: i64,
        /// Credits captured for the call (0 when it failed or was free).
        pub credits: i64,
        pub generation_id: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A workspace's AI settings.
pub mod workspace_setting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ai_workspace_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        /// Credits the workspace lets AI spend per calendar month (UTC); None: no cap.
        pub monthly_credits: Option<i64>,
        pub model: Option<String>,
        pub warned_period: Option<String>,
        pub updated_by: Option<Uuid>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A text the model wrote (or is writing) for a feature.
pub mod generation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ai_generations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Option<Uuid>,
        pub feature: String,
        pub reference: String,
        pub title: String,
        /// The messages as sent (JSON array of `{role, content}`).
        pub messages: Json,
        pub model: String,
        /// `running`, `done`, `failed`.
        pub status: String,
        pub output: String,
        pub error: Option<String>,
        pub call_id: Option<Uuid>,
        pub next_path: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub started_at: Option<chrono::DateTime<chrono::Utc>>,
        pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}
