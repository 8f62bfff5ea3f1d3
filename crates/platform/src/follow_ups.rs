//! Follow-ups: work other features want done after one feature's own, without that feature
//! knowing them. Instagram refreshes a profile; intelligence wants its new posts analysed.
//! Instagram must not depend on intelligence (features depend only in the domain's
//! direction), so it announces the fact — a [`FollowUp`] with a topic and the subject's id —
//! and every feature that registered for the topic (`Feature::follow_up`) is called.
//!
//! A follow-up should be quick and durable: enqueue a job, not do the work. Its failure is
//! logged and never fails the work that announced it (the refresh succeeded whatever the
//! analysis queue says).

use std::sync::Arc;

pub use futures::future::BoxFuture;
use uuid::Uuid;

use crate::{AppState, Result};

/// What happened, to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    /// A name the announcing feature exports as a constant (`instagram::PROFILE_REFRESHED`).
    pub topic: &'static str,
    /// The id of what it happened to (a profile's id, …).
    pub subject: Uuid,
    /// The workspace that asked for the work, when one did (it may see live progress).
    pub workspace_id: Option<Uuid>,
}

/// A feature's reaction to a topic.
pub type FollowUpFn = fn(AppState, FollowUp) -> BoxFuture<'static, Result<()>>;

/// The follow-ups the features registered, by topic.
#[derive(Clone, Default)]
pub struct FollowUps {
    handlers: Arc<Vec<(&'static str, FollowUpFn)>>,
}

impl FollowUps {
    pub fn new(handlers: Vec<(&'static str, FollowUpFn)>) -> Self {
        Self {
            handlers: Arc::new(handlers),
        }
    }

    /// Calls every handler of the topic, one after the other; a failure is logged.
    pub async fn announce(&self, state: &AppState, follow_up: FollowUp) {
        for (topic, handler) in self.handlers.iter() {
            if *topic != follow_up.topic {
                continue;
            }
            if let Err(e) = handler(state.clone(), follow_up).await {
                tracing::warn!(topic, subject = %follow_up.subject, error = %e, "follow-up failed");
            }
        }
    }
}
