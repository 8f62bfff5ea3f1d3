//! The calendar of planned posts and tasks, as a week (seven days, a column each on wide
//! screens and a list on phones) or a month (a table of weeks that scrolls inside its card on
//! a phone). Entries are placed on the day of their own subject's time zone.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

/// `?view=week|month&date=YYYY-MM-DD`.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Week,
    Month,
}

/// The view, its anchor day and the days it shows (`first..=last`).
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub view: View,
    pub anchor: NaiveDate,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Range {
    /// From the query; an unknown view is the week, an unreadable date today.
    pub fn of(q: &CalendarQuery, today: NaiveDate) -> Range {
        let view = if q.view == "month" {
            View::Month
        } else {
            View::Week
        };
        let anchor = NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (*d - today).num_days().abs() <= 5 * 366)
            .unwrap_or(today);
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        match view {
            View::Week => {
                let first = monday(anchor);
                Range {
                    view,
                    anchor,
                    first,
                    last: first + Duration::days(6),
                }
            }
            View::Month => {
                let start = anchor.with_day(1).unwrap_or(anchor);
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                }
                .unwrap_or(start + Duration::days(31));
                let end = next - Duration::days(1);
                Range {
                    view,
                    anchor,
                    first: monday(start),
                    last: monday(end) + Duration::days(6),
                }
            }
        }
    }

    fn step(&self, forward: bool) -> NaiveDate {
        let sign = if forward { 1 } else { -1 };
        match self.view {
            View::Week => self.anchor + Duration::days(7 * sign),
            View::Month => {
                let d = self.anchor.with_day(1).unwrap_or(self.anchor);
                let (y, m) = match (forward, d.month()) {
                    (true, 12) => (d.year() + 1, 1),
                    (true, m) => (d.year(), m + 1),
                    (false, 1) => (d.year() - 1, 12),
                    (false, m) => (d.year(), m - 1),
                };
                NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
            }
        }
    }
}

/// One thing on a day.
#[derive(Debug, Clone)]
pub struct Entry {
    pub day: NaiveDate,
    /// "18:00", or empty for a task without a time.
    pub time: String,
    pub label: String,
    /// `entry-post` or `entry-task`.
    pub class: &'static str,
    pub href: Option<String>,
    pub done: bool,
}

pub struct CalDay {
    pub iso: String,
    pub weekday: &'static str,
    pub label: String,
    pub day_number: u32,
    pub in_month: bool,
    pub is_today: bool,
    pub entries: Vec<Entry>,
}

pub struct CalWeek {
    pub days: Vec<CalDay>,
}

pub struct CalendarView {
    pub is_month: bool,
    pub title: String,
    pub prev_href: String,
    pub next_href: String,
    pub today_href: String,
    pub week_href: String,
    pub month_href: String,
    pub weeks: Vec<CalWeek>,
}

pub fn view(base: &str, range: Range, today: NaiveDate, mut entries: Vec<Entry>) -> CalendarView {
    entries.sort_by(|a, b| a.day.cmp(&b.day).then(a.time.cmp(&b.time)));
    let param = |view: &str, d: NaiveDate| {
        format!("{base}?view={view}&date={}#calendar", d.format("%Y-%m-%d"))
    };
    let name = match range.view {
        View::Week => "week",
        View::Month => "month",
    };
    let mut weeks = Vec::new();
    let mut day = range.first;
    while day <= range.last {
        let mut days = Vec::new();
        for _ in 0..7 {
            days.push(CalDay {
                iso: day.format("%Y-%m-%d").to_string(),
                weekday: crate::service::best_times::WEEKDAYS
                    [day.weekday().num_days_from_monday() as usize],
                label: day.format("%a %b %-d").to_string(),
                day_number: day.day(),
                in_month: range.view == View::Week || day.month() == range.anchor.month(),
                is_today: day == today,
                entries: entries.iter().filter(|e| e.day == day).cloned().collect(),
            });
            day += Duration::days(1);
        }
        weeks.push(CalWeek { days });
    }
    CalendarView {
        is_month: range.view == View::Month,
        title: match range.view {
            View::Week => format!(
                "{} – {}",
                range.first.format("%b %-d"),
                range.last.format("%b %-d, %Y")
            ),
            View::Month => range.anchor.format("%B %Y").to_string(),
        },
        prev_href: param(name, range.step(false)),
        next_href: param(name, range.step(true)),
        today_href: param(name, today),
        week_href: param("week", range.anchor),
        month_href: param("month", range.anchor),
        weeks,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges_cover_whole_weeks() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let q = |view: &str, date: &str| CalendarQuery {
            view: view.into(),
            date: date.into(),
        };
        let w = Range::of(&q("week", ""), today);
        assert_eq!(w.first.to_string(), "2026-11-30");
        assert_eq!(w.last.to_string(), "2026-12-06");
        let m = Range::of(&q("month", "2026-02-10"), today);
        assert_eq!(m.first.to_string(), "2026-01-26");
        assert_eq!(m.last.to_string(), "2026-03-01");
        assert_eq!(m.step(true).to_string(), "2026-03-01");
        let dec = Range::of(&q("month", "2026-12-31"), today);
        assert_eq!(dec.step(true).to_string(), "2027-01-01");
        let bad = Range::of(&q("year", "not a date"), today);
        assert_eq!((bad.view, bad.anchor), (View::Week, today));
        let v = view("/planner", m, today, Vec::new());
        assert_eq!(v.weeks.len(), 5);
        assert!(v.weeks.iter().all(|w| w.days.len() == 7));
    }
}
