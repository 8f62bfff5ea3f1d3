//! Engagement rate against the follower tier's published band.

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, median, post_ref, rate, scale},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "engagement";
const METHOD: &str = "The median engagement rate of the period's posts ((likes + comments) ÷ followers on the day each was posted). Below the band's low end: 0–50 in proportion; within the band: 50–80; above its high end: 80–100, reaching 100 at twice the high end.";

pub fn build(cx: &Context) -> Built {
    let posts = cx.posts();
    let mut rated: Vec<_> = posts.iter().filter(|p| p.rate.is_some()).copied().collect();
    let followers = cx.history.followers_now;
    let band = followers.and_then(|f| {
        cx.benchmarks
            .iter()
            .filter(|b| f >= b.min_followers && b.max_followers.is_none_or(|m| f <= m))
            .max_by_key(|b| b.year)
    });
    let benchmark = match band {
        Some(b) => format!(
            "{}: {}–{} ({}; {}, {})",
            b.tier_label,
            rate(b.low),
            rate(b.high),
            b.definition,
            b.source,
            b.year
        ),
        None => "No published band covers this follower count".into(),
    };
    let mut c = Component {
        key: KEY.into(),
        title: "Engagement rate".into(),
        score: None,
        weight: WEIGHTS.engagement,
        summary: String::new(),
        method: METHOD.into(),
        benchmark,
        figures: Vec::new(),
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    let Some(med) = median(rated.iter().filter_map(|p| p.rate)) else {
        c.summary = "No post of the period has known likes or comments and followers: the rate cannot be judged.".into();
        return (c, recs);
    };
    c.figures.push(Figure {
        label: "Median engagement rate".into(),
        value: rate(med),
        raw: Some(med),
    });
    c.figures.push(Figure {
        label: "Posts rated".into(),
        value: format!("{} of {}", rated.len(), posts.len()),
        raw: Some(rated.len() as f64),
    });
    if let Some(f) = followers {
        c.figures.push(Figure {
            label: "Followers".into(),
            value: platform::web::format::number(f),
            raw: Some(f as f64),
        });
    }
    rated.sort_by(|a, b| b.rate.unwrap_or(0.0).total_cmp(&a.rate.unwrap_or(0.0)));
    for p in rated.iter().take(3) {
        c.posts.push(post_ref(p, "among the best rates"));
    }
    if rated.len() > 3 {
        for p in rated.iter().rev().take(3) {
            c.posts.push(post_ref(p, "among the lowest rates"));
        }
    }
    let Some(b) = band else {
        c.summary = format!(
            "Median engagement rate {}; no benchmark covers this account's size.",
            rate(med)
        );
        return (c, recs);
    };
    let score = if med < b.low {
        scale(med, 0.0, b.low, 0.0, 50.0)
    } else if med <= b.high {
        scale(med, b.low, b.high, 50.0, 80.0)
    } else {
        scale(med, b.high, b.high * 2.0, 80.0, 100.0)
    };
    c.score = Some(score);
    let (level, position) = if med < b.low {
        (Level::Warning, "below")
    } else if med <= b.high {
        (Level::Info, "within")
    } else {
        (Level::Good, "above")
    };
    c.summary = format!(
        "Median engagement rate {} over {} rated posts, {} the {} band ({}–{}).",
        rate(med),
        rated.len(),
        position,
        b.tier_label,
        rate(b.low),
        rate(b.high)
    );
    c.findings.push(Finding {
        level,
        text: c.summary.clone(),
        posts: Vec::new(),
    });
    if med < b.high {
        let best: Vec<String> = rated
            .iter()
            .take(3)
            .map(|p| {
                format!(
                    "{} ({})",
                    p.posted_at.format("%b %-d"),
                    rate(p.rate.unwrap_or(0.0))
                )
            })
            .collect();
        recs.push(Recommendation {
            key: "engagement.learn_from_best".into(),
            component: KEY.into(),
            title: "Do more of what your best posts did".into(),
            detail: format!(
                "Your median rate is {}; your best posts of the period reached {}. Reuse their format, topic and call to action.",
                rate(med),
                best.join(", ")
            ),
            impact: WEIGHTS.engagement * (80.0 - score).max(0.0),
        });
    }
    (c, recs)
}
