//! Who may use the fleet: members of a workspace whose plan includes the `fleet` feature
//! (Enterprise as seeded; the self-hosted plan has every feature). Every customer-facing
//! service fn starts here, so the plan check and the tenancy scope are one step.

use platform::{AppState, Ctx, Permission, Result, Scope};

/// The plan feature flag this module sells under.
pub const FEATURE: &str = "fleet";

/// The caller's workspace, if its plan includes the fleet (read access).
pub async fn read(state: &AppState, ctx: &Ctx) -> Result<Scope> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    state.limits.require_feature(state, &scope, FEATURE).await?;
    Ok(scope)
}

/// The caller's workspace for a change (members who may change workspace data).
pub async fn write(state: &AppState, ctx: &Ctx) -> Result<Scope> {
    ctx.require(Permission::WorkspaceWrite)?;
    read(state, ctx).await
}

/// The caller's workspace for owner/admin-only acts (revealing passwords, worker tokens).
pub async fn admin(state: &AppState, ctx: &Ctx) -> Result<Scope> {
    ctx.require(Permission::WorkspaceSettings)?;
    read(state, ctx).await
}

/// A worker's workspace, if its plan (still) includes the fleet.
pub async fn worker(state: &AppState, scope: Scope) -> Result<Scope> {
    state.limits.require_feature(state, &scope, FEATURE).await?;
    Ok(scope)
}
