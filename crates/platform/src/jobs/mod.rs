//! Durable background jobs (see the submodules).

use std::sync::Arc;

use tokio::sync::Notify;

/// The job system's handle in `AppState`: wakes local workers when a job is enqueued.
#[derive(Clone, Default)]
pub struct Jobs {
    pub(crate) wake: Arc<Notify>,
}

impl Jobs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells this process's workers to look for work now rather than at their next poll.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }
}
