//! The two cache layers in front of the database: an in-process `moka` cache (always) and
//! Redis (when configured, shared by every node). An entry carries the time until which it is
//! fresh — the fetch time of the data it holds plus the kind's TTL — and is kept for a grace
//! period after that, during which it is served stale while one refresh runs in the
//! background (stale-while-revalidate). Misses of the same key wait for one build.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use moka::future::Cache;
use platform::{Error, Result};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::RedisLink;

/// How long past its freshness an entry may still be served while it is refreshed.
pub const GRACE_SECS: u64 = 7 * 24 * 3600;

/// What a cache holds: profiles or pages of posts (each with its own TTL and counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Profile,
    Posts,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Posts => "posts",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry<T> {
    pub value: T,
    pub fresh_until: DateTime<Utc>,
    /// Serialized size, for the in-process cache's bound.
    #[serde(default)]
    pub bytes: u32,
}

impl<T> Entry<T> {
    pub fn is_fresh(&self, at: DateTime<Utc>) -> bool {
        at < self.fresh_until
    }
}

/// How a lookup was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Memory,
    Redis,
    /// Built from the database (and the source when needed), or waited for another build.
    Built,
}

struct ExpireAfterGrace;

impl<T> moka::Expiry<String, Arc<Entry<T>>> for ExpireAfterGrace {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<Entry<T>>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(until_gone(value.fresh_until))
    }

    // A refreshed entry replaces a stale one: its own freshness decides (moka would keep the
    // old expiry otherwise).
    fn expire_after_update(
        &self,
        _key: &String,
        value: &Arc<Entry<T>>,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(until_gone(value.fresh_until))
    }
}

fn until_gone(fresh_until: DateTime<Utc>) -> Duration {
    let left = (fresh_until - Utc::now()).num_seconds().max(0) as u64;
    Duration::from_secs(left + GRACE_SECS)
}

/// One kind's layers.
pub struct Layer<T> {
    kind: Kind,
    memory: Cache<String, Arc<Entry<T>>>,
    redis: Option<Arc<RedisLink>>,
}

impl<T> Layer<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    pub fn new(kind: Kind, max_bytes: u64, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            kind,
            memory: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &String, v: &Arc<Entry<T>>| {
                    (k.len() as u32).saturating_add(v.bytes).max(1)
                })
                .expire_after(ExpireAfterGrace)
                .build(),
            redis,
        }
    }

    fn redis_key(&self, key: &str) -> String {
        format!("gd:social:v1:{}:{key}", self.kind.as_str())
    }

    async fn read_redis(&self, key: &str) -> Option<Entry<T>> {
        let redis = self.redis.as_ref()?;
        let mut pipe = redis::pipe();
        pipe.get(self.redis_key(key));
        let (raw,): (Option<String>,) = redis.query(pipe).await?;
        serde_json::from_str(&raw?).ok()
    }

    async fn write_redis(&self, key: &str, entry: &Entry<T>) {
        let Some(redis) = &self.redis else { return };
        let Ok(json) = serde_json::to_string(entry) else {
            return;
        };
        let mut pipe = redis::pipe();
        pipe.set_ex(
            self.redis_key(key),
            json,
            until_gone(entry.fresh_until).as_secs(),
        )
        .ignore();
        let _: Option<()> = redis.query(pipe).await;
    }

    /// Stores a freshly built value in both layers.
    pub async fn put(&self, key: &str, value: T, fresh_until: DateTime<Utc>) -> Arc<Entry<T>> {
        let bytes = serde_json::to_vec(&value).map_or(0, |v| v.len()) as u32;
        let entry = Entry {
            value,
            fresh_until,
            bytes,
        };
        self.write_redis(key, &entry).await;
        let entry = Arc::new(entry);
        self.memory.insert(key.to_string(), entry.clone()).await;
        entry
    }

    /// The entry of `key`: from memory, else Redis, else `build` (once for concurrent misses).
    pub async fn get_or_build<F, Fut>(
        &self,
        key: &str,
        build: F,
    ) -> Result<(Arc<Entry<T>>, Outcome)>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(T, DateTime<Utc>)>>,
    {
        if let Some(hit) = self.memory.get(key).await {
            return Ok((hit, Outcome::Memory));
        }
        // Set only by the caller whose init runs; callers that waited for it see `Built`.
        let answered = AtomicU8::new(0);
        let entry = self
            .memory
            .entry(key.to_string())
            .or_try_insert_with(async {
                if let Some(found) = self.read_redis(key).await {
                    answered.store(1, Ordering::Relaxed);
                    return Ok(Arc::new(found));
                }
                let (value, fresh_until) = build().await?;
                let bytes = serde_json::to_vec(&value).map_or(0, |v| v.len()) as u32;
                let entry = Entry {
                    value,
                    fresh_until,
                    bytes,
                };
                self.write_redis(key, &entry).await;
                Ok::<_, Error>(Arc::new(entry))
            })
            .await
            .map_err(|e| same_error(&e))?;
        let outcome = if answered.load(Ordering::Relaxed) == 1 {
            Outcome::Redis
        } else {
            Outcome::Built
        };
        Ok((entry.into_value(), outcome))
    }

    pub async fn invalidate(&self, key: &str) {
        self.memory.invalidate(key).await;
    }
}

/// The error a coalesced build failed with, for each caller that waited on it.
fn same_error(e: &Error) -> Error {
    match e {
        Error::NotFound => Error::NotFound,
        Error::Validation(fields) => Error::Validation(fields.clone()),
        Error::Unavailable {
            message,
            retry_after_secs,
        } => Error::Unavailable {
            message: message.clone(),
            retry_after_secs: *retry_after_secs,
        },
        Error::TooManyRequests { retry_after_secs } => Error::TooManyRequests {
            retry_after_secs: *retry_after_secs,
        },
        Error::Database(db) => Error::internal(format!("database: {db}")),
        other => Error::internal(other.to_string()),
    }
}
