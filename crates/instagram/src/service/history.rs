//! A subject's whole record over a time range, for features that judge it (intelligence's
//! audits, best posting times): every post with its counts, its engagement rate on the day it
//! went out and, for an own account, its newest private insight reading; the follower history;
//! the account's daily insights (reach, followers online by hour). Read here so those
//! features never read this feature's tables. The subject was reached through the caller's
//! scope (or a job that stored it), so private insights are only ever those of its own account.

use chrono::{DateTime, NaiveDate, Utc};
use platform::Result;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    engagement::FollowerHistory,
    subject::Subject,
    views::{PostView, follower_history, post_views},
};
use crate::model::{account_insight, post};

/// One post as a judge reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRecord {
    pub id: Uuid,
    pub shortcode: Option<String>,
    pub permalink: Option<String>,
    pub caption: Option<String>,
    /// `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`.
    pub media_type: String,
    /// `FEED`, `REELS`, `STORY` where the source says.
    pub product_type: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub views: Option<i64>,
    /// Followers on the day it was posted (the snapshot on or before that day).
    pub followers: Option<i64>,
    /// `engagement::post_rate`, in %.
    pub rate: Option<f64>,
    pub reach: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
}

impl PostRecord {
    /// Reels are videos published as reels (Graph) or any video where the source does not say.
    pub fn is_reel(&self) -> bool {
        match self.product_type.as_deref() {
            Some(p) => p.eq_ignore_ascii_case("REELS"),
            None => self.media_type.eq_ignore_ascii_case("VIDEO"),
        }
    }
}

/// An own account's insights of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountDay {
    pub day: NaiveDate,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub accounts_engaged: Option<i64>,
    /// Followers online per hour of the day, hours counted from Pacific midnight (as
    /// Instagram reports them), when known.
    pub online_followers: Option<Vec<i64>>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct History {
    pub profile_id: Uuid,
    pub username: String,
    pub followers_now: Option<i64>,
    /// Where the profile's counts came from, and when.
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
    /// Posts from `from` on, oldest first.
    pub posts: Vec<PostRecord>,
    /// (day, followers) from the snapshots, oldest first, with the last one before `from`.
    pub followers: Vec<(NaiveDate, i64)>,
    /// The own account's insights from `from` on, oldest first (empty for tracked profiles).
    pub account_days: Vec<AccountDay>,
}

/// The subject's record from `from` (inclusive) to now.
pub async fn of(db: &impl ConnectionTrait, subject: &Subject, from: NaiveDate) -> Result<History> {
    of_profile(db, subject.profile(), subject.account_id(), from).await
}

/// [`of`] for a profile and, when it is an own account of the caller's, that account (whose
/// private insights are read). Callers pass an account only after reaching it through a scope.
pub async fn of_profile(
    db: &impl ConnectionTrait,
    profile: &crate::model::profile::Model,
    account_id: Option<Uuid>,
    from: NaiveDate,
) -> Result<History> {
    let today = Utc::now().date_naive();
    let start = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let posts = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile.id))
        .filter(post::Column::PostedAt.gte(start))
        .order_by_asc(post::Column::PostedAt)
        .order_by_asc(post::Column::Id)
        .all(db)
        .await?;
    let followers: FollowerHistory =
        follower_history(db, profile.id, from, today, profile.followers_count).await?;
    let views = post_views(db, account_id, &followers, posts).await?;
    let account_days = match account_id {
        Some(account_id) => account_insight::Entity::find()
            .filter(account_insight::Column::AccountId.eq(account_id))
            .filter(account_insight::Column::Day.gte(from))
            .order_by_asc(account_insight::Column::Day)
            .all(db)
            .await?
            .into_iter()
            .map(|d| AccountDay {
                day: d.day,
                reach: d.reach,
                views: d.views,
                accounts_engaged: d.accounts_engaged,
                online_followers: d
                    .online_followers
                    .and_then(|v| serde_json::from_value::<Vec<i64>>(v).ok())
                    .filter(|v| v.len() == 24),
                source: d.source,
                fetched_at: d.fetched_at,
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(History {
        profile_id: profile.id,
        username: profile.username.clone(),
        followers_now: profile.followers_count,
        source: profile.source.clone(),
        fetched_at: profile.fetched_at,
        posts: views.into_iter().map(|v| record(v, &followers)).collect(),
        followers: followers.days().to_vec(),
        account_days,
    })
}

fn record(v: PostView, followers: &FollowerHistory) -> PostRecord {
    let p = v.post;
    PostRecord {
        followers: followers.on(p.posted_at.date_naive()),
        rate: v.engagement,
        id: p.id,
        shortcode: p.shortcode,
        permalink: p.permalink,
        caption: p.caption,
        media_type: p.media_type,
        product_type: p.product_type,
        posted_at: p.posted_at,
        likes: p.like_count,
        comments: p.comments_count,
        views: p.view_count,
        reach: v.reach,
        saves: v.saves,
        shares: v.shares,
        source: p.source,
        fetched_at: p.fetched_at,
    }
}
