//! Discovery's proposals tables (migration `m20261206_000040_discovery_proposals`). Every row
//! but `access` carries `workspace_id`; the service reaches them only through the caller's scope.

/// A workspace a super admin unlocked proposals for (no row: locked).
pub mod access {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_access")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        /// The staff member who unlocked it (their email).
        pub unlocked_by: String,
        pub unlocked_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A proposal's current state; `version` is its newest version's number.
pub mod proposal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub title: String,
        pub brand: String,
        pub message: String,
        /// ISO 4217 code of every fee.
        pub currency: String,
        pub version: i32,
        /// The template it was started from: its slots give added creators' defaults.
        pub template_id: Option<Uuid>,
        /// The campaign its approved creators became, once converted.
        pub campaign_id: Option<Uuid>,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A creator on a proposal's shortlist with what they would deliver and for what fee.
pub mod proposal_creator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_creators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub proposal_id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Uuid,
        pub deliverables: String,
        /// In minor units of the proposal's currency.
        pub fee_minor: i64,
        pub position: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An immutable snapshot of a whole proposal after one change.
pub mod version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub proposal_id: Uuid,
        pub workspace_id: Uuid,
        pub number: i32,
        /// What changed, in words ("Added @anna").
        pub change: String,
        /// `service::proposals::Snapshot` as JSON.
        pub snapshot: Json,
        /// Who made the change (email).
        pub created_by: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A share link for the brand's reviewers; only the token's hash is kept.
pub mod link {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_links")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub proposal_id: Uuid,
        pub workspace_id: Uuid,
        pub token_hash: String,
        pub label: String,
        /// The version the link shows (the newest when it was made).
        pub version: i32,
        pub expires_at: chrono::DateTime<chrono::Utc>,
        pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_by: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reviewer's approve / reject of one creator through one link (the latest stands).
pub mod decision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_decisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub link_id: Uuid,
        pub proposal_id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Uuid,
        /// `approved` or `rejected`.
        pub decision: String,
        pub reviewer_name: String,
        pub decided_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reviewer's comment through a link, on the proposal or on one creator.
pub mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub link_id: Uuid,
        pub proposal_id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Option<Uuid>,
        pub reviewer_name: String,
        pub body: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A message and creator slots to start new proposals from.
pub mod template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_proposal_templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub message: String,
        pub currency: String,
        /// `[{deliverables, fee_minor}]`: one slot per creator of the proposal it came from.
        pub slots: Json,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
