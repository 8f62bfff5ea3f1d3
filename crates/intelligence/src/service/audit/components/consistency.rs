//! Posting consistency: cadence, the longest gaps and how much the weekly count varies,
//! against the account's own previous period.

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, day, mean, post_ref, scale},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "consistency";
const METHOD: &str = "40 points for cadence (3 or more posts a week earns all 40, in proportion below), 40 for regularity (1 − the coefficient of variation of the weekly post count, none left at 1.5), 20 for the longest gap without a post (7 days or less: 20; 14 days: 10; 21 days or more: 0).";
/// A gap this long (days) is named as a finding.
const NAMED_GAP: i64 = 10;

pub fn build(cx: &Context) -> Built {
    let posts = cx.posts();
    let weeks = (cx.days() as f64 / 7.0).max(1.0);
    let per_week = posts.len() as f64 / weeks;
    let before = cx.baseline_posts();
    let before_per_week = before.len() as f64 / weeks;
    let mut c = Component {
        key: KEY.into(),
        title: "Posting consistency".into(),
        score: None,
        weight: WEIGHTS.consistency,
        summary: String::new(),
        method: METHOD.into(),
        benchmark: format!(
            "The account's own previous {} days: {:.1} posts a week",
            cx.days(),
            before_per_week
        ),
        figures: vec![
            Figure {
                label: "Posts in the period".into(),
                value: platform::web::format::number(posts.len() as i64),
                raw: Some(posts.len() as f64),
            },
            Figure {
                label: "Posts a week".into(),
                value: format!("{per_week:.1}"),
                raw: Some(per_week),
            },
            Figure {
                label: "Posts a week, previous period".into(),
                value: format!("{before_per_week:.1}"),
                raw: Some(before_per_week),
            },
        ],
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    if posts.len() < 2 {
        c.summary = format!(
            "{} in {} days: too few to judge a rhythm.",
            platform::web::format::count(posts.len() as i64, "post", "posts"),
            cx.days()
        );
        if posts.is_empty() {
            c.score = Some(0.0);
            c.findings.push(Finding {
                level: Level::Risk,
                text: format!("No post between {} and {}.", day(cx.from), day(cx.to)),
                posts: Vec::new(),
            });
        }
        return (c, recs);
    }

    // Gaps between consecutive posts, and from the range's edges.
    let mut gaps: Vec<(i64, chrono::NaiveDate, chrono::NaiveDate, Option<usize>)> = Vec::new();
    let first = posts[0].posted_at.date_naive();
    gaps.push(((first - cx.from).num_days(), cx.from, first, None));
    for (i, w) in posts.windows(2).enumerate() {
        let (a, b) = (w[0].posted_at.date_naive(), w[1].posted_at.date_naive());
        gaps.push(((b - a).num_days(), a, b, Some(i)));
    }
    let last = posts[posts.len() - 1].posted_at.date_naive();
    gaps.push(((cx.to - last).num_days(), last, cx.to, None));
    gaps.sort_by_key(|g| std::cmp::Reverse(g.0));
    let longest = gaps[0].0;
    c.figures.push(Figure {
        label: "Longest gap".into(),
        value: platform::web::format::count(longest, "day", "days"),
        raw: Some(longest as f64),
    });
    for (days, a, b, i) in gaps.iter().filter(|g| g.0 >= NAMED_GAP).take(3) {
        let mut ids = Vec::new();
        if let Some(i) = i {
            ids = vec![posts[*i].id, posts[*i + 1].id];
            c.posts.push(post_ref(
                posts[*i],
                format!("last post before a {days}-day gap"),
            ));
            c.posts.push(post_ref(
                posts[*i + 1],
                format!("first post after a {days}-day gap"),
            ));
        }
        c.findings.push(Finding {
            level: if *days >= 21 {
                Level::Warning
            } else {
                Level::Info
            },
            text: format!("No post for {days} days, from {} to {}.", day(*a), day(*b)),
            posts: ids,
        });
    }

    // Weekly counts over the range (the last, partial week scaled to a full one is not
    // needed: weeks are counted from `from` in whole 7-day blocks, the rest dropped).
    let full_weeks = (cx.days() / 7).max(1) as usize;
    let mut counts = vec![0f64; full_weeks];
    for p in &posts {
        let w = ((p.posted_at.date_naive() - cx.from).num_days() / 7) as usize;
        if let Some(slot) = counts.get_mut(w) {
            *slot += 1.0;
        }
    }
    let m = mean(counts.iter().copied()).unwrap_or(0.0);
    let cv = if m > 0.0 {
        let var = counts.iter().map(|x| (x - m).powi(2)).sum::<f64>() / counts.len() as f64;
        var.sqrt() / m
    } else {
        1.5
    };
    c.figures.push(Figure {
        label: "Variation of the weekly count (CV)".into(),
        value: format!("{cv:.2}"),
        raw: Some(cv),
    });
    let cadence = scale(per_week, 0.0, 3.0, 0.0, 40.0);
    let regularity = 40.0 * (1.0 - (cv / 1.5).min(1.0));
    let gap = scale(longest as f64, 7.0, 21.0, 20.0, 0.0);
    let score = cadence + regularity + gap;
    c.score = Some(score);
    c.summary = format!(
        "{per_week:.1} posts a week ({before_per_week:.1} the period before), the longest gap {longest} days, weekly variation {cv:.2}."
    );
    if before_per_week > 0.0 && per_week < before_per_week * 0.7 {
        c.findings.push(Finding {
            level: Level::Warning,
            text: format!(
                "Cadence fell from {before_per_week:.1} to {per_week:.1} posts a week against the previous {} days.",
                cx.days()
            ),
            posts: Vec::new(),
        });
    }
    if per_week < 3.0 {
        recs.push(Recommendation {
            key: "consistency.cadence".into(),
            component: KEY.into(),
            title: "Post at least three times a week".into(),
            detail: format!("You posted {per_week:.1} times a week in this period. Plan posts ahead so no week goes empty."),
            impact: WEIGHTS.consistency * (40.0 - cadence),
        });
    }
    if longest > 7 {
        recs.push(Recommendation {
            key: "consistency.gaps".into(),
            component: KEY.into(),
            title: "Avoid long silences".into(),
            detail: format!("The longest gap was {longest} days. Keep a few evergreen posts ready for busy weeks."),
            impact: WEIGHTS.consistency * (20.0 - gap + (40.0 - regularity) / 2.0),
        });
    }
    (c, recs)
}
