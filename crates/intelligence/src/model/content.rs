//! The content engine's tables (migration `m20261206_000033_intel_content`).

/// An own account's brand voice.
pub mod brand_voice {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_brand_voices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub tone: String,
        pub words_use: String,
        pub words_avoid: String,
        /// `none`, `few`, `many`.
        pub emoji_policy: String,
        /// A language code; empty: the account's main language.
        pub language: String,
        pub updated_by: Option<Uuid>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A kept caption, hashtag set, week of post ideas or bio.
pub mod content_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_content_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub kind: String,
        pub title: String,
        pub body: String,
        pub ai_generation_id: Option<Uuid>,
        pub ai_written: bool,
        pub edited: bool,
        pub calendar_item_id: Option<Uuid>,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}
