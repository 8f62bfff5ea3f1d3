//! What an account page and the API show of an own account or a tracked profile over a
//! period: its [`ProfileFigures`] (followers, engagement, posting frequency, media types),
//! its top posts with their private insights where the workspace has them, and the
//! account's insights of the period. Tracked profiles have public figures only.

use std::{collections::HashMap, sync::Arc};

use chrono::{NaiveDate, Utc};
use platform::{AppState, Ctx, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

pub use super::engagement::{DEFINITION as ENGAGEMENT_DEFINITION, DEFINITION_LINK};
use super::{
    engagement::{self, FollowerHistory},
    figures::{self, ProfileFigures},
    figures_cache,
    period::Period,
    subject::Subject,
};
use crate::model::{account_insight, post, post_insight, profile_snapshot};

/// Top posts a page shows.
pub const TOP_POSTS: u64 = 9;

#[derive(Debug, Clone)]
pub struct PostView {
    pub post: post::Model,
    /// Private insights (own connected or demo accounts), the newest reading.
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    /// In % ([`ENGAGEMENT_DEFINITION`]); `None` when it cannot be known.
    pub engagement: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub subject: Subject,
    pub figures: Arc<ProfileFigures>,
    /// The period's posts with the most likes + comments, most first.
    pub top_posts: Vec<PostView>,
    /// The account's private insights of the period, oldest first (own accounts only).
    pub insights: Vec<account_insight::Model>,
}

pub async fn account_detail(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    period: Period,
) -> Result<Detail> {
    detail(state, Subject::account(state, ctx, id).await?, period).await
}

pub async fn tracked_detail(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    period: Period,
) -> Result<Detail> {
    detail(state, Subject::tracked(state, ctx, id).await?, period).await
}

async fn detail(state: &AppState, subject: Subject, period: Period) -> Result<Detail> {
    let today = Utc::now().date_naive();
    let profile = subject.profile();
    let (figures, top) =
        figures_cache::figures_and_top(&state.db, profile, period, today, TOP_POSTS).await?;
    let top_posts = post_views(&state.db, subject.account_id(), &figures.followers, top).await?;
    let insights = match subject.account_id() {
        Some(account_id) => {
            account_insight::Entity::find()
                .filter(account_insight::Column::AccountId.eq(account_id))
                .filter(account_insight::Column::Day.gte(figures.first_day()))
                .filter(account_insight::Column::Day.lte(today))
                .order_by_asc(account_insight::Column::Day)
                .all(&state.db)
                .await?
        }
        None => Vec::new(),
    };
    Ok(Detail {
        subject,
        figures,
        top_posts,
        insights,
    })
}

/// The newest posts of the detail's profile with their rates and insights (the API's list).
pub async fn recent_posts(state: &AppState, d: &Detail, limit: u64) -> Result<Vec<PostView>> {
    let profile = d.subject.profile();
    let posts = figures::recent_posts(&state.db, profile.id, limit).await?;
    let Some(oldest) = posts.iter().map(|p| p.posted_at.date_naive()).min() else {
        return Ok(Vec::new());
    };
    let followers = follower_history(
        &state.db,
        profile.id,
        oldest,
        d.figures.today,
        profile.followers_count,
    )
    .await?;
    post_views(&state.db, d.subject.account_id(), &followers, posts).await
}

/// Follower snapshots from `from` to `to`, with the last one before `from`.
pub(crate) async fn follower_history(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    current: Option<i64>,
) -> Result<FollowerHistory> {
    let before = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .filter(profile_snapshot::Column::Day.lt(from))
        .order_by_desc(profile_snapshot::Column::Day)
        .one(db)
        .await?;
    let within = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .filter(profile_snapshot::Column::Day.gte(from))
        .filter(profile_snapshot::Column::Day.lte(to))
        .order_by_asc(profile_snapshot::Column::Day)
        .all(db)
        .await?;
    Ok(FollowerHistory::new(
        before
            .into_iter()
            .chain(within)
            .filter_map(|s| s.followers_count.map(|f| (s.day, f)))
            .collect(),
        current,
    ))
}

/// Rates each post and adds the account's newest insight reading of it (none for tracked
/// profiles: insights are private to the account's workspace).
pub(crate) async fn post_views(
    db: &impl ConnectionTrait,
    account_id: Option<Uuid>,
    followers: &FollowerHistory,
    posts: Vec<post::Model>,
) -> Result<Vec<PostView>> {
    let mut insight: HashMap<Uuid, post_insight::Model> = HashMap::new();
    if let Some(account_id) = account_id
        && !posts.is_empty()
    {
        for i in post_insight::Entity::find()
            .filter(post_insight::Column::AccountId.eq(account_id))
            .filter(post_insight::Column::PostId.is_in(posts.iter().map(|p| p.id)))
            .order_by_asc(post_insight::Column::Day)
            .all(db)
            .await?
        {
            insight.insert(i.post_id, i);
        }
    }
    Ok(posts
        .into_iter()
        .map(|p| {
            let i = insight.get(&p.id);
            PostView {
                engagement: engagement::post_rate(
                    p.like_count,
                    p.comments_count,
                    followers.on(p.posted_at.date_naive()),
                ),
                saves: i.and_then(|i| i.saved),
                shares: i.and_then(|i| i.shares),
                reach: i.and_then(|i| i.reach),
                post: p,
            }
        })
        .collect())
}
