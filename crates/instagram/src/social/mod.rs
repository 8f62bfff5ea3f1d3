//! The public social-data API's service: API clients and keys ([`clients`], [`tiers`]), the
//! verified keys kept in memory ([`keys`]), their rate limits ([`limiter`]) and usage
//! ([`usage`]), and the read path ([`read`]) behind a two-layer cache ([`cache`]): in-process
//! always, plus Redis when `redis_url` is set.
//!
//! A cached answer touches no database: the key comes from memory (changes arrive over the
//! event bus), the per-minute window is counted in memory (or Redis), and usage is counted in
//! memory and group-committed every second.
//!
//! [`Social`] is this feature's per-process runtime (caches, limiter windows, the usage writer,
//! the Redis connection). The public routes carry it as a router extension; it is built on the
//! first request, from the state's configuration, so that a router can be made before the
//! state exists. Building it registers the final usage write as a shutdown hook.

pub mod cache;
pub mod clients;
pub mod keys;
pub mod limiter;
pub mod read;
pub mod tiers;
pub mod usage;

use std::sync::{
    Arc,
    atomic::{AtomicI64, AtomicU64, Ordering},
};

use platform::{AppState, Error, Result};
use tokio::sync::{Mutex, OnceCell};

/// One multiplexed Redis connection, opened on first use and again after an error. Callers get
/// `None` when Redis cannot be reached: each use has a fallback (the in-process layer).
pub struct RedisLink {
    client: redis::Client,
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
    /// Unix seconds of the last warning: an outage is logged every 30 s, not per request.
    warned_at: AtomicI64,
}

impl RedisLink {
    pub fn open(url: &str) -> Result<Self> {
        Ok(Self {
            client: redis::Client::open(url)
                .map_err(|e| Error::internal(format!("redis_url is not valid: {e}")))?,
            conn: Mutex::new(None),
            warned_at: AtomicI64::new(0),
        })
    }

    async fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Some(conn.clone());
        }
        match self.client.get_multiplexed_async_connection().await {
            Ok(conn) => {
                *slot = Some(conn.clone());
                Some(conn)
            }
            Err(e) => {
                self.failed(&e);
                None
            }
        }
    }

    fn failed(&self, e: &redis::RedisError) {
        let now = chrono::Utc::now().timestamp();
        let last = self.warned_at.load(Ordering::Relaxed);
        if now - last >= 30
            && self
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %e, "social-data API: Redis unavailable, using this node's cache and limits");
        }
    }

    async fn forget(&self) {
        *self.conn.lock().await = None;
    }

    /// Runs a pipeline; `None` on any error (logged at most every 30 s).
    pub async fn query<T: redis::FromRedisValue>(&self, pipe: redis::Pipeline) -> Option<T> {
        let mut conn = self.connection().await?;
        match pipe.query_async::<T>(&mut conn).await {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed(&e);
                if e.is_io_error() || e.is_connection_dropped() {
                    self.forget().await;
                }
                None
            }
        }
    }
}

/// Counters of this process's runtime (also exported to `/metrics`).
#[derive(Debug, Default)]
pub struct Stats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub stale: AtomicU64,
    pub refreshes: AtomicU64,
    pub refresh_failures: AtomicU64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            stale: self.stale.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            refresh_failures: self.refresh_failures.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Lookups answered from a cache layer (stale ones included).
    pub hits: u64,
    /// Lookups that had to build their answer from the database (and the source).
    pub misses: u64,
    /// Hits whose entry was past its freshness (served, refreshed in the background).
    pub stale: u64,
    /// Profiles fetched from their data source by this runtime.
    pub refreshes: u64,
    pub refresh_failures: u64,
}

/// What the runtime needs once the state is known.
pub struct Runtime {
    pub keys: keys::KeyCache,
    pub limiter: limiter::Limiter,
    pub usage: usage::UsageRecorder,
    pub reader: Arc<read::Reader>,
}

/// The social-data API's runtime of this process. Cloning is cheap.
#[derive(Clone, Default)]
pub struct Social {
    runtime: Arc<OnceCell<Runtime>>,
    stats: Arc<Stats>,
}

impl Social {
    pub fn new() -> Self {
        Self::default()
    }

    /// The runtime, built from the state on first use.
    pub async fn runtime(&self, state: &AppState) -> Result<&Runtime> {
        self.runtime
            .get_or_try_init(|| async {
                let redis = match &state.config.redis_url {
                    Some(url) => Some(Arc::new(RedisLink::open(url)?)),
                    None => None,
                };
                let usage = usage::UsageRecorder::start(state.db.clone());
                let last = usage.clone();
                state
                    .shutdown
                    .add("social-data API usage", move || async move {
                        if let Err(e) = last.flush().await {
                            tracing::error!(error = %e, "API usage not written at shutdown");
                        }
                    });
                Ok(Runtime {
                    keys: keys::KeyCache::new(&state.events, keys::KEY_TTL),
                    limiter: limiter::Limiter::new(redis.clone()),
                    usage,
                    reader: Arc::new(read::Reader::new(state.clone(), redis, self.stats.clone())),
                })
            })
            .await
    }

    /// Writes the usage counted so far now (tests; the writer does it every second).
    pub async fn flush_usage(&self) -> Result<()> {
        match self.runtime.get() {
            Some(runtime) => runtime.usage.flush().await,
            None => Ok(()),
        }
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }
}
