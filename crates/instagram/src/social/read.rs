//! The read path of the public API: a demo username (`demo.…`) resolves in the demo pool
//! (generated data, `source: demo`); any other username in the live pool, which needs a live
//! public source — without one the answer is 503 `source-not-configured`, never made-up data
//! under a real name. A profile never fetched is fetched before answering (bounded wait);
//! after that, answers come from the cache, and an entry past its freshness is served while one
//! background refresh per profile brings it up to date. A username the live source does not
//! know is remembered for a few minutes, so probing does not become a source call per request.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, atomic::Ordering},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use platform::{AppState, Error, Result};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    RedisLink, Stats,
    cache::{Entry, Kind, Layer, Outcome},
};
use crate::{
    media::{self, MediaPaths},
    model::{post, profile},
    service::{
        profiles::{self, Pool},
        refresh::{self, RefreshError},
    },
    source::{self, SourceError, Username},
};

/// What an API client is told when a real username is asked for and no live source exists.
const NO_LIVE_SOURCE: &str = "No live Instagram data source is configured on this server, so \
    only demo usernames (starting with `demo.` or `demo_`) resolve; their data is generated and \
    labelled `source: demo`.";

/// Posts per page (the profile answer carries the first page: the latest 12).
pub const PAGE: u64 = 12;

/// A profile as the API shows it. Image URLs are paths of our media proxy (`/media/{id}`):
/// Instagram's CDN URLs expire and are never handed out.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfileView {
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
    /// `apify`, `graph` or `demo`.
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A post as the API shows it (media URLs: see [`ProfileView`]).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostView {
    /// Instagram's media id.
    pub id: String,
    pub shortcode: Option<String>,
    pub permalink: Option<String>,
    pub caption: Option<String>,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: String,
    pub product_type: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub like_count: Option<i64>,
    pub comments_count: Option<i64>,
    pub view_count: Option<i64>,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostsPage {
    /// The profile's source (also when the page is empty).
    pub source: String,
    pub items: Vec<PostView>,
    pub next_cursor: Option<String>,
}

/// How an answer was served, for the `X-Cache` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Stale,
    Miss,
}

impl CacheStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            CacheStatus::Hit => "HIT",
            CacheStatus::Stale => "STALE",
            CacheStatus::Miss => "MISS",
        }
    }

    /// Two lookups make one answer: the worse decides.
    pub fn and(self, other: CacheStatus) -> CacheStatus {
        match (self, other) {
            (CacheStatus::Miss, _) | (_, CacheStatus::Miss) => CacheStatus::Miss,
            (CacheStatus::Stale, _) | (_, CacheStatus::Stale) => CacheStatus::Stale,
            _ => CacheStatus::Hit,
        }
    }
}

/// Why a fetch did not produce data, shareable between everyone waiting for it.
#[derive(Debug, Clone)]
enum FetchFailure {
    NotFound,
    Unavailable(String, u64),
    Internal(String),
}

impl From<FetchFailure> for Error {
    fn from(f: FetchFailure) -> Self {
        match f {
            FetchFailure::NotFound => Error::NotFound,
            FetchFailure::Unavailable(message, retry_after_secs) => Error::Unavailable {
                message,
                retry_after_secs,
            },
            FetchFailure::Internal(e) => Error::internal(e),
        }
    }
}

type Fetch = Shared<BoxFuture<'static, std::result::Result<(), FetchFailure>>>;

/// A profile answer as sent, with the two cache entries it was made from: it is reused while
/// both are still the entries in the cache (a refresh replaces an entry, so a new answer is
/// made from the new one).
struct Rendered {
    profile: Arc<Entry<ProfileView>>,
    posts: Arc<Entry<PostsPage>>,
    body: axum::body::Bytes,
}

/// Serialized profile answers by cache key, bounded by their total size (cleared when over).
#[derive(Default)]
struct RenderedAnswers {
    by_key: HashMap<String, Arc<Rendered>>,
    bytes: usize,
}

/// The read side of the runtime: caches plus the fetches under way.
pub struct Reader {
    state: AppState,
    stats: Arc<Stats>,
    profiles: Layer<ProfileView>,
    posts: Layer<PostsPage>,
    /// One fetch per profile at a time; later callers wait for the same one.
    fetching: Arc<Mutex<HashMap<Uuid, Fetch>>>,
    /// Cache keys whose stale entry is being rebuilt.
    revalidating: Mutex<HashSet<String>>,
    /// Profiles whose last background fetch failed: not tried again for a while.
    backoff: moka::future::Cache<Uuid, ()>,
    /// `pool:username` the live source does not know.
    missing: moka::future::Cache<String, ()>,
    /// Profile answers already serialized (most requests are for a few profiles).
    rendered: std::sync::RwLock<RenderedAnswers>,
    rendered_max_bytes: usize,
    /// How long a cached profile and a cached page of posts are fresh (read from the
    /// configuration once: it does not change while the process runs).
    profile_ttl: chrono::Duration,
    posts_ttl: chrono::Duration,
}

fn seconds(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(secs.min(i64::MAX as u64) as i64)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Reader {
    pub fn new(state: AppState, redis: Option<Arc<RedisLink>>, stats: Arc<Stats>) -> Self {
        // Profiles are small and pages of posts large: a quarter of the bound for profiles.
        let bytes = state.config.get(&crate::settings::SOCIAL_CACHE_MB).max(1) * 1024 * 1024;
        let profile_ttl = seconds(state.config.get(&crate::settings::SOCIAL_PROFILE_TTL_SECS));
        let posts_ttl = seconds(state.config.get(&crate::settings::SOCIAL_POSTS_TTL_SECS));
        Self {
            profile_ttl,
            posts_ttl,
            profiles: Layer::new(Kind::Profile, bytes / 4, redis.clone()),
            posts: Layer::new(Kind::Posts, bytes - bytes / 4, redis),
            state,
            stats,
            fetching: Arc::default(),
            revalidating: Mutex::default(),
            backoff: moka::future::Cache::builder()
                .time_to_live(Duration::from_secs(300))
                .max_capacity(100_000)
                .build(),
            missing: moka::future::Cache::builder()
                .time_to_live(Duration::from_secs(600))
                .max_capacity(100_000)
                .build(),
            rendered: std::sync::RwLock::default(),
            rendered_max_bytes: usize::try_from(bytes / 4).unwrap_or(usize::MAX),
        }
    }

    fn ttl(&self, kind: Kind) -> chrono::Duration {
        match kind {
            Kind::Profile => self.profile_ttl,
            Kind::Posts => self.posts_ttl,
        }
    }

    /// The pool a username resolves in now: the demo pool for a demo username, the live pool
    /// when a live source is configured, else none (503 `source-not-configured`).
    pub async fn pool(&self, username: &Username) -> Result<Pool> {
        if username.is_demo() {
            return Ok(Pool::Demo);
        }
        if source::live_public_data(&self.state).await {
            Ok(Pool::Live)
        } else {
            Err(Error::NotConfigured {
                code: profiles::SOURCE_NOT_CONFIGURED,
                message: NO_LIVE_SOURCE.into(),
            })
        }
    }

    fn count(&self, kind: Kind, outcome: Outcome, stale: bool) -> CacheStatus {
        let kind = kind.as_str();
        match outcome {
            Outcome::Built => {
                self.stats.misses.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("social_cache_misses_total", "kind" => kind).increment(1);
                CacheStatus::Miss
            }
            Outcome::Memory | Outcome::Redis => {
                let layer = if outcome == Outcome::Memory {
                    "memory"
                } else {
                    "redis"
                };
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("social_cache_hits_total", "kind" => kind, "layer" => layer)
                    .increment(1);
                if stale {
                    self.stats.stale.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("social_cache_stale_total", "kind" => kind).increment(1);
                    CacheStatus::Stale
                } else {
                    CacheStatus::Hit
                }
            }
        }
    }

    /// A username's profile.
    pub async fn profile(
        self: &Arc<Self>,
        username: &str,
    ) -> Result<(Arc<Entry<ProfileView>>, CacheStatus)> {
        let username = Username::parse(username)?;
        let pool = self.pool(&username).await?;
        let username = username.as_str().to_string();
        let key = format!("{}:{username}", pool.as_str());
        let (entry, outcome) = self
            .profiles
            .get_or_build(&key, || self.build_profile(pool, &username))
            .await?;
        let stale = !entry.is_fresh(Utc::now());
        let status = self.count(Kind::Profile, outcome, stale);
        if stale {
            self.revalidate(Kind::Profile, key, pool, username, None);
        }
        Ok((entry, status))
    }

    /// A username's profile with its first page of posts as the API answers it: serialized by
    /// `render` once per pair of cache entries, then sent as those bytes.
    pub async fn profile_answer(
        self: &Arc<Self>,
        username: &str,
        render: impl FnOnce(&ProfileView, &PostsPage) -> Result<Vec<u8>>,
    ) -> Result<(axum::body::Bytes, CacheStatus)> {
        let (profile, a) = self.profile(username).await?;
        let (posts, b) = self.posts(username, None).await?;
        let key = format!("{}:{}", profile.value.source, profile.value.username);
        let cached = self
            .rendered
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .by_key
            .get(&key)
            .cloned();
        if let Some(r) = cached
            && Arc::ptr_eq(&r.profile, &profile)
            && Arc::ptr_eq(&r.posts, &posts)
        {
            return Ok((r.body.clone(), a.and(b)));
        }
        let body = axum::body::Bytes::from(render(&profile.value, &posts.value)?);
        let mut rendered = self
            .rendered
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if rendered.bytes + body.len() > self.rendered_max_bytes {
            *rendered = RenderedAnswers::default();
        }
        rendered.bytes += body.len();
        if let Some(old) = rendered.by_key.insert(
            key,
            Arc::new(Rendered {
                profile,
                posts,
                body: body.clone(),
            }),
        ) {
            rendered.bytes = rendered.bytes.saturating_sub(old.body.len());
        }
        Ok((body, a.and(b)))
    }

    /// A page of a username's posts, newest first; `cursor` continues a previous page.
    pub async fn posts(
        self: &Arc<Self>,
        username: &str,
        cursor: Option<&str>,
    ) -> Result<(Arc<Entry<PostsPage>>, CacheStatus)> {
        let username = Username::parse(username)?;
        let after = cursor.map(decode_cursor).transpose()?;
        let pool = self.pool(&username).await?;
        let username = username.as_str().to_string();
        let key = format!("{}:{username}:{}", pool.as_str(), cursor.unwrap_or("-"));
        let (entry, outcome) = self
            .posts
            .get_or_build(&key, || self.build_posts(pool, &username, after))
            .await?;
        let stale = !entry.is_fresh(Utc::now());
        let status = self.count(Kind::Posts, outcome, stale);
        if stale {
            self.revalidate(Kind::Posts, key, pool, username, after);
        }
        Ok((entry, status))
    }

    /// The profile row, fetched from its source first if it never was.
    async fn fetched_row(&self, pool: Pool, username: &str) -> Result<profile::Model> {
        let db = &self.state.db;
        if let Some(row) = profiles::by_username(db, pool, username).await?
            && row.fetched_at.is_some()
        {
            return Ok(row);
        }
        let missing_key = format!("{}:{username}", pool.as_str());
        if self.missing.contains_key(&missing_key) {
            return Err(Error::NotFound);
        }
        let row = profiles::find_or_create(db, pool, username).await?;
        let wait = Duration::from_secs(
            self.state
                .config
                .get(&crate::settings::SOCIAL_FETCH_TIMEOUT_SECS)
                .max(1),
        );
        match tokio::time::timeout(wait, self.fetch(row.id, row.fetched_at)).await {
            Ok(Ok(())) => {}
            Ok(Err(FetchFailure::NotFound)) => {
                self.missing.insert(missing_key, ()).await;
                return Err(Error::NotFound);
            }
            Ok(Err(other)) => return Err(other.into()),
            Err(_) => {
                return Err(Error::Unavailable {
                    message: format!("@{username} is being fetched; ask again in a few seconds"),
                    retry_after_secs: 5,
                });
            }
        }
        let row = profiles::get(db, row.id).await?;
        if row.fetched_at.is_none() {
            return Err(Error::NotFound);
        }
        Ok(row)
    }

    async fn build_profile(
        &self,
        pool: Pool,
        username: &str,
    ) -> Result<(ProfileView, DateTime<Utc>)> {
        let row = self.fetched_row(pool, username).await?;
        let fresh_until = row.fetched_at.unwrap_or_else(Utc::now) + self.ttl(Kind::Profile);
        let media = media::proxied_all(
            &self.state.db,
            &self.state.config,
            row.picture_url.as_deref(),
        )
        .await?;
        Ok((profile_view(&row, &media), fresh_until))
    }

    async fn build_posts(
        &self,
        pool: Pool,
        username: &str,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(PostsPage, DateTime<Utc>)> {
        let row = self.fetched_row(pool, username).await?;
        // A page is as fresh as the profile's last fetch, which read its media too.
        let fresh_until = row.fetched_at.unwrap_or_else(Utc::now) + self.ttl(Kind::Posts);
        let mut select = post::Entity::find()
            .filter(post::Column::ProfileId.eq(row.id))
            .order_by_desc(post::Column::PostedAt)
            .order_by_desc(post::Column::Id)
            .limit(PAGE + 1);
        if let Some((at, id)) = after {
            select = select.filter(
                Condition::any().add(post::Column::PostedAt.lt(at)).add(
                    Condition::all()
                        .add(post::Column::PostedAt.eq(at))
                        .add(post::Column::Id.lt(id)),
                ),
            );
        }
        let mut rows = select.all(&self.state.db).await?;
        let media = media::proxied_all(
            &self.state.db,
            &self.state.config,
            rows.iter().flat_map(|p| {
                [
                    p.thumbnail_url.as_deref(),
                    (p.media_type != "VIDEO")
                        .then_some(p.media_url.as_deref())
                        .flatten(),
                ]
                .into_iter()
                .flatten()
            }),
        )
        .await?;
        let next_cursor = if rows.len() as u64 > PAGE {
            rows.truncate(PAGE as usize);
            rows.last().map(|p| encode_cursor(p.posted_at, p.id))
        } else {
            None
        };
        Ok((
            PostsPage {
                source: row.source.clone(),
                items: rows.iter().map(|p| post_view(p, &media)).collect(),
                next_cursor,
            },
            fresh_until,
        ))
    }

    /// The profile's fetch from its source: started now, or the one already under way. It runs
    /// in its own task, so it completes even when every caller stopped waiting; it does
    /// nothing when the profile was fetched since the caller saw it at `seen`.
    fn fetch(&self, profile_id: Uuid, seen: Option<DateTime<Utc>>) -> Fetch {
        let mut fetching = lock(&self.fetching);
        if let Some(running) = fetching.get(&profile_id) {
            return running.clone();
        }
        let state = self.state.clone();
        let stats = self.stats.clone();
        let map = self.fetching.clone();
        let task = tokio::spawn(async move {
            match profiles::get(&state.db, profile_id).await {
                Ok(row) if row.fetched_at.is_some() && row.fetched_at != seen => {
                    lock(&map).remove(&profile_id);
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => {
                    lock(&map).remove(&profile_id);
                    return Err(FetchFailure::Internal(e.to_string()));
                }
            }
            let result = refresh::refresh_profile(&state, profile_id, |_, _| {}).await;
            lock(&map).remove(&profile_id);
            stats.refreshes.fetch_add(1, Ordering::Relaxed);
            let outcome = if result.is_ok() { "ok" } else { "failed" };
            metrics::counter!("social_source_refreshes_total", "outcome" => outcome).increment(1);
            result.map(|_| ()).map_err(|e| {
                stats.refresh_failures.fetch_add(1, Ordering::Relaxed);
                failure(e)
            })
        });
        let shared = async move {
            task.await
                .unwrap_or_else(|e| Err(FetchFailure::Internal(e.to_string())))
        }
        .boxed()
        .shared();
        fetching.insert(profile_id, shared.clone());
        shared
    }

    /// Rebuilds a stale entry in the background (one rebuild per entry at a time): the source
    /// is asked again only when the stored data itself is past the TTL — another node or the
    /// scheduled refresh may have fetched it meanwhile.
    fn revalidate(
        self: &Arc<Self>,
        kind: Kind,
        key: String,
        pool: Pool,
        username: String,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) {
        if !lock(&self.revalidating).insert(key.clone()) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.rebuild(kind, &key, pool, &username, after).await {
                tracing::warn!(error = %e, kind = kind.as_str(), "social cache entry not refreshed");
            }
            lock(&this.revalidating).remove(&key);
        });
    }

    async fn rebuild(
        &self,
        kind: Kind,
        key: &str,
        pool: Pool,
        username: &str,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<()> {
        let Some(row) = profiles::by_username(&self.state.db, pool, username).await? else {
            return Ok(());
        };
        let old = row
            .fetched_at
            .is_none_or(|at| at + self.ttl(kind) <= Utc::now());
        if old
            && !self.backoff.contains_key(&row.id)
            && let Err(e) = self.fetch(row.id, row.fetched_at).await
        {
            self.backoff.insert(row.id, ()).await;
            return Err(e.into());
        }
        match kind {
            Kind::Profile => {
                let (view, fresh_until) = self.build_profile(pool, username).await?;
                self.profiles.put(key, view, fresh_until).await;
            }
            Kind::Posts => {
                let (page, fresh_until) = self.build_posts(pool, username, after).await?;
                self.posts.put(key, page, fresh_until).await;
            }
        }
        Ok(())
    }
}

fn failure(e: RefreshError) -> FetchFailure {
    match e {
        RefreshError::Source(SourceError::NotFound(_) | SourceError::BadRequest(_)) => {
            FetchFailure::NotFound
        }
        RefreshError::Source(SourceError::Throttled {
            retry_after_secs, ..
        }) => FetchFailure::Unavailable(
            "The data source is rate-limited; ask again later".into(),
            retry_after_secs.max(1),
        ),
        RefreshError::Source(other) => {
            FetchFailure::Unavailable(format!("The data source cannot answer now: {other}"), 60)
        }
        RefreshError::Platform(e) => FetchFailure::Internal(e.to_string()),
    }
}

fn profile_view(p: &profile::Model, media: &MediaPaths) -> ProfileView {
    ProfileView {
        username: p.username.clone(),
        full_name: p.full_name.clone(),
        biography: p.biography.clone(),
        website: p.website.clone(),
        // Through the media proxy: the CDN URL (`p.picture_url`) is never handed out.
        picture_url: media.get(p.picture_url.as_deref()),
        followers_count: p.followers_count,
        follows_count: p.follows_count,
        media_count: p.media_count,
        is_verified: p.is_verified,
        is_business: p.is_business,
        source: p.source.clone(),
        fetched_at: p.fetched_at,
    }
}

fn post_view(p: &post::Model, media: &MediaPaths) -> PostView {
    PostView {
        id: p.ig_media_id.clone(),
        shortcode: p.shortcode.clone(),
        // A demo post has no page on instagram.com (rows stored before that rule may say so).
        permalink: p.permalink.clone().filter(|_| p.source != "demo"),
        caption: p.caption.clone(),
        media_type: p.media_type.clone(),
        product_type: p.product_type.clone(),
        posted_at: p.posted_at,
        like_count: p.like_count,
        comments_count: p.comments_count,
        view_count: p.view_count,
        // As for the profile picture: proxied paths only. Videos are not proxied (images only).
        media_url: (p.media_type != "VIDEO")
            .then(|| media.get(p.media_url.as_deref()))
            .flatten(),
        thumbnail_url: media.get(p.thumbnail_url.as_deref()),
        source: p.source.clone(),
        fetched_at: p.fetched_at,
    }
}

/// The opaque cursor: the last post's time (µs) and id, base64url.
fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", at.timestamp_micros(), id.simple()))
}

fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid)> {
    let bad = || Error::validation("cursor", "This cursor is not one we handed out");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (micros, id) = text.split_once('.').ok_or_else(bad)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let at = platform::db::now();
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(at, id)).ok(), Some((at, id)));
        assert!(decode_cursor("not-a-cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("12.zz")).is_err());
    }
}
