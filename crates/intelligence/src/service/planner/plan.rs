//! A subject's growth plan: a followers goal by a date, the projection of its follower trend
//! (least squares over the last [`TREND_DAYS`] days of daily snapshots) with an on-track
//! indicator (the trend's followers a day against those the goal needs a day), and the content
//! mix to aim for each week, derived from what performs for this account: the posting cadence
//! of its last [`TREND_DAYS`] days and each format's median engagement rate.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use instagram::service::history::{History, PostRecord};
use platform::{Ctx, Error, FieldError, Permission, Result, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::SubjectKey;
use crate::{model::planner::growth_plan, service::best_times::median};

/// Days of follower snapshots and posts the trend and the mix read.
pub const TREND_DAYS: i64 = 90;
/// Snapshots the trend needs (spread over at least this many days).
pub const MIN_SNAPSHOTS: usize = 7;
/// The largest followers target.
pub const TARGET_MAX: i64 = 1_000_000_000;
/// How far ahead a goal may be set, in days (five years).
pub const HORIZON_DAYS: i64 = 5 * 366;
/// A format needs this many posts in the window to be compared.
pub const MIN_FORMAT_POSTS: usize = 3;

/// A goal as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub target_followers: i64,
    pub target_date: NaiveDate,
}

/// Checks a goal: a target of 1 to [`TARGET_MAX`] followers, a date after `today` and at most
/// [`HORIZON_DAYS`] ahead. Every problem is named by its field.
pub fn check(
    target_followers: Option<i64>,
    target_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Goal> {
    let mut errors = Vec::new();
    match target_followers {
        None => errors.push(FieldError::new(
            "target_followers",
            "Enter the followers to reach",
        )),
        Some(n) if !(1..=TARGET_MAX).contains(&n) => errors.push(FieldError::new(
            "target_followers",
            "The target must be a whole number from 1 to 1,000,000,000",
        )),
        _ => {}
    }
    match target_date {
        None => errors.push(FieldError::new(
            "target_date",
            "Enter the date to reach it by",
        )),
        Some(d) if d <= today => errors.push(FieldError::new(
            "target_date",
            "The date must be after today",
        )),
        Some(d) if d > today + Duration::days(HORIZON_DAYS) => errors.push(FieldError::new(
            "target_date",
            "The date can be at most five years ahead",
        )),
        _ => {}
    }
    match (target_followers, target_date) {
        (Some(target_followers), Some(target_date)) if errors.is_empty() => Ok(Goal {
            target_followers,
            target_date,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// A form's followers target: digits, with or without thousands separators.
pub fn parse_target(raw: &str) -> Result<Option<i64>> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' '))
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    cleaned.parse::<i64>().map(Some).map_err(|_| {
        Error::validation(
            "target_followers",
            "The target must be a whole number from 1 to 1,000,000,000",
        )
    })
}

/// A form's date (`YYYY-MM-DD`).
pub fn parse_date(field: &str, raw: &str) -> Result<Option<NaiveDate>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Error::validation(field, "Use a date like 2026-12-31"))
}

/// The follower trend: a straight line through the window's snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// Followers gained a day (negative: lost).
    pub per_day: f64,
    /// The line's value on the last snapshot's day.
    pub level: f64,
    pub snapshots: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Trend {
    /// The line's value on `day`.
    pub fn on(&self, day: NaiveDate) -> f64 {
        self.level + self.per_day * (day - self.to).num_days() as f64
    }
}

/// Least squares over the snapshots of the [`TREND_DAYS`] days up to `today`; `None` with
/// fewer than [`MIN_SNAPSHOTS`] snapshots or when they span less than that many days.
pub fn trend(followers: &[(NaiveDate, i64)], today: NaiveDate) -> Option<Trend> {
    let from = today - Duration::days(TREND_DAYS);
    let points: Vec<(NaiveDate, i64)> = followers
        .iter()
        .copied()
        .filter(|(d, _)| *d >= from && *d <= today)
        .collect();
    let first = points.first()?.0;
    let last = points.last()?.0;
    if points.len() < MIN_SNAPSHOTS || (last - first).num_days() < MIN_SNAPSHOTS as i64 - 1 {
        return None;
    }
    let n = points.len() as f64;
    let xs: Vec<f64> = points
        .iter()
        .map(|(d, _)| (*d - last).num_days() as f64)
        .collect();
    let ys: Vec<f64> = points.iter().map(|(_, f)| *f as f64).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let per_day = sxy / sxx;
    Some(Trend {
        per_day,
        // At x = 0 (the last snapshot's day).
        level: my - per_day * mx,
        snapshots: points.len(),
        from: first,
        to: last,
    })
}

/// Where the goal stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub current: Option<i64>,
    pub days_left: i64,
    /// Followers a day the goal needs from today.
    pub needed_per_day: Option<f64>,
    pub trend: Option<Trend>,
    /// The trend's value on the target date.
    pub projected: Option<i64>,
    /// `None` when there is too little history to say.
    pub on_track: Option<bool>,
    /// The projection in a sentence.
    pub summary: String,
}

pub fn project(goal: &Goal, history: &History, today: NaiveDate) -> Projection {
    let current = history
        .followers_now
        .or(history.followers.last().map(|(_, f)| *f));
    let days_left = (goal.target_date - today).num_days().max(0);
    let needed_per_day = current
        .filter(|_| days_left > 0)
        .map(|c| (goal.target_followers - c) as f64 / days_left as f64);
    let trend = trend(&history.followers, today);
    let projected = trend.map(|t| t.on(goal.target_date).round() as i64);
    let on_track = match current {
        Some(c) if c >= goal.target_followers => Some(true),
        _ => projected.map(|p| p >= goal.target_followers),
    };
    let summary = match (trend, needed_per_day, current) {
        (_, _, Some(c)) if c >= goal.target_followers => format!(
            "Reached: {} followers now, the target was {}.",
            platform::web::format::number(c),
            platform::web::format::number(goal.target_followers)
        ),
        (None, _, _) => format!(
            "Too little follower history to project: the trend needs {MIN_SNAPSHOTS} daily snapshots \
             over at least {MIN_SNAPSHOTS} days of the last {TREND_DAYS}."
        ),
        (Some(t), Some(need), _) => format!(
            "The trend of the last {} snapshots ({} to {}) gains {:.1} followers a day; the goal needs \
             {:.1} a day for {} days, so it projects {} followers on {}.",
            t.snapshots,
            t.from,
            t.to,
            t.per_day,
            need,
            days_left,
            platform::web::format::number(projected.unwrap_or(0)),
            goal.target_date
        ),
        (Some(t), None, _) => format!(
            "The trend gains {:.1} followers a day; the current count is unknown.",
            t.per_day
        ),
    };
    Projection {
        current,
        days_left,
        needed_per_day,
        trend,
        projected,
        on_track,
        summary,
    }
}

/// The formats a plan compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Reel,
    Carousel,
    Image,
    Video,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Reel, Format::Carousel, Format::Image, Format::Video];

    pub fn of(post: &PostRecord) -> Format {
        if post.is_reel() {
            Format::Reel
        } else if post.media_type.eq_ignore_ascii_case("CAROUSEL_ALBUM") {
            Format::Carousel
        } else if post.media_type.eq_ignore_ascii_case("VIDEO") {
            Format::Video
        } else {
            Format::Image
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Reel => "reel",
            Format::Carousel => "carousel",
            Format::Image => "image",
            Format::Video => "video",
        }
    }

    /// "a reel", "an image".
    pub fn with_article(self) -> &'static str {
        match self {
            Format::Reel => "a reel",
            Format::Carousel => "a carousel",
            Format::Image => "an image",
            Format::Video => "a video",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Format::Reel => "Reels",
            Format::Carousel => "Carousels",
            Format::Image => "Images",
            Format::Video => "Videos",
        }
    }
}

/// One format's weekly target and its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct MixTarget {
    pub format: Format,
    pub per_week: u32,
    pub posts: usize,
    pub median_rate: Option<f64>,
    /// The format's median over the account's.
    pub lift: Option<f64>,
    pub evidence: String,
}

/// The weekly content mix.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// Posts a week over the window.
    pub cadence: f64,
    pub posts: usize,
    pub per_week: u32,
    /// Formats with posts in the window or a target, best first.
    pub targets: Vec<MixTarget>,
    /// How the weekly total was chosen.
    pub evidence: String,
}

impl Mix {
    /// Formats in order of the week's posts (best first, each repeated by its target).
    pub fn schedule(&self) -> Vec<Format> {
        let mut out = Vec::new();
        let mut left: Vec<(Format, u32)> = self
            .targets
            .iter()
            .map(|t| (t.format, t.per_week))
            .collect();
        // Interleave: best format first in each round, so a short week still gets the best.
        while left.iter().any(|(_, n)| *n > 0) {
            for (f, n) in left.iter_mut() {
                if *n > 0 {
                    out.push(*f);
                    *n -= 1;
                }
            }
        }
        out
    }
}

/// The mix from the posts of the [`TREND_DAYS`] days up to `now`; one post more a week than the
/// cadence when the goal is behind.
pub fn mix(posts: &[PostRecord], now: DateTime<Utc>, behind: bool) -> Mix {
    let from = now - Duration::days(TREND_DAYS);
    let window: Vec<&PostRecord> = posts.iter().filter(|p| p.posted_at >= from).collect();
    let cadence = window.len() as f64 / (TREND_DAYS as f64 / 7.0);
    let mut all: Vec<f64> = window.iter().filter_map(|p| p.rate).collect();
    let account_median = median(&mut all).filter(|m| *m > 0.0);
    let (mut per_week, mut evidence) = if window.is_empty() {
        (
            3,
            format!("No posts in the last {TREND_DAYS} days: start with 3 a week."),
        )
    } else {
        (
            (cadence.round() as u32).clamp(1, 14),
            format!(
                "{} posts in the last {TREND_DAYS} days: {cadence:.1} a week.",
                window.len()
            ),
        )
    };
    if behind && per_week < 14 {
        per_week += 1;
        evidence.push_str(" One more a week, as the goal is behind its pace.");
    }
    let mut targets: Vec<MixTarget> = Format::ALL
        .iter()
        .filter_map(|&format| {
            let mut rates: Vec<f64> = window
                .iter()
                .filter(|p| Format::of(p) == format)
                .filter_map(|p| p.rate)
                .collect();
            let posts = window.iter().filter(|p| Format::of(p) == format).count();
            if posts == 0 {
                return None;
            }
            let median_rate = median(&mut rates);
            let lift = match (median_rate, account_median) {
                (Some(m), Some(a)) if posts >= MIN_FORMAT_POSTS => Some(m / a),
                _ => None,
            };
            let counted = platform::web::format::count(posts as i64, "post", "posts");
            let evidence = match (median_rate, lift) {
                (Some(m), Some(l)) => format!(
                    "{counted} in {TREND_DAYS} days, median rate {m:.2} % ({l:.2}× the account's median)"
                ),
                (Some(m), None) => format!(
                    "{counted} in {TREND_DAYS} days, median rate {m:.2} %: too few to compare"
                ),
                _ => format!("{counted} in {TREND_DAYS} days, no engagement rate known"),
            };
            Some(MixTarget {
                format,
                per_week: 0,
                posts,
                median_rate,
                lift,
                evidence,
            })
        })
        .collect();
    targets.sort_by(|a, b| {
        b.lift
            .unwrap_or(0.0)
            .partial_cmp(&a.lift.unwrap_or(0.0))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.posts.cmp(&a.posts))
    });
    // The week's posts shared among the compared formats in proportion to their median rate
    // (largest remainders); without any compared format, all go to the one posted most (or
    // reels for an account with no posts).
    let compared: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].lift.is_some())
        .collect();
    if compared.is_empty() {
        match targets.iter_mut().max_by_key(|t| t.posts) {
            Some(t) => t.per_week = per_week,
            None => targets.push(MixTarget {
                format: Format::Reel,
                per_week,
                posts: 0,
                median_rate: None,
                lift: None,
                evidence: "No posts to compare formats: reels reach the most non-followers".into(),
            }),
        }
    } else {
        let weights: Vec<f64> = compared
            .iter()
            .map(|&i| targets[i].median_rate.unwrap_or(0.0).max(0.0))
            .collect();
        let total: f64 = weights.iter().sum();
        let shares: Vec<f64> = weights
            .iter()
            .map(|w| {
                if total > 0.0 {
                    w / total * f64::from(per_week)
                } else {
                    f64::from(per_week) / weights.len() as f64
                }
            })
            .collect();
        let mut given: Vec<u32> = shares.iter().map(|s| s.floor() as u32).collect();
        let mut left = per_week.saturating_sub(given.iter().sum());
        let mut order: Vec<usize> = (0..shares.len()).collect();
        order.sort_by(|&a, &b| {
            (shares[b] - shares[b].floor())
                .partial_cmp(&(shares[a] - shares[a].floor()))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        for i in order {
            if left == 0 {
                break;
            }
            given[i] += 1;
            left -= 1;
        }
        // The best format gets at least one post a week, taken from the format given most.
        if given[0] == 0
            && let Some(most) = (1..given.len()).max_by_key(|&i| (given[i], std::cmp::Reverse(i)))
            && given[most] > 0
        {
            given[most] -= 1;
            given[0] += 1;
        }
        for (k, &i) in compared.iter().enumerate() {
            targets[i].per_week = given[k];
        }
    }
    Mix {
        cadence,
        posts: window.len(),
        per_week,
        targets,
        evidence,
    }
}

/// The subject's goal, if one is set.
pub async fn goal(
    db: &impl ConnectionTrait,
    key: &SubjectKey,
) -> Result<Option<growth_plan::Model>> {
    Ok(growth_plan::Entity::find()
        .filter(growth_plan::Column::WorkspaceId.eq(key.workspace_id))
        .filter(growth_plan::Column::SubjectKind.eq(key.kind))
        .filter(growth_plan::Column::SubjectId.eq(key.id))
        .one(db)
        .await?)
}

/// Sets (or replaces) the subject's goal (workspace write).
pub async fn set_goal(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    key: &SubjectKey,
    goal: Goal,
) -> Result<growth_plan::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let t = now();
    match self::goal(db, key).await? {
        Some(existing) => {
            let mut row = existing.into_active_model();
            row.target_followers = Set(goal.target_followers);
            row.target_date = Set(goal.target_date);
            row.updated_at = Set(t);
            Ok(row.update(db).await?)
        }
        None => Ok(growth_plan::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(key.workspace_id),
            subject_kind: Set(key.kind.to_string()),
            subject_id: Set(key.id),
            target_followers: Set(goal.target_followers),
            target_date: Set(goal.target_date),
            created_by: Set(Some(ctx.user_id())),
            created_at: Set(t),
            updated_at: Set(t),
        }
        .insert(db)
        .await
        .map_err(|e| {
            if platform::db::is_unique_violation(&e) {
                Error::Conflict("The goal was changed at the same time; try again".into())
            } else {
                e.into()
            }
        })?),
    }
}

/// Removes the subject's goal (workspace write); none set is not found.
pub async fn delete_goal(db: &impl ConnectionTrait, ctx: &Ctx, key: &SubjectKey) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let done = growth_plan::Entity::delete_many()
        .filter(growth_plan::Column::WorkspaceId.eq(key.workspace_id))
        .filter(growth_plan::Column::SubjectKind.eq(key.kind))
        .filter(growth_plan::Column::SubjectId.eq(key.id))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn goals_are_range_checked_field_by_field() {
        let today = d("2026-12-06");
        assert!(check(Some(20_000), Some(d("2027-06-01")), today).is_ok());
        let e = check(Some(0), Some(today), today).unwrap_err();
        let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["target_followers", "target_date"]);
        assert!(check(Some(TARGET_MAX + 1), Some(d("2027-01-01")), today).is_err());
        assert!(check(Some(5), Some(d("2040-01-01")), today).is_err());
        assert!(check(None, None, today).is_err());
        assert_eq!(parse_target("25,000").unwrap(), Some(25_000));
        assert!(parse_target("lots").is_err());
    }

    #[test]
    fn the_trend_is_a_least_squares_line() {
        let today = d("2026-12-06");
        // +10 a day with noise that averages out.
        let points: Vec<(NaiveDate, i64)> = (0..30)
            .map(|i| {
                let noise = if i % 2 == 0 { 3 } else { -3 };
                (today - Duration::days(29 - i), 1000 + 10 * i + noise)
            })
            .collect();
        let t = trend(&points, today).unwrap();
        assert!((t.per_day - 10.0).abs() < 0.1, "{t:?}");
        assert!(
            (t.on(today + Duration::days(10)) - 1390.0).abs() < 3.0,
            "{t:?}"
        );
        // Too few snapshots, or all on a few days.
        assert!(trend(&points[..6], today).is_none());
        let old: Vec<_> = points
            .iter()
            .map(|(day, f)| (*day - Duration::days(200), *f))
            .collect();
        assert!(trend(&old, today).is_none(), "outside the window");
    }
}
