//! The media proxy's records and its serving path. [`proxied_all`] turns CDN URLs into
//! `/media/{id}` paths (one row per URL without its query: CDN signatures change, the image
//! does not); [`serve`] answers a path from the disk cache, fetching the image the first time
//! (once per process, however many requests arrive together) and remembering a failure for
//! [`RETRY_FAILED_AFTER`].

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use chrono::{DateTime, Duration, Utc};
use platform::{AppState, Config, Error, Result, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Unchanged,
};
use sha2::{Digest, Sha256};
use url::Url;
use uuid::Uuid;

use super::{
    disk::DiskCache,
    fetch::{self, FetchError, Fetched, SystemResolver},
    policy::Policy,
};
use crate::{model::media_file, source::demo::picture::Picture};

pub const PENDING: &str = "pending";
pub const STORED: &str = "stored";
pub const FAILED: &str = "failed";
/// A failed fetch is answered from memory until then (a profile refresh bringing a new URL
/// clears it sooner).
pub const RETRY_FAILED_AFTER: Duration = Duration::minutes(10);
/// The whole fetch, redirects included; it runs on its own task, so a request that gives up
/// earlier (the request timeout) does not cut it short.
const FETCH_DEADLINE: std::time::Duration = std::time::Duration::from_secs(25);
/// Rows looked up per query (bind parameter limits).
const LOOKUP_CHUNK: usize = 500;

/// The key of a source URL: SHA-256 of it without query and fragment.
pub fn url_key(url: &Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    hex::encode(Sha256::digest(bare.as_str().as_bytes()))
}

pub fn path_of(id: Uuid) -> String {
    format!("/media/{id}")
}

/// Source URL → `/media/{id}`, for the URLs that may ever be fetched.
#[derive(Debug, Clone, Default)]
pub struct MediaPaths(HashMap<String, String>);

impl MediaPaths {
    /// The proxied path of a source URL; `None` for no URL or one that can never be fetched.
    pub fn get(&self, source_url: Option<&str>) -> Option<String> {
        source_url.and_then(|u| self.0.get(u).cloned())
    }
}

/// Registers one remote image; see [`proxied_all`].
pub async fn proxied(
    db: &impl ConnectionTrait,
    config: &Config,
    source_url: &str,
) -> Result<Option<String>> {
    Ok(proxied_all(db, config, [source_url])
        .await?
        .get(Some(source_url)))
}

/// Registers remote images and returns their `/media/{id}` paths. A URL that could never pass
/// the fetcher's checks (not http(s), host not on the allow-list) gets none; a demo picture's
/// `demo:` URL gets one, and is drawn rather than fetched. The newest full
/// URL of an image is kept (its signature is the one that still works); a new URL also lifts a
/// remembered failure, so the next request tries it.
pub async fn proxied_all<'a>(
    db: &impl ConnectionTrait,
    config: &Config,
    source_urls: impl IntoIterator<Item = &'a str>,
) -> Result<MediaPaths> {
    let policy = Policy::from_config(config);
    let mut by_key: HashMap<String, Vec<&'a str>> = HashMap::new();
    for raw in source_urls {
        let Ok(url) = Url::parse(raw) else {
            continue;
        };
        if policy.check_url(&url).is_ok() || Picture::from_url(&url).is_some() {
            let urls = by_key.entry(url_key(&url)).or_default();
            if !urls.contains(&raw) {
                urls.push(raw);
            }
        }
    }
    if by_key.is_empty() {
        return Ok(MediaPaths::default());
    }
    let keys: Vec<String> = by_key.keys().cloned().collect();
    let mut rows = find_by_keys(db, &keys).await?;
    let missing: Vec<&String> = keys.iter().filter(|k| !rows.contains_key(*k)).collect();
    if !missing.is_empty() {
        let at = now();
        let new_rows = missing.iter().filter_map(|key| {
            let url = by_key.get(*key)?.last()?;
            Some(media_file::ActiveModel {
                id: Set(Uuid::now_v7()),
                url_hash: Set((*key).clone()),
                source_url: Set((*url).to_string()),
                content_type: Set(None),
                bytes: Set(None),
                status: Set(PENDING.into()),
                error: Set(None),
                fetched_at: Set(None),
                created_at: Set(at),
                sha256: Set(None),
                failure: Set(None),
                retry_at: Set(None),
            })
        });
        // Another request may register the same image meanwhile: its row wins, we read it back.
        media_file::Entity::insert_many(new_rows)
            .on_conflict_do_nothing_on([media_file::Column::UrlHash])
            .exec_without_returning(db)
            .await?;
        let missing: Vec<String> = missing.into_iter().cloned().collect();
        rows.extend(find_by_keys(db, &missing).await?);
    }
    let mut paths = HashMap::new();
    for (key, urls) in by_key {
        let Some(row) = rows.get(&key) else {
            continue;
        };
        if let Some(newest) = urls.last()
            && row.source_url != *newest
        {
            renew_url(db, row, newest).await?;
        }
        for url in urls {
            paths.insert(url.to_string(), path_of(row.id));
        }
    }
    Ok(MediaPaths(paths))
}

async fn find_by_keys(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, media_file::Model>> {
    let mut rows = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        for row in media_file::Entity::find()
            .filter(media_file::Column::UrlHash.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            rows.insert(row.url_hash.clone(), row);
        }
    }
    Ok(rows)
}

async fn renew_url(db: &impl ConnectionTrait, row: &media_file::Model, url: &str) -> Result<()> {
    let mut active = media_file::ActiveModel {
        id: Unchanged(row.id),
        source_url: Set(url.to_string()),
        ..Default::default()
    };
    if row.status == FAILED {
        active.status = Set(PENDING.into());
        active.retry_at = Set(None);
    }
    active.update(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<media_file::Model>> {
    Ok(media_file::Entity::find_by_id(id).one(db).await?)
}

/// Per-router state of the proxy: the disk cache (created on first use, from the config) and
/// the fetches in flight.
#[derive(Default)]
pub struct Proxy {
    cache: OnceLock<DiskCache>,
    inflight: std::sync::Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
}

impl Proxy {
    fn cache(&self, config: &Config) -> &DiskCache {
        self.cache.get_or_init(|| {
            DiskCache::new(
                config.data_dir.join("media"),
                config.get(&crate::settings::MEDIA_CACHE_MAX_BYTES),
            )
        })
    }

    fn gate(&self, id: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        // A poisoned map is still a correct map: each entry is inserted or removed whole.
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        inflight.entry(id).or_default().clone()
    }

    fn release(&self, id: Uuid, gate: &Arc<tokio::sync::Mutex<()>>) {
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if inflight.get(&id).is_some_and(|g| Arc::ptr_eq(g, gate)) {
            inflight.remove(&id);
        }
    }
}

/// Why an image is not available now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The source no longer has it (404 to the client).
    Gone,
    /// Refused or failed; tried again at `retry_at` (502 to the client).
    Failed { retry_at: DateTime<Utc> },
}

pub enum Answer {
    Image {
        content_type: String,
        etag: String,
        file: tokio::fs::File,
        len: u64,
    },
    NotModified {
        etag: String,
    },
    Unavailable(Unavailable),
}

/// The answer to `GET /media/{id}`.
pub async fn serve(
    state: &AppState,
    proxy: &Arc<Proxy>,
    id: Uuid,
    if_none_match: Option<&str>,
) -> Result<Answer> {
    let row = find(&state.db, id).await?.ok_or(Error::NotFound)?;
    if let Some(answer) = from_cache(state, proxy, &row, if_none_match).await? {
        return Ok(hit(answer));
    }
    if let Some(unavailable) = remembered_failure(&row) {
        return Ok(Answer::Unavailable(unavailable));
    }
    let gate = proxy.gate(id);
    let answer = fetch_once(state, proxy, id, if_none_match, gate.clone()).await;
    proxy.release(id, &gate);
    answer
}

/// Fetches the image unless whoever held the gate before us did (or failed).
async fn fetch_once(
    state: &AppState,
    proxy: &Arc<Proxy>,
    id: Uuid,
    if_none_match: Option<&str>,
    gate: Arc<tokio::sync::Mutex<()>>,
) -> Result<Answer> {
    let guard = gate.lock_owned().await;
    let row = find(&state.db, id).await?.ok_or(Error::NotFound)?;
    if let Some(answer) = from_cache(state, proxy, &row, if_none_match).await? {
        return Ok(hit(answer));
    }
    if let Some(unavailable) = remembered_failure(&row) {
        return Ok(Answer::Unavailable(unavailable));
    }
    // On its own task, holding the gate: a client that goes away does not cancel a fetch others
    // wait for, nor leave a partial file behind.
    let task = tokio::spawn(fetch_and_record(state.clone(), proxy.clone(), row, guard));
    let row = task.await.map_err(Error::internal)??;
    Ok(match from_cache(state, proxy, &row, if_none_match).await? {
        Some(answer) => answer,
        None => Answer::Unavailable(remembered_failure(&row).unwrap_or(Unavailable::Failed {
            retry_at: now() + RETRY_FAILED_AFTER,
        })),
    })
}

/// The stored image, if this node has it on disk.
async fn from_cache(
    state: &AppState,
    proxy: &Proxy,
    row: &media_file::Model,
    if_none_match: Option<&str>,
) -> Result<Option<Answer>> {
    let (Some(sha256), Some(content_type)) = (&row.sha256, &row.content_type) else {
        return Ok(None);
    };
    if row.status != STORED {
        return Ok(None);
    }
    let etag = format!("\"{}\"", sha256.get(..32).unwrap_or(sha256));
    if if_none_match.is_some_and(|header| etag_matches(header, &etag)) {
        return Ok(Some(Answer::NotModified { etag }));
    }
    match proxy
        .cache(&state.config)
        .open(sha256)
        .await
        .map_err(Error::internal)?
    {
        Some((file, len)) => Ok(Some(Answer::Image {
            content_type: content_type.clone(),
            etag,
            file,
            len,
        })),
        None => Ok(None),
    }
}

/// An answer from the cache without fetching.
fn hit(answer: Answer) -> Answer {
    metrics::counter!("media_proxy_hits_total").increment(1);
    answer
}

/// `If-None-Match: "a", W/"b"` or `*`.
fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn remembered_failure(row: &media_file::Model) -> Option<Unavailable> {
    let retry_at = row.retry_at?;
    if row.status != FAILED || retry_at <= now() {
        return None;
    }
    Some(match row.failure.as_deref() {
        Some("gone") => Unavailable::Gone,
        _ => Unavailable::Failed { retry_at },
    })
}

async fn fetch_and_record(
    state: AppState,
    proxy: Arc<Proxy>,
    row: media_file::Model,
    _gate: tokio::sync::OwnedMutexGuard<()>,
) -> Result<media_file::Model> {
    let cache = proxy.cache(&state.config);
    let policy = Policy::from_config(&state.config);
    let mut temp = cache.temp_file().await.map_err(Error::internal)?;
    let picture = Url::parse(&row.source_url)
        .ok()
        .and_then(|u| Picture::from_url(&u));
    let fetched = match picture {
        Some(picture) => draw(picture, &mut temp.file).await.map_err(FetchError::Io),
        None => tokio::time::timeout(
            FETCH_DEADLINE,
            fetch::fetch(&policy, &SystemResolver, &row.source_url, &mut temp.file),
        )
        .await
        .unwrap_or_else(|_| Err(FetchError::Upstream("timed out".into()))),
    };
    match fetched {
        Ok(fetched) => {
            cache
                .commit(temp, &fetched.sha256, fetched.bytes)
                .await
                .map_err(Error::internal)?;
            metrics::counter!("media_proxy_fetches_total", "outcome" => "stored").increment(1);
            record_stored(&state.db, row.id, &fetched).await
        }
        Err(e) => {
            cache.discard(temp).await;
            metrics::counter!("media_proxy_fetches_total", "outcome" => e.kind()).increment(1);
            if let FetchError::Io(e) = e {
                // Our disk failed, not the source: nothing to remember about the image.
                return Err(Error::internal(e));
            }
            tracing::warn!(media_id = %row.id, error = %e, "media proxy: fetch failed");
            record_failed(&state.db, row.id, &e).await
        }
    }
}

/// A demo picture, drawn off the executor and written where a fetched image would be.
async fn draw(picture: Picture, file: &mut tokio::fs::File) -> std::io::Result<Fetched> {
    use tokio::io::AsyncWriteExt;
    let bytes = tokio::task::spawn_blocking(move || picture.png())
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)?;
    file.write_all(&bytes).await?;
    Ok(Fetched {
        content_type: "image/png",
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes: bytes.len() as u64,
    })
}

async fn record_stored(
    db: &impl ConnectionTrait,
    id: Uuid,
    fetched: &Fetched,
) -> Result<media_file::Model> {
    Ok(media_file::ActiveModel {
        id: Unchanged(id),
        status: Set(STORED.into()),
        content_type: Set(Some(fetched.content_type.into())),
        bytes: Set(Some(i64::try_from(fetched.bytes).unwrap_or(i64::MAX))),
        sha256: Set(Some(fetched.sha256.clone())),
        error: Set(None),
        failure: Set(None),
        retry_at: Set(None),
        fetched_at: Set(Some(now())),
        ..Default::default()
    }
    .update(db)
    .await?)
}

async fn record_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &FetchError,
) -> Result<media_file::Model> {
    let at = now();
    let message: String = error.to_string().chars().take(500).collect();
    Ok(media_file::ActiveModel {
        id: Unchanged(id),
        status: Set(FAILED.into()),
        error: Set(Some(message)),
        failure: Set(Some(error.kind().into())),
        retry_at: Set(Some(at + RETRY_FAILED_AFTER)),
        fetched_at: Set(Some(at)),
        ..Default::default()
    }
    .update(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn distinct_keys<'a>(urls: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
        urls.into_iter()
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| url_key(&u))
            .collect()
    }

    #[test]
    fn the_key_ignores_query_and_fragment_only() {
        let keys = distinct_keys([
            "https://scontent.cdninstagram.com/v/t51/123_n.jpg?oh=aaa&oe=111",
            "https://scontent.cdninstagram.com/v/t51/123_n.jpg?oh=bbb&oe=222#x",
            "https://scontent.cdninstagram.com/v/t51/123_n.jpg",
        ]);
        assert_eq!(keys.len(), 1);
        let keys = distinct_keys([
            "https://scontent.cdninstagram.com/v/t51/123_n.jpg",
            "https://scontent.cdninstagram.com/v/t51/124_n.jpg",
        ]);
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}
