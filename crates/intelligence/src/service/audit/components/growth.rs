//! Growth: the follower trend over the period, and anomalies — days when the count jumped or
//! dropped far more than it usually moves.

use chrono::NaiveDate;

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, day, median, scale},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "growth";
const METHOD: &str = "Follower change over the period, as % per 30 days: −2 % or less scores 0, 0 % scores 40, +5 % or more scores 100 (straight lines between). An anomaly is a change between two snapshots, per day, larger than 5 × the median daily change and than 0.5 % of the followers.";
const BENCHMARK: &str = "Growthdeck's scale above; the account's own previous period beside it";

/// The followers on `d` from (day, followers) oldest first: the last on or before it.
fn on(days: &[(NaiveDate, i64)], d: NaiveDate) -> Option<(NaiveDate, i64)> {
    days.iter().rev().find(|(x, _)| *x <= d).copied()
}

pub fn build(cx: &Context) -> Built {
    let days = &cx.history.followers;
    let mut c = Component {
        key: KEY.into(),
        title: "Follower growth".into(),
        score: None,
        weight: WEIGHTS.growth,
        summary: String::new(),
        method: METHOD.into(),
        benchmark: BENCHMARK.into(),
        figures: Vec::new(),
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    let in_range: Vec<(NaiveDate, i64)> = days
        .iter()
        .filter(|(d, _)| *d >= cx.from && *d <= cx.to)
        .copied()
        .collect();
    let start = on(days, cx.from).or_else(|| in_range.first().copied());
    let end = in_range.last().copied();
    let (Some((d0, f0)), Some((d1, f1))) = (start, end) else {
        c.summary = "Fewer than two follower counts in the period: growth cannot be judged.".into();
        return (c, recs);
    };
    let span = (d1 - d0).num_days();
    if span < 7 || f0 <= 0 {
        c.summary =
            "Less than a week of follower history in the period: growth cannot be judged yet."
                .into();
        return (c, recs);
    }
    let change = f1 - f0;
    let monthly = change as f64 / f0 as f64 * 100.0 * 30.0 / span as f64;
    c.figures.push(Figure {
        label: format!("Followers {} → {}", day(d0), day(d1)),
        value: format!(
            "{} → {} ({}{})",
            platform::web::format::number(f0),
            platform::web::format::number(f1),
            if change >= 0 { "+" } else { "" },
            platform::web::format::number(change)
        ),
        raw: Some(change as f64),
    });
    c.figures.push(Figure {
        label: "Change per 30 days".into(),
        value: format!("{monthly:+.2} %"),
        raw: Some(monthly),
    });
    // The previous period, for comparison.
    let before_from = cx.from - chrono::Duration::days(cx.days());
    if let (Some((b0, g0)), Some((b1, g1))) = (
        on(days, before_from),
        on(days, cx.from - chrono::Duration::days(1)),
    ) && (b1 - b0).num_days() >= 7
        && g0 > 0
    {
        let before = (g1 - g0) as f64 / g0 as f64 * 100.0 * 30.0 / (b1 - b0).num_days() as f64;
        c.figures.push(Figure {
            label: "Change per 30 days, previous period".into(),
            value: format!("{before:+.2} %"),
            raw: Some(before),
        });
    }
    // Anomalies between consecutive snapshots.
    let steps: Vec<(NaiveDate, NaiveDate, f64, i64)> = in_range
        .windows(2)
        .filter_map(|w| {
            let n = (w[1].0 - w[0].0).num_days();
            (n > 0).then(|| {
                (
                    w[0].0,
                    w[1].0,
                    (w[1].1 - w[0].1) as f64 / n as f64,
                    w[1].1 - w[0].1,
                )
            })
        })
        .collect();
    let typical = median(steps.iter().map(|s| s.2.abs())).unwrap_or(0.0);
    let floor = (f0 as f64 * 0.005).max(5.0 * typical).max(1.0);
    let mut anomalies: Vec<&(NaiveDate, NaiveDate, f64, i64)> =
        steps.iter().filter(|s| s.2.abs() > floor).collect();
    anomalies.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    c.figures.push(Figure {
        label: "Anomalies".into(),
        value: anomalies.len().to_string(),
        raw: Some(anomalies.len() as f64),
    });
    for (a, b, _, size) in anomalies.iter().take(5) {
        let (what, level) = if *size >= 0 {
            ("jump", Level::Warning)
        } else {
            ("drop", Level::Risk)
        };
        let when = if (*b - *a).num_days() == 1 {
            format!("on {}", day(*b))
        } else {
            format!("between {} and {}", day(*a), day(*b))
        };
        c.findings.push(Finding {
            level,
            text: format!(
                "A {what} of {}{} followers {when}, against a usual move of {typical:.0} a day.",
                if *size >= 0 { "+" } else { "" },
                platform::web::format::number(*size)
            ),
            posts: Vec::new(),
        });
    }
    let score = if monthly < 0.0 {
        scale(monthly, -2.0, 0.0, 0.0, 40.0)
    } else {
        scale(monthly, 0.0, 5.0, 40.0, 100.0)
    };
    c.score = Some(score);
    c.summary = format!(
        "{monthly:+.2} % followers per 30 days over {span} days; {} anomal{}.",
        anomalies.len(),
        if anomalies.len() == 1 { "y" } else { "ies" }
    );
    if monthly < 2.0 {
        recs.push(Recommendation {
            key: "growth.reach_new_people".into(),
            component: KEY.into(),
            title: "Reach people who do not follow you yet".into(),
            detail: format!(
                "Followers changed {monthly:+.2} % per 30 days. Reels, collaborations and shareable carousels reach beyond your followers."
            ),
            impact: WEIGHTS.growth * (70.0 - score).max(0.0),
        });
    }
    (c, recs)
}
