//! The `jobs` table.

use sea_orm::entity::prelude::*;

pub mod job {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The job type (`Job::KIND`).
        pub kind: String,
        pub queue: String,
        pub payload: serde_json::Value,
        /// `available`, `executing`, `completed`, `dead` or `discarded`.
        pub state: String,
        /// Lower runs first.
        pub priority: i32,
        /// Attempts started so far (a claim increments it).
        pub attempt: i32,
        pub max_attempts: i32,
        /// Not before this time.
        pub run_at: chrono::DateTime<chrono::Utc>,
        pub attempted_at: Option<chrono::DateTime<chrono::Utc>>,
        pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
        /// The worker holding the lease while `executing`.
        pub worker: Option<String>,
        pub lease_expires_at: Option<chrono::DateTime<chrono::Utc>>,
        /// One `{attempt, at, error}` per failed attempt.
        pub errors: serde_json::Value,
        pub unique_key: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unique {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_uniques")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub job_id: Uuid,
        pub expires_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub const AVAILABLE: &str = "available";
pub const EXECUTING: &str = "executing";
pub const COMPLETED: &str = "completed";
pub const DEAD: &str = "dead";
pub const DISCARDED: &str = "discarded";
