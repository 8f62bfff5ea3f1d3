//! Fetching a creator the pool does not know yet: a username goes to the configured public
//! source (Apify) — or the demo generator, when asked for demo data — as the Instagram layer's
//! refresh job, with live progress for the workspace that asked. When the refresh lands, the
//! `PROFILE_REFRESHED` follow-up indexes the creator and it appears in search. Fetching costs
//! nothing; what it reveals beyond the public card is paid for with an unlock.
//!
//! The rule of which data a new username gets is the Instagram layer's
//! (`profiles::pool_for_new`): real data needs a live source, demo data is asked for, and
//! made-up figures never stand under a real username.

use instagram::{
    jobs::RefreshProfile,
    service::profiles::{self, Pool},
    source::Username,
};
use platform::{AppState, Ctx, Permission, Result};
use serde::Serialize;
use uuid::Uuid;

use super::unlocks;

/// What a fetch did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryFetch)]
pub struct Fetched {
    pub profile_id: Uuid,
    pub username: String,
    /// `live` or `demo`.
    pub pool: String,
    /// The creator is already in the index: nothing was fetched.
    pub known: bool,
    /// The refresh job under way (its progress shows live), when one was queued.
    pub job_id: Option<Uuid>,
}

/// Queues the fetch of `username` (or answers that the creator is already known).
pub async fn fetch(state: &AppState, ctx: &Ctx, username: &str, demo: bool) -> Result<Fetched> {
    // A fetch adds to the shared pool and runs a job: not for read-only tokens.
    ctx.require(Permission::WorkspaceWrite)?;
    let username = Username::parse(username)?;
    let pool: Pool = profiles::pool_for_new(state, &username, demo).await?;
    let profile = profiles::find_or_create(&state.db, pool, username.as_str()).await?;
    if profile.fetched_at.is_some() && unlocks::creator_of(&state.db, profile.id).await.is_ok() {
        return Ok(Fetched {
            profile_id: profile.id,
            username: profile.username,
            pool: pool.as_str().into(),
            known: true,
            job_id: None,
        });
    }
    let job_id = RefreshProfile::enqueue(&state.db, profile.id, Some(ctx.workspace_id()?)).await?;
    Ok(Fetched {
        profile_id: profile.id,
        username: profile.username,
        pool: pool.as_str().into(),
        known: false,
        job_id,
    })
}
