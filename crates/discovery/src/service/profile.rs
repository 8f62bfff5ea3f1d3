//! A creator's profile as a workspace sees it: the public card for everyone, the full
//! analytics once the workspace unlocked the creator, the contact email once it unlocked that,
//! and the detailed post analytics on request (charged per request).
//!
//! Everything here is computed from the Instagram data layer and post analysis through their
//! services; each figure carries the source and fetch time of the posts it was computed from.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Timelike, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    credits::{Actor, charge_on_success},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::unlocks;
use crate::model::{creator, creator_hashtag};

/// Posts the analytics read (the newest).
pub const POSTS: u64 = 36;

/// The priced action and the plan's monthly meter of the detailed post analytics.
pub const POST_ANALYTICS_ACTION: &str = "post_analytics";
pub const POST_ANALYTICS_METER: &str = "post_analyses";

/// A creator as the profile page and `GET /creators/{id}` show it.
#[derive(Debug, Clone)]
pub struct CreatorProfile {
    pub creator: creator::Model,
    pub unlocked: bool,
    /// The contact email, once the workspace unlocked it.
    pub email: Option<String>,
    /// The full analytics: only when unlocked.
    pub analytics: Option<Analytics>,
}

/// One post with its figures and analysis.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryPostFigures)]
pub struct PostFigures {
    pub post_id: Uuid,
    pub shortcode: Option<String>,
    pub permalink: Option<String>,
    pub posted_at: DateTime<Utc>,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: String,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    /// (likes + comments) / followers, in percent.
    pub engagement_rate: Option<f64>,
    pub category: Option<String>,
    pub language: Option<String>,
    /// `positive`, `neutral`, `negative` or `not_analysed`.
    pub sentiment: Option<String>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
}

/// A share of the analysed posts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryShare)]
pub struct Share {
    pub name: String,
    pub posts: i64,
    /// Percent of the analysed posts.
    pub percent: f64,
}

/// The full analytics of an unlocked creator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryCreatorAnalytics)]
pub struct Analytics {
    /// Mean (likes + comments) / followers over the posts counted, in percent.
    pub engagement_rate: Option<f64>,
    pub growth_30d: Option<f64>,
    pub growth_90d: Option<f64>,
    pub avg_likes: Option<f64>,
    pub avg_comments: Option<f64>,
    /// Posts per week over the span of the posts read.
    pub posts_per_week: Option<f64>,
    pub categories: Vec<Share>,
    pub languages: Vec<Share>,
    /// Hashtags of the recent posts, most used first.
    pub hashtags: Vec<(String, i32)>,
    /// The newest posts, newest first (engagement over time reads them by date).
    pub posts: Vec<PostFigures>,
    /// Audience data (age, gender, countries) comes only from a source that provides it
    /// (the Graph API of a connected account); public profiles have none.
    pub audience: Option<serde_json::Value>,
    pub source: String,
    pub computed_at: DateTime<Utc>,
}

/// The profile of a creator for the caller's workspace (404 for a profile not in the index).
pub async fn of(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<CreatorProfile> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let c = unlocks::creator_of(&state.db, profile_id).await?;
    let unlocked = unlocks::is_unlocked(&state.db, &scope, profile_id).await?;
    let email = unlocks::unlocked_email(&state.db, &scope, &c).await?;
    let analytics = if unlocked {
        Some(analytics(&state.db, &c).await?)
    } else {
        None
    };
    Ok(CreatorProfile {
        creator: c,
        unlocked,
        email,
        analytics,
    })
}

pub(crate) async fn post_figures(
    conn: &impl ConnectionTrait,
    c: &creator::Model,
) -> Result<Vec<PostFigures>> {
    let posts = instagram::service::pool::recent_posts(conn, c.profile_id, POSTS).await?;
    let ids: Vec<Uuid> = posts.iter().map(|p| p.id).collect();
    let analyses: HashMap<Uuid, _> = intelligence::service::analyze::of_posts(conn, &ids)
        .await?
        .into_iter()
        .map(|a| (a.post_id, a))
        .collect();
    Ok(posts
        .into_iter()
        .map(|p| {
            let a = analyses.get(&p.id);
            let engagement_rate = match (p.like_count, p.comments_count) {
                (None, None) => None,
                (l, cm) if c.followers > 0 => {
                    Some((l.unwrap_or(0) + cm.unwrap_or(0)) as f64 / c.followers as f64 * 100.0)
                }
                _ => None,
            };
            PostFigures {
                post_id: p.id,
                shortcode: p.shortcode,
                permalink: p.permalink,
                posted_at: p.posted_at,
                media_type: p.media_type,
                likes: p.like_count,
                comments: p.comments_count,
                engagement_rate,
                category: a.and_then(|a| a.category.clone()),
                language: a.and_then(|a| a.language.clone()),
                sentiment: a.map(|a| a.sentiment.clone()),
                source: p.source,
                fetched_at: p.fetched_at,
            }
        })
        .collect())
}

fn shares(values: impl Iterator<Item = String>) -> Vec<Share> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let total: i64 = counts.values().sum();
    let mut out: Vec<Share> = counts
        .into_iter()
        .map(|(name, posts)| Share {
            name,
            posts,
            percent: posts as f64 / total.max(1) as f64 * 100.0,
        })
        .collect();
    out.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
    out
}

fn mean(values: impl Iterator<Item = i64>) -> Option<f64> {
    let (sum, n) = values.fold((0i64, 0i64), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}

async fn analytics(conn: &impl ConnectionTrait, c: &creator::Model) -> Result<Analytics> {
    let posts = post_figures(conn, c).await?;
    let hashtags: Vec<(String, i32)> = creator_hashtag::Entity::find()
        .select_only()
        .column(creator_hashtag::Column::Tag)
        .column(creator_hashtag::Column::Uses)
        .filter(creator_hashtag::Column::CreatorId.eq(c.id))
        .order_by_desc(creator_hashtag::Column::Uses)
        .order_by_asc(creator_hashtag::Column::Tag)
        .limit(30)
        .into_tuple()
        .all(conn)
        .await?;
    let posts_per_week = match (posts.last(), posts.first()) {
        (Some(oldest), Some(newest)) if posts.len() > 1 => {
            let days = (newest.posted_at - oldest.posted_at).num_hours() as f64 / 24.0;
            (days > 0.0).then(|| (posts.len() - 1) as f64 / days * 7.0)
        }
        _ => None,
    };
    Ok(Analytics {
        engagement_rate: c.engagement_rate,
        growth_30d: c.growth_30d,
        growth_90d: c.growth_90d,
        avg_likes: mean(posts.iter().filter_map(|p| p.likes)),
        avg_comments: mean(posts.iter().filter_map(|p| p.comments)),
        posts_per_week,
        categories: shares(posts.iter().filter_map(|p| p.category.clone())),
        languages: shares(posts.iter().filter_map(|p| p.language.clone())),
        hashtags,
        audience: None,
        source: c.source.clone(),
        computed_at: c.indexed_at,
        posts,
    })
}

/// Engagement of the posts grouped one way (a weekday, an hour, a media type).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryEngagementGroup)]
pub struct Group {
    pub key: String,
    pub posts: i64,
    /// Mean engagement rate of the group's posts, in percent.
    pub engagement_rate: f64,
}

/// The detailed post analytics (charged per request).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryPostAnalytics)]
pub struct PostAnalytics {
    pub profile_id: Uuid,
    pub posts: Vec<PostFigures>,
    /// By weekday (UTC, `Mon` … `Sun`), by hour (UTC, `00` … `23`) and by media type.
    pub by_weekday: Vec<Group>,
    pub by_hour: Vec<Group>,
    pub by_media_type: Vec<Group>,
    /// The best post by engagement rate.
    pub best_post: Option<Uuid>,
    /// Credits this request cost, and the balance after it.
    pub cost: i64,
    pub balance: i64,
    pub source: String,
    pub computed_at: DateTime<Utc>,
}

fn groups(posts: &[PostFigures], key: impl Fn(&PostFigures) -> String) -> Vec<Group> {
    let mut by: BTreeMap<String, (f64, i64)> = BTreeMap::new();
    for p in posts {
        if let Some(rate) = p.engagement_rate {
            let e = by.entry(key(p)).or_default();
            e.0 += rate;
            e.1 += 1;
        }
    }
    by.into_iter()
        .map(|(key, (sum, n))| Group {
            key,
            posts: n,
            engagement_rate: sum / n as f64,
        })
        .collect()
}

/// The workspace's tracking of an unlocked creator, made if it is not there yet: the account
/// audit (crate `intelligence`) runs on tracked profiles, so "audit this creator" tracks it
/// and leads to its audits, where the audit's price is shown before it runs. The tracking id.
pub async fn track_for_audit(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<Uuid> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let c = unlocks::creator_of(&state.db, profile_id).await?;
    if !unlocks::is_unlocked(&state.db, &scope, profile_id).await? {
        return Err(Error::Conflict(
            "Unlock this creator's full analytics first: the audit is part of them.".into(),
        ));
    }
    if let Some(t) =
        instagram::service::tracked::of_profile(&state.db, &scope, c.profile_id).await?
    {
        return Ok(t.id);
    }
    match instagram::service::tracked::track_existing_in(
        state,
        &scope,
        c.profile_id,
        "Added from Discover",
        Some(ctx),
    )
    .await
    {
        Ok(t) => Ok(t.tracked.id),
        // A teammate's click at the same moment tracked it first: theirs serves.
        Err(e) => {
            match instagram::service::tracked::of_profile(&state.db, &scope, c.profile_id).await? {
                Some(t) => Ok(t.id),
                None => Err(e),
            }
        }
    }
}

/// The workspace's tracking of this creator (where its audits are), if it tracks it.
pub async fn tracked_id(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<Option<Uuid>> {
    let scope = Scope::of(ctx)?;
    Ok(
        instagram::service::tracked::of_profile(&state.db, &scope, profile_id)
            .await?
            .map(|t| t.id),
    )
}

/// The detailed post analytics of an unlocked creator: counts one use of the plan's monthly
/// meter and is charged through reserve → capture; a failure charges nothing. They detail
/// the unlocked analytics, so a creator the workspace has not unlocked is a 409 that costs
/// nothing (else 5 credits would buy every post's analysis that the unlock's 25 sell).
pub async fn post_analytics(
    state: &AppState,
    ctx: &Ctx,
    profile_id: Uuid,
) -> Result<PostAnalytics> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let c = unlocks::creator_of(&state.db, profile_id).await?;
    if !unlocks::is_unlocked(&state.db, &scope, profile_id).await? {
        return Err(Error::Conflict(
            "Unlock this creator's full analytics first: post analytics detail an unlocked profile."
                .into(),
        ));
    }
    state
        .limits
        .consume(state, &scope, POST_ANALYTICS_METER, 1)
        .await?;
    let reference = format!("post_analytics:{profile_id}");
    let result = charge_on_success(
        state,
        &scope,
        POST_ANALYTICS_ACTION,
        &Actor::User(ctx.user_id()),
        Some(&reference),
        |held| async move {
            let posts = post_figures(&state.db, &c).await?;
            Ok((c, posts, held.cost))
        },
    )
    .await;
    let (c, posts, cost) = match result {
        Ok(r) => r,
        Err(e) => {
            if let Err(back) = state
                .limits
                .unconsume(state, &scope, POST_ANALYTICS_METER, 1)
                .await
            {
                tracing::error!(error = %back, "giving back a monthly post analysis failed");
            }
            return Err(e);
        }
    };
    let balance = state
        .credits
        .can_perform(state, &scope, POST_ANALYTICS_ACTION)
        .await?
        .balance;
    let best_post = posts
        .iter()
        .filter_map(|p| p.engagement_rate.map(|r| (r, p.post_id)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id);
    Ok(PostAnalytics {
        profile_id,
        by_weekday: groups(&posts, |p| {
            format!(
                "{}-{}",
                p.posted_at.weekday().number_from_monday(),
                p.posted_at.weekday()
            )
        }),
        by_hour: groups(&posts, |p| format!("{:02}", p.posted_at.hour())),
        by_media_type: groups(&posts, |p| p.media_type.clone()),
        best_post,
        cost,
        balance,
        source: c.source.clone(),
        computed_at: platform::db::now(),
        posts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_percent_of_the_counted_posts_most_first() {
        let s = shares(
            ["food", "travel", "food", "food"]
                .into_iter()
                .map(String::from),
        );
        assert_eq!(s[0].name, "food");
        assert_eq!(s[0].posts, 3);
        assert!((s[0].percent - 75.0).abs() < 1e-9);
        assert_eq!(s[1].name, "travel");
        assert!(shares(std::iter::empty()).is_empty());
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean(std::iter::empty()), None);
        assert_eq!(mean([1, 2, 3].into_iter()), Some(2.0));
    }
}
