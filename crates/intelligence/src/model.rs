//! The feature's tables (migrations `m20261206_000027_intel_analyses`, `m20261206_000028_intel_audits`).

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// The planner's tables (migration `m20261206_000029_intel_planner`).
pub mod planner;

/// The content engine's tables (migration `m20261206_000033_intel_content`).
pub mod content;

/// The A/B tests' tables (migration `m20261206_000031_intel_ab_tests`).
pub mod ab_tests;

/// The DM templates' table (migration `m20261206_000034_intel_dm_templates`).
pub mod dm_templates;

/// The analysis of one post's caption.
pub mod post_analysis {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_post_analyses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        pub profile_id: Uuid,
        pub posted_at: chrono::DateTime<chrono::Utc>,
        pub media_type: String,
        /// The post's source (`graph`, `apify`, `demo`): a result from demo posts is demo.
        pub source: String,
        /// SHA-256 of the caption (hex, 32 characters): an edited caption is analysed again.
        pub text_hash: String,
        /// Characters of the trimmed caption (the content quality score reads it).
        pub text_chars: i32,
        /// `analysis::METHOD_VERSION` of the result: another version is analysed again.
        pub method_version: i32,
        pub language: Option<String>,
        pub language_confidence: Option<f64>,
        /// `positive`, `neutral`, `negative` or `not_analysed`.
        pub sentiment: String,
        pub sentiment_score: Option<f64>,
        pub sentiment_confidence: Option<f64>,
        /// `vader_en` or `emoji`.
        pub sentiment_method: Option<String>,
        pub category: Option<String>,
        pub category_confidence: Option<f64>,
        /// Evidence and methods: `{evidence: [...], reason?: "...", method: {...}}`.
        pub analysis_raw: Json,
        pub analysed_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();

    impl Model {
        /// The hashtags and words the category was matched on.
        pub fn evidence(&self) -> Vec<String> {
            super::evidence(&self.analysis_raw)
        }

        /// Why there is no sentiment, when there is none.
        pub fn sentiment_reason(&self) -> Option<String> {
            super::sentiment_reason(&self.analysis_raw)
        }
    }
}

fn evidence(raw: &serde_json::Value) -> Vec<String> {
    raw.get("evidence")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn sentiment_reason(raw: &serde_json::Value) -> Option<String> {
    raw.get("sentiment_reason")
        .and_then(|r| r.as_str())
        .map(str::to_string)
}

/// The analysis of one stored comment.
pub mod comment_analysis {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_comment_analyses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub comment_id: Uuid,
        pub post_id: Uuid,
        pub profile_id: Uuid,
        pub posted_at: Option<chrono::DateTime<chrono::Utc>>,
        pub source: String,
        pub text_hash: String,
        pub text_chars: i32,
        pub method_version: i32,
        pub language: Option<String>,
        pub language_confidence: Option<f64>,
        pub sentiment: String,
        pub sentiment_score: Option<f64>,
        pub sentiment_confidence: Option<f64>,
        pub sentiment_method: Option<String>,
        pub category: Option<String>,
        pub category_confidence: Option<f64>,
        pub analysis_raw: Json,
        pub analysed_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// One audit of an own account or a tracked profile.
pub mod audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_audits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// `account` or `tracked`.
        pub subject_kind: String,
        /// The id in that list (as pages address it).
        pub subject_id: Uuid,
        pub profile_id: Uuid,
        pub username: String,
        /// `queued`, `running`, `done`, `failed`.
        pub status: String,
        /// 0–100 while running.
        pub progress: i32,
        pub from_day: chrono::NaiveDate,
        pub to_day: chrono::NaiveDate,
        pub overall_score: Option<f64>,
        /// `service::audit::Report` as JSON once done.
        pub result: Option<Json>,
        /// Sources of the figures, comma-separated (`demo` for demo data).
        pub sources: String,
        pub method_version: i32,
        pub reservation_id: Option<Uuid>,
        /// The job computing it (its progress streams as live events).
        pub job_id: Option<Uuid>,
        /// Credits it costs: held while it runs, taken when done; 0 when free or failed.
        pub cost: i64,
        pub error: Option<String>,
        pub requested_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub started_at: Option<chrono::DateTime<chrono::Utc>>,
        pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

/// An engagement-rate band of a follower tier, with its published source.
pub mod benchmark {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_benchmarks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tier_label: String,
        pub min_followers: i64,
        pub max_followers: Option<i64>,
        /// The band's low and high engagement rate, in %.
        pub low: f64,
        pub high: f64,
        pub definition: String,
        pub source: String,
        pub source_url: Option<String>,
        pub year: i32,
        pub updated_at: chrono::DateTime<chrono::Utc>,
        pub updated_by: Option<Uuid>,
    }

    no_relations!();
}

/// A hashtag reported banned or restricted, with who reported it and when it was checked.
pub mod restricted_tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_restricted_tags")]
    pub struct Model {
        /// Lower case, without `#`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
        /// `banned` or `restricted`.
        pub level: String,
        pub source: String,
        pub source_url: Option<String>,
        pub checked_on: chrono::NaiveDate,
        pub note: Option<String>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
        pub updated_by: Option<Uuid>,
    }

    no_relations!();
}

/// A saved competitor analysis of an own account: the tracked profiles it is compared with
/// and the period (migration `m20261206_000032_intel_competitors`). One per account.
pub mod competitor_set {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_competitor_sets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        #[sea_orm(unique)]
        pub account_id: Uuid,
        /// The tracked profiles' ids (their ids in the workspace's tracked list), in order.
        pub tracked_ids: Json,
        pub days: i32,
        pub updated_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}
