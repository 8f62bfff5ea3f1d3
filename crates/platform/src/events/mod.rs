//! Live events: typed, scoped events published after commit and delivered, in order per
//! topic, to subscribers on this node — and, when scaled out, on every node (PostgreSQL
//! `LISTEN/NOTIFY`, or Redis pub/sub when `GROWTHDECK_REDIS_URL` is set).
//!
//! - [`Events::publish`] delivers to this node's subscribers at once, then hands the event to
//!   the cross-node transport (if any) tagged with this node's id. Each node's listener task
//!   re-broadcasts what other nodes published and drops its own messages (PostgreSQL and Redis
//!   echo them back), so every subscriber sees an event exactly once.
//! - PostgreSQL limits a `NOTIFY` payload to 8000 bytes: an event whose JSON is larger reaches
//!   the *other* nodes with `data` replaced by `{"truncated": true}` (logged as a warning);
//!   this node's subscribers get it whole. Keep event data small: ids and a short message.
//! - A node that loses its connection to the transport reconnects with back-off; events other
//!   nodes published meanwhile do not reach it (live updates are best effort, not a log).
//! - `GET /api/v1/events` streams the caller's workspace events as Server-Sent Events
//!   ([`routes`]).

mod api;
mod transport;

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
};

pub use api::{Access, AccessCheck, EventFilter, EventsApi, routes, sse_response};

/// The PostgreSQL `LISTEN` channel and the Redis pub/sub channel.
pub const CHANNEL: &str = "gd_events";

/// Who may see an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Topic {
    /// Members of one workspace.
    Workspace(Uuid),
    /// The platform's staff (back office).
    Staff,
    /// The nodes themselves (cache invalidation and the like); never streamed to anyone.
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    pub topic: Topic,
    /// Dotted name, e.g. `job.progress`, `mail.sent`.
    pub kind: String,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A payload type with its event kind, for [`Event::typed`].
pub trait LiveEvent: Serialize {
    /// The SSE `event:` name, e.g. `toast`, `job.finished`.
    const KIND: &'static str;
}

impl Event {
    pub fn new(topic: Topic, kind: impl Into<String>, data: serde_json::Value) -> Self {
        Self {
            id: Uuid::now_v7(),
            topic,
            kind: kind.into(),
            data,
            at: Utc::now(),
        }
    }

    /// An event whose kind and data come from a typed payload.
    pub fn typed<T: LiveEvent>(topic: Topic, payload: &T) -> Result<Self> {
        let data = serde_json::to_value(payload).map_err(Error::internal)?;
        Ok(Self::new(topic, T::KIND, data))
    }
}

/// How a toast looks; the page shell shows `toast` events as toasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToastKind {
    Success,
    Info,
    Warning,
    Error,
}

/// A message shown to every member of the workspace who has a page open.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Toast {
    pub kind: ToastKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl LiveEvent for Toast {
    const KIND: &'static str = "toast";
}

/// What travels between nodes: the event and the node that published it.
#[derive(Serialize)]
struct EnvelopeRef<'a> {
    node: Uuid,
    event: &'a Event,
}

#[derive(Deserialize)]
struct Envelope {
    node: Uuid,
    event: Event,
}

/// The event bus of this process. Cloning is cheap.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    local: broadcast::Sender<Event>,
    /// Tags this process's messages so its listener can skip their echo.
    node: Uuid,
    transport: transport::Transport,
    /// `true` once the process shuts down: open streams end, listeners stop.
    closing: watch::Sender<bool>,
}

impl Events {
    /// In-process only (single node).
    pub fn local() -> Self {
        Self::with(transport::Transport::Local)
    }

    fn with(transport: transport::Transport) -> Self {
        let (local, _) = broadcast::channel(1024);
        let (closing, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                local,
                node: Uuid::now_v7(),
                transport,
                closing,
            }),
        }
    }

    /// The bus for this deployment: Redis pub/sub when `redis_url` is set, else PostgreSQL
    /// `LISTEN/NOTIFY` when the database is PostgreSQL, else in-process (SQLite: one node).
    /// Spawns the listener task and waits (a few seconds at most) until it listens.
    pub async fn connect(config: &Config, db: &DatabaseConnection) -> Result<Self> {
        if let Some(url) = &config.redis_url {
            let client = redis::Client::open(url.as_str())
                .map_err(|e| Error::internal(format!("redis_url is not valid: {e}")))?;
            let events = Self::with(transport::Transport::redis(client.clone()));
            let ready =
                transport::spawn_redis_listener(client, events.forwarder(), events.closed());
            transport::await_ready(ready, "Redis").await;
            return Ok(events);
        }
        if matches!(
            db.get_database_backend(),
            sea_orm::DatabaseBackend::Postgres
        ) {
            let pool = db.get_postgres_connection_pool().clone();
            let events = Self::with(transport::Transport::Postgres(pool.clone()));
            let ready =
                transport::spawn_postgres_listener(pool, events.forwarder(), events.closed());
            transport::await_ready(ready, "PostgreSQL").await;
            return Ok(events);
        }
        Ok(Self::local())
    }

    /// `local`, `postgres` or `redis`: how events reach other nodes.
    pub fn transport(&self) -> &'static str {
        self.inner.transport.name()
    }

    /// This process's id on the bus.
    pub fn node_id(&self) -> Uuid {
        self.inner.node
    }

    /// Publishes an event. Call after the transaction that caused it committed.
    ///
    /// This node's subscribers receive it before this returns; an error means it may not have
    /// reached the other nodes.
    pub async fn publish(&self, event: Event) -> Result<()> {
        if let transport::Transport::Local = self.inner.transport {
            // No subscriber is not an error.
            let _ = self.inner.local.send(event);
            return Ok(());
        }
        let _ = self.inner.local.send(event.clone());
        self.inner
            .transport
            .publish(self.inner.node, &event)
            .await
            .map_err(|e| {
                tracing::warn!(event_id = %event.id, kind = %event.kind, error = %e,
                    "live event not sent to the other nodes");
                Error::internal(format!("live event not sent to the other nodes: {e}"))
            })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.local.subscribe()
    }

    /// Ends every open event stream and stops the listener (at shutdown, so that graceful
    /// shutdown does not wait for browsers to hang up).
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once [`Events::close`] was called (or the bus is gone).
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }

    fn forwarder(&self) -> transport::Forwarder {
        transport::Forwarder {
            local: self.inner.local.downgrade(),
            node: self.inner.node,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn local_bus_delivers_in_order() {
        let events = Events::local();
        let mut rx = events.subscribe();
        let ws = Topic::Workspace(Uuid::now_v7());
        for i in 0..3 {
            events
                .publish(Event::new(ws, "n", serde_json::json!(i)))
                .await
                .unwrap();
        }
        for i in 0..3 {
            assert_eq!(rx.recv().await.unwrap().data, serde_json::json!(i));
        }
    }

    #[test]
    fn own_messages_are_skipped_and_others_forwarded() {
        let events = Events::local();
        let mut rx = events.subscribe();
        let fwd = events.forwarder();
        let event = Event::new(Topic::Staff, "x", serde_json::json!({}));
        let own = serde_json::to_vec(&EnvelopeRef {
            node: events.node_id(),
            event: &event,
        })
        .unwrap();
        assert!(fwd.deliver(&own));
        assert!(rx.try_recv().is_err(), "own echo is dropped");
        let other = serde_json::to_vec(&EnvelopeRef {
            node: Uuid::now_v7(),
            event: &event,
        })
        .unwrap();
        assert!(fwd.deliver(&other));
        assert_eq!(rx.try_recv().unwrap(), event);
        assert!(fwd.deliver(b"not json"), "malformed messages are skipped");
    }

    #[test]
    fn large_events_are_truncated_for_notify() {
        let node = Uuid::now_v7();
        let small = Event::new(Topic::Staff, "x", serde_json::json!({"a": 1}));
        let payload = transport::pg_payload(node, &small).unwrap();
        assert!(payload.contains("\"a\":1"));
        let big = Event::new(Topic::Staff, "x", serde_json::json!("y".repeat(10_000)));
        let payload = transport::pg_payload(node, &big).unwrap();
        assert!(payload.len() < 8000);
        let back: Envelope = serde_json::from_str(&payload).unwrap();
        assert_eq!(back.event.id, big.id);
        assert_eq!(back.event.data, serde_json::json!({"truncated": true}));
    }

    #[tokio::test]
    async fn close_resolves_closed() {
        let events = Events::local();
        let closed = events.closed();
        events.close();
        tokio::time::timeout(std::time::Duration::from_secs(1), closed)
            .await
            .unwrap();
    }
}
