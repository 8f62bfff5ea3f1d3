//! Data sources: one trait, three implementations — the Instagram Graph API (Instagram Login,
//! connected accounts), Apify's scrapers (public profiles), and the demo generator (every
//! username resolves, so every screen works on a fresh install with no keys). What they return
//! is normalised here; each value carries the source it came from.

pub mod apify;
pub mod demo;
pub mod graph;
pub mod http;
pub mod username;

pub use username::Username;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Where a figure came from. Shown next to every number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Instagram's Graph API (Instagram Login).
    Graph,
    /// Apify's Instagram scrapers.
    Apify,
    /// The demo generator: plausible, made-up data, always labelled.
    Demo,
    /// Typed in by a person.
    Manual,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Graph, Source::Apify, Source::Demo, Source::Manual];

    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Graph => "graph",
            Source::Apify => "apify",
            Source::Demo => "demo",
            Source::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Source::Graph => "Instagram API",
            Source::Apify => "Apify",
            Source::Demo => "Demo data",
            Source::Manual => "Entered by hand",
        }
    }
}

/// A profile as a source reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedProfile {
    pub ig_user_id: Option<String>,
    pub username: String,
    pub full_name: Option<String>,
    pub biography: Option<String>,
    pub website: Option<String>,
    pub picture_url: Option<String>,
    pub followers_count: Option<i64>,
    pub follows_count: Option<i64>,
    pub media_count: Option<i64>,
    pub is_verified: Option<bool>,
    pub is_business: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaType {
    Image,
    Video,
    CarouselAlbum,
}

impl MediaType {
    pub fn as_str(&self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::CarouselAlbum => "CAROUSEL_ALBUM",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IMAGE" => Some(MediaType::Image),
            "VIDEO" => Some(MediaType::Video),
            "CAROUSEL_ALBUM" => Some(MediaType::CarouselAlbum),
            _ => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            MediaType::Image => "Image",
            MediaType::Video => "Video",
            MediaType::CarouselAlbum => "Carousel",
        }
    }
}

/// A post as a source reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedMedia {
    pub ig_media_id: String,
    pub shortcode: Option<String>,
    pub caption: Option<String>,
    pub media_type: MediaType,
    /// `FEED`, `REELS` or `STORY`.
    pub product_type: Option<String>,
    pub permalink: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub like_count: Option<i64>,
    pub comments_count: Option<i64>,
    pub view_count: Option<i64>,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
}

/// A page of media, newest first; `next` continues towards older media.
#[derive(Debug, Clone, Default)]
pub struct MediaPage {
    pub items: Vec<FetchedMedia>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedComment {
    pub ig_comment_id: String,
    pub username: Option<String>,
    pub text: String,
    pub like_count: Option<i64>,
    pub posted_at: Option<DateTime<Utc>>,
}

/// A post's private insights (Graph only; the demo source makes plausible ones).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInsights {
    pub ig_media_id: String,
    pub views: Option<i64>,
    pub reach: Option<i64>,
    pub saved: Option<i64>,
    pub shares: Option<i64>,
    pub total_interactions: Option<i64>,
}

/// An account's private insights of one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountInsightsDay {
    pub day: Option<NaiveDate>,
    pub views: Option<i64>,
    pub reach: Option<i64>,
    pub accounts_engaged: Option<i64>,
    pub follower_count: Option<i64>,
    /// Followers online per hour of the day (24 values), when known.
    pub online_followers: Option<Vec<i64>>,
}

/// A profile's public counts on one past day (only the demo generator has a past to tell:
/// real sources report the present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDay {
    pub day: NaiveDate,
    pub followers_count: Option<i64>,
    pub follows_count: Option<i64>,
    pub media_count: Option<i64>,
}

/// Who a request is about, and with which credential.
#[derive(Debug, Clone)]
pub struct Target {
    pub username: String,
    pub ig_user_id: Option<String>,
    /// A connected account's token (opened only for the call).
    pub access_token: Option<String>,
}

impl Target {
    pub fn username(username: &str) -> Self {
        Self {
            username: username.to_string(),
            ig_user_id: None,
            access_token: None,
        }
    }
}

/// What went wrong, in terms of what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The profile does not exist, is private, or is not a professional account.
    #[error("profile not found or not accessible: {0}")]
    NotFound(String),
    /// The token is invalid, expired or revoked: the account must be connected again.
    #[error("the Instagram connection must be renewed: {0}")]
    Reconnect(String),
    /// Rate-limited: wait at least this long.
    #[error("rate limited, retry in {retry_after_secs} s: {message}")]
    Throttled {
        retry_after_secs: u64,
        message: String,
    },
    /// Our request was wrong (a bad parameter): retrying will not help.
    #[error("the request was refused: {0}")]
    BadRequest(String),
    /// A passing failure (network, 5xx, timeout): try again later.
    #[error("the source is unavailable: {0}")]
    Unavailable(String),
    /// The source cannot provide this (e.g. insights without a token).
    #[error("not available from this source")]
    Unsupported,
    /// The source is not configured (no token set).
    #[error("{0}")]
    NotConfigured(String),
}

impl SourceError {
    /// Whether a later attempt may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            SourceError::Throttled { .. } | SourceError::Unavailable(_)
        )
    }
}

pub type SourceResult<T> = Result<T, SourceError>;

/// One data source. Implementations hold their HTTP client and endpoints; calls take what they
/// need per request (the target and its token).
#[async_trait::async_trait]
pub trait DataSource: Send + Sync {
    fn source(&self) -> Source;

    async fn profile(&self, target: &Target) -> SourceResult<FetchedProfile>;

    /// A page of media, newest first, at most `limit`; `after` continues a previous page.
    /// Refreshes page until they meet media already stored (incremental).
    async fn media(
        &self,
        target: &Target,
        after: Option<&str>,
        limit: usize,
    ) -> SourceResult<MediaPage>;

    async fn comments(&self, target: &Target, media_id: &str) -> SourceResult<Vec<FetchedComment>>;

    async fn media_insights(
        &self,
        target: &Target,
        media: &FetchedMedia,
    ) -> SourceResult<MediaInsights>;

    async fn account_insights(
        &self,
        target: &Target,
        days: u32,
    ) -> SourceResult<Vec<AccountInsightsDay>>;

    /// The public counts of each of the `days` days before today, oldest first, where the
    /// source knows them. A first refresh stores them, so a new profile's charts have a past;
    /// real sources know only the present (`Unsupported`).
    async fn history(&self, _target: &Target, _days: u32) -> SourceResult<Vec<ProfileDay>> {
        Err(SourceError::Unsupported)
    }
}

/// The source of a kind, configured from the running settings (keys, endpoints). The demo
/// source always exists; Apify needs a token; the Graph API needs a connected account's token
/// (given per call) and the Meta app for token exchange.
pub async fn for_state(
    state: &platform::AppState,
    source: Source,
) -> SourceResult<std::sync::Arc<dyn DataSource>> {
    match source {
        Source::Demo => Ok(std::sync::Arc::new(demo::DemoSource::new())),
        Source::Apify => {
            let token = state
                .settings
                .get(crate::settings::APIFY_TOKEN.name)
                .await
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    // Shown on customer pages as a refresh error: no setting names here.
                    SourceError::NotConfigured(
                        "No public data source is configured on this server; an administrator can set it up in the back office's system settings".into(),
                    )
                })?;
            Ok(std::sync::Arc::new(apify::ApifySource::new(
                http::client()?,
                &state.config.get(&crate::settings::APIFY_API_BASE),
                &token,
            )))
        }
        Source::Graph => Ok(std::sync::Arc::new(graph::GraphSource::new(
            http::client()?,
            &state.config.get(&crate::settings::INSTAGRAM_GRAPH_BASE),
        ))),
        Source::Manual => Err(SourceError::Unsupported),
    }
}

/// Whether real public data can be fetched (an Apify token is set). Without it, a username
/// that is not a demo username cannot be added or served: nothing is made up in its place
/// (see `service::profiles::pool_for_new`).
pub async fn live_public_data(state: &platform::AppState) -> bool {
    state
        .settings
        .get(crate::settings::APIFY_TOKEN.name)
        .await
        .is_some_and(|t| !t.trim().is_empty())
}
