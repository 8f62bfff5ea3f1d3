//! Recording usage per key per UTC day by group commit: each admitted request hands its count
//! to one writer task and waits until a transaction holding it has committed. Requests that
//! arrive while a write is under way go into the next one together, so under load one upsert
//! per key and day carries many requests, and at rest a request waits for one small write.
//! Totals are exact (nothing is answered before its count is stored, so a crash loses none),
//! which matters more here than the fraction of a millisecond it costs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use platform::{Error, Result};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::clients::Grant;
use crate::model::{api_key, api_usage};

/// The most requests one transaction carries.
const BATCH: usize = 4096;

struct Pending {
    key_id: Uuid,
    client_id: Uuid,
    day: NaiveDate,
    touch: bool,
    done: oneshot::Sender<std::result::Result<(), String>>,
}

/// The handle requests record through; the writer task ends when the last handle is dropped.
pub struct UsageRecorder {
    tx: mpsc::UnboundedSender<Pending>,
}

impl UsageRecorder {
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(db, rx));
        Self { tx }
    }

    /// Counts one request of `grant`'s key on `at`'s day; returns once it is committed.
    pub async fn record(&self, grant: &Grant, at: DateTime<Utc>) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.tx
            .send(Pending {
                key_id: grant.key_id,
                client_id: grant.client_id,
                day: at.date_naive(),
                touch: grant.touch,
                done,
            })
            .map_err(|_| Error::internal("the usage writer has stopped"))?;
        committed
            .await
            .map_err(|_| Error::internal("the usage writer has stopped"))?
            .map_err(|e| Error::internal(format!("usage not recorded: {e}")))
    }
}

async fn writer(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let result = write(&db, &batch).await.map_err(|e| {
            tracing::error!(error = %e, requests = batch.len(), "API usage not recorded");
            e.to_string()
        });
        metrics::histogram!("social_usage_batch_requests").record(batch.len() as f64);
        for p in batch {
            let _ = p.done.send(result.clone());
        }
    }
}

async fn write(db: &DatabaseConnection, batch: &[Pending]) -> Result<()> {
    let mut counts: BTreeMap<(Uuid, NaiveDate), (Uuid, i64)> = BTreeMap::new();
    let mut touch: BTreeSet<Uuid> = BTreeSet::new();
    for p in batch {
        counts
            .entry((p.key_id, p.day))
            .or_insert((p.client_id, 0))
            .1 += 1;
        if p.touch {
            touch.insert(p.key_id);
        }
    }
    let txn = platform::db::begin_write(db).await?;
    for ((key_id, day), (client_id, n)) in counts {
        api_usage::Entity::insert(api_usage::ActiveModel {
            key_id: Set(key_id),
            day: Set(day),
            client_id: Set(client_id),
            requests: Set(n),
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
    if !touch.is_empty() {
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                Expr::value(platform::db::now()),
            )
            .filter(api_key::Column::Id.is_in(touch))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
