//! The planner's tables (migration `m20261206_000029_intel_planner`). A subject is an own
//! account (`subject_kind = "account"`, the account's id) or a tracked profile (`"tracked"`,
//! the tracked row's id), always with the workspace it belongs to.

/// A subject's time zone (absent: UTC).
pub mod subject_setting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_subject_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        /// An IANA name (`Europe/Berlin`).
        pub time_zone: String,
        pub updated_by: Option<Uuid>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A subject's growth goal: followers by a date.
pub mod growth_plan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_growth_plans")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub target_followers: i64,
        pub target_date: chrono::NaiveDate,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A day whose tasks were generated (in the time zone named), so it is generated once.
pub mod task_day {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_task_days")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub time_zone: String,
        pub generated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// One task of a subject's day.
pub mod task {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        /// The day in the subject's time zone.
        pub day: chrono::NaiveDate,
        /// Stable within the day (`post:2:18`, `reply:<post id>`, `outside:<key>`): a task
        /// generated again is the same task.
        pub key: String,
        /// `post`, `reply`, `hashtags` or `suggestion`.
        pub kind: String,
        pub title: String,
        pub detail: String,
        pub link: Option<String>,
        /// When the task is due, for timed tasks (a post at the best slot).
        pub slot_at: Option<chrono::DateTime<chrono::Utc>>,
        pub position: i32,
        pub done_at: Option<chrono::DateTime<chrono::Utc>>,
        pub done_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A planned post on a subject's calendar.
pub mod calendar_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_calendar_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub title: String,
        pub note: String,
        pub slot_at: chrono::DateTime<chrono::Utc>,
        /// `reel`, `carousel`, `image` or `story`.
        pub media_type: String,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A member's calendar subscription: the secret URL's token, as its SHA-256.
pub mod calendar_feed {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_calendar_feeds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Uuid,
        pub token_hash: String,
        /// The token's first characters, to recognise it.
        pub prefix: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
        pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}
