//! The A/B tests' tables (migration `m20261206_000031_intel_ab_tests`). A test names its
//! subject like the planner's rows (`subject_kind` `account` or `tracked`, the id in that list,
//! always with the workspace); variants, tagged posts and lessons carry the workspace too.

/// A test of one thing (caption style, hashtag set, posting slot, media type).
pub mod test {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_ab_tests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub name: String,
        /// `caption_style`, `hashtag_set`, `posting_slot` or `media_type`.
        pub dimension: String,
        /// `engagement_rate`, `reach_rate`, `saves` or `comments`.
        pub metric: String,
        /// What the member expects (may be empty).
        pub hypothesis: String,
        /// `running` or `concluded`.
        pub status: String,
        /// The variant picked as the winner; none when concluded as "no difference".
        pub winner_variant_id: Option<Uuid>,
        pub concluded_at: Option<chrono::DateTime<chrono::Utc>>,
        pub concluded_by: Option<Uuid>,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A variant of a test; position 0 is the control.
pub mod variant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_ab_variants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub test_id: Uuid,
        pub name: String,
        pub position: i32,
    }

    no_relations!();
}

/// A post tagged as belonging to a variant of a test.
pub mod tagged_post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_ab_posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub test_id: Uuid,
        pub variant_id: Uuid,
        /// The instagram feature's post (one of the subject's).
        pub post_id: Uuid,
        pub tagged_by: Option<Uuid>,
        pub tagged_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A lesson in a subject's playbook, left by a concluded test.
pub mod lesson {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_playbook_lessons")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        /// The test it came from; none once that test was removed.
        pub test_id: Option<Uuid>,
        pub test_name: String,
        /// The outcome as concluded ("Short captions won", "No difference").
        pub verdict: String,
        pub lesson: String,
        pub created_by: Option<Uuid>,
        /// The member's name (or email) when the lesson was written.
        pub created_by_name: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}
