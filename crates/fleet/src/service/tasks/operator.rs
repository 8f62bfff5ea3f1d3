//! An operator acting as a worker from an account's page: the owner or an admin takes the
//! account's due task, sees what a worker would (credentials, proxy, content) and answers it.
//! Showing the credentials is written on the account's timeline and in the activity log.

use platform::{AppState, Ctx, Error, Result};
use uuid::Uuid;

use super::Claimant;
use crate::model::task;
use crate::service::{access, accounts, lifecycle};

/// The operator as a claimant: tasks it holds are known by its session, not a worker id.
pub fn claimant(ctx: &Ctx) -> Claimant {
    Claimant::Operator {
        user_id: ctx.user.id,
        label: lifecycle::Actor::user(ctx).label,
    }
}

/// Takes the account's due task (owner or admin only) and records that its credentials were
/// shown; a 409 when none is due.
pub async fn take(state: &AppState, ctx: &Ctx, account_id: Uuid) -> Result<task::Model> {
    let scope = access::admin(state, ctx).await?;
    let a = accounts::find_in(&state.db, &scope, account_id).await?;
    let t = super::claim(&state.db, &scope, Some(a.id), &claimant(ctx))
        .await?
        .ok_or_else(|| Error::Conflict("This account has no task due now.".into()))?
        .task;
    lifecycle::record(
        &state.db,
        scope.workspace_id(),
        Some(a.id),
        a.proxy_id,
        "credentials",
        (None, None),
        &lifecycle::Actor::user(ctx),
        &format!(
            "Took step {}, {} as a worker; its credentials were shown",
            t.step_number, t.step_label
        ),
    )
    .await?;
    platform::audit::record(
        &state.db,
        platform::audit::Event::new("fleet.account.credentials_shown")
            .by(ctx)
            .workspace(Some(scope.workspace_id()))
            .target("fleet_account", a.id),
    )
    .await?;
    Ok(t)
}
