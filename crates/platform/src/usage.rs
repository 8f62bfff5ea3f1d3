//! Usage counters: how much of a counted thing (seats, accounts…) a workspace has now, asked
//! of the feature that owns the data. Billing shows them against the plan's limits without
//! reading other features' tables; the binary composes the counters like the navigation.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::{AppState, Result, Scope};

/// Counts one meter for a workspace.
pub type CountFn = fn(AppState, Scope) -> BoxFuture<'static, Result<i64>>;

#[derive(Clone, Copy)]
pub struct UsageCounter {
    /// The meter's name as billing knows it (`seats`, `accounts`; a monthly meter such as
    /// `exports` is registered by the feature that consumes it, counting with billing's
    /// `limits::used_this_month`).
    pub meter: &'static str,
    pub count: CountFn,
}

/// Every counter the features registered.
#[derive(Clone, Default)]
pub struct Counters(Arc<Vec<UsageCounter>>);

impl Counters {
    pub fn new(counters: Vec<UsageCounter>) -> Self {
        Counters(Arc::new(counters))
    }

    /// Whether a feature of this server counts `meter` (what billing lists on its pages).
    pub fn counts(&self, meter: &str) -> bool {
        self.0.iter().any(|c| c.meter == meter)
    }

    /// The current count of `meter`, or `None` when no feature counts it.
    pub async fn count(&self, state: &AppState, meter: &str, scope: &Scope) -> Result<Option<i64>> {
        match self.0.iter().find(|c| c.meter == meter) {
            Some(c) => (c.count)(state.clone(), *scope).await.map(Some),
            None => Ok(None),
        }
    }
}
