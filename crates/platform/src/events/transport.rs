//! Cross-node delivery: PostgreSQL `NOTIFY`/`LISTEN` or Redis `PUBLISH`/`SUBSCRIBE`, each with
//! a listener task per process that reconnects with back-off.

use std::{future::Future, time::Duration};

use futures::StreamExt;
use sea_orm::sqlx::{self, PgPool, postgres::PgListener};
use tokio::sync::{Mutex, broadcast, oneshot};
use uuid::Uuid;

use super::{CHANNEL, Envelope, EnvelopeRef, Event};

/// PostgreSQL refuses a `NOTIFY` payload of 8000 bytes or more.
pub(super) const PG_PAYLOAD_LIMIT: usize = 7999;

pub(super) enum Transport {
    Local,
    Postgres(PgPool),
    Redis(Box<RedisPublisher>),
}

impl Transport {
    pub(super) fn redis(client: redis::Client) -> Self {
        Transport::Redis(Box::new(RedisPublisher {
            client,
            conn: Mutex::new(None),
        }))
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            Transport::Local => "local",
            Transport::Postgres(_) => "postgres",
            Transport::Redis(_) => "redis",
        }
    }

    pub(super) async fn publish(&self, node: Uuid, event: &Event) -> Result<(), String> {
        match self {
            Transport::Local => Ok(()),
            Transport::Postgres(pool) => {
                let Some(payload) = pg_payload(node, event) else {
                    return Ok(());
                };
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Transport::Redis(publisher) => {
                let payload = serde_json::to_string(&EnvelopeRef { node, event })
                    .map_err(|e| e.to_string())?;
                publisher.publish(payload).await
            }
        }
    }
}

/// The `NOTIFY` payload: the envelope, or — over the limit — the envelope with `data`
/// replaced by `{"truncated": true}`; `None` if even that does not fit.
pub(super) fn pg_payload(node: Uuid, event: &Event) -> Option<String> {
    let full = serde_json::to_string(&EnvelopeRef { node, event }).ok()?;
    if full.len() <= PG_PAYLOAD_LIMIT {
        return Some(full);
    }
    let mut slim = event.clone();
    slim.data = serde_json::json!({ "truncated": true });
    let payload = serde_json::to_string(&EnvelopeRef { node, event: &slim }).ok()?;
    if payload.len() <= PG_PAYLOAD_LIMIT {
        tracing::warn!(event_id = %event.id, kind = %event.kind, bytes = full.len(),
            "live event over the PostgreSQL NOTIFY limit: other nodes receive it with `data` truncated");
        Some(payload)
    } else {
        tracing::warn!(event_id = %event.id, kind = %event.kind, bytes = full.len(),
            "live event over the PostgreSQL NOTIFY limit even without its data: not sent to other nodes");
        None
    }
}

/// One multiplexed connection for `PUBLISH`, opened on first use and again after an error.
pub(super) struct RedisPublisher {
    client: redis::Client,
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
}

impl RedisPublisher {
    async fn publish(&self, payload: String) -> Result<(), String> {
        let mut conn = {
            let mut slot = self.conn.lock().await;
            match slot.as_ref() {
                Some(conn) => conn.clone(),
                None => {
                    let conn = self
                        .client
                        .get_multiplexed_async_connection()
                        .await
                        .map_err(|e| e.to_string())?;
                    *slot = Some(conn.clone());
                    conn
                }
            }
        };
        let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(CHANNEL)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                // Reconnect on the next publish.
                *self.conn.lock().await = None;
                Err(e.to_string())
            }
        }
    }
}

/// Hands messages from the transport to this node's subscribers.
pub(super) struct Forwarder {
    pub(super) local: broadcast::WeakSender<Event>,
    pub(super) node: Uuid,
}

impl Forwarder {
    /// `false` once the bus is gone (the listener may stop).
    pub(super) fn deliver(&self, payload: &[u8]) -> bool {
        let envelope: Envelope = match serde_json::from_slice(payload) {
            Ok(envelope) => envelope,
            Err(e) => {
                tracing::warn!(error = %e, "live events: ignoring a malformed message");
                return true;
            }
        };
        if envelope.node == self.node {
            // Published here: this node's subscribers already have it.
            return true;
        }
        match self.local.upgrade() {
            Some(local) => {
                let _ = local.send(envelope.event);
                true
            }
            None => false,
        }
    }
}

struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(30);

    fn new() -> Self {
        Backoff(Self::FIRST)
    }

    fn reset(&mut self) {
        self.0 = Self::FIRST;
    }

    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (self.0 * 2).min(Self::MAX);
        d
    }
}

/// Waits for the listener's first subscription, a few seconds at most: serving may start
/// without it (the listener keeps trying), but normally a node listens before it serves.
pub(super) async fn await_ready(ready: oneshot::Receiver<()>, what: &str) {
    match tokio::time::timeout(Duration::from_secs(5), ready).await {
        Ok(Ok(())) => tracing::info!(transport = what, "live events: listening"),
        _ => tracing::warn!(
            transport = what,
            "live events: not listening yet (retrying in the background); until then this node \
             does not receive other nodes' events"
        ),
    }
}

pub(super) fn spawn_postgres_listener(
    pool: PgPool,
    fwd: Forwarder,
    closed: impl Future<Output = ()> + Send + 'static,
) -> oneshot::Receiver<()> {
    let (ready_tx, ready_rx) = oneshot::channel();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        let mut backoff = Backoff::new();
        tokio::pin!(closed);
        loop {
            match listen_postgres(&pool).await {
                Ok(mut listener) => {
                    backoff.reset();
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    } else {
                        tracing::info!("live events: listening on PostgreSQL again");
                    }
                    loop {
                        tokio::select! {
                            _ = &mut closed => return,
                            received = listener.try_recv() => match received {
                                Ok(Some(notification)) => {
                                    if !fwd.deliver(notification.payload().as_bytes()) {
                                        return;
                                    }
                                }
                                // The connection dropped and sqlx reconnected (and listens again).
                                Ok(None) => tracing::warn!(
                                    "live events: PostgreSQL listener reconnected; events sent meanwhile were missed"
                                ),
                                Err(sqlx::Error::PoolClosed) => return,
                                Err(e) => {
                                    tracing::warn!(error = %e, "live events: PostgreSQL listener failed");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "live events: cannot listen on PostgreSQL");
                }
            }
            tokio::select! {
                _ = &mut closed => return,
                _ = tokio::time::sleep(backoff.next()) => {}
            }
        }
    });
    ready_rx
}

async fn listen_postgres(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

pub(super) fn spawn_redis_listener(
    client: redis::Client,
    fwd: Forwarder,
    closed: impl Future<Output = ()> + Send + 'static,
) -> oneshot::Receiver<()> {
    let (ready_tx, ready_rx) = oneshot::channel();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        let mut backoff = Backoff::new();
        tokio::pin!(closed);
        loop {
            match subscribe_redis(&client).await {
                Ok(mut pubsub) => {
                    backoff.reset();
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    } else {
                        tracing::info!("live events: subscribed to Redis again");
                    }
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            _ = &mut closed => return,
                            message = messages.next() => match message {
                                Some(message) => {
                                    if !fwd.deliver(message.get_payload_bytes()) {
                                        return;
                                    }
                                }
                                None => {
                                    tracing::warn!("live events: Redis subscription lost; events sent until it is back are missed");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "live events: cannot subscribe on Redis"),
            }
            tokio::select! {
                _ = &mut closed => return,
                _ = tokio::time::sleep(backoff.next()) => {}
            }
        }
    });
    ready_rx
}

async fn subscribe_redis(client: &redis::Client) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    Ok(pubsub)
}
