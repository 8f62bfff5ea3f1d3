//! The figures of a competitor analysis, computed from each profile's record of the period
//! (`instagram::service::history`) and its posts' categories (post analysis). Public figures
//! only — a tracked profile's private insights are never known, so the account is measured the
//! same way. Each profile's figures carry their source and fetch time.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use instagram::service::{
    history::{self, History, PostRecord},
    subject::Subject,
};
use platform::{AppState, Ctx, Permission, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::set::Chosen;
use crate::{
    model::post_analysis,
    service::{
        audit::inputs::{hashtags, median},
        best_times,
        hashtags::lift::{self, TaggedPost},
    },
};

/// Top posts per profile, slots per profile, hashtags listed.
const TOP_POSTS: usize = 3;
const SLOTS: usize = 3;
const HASHTAGS: usize = 15;

pub const METHOD: &str = "Public figures only, the same way for every profile. Follower growth: the change from the first to the last follower count of the period. Engagement rate: likes and comments of a post over the followers on the day it was posted, median of the posts. Cadence: posts a week over the period. Share of engagement: the profile's likes and comments over the group's. Best slots: weekday and hour (UTC) whose posts' median rate is highest, with at least 3 posts. Hashtags: tags the others use on at least 3 posts whose posts do better than their usual (lift, as on the Hashtags page) and the account has not used in the period.";

/// A share of a profile's posts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorShare {
    pub label: String,
    pub posts: usize,
    /// In % of the profile's posts of the period.
    pub share: f64,
}

/// One week of a profile: followers at its end and the median rate of its posts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorWeek {
    /// Monday of the week.
    pub week: NaiveDate,
    pub followers: Option<i64>,
    pub median_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorPost {
    pub posted_at: DateTime<Utc>,
    pub media_type: String,
    /// Engagement rate in %.
    pub rate: Option<f64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub permalink: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorSlot {
    /// "Tuesday 18:00" (UTC).
    pub label: String,
    pub posts: usize,
    pub median_rate: Option<f64>,
    /// `high`, `medium` or `low`.
    pub confidence: String,
}

/// One profile of the analysis.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorProfile {
    pub username: String,
    /// `account` (the analysed own account) or `tracked`.
    pub kind: String,
    /// The account's or tracked profile's id in its list.
    pub id: Uuid,
    /// `graph`, `apify` or `demo` (demo data is not real).
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub followers_start: Option<i64>,
    pub followers_end: Option<i64>,
    /// In %.
    pub follower_growth: Option<f64>,
    pub posts: usize,
    pub posts_per_week: f64,
    /// Median engagement rate of the period's posts, in %.
    pub median_rate: Option<f64>,
    /// Likes and comments of the period's posts.
    pub engagement: i64,
    /// In % of the group's.
    pub engagement_share: Option<f64>,
    pub media_mix: Vec<CompetitorShare>,
    pub category_mix: Vec<CompetitorShare>,
    pub top_posts: Vec<CompetitorPost>,
    pub best_slots: Vec<CompetitorSlot>,
    pub weeks: Vec<CompetitorWeek>,
}

/// A tag the others use with lift and the account does not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorHashtag {
    pub tag: String,
    pub lift: f64,
    pub posts_with: usize,
    /// Median engagement rate (%) of the posts with and without it.
    pub rate_with: f64,
    pub rate_without: f64,
    /// The profiles using it, with their posts.
    pub used_by: Vec<String>,
}

/// The account beside its chosen tracked profiles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetitorAnalysis {
    pub account_id: Uuid,
    pub username: String,
    pub days: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The account first, then the tracked profiles in the order chosen.
    pub profiles: Vec<CompetitorProfile>,
    pub hashtags: Vec<CompetitorHashtag>,
    /// Saved profiles that are no longer tracked (left out).
    pub gone: usize,
    pub method: String,
    pub computed_at: DateTime<Utc>,
}

impl CompetitorAnalysis {
    pub fn is_demo(&self) -> bool {
        self.profiles.iter().any(|p| p.source == "demo")
    }
}

/// One profile's inputs.
pub struct ProfileInput {
    pub kind: String,
    pub id: Uuid,
    pub history: History,
    /// Post id → category from post analysis.
    pub categories: HashMap<Uuid, String>,
}

/// The analysis of `account` and the chosen tracked profiles (reached through `ctx`).
pub async fn analyse(
    state: &AppState,
    ctx: &Ctx,
    account: &Subject,
    chosen: &Chosen,
) -> Result<CompetitorAnalysis> {
    ctx.require(Permission::WorkspaceRead)?;
    let now = Utc::now();
    let to = now.date_naive();
    let from = to - Duration::days(chosen.days - 1);
    let mut inputs = Vec::new();
    for s in std::iter::once(account).chain(chosen.tracked.iter()) {
        let history = history::of(&state.db, s, from).await?;
        let categories = categories(&state.db, s.profile().id).await?;
        inputs.push(ProfileInput {
            kind: s.kind().into(),
            id: s.id(),
            history,
            categories,
        });
    }
    let mut out = build(&inputs, from, to, now);
    out.account_id = account.id();
    out.gone = chosen.gone;
    out.days = chosen.days;
    Ok(out)
}

async fn categories(db: &impl ConnectionTrait, profile_id: Uuid) -> Result<HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, Option<String>)> = post_analysis::Entity::find()
        .select_only()
        .columns([
            post_analysis::Column::PostId,
            post_analysis::Column::Category,
        ])
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, c)| c.map(|c| (id, c)))
        .collect())
}

fn in_period(h: &History, from: NaiveDate, to: NaiveDate) -> Vec<&PostRecord> {
    h.posts
        .iter()
        .filter(|p| {
            let d = p.posted_at.date_naive();
            d >= from && d <= to
        })
        .collect()
}

fn shares(counts: BTreeMap<String, usize>, total: usize) -> Vec<CompetitorShare> {
    let mut v: Vec<CompetitorShare> = counts
        .into_iter()
        .map(|(label, posts)| CompetitorShare {
            label,
            posts,
            share: if total == 0 {
                0.0
            } else {
                posts as f64 * 100.0 / total as f64
            },
        })
        .collect();
    v.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.label.cmp(&b.label)));
    v
}

fn media_label(p: &PostRecord) -> String {
    if p.is_reel() {
        return "Reels".into();
    }
    match p.media_type.to_ascii_uppercase().as_str() {
        "CAROUSEL_ALBUM" => "Carousels".into(),
        "VIDEO" => "Videos".into(),
        _ => "Images".into(),
    }
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The Mondays of the weeks from `from` to `to`.
pub fn weeks(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut w = monday(from);
    while w <= to {
        out.push(w);
        w += Duration::days(7);
    }
    out
}

/// The followers on or before `day` (the last count known then).
fn followers_on(h: &History, day: NaiveDate) -> Option<i64> {
    h.followers
        .iter()
        .take_while(|(d, _)| *d <= day)
        .last()
        .map(|(_, n)| *n)
}

fn profile(
    input: &ProfileInput,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> CompetitorProfile {
    let h = &input.history;
    let posts = in_period(h, from, to);
    let days = ((to - from).num_days() + 1).max(1) as f64;
    let followers_start = followers_on(h, from).or_else(|| h.followers.first().map(|f| f.1));
    let followers_end = followers_on(h, to).or(h.followers_now);
    let mut media = BTreeMap::new();
    let mut category = BTreeMap::new();
    for p in &posts {
        *media.entry(media_label(p)).or_default() += 1;
        let c = input
            .categories
            .get(&p.id)
            .cloned()
            .unwrap_or_else(|| "Not analysed yet".into());
        *category.entry(c).or_default() += 1;
    }
    let mut top: Vec<&&PostRecord> = posts.iter().filter(|p| p.rate.is_some()).collect();
    top.sort_by(|a, b| b.rate.unwrap_or(0.0).total_cmp(&a.rate.unwrap_or(0.0)));
    let bt = best_times::of(h, chrono_tz::UTC, now);
    let weeks = weeks(from, to)
        .into_iter()
        .map(|w| {
            let end = (w + Duration::days(6)).min(to);
            CompetitorWeek {
                week: w,
                followers: followers_on(h, end),
                median_rate: median(
                    posts
                        .iter()
                        .filter(|p| {
                            let d = p.posted_at.date_naive();
                            d >= w && d <= end
                        })
                        .filter_map(|p| p.rate),
                ),
            }
        })
        .collect();
    CompetitorProfile {
        username: h.username.clone(),
        kind: input.kind.clone(),
        id: input.id,
        source: h.source.clone(),
        fetched_at: h.fetched_at,
        followers_start,
        followers_end,
        follower_growth: match (followers_start, followers_end) {
            (Some(a), Some(b)) if a > 0 => Some((b - a) as f64 * 100.0 / a as f64),
            _ => None,
        },
        posts: posts.len(),
        posts_per_week: posts.len() as f64 * 7.0 / days,
        median_rate: median(posts.iter().filter_map(|p| p.rate)),
        engagement: posts
            .iter()
            .map(|p| p.likes.unwrap_or(0) + p.comments.unwrap_or(0))
            .sum(),
        engagement_share: None,
        media_mix: shares(media, posts.len()),
        category_mix: shares(category, posts.len()),
        top_posts: top
            .into_iter()
            .take(TOP_POSTS)
            .map(|p| CompetitorPost {
                posted_at: p.posted_at,
                media_type: p.media_type.clone(),
                rate: p.rate,
                likes: p.likes,
                comments: p.comments,
                permalink: p.permalink.clone(),
            })
            .collect(),
        best_slots: bt
            .top
            .iter()
            .take(SLOTS)
            .map(|s| CompetitorSlot {
                label: s.label(),
                posts: s.cell.posts,
                median_rate: s.cell.median_rate,
                confidence: s.confidence.as_str().into(),
            })
            .collect(),
        weeks,
    }
}

/// The analysis of the profiles (the account first). Pure: tested on synthetic records.
pub fn build(
    inputs: &[ProfileInput],
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> CompetitorAnalysis {
    let mut profiles: Vec<CompetitorProfile> =
        inputs.iter().map(|i| profile(i, from, to, now)).collect();
    let group: i64 = profiles.iter().map(|p| p.engagement).sum();
    for p in &mut profiles {
        p.engagement_share = (group > 0).then(|| p.engagement as f64 * 100.0 / group as f64);
    }
    // Hashtags: the group's posts of the period in one pool, rates relative to each profile.
    let posts: Vec<TaggedPost> = inputs
        .iter()
        .enumerate()
        .flat_map(|(i, input)| {
            in_period(&input.history, from, to)
                .into_iter()
                .filter_map(move |p| {
                    p.rate.map(|rate| TaggedPost {
                        tags: hashtags(p.caption.as_deref()),
                        rate,
                        profile: i,
                    })
                })
        })
        .collect();
    let mut tags: Vec<CompetitorHashtag> = lift::table(&posts)
        .into_iter()
        .filter(|s| s.has_sample() && s.lift.is_some_and(|l| l > 1.0 && l.is_finite()))
        .filter(|s| !s.profiles.iter().any(|(i, _)| *i == 0))
        .map(|s| CompetitorHashtag {
            lift: s.lift.unwrap_or(f64::NAN),
            posts_with: s.posts_with,
            rate_with: s.rate_with,
            rate_without: s.rate_without,
            used_by: s
                .profiles
                .iter()
                .filter_map(|(i, n)| profiles.get(*i).map(|p| format!("@{} ({n})", p.username)))
                .collect(),
            tag: s.tag,
        })
        .collect();
    tags.sort_by(|a, b| {
        b.lift
            .total_cmp(&a.lift)
            .then(b.posts_with.cmp(&a.posts_with))
            .then(a.tag.cmp(&b.tag))
    });
    tags.truncate(HASHTAGS);
    CompetitorAnalysis {
        account_id: inputs.first().map(|i| i.id).unwrap_or_default(),
        username: profiles
            .first()
            .map(|p| p.username.clone())
            .unwrap_or_default(),
        days: (to - from).num_days() + 1,
        from,
        to,
        profiles,
        hashtags: tags,
        gone: 0,
        method: METHOD.into(),
        computed_at: now,
    }
}

#[cfg(test)]
mod tests;
