//! Entities of the Instagram data layer. Public profiles, their snapshots, posts, post
//! snapshots and comments are a cache shared by every workspace (public data); connected
//! accounts, tracked profiles and the private insights belong to one workspace.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// A public Instagram profile as last fetched (any workspace may track it).
pub mod profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_profiles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `live` (real Instagram data) or `demo` (the generator's): the two never mix.
        pub pool: String,
        pub username: String,
        pub username_lower: String,
        pub ig_user_id: Option<String>,
        pub full_name: Option<String>,
        pub biography: Option<String>,
        pub website: Option<String>,
        /// The CDN URL as fetched; pages show it through the media proxy only.
        pub picture_url: Option<String>,
        pub followers_count: Option<i64>,
        pub follows_count: Option<i64>,
        pub media_count: Option<i64>,
        pub is_verified: Option<bool>,
        pub is_business: Option<bool>,
        /// `graph`, `apify`, `demo` or `manual`: where the figures above came from.
        pub source: String,
        pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
        /// The newest media id stored: the next refresh reads only newer media.
        pub media_cursor: Option<String>,
        pub last_refresh_at: Option<chrono::DateTime<chrono::Utc>>,
        pub last_refresh_error: Option<String>,
        pub next_refresh_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// An account a workspace connected (Instagram Login), added by hand, or added as demo.
pub mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Uuid,
        /// `instagram_login`, `manual` or `demo`.
        pub kind: String,
        /// The data source its refreshes use: `graph`, `apify`, `demo` or `manual`.
        pub source: String,
        /// `active`, `reconnect_needed` or `paused`.
        pub status: String,
        pub ig_user_id: Option<String>,
        /// Sealed with the platform key (purpose `ig_token`); never leaves the server.
        pub access_token: Option<String>,
        pub token_expires_at: Option<chrono::DateTime<chrono::Utc>>,
        pub token_refreshed_at: Option<chrono::DateTime<chrono::Utc>>,
        pub scopes: Option<String>,
        pub last_refresh_at: Option<chrono::DateTime<chrono::Utc>>,
        pub last_refresh_error: Option<String>,
        pub created_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A public profile a workspace follows (competitors, creators).
pub mod tracked {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_tracked_profiles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub profile_id: Uuid,
        pub note: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A counter the database raises whenever a profile's posts or daily snapshots change
/// (migration `m20261206_000026_ig_profile_versions`): figures read at one version are
/// still right while it holds.
pub mod profile_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_profile_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub profile_id: Uuid,
        pub version: i64,
    }

    no_relations!();
}

/// A profile's public counts on one day.
pub mod profile_snapshot {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_profile_snapshots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub profile_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub followers_count: Option<i64>,
        pub follows_count: Option<i64>,
        pub media_count: Option<i64>,
        pub source: String,
        pub fetched_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

pub mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub profile_id: Uuid,
        /// Instagram's media id (or the demo generator's).
        pub ig_media_id: String,
        pub shortcode: Option<String>,
        pub caption: Option<String>,
        /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
        pub media_type: String,
        /// `FEED`, `REELS` or `STORY`.
        pub product_type: Option<String>,
        pub permalink: Option<String>,
        pub posted_at: chrono::DateTime<chrono::Utc>,
        pub like_count: Option<i64>,
        pub comments_count: Option<i64>,
        pub view_count: Option<i64>,
        /// CDN URLs as fetched; shown through the media proxy only.
        pub media_url: Option<String>,
        pub thumbnail_url: Option<String>,
        pub source: String,
        pub fetched_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A profile's posts of one UTC day, media type and source, summed. Kept by the database
/// itself (triggers on `ig_posts`, migration `m20261205_000025_ig_post_days`): read it, never
/// write it.
pub mod post_day {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_post_days")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub profile_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        #[sea_orm(primary_key, auto_increment = false)]
        pub media_type: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub source: String,
        /// Every post of the group.
        pub posts: i64,
        /// The posts with known likes or comments.
        pub rated: i64,
        /// Likes + comments (unknown counted as none).
        pub interactions: i64,
        /// The most likes + comments of one post of the group.
        pub top_interactions: Option<i64>,
        /// The newest fetch of the group's posts.
        pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

/// A post's public counts on one day (how a post grows).
pub mod post_snapshot {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_post_snapshots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub like_count: Option<i64>,
        pub comments_count: Option<i64>,
        pub view_count: Option<i64>,
        pub source: String,
    }

    no_relations!();
}

/// A post's private insights as its connected account reads them (one workspace only).
pub mod post_insight {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_post_insights")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub views: Option<i64>,
        pub reach: Option<i64>,
        pub saved: Option<i64>,
        pub shares: Option<i64>,
        pub total_interactions: Option<i64>,
        pub source: String,
        pub fetched_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// An account's private insights of one day.
pub mod account_insight {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_account_insights")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub views: Option<i64>,
        pub reach: Option<i64>,
        pub accounts_engaged: Option<i64>,
        /// New followers that day.
        pub follower_count: Option<i64>,
        /// Followers online by hour (0–23), as the source gives them.
        pub online_followers: Option<Json>,
        pub source: String,
        pub fetched_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

pub mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub post_id: Uuid,
        pub ig_comment_id: String,
        pub username: Option<String>,
        pub text: String,
        pub like_count: Option<i64>,
        pub posted_at: Option<chrono::DateTime<chrono::Utc>>,
        pub source: String,
        pub fetched_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A remote image the media proxy serves as `/media/{id}` (the CDN URL never leaves).
pub mod media_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_media_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// SHA-256 of the source URL without its query (CDN signatures change).
        pub url_hash: String,
        pub source_url: String,
        pub content_type: Option<String>,
        pub bytes: Option<i64>,
        /// `pending`, `stored` or `failed`.
        pub status: String,
        pub error: Option<String>,
        /// The last fetch attempt (successful or not).
        pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        /// SHA-256 of the stored image (hex): its ETag and its name in the disk cache.
        pub sha256: Option<String>,
        /// How the last fetch failed: `refused` (policy), `gone` (the source answered 403, 404
        /// or 410) or `upstream` (network, timeout, other status).
        pub failure: Option<String>,
        /// A failed fetch is not tried again before this time.
        pub retry_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

/// A "connect with Instagram" in progress: the hash of its `state`, bound to the person and
/// workspace that started it; deleted when used, worthless after `expires_at`.
pub mod oauth_state {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ig_oauth_states")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub state_hash: String,
        pub user_id: Uuid,
        pub workspace_id: Uuid,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub expires_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// A client of the public social-data API (staff-managed; see `social::clients`).
pub mod api_client {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_clients")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        /// `free`, `starter`, `pro` or `enterprise` (`social::tiers`).
        pub tier: String,
        /// Overrides of the tier's figures for this client (`None`: the tier's).
        pub requests_per_minute: Option<i64>,
        pub requests_per_month: Option<i64>,
        /// Comma-separated endpoints (`profile,posts`) overriding the tier's.
        pub endpoints: Option<String>,
        /// `active` or `revoked` (every key stops).
        pub status: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
        pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

/// A key of an API client: only its SHA-256 hash is kept (the key is shown once).
pub mod api_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub client_id: Uuid,
        /// The first characters (`gdk_` + 8), to tell keys apart in lists.
        pub prefix: String,
        pub key_hash: String,
        pub created_at: chrono::DateTime<chrono::Utc>,
        /// Set when a newer key replaced this one: it keeps working until then (the overlap).
        pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
        pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
        pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

/// Requests a key made on one UTC day.
pub mod api_usage {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_usage")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: chrono::NaiveDate,
        pub client_id: Uuid,
        pub requests: i64,
    }

    no_relations!();
}
