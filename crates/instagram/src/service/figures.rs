//! The figures of one profile over a [`Period`], read with a handful of bounded queries so a
//! page stays fast however many posts a profile has (the aim: 100,000 posts on one account,
//! detail and compare under 20 ms at the 95th percentile; `bench pages` measures it):
//!
//! - follower counts of the period (primary key `(profile_id, day)`, at most 366 rows of two
//!   columns) and the last snapshot before it (the baseline of the change; `LIMIT 1`);
//! - the period's posts summed by day, media type and source, read from `ig_post_days`, which
//!   the database keeps summed as posts are written (at most a few rows per day: a year is
//!   some 1,100 rows whatever the number of posts; see the migration
//!   `m20261205_000025_ig_post_days`);
//! - the ids of the period's top posts by likes + comments (`ORDER BY … LIMIT`) over the
//!   covering index `ix_ig_posts_profile_posted_counts`, on the days that can hold them only
//!   (each day's best post is known from the sums: [`top_posts`]), then those few posts by id.
//!
//! Engagement rates, posting frequency, the media types and the follower change all follow
//! from those sums ([`engagement::mean_rate`]); each block also knows its source and fetch
//! time ([`Provenance`]), summed by the database per source. Rows carry only the columns the
//! figures use: on SQLite every column of every row costs a copy and a conversion.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use platform::Result;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    engagement::{self, DayPosts, FollowerHistory},
    period::{Bucket, Period},
};
use crate::model::{post, post_day, profile, profile_snapshot};

/// Likes + comments of a post (unknown counts as none).
pub const INTERACTIONS_SQL: &str = "COALESCE(like_count, 0) + COALESCE(comments_count, 0)";

/// Where a block's figures came from and when they were fetched (the newest fetch).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// `graph`, `apify`, `demo`, `manual`: usually one.
    pub sources: Vec<String>,
    pub fetched_at: Option<DateTime<Utc>>,
}

impl Provenance {
    pub fn add(&mut self, source: &str, at: Option<DateTime<Utc>>) {
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_string());
        }
        if at > self.fetched_at {
            self.fetched_at = at;
        }
    }

    pub fn of(source: &str, at: Option<DateTime<Utc>>) -> Self {
        let mut p = Provenance::default();
        p.add(source, at);
        p
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// The posts of one day, media type and source, summed (the source is in the posts'
/// [`Provenance`], summed apart).
#[derive(Debug, Clone, PartialEq)]
pub struct PostGroup {
    pub media_type: String,
    pub sums: DayPosts,
    /// The most likes + comments of one of its posts.
    pub top_interactions: Option<i64>,
}

/// The follower change over a period: from the last snapshot before it (or, when the
/// history starts inside the period, its first snapshot) to the latest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowerChange {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub before: i64,
    pub after: i64,
    /// `from` is not the day before the period: the change covers a shorter or longer span.
    pub inexact: bool,
}

impl FollowerChange {
    pub fn gained(&self) -> i64 {
        self.after - self.before
    }

    /// The change relative to the count before, in %.
    pub fn percent(&self) -> Option<f64> {
        (self.before > 0).then(|| self.gained() as f64 / self.before as f64 * 100.0)
    }
}

#[derive(Debug, Clone)]
pub struct TypeFigures {
    pub media_type: String,
    pub posts: i64,
    pub engagement: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct ProfileFigures {
    pub period: Period,
    pub today: NaiveDate,
    /// Snapshots of the period, and the last one before it.
    pub followers: FollowerHistory,
    baseline: Option<(NaiveDate, i64)>,
    pub followers_provenance: Provenance,
    pub groups: Vec<PostGroup>,
    pub posts_provenance: Provenance,
}

impl ProfileFigures {
    /// Reads the figures of `profile` over `period` ending `today`.
    pub async fn load(
        db: &impl ConnectionTrait,
        profile: &profile::Model,
        period: Period,
        today: NaiveDate,
    ) -> Result<ProfileFigures> {
        let first = period.first_day(today);
        let before = profile_snapshot::Entity::find()
            .filter(profile_snapshot::Column::ProfileId.eq(profile.id))
            .filter(profile_snapshot::Column::Day.lt(first))
            .order_by_desc(profile_snapshot::Column::Day)
            .one(db)
            .await?;
        let snapshots = profile_snapshot::Entity::find()
            .filter(profile_snapshot::Column::ProfileId.eq(profile.id))
            .filter(profile_snapshot::Column::Day.gte(first))
            .filter(profile_snapshot::Column::Day.lte(today));
        let within = snapshots
            .clone()
            .select_only()
            .column(profile_snapshot::Column::Day)
            .column(profile_snapshot::Column::FollowersCount)
            .order_by_asc(profile_snapshot::Column::Day)
            .into_tuple::<(NaiveDate, Option<i64>)>()
            .all(db)
            .await?;
        let mut followers_provenance = provenance_of(
            snapshots,
            profile_snapshot::Column::Source,
            profile_snapshot::Column::FetchedAt,
            db,
        )
        .await?;
        if followers_provenance.is_empty() {
            match &before {
                Some(s) => followers_provenance.add(&s.source, Some(s.fetched_at)),
                None => followers_provenance.add(&profile.source, profile.fetched_at),
            }
        }
        let baseline = before
            .as_ref()
            .and_then(|s| s.followers_count.map(|f| (s.day, f)));
        let days = baseline
            .into_iter()
            .chain(
                within
                    .into_iter()
                    .filter_map(|(day, f)| f.map(|f| (day, f))),
            )
            .collect();
        let post_days = post_day::Entity::find()
            .filter(post_day::Column::ProfileId.eq(profile.id))
            .filter(post_day::Column::Day.gte(first))
            .filter(post_day::Column::Day.lte(today));
        let groups = post_groups(db, post_days.clone()).await?;
        let mut posts_provenance = provenance_of(
            post_days,
            post_day::Column::Source,
            post_day::Column::FetchedAt,
            db,
        )
        .await?;
        if posts_provenance.is_empty() {
            posts_provenance.add(&profile.source, profile.fetched_at);
        }
        Ok(ProfileFigures {
            period,
            today,
            followers: FollowerHistory::new(days, profile.followers_count),
            baseline,
            followers_provenance,
            groups,
            posts_provenance,
        })
    }

    pub fn first_day(&self) -> NaiveDate {
        self.period.first_day(self.today)
    }

    /// The engagement rate of the period ([`engagement::DEFINITION`]).
    pub fn engagement_rate(&self) -> Option<f64> {
        engagement::mean_rate(self.groups.iter().map(|g| &g.sums), &self.followers)
    }

    /// Posts published in the period.
    pub fn post_count(&self) -> i64 {
        self.groups.iter().map(|g| g.sums.posts).sum()
    }

    /// Posts with a known engagement rate (the ones the rate is the mean of).
    pub fn rated_count(&self) -> i64 {
        self.groups.iter().map(|g| g.sums.rated).sum()
    }

    /// Posts per week over the period.
    pub fn posts_per_week(&self) -> f64 {
        self.post_count() as f64 * 7.0 / f64::from(self.period.days())
    }

    /// The engagement rate of the posts of each bucket (`None`: no rated post in it).
    pub fn engagement_by(&self, bucket: Bucket) -> Vec<(NaiveDate, Option<f64>)> {
        let mut by: BTreeMap<NaiveDate, Vec<&DayPosts>> = BTreeMap::new();
        for g in &self.groups {
            by.entry(bucket.start(g.sums.day))
                .or_default()
                .push(&g.sums);
        }
        self.period
            .buckets(bucket, self.today)
            .into_iter()
            .map(|b| {
                let rate = by
                    .get(&b)
                    .and_then(|days| engagement::mean_rate(days.iter().copied(), &self.followers));
                (b, rate)
            })
            .collect()
    }

    /// Posts published in each bucket.
    pub fn posts_by(&self, bucket: Bucket) -> Vec<(NaiveDate, i64)> {
        let mut by: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for g in &self.groups {
            *by.entry(bucket.start(g.sums.day)).or_default() += g.sums.posts;
        }
        self.period
            .buckets(bucket, self.today)
            .into_iter()
            .map(|b| (b, by.get(&b).copied().unwrap_or(0)))
            .collect()
    }

    /// The followers of each bucket: that day's snapshot, or a week's last one (`None`: no
    /// snapshot was taken then).
    pub fn followers_by(&self, bucket: Bucket) -> Vec<(NaiveDate, Option<i64>)> {
        let first = self.first_day();
        self.period
            .buckets(bucket, self.today)
            .into_iter()
            .map(|b| {
                let end = match bucket {
                    Bucket::Day => b,
                    Bucket::Week => b + Duration::days(6),
                };
                let value = self
                    .followers
                    .days()
                    .iter()
                    .rev()
                    .find(|(d, _)| *d >= b.max(first) && *d <= end)
                    .map(|(_, f)| *f);
                (b, value)
            })
            .collect()
    }

    /// The change over the period; `None` with fewer than two snapshots to compare.
    pub fn follower_change(&self) -> Option<FollowerChange> {
        let first = self.first_day();
        let within = self.followers.days().iter().filter(|(d, _)| *d >= first);
        let (to, after) = *within.clone().next_back()?;
        let (from, before) = self.baseline.or_else(|| within.clone().next().copied())?;
        (from != to).then_some(FollowerChange {
            from,
            to,
            before,
            after,
            inexact: from != first - Duration::days(1),
        })
    }

    /// The followers' change since the period's start, in %, per bucket (for charts that
    /// put profiles of any size side by side).
    pub fn follower_change_by(&self, bucket: Bucket) -> Vec<(NaiveDate, Option<f64>)> {
        let base = self
            .follower_change()
            .map(|c| c.before)
            .or_else(|| self.followers.days().first().map(|(_, f)| *f))
            .filter(|b| *b > 0);
        self.followers_by(bucket)
            .into_iter()
            .map(|(d, v)| {
                let pct = base.zip(v).map(|(b, v)| (v - b) as f64 / b as f64 * 100.0);
                (d, pct)
            })
            .collect()
    }

    /// Posts and engagement rate per media type, best rate first.
    pub fn by_media_type(&self) -> Vec<TypeFigures> {
        let mut by: BTreeMap<&str, Vec<&DayPosts>> = BTreeMap::new();
        for g in &self.groups {
            by.entry(&g.media_type).or_default().push(&g.sums);
        }
        let mut out: Vec<TypeFigures> = by
            .into_iter()
            .map(|(media_type, days)| TypeFigures {
                media_type: media_type.to_string(),
                posts: days.iter().map(|d| d.posts).sum(),
                engagement: engagement::mean_rate(days.iter().copied(), &self.followers),
            })
            .collect();
        out.sort_by(|a, b| {
            b.engagement
                .unwrap_or(-1.0)
                .total_cmp(&a.engagement.unwrap_or(-1.0))
        });
        out
    }
}

/// The sources of the rows `query` selects, each with its newest fetch (one row per source:
/// the database sums, so a year of rows costs no more than a day of them).
async fn provenance_of<E: EntityTrait>(
    query: sea_orm::Select<E>,
    source: E::Column,
    fetched_at: E::Column,
    db: &impl ConnectionTrait,
) -> Result<Provenance> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = query
        .select_only()
        .column(source)
        .column_as(fetched_at.max(), "fetched_at")
        .group_by(source)
        .order_by_asc(source)
        .into_tuple()
        .all(db)
        .await?;
    let mut provenance = Provenance::default();
    for (source, at) in rows {
        provenance.add(&source, at);
    }
    Ok(provenance)
}

/// The sums `post_days` selects, oldest day first: only the columns the figures use, as a
/// year is some 1,100 rows.
async fn post_groups(
    db: &impl ConnectionTrait,
    post_days: sea_orm::Select<post_day::Entity>,
) -> Result<Vec<PostGroup>> {
    type Row = (NaiveDate, String, i64, i64, i64, Option<i64>);
    let rows: Vec<Row> = post_days
        .select_only()
        .columns([
            post_day::Column::Day,
            post_day::Column::MediaType,
            post_day::Column::Posts,
            post_day::Column::Rated,
            post_day::Column::Interactions,
            post_day::Column::TopInteractions,
        ])
        .order_by_asc(post_day::Column::Day)
        .order_by_asc(post_day::Column::MediaType)
        .order_by_asc(post_day::Column::Source)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(day, media_type, posts, rated, interactions, top_interactions)| PostGroup {
                media_type,
                sums: DayPosts {
                    day,
                    posts,
                    rated,
                    interactions,
                },
                top_interactions,
            },
        )
        .collect())
}

/// At most this many separate runs of days narrow the top-posts query; more (many days tie
/// for the best) and the whole period is read, which gives the same posts.
const MAX_DAY_RUNS: usize = 64;

/// The period's posts with the most interactions (likes + comments), most first (the newest
/// first among equals): the ids from the covering index, then the few posts.
///
/// Only the days that can hold them are read. With `floor` the `limit`-th highest of the
/// groups' best posts ([`PostGroup::top_interactions`]), at least `limit` posts have `floor`
/// or more, so every one of the top `limit` has at least `floor` — and lies on a day whose
/// best post reaches `floor`. A year of a busy account is then a few days' index entries,
/// not all of them.
pub async fn top_posts(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
    figures: &ProfileFigures,
    limit: u64,
) -> Result<Vec<post::Model>> {
    use sea_orm::sea_query::ExprTrait;

    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut within = Condition::all()
        .add(post::Column::ProfileId.eq(profile_id))
        .add(post::Column::PostedAt.gte(figures.period.since(figures.today)))
        .add(post::Column::PostedAt.lt(Period::until(figures.today)));
    let mut query = post::Entity::find().select_only().column(post::Column::Id);
    let mut tops: Vec<i64> = figures
        .groups
        .iter()
        .filter_map(|g| g.top_interactions)
        .collect();
    tops.sort_unstable_by(|a, b| b.cmp(a));
    if let Some(&floor) = usize::try_from(limit - 1).ok().and_then(|i| tops.get(i)) {
        let runs = day_runs(
            figures
                .groups
                .iter()
                .filter(|g| g.top_interactions.is_some_and(|t| t >= floor))
                .map(|g| g.sums.day),
        );
        if runs.len() <= MAX_DAY_RUNS {
            // Each run repeats the profile, so that every term is one range of the index and
            // SQLite reads them one after the other (a MULTI-INDEX OR; PostgreSQL a BitmapOr):
            // with the profile outside the OR, SQLite reads the whole period's range instead.
            let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
            let mut days = Condition::any();
            for (first, last) in runs {
                days = days.add(
                    Condition::all()
                        .add(post::Column::ProfileId.eq(profile_id))
                        .add(post::Column::PostedAt.gte(midnight(first)))
                        .add(post::Column::PostedAt.lt(midnight(last + Duration::days(1)))),
                );
            }
            within = days;
            query = query.filter(Expr::cust(INTERACTIONS_SQL).gte(floor));
        }
    }
    let ids: Vec<Uuid> = query
        .filter(within)
        .order_by(Expr::cust(INTERACTIONS_SQL), Order::Desc)
        .order_by_desc(post::Column::PostedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let mut posts = post::Entity::find()
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    posts.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
    Ok(posts)
}

/// Days as runs of consecutive days `(first, last)`, in order.
fn day_runs(days: impl Iterator<Item = NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
    let mut days: Vec<NaiveDate> = days.collect();
    days.sort_unstable();
    days.dedup();
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in days {
        match runs.last_mut() {
            Some((_, last)) if *last + Duration::days(1) == d => *last = d,
            _ => runs.push((d, d)),
        }
    }
    runs
}

/// The newest posts (the API's list).
pub async fn recent_posts(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
    limit: u64,
) -> Result<Vec<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .order_by_desc(post::Column::PostedAt)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn days_make_runs_of_consecutive_days() {
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        assert!(day_runs(std::iter::empty()).is_empty());
        assert_eq!(
            day_runs([d(9), d(3), d(4), d(4), d(5), d(12), d(10)].into_iter()),
            vec![(d(3), d(5)), (d(9), d(10)), (d(12), d(12))]
        );
    }
}
