//! `intelligence.analyze_profile`: keeps one profile's analyses current. Queued after each
//! refresh of the profile (the instagram feature's `PROFILE_REFRESHED` follow-up), by "Analyse
//! now" and by `growthdeck analyze`; one waits per profile at a time.

use platform::{
    AppState, Result,
    follow_ups::{BoxFuture, FollowUp},
    jobs::{Enqueue, Job, JobError, JobMeta, progress::Progress},
};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::service::analyze;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyzeProfile {
    pub profile_id: Uuid,
    /// The workspace that asked: it sees live progress.
    pub workspace_id: Option<Uuid>,
}

impl AnalyzeProfile {
    /// Queues the analysis unless one of this profile is already waiting (the waiting one
    /// reads the posts when it runs, so it covers the newer ones too).
    pub async fn enqueue(
        conn: &impl ConnectionTrait,
        profile_id: Uuid,
        workspace_id: Option<Uuid>,
    ) -> Result<Option<Uuid>> {
        platform::jobs::enqueue_with(
            conn,
            &AnalyzeProfile {
                profile_id,
                workspace_id,
            },
            Enqueue {
                unique: Some((
                    format!("intel-analyze:{profile_id}"),
                    std::time::Duration::from_secs(60),
                )),
                ..Default::default()
            },
        )
        .await
    }
}

impl Job for AnalyzeProfile {
    const KIND: &'static str = "intelligence.analyze_profile";
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1800);

    async fn run(self, state: AppState, meta: JobMeta) -> std::result::Result<(), JobError> {
        let mut progress = match self.workspace_id {
            Some(ws) => Some(Progress::start(&state, ws, meta.id, "Analysing posts").await),
            None => None,
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
        let reporter = tokio::spawn(async move {
            while let Some((done, total)) = rx.recv().await {
                if let Some(p) = progress.as_mut() {
                    p.update(done, Some(total)).await;
                }
            }
            progress
        });
        let result = analyze::analyze_profile(&state, self.profile_id, |done, total| {
            let _ = tx.send((done, total));
        })
        .await;
        drop(tx);
        let progress = reporter.await.unwrap_or(None);
        match result {
            Ok(outcome) => {
                state
                    .follow_ups
                    .announce(
                        &state,
                        FollowUp {
                            topic: crate::PROFILE_ANALYSED,
                            subject: self.profile_id,
                            workspace_id: self.workspace_id,
                        },
                    )
                    .await;
                if let Some(p) = progress {
                    p.finish(
                        true,
                        format!(
                            "{} posts and {} comments analysed",
                            outcome.posts_analysed, outcome.comments_analysed
                        ),
                    )
                    .await;
                }
                Ok(())
            }
            Err(e) => {
                if let Some(p) = progress {
                    p.finish(false, "The analysis failed; it will be tried again")
                        .await;
                }
                Err(JobError::retry(e))
            }
        }
    }
}

/// The follow-up of a refresh: analyse the profile's new posts.
pub fn after_refresh(state: AppState, follow_up: FollowUp) -> BoxFuture<'static, Result<()>> {
    Box::pin(async move {
        AnalyzeProfile::enqueue(&state.db, follow_up.subject, follow_up.workspace_id).await?;
        Ok(())
    })
}

/// `intelligence.run_audit`: computes and stores one audit asked for through
/// `service::audit::run::request` (which held its credits).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunAudit {
    pub audit_id: Uuid,
    pub workspace_id: Uuid,
}

impl RunAudit {
    pub async fn enqueue(
        conn: &impl ConnectionTrait,
        audit_id: Uuid,
        workspace_id: Uuid,
    ) -> Result<Option<Uuid>> {
        platform::jobs::enqueue_with(
            conn,
            &RunAudit {
                audit_id,
                workspace_id,
            },
            Enqueue::default(),
        )
        .await
    }
}

impl Job for RunAudit {
    const KIND: &'static str = "intelligence.run_audit";
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, state: AppState, meta: JobMeta) -> std::result::Result<(), JobError> {
        let mut progress =
            Progress::start(&state, self.workspace_id, meta.id, "Auditing the account").await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
        let reporter = tokio::spawn(async move {
            while let Some((done, total)) = rx.recv().await {
                progress.update(done, Some(total)).await;
            }
            progress
        });
        let last_attempt = meta.attempt >= meta.max_attempts;
        let result = crate::service::audit::run::execute(
            &state,
            self.audit_id,
            self.workspace_id,
            last_attempt,
            |done, total| {
                let _ = tx.send((done, total));
            },
        )
        .await;
        drop(tx);
        let progress = reporter.await.ok();
        match result {
            Ok(score) => {
                if let Some(p) = progress {
                    let message = match score {
                        Some(s) => format!("Audit ready: overall score {s:.0} of 100"),
                        None => "Audit ready".to_string(),
                    };
                    p.finish(true, message).await;
                }
                Ok(())
            }
            Err(platform::Error::NotFound) => {
                if let Some(p) = progress {
                    p.finish(false, "The audit failed: the account was removed")
                        .await;
                }
                Err(JobError::Permanent("the audited subject is gone".into()))
            }
            Err(e) => {
                if let Some(p) = progress {
                    p.finish(
                        false,
                        if last_attempt {
                            "The audit failed; no credits were taken"
                        } else {
                            "The audit failed; it will be tried again"
                        },
                    )
                    .await;
                }
                Err(JobError::retry(e))
            }
        }
    }
}
