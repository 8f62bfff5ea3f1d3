//! What the account pages and the API show of an account: follower growth, engagement rate per
//! post and averaged (defined in [`ENGAGEMENT_DEFINITION`]), posting frequency, top posts and the
//! best media types — computed from the stored history, each figure with its source.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use platform::{AppState, Ctx, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::accounts::{self, AccountCard};
use crate::model::{account_insight, post, post_insight, profile_snapshot};

/// Shown on the page and in the API next to every engagement figure.
pub const ENGAGEMENT_DEFINITION: &str = "Engagement rate of a post = (likes + comments, plus saves and shares where the account's insights give them) ÷ followers, in %. The average is the mean over the posts shown.";

/// Posts the detail view reads.
const POSTS: u64 = 120;

#[derive(Debug, Clone)]
pub struct PostView {
    pub post: post::Model,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    /// In percent; `None` when the followers are unknown.
    pub engagement: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct TypeFigures {
    pub media_type: String,
    pub posts: usize,
    pub avg_engagement: f64,
}

#[derive(Debug, Clone)]
pub struct AccountDetail {
    pub card: AccountCard,
    /// (day, followers), oldest first.
    pub followers: Vec<(NaiveDate, i64)>,
    /// Newest first.
    pub posts: Vec<PostView>,
    pub avg_engagement: Option<f64>,
    /// (week start, posts that week), the last 12 weeks, oldest first.
    pub posts_per_week: Vec<(NaiveDate, u32)>,
    pub by_type: Vec<TypeFigures>,
    /// Account insights of the last 30 days, oldest first (connected and demo accounts).
    pub insights: Vec<account_insight::Model>,
}

impl AccountDetail {
    /// The nine posts of highest engagement.
    pub fn top_posts(&self) -> Vec<&PostView> {
        let mut v: Vec<&PostView> = self
            .posts
            .iter()
            .filter(|p| p.engagement.is_some())
            .collect();
        v.sort_by(|a, b| {
            b.engagement
                .partial_cmp(&a.engagement)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        v.truncate(9);
        v
    }
}

pub fn engagement(
    likes: Option<i64>,
    comments: Option<i64>,
    saves: Option<i64>,
    shares: Option<i64>,
    followers: Option<i64>,
) -> Option<f64> {
    let followers = followers.filter(|f| *f > 0)? as f64;
    let interactions =
        likes.unwrap_or(0) + comments.unwrap_or(0) + saves.unwrap_or(0) + shares.unwrap_or(0);
    Some(interactions as f64 / followers * 100.0)
}

fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d - Duration::days(chrono::Datelike::weekday(&d).num_days_from_monday() as i64)
}

pub async fn account_detail(state: &AppState, ctx: &Ctx, id: uuid::Uuid) -> Result<AccountDetail> {
    let card = accounts::find_in(state, ctx, id).await?;
    let profile_id = card.profile.id;
    let followers: Vec<(NaiveDate, i64)> = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .order_by_asc(profile_snapshot::Column::Day)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|s| s.followers_count.map(|f| (s.day, f)))
        .collect();
    let posts = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .order_by_desc(post::Column::PostedAt)
        .limit(POSTS)
        .all(&state.db)
        .await?;
    // The newest insight row of each post, of this account only (private to its workspace).
    let mut insight: BTreeMap<uuid::Uuid, post_insight::Model> = BTreeMap::new();
    for i in post_insight::Entity::find()
        .filter(post_insight::Column::AccountId.eq(card.account.id))
        .filter(post_insight::Column::PostId.is_in(posts.iter().map(|p| p.id)))
        .order_by_asc(post_insight::Column::Day)
        .all(&state.db)
        .await?
    {
        insight.insert(i.post_id, i);
    }
    let followers_on = |day: NaiveDate| -> Option<i64> {
        followers
            .iter()
            .rev()
            .find(|(d, _)| *d <= day)
            .or(followers.first())
            .map(|(_, f)| *f)
            .or(card.profile.followers_count)
    };
    let views: Vec<PostView> = posts
        .into_iter()
        .map(|p| {
            let i = insight.get(&p.id);
            let (saves, shares, reach) = (
                i.and_then(|i| i.saved),
                i.and_then(|i| i.shares),
                i.and_then(|i| i.reach),
            );
            PostView {
                engagement: engagement(
                    p.like_count,
                    p.comments_count,
                    saves,
                    shares,
                    followers_on(p.posted_at.date_naive()),
                ),
                saves,
                shares,
                reach,
                post: p,
            }
        })
        .collect();
    let rated: Vec<f64> = views.iter().filter_map(|v| v.engagement).collect();
    let avg_engagement =
        (!rated.is_empty()).then(|| rated.iter().sum::<f64>() / rated.len() as f64);
    let this_week = week_start(Utc::now());
    let posts_per_week: Vec<(NaiveDate, u32)> = (0..12)
        .rev()
        .map(|w| {
            let start = this_week - Duration::weeks(w);
            let n = views
                .iter()
                .filter(|v| week_start(v.post.posted_at) == start)
                .count() as u32;
            (start, n)
        })
        .collect();
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for v in &views {
        if let Some(e) = v.engagement {
            groups.entry(v.post.media_type.clone()).or_default().push(e);
        }
    }
    let mut by_type: Vec<TypeFigures> = groups
        .into_iter()
        .map(|(media_type, rates)| TypeFigures {
            posts: rates.len(),
            avg_engagement: rates.iter().sum::<f64>() / rates.len() as f64,
            media_type,
        })
        .collect();
    by_type.sort_by(|a, b| {
        b.avg_engagement
            .partial_cmp(&a.avg_engagement)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let insights = account_insight::Entity::find()
        .filter(account_insight::Column::AccountId.eq(card.account.id))
        .filter(account_insight::Column::Day.gte(Utc::now().date_naive() - Duration::days(30)))
        .order_by_asc(account_insight::Column::Day)
        .all(&state.db)
        .await?;
    Ok(AccountDetail {
        card,
        followers,
        posts: views,
        avg_engagement,
        posts_per_week,
        by_type,
        insights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_counts_what_is_known() {
        assert_eq!(
            engagement(Some(90), Some(10), None, None, Some(1000)),
            Some(10.0)
        );
        assert_eq!(
            engagement(Some(90), Some(10), Some(50), Some(50), Some(1000)),
            Some(20.0)
        );
        assert_eq!(engagement(Some(90), Some(10), None, None, None), None);
        assert_eq!(engagement(Some(90), Some(10), None, None, Some(0)), None);
    }
}

/// Public figures of a profile for side-by-side comparison (the same for own accounts and
/// competitors: no private insights, so the comparison is fair).
#[derive(Debug, Clone)]
pub struct Comparable {
    pub profile: crate::model::profile::Model,
    /// `account` (the workspace's own) or `tracked`.
    pub relation: &'static str,
    /// Account id or tracked id (for links and removal).
    pub id: uuid::Uuid,
    /// Mean engagement (likes + comments ÷ followers, %) of the last 30 posts.
    pub avg_engagement: Option<f64>,
    /// Posts in the last 28 days ÷ 4.
    pub posts_per_week: f64,
    /// Followers gained over the last 30 days (from the daily snapshots), when known.
    pub follower_growth_30d: Option<i64>,
}

async fn comparable(
    state: &AppState,
    profile: crate::model::profile::Model,
    relation: &'static str,
    id: uuid::Uuid,
) -> Result<Comparable> {
    let posts = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile.id))
        .order_by_desc(post::Column::PostedAt)
        .limit(30)
        .all(&state.db)
        .await?;
    let rates: Vec<f64> = posts
        .iter()
        .filter_map(|p| {
            engagement(
                p.like_count,
                p.comments_count,
                None,
                None,
                profile.followers_count,
            )
        })
        .collect();
    let month_ago = Utc::now() - Duration::days(28);
    let recent = posts.iter().filter(|p| p.posted_at >= month_ago).count();
    let snapshots = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile.id))
        .filter(profile_snapshot::Column::Day.gte(Utc::now().date_naive() - Duration::days(30)))
        .order_by_asc(profile_snapshot::Column::Day)
        .all(&state.db)
        .await?;
    let growth = match (snapshots.first(), snapshots.last()) {
        (Some(a), Some(b)) if a.day != b.day => {
            b.followers_count.zip(a.followers_count).map(|(b, a)| b - a)
        }
        _ => None,
    };
    Ok(Comparable {
        avg_engagement: (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64),
        posts_per_week: recent as f64 / 4.0,
        follower_growth_30d: growth,
        profile,
        relation,
        id,
    })
}

/// The workspace's own accounts and tracked profiles, side by side.
pub async fn comparison(state: &AppState, ctx: &Ctx) -> Result<Vec<Comparable>> {
    let mut out = Vec::new();
    for card in accounts::list(state, ctx).await? {
        out.push(comparable(state, card.profile, "account", card.account.id).await?);
    }
    for t in super::tracked::list(state, ctx).await? {
        out.push(comparable(state, t.profile, "tracked", t.tracked.id).await?);
    }
    Ok(out)
}
