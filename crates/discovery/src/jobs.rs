//! `discovery.index_profile`: keeps one creator's search row current. Queued when the
//! Instagram data layer refreshed a profile and again when its posts were analysed (the
//! category and language mix come from the analyses); one waits per profile at a time.
//! `discovery.reindex`: indexes the whole pool (after an upgrade, or from the CLI).

use platform::{
    AppState, Result,
    follow_ups::{BoxFuture, FollowUp},
    jobs::{Enqueue, Job, JobError, JobMeta},
};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::service::index;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexProfile {
    pub profile_id: Uuid,
}

impl IndexProfile {
    /// Queues the indexing unless one of this profile is already waiting (it reads the data
    /// when it runs, so the waiting one covers this change too).
    pub async fn enqueue(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<Option<Uuid>> {
        platform::jobs::enqueue_with(
            conn,
            &IndexProfile { profile_id },
            Enqueue {
                unique: Some((
                    format!("discovery-index:{profile_id}"),
                    std::time::Duration::from_secs(60),
                )),
                ..Default::default()
            },
        )
        .await
    }
}

impl Job for IndexProfile {
    const KIND: &'static str = "discovery.index_profile";
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

    async fn run(self, state: AppState, _meta: JobMeta) -> std::result::Result<(), JobError> {
        index::profiles(&state.db, &[self.profile_id])
            .await
            .map(|_| ())
            .map_err(JobError::retry)
    }
}

/// Indexes the whole pool, a batch of profiles at a time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reindex {}

impl Job for Reindex {
    const KIND: &'static str = "discovery.reindex";
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

    async fn run(self, state: AppState, _meta: JobMeta) -> std::result::Result<(), JobError> {
        let n = index::all(&state.db, |_| {})
            .await
            .map_err(JobError::retry)?;
        tracing::info!(creators = n, "discovery index rebuilt");
        Ok(())
    }
}

/// The follow-up of a refresh or an analysis: index the profile again.
pub fn after_change(state: AppState, follow_up: FollowUp) -> BoxFuture<'static, Result<()>> {
    Box::pin(async move {
        IndexProfile::enqueue(&state.db, follow_up.subject).await?;
        Ok(())
    })
}
