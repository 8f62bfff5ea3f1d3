//! Verified API keys of this process, so that a request does not ask the database who it is.
//!
//! - A key is looked up by the SHA-256 of what was presented; a hit serves from memory, a miss
//!   (or an entry older than [`KEY_TTL`]) reads the key, its client and the client's requests
//!   this month from the database ([`clients::lookup`]). Unknown keys are not remembered.
//! - Revocation and rotation: whoever changes a client or its keys calls [`announce`] after the
//!   commit. The event (`social.client.changed`, topic `System`) goes over the event bus, which
//!   delivers it to this node before `publish` returns and to the other nodes over PostgreSQL
//!   `NOTIFY` or Redis pub/sub. Each request first applies what the bus has delivered
//!   ([`KeyCache::sync`]), so the change holds from the next request on this node and from its
//!   arrival (milliseconds) on the others. A node that missed events (the bus lagged or
//!   reconnected) forgets every key; [`KEY_TTL`] bounds what a lost event could leave behind.
//! - A rotation's overlap end (`expires_at`) is kept with the key and checked at every use.
//! - Monthly quota: each client has one counter on this node ([`ClientMonth`]), raised by every
//!   request this node admits and, at every load of one of its keys, to the database's count
//!   plus what this node has not written yet (whichever is higher). Other nodes' requests
//!   therefore count here once written (≤ 1 s) and re-read (≤ [`KEY_TTL`]).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Datelike, Utc};
use platform::{
    Result,
    events::{Event, Events, Topic},
};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast::{self, error::TryRecvError};
use uuid::Uuid;

use super::{
    clients::{self, Grant, KeyRecord},
    usage::UsageRecorder,
};

/// How long a verified key is used from memory before it is read again (a backstop: changes
/// arrive as events).
pub const KEY_TTL: Duration = Duration::from_secs(15);
/// The event kind of a changed client (its keys, limits or status).
pub const CHANGED: &str = "social.client.changed";
/// Above this many cached keys, entries past their TTL are dropped.
const PRUNE_ABOVE: usize = 50_000;

/// Tells every node that `client_id`'s keys or limits changed. Call after the commit.
pub async fn announce(events: &Events, client_id: Uuid) -> Result<()> {
    events
        .publish(Event::new(
            Topic::System,
            CHANGED,
            serde_json::json!({ "client_id": client_id }),
        ))
        .await
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Months as one number (year × 12 + month − 1), so a new month is a different value.
fn month_index(at: DateTime<Utc>) -> u32 {
    let d = at.date_naive();
    (d.year().max(0) as u32) * 12 + d.month0()
}

/// A client's requests this month as this node counts them.
#[derive(Debug, Default)]
pub struct ClientMonth {
    month: AtomicU32,
    used: AtomicU64,
}

impl ClientMonth {
    /// Starts a new month at 0 when `at` is in another month than the count.
    fn roll(&self, at: DateTime<Utc>) -> u32 {
        let now = month_index(at);
        let seen = self.month.load(Ordering::Acquire);
        if seen != now
            && self
                .month
                .compare_exchange(seen, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.used.store(0, Ordering::Release);
        }
        now
    }

    pub fn used(&self, at: DateTime<Utc>) -> u64 {
        self.roll(at);
        self.used.load(Ordering::Acquire)
    }

    /// Counts one request if the client is under `limit`: `Ok(count before)`, or
    /// `Err(count)` when the month is spent. Concurrent requests cannot overshoot the limit.
    pub fn try_admit(&self, limit: u64, at: DateTime<Utc>) -> std::result::Result<u64, u64> {
        self.roll(at);
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
    }

    /// Raises the count to what the database (plus this node's unwritten requests) says.
    fn observe(&self, at: DateTime<Utc>, counted: u64) {
        self.roll(at);
        self.used.fetch_max(counted, Ordering::AcqRel);
    }
}

struct CachedKey {
    record: KeyRecord,
    loaded: Instant,
    month: Arc<ClientMonth>,
}

/// A key that works now, with its client's month counter.
pub struct Verified {
    pub grant: Grant,
    pub month: Arc<ClientMonth>,
}

pub struct KeyCache {
    keys: RwLock<HashMap<[u8; 32], Arc<CachedKey>>>,
    clients: Mutex<HashMap<Uuid, Arc<ClientMonth>>>,
    /// This node's subscription to the event bus, drained by every request.
    bus: Mutex<broadcast::Receiver<Event>>,
    /// Bumped by every invalidation: a load that raced one is not kept.
    epoch: AtomicU64,
    ttl: Duration,
}

impl KeyCache {
    pub fn new(events: &Events, ttl: Duration) -> Self {
        Self {
            keys: RwLock::default(),
            clients: Mutex::default(),
            bus: Mutex::new(events.subscribe()),
            epoch: AtomicU64::new(0),
            ttl,
        }
    }

    /// Applies the changes the event bus has delivered so far (cheap when there are none).
    pub fn sync(&self) {
        let mut bus = lock(&self.bus);
        loop {
            match bus.try_recv() {
                Ok(event) => {
                    if event.topic == Topic::System && event.kind == CHANGED {
                        match event
                            .data
                            .get("client_id")
                            .and_then(|v| v.as_str())
                            .and_then(|s| Uuid::parse_str(s).ok())
                        {
                            Some(client) => self.forget(Some(client)),
                            None => self.forget(None),
                        }
                    }
                }
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                // Events were missed: any of them may have been a change.
                Err(TryRecvError::Lagged(_)) => self.forget(None),
            }
        }
    }

    /// Forgets the keys of `client` (every key for `None`).
    pub fn forget(&self, client: Option<Uuid>) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match client {
            Some(id) => keys.retain(|_, k| k.record.client_id != id),
            None => keys.clear(),
        }
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<Arc<CachedKey>> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(digest)
            .cloned()
    }

    fn month_of(&self, client: Uuid) -> Arc<ClientMonth> {
        lock(&self.clients).entry(client).or_default().clone()
    }

    /// The key `presented`, if it works at `at` (`None`: unknown, revoked or expired).
    pub async fn verify(
        &self,
        db: &DatabaseConnection,
        usage: &UsageRecorder,
        presented: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Verified>> {
        if !clients::plausible(presented) {
            return Ok(None);
        }
        self.sync();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let entry = match self.cached(&digest) {
            Some(hit) if hit.loaded.elapsed() < self.ttl => hit,
            _ => {
                metrics::counter!("social_key_loads_total").increment(1);
                match self.load(db, usage, presented, digest, at).await? {
                    Some(loaded) => loaded,
                    None => return Ok(None),
                }
            }
        };
        if !entry.record.works_at(at) {
            return Ok(None);
        }
        Ok(Some(Verified {
            grant: Grant {
                key_id: entry.record.key_id,
                client_id: entry.record.client_id,
                limits: entry.record.limits.clone(),
                month_used: entry.month.used(at),
            },
            month: entry.month.clone(),
        }))
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        usage: &UsageRecorder,
        presented: &str,
        digest: [u8; 32],
        at: DateTime<Utc>,
    ) -> Result<Option<Arc<CachedKey>>> {
        let month_start = clients::month_start(at.date_naive());
        // A change announced while the row was read may not be in it: read again (a few
        // times at most, then answer from the last read without keeping it).
        for attempt in 0..3 {
            let epoch = self.epoch.load(Ordering::Acquire);
            let (record, unwritten) = {
                // No usage batch commits between the two reads: each request is counted once.
                let _steady = usage.hold_writes().await;
                let Some(record) = clients::lookup(db, presented, at).await? else {
                    return Ok(None);
                };
                let unwritten = usage.unwritten(record.client_id, month_start);
                (record, unwritten)
            };
            let month = self.month_of(record.client_id);
            month.observe(at, record.month_used + unwritten);
            let entry = Arc::new(CachedKey {
                record,
                loaded: Instant::now(),
                month,
            });
            self.sync();
            if self.epoch.load(Ordering::Acquire) != epoch && attempt < 2 {
                continue;
            }
            let mut keys = self
                .keys
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if self.epoch.load(Ordering::Acquire) == epoch {
                if keys.len() >= PRUNE_ABOVE {
                    let ttl = self.ttl;
                    keys.retain(|_, k| k.loaded.elapsed() < ttl);
                }
                keys.insert(digest, entry.clone());
            }
            return Ok(Some(entry));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_counter_admits_up_to_the_limit_and_rolls_over() {
        let m = ClientMonth::default();
        let at = Utc::now();
        assert_eq!(m.try_admit(2, at), Ok(0));
        assert_eq!(m.try_admit(2, at), Ok(1));
        assert_eq!(m.try_admit(2, at), Err(2));
        assert_eq!(m.used(at), 2);
        m.observe(at, 1);
        assert_eq!(m.used(at), 2, "never lowered");
        m.observe(at, 7);
        assert_eq!(m.used(at), 7);
        let next = clients::next_month(at) + chrono::Duration::seconds(1);
        assert_eq!(m.used(next), 0);
        assert_eq!(m.try_admit(2, next), Ok(0));
    }

    #[tokio::test]
    async fn announced_changes_forget_the_clients_keys() {
        let events = Events::local();
        let cache = KeyCache::new(&events, KEY_TTL);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for (i, client) in [(1u8, a), (2, b)] {
            let record = KeyRecord {
                key_id: Uuid::now_v7(),
                client_id: client,
                limits: super::super::tiers::Tier::Pro.with_overrides(None, None, None),
                expires_at: None,
                month_used: 0,
            };
            cache
                .keys
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    [i; 32],
                    Arc::new(CachedKey {
                        record,
                        loaded: Instant::now(),
                        month: cache.month_of(client),
                    }),
                );
        }
        announce(&events, a).await.ok();
        // Unrelated events are skipped.
        events
            .publish(Event::new(Topic::Staff, CHANGED, serde_json::json!({})))
            .await
            .ok();
        cache.sync();
        assert!(cache.cached(&[1; 32]).is_none());
        assert!(cache.cached(&[2; 32]).is_some());
    }
}
