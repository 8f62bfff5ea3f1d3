//! Plan limits as a port: a feature that adds something a plan counts (a seat, an Instagram
//! account) asks here whether one more fits, without depending on the feature that sells plans.
//! Billing provides the implementation through its `Feature`; a server without it (or a test
//! that does not mount it) has no limits.
//!
//! Meters are named as in [`crate::usage`] (`"seats"`, `"accounts"`): the feature that owns the
//! data counts, the plan's owner decides.

use std::sync::Arc;

use crate::{AppState, Result, Scope};
use sea_orm::DatabaseTransaction;

#[async_trait::async_trait]
pub trait PlanLimits: Send + Sync {
    /// Whether one more of `meter` fits in the workspace's plan, given how many it has now.
    /// A refusal is `Error::PaymentRequired` (`limit-reached`) naming the plan that lifts it.
    async fn check_addition(
        &self,
        state: &AppState,
        scope: &Scope,
        meter: &'static str,
        current: i64,
    ) -> Result<()>;

    /// The same check inside the caller's transaction, so the count and the insert that
    /// follows see one state of the database.
    async fn check_addition_in(
        &self,
        state: &AppState,
        txn: &DatabaseTransaction,
        scope: &Scope,
        meter: &'static str,
        current: i64,
    ) -> Result<()>;

    /// Whether the workspace's plan includes a feature flag (`"fleet"`, `"discovery"`). A
    /// refusal is `Error::PaymentRequired` (`feature-not-in-plan`) naming a plan that has it.
    /// Without a plan-selling feature every feature is included.
    async fn require_feature(
        &self,
        _state: &AppState,
        _scope: &Scope,
        _feature: &'static str,
    ) -> Result<()> {
        Ok(())
    }

    /// Counts `n` uses of a monthly meter (`"profile_unlocks"`, `"exports"`), refusing with
    /// `Error::PaymentRequired` (`limit-reached`), nothing counted, when the month's limit
    /// would be passed. Check and count are one transaction, so parallel uses cannot pass it.
    /// Without a plan-selling feature nothing is counted.
    async fn consume(
        &self,
        _state: &AppState,
        _scope: &Scope,
        _meter: &'static str,
        _n: i64,
    ) -> Result<()> {
        Ok(())
    }

    /// Gives back uses [`PlanLimits::consume`] counted, for work that then failed.
    async fn unconsume(
        &self,
        _state: &AppState,
        _scope: &Scope,
        _meter: &'static str,
        _n: i64,
    ) -> Result<()> {
        Ok(())
    }
}

/// No plan applies: everything fits (no billing feature mounted).
pub struct Unlimited;

#[async_trait::async_trait]
impl PlanLimits for Unlimited {
    async fn check_addition(&self, _: &AppState, _: &Scope, _: &'static str, _: i64) -> Result<()> {
        Ok(())
    }

    async fn check_addition_in(
        &self,
        _: &AppState,
        _: &DatabaseTransaction,
        _: &Scope,
        _: &'static str,
        _: i64,
    ) -> Result<()> {
        Ok(())
    }
}

/// The limits of a server without a plan-selling feature.
pub fn unlimited() -> Arc<dyn PlanLimits> {
    Arc::new(Unlimited)
}
