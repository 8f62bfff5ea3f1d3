//! Discovery's tables (migration `m20261206_000036_discovery_index`).

/// A public profile as search sees it: figures computed by the indexer from the Instagram
/// data layer and post analysis. Derived data: rebuilt, never edited.
pub mod creator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_creators")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub profile_id: Uuid,
        /// `live` or `demo` (the profile's pool): searches never mix them.
        pub pool: String,
        pub username: String,
        pub username_lower: String,
        pub full_name: Option<String>,
        pub bio: Option<String>,
        /// Recent captions, for keyword search only (never shown from here).
        pub captions: String,
        pub picture_url: Option<String>,
        pub followers: i64,
        pub following: Option<i64>,
        pub media_count: Option<i64>,
        /// Mean (likes + comments) per post over followers, in percent, of the posts counted.
        pub engagement_rate: Option<f64>,
        /// Follower change in percent over 30 / 90 days, from daily snapshots.
        pub growth_30d: Option<f64>,
        pub growth_90d: Option<f64>,
        /// The most frequent category of the analysed posts.
        pub category: Option<String>,
        /// `{category: share}` of the analysed posts (shares sum to 1).
        pub categories: Json,
        pub language: Option<String>,
        pub location: Option<String>,
        pub is_verified: bool,
        pub is_business: bool,
        pub has_email: bool,
        /// A contact email found in the bio: served only after an email unlock.
        pub email: Option<String>,
        pub last_post_at: Option<chrono::DateTime<chrono::Utc>>,
        pub posts_counted: i32,
        /// `graph`, `apify`, `demo` or `manual`: the profile's source.
        pub source: String,
        pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
        pub indexed_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A hashtag a creator used in the posts counted, with how often.
pub mod creator_hashtag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disc_creator_hashtags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub creator_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
        pub uses: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod campaigns;
pub mod lists;
pub mod proposals;
pub mod unlocks;
