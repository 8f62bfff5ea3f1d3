//! Discovery's paid actions and their trail (migration `m20261206_000037_discovery_unlocks`).

/// What a workspace unlocked for good: a creator's full analytics or contact email.
pub mod unlock {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_unlocks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Uuid,
        /// `profile` or `email`.
        pub kind: String,
        /// `pending` while its charge runs, then `unlocked`.
        pub state: String,
        /// Credits it cost (0 when free or not charged).
        pub cost: i64,
        pub reservation_id: Option<Uuid>,
        pub unlocked_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub unlocked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One export: who took what, in which format, how many rows.
pub mod export {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_exports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Option<Uuid>,
        /// What was exported: `creators`, `posts`, `list`, `campaign`…
        pub kind: String,
        /// The list or campaign exported, when one.
        pub subject_id: Option<Uuid>,
        /// The file's name stem.
        pub name: String,
        pub format: String,
        /// Rows written (set when the file is complete).
        pub rows: Option<i64>,
        /// `running`, `done` or `failed`.
        pub state: String,
        pub cost: i64,
        pub created_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A user's named search, optionally shared with the team.
pub mod saved_search {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_saved_searches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Uuid,
        pub name: String,
        /// The search's query string (the page's and the API's parameters).
        pub query: String,
        pub shared: bool,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One of a user's latest searches.
pub mod recent_search {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_recent_searches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Uuid,
        pub query: String,
        pub results: Option<i64>,
        pub searched_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
