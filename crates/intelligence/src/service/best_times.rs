//! Best posting times: a weekday × hour grid in the subject's time zone, from its own posts
//! of the last [`WINDOW_DAYS`] days. Each cell holds the median engagement rate of the posts
//! that went out in that hour (`rate`: interactions per follower on the posting day, so a
//! growing account's old posts are not judged by today's follower count) and how many there
//! were; a cell with fewer than [`MIN_POSTS`] posts has "not enough data" and is never ranked.
//!
//! When an own account reports its followers online by hour (Instagram's `online_followers`,
//! 24 values per day counted from Pacific midnight), each day's values are moved into the
//! subject's zone for that very day (so daylight-saving changes on either side land in the
//! right hour) and averaged per weekday and hour. A ranked cell's score is then
//! `(1 − AUDIENCE_WEIGHT) × lift + AUDIENCE_WEIGHT × audience`, where `lift` is the cell's
//! median over the account's median and `audience` the followers online in that hour over the
//! average hour; without audience data the score is the lift alone. The top three cells are
//! the best slots, each with a confidence statement from its sample size and its lift.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use instagram::service::history::History;

/// How far back posts are read.
pub const WINDOW_DAYS: i64 = 180;
/// A cell needs this many posts to be judged.
pub const MIN_POSTS: usize = 3;
/// The weight of the audience-online share in a cell's score.
pub const AUDIENCE_WEIGHT: f64 = 0.3;
/// How many best slots are named.
pub const TOP_SLOTS: usize = 3;

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The method in a sentence, for pages and the API.
pub fn method() -> String {
    format!(
        "Each cell is the median engagement rate (likes and comments per follower on the posting \
         day) of the posts published in that hour over the last {WINDOW_DAYS} days, in the \
         account's time zone; cells with fewer than {MIN_POSTS} posts are not judged. Where \
         Instagram reports followers online by hour, a cell's score is {:.0} % its lift (its \
         median divided by the account's median) and {:.0} % the followers online in that hour \
         divided by the average hour; otherwise the score is the lift alone.",
        (1.0 - AUDIENCE_WEIGHT) * 100.0,
        AUDIENCE_WEIGHT * 100.0
    )
}

/// One weekday-and-hour cell (weekday 0 = Monday).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub weekday: u8,
    pub hour: u8,
    pub posts: usize,
    /// The median rate, in %, of the cell's posts (when it has any).
    pub median_rate: Option<f64>,
    /// The cell's median over the account's median, when the cell has enough posts.
    pub lift: Option<f64>,
    /// Mean followers online in this hour, when reported.
    pub online: Option<f64>,
    /// `online` over the average hour's.
    pub audience: Option<f64>,
    /// The ranking score (see the module documentation), for cells with enough posts.
    pub score: Option<f64>,
}

impl Cell {
    pub fn enough(&self) -> bool {
        self.posts >= MIN_POSTS
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::High => "High confidence",
            Confidence::Medium => "Medium confidence",
            Confidence::Low => "Low confidence",
        }
    }
}

/// One of the best slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub cell: Cell,
    pub confidence: Confidence,
    /// Why, in a sentence ("9 posts at this time, median 4.1 % — 38 % above …").
    pub statement: String,
}

impl Slot {
    /// "Tuesday 18:00".
    pub fn label(&self) -> String {
        slot_label(self.cell.weekday, self.cell.hour)
    }
}

pub fn slot_label(weekday: u8, hour: u8) -> String {
    format!(
        "{} {hour:02}:00",
        WEEKDAYS.get(usize::from(weekday)).unwrap_or(&"")
    )
}

/// The followers-online readings behind the audience share.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub days: usize,
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// The grid and its best slots.
#[derive(Debug, Clone)]
pub struct BestTimes {
    pub time_zone: Tz,
    pub from: NaiveDate,
    /// Posts with a rate that were placed in the grid.
    pub posts: usize,
    /// Posts of the window without a rate (hidden counts, unknown followers).
    pub posts_without_rate: usize,
    pub account_median: Option<f64>,
    /// 168 cells, Monday 00:00 first, hour by hour.
    pub cells: Vec<Cell>,
    pub top: Vec<Slot>,
    pub audience: Option<Audience>,
    /// The posts' sources (`graph`, `apify`, `demo`).
    pub sources: Vec<String>,
    /// The newest fetch of the posts.
    pub fetched_at: Option<DateTime<Utc>>,
}

impl BestTimes {
    pub fn is_demo(&self) -> bool {
        self.sources.iter().any(|s| s == "demo")
            || self.audience.as_ref().is_some_and(|a| a.source == "demo")
    }

    pub fn cell(&self, weekday: u8, hour: u8) -> Option<&Cell> {
        self.cells
            .get(usize::from(weekday) * 24 + usize::from(hour))
    }

    /// The best hour of a weekday among judged cells, by score.
    pub fn best_hour_of(&self, weekday: u8) -> Option<&Cell> {
        self.cells
            .iter()
            .filter(|c| c.weekday == weekday && c.score.is_some())
            .max_by(|a, b| cmp_score(a, b))
    }

    /// The hour the account posts at most (a fallback slot when no cell is judged).
    pub fn usual_hour(&self) -> Option<u8> {
        let mut by_hour = [0usize; 24];
        for c in &self.cells {
            by_hour[usize::from(c.hour)] += c.posts;
        }
        let (hour, posts) = by_hour
            .iter()
            .enumerate()
            .max_by_key(|(h, n)| (**n, std::cmp::Reverse(*h)))?;
        (*posts > 0).then(|| u8::try_from(hour).unwrap_or(0))
    }
}

fn cmp_score(a: &Cell, b: &Cell) -> std::cmp::Ordering {
    a.score
        .partial_cmp(&b.score)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then(a.posts.cmp(&b.posts))
        // Earlier slots first among equals: max_by keeps the last, so reverse.
        .then(b.weekday.cmp(&a.weekday))
        .then(b.hour.cmp(&a.hour))
}

pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The subject-zone weekday (0 = Monday) and hour of hour `h` of `day` as Instagram counts
/// online followers: the Pacific clock hour `h` of that day. The hour clocks skip in spring
/// does not exist there; it is read as `h` hours after Pacific midnight.
pub fn pacific_hour_in(day: NaiveDate, h: u32, tz: Tz) -> Option<(u8, u8)> {
    let pacific = chrono_tz::America::Los_Angeles;
    let local = day.and_hms_opt(h, 0, 0)?;
    let instant = match pacific.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            let midnight = pacific
                .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
                .earliest()?;
            midnight.with_timezone(&Utc) + Duration::hours(i64::from(h))
        }
    };
    let there = instant.with_timezone(&tz);
    Some((
        u8::try_from(there.weekday().num_days_from_monday()).ok()?,
        u8::try_from(there.hour()).ok()?,
    ))
}

/// Mean followers online per cell (168, Monday 00:00 first) from daily readings; `None` per
/// cell no reading reached.
pub fn audience_grid(days: &[(NaiveDate, Vec<i64>)], tz: Tz) -> Vec<Option<f64>> {
    let mut sum = vec![0f64; 168];
    let mut count = vec![0u32; 168];
    for (day, values) in days {
        for (h, v) in values.iter().enumerate().take(24) {
            let Some((wd, hour)) = pacific_hour_in(*day, h as u32, tz) else {
                continue;
            };
            let i = usize::from(wd) * 24 + usize::from(hour);
            sum[i] += *v as f64;
            count[i] += 1;
        }
    }
    sum.into_iter()
        .zip(count)
        .map(|(s, n)| (n > 0).then(|| s / f64::from(n)))
        .collect()
}

/// The grid from posts (time, rate in %) and followers-online readings.
pub fn grid(
    posts: &[(DateTime<Utc>, f64)],
    online: &[(NaiveDate, Vec<i64>)],
    tz: Tz,
) -> (Vec<Cell>, Option<f64>, Vec<Slot>) {
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 168];
    for (at, rate) in posts {
        let local = at.with_timezone(&tz);
        let i = local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize;
        rates[i].push(*rate);
    }
    let mut all: Vec<f64> = posts.iter().map(|(_, r)| *r).collect();
    let account_median = median(&mut all).filter(|m| *m > 0.0);
    let audience = audience_grid(online, tz);
    let known: Vec<f64> = audience.iter().flatten().copied().collect();
    let mean_online = (!known.is_empty())
        .then(|| known.iter().sum::<f64>() / known.len() as f64)
        .filter(|m| *m > 0.0);
    let cells: Vec<Cell> = rates
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let posts = r.len();
            let median_rate = median(&mut r);
            let lift = match (median_rate, account_median) {
                (Some(m), Some(all)) if posts >= MIN_POSTS => Some(m / all),
                _ => None,
            };
            let online = audience[i];
            let relative = match (online, mean_online) {
                (Some(o), Some(mean)) => Some(o / mean),
                _ => None,
            };
            let score = lift.map(|l| match relative {
                Some(a) => (1.0 - AUDIENCE_WEIGHT) * l + AUDIENCE_WEIGHT * a,
                None => l,
            });
            Cell {
                weekday: u8::try_from(i / 24).unwrap_or(0),
                hour: u8::try_from(i % 24).unwrap_or(0),
                posts,
                median_rate,
                lift,
                online,
                audience: relative,
                score,
            }
        })
        .collect();
    let mut ranked: Vec<&Cell> = cells.iter().filter(|c| c.score.is_some()).collect();
    ranked.sort_by(|a, b| cmp_score(b, a));
    let top = ranked
        .into_iter()
        .take(TOP_SLOTS)
        .map(|c| slot(c.clone(), account_median.unwrap_or(0.0)))
        .collect();
    (cells, account_median, top)
}

fn slot(cell: Cell, account_median: f64) -> Slot {
    let lift = cell.lift.unwrap_or(1.0);
    let above = (lift - 1.0) * 100.0;
    let confidence = if cell.posts >= 8 && lift >= 1.25 {
        Confidence::High
    } else if cell.posts >= 5 && lift >= 1.10 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    let comparison = if above >= 0.5 {
        format!("{above:.0} % above")
    } else if above <= -0.5 {
        format!("{:.0} % below", -above)
    } else {
        "level with".into()
    };
    let mut why = format!(
        "{} posts at this time, median {:.2} % — {comparison} the account's median of {:.2} %",
        cell.posts,
        cell.median_rate.unwrap_or(0.0),
        account_median
    );
    match confidence {
        Confidence::High => {}
        Confidence::Medium => why.push_str("; more posts here would make it surer"),
        Confidence::Low if cell.posts < 5 => why.push_str("; too few posts to be sure"),
        Confidence::Low => why.push_str("; not clearly better than other times"),
    }
    if let Some(a) = cell.audience {
        why.push_str(&format!(
            ". Followers online then: {:.0} % of the average hour",
            a * 100.0
        ));
    }
    Slot {
        statement: format!("{}: {why}.", confidence.label()),
        cell,
        confidence,
    }
}

/// The best times of a subject's record (read from `WINDOW_DAYS` days back) in `tz`.
pub fn of(history: &History, tz: Tz, now: DateTime<Utc>) -> BestTimes {
    let from = now.date_naive() - Duration::days(WINDOW_DAYS);
    let window: Vec<_> = history
        .posts
        .iter()
        .filter(|p| p.posted_at.date_naive() >= from)
        .collect();
    let rated: Vec<(DateTime<Utc>, f64)> = window
        .iter()
        .filter_map(|p| p.rate.map(|r| (p.posted_at, r)))
        .collect();
    let online: Vec<(NaiveDate, Vec<i64>)> = history
        .account_days
        .iter()
        .filter(|d| d.day >= from)
        .filter_map(|d| d.online_followers.clone().map(|v| (d.day, v)))
        .collect();
    let audience = (!online.is_empty()).then(|| {
        let with: Vec<_> = history
            .account_days
            .iter()
            .filter(|d| d.day >= from && d.online_followers.is_some())
            .collect();
        Audience {
            days: with.len(),
            source: with.last().map(|d| d.source.clone()).unwrap_or_default(),
            fetched_at: with.iter().map(|d| d.fetched_at).max(),
        }
    });
    let (cells, account_median, top) = grid(&rated, &online, tz);
    let mut sources: Vec<String> = window.iter().map(|p| p.source.clone()).collect();
    sources.sort();
    sources.dedup();
    BestTimes {
        time_zone: tz,
        from,
        posts: rated.len(),
        posts_without_rate: window.len() - rated.len(),
        account_median,
        cells,
        top,
        audience,
        sources,
        fetched_at: window.iter().map(|p| p.fetched_at).max(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    /// Pacific hour 10 of a Monday in Berlin: 19:00 while both zones keep winter time, 18:00
    /// in the three weeks the United States has moved its clocks and Europe has not, 19:00
    /// again once both are on summer time.
    #[test]
    fn online_hours_move_with_both_zones_daylight_saving() {
        let berlin = chrono_tz::Europe::Berlin;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(pacific_hour_in(d("2026-03-02"), 10, berlin), Some((0, 19)));
        assert_eq!(pacific_hour_in(d("2026-03-09"), 10, berlin), Some((0, 18)));
        assert_eq!(pacific_hour_in(d("2026-03-30"), 10, berlin), Some((0, 19)));
        // Late Pacific evening is the next morning in Berlin.
        assert_eq!(pacific_hour_in(d("2026-03-02"), 20, berlin), Some((1, 5)));
        // The Pacific hour clocks skip (02:00 on 2026-03-08) is two hours after midnight.
        assert_eq!(
            pacific_hour_in(d("2026-03-08"), 2, chrono_tz::UTC),
            Some((6, 10))
        );
        // In the subject's zone UTC, the same reading lands an hour earlier after the switch.
        assert_eq!(
            pacific_hour_in(d("2026-03-02"), 10, chrono_tz::UTC),
            Some((0, 18))
        );
        assert_eq!(
            pacific_hour_in(d("2026-03-09"), 10, chrono_tz::UTC),
            Some((0, 17))
        );
    }

    #[test]
    fn audience_is_averaged_in_the_subjects_zone() {
        let berlin = chrono_tz::Europe::Berlin;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut one = vec![0i64; 24];
        one[10] = 100;
        let mut two = vec![0i64; 24];
        two[10] = 300;
        let grid = audience_grid(&[(d("2026-03-02"), one), (d("2026-03-09"), two)], berlin);
        // Pacific 10:00 is Berlin 19:00 on the first Monday and 18:00 on the second (each
        // cell also averages the other day's zero from the neighbouring Pacific hour).
        assert_eq!(grid[19], Some(50.0));
        assert_eq!(grid[18], Some(150.0));
        assert_eq!(grid[17], Some(0.0));
        // Pacific 20:00-23:00 of a Monday is early Tuesday in Berlin; Tuesday 12:00 is never
        // reached by Monday readings.
        assert_eq!(grid[24 + 5], Some(0.0));
        assert_eq!(grid[24 + 12], None);
    }

    /// `tz`'s local `hour` on the day `weeks` after `first`.
    fn local(tz: Tz, first: &str, weeks: i64, hour: u32) -> DateTime<Utc> {
        let day = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap() + Duration::weeks(weeks);
        tz.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_best_cell_wins_and_thin_cells_are_not_judged() {
        let tz = chrono_tz::America::New_York;
        let mut posts = Vec::new();
        // Ten Tuesdays at 18:00 New York time (across the switch to summer time) at 6 %,
        // thirteen Thursdays at 09:00 at 3 %, two Sundays at 12:00 at 20 % (too few).
        for week in 0..10 {
            posts.push((local(tz, "2026-01-06", week, 18), 6.0));
        }
        for week in 0..13 {
            posts.push((local(tz, "2026-01-08", week, 9), 3.0));
        }
        for week in 0..2 {
            posts.push((local(tz, "2026-01-11", week, 12), 20.0));
        }
        let (cells, median, top) = grid(&posts, &[], tz);
        assert_eq!(median, Some(3.0));
        assert_eq!((top[0].cell.weekday, top[0].cell.hour), (1, 18));
        assert_eq!(top[0].cell.posts, 10);
        assert_eq!(top[0].confidence, Confidence::High);
        assert!(
            top[0].statement.contains("10 posts"),
            "{}",
            top[0].statement
        );
        assert!(
            top[0].statement.contains("100 % above"),
            "{}",
            top[0].statement
        );
        let sunday = &cells[6 * 24 + 12];
        assert_eq!(sunday.posts, 2);
        assert!(!sunday.enough() && sunday.score.is_none());
        assert_eq!(top.len(), 2, "only two cells have enough posts");
        assert_eq!((top[1].cell.weekday, top[1].cell.hour), (3, 9));
        assert_eq!(top[1].confidence, Confidence::Low);
        assert!(
            top[1].statement.contains("level with"),
            "{}",
            top[1].statement
        );
    }

    #[test]
    fn audience_blends_into_the_score() {
        let tz = chrono_tz::UTC;
        let mut posts = Vec::new();
        // Monday 10:00 and Monday 11:00, same rates.
        for week in 0..4 {
            posts.push((at("2026-01-05T10:00:00Z") + Duration::weeks(week), 4.0));
            posts.push((at("2026-01-05T11:00:00Z") + Duration::weeks(week), 4.0));
        }
        // Followers online: many at Pacific 03:00 (= 11:00 UTC in January), few otherwise.
        let mut online = vec![10i64; 24];
        online[3] = 100;
        let (_, _, top) = grid(
            &posts,
            &[(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), online)],
            tz,
        );
        assert_eq!((top[0].cell.weekday, top[0].cell.hour), (0, 11));
        let a = top[0].cell.audience.unwrap();
        assert!(a > 5.0, "{a}");
        let expected = (1.0 - AUDIENCE_WEIGHT) + AUDIENCE_WEIGHT * a;
        assert!((top[0].cell.score.unwrap() - expected).abs() < 1e-9);
    }
}
