//! Discovery's campaigns tables (migration `m20261206_000039_discovery_campaigns`). Only
//! [`campaign`] carries the workspace; every other row is reached through its campaign.

/// A workspace's campaign.
pub mod campaign {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaigns")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub brief: String,
        /// The window (both days included, UTC) whose posts tracking looks at.
        pub starts_on: chrono::NaiveDate,
        pub ends_on: chrono::NaiveDate,
        /// Lists of normalised text: handles without `@`, hashtags without `#`, both lower
        /// case; phrases as typed (matched case-insensitively).
        pub handles: Json,
        pub hashtags: Json,
        pub phrases: Json,
        pub budget_planned_minor: i64,
        pub budget_spent_minor: i64,
        /// ISO 4217, upper case.
        pub currency: String,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
        /// When tracking last finished.
        pub tracked_at: Option<chrono::DateTime<chrono::Utc>>,
        /// The last "Find posts now" job (its progress is shown while it runs).
        pub tracking_job_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A creator on a campaign.
pub mod campaign_creator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_creators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub campaign_id: Uuid,
        pub profile_id: Uuid,
        /// `shortlisted`, `contacted`, `agreed`, `live` or `done`.
        pub status: String,
        /// In the campaign's currency, minor units.
        pub fee_minor: i64,
        pub added_at: chrono::DateTime<chrono::Utc>,
        pub status_changed_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What a creator on a campaign is to deliver.
pub mod deliverable {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_deliverables")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub campaign_id: Uuid,
        pub profile_id: Uuid,
        /// `post`, `reel`, `story` or `other`.
        pub kind: String,
        pub due_on: chrono::NaiveDate,
        pub done: bool,
        pub done_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A campaign's milestone.
pub mod milestone {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_milestones")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub campaign_id: Uuid,
        pub name: String,
        pub due_on: chrono::NaiveDate,
        pub done: bool,
        pub done_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A post on a campaign: attached by hand or found by tracking.
pub mod campaign_post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub campaign_id: Uuid,
        pub profile_id: Uuid,
        /// `ig_posts.id`, read through the instagram crate's pool service.
        pub post_id: Uuid,
        /// `manual` or `tracked`.
        pub how: String,
        /// What its caption mentioned (`@brand, #launch`), empty for a post attached by hand.
        pub matched: String,
        pub added_by: Option<Uuid>,
        pub added_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member of the workspace working on a campaign.
pub mod collaborator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_collaborators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub added_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A line of a campaign's activity log.
pub mod activity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_campaign_activity")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub campaign_id: Uuid,
        pub at: chrono::DateTime<chrono::Utc>,
        pub actor_id: Option<Uuid>,
        /// Who, as shown ("ana@example.com", "Tracking").
        pub actor: String,
        /// A stable code (`creator.status`, `posts.tracked`, …).
        pub action: String,
        /// The line as people read it.
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
