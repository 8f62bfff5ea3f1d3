//! Refreshing one profile from its source: the profile and its snapshot of the day, media
//! newest first until it meets what is stored (incremental; posts younger than 30 days are read
//! again for their counts and insights), comments of new posts, and the private insights of each
//! connected account of the profile. Network calls happen outside transactions; each result is
//! written as it arrives.

use chrono::{Duration, Utc};
use platform::{AppState, Error, Result, crypto::Keyring};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::{
    accounts::{self, Status},
    profiles::{self, Pool},
    store,
};
use crate::{
    model::{account, profile},
    source::{self, DataSource, FetchedMedia, Source, SourceError, Target},
};

/// Media read per page.
const PAGE: usize = 50;
/// A first refresh reads at most this many posts (a year of a busy account).
const FIRST_LIMIT: usize = 500;
/// Posts this young are read again (counts still grow; insights change).
pub fn recent() -> Duration {
    Duration::days(30)
}
/// Days of history a first refresh stores where the source knows a past (the demo generator).
pub const HISTORY_DAYS: u32 = 365;
/// New posts whose comments are read, per refresh.
const COMMENTS_FOR: usize = 25;
/// The purpose bound to sealed account tokens.
pub const TOKEN_PURPOSE: &str = "ig_token";

/// What a refresh did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RefreshOutcome {
    pub new_posts: usize,
    pub updated_posts: usize,
    pub comments: u64,
    pub insight_accounts: usize,
}

/// Why a refresh stopped.
#[derive(Debug)]
pub enum RefreshError {
    Source(SourceError),
    Platform(Error),
}

impl From<Error> for RefreshError {
    fn from(e: Error) -> Self {
        RefreshError::Platform(e)
    }
}

impl From<sea_orm::DbErr> for RefreshError {
    fn from(e: sea_orm::DbErr) -> Self {
        RefreshError::Platform(e.into())
    }
}

impl From<SourceError> for RefreshError {
    fn from(e: SourceError) -> Self {
        RefreshError::Source(e)
    }
}

impl std::fmt::Display for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefreshError::Source(e) => write!(f, "{e}"),
            RefreshError::Platform(e) => write!(f, "{e}"),
        }
    }
}

/// The source a profile refreshes from, and the account whose token it uses (Graph).
pub async fn plan(
    state: &AppState,
    profile: &profile::Model,
) -> Result<(Source, Option<account::Model>)> {
    if Pool::of(profile) == Pool::Demo {
        return Ok((Source::Demo, None));
    }
    let connected = account::Entity::find()
        .filter(account::Column::ProfileId.eq(profile.id))
        .filter(account::Column::Source.eq(Source::Graph.as_str()))
        .filter(account::Column::Status.eq(Status::Active.as_str()))
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.access_token.is_some())
        .max_by_key(|a| a.token_refreshed_at.or(Some(a.created_at)));
    Ok(match connected {
        Some(a) => (Source::Graph, Some(a)),
        None => (Source::Apify, None),
    })
}

fn open_token(keys: &Keyring, account: &account::Model) -> Result<Option<String>> {
    account
        .access_token
        .as_deref()
        .map(|sealed| {
            keys.decrypt_str(TOKEN_PURPOSE, sealed)
                .map_err(Error::internal)
        })
        .transpose()
}

fn target_of(profile: &profile::Model, token: Option<String>) -> Target {
    Target {
        username: profile.username.clone(),
        ig_user_id: profile.ig_user_id.clone(),
        access_token: token,
    }
}

/// Refreshes a profile; `on_progress(done, total)` hears how far it got (posts read).
pub async fn refresh_profile(
    state: &AppState,
    profile_id: Uuid,
    mut on_progress: impl FnMut(u64, Option<u64>) + Send,
) -> std::result::Result<RefreshOutcome, RefreshError> {
    let row = profiles::get(&state.db, profile_id).await?;
    let (kind, via) = plan(state, &row).await?;
    let result = run(state, row.clone(), kind, via.as_ref(), &mut on_progress).await;
    record(state, profile_id, via.as_ref().map(|a| a.id), &result).await?;
    if result.is_ok() {
        // Other features' work on the new data (intelligence analyses the new posts).
        state
            .follow_ups
            .announce(
                state,
                platform::follow_ups::FollowUp {
                    topic: crate::PROFILE_REFRESHED,
                    subject: profile_id,
                    workspace_id: None,
                },
            )
            .await;
    }
    result
}

async fn run(
    state: &AppState,
    row: profile::Model,
    kind: Source,
    via: Option<&account::Model>,
    on_progress: &mut (impl FnMut(u64, Option<u64>) + Send),
) -> std::result::Result<RefreshOutcome, RefreshError> {
    let data = source::for_state(state, kind).await?;
    let token = match via {
        Some(a) => open_token(&state.keys, a)?,
        None => None,
    };
    let mut target = target_of(&row, token);
    let fetched = data.profile(&target).await?;
    let profile = store::save_profile(&state.db, row.clone(), &fetched, kind, Utc::now()).await?;
    target.ig_user_id = profile.ig_user_id.clone();
    // A profile's first fetch stores the past its source knows (a demo profile's year of daily
    // counts, in batches), so its charts have a line from the start; later refreshes add a
    // day at a time and never touch the past.
    if row.fetched_at.is_none() {
        match data.history(&target, HISTORY_DAYS).await {
            Ok(days) => {
                store::save_history(&state.db, profile.id, &days, kind, Utc::now()).await?;
            }
            Err(SourceError::Unsupported) => {}
            Err(e) => return Err(e.into()),
        }
    }

    let mut outcome = RefreshOutcome::default();
    let stored_newest = row.media_cursor.clone();
    let first = stored_newest.is_none();
    let recent_from = Utc::now() - recent();
    let mut after: Option<String> = None;
    let mut read = 0usize;
    let mut newest: Option<String> = None;
    let mut seen_known = false;
    let mut new_posts: Vec<(Uuid, FetchedMedia)> = Vec::new();
    let mut recent_posts: Vec<(Uuid, FetchedMedia)> = Vec::new();
    loop {
        let page = data.media(&target, after.as_deref(), PAGE).await?;
        if page.items.is_empty() {
            break;
        }
        if newest.is_none() {
            newest = page.items.first().map(|m| m.ig_media_id.clone());
        }
        let saved = store::save_media(&state.db, profile.id, &page.items, kind, Utc::now()).await?;
        outcome.new_posts += saved.inserted;
        outcome.updated_posts += saved.updated;
        // Media come newest first: once a page holds stored posts, everything older is stored
        // too, and once it reaches past the recent window nothing older changes.
        seen_known |= saved.updated > 0;
        let past_recent = page.items.iter().any(|m| m.posted_at < recent_from);
        read += page.items.len();
        on_progress(
            read as u64,
            profile
                .media_count
                .map(|n| n.max(read as i64) as u64)
                .filter(|_| first),
        );
        for (id, m, inserted) in saved.posts {
            if m.posted_at >= recent_from {
                recent_posts.push((id, m.clone()));
            }
            if inserted {
                new_posts.push((id, m));
            }
        }
        let stop =
            (!first && seen_known && past_recent) || read >= FIRST_LIMIT || page.next.is_none();
        if stop {
            break;
        }
        after = page.next;
    }

    // Comments of the newest new posts, where the source has them.
    for (post_id, m) in new_posts.iter().take(COMMENTS_FOR) {
        match data.comments(&target, &m.ig_media_id).await {
            Ok(comments) => {
                outcome.comments +=
                    store::save_comments(&state.db, *post_id, &comments, kind, Utc::now()).await?;
            }
            Err(SourceError::Unsupported) => break,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(e) => tracing::debug!(error = %e, "comments not read"),
        }
    }

    // Private insights of each connected account of this profile (Graph or demo).
    for a in accounts::with_insights(&state.db, profile.id).await? {
        let source = Source::parse(&a.source).unwrap_or(Source::Manual);
        let reader: std::sync::Arc<dyn DataSource> = if source == kind {
            data.clone()
        } else {
            match source::for_state(state, source).await {
                Ok(s) => s,
                Err(_) => continue,
            }
        };
        let account_target = target_of(&profile, open_token(&state.keys, &a)?);
        for (post_id, m) in &recent_posts {
            match reader.media_insights(&account_target, m).await {
                Ok(i) => {
                    store::save_post_insights(&state.db, a.id, *post_id, &i, source, Utc::now())
                        .await?
                }
                Err(SourceError::Unsupported) => break,
                Err(e) => return Err(e.into()),
            }
        }
        let days = if first { 30 } else { 3 };
        match reader.account_insights(&account_target, days).await {
            Ok(d) => {
                store::save_account_insights(&state.db, a.id, &d, source, Utc::now()).await?;
            }
            Err(SourceError::Unsupported) => {}
            Err(e) => return Err(e.into()),
        }
        outcome.insight_accounts += 1;
    }

    if let Some(newest) = newest {
        let mut active = profiles::get(&state.db, profile.id)
            .await?
            .into_active_model();
        active.media_cursor = Set(Some(newest));
        active.update(&state.db).await?;
    }
    Ok(outcome)
}

/// Records the outcome on the profile and its accounts, and schedules the next refresh; `via`
/// is the connected account whose token the refresh used.
async fn record(
    state: &AppState,
    profile_id: Uuid,
    via: Option<Uuid>,
    result: &std::result::Result<RefreshOutcome, RefreshError>,
) -> Result<()> {
    let now = Utc::now();
    let every = Duration::minutes(
        (state.config.get(&crate::settings::INSTAGRAM_REFRESH_HOURS) * 60.0).max(5.0) as i64,
    );
    // ±10 %: profiles added together do not all come due in the same minute again.
    let spread = every
        .to_std()
        .map(platform::jobs::jitter)
        .ok()
        .and_then(|d| Duration::from_std(d).ok())
        .unwrap_or(every);
    let (error, next) = match result {
        Ok(_) => (None, now + spread),
        Err(RefreshError::Source(e)) if e.is_temporary() => {
            (Some(e.to_string()), now + Duration::minutes(30))
        }
        Err(e) => (Some(e.to_string()), now + every),
    };
    let mut active = profiles::get(&state.db, profile_id)
        .await?
        .into_active_model();
    active.last_refresh_at = Set(Some(now));
    active.last_refresh_error = Set(error.clone());
    active.next_refresh_at = Set(Some(next));
    active.update(&state.db).await?;
    account::Entity::update_many()
        .col_expr(
            account::Column::LastRefreshAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            account::Column::LastRefreshError,
            sea_orm::sea_query::Expr::value(error),
        )
        .filter(account::Column::ProfileId.eq(profile_id))
        .exec(&state.db)
        .await?;
    // Only the account whose token was used: the next refresh tries another connected one.
    if let (Err(RefreshError::Source(SourceError::Reconnect(why))), Some(account)) = (result, via) {
        accounts::reconnect_needed(state, account, why).await?;
    }
    Ok(())
}
