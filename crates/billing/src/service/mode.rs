//! Whether this server takes payments. Without a Stripe secret key (in the configuration or
//! the system settings) it takes none: Growthdeck is self-hosted for its owner's own use, and
//! every workspace is on the unlimited Self-hosted plan. Once a key is set the server sells
//! plans: workspaces created from then on start on the Free plan, and those from before keep
//! the Self-hosted plan until staff move them (`/admin/billing/self-hosted`) — never a
//! silent switch.
//!
//! The mode is read from the settings by whoever has the state ([`observe`]) and recorded in
//! the database with the moment Stripe was first seen configured, so code that only has a
//! connection (a limit check inside another feature's transaction) reads the same answer
//! ([`recorded`]). The server observes at start-up and on every billing decision that has
//! the state, so a key saved in the back office applies within seconds.

use chrono::{DateTime, Utc};
use platform::{AppState, Error, Result, settings};
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};
use serde::Serialize;

/// `platform_settings` row: when this server was first seen with a Stripe key (RFC 3339).
pub const STRIPE_SINCE: &str = "billing.stripe_since";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// No Stripe key: no payments, every workspace unlimited.
    SelfHosted,
    /// Plans are sold through Stripe, since this moment.
    Stripe { since: DateTime<Utc> },
}

impl Mode {
    pub fn takes_payments(&self) -> bool {
        matches!(self, Mode::Stripe { .. })
    }
}

/// Whether the effective settings hold a Stripe secret key now.
pub async fn stripe_configured(state: &AppState) -> bool {
    state
        .settings
        .get(crate::settings::STRIPE_SECRET_KEY.name)
        .await
        .is_some_and(|k| !k.trim().is_empty())
}

/// The mode as last recorded.
pub async fn recorded(conn: &impl ConnectionTrait) -> Result<Mode> {
    Ok(
        match settings::get(conn, STRIPE_SINCE)
            .await?
            .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
        {
            Some(since) => Mode::Stripe {
                since: since.with_timezone(&Utc),
            },
            None => Mode::SelfHosted,
        },
    )
}

/// The mode from the settings now; a change is recorded (first writer wins the moment, so
/// several nodes agree on it).
pub async fn observe(state: &AppState) -> Result<Mode> {
    let configured = stripe_configured(state).await;
    let recorded = recorded(&state.db).await?;
    match (configured, recorded) {
        (true, Mode::SelfHosted) => {
            settings::entity::Entity::insert(settings::entity::ActiveModel {
                key: Set(STRIPE_SINCE.into()),
                value: Set(platform::db::now().to_rfc3339()),
                updated_at: Set(platform::db::now()),
            })
            .on_conflict(
                OnConflict::column(settings::entity::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&state.db)
            .await?;
            tracing::info!("billing: Stripe is configured; new workspaces start on the Free plan");
            let now = self::recorded(&state.db).await?;
            if now == Mode::SelfHosted {
                return Err(Error::internal("the billing mode was not recorded"));
            }
            Ok(now)
        }
        (false, Mode::Stripe { .. }) => {
            settings::delete(&state.db, STRIPE_SINCE).await?;
            tracing::info!("billing: no Stripe key any more; workspaces are self-hosted");
            Ok(Mode::SelfHosted)
        }
        (_, mode) => Ok(mode),
    }
}
