//! The date range an account page or the comparison shows: the last 7, 30, 90 or 365 days
//! (today included, UTC). Any other value is refused, so every page is one of four, each
//! with an address that can be bookmarked (`?days=90`).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use platform::{Error, Result};

/// How the points of a chart are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// Weeks starting on Monday.
    Week,
}

impl Bucket {
    /// The first day of the bucket holding `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => day,
            Bucket::Week => {
                day - Duration::days(i64::from(
                    chrono::Datelike::weekday(&day).num_days_from_monday(),
                ))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    days: u16,
}

impl Default for Period {
    fn default() -> Self {
        Period::DEFAULT
    }
}

impl Period {
    pub const CHOICES: [u16; 4] = [7, 30, 90, 365];
    pub const DEFAULT: Period = Period { days: 30 };
    pub const INVALID: &'static str = "Choose a range of 7, 30, 90 or 365 days";

    /// The `days` parameter: absent or empty means the default (30).
    pub fn parse(raw: Option<&str>) -> Result<Period> {
        let raw = raw.map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Ok(Period::DEFAULT);
        }
        raw.parse::<u16>()
            .ok()
            .filter(|d| Self::CHOICES.contains(d))
            .map(|days| Period { days })
            .ok_or_else(|| Error::validation("days", Self::INVALID))
    }

    pub fn all() -> impl Iterator<Item = Period> {
        Self::CHOICES.into_iter().map(|days| Period { days })
    }

    pub fn days(self) -> u16 {
        self.days
    }

    /// "Last 30 days".
    pub fn label(self) -> String {
        format!("Last {} days", self.days)
    }

    /// The first day of the period ending `today` (today is the last).
    pub fn first_day(self, today: NaiveDate) -> NaiveDate {
        today - Duration::days(i64::from(self.days) - 1)
    }

    /// The first moment of the period (midnight UTC of its first day).
    pub fn since(self, today: NaiveDate) -> DateTime<Utc> {
        midnight(self.first_day(today))
    }

    /// The moment after the period (midnight UTC after `today`).
    pub fn until(today: NaiveDate) -> DateTime<Utc> {
        midnight(today + Duration::days(1))
    }

    /// How posts are grouped on charts: by day up to a month, by week beyond (a day of a
    /// quarter holds too few posts to say much).
    pub fn post_bucket(self) -> Bucket {
        if self.days <= 30 {
            Bucket::Day
        } else {
            Bucket::Week
        }
    }

    /// How daily measures (followers, reach) are grouped: by day up to a quarter, by week
    /// over a year.
    pub fn daily_bucket(self) -> Bucket {
        if self.days <= 90 {
            Bucket::Day
        } else {
            Bucket::Week
        }
    }

    /// The buckets of the period, oldest first (the first may start before the period).
    pub fn buckets(self, bucket: Bucket, today: NaiveDate) -> Vec<NaiveDate> {
        let mut out: Vec<NaiveDate> = Vec::new();
        let mut day = self.first_day(today);
        while day <= today {
            let start = bucket.start(day);
            if out.last() != Some(&start) {
                out.push(start);
            }
            day += Duration::days(1);
        }
        out
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_the_four_ranges_are_accepted() {
        assert_eq!(Period::parse(None).unwrap().days(), 30);
        assert_eq!(Period::parse(Some("")).unwrap().days(), 30);
        for d in ["7", "30", "90", "365", " 90 "] {
            assert_eq!(Period::parse(Some(d)).unwrap().days().to_string(), d.trim());
        }
        for bad in ["0", "8", "-7", "366", "99999999", "abc", "30.0"] {
            assert!(Period::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn buckets_cover_the_period() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(); // a Friday
        let p = Period::parse(Some("7")).unwrap();
        assert_eq!(
            p.first_day(today),
            NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
        );
        assert_eq!(p.buckets(Bucket::Day, today).len(), 7);
        let weeks = Period::parse(Some("90"))
            .unwrap()
            .buckets(Bucket::Week, today);
        assert_eq!(weeks.len(), 14);
        assert!(
            weeks
                .iter()
                .all(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Mon)
        );
        assert_eq!(
            *weeks.last().unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
    }
}
