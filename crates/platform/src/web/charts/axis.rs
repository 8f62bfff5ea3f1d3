//! The two axes of a time chart.
//!
//! The value axis has four or five round steps (1, 2, 2.5 or 5 times a power of ten; whole
//! numbers for counts) and labels short enough for the chart's left gutter (`12.5k`, `1.2M`).
//!
//! The date axis must never collide, whatever the range and the width. The server does not
//! know the width, so it picks two label sets from the same list of "round" date subsets —
//! every point, every 2nd or 3rd, Mondays, month starts, quarters… — the densest with at most
//! [`WIDE_LABELS`] labels for a wide chart and at most [`NARROW_LABELS`] for a narrow one (a
//! phone). The stylesheet shows one set or the other by the chart's own width (a container
//! query), so labels keep their size and never overlap.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Step;

/// Labels on a wide chart (≥ 25rem of plot): "Nov 30" is about 40 px at 11 px.
pub const WIDE_LABELS: usize = 7;
/// Labels on a narrow chart (a phone: about 290 px of plot).
pub const NARROW_LABELS: usize = 4;

/// The value axis: from `lo` to `hi`, a grid line and label at each tick.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

/// A round step near `raw`: 1, 2, 2.5 or 5 × 10^k (no 2.5 below 10 when `whole`).
fn round_step(raw: f64, whole: bool) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let candidates: &[f64] = if whole && power < 10.0 {
        &[1.0, 2.0, 5.0, 10.0]
    } else {
        &[1.0, 2.0, 2.5, 5.0, 10.0]
    };
    let step = candidates
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * power);
    if whole { step.max(1.0) } else { step }
}

/// The axis for values between `min` and `max`: from zero when `zero_based` (bars, rates),
/// else around the data (a follower count of 12,000–12,300 is not a flat line at the top).
pub fn value_axis(min: f64, max: f64, zero_based: bool, whole: bool) -> ValueAxis {
    let (mut min, mut max) = if min.is_finite() && max.is_finite() && min <= max {
        (min, max)
    } else {
        (0.0, 1.0)
    };
    if zero_based {
        min = min.min(0.0);
        max = max.max(0.0);
    }
    if max - min < f64::EPSILON * max.abs().max(1.0) {
        // A flat series: give it room around its value.
        let pad = if max == 0.0 {
            1.0
        } else {
            (max.abs() * 0.05).max(if whole { 1.0 } else { 0.01 })
        };
        if zero_based && min >= 0.0 {
            max += pad;
        } else {
            min -= pad;
            max += pad;
        }
    }
    let step = round_step((max - min) / 4.0, whole);
    let mut lo = (min / step).floor() * step;
    let mut hi = (max / step).ceil() * step;
    if lo < 0.0 && min >= 0.0 {
        lo = 0.0;
    }
    if hi <= lo {
        hi = lo + step;
    }
    let count = ((hi - lo) / step).round().clamp(1.0, 12.0) as usize;
    hi = lo + step * count as f64;
    let ticks = (0..=count).map(|i| lo + step * i as f64).collect();
    ValueAxis {
        lo,
        hi,
        step,
        ticks,
    }
}

/// Decimals a label needs so that neighbouring ticks `step` apart read differently.
pub fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        return 0;
    }
    let d = (-step.log10()).ceil();
    let d = if (step * 10f64.powf(d)).fract() > 1e-6 {
        d + 1.0
    } else {
        d
    };
    d.clamp(0.0, 6.0) as usize
}

/// `12,345`, `-1,200`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count for the axis: `950`, `9,500`, `12.5k`, `1.25M` — precise enough for `step`.
pub fn compact(v: f64, step: f64) -> String {
    let a = v.abs();
    let (div, suffix) = if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e4 {
        (1e3, "k")
    } else {
        return thousands(v.round() as i64);
    };
    let d = decimals_for(step / div);
    let s = format!("{:.*}", d, v / div);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// One label of the date axis: the point it sits under, and which label sets hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTick {
    pub index: usize,
    pub label: String,
    pub wide: bool,
    pub narrow: bool,
}

/// The date labels of `points` (oldest first), each `step` long.
pub fn date_ticks(points: &[NaiveDate], step: Step) -> Vec<DateTick> {
    if points.is_empty() {
        return Vec::new();
    }
    let candidates = candidates(points, step);
    let pick = |max: usize| -> &(Vec<usize>, bool) {
        candidates
            .iter()
            .find(|(c, _)| c.len() <= max && c.len() >= 2)
            .or_else(|| candidates.iter().rev().find(|(c, _)| !c.is_empty()))
            .unwrap_or(&candidates[0])
    };
    let (wide, wide_months) = pick(WIDE_LABELS);
    let (narrow, narrow_months) = pick(NARROW_LABELS);
    let mut all: Vec<usize> = wide.iter().chain(narrow.iter()).copied().collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
        .map(|index| {
            let in_wide = wide.contains(&index);
            let months = if in_wide {
                *wide_months
            } else {
                *narrow_months
            };
            DateTick {
                index,
                label: date_label(points[index], months),
                wide: in_wide,
                narrow: narrow.contains(&index),
            }
        })
        .collect()
}

/// `Nov 3`; on a month axis `Nov`, and `Jan 2027` at a new year.
fn date_label(day: NaiveDate, months: bool) -> String {
    if months {
        if day.month() == 1 {
            day.format("%b %Y").to_string()
        } else {
            day.format("%b").to_string()
        }
    } else {
        day.format("%b %-d").to_string()
    }
}

/// Subsets of the points to label, densest first; `true` marks month labels.
fn candidates(points: &[NaiveDate], step: Step) -> Vec<(Vec<usize>, bool)> {
    let n = points.len();
    let every = |k: usize| -> Vec<usize> {
        // Counted from the newest point, so the latest day is labelled.
        (0..n).filter(|i| (n - 1 - i).is_multiple_of(k)).collect()
    };
    let which = |keep: &dyn Fn(NaiveDate) -> bool| -> Vec<usize> {
        (0..n).filter(|i| keep(points[*i])).collect()
    };
    // The first point in each month (a day series: the 1st; a week series: the first week).
    let month_starts: Vec<usize> = (0..n)
        .filter(|i| *i == 0 || points[*i].month() != points[*i - 1].month())
        .filter(|i| {
            *i > 0
                || match step {
                    Step::Day => points[0].day() == 1,
                    Step::Week => points[0].day() <= 7,
                    Step::Month => true,
                }
        })
        .collect();
    let months_where = |keep: &dyn Fn(u32) -> bool| -> Vec<usize> {
        month_starts
            .iter()
            .copied()
            .filter(|i| keep(points[*i].month()))
            .collect()
    };
    let mut out: Vec<(Vec<usize>, bool)> = Vec::new();
    if step != Step::Month {
        out.push(((0..n).collect(), false));
        out.push((every(2), false));
        out.push((every(3), false));
    }
    if step == Step::Day {
        out.push((which(&|d| d.weekday() == Weekday::Mon), false));
        out.push((
            which(&|d| d.weekday() == Weekday::Mon && d.iso_week().week().is_multiple_of(2)),
            false,
        ));
    }
    if step == Step::Week {
        out.push((every(4), false));
    }
    out.push((month_starts.clone(), true));
    out.push((months_where(&|m| m % 2 == 1), true));
    out.push((months_where(&|m| m % 3 == 1), true));
    out.push((months_where(&|m| m == 1 || m == 7), true));
    out.push((months_where(&|m| m == 1), true));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn days(from: NaiveDate, n: usize, stride: u64) -> Vec<NaiveDate> {
        (0..n as u64)
            .map(|i| from + chrono::Days::new(i * stride))
            .collect()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn round_value_axes() {
        let a = value_axis(0.0, 7.0, true, true);
        assert_eq!((a.lo, a.hi, a.step), (0.0, 8.0, 2.0));
        let a = value_axis(12_010.0, 12_290.0, false, true);
        assert!(
            a.lo <= 12_010.0 && a.hi >= 12_290.0 && a.lo > 11_000.0,
            "{a:?}"
        );
        assert!(a.ticks.len() <= 7);
        let a = value_axis(0.0, 3.62, true, false);
        assert_eq!(a.lo, 0.0);
        assert!(a.hi >= 3.62 && a.hi <= 5.0, "{a:?}");
        // A flat series still gets an axis with room.
        let a = value_axis(500.0, 500.0, false, true);
        assert!(a.lo < 500.0 && a.hi > 500.0, "{a:?}");
        let a = value_axis(0.0, 0.0, true, true);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
        // Negative changes.
        let a = value_axis(-2.5, 1.0, true, false);
        assert!(
            a.lo <= -2.5 && a.hi >= 1.0 && a.ticks.contains(&0.0),
            "{a:?}"
        );
        let a = value_axis(f64::NAN, f64::INFINITY, false, false);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
    }

    #[test]
    fn compact_labels_tell_ticks_apart() {
        assert_eq!(compact(950.0, 50.0), "950");
        assert_eq!(compact(9_500.0, 500.0), "9,500");
        assert_eq!(compact(12_000.0, 1_000.0), "12k");
        assert_eq!(compact(12_050.0, 50.0), "12.05k");
        assert_eq!(compact(1_250_000.0, 250_000.0), "1.25M");
        assert_eq!(compact(-20_000.0, 10_000.0), "-20k");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(0.5), 1);
        assert_eq!(decimals_for(2.0), 0);
    }

    fn labels(ticks: &[DateTick], wide: bool) -> Vec<String> {
        ticks
            .iter()
            .filter(|t| if wide { t.wide } else { t.narrow })
            .map(|t| t.label.clone())
            .collect()
    }

    #[test]
    fn every_range_fits_its_labels() {
        for (n, step, stride) in [
            (7, Step::Day, 1),
            (30, Step::Day, 1),
            (90, Step::Day, 1),
            (365, Step::Day, 1),
            (13, Step::Week, 7),
            (53, Step::Week, 7),
            (12, Step::Month, 30),
            (2, Step::Day, 1),
            (1, Step::Day, 1),
        ] {
            let points = days(d(2026, 3, 4), n, stride);
            let ticks = date_ticks(&points, step);
            let wide = labels(&ticks, true);
            let narrow = labels(&ticks, false);
            assert!(
                !wide.is_empty() && wide.len() <= WIDE_LABELS,
                "{n}: {wide:?}"
            );
            assert!(
                !narrow.is_empty() && narrow.len() <= NARROW_LABELS,
                "{n}: {narrow:?}"
            );
            if n >= 2 {
                assert!(wide.len() >= 2 && narrow.len() >= 2, "{n}: {narrow:?}");
            }
        }
    }

    #[test]
    fn labels_suit_the_range() {
        // A week: every day when wide, every other day (ending today) when narrow.
        let week = days(d(2026, 11, 24), 7, 1);
        let t = date_ticks(&week, Step::Day);
        assert_eq!(labels(&t, true).len(), 7);
        assert_eq!(
            labels(&t, false),
            vec!["Nov 24", "Nov 26", "Nov 28", "Nov 30"]
        );
        // A month: Mondays.
        let month = days(d(2026, 11, 1), 30, 1);
        let t = date_ticks(&month, Step::Day);
        assert_eq!(
            labels(&t, true),
            vec!["Nov 2", "Nov 9", "Nov 16", "Nov 23", "Nov 30"]
        );
        // A year of weeks: months, with the year at January.
        let year = days(d(2026, 1, 5), 53, 7);
        let t = date_ticks(&year, Step::Week);
        let wide = labels(&t, true);
        assert!(wide.contains(&"Jan 2027".to_string()), "{wide:?}");
        assert!(
            wide.iter()
                .all(|l| !l.chars().any(|c| c.is_ascii_digit()) || l.len() == 8)
        );
    }
}
