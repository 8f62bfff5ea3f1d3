//! A campaign's performance, per post, per creator and in total, from the posts on it:
//!
//! - engagement = likes + comments (a post with neither count known has no engagement and is
//!   left out of every sum and mean);
//! - engagement rate = engagement over the creator's followers, in percent; a creator's and
//!   the campaign's rate is the mean over their posts, as the creator's baseline rate
//!   (`disc_creators.engagement_rate`, the mean over their recent posts) is computed, so the
//!   two compare; the campaign's baseline is the mean of the baselines of its posts' creators;
//! - reach only where a source gives it: the insights of the workspace's own connected
//!   accounts (public posts have none); otherwise "not available", never estimated;
//! - cost per engagement = fee ÷ engagement in minor units of the campaign's currency; the
//!   campaign's counts the fees of creators who agreed (agreed, live, done).
//!
//! Every figure carries its source (`graph`/`apify`/`demo`/`manual`; several joined by `+`)
//! and the time its data was fetched.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Result, Scope};
use uuid::Uuid;

use super::{Detail, status_of};

/// A figure with where it came from and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryCampaignSourced)]
pub struct Sourced {
    /// `graph`, `apify`, `demo`, `manual`; several joined by `+`; empty when there is no data.
    pub source: String,
    /// When the newest data behind it was fetched.
    pub as_of: Option<DateTime<Utc>>,
}

impl Sourced {
    fn of<'a>(items: impl Iterator<Item = (&'a str, Option<DateTime<Utc>>)>) -> Sourced {
        let mut sources = BTreeSet::new();
        let mut as_of: Option<DateTime<Utc>> = None;
        for (s, t) in items {
            sources.insert(s.to_string());
            if let Some(t) = t {
                as_of = Some(as_of.map_or(t, |a| a.max(t)));
            }
        }
        Sourced {
            source: sources.into_iter().collect::<Vec<_>>().join("+"),
            as_of,
        }
    }
}

/// One post's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PostFigures {
    pub post_id: Uuid,
    pub profile_id: Uuid,
    pub username: String,
    pub posted_at: DateTime<Utc>,
    pub permalink: Option<String>,
    pub caption: String,
    pub how: String,
    pub matched: String,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub engagement: Option<i64>,
    /// In percent of the creator's followers.
    pub engagement_rate: Option<f64>,
    pub reach: Option<i64>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
    pub reach_source: Option<Sourced>,
}

/// The figures of a creator or of the whole campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub posts: u64,
    /// Posts with an engagement figure.
    pub posts_counted: u64,
    pub engagement: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub baseline_rate: Option<f64>,
    /// Summed over the posts that have it; `reach_posts` says how many.
    pub reach: Option<i64>,
    pub reach_posts: u64,
    /// Fees counted, minor units.
    pub fee_minor: i64,
    /// Minor units per engagement.
    pub cost_per_engagement: Option<f64>,
    pub engagement_source: Sourced,
    pub baseline_source: Sourced,
    pub reach_source: Sourced,
}

/// One creator's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatorFigures {
    pub profile_id: Uuid,
    pub username: String,
    pub status: super::Status,
    pub followers: Option<i64>,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    pub currency: String,
    pub total: Figures,
    pub creators: Vec<CreatorFigures>,
    pub posts: Vec<PostFigures>,
    pub computed_at: DateTime<Utc>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn figures(
    posts: &[&PostFigures],
    baselines: &[(f64, &str, Option<DateTime<Utc>>)],
    fee_minor: i64,
) -> Figures {
    let counted: Vec<&&PostFigures> = posts.iter().filter(|p| p.engagement.is_some()).collect();
    let engagement =
        (!counted.is_empty()).then(|| counted.iter().filter_map(|p| p.engagement).sum::<i64>());
    let rates: Vec<f64> = posts.iter().filter_map(|p| p.engagement_rate).collect();
    let reached: Vec<&&PostFigures> = posts.iter().filter(|p| p.reach.is_some()).collect();
    let reach = (!reached.is_empty()).then(|| reached.iter().filter_map(|p| p.reach).sum());
    let cost_per_engagement = match engagement {
        Some(e) if e > 0 => Some(fee_minor as f64 / e as f64),
        _ => None,
    };
    Figures {
        posts: posts.len() as u64,
        posts_counted: counted.len() as u64,
        engagement,
        engagement_rate: mean(&rates),
        baseline_rate: mean(&baselines.iter().map(|b| b.0).collect::<Vec<_>>()),
        reach,
        reach_posts: reached.len() as u64,
        fee_minor,
        cost_per_engagement,
        engagement_source: Sourced::of(
            counted
                .iter()
                .map(|p| (p.source.as_str(), Some(p.fetched_at))),
        ),
        baseline_source: Sourced::of(baselines.iter().map(|b| (b.1, b.2))),
        reach_source: Sourced::of(reached.iter().filter_map(|p| {
            p.reach_source
                .as_ref()
                .map(|s| (s.source.as_str(), s.as_of))
        })),
    }
}

/// The figures of a campaign already loaded (see [`super::detail`]).
pub async fn of(state: &AppState, scope: &Scope, d: &Detail) -> Result<Performance> {
    let reach = instagram::service::pool::post_reach(
        &state.db,
        scope.workspace_id(),
        &d.posts.iter().map(|p| p.entry.post_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut posts = Vec::new();
    for on in &d.posts {
        let Some(p) = &on.post else { continue };
        let creator = d
            .creator(on.entry.profile_id)
            .and_then(|c| c.creator.as_ref());
        let engagement = match (p.like_count, p.comments_count) {
            (None, None) => None,
            (l, c) => Some(l.unwrap_or(0) + c.unwrap_or(0)),
        };
        let followers = creator.map(|c| c.followers).filter(|f| *f > 0);
        let r = reach.get(&p.id);
        posts.push(PostFigures {
            post_id: p.id,
            profile_id: p.profile_id,
            username: creator.map_or_else(String::new, |c| c.username.clone()),
            posted_at: p.posted_at,
            permalink: p.permalink.clone(),
            caption: p.caption.clone().unwrap_or_default(),
            how: on.entry.how.clone(),
            matched: on.entry.matched.clone(),
            likes: p.like_count,
            comments: p.comments_count,
            engagement,
            engagement_rate: engagement
                .zip(followers)
                .map(|(e, f)| e as f64 / f as f64 * 100.0),
            reach: r.map(|r| r.reach),
            source: p.source.clone(),
            fetched_at: p.fetched_at,
            reach_source: r.map(|r| Sourced {
                source: r.source.clone(),
                as_of: Some(r.fetched_at),
            }),
        });
    }
    let mut by_creator: HashMap<Uuid, Vec<&PostFigures>> = HashMap::new();
    for p in &posts {
        by_creator.entry(p.profile_id).or_default().push(p);
    }
    let baseline_of = |profile_id: Uuid| {
        d.creator(profile_id)
            .and_then(|c| c.creator.as_ref())
            .and_then(|c| {
                c.engagement_rate
                    .map(|r| (r, c.source.as_str(), c.fetched_at.or(Some(c.indexed_at))))
            })
    };
    let mut creators = Vec::new();
    let mut paid = 0i64;
    for on in &d.creators {
        let pid = on.entry.profile_id;
        let mine = by_creator.get(&pid).cloned().unwrap_or_default();
        let baseline: Vec<_> = baseline_of(pid).into_iter().collect();
        let status = status_of(&on.entry);
        if status.is_paid() {
            paid = paid.saturating_add(on.entry.fee_minor);
        }
        creators.push(CreatorFigures {
            profile_id: pid,
            username: on.username(),
            status,
            followers: on.creator.as_ref().map(|c| c.followers),
            figures: figures(&mine, &baseline, on.entry.fee_minor),
        });
    }
    let all: Vec<&PostFigures> = posts.iter().collect();
    let baselines: Vec<_> = posts
        .iter()
        .filter(|p| p.engagement_rate.is_some())
        .filter_map(|p| baseline_of(p.profile_id))
        .collect();
    Ok(Performance {
        currency: d.campaign.currency.clone(),
        total: figures(&all, &baselines, paid),
        creators,
        posts,
        computed_at: platform::db::now(),
    })
}

/// The campaign's performance.
pub async fn performance(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(Detail, Performance)> {
    let d = super::detail(state, ctx, id).await?;
    let p = of(state, &Scope::of(ctx)?, &d).await?;
    Ok((d, p))
}
