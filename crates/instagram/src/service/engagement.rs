//! The one engagement rate every screen and the API show, for an own account and a tracked
//! profile alike: public figures only (likes and comments), so the two compare fairly.
//! Saves, shares and reach are private insights of connected accounts; pages show them
//! beside the rate, never inside it.

use chrono::NaiveDate;

/// Said once, on the definitions page (`/instagram/definitions#engagement-rate`), and in the
/// API next to every rate.
pub const DEFINITION: &str = "Engagement rate of a post = (likes + comments) ÷ the account's followers on the day it was posted, in %. The engagement rate of a period = the mean over the posts published in it that have known likes or comments.";

/// Where pages link to for the definition.
pub const DEFINITION_LINK: &str = "/instagram/definitions#engagement-rate";

/// The rate of one post, in %; `None` when the followers are unknown (or zero) or neither
/// likes nor comments are known (hidden like counts are not zero engagement).
pub fn post_rate(likes: Option<i64>, comments: Option<i64>, followers: Option<i64>) -> Option<f64> {
    let followers = followers.filter(|f| *f > 0)? as f64;
    if likes.is_none() && comments.is_none() {
        return None;
    }
    let interactions = likes.unwrap_or(0) + comments.unwrap_or(0);
    Some(interactions as f64 / followers * 100.0)
}

/// A profile's follower counts by day (from its daily snapshots), to find the followers on
/// the day a post went out.
#[derive(Debug, Clone, Default)]
pub struct FollowerHistory {
    /// (day, followers), oldest first.
    days: Vec<(NaiveDate, i64)>,
    /// The profile's count as last fetched: used when no snapshot is known at all.
    current: Option<i64>,
}

impl FollowerHistory {
    pub fn new(mut days: Vec<(NaiveDate, i64)>, current: Option<i64>) -> Self {
        days.sort_by_key(|(d, _)| *d);
        days.dedup_by_key(|(d, _)| *d);
        FollowerHistory { days, current }
    }

    pub fn days(&self) -> &[(NaiveDate, i64)] {
        &self.days
    }

    /// The followers on `day`: the last snapshot on or before it; before the first
    /// snapshot, the first one; with no snapshot, the profile's current count.
    pub fn on(&self, day: NaiveDate) -> Option<i64> {
        let after = self.days.partition_point(|(d, _)| *d <= day);
        if after > 0 {
            Some(self.days[after - 1].1)
        } else {
            self.days.first().map(|(_, f)| *f).or(self.current)
        }
    }

    /// The snapshot of exactly `day`, if one was taken.
    pub fn exactly(&self, day: NaiveDate) -> Option<i64> {
        self.days
            .binary_search_by_key(&day, |(d, _)| *d)
            .ok()
            .map(|i| self.days[i].1)
    }
}

/// The posts of one day (of one media type and source) as the database sums them.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPosts {
    pub day: NaiveDate,
    /// Every post published that day.
    pub posts: i64,
    /// The posts with known likes or comments.
    pub rated: i64,
    /// Likes + comments of the rated posts.
    pub interactions: i64,
}

/// The engagement rate of a group of posts (a period, a week, a media type): the mean of
/// their [`post_rate`]s. All posts of a day share the day's followers, so the mean follows
/// from each day's sums without reading the posts one by one.
pub fn mean_rate<'a>(
    days: impl IntoIterator<Item = &'a DayPosts>,
    followers: &FollowerHistory,
) -> Option<f64> {
    let (mut sum, mut posts) = (0.0, 0i64);
    for d in days {
        let Some(f) = followers.on(d.day).filter(|f| *f > 0) else {
            continue;
        };
        if d.rated > 0 {
            sum += d.interactions as f64 / f as f64 * 100.0;
            posts += d.rated;
        }
    }
    (posts > 0).then(|| sum / posts as f64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_post_rate_counts_what_is_known() {
        assert_eq!(post_rate(Some(90), Some(10), Some(1000)), Some(10.0));
        assert_eq!(post_rate(None, Some(10), Some(1000)), Some(1.0));
        assert_eq!(post_rate(None, None, Some(1000)), None, "hidden counts");
        assert_eq!(post_rate(Some(90), Some(10), None), None);
        assert_eq!(post_rate(Some(90), Some(10), Some(0)), None);
    }

    #[test]
    fn followers_on_a_day() {
        let h = FollowerHistory::new(vec![(day(10), 1000), (day(3), 900)], Some(1100));
        assert_eq!(h.on(day(1)), Some(900), "before the first: the first");
        assert_eq!(h.on(day(3)), Some(900));
        assert_eq!(h.on(day(9)), Some(900));
        assert_eq!(h.on(day(20)), Some(1000));
        assert_eq!(h.exactly(day(9)), None);
        assert_eq!(FollowerHistory::new(vec![], Some(7)).on(day(1)), Some(7));
    }

    #[test]
    fn the_mean_of_days_is_the_mean_of_posts() {
        // Day 3 (900 followers): posts with 90 and 45 interactions (10 % and 5 %);
        // day 10 (1000 followers): one post with 30 (3 %). Mean of the three: 6 %.
        let h = FollowerHistory::new(vec![(day(3), 900), (day(10), 1000)], None);
        let days = [
            DayPosts {
                day: day(3),
                posts: 3,
                rated: 2,
                interactions: 135,
            },
            DayPosts {
                day: day(10),
                posts: 1,
                rated: 1,
                interactions: 30,
            },
        ];
        let r = mean_rate(&days, &h).unwrap();
        assert!((r - 6.0).abs() < 1e-9, "{r}");
        let per_post = [
            post_rate(Some(90), None, Some(900)).unwrap(),
            post_rate(Some(45), None, Some(900)).unwrap(),
            post_rate(Some(30), None, Some(1000)).unwrap(),
        ];
        assert!((r - per_post.iter().sum::<f64>() / 3.0).abs() < 1e-9);
        assert_eq!(mean_rate(&[], &h), None);
        assert_eq!(mean_rate(&days, &FollowerHistory::default()), None);
    }
}
