//! Recording usage per key per UTC day without holding the response: each admitted request
//! adds one to an in-memory count ([`UsageRecorder::record`], no I/O), and a writer task
//! group-commits the counts every [`FLUSH_EVERY`] in one transaction (one upsert per key and
//! day, plus the keys' `last_used_at`). At shutdown the server runs [`UsageRecorder::flush`]
//! after the last request was answered (a shutdown hook), so a clean stop loses nothing.
//!
//! The price: a crash (kill -9, power loss) loses the requests of at most the last second
//! (the counts not yet committed); a failed write keeps its counts and tries again with the
//! next batch. Monthly quotas count unwritten requests too ([`UsageRecorder::unwritten`]).

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use chrono::{DateTime, NaiveDate, Utc};
use platform::Result;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use tokio::sync::{RwLock, RwLockReadGuard};
use uuid::Uuid;

use super::clients::Grant;
use crate::model::{api_key, api_usage};

/// How often counts are committed (the most a crash can lose).
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Requests per (key, day), with the key's client.
type Counts = HashMap<(Uuid, NaiveDate), (Uuid, i64)>;

#[derive(Default)]
struct Pending {
    /// Admitted, not yet handed to a write.
    counts: Counts,
    /// Being written now (counted in [`UsageRecorder::unwritten`] until the commit).
    writing: Counts,
}

struct Inner {
    db: DatabaseConnection,
    pending: Mutex<Pending>,
    /// Held for writing by a batch from its start to its commit; key loads hold it for reading
    /// so that a count is never both in the database and in memory as they see it.
    writes: RwLock<()>,
}

/// The in-memory accumulator and its writer. Cloning is cheap.
#[derive(Clone)]
pub struct UsageRecorder {
    inner: Arc<Inner>,
}

fn lock(m: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn merge(into: &mut Counts, from: Counts) {
    for (k, (client, n)) in from {
        into.entry(k).or_insert((client, 0)).1 += n;
    }
}

impl UsageRecorder {
    /// Starts the writer task (every [`FLUSH_EVERY`]; it ends when the last handle is dropped).
    pub fn start(db: DatabaseConnection) -> Self {
        let recorder = Self {
            inner: Arc::new(Inner {
                db,
                pending: Mutex::default(),
                writes: RwLock::new(()),
            }),
        };
        tokio::spawn(writer(Arc::downgrade(&recorder.inner)));
        recorder
    }

    /// Counts one request of `grant`'s key on `at`'s day (in memory; written within a second).
    pub fn record(&self, grant: &Grant, at: DateTime<Utc>) {
        let mut pending = lock(&self.inner.pending);
        pending
            .counts
            .entry((grant.key_id, at.date_naive()))
            .or_insert((grant.client_id, 0))
            .1 += 1;
    }

    /// Requests of `client` since `from` that are not in the database yet.
    pub fn unwritten(&self, client: Uuid, from: NaiveDate) -> u64 {
        let pending = lock(&self.inner.pending);
        pending
            .counts
            .iter()
            .chain(pending.writing.iter())
            .filter(|((_, day), (c, _))| *c == client && *day >= from)
            .map(|(_, (_, n))| u64::try_from(*n).unwrap_or(0))
            .sum()
    }

    /// Keeps batches from committing while held (see [`super::keys`]).
    pub async fn hold_writes(&self) -> RwLockReadGuard<'_, ()> {
        self.inner.writes.read().await
    }

    /// Writes every count now (the writer task does this every second; the shutdown hook once
    /// more at the end).
    pub async fn flush(&self) -> Result<()> {
        flush(&self.inner).await
    }
}

async fn writer(inner: Weak<Inner>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        if let Err(e) = flush(&inner).await {
            tracing::error!(error = %e, "API usage not written; retrying with the next batch");
        }
    }
}

async fn flush(inner: &Inner) -> Result<()> {
    let _one = inner.writes.write().await;
    let batch = {
        let mut pending = lock(&inner.pending);
        if pending.counts.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut pending.counts);
        pending.writing = batch.clone();
        batch
    };
    let requests: i64 = batch.values().map(|(_, n)| n).sum();
    let result = write(&inner.db, &batch).await;
    let mut pending = lock(&inner.pending);
    let written = std::mem::take(&mut pending.writing);
    if result.is_err() {
        // Kept for the next batch: nothing admitted is dropped by a failed write.
        merge(&mut pending.counts, written);
    } else {
        metrics::histogram!("social_usage_batch_requests").record(requests as f64);
    }
    result
}

async fn write(db: &DatabaseConnection, batch: &Counts) -> Result<()> {
    let keys: BTreeSet<Uuid> = batch.keys().map(|(key, _)| *key).collect();
    let txn = platform::db::begin_write(db).await?;
    for ((key_id, day), (client_id, n)) in batch {
        api_usage::Entity::insert(api_usage::ActiveModel {
            key_id: Set(*key_id),
            day: Set(*day),
            client_id: Set(*client_id),
            requests: Set(*n),
        })
        .on_conflict(
            OnConflict::columns([api_usage::Column::KeyId, api_usage::Column::Day])
                .value(
                    api_usage::Column::Requests,
                    Expr::col((api_usage::Entity, api_usage::Column::Requests))
                        .add(Expr::cust("excluded.requests")),
                )
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::LastUsedAt,
            Expr::value(platform::db::now()),
        )
        .filter(api_key::Column::Id.is_in(keys))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
