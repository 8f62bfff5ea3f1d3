//! Work a process finishes at shutdown, after its HTTP server has drained and before it exits:
//! in-memory state that is written in the background (e.g. the social-data API's usage counts,
//! group-committed every second) registers a hook here, and `launch` runs the hooks once the
//! last in-flight request has been answered. A crash (kill -9) runs nothing: each owner
//! documents what it may lose then.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::future::BoxFuture;

/// How long one hook may take.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

type Hook = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// The hooks of this process. Cloning is cheap (one shared list).
#[derive(Clone, Default)]
pub struct ShutdownHooks {
    hooks: Arc<Mutex<Vec<(&'static str, Hook)>>>,
}

impl std::fmt::Debug for ShutdownHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownHooks").finish_non_exhaustive()
    }
}

impl ShutdownHooks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `hook`, run once at shutdown (in registration order).
    pub fn add<F, Fut>(&self, name: &'static str, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let hook: Hook = Box::new(move || Box::pin(hook()));
        self.lock().push((name, hook));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(&'static str, Hook)>> {
        match self.hooks.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Runs every registered hook once, each bounded by [`HOOK_TIMEOUT`].
    pub async fn run(&self) {
        let hooks = std::mem::take(&mut *self.lock());
        for (name, hook) in hooks {
            if tokio::time::timeout(HOOK_TIMEOUT, hook()).await.is_err() {
                tracing::warn!(hook = name, "shutdown hook did not finish in time");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn hooks_run_once_in_order() {
        let hooks = ShutdownHooks::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for i in 0..3 {
            let seen = seen.clone();
            hooks.add("t", move || async move {
                seen.lock().map(|mut s| s.push(i)).ok();
            });
        }
        hooks.run().await;
        hooks.run().await;
        assert_eq!(
            *seen.lock().unwrap_or_else(|p| p.into_inner()),
            vec![0, 1, 2]
        );
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        hooks.clone().add("later", move || async move {
            r.fetch_add(1, Ordering::Relaxed);
        });
        hooks.run().await;
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    }
}
