//! Background work: refreshing a profile (one queue per source, so each source has its own
//! concurrency limit), and the scheduler that queues profiles coming due.

use chrono::Utc;
use platform::{
    AppState, Result,
    jobs::{Enqueue, Job, JobError, JobMeta, cron::Schedule, progress::Progress},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    model::{account, profile, tracked},
    service::{
        profiles::{self, Pool},
        refresh::{self, RefreshError},
    },
    source::{Source, SourceError},
};

/// Refreshes one profile from its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshProfile {
    pub profile_id: Uuid,
    /// The workspace that asked ("refresh now", a new account): it sees live progress.
    pub workspace_id: Option<Uuid>,
}

/// The queue of a source: each queue's concurrency is that source's limit.
pub fn queue_for(pool: Pool, source_hint: Option<Source>) -> &'static str {
    match (pool, source_hint) {
        (Pool::Demo, _) => "ig_demo",
        (Pool::Live, Some(Source::Graph)) => "ig_graph",
        (Pool::Live, _) => "ig_apify",
    }
}

impl RefreshProfile {
    /// Queues a refresh unless one of this profile is already waiting (unique for 5 minutes).
    pub async fn enqueue(
        conn: &impl ConnectionTrait,
        profile_id: Uuid,
        workspace_id: Option<Uuid>,
    ) -> Result<Option<Uuid>> {
        let profile = profiles::get(conn, profile_id).await?;
        let graph = account::Entity::find()
            .filter(account::Column::ProfileId.eq(profile_id))
            .filter(account::Column::Source.eq(Source::Graph.as_str()))
            .one(conn)
            .await?
            .is_some();
        let queue = queue_for(Pool::of(&profile), graph.then_some(Source::Graph));
        platform::jobs::enqueue_with(
            conn,
            &RefreshProfile {
                profile_id,
                workspace_id,
            },
            Enqueue {
                queue: Some(queue.into()),
                unique: Some((
                    format!("ig-refresh:{profile_id}"),
                    std::time::Duration::from_secs(300),
                )),
                ..Default::default()
            },
        )
        .await
    }
}

impl Job for RefreshProfile {
    const KIND: &'static str = "instagram.refresh";
    const QUEUE: &'static str = "ig_demo";
    const MAX_ATTEMPTS: i32 = 6;
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    async fn run(self, state: AppState, meta: JobMeta) -> std::result::Result<(), JobError> {
        let username = profiles::get(&state.db, self.profile_id)
            .await
            .map(|p| p.username)
            .unwrap_or_default();
        let label = format!("Refreshing @{username}");
        let progress = match self.workspace_id {
            Some(ws) => Some(Progress::start(&state, ws, meta.id, &label).await),
            None => None,
        };
        // The refresh reports each page synchronously; a task forwards the counts to the live
        // progress events as they come.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Option<u64>)>();
        let reporter = tokio::spawn(async move {
            let mut progress = progress;
            while let Some((done, total)) = rx.recv().await {
                if let Some(p) = progress.as_mut() {
                    p.update(done, total).await;
                }
            }
            progress
        });
        let result = refresh::refresh_profile(&state, self.profile_id, |done, total| {
            let _ = tx.send((done, total));
        })
        .await;
        drop(tx);
        let progress = reporter.await.unwrap_or(None);
        let last_attempt = meta.attempt >= meta.max_attempts;
        match result {
            Ok(outcome) => {
                if let Some(p) = progress {
                    p.finish(
                        true,
                        format!(
                            "@{username}: {} new posts, {} updated",
                            outcome.new_posts, outcome.updated_posts
                        ),
                    )
                    .await;
                }
                Ok(())
            }
            Err(RefreshError::Source(SourceError::Throttled {
                retry_after_secs,
                message,
            })) if !last_attempt => Err(JobError::retry_in(
                format!("rate limited: {message}"),
                std::time::Duration::from_secs(retry_after_secs),
            )),
            Err(RefreshError::Source(e)) if e.is_temporary() && !last_attempt => {
                Err(JobError::retry(e))
            }
            Err(e) => {
                if let Some(p) = progress {
                    p.finish(false, format!("@{username}: {e}")).await;
                }
                match e {
                    RefreshError::Source(
                        SourceError::NotFound(_)
                        | SourceError::BadRequest(_)
                        | SourceError::NotConfigured(_)
                        | SourceError::Reconnect(_)
                        | SourceError::Unsupported,
                    ) => Err(JobError::permanent(e)),
                    other => Err(JobError::retry(other)),
                }
            }
        }
    }
}

/// Queues the refreshes that came due: profiles some workspace uses (an account or a tracked
/// profile) whose next refresh time has passed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScheduleRefreshes {}

/// Profiles queued per scheduler run (the rest wait for the next run).
const SCHEDULE_BATCH: u64 = 500;

impl Job for ScheduleRefreshes {
    const KIND: &'static str = "instagram.schedule_refreshes";

    async fn run(self, state: AppState, _: JobMeta) -> std::result::Result<(), JobError> {
        let due: Vec<Uuid> = profile::Entity::find()
            .select_only()
            .column(profile::Column::Id)
            .filter(profile::Column::NextRefreshAt.lte(Utc::now()))
            .limit(SCHEDULE_BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        if due.is_empty() {
            return Ok(());
        }
        let used_by_accounts: Vec<Uuid> = account::Entity::find()
            .select_only()
            .column(account::Column::ProfileId)
            .filter(account::Column::ProfileId.is_in(due.clone()))
            .into_tuple()
            .all(&state.db)
            .await?;
        let used_by_tracking: Vec<Uuid> = tracked::Entity::find()
            .select_only()
            .column(tracked::Column::ProfileId)
            .filter(tracked::Column::ProfileId.is_in(due.clone()))
            .into_tuple()
            .all(&state.db)
            .await?;
        let mut queued = 0;
        let in_use = due
            .into_iter()
            .filter(|id| used_by_accounts.contains(id) || used_by_tracking.contains(id));
        for id in in_use {
            if RefreshProfile::enqueue(&state.db, id, None)
                .await?
                .is_some()
            {
                queued += 1;
            }
        }
        if queued > 0 {
            state.jobs.wake();
            tracing::info!(queued, "instagram refreshes queued");
        }
        Ok(())
    }
}

/// Renews connected accounts' Instagram tokens before they expire (see `service::tokens`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefreshTokens {}

impl Job for RefreshTokens {
    const KIND: &'static str = "instagram.refresh_tokens";
    const MAX_ATTEMPTS: i32 = 5;

    async fn run(self, state: AppState, _: JobMeta) -> std::result::Result<(), JobError> {
        let done = crate::service::tokens::renew_due(&state).await?;
        if done != Default::default() {
            tracing::info!(
                renewed = done.renewed,
                reconnect = done.reconnect,
                temporary = done.temporary,
                failed = done.failed,
                "instagram tokens renewed"
            );
        }
        // Accounts already renewed are no longer due: another attempt retries only the rest.
        if done.temporary > 0 {
            return Err(JobError::retry(format!(
                "{} Instagram tokens could not be renewed for now",
                done.temporary
            )));
        }
        Ok(())
    }
}

/// Every 5 minutes the scheduler looks for profiles due (each is due every
/// `GROWTHDECK_INSTAGRAM_REFRESH_HOURS`, 6 by default); tokens are renewed once a day.
pub fn schedules() -> Vec<Schedule> {
    vec![
        Schedule::new(
            "instagram_refresh",
            "*/5 * * * *",
            ScheduleRefreshes::default,
        ),
        Schedule::new("instagram_tokens", "17 3 * * *", RefreshTokens::default),
    ]
}
