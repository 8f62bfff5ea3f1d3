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

/// How long a worker's workspace is known to have the fleet before its plan is asked again.
/// Workers call several times a second; a plan change reaches them within this time.
pub const WORKER_PLAN_TTL: std::time::Duration = std::time::Duration::from_secs(30);

type PlanCache = std::sync::Mutex<std::collections::HashMap<uuid::Uuid, std::time::Instant>>;

fn plan_cache() -> &'static PlanCache {
    static CACHE: std::sync::OnceLock<PlanCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// A worker's workspace, if its plan (still) includes the fleet. A plan that has it is
/// remembered in this process for [`WORKER_PLAN_TTL`]; a refusal is never remembered.
pub async fn worker(state: &AppState, scope: Scope) -> Result<Scope> {
    let now = std::time::Instant::now();
    let fresh = plan_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&scope.workspace_id()).copied())
        .is_some_and(|at| now.duration_since(at) < WORKER_PLAN_TTL);
    if !fresh {
        state.limits.require_feature(state, &scope, FEATURE).await?;
        if let Ok(mut c) = plan_cache().lock() {
            if c.len() > 10_000 {
                c.clear();
            }
            c.insert(scope.workspace_id(), now);
        }
    }
    Ok(scope)
}
