//! Credits as a port: a feature whose work costs credits (an audit, an unlock, an AI call)
//! holds the price before the work and spends it only when the work succeeded, without
//! depending on the feature that keeps the wallets. Billing provides the implementation
//! through its `Feature` (`Feature::credits`); a server without it charges nothing.
//!
//! Actions are named as in billing's price list (`"ai_audit"`, `"profile_unlock"`): the
//! feature that does the work names it, the wallet's owner prices it.
//!
//! Invariant the port's users rely on: a held reservation is either captured (spent) or
//! released (given back) exactly once; one that is neither (a crash mid-work) is released by
//! the wallet owner's sweeper. [`charge_on_success`] is the one way to spend, so a feature
//! cannot forget the release on its error path.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use uuid::Uuid;

use crate::{AppState, Result, Scope};

/// Who caused a ledger entry, as stored (`user:<id>`, `staff:<id>`, `stripe:<event>`, `system`).
#[derive(Debug, Clone)]
pub enum Actor {
    User(Uuid),
    Staff(Uuid),
    Stripe(String),
    System,
}

impl Actor {
    pub fn as_string(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::Stripe(event) => format!("stripe:{event}"),
            Actor::System => "system".into(),
        }
    }
}

/// Credits held for work under way.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reservation {
    pub id: Uuid,
    pub action: String,
    pub cost: i64,
    /// Covered by the action's free uses of the month.
    pub free: bool,
}

/// Whether the workspace can pay for one more use of an action, and what it would cost
/// (what `GET /credits/can-perform/{action}` answers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanPerform {
    pub action: String,
    pub allowed: bool,
    /// What the next use costs (0 while free uses remain).
    pub cost: i64,
    pub free_remaining: i64,
    pub balance: i64,
    /// Uses left this month under the plan's limit, when the action also counts against one
    /// (creator and email unlocks, post analyses); `null` when no plan limit applies.
    pub monthly_remaining: Option<i64>,
    /// Why the action is not allowed, in words for the customer; `null` when it is.
    pub reason: Option<String>,
}

/// The wallet of every workspace, as the feature that keeps them provides it.
#[async_trait]
pub trait CreditWallet: Send + Sync {
    /// What the next use of `action` would cost and whether the balance covers it.
    async fn can_perform(
        &self,
        state: &AppState,
        scope: &Scope,
        action: &str,
    ) -> Result<CanPerform>;

    /// Holds the price of `action` (or takes one of its free uses). Refused with
    /// `Error::PaymentRequired` (`insufficient-credits`), nothing changed, when the balance
    /// does not cover it.
    async fn reserve(
        &self,
        state: &AppState,
        scope: &Scope,
        action: &str,
        actor: &Actor,
        reference: Option<&str>,
    ) -> Result<Reservation>;

    /// The work succeeded: the held credits are spent.
    async fn capture(&self, state: &AppState, scope: &Scope, id: Uuid, actor: &Actor)
    -> Result<()>;

    /// The work failed: the held credits go back where they came from.
    async fn release(
        &self,
        state: &AppState,
        scope: &Scope,
        id: Uuid,
        actor: &Actor,
        reason: &str,
    ) -> Result<()>;

    /// Whether a use of `action` with this `reference` was settled (paid, or one of the free
    /// uses) at or after `since`: a feature that sells a view for a while (a result page) lets
    /// the workspace see it again without paying twice. No wallet: never.
    async fn settled_since(
        &self,
        _state: &AppState,
        _scope: &Scope,
        _action: &str,
        _reference: &str,
        _since: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        Ok(false)
    }
}

/// Runs `work` with the price of `action` held; captures on success, releases on failure.
/// The one way features spend credits.
pub async fn charge_on_success<T, F, Fut>(
    state: &AppState,
    scope: &Scope,
    action: &str,
    actor: &Actor,
    reference: Option<&str>,
    work: F,
) -> Result<T>
where
    F: FnOnce(Reservation) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let wallet = &state.credits;
    let held = wallet
        .reserve(state, scope, action, actor, reference)
        .await?;
    let id = held.id;
    match work(held).await {
        Ok(value) => {
            wallet.capture(state, scope, id, actor).await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(release_error) = wallet
                .release(state, scope, id, actor, "the work failed")
                .await
            {
                // The wallet owner's sweeper releases it later; the caller still learns the
                // work's own error.
                tracing::error!(reservation = %id, error = %release_error, "releasing credits failed");
            }
            Err(e)
        }
    }
}

/// No wallet: every action is free (no billing feature mounted). Reservations are not
/// recorded, so capturing or releasing one is a no-op.
pub struct NoCharge;

#[async_trait]
impl CreditWallet for NoCharge {
    async fn can_perform(&self, _: &AppState, _: &Scope, action: &str) -> Result<CanPerform> {
        Ok(CanPerform {
            action: action.into(),
            allowed: true,
            cost: 0,
            free_remaining: 0,
            balance: 0,
            monthly_remaining: None,
            reason: None,
        })
    }

    async fn reserve(
        &self,
        _: &AppState,
        _: &Scope,
        action: &str,
        _: &Actor,
        _: Option<&str>,
    ) -> Result<Reservation> {
        Ok(Reservation {
            id: Uuid::now_v7(),
            action: action.into(),
            cost: 0,
            free: true,
        })
    }

    async fn capture(&self, _: &AppState, _: &Scope, _: Uuid, _: &Actor) -> Result<()> {
        Ok(())
    }

    async fn release(&self, _: &AppState, _: &Scope, _: Uuid, _: &Actor, _: &str) -> Result<()> {
        Ok(())
    }
}

/// The wallet of a server without a credit-keeping feature.
pub fn no_charge() -> Arc<dyn CreditWallet> {
    Arc::new(NoCharge)
}
