//! Tracking: finds the posts of a campaign's creators, posted inside its window, whose caption
//! mentions one of its @handles, #hashtags or phrases ([`super::matching`]), and adds them to
//! the campaign. Running it again adds nothing twice (one row per campaign and post).
//!
//! `discovery.track_campaign` runs it: by hand ("Find posts now", with live progress) and once
//! a day while a campaign runs. The daily run schedules itself: creating or editing a campaign
//! queues the run of its next due day, and each daily run queues the next day's, up to the
//! day after the window ends (posts of the last day are often fetched the morning after). A
//! key per campaign and day keeps one run per day however often it is queued. The daily run
//! also asks the instagram crate to refresh the creators who are agreed or live, so their new
//! posts are in the pool by the next run. Tracking reads only the posts the pool already has.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    jobs::{Enqueue, Job, JobError, JobMeta, progress::Progress},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Status, find_in, insert_tracked, log, matching, status_of, terms_of, window};
use crate::model::campaigns::{campaign, campaign_creator};

/// Creators read per step of the progress.
const BATCH: usize = 25;
/// The hour (UTC) of a day's run.
const DAILY_HOUR: u32 = 6;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrackCampaign {
    pub campaign_id: Uuid,
    pub workspace_id: Uuid,
    /// The daily run (queues the next day's); `false` for "Find posts now".
    #[serde(default)]
    pub daily: bool,
    /// The day a daily run is for.
    #[serde(default)]
    pub day: Option<NaiveDate>,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tracked {
    /// Posts of the creators inside the window.
    pub examined: u64,
    /// Of those, mentioning the campaign.
    pub matched: u64,
    /// Of those, new on the campaign.
    pub added: u64,
}

/// Finds and adds the campaign's posts, reporting to `progress` after each batch of creators.
pub async fn track(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    campaign_id: Uuid,
    mut progress: Option<&mut Progress>,
) -> Result<Tracked> {
    let c = find_in(conn, scope, campaign_id).await?;
    let terms = terms_of(&c);
    let (from, until) = window(&c);
    let creators: Vec<Uuid> = campaign_creator::Entity::find()
        .filter(campaign_creator::Column::CampaignId.eq(campaign_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.profile_id)
        .collect();
    let total = creators.len() as u64;
    let mut out = Tracked::default();
    let mut done = 0;
    for batch in creators.chunks(BATCH) {
        let posts = instagram::service::pool::posts_between(conn, batch, from, until).await?;
        out.examined += posts.len() as u64;
        let found: Vec<_> = posts
            .into_iter()
            .filter_map(|p| {
                let m = matching::mentions(p.caption.as_deref().unwrap_or(""), &terms)?;
                Some((p, m))
            })
            .collect();
        out.matched += found.len() as u64;
        out.added += insert_tracked(conn, campaign_id, &found).await?;
        done += batch.len() as u64;
        if let Some(p) = progress.as_deref_mut() {
            p.update(done, Some(total)).await;
        }
    }
    let mut a = c.into_active_model();
    a.tracked_at = Set(Some(platform::db::now()));
    a.update(conn).await?;
    if out.added > 0 {
        log(
            conn,
            campaign_id,
            None,
            "posts.tracked",
            format!(
                "Found {} new {} mentioning the campaign",
                out.added,
                if out.added == 1 { "post" } else { "posts" }
            ),
        )
        .await?;
    }
    Ok(out)
}

/// "Find posts now": queues a run with progress; `None` when one is already waiting.
pub async fn track_now(state: &AppState, ctx: &Ctx, campaign_id: Uuid) -> Result<Option<Uuid>> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let c = find_in(&txn, &scope, campaign_id).await?;
    let job = platform::jobs::enqueue_with(
        &txn,
        &TrackCampaign {
            campaign_id,
            workspace_id: scope.workspace_id(),
            daily: false,
            day: None,
        },
        Enqueue {
            unique: Some((
                format!("disc-campaign-track:{campaign_id}"),
                std::time::Duration::from_secs(30),
            )),
            ..Default::default()
        },
    )
    .await?;
    if let Some(job_id) = job {
        let mut a = c.into_active_model();
        a.tracking_job_id = Set(Some(job_id));
        a.update(&txn).await?;
        log(
            &txn,
            campaign_id,
            Some(ctx),
            "posts.track",
            "Asked to find posts now",
        )
        .await?;
    }
    txn.commit().await?;
    Ok(job)
}

/// Queues the daily run of the campaign's next due day after `now` (today, or the window's
/// first day), unless the window (plus a day) is over.
pub async fn schedule_daily(
    conn: &impl ConnectionTrait,
    c: &campaign::Model,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    schedule_day(conn, c, now.date_naive().max(c.starts_on), now).await
}

async fn schedule_day(
    conn: &impl ConnectionTrait,
    c: &campaign::Model,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    if day > c.ends_on + Duration::days(1) {
        return Ok(None);
    }
    let at = day
        .and_hms_opt(DAILY_HOUR, 0, 0)
        .map_or(now, |t| t.and_utc())
        .max(now);
    platform::jobs::enqueue_with(
        conn,
        &TrackCampaign {
            campaign_id: c.id,
            workspace_id: c.workspace_id,
            daily: true,
            day: Some(day),
        },
        Enqueue {
            run_at: Some(at),
            unique: Some((
                format!("disc-campaign-daily:{}:{day}", c.id),
                std::time::Duration::from_secs(3 * 24 * 3600),
            )),
            ..Default::default()
        },
    )
    .await
}

/// Asks the instagram crate to refresh the creators who are agreed or live.
async fn refresh_creators(state: &AppState, campaign_id: Uuid) -> Result<()> {
    let entries = campaign_creator::Entity::find()
        .filter(campaign_creator::Column::CampaignId.eq(campaign_id))
        .all(&state.db)
        .await?;
    for e in entries {
        if matches!(status_of(&e), Status::Agreed | Status::Live) {
            match instagram::jobs::RefreshProfile::enqueue(&state.db, e.profile_id, None).await {
                // The profile left the pool: nothing to refresh.
                Ok(_) | Err(Error::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

impl Job for TrackCampaign {
    const KIND: &'static str = "discovery.track_campaign";
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    async fn run(self, state: AppState, meta: JobMeta) -> std::result::Result<(), JobError> {
        let scope = Scope::for_job(self.workspace_id);
        let mut progress = (!self.daily).then_some(
            Progress::start(&state, self.workspace_id, meta.id, "Finding campaign posts").await,
        );
        let outcome = track(&state.db, &scope, self.campaign_id, progress.as_mut()).await;
        let tracked = match outcome {
            Ok(t) => t,
            // The campaign was deleted meanwhile: nothing to do, nothing to retry.
            Err(Error::NotFound) => {
                if let Some(p) = progress {
                    p.finish(false, "The campaign no longer exists").await;
                }
                return Ok(());
            }
            Err(e) => {
                if let Some(p) = progress
                    && meta.attempt >= meta.max_attempts
                {
                    p.finish(false, "Finding posts failed").await;
                }
                return Err(JobError::retry(e));
            }
        };
        if let Some(p) = progress {
            p.finish(
                true,
                match tracked.added {
                    0 => "No new campaign posts found".to_string(),
                    1 => "Found 1 new campaign post".to_string(),
                    n => format!("Found {n} new campaign posts"),
                },
            )
            .await;
        }
        if self.daily {
            let c = find_in(&state.db, &scope, self.campaign_id)
                .await
                .map_err(JobError::retry)?;
            refresh_creators(&state, c.id)
                .await
                .map_err(JobError::retry)?;
            let now = platform::db::now();
            let next = self.day.unwrap_or(now.date_naive()) + Duration::days(1);
            schedule_day(&state.db, &c, next.max(now.date_naive()), now)
                .await
                .map_err(JobError::retry)?;
        }
        Ok(())
    }
}
