//! Discovery's favourites and lists (migration `m20261206_000038_discovery_lists`). Every row
//! carries `workspace_id`; reach them only through `service::lists`, which filters by the
//! caller's workspace.

/// A creator a person starred, in one workspace.
pub mod favourite {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_favourites")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Uuid,
        pub profile_id: Uuid,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A team's list of creators.
pub mod list {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_lists")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub name_lower: String,
        pub description: String,
        /// `workspace` (every member reads it) or `private`.
        pub visibility: String,
        /// The tags its entries are meant to use: a JSON array of strings.
        pub tag_scheme: Json,
        /// Who created it: it manages the list.
        pub owner_id: Uuid,
        pub entry_count: i32,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A creator on a list, with the team's note and tags.
pub mod entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_list_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub list_id: Uuid,
        pub profile_id: Uuid,
        pub note: String,
        /// A JSON array of strings.
        pub tags: Json,
        pub added_by: Option<Uuid>,
        pub added_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member given `view` or `edit` on one list.
pub mod collaborator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_list_collaborators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub list_id: Uuid,
        pub user_id: Uuid,
        /// `view` or `edit`.
        pub access: String,
        pub added_by: Option<Uuid>,
        pub added_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One line of a list's activity log.
pub mod activity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_list_activity")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub list_id: Uuid,
        pub actor_id: Option<Uuid>,
        /// The actor's name when it happened.
        pub actor_label: String,
        /// `created`, `renamed`, `described`, `added`, `removed`, `noted`, `tagged`,
        /// `shared`, `unshared`, `visibility`, `templated`.
        pub action: String,
        /// What, in words ("@vegan.chef", "“Summer” → “Summer 2027”").
        pub detail: String,
        pub at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A saved starting point for new lists: a description and a tag scheme, no creators.
pub mod template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_list_templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub name_lower: String,
        pub description: String,
        /// A JSON array of strings.
        pub tag_scheme: Json,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
