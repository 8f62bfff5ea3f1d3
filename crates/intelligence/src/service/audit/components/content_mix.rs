//! Content mix: media types, reels against feed posts, categories — and which of them
//! performs best for this account.

use std::collections::BTreeMap;

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, median, post_ref, rate, share},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "content_mix";
const METHOD: &str = "Each format's median engagement rate (formats with 3 or more rated posts); the score is 100 × Σ over formats of (its share of posts × its median ÷ the best format's median, at most 1): how much of the output goes into what performs best here.";
const MIN_POSTS: usize = 3;

fn format_of(p: &instagram::service::history::PostRecord) -> &'static str {
    if p.is_reel() {
        "Reels"
    } else if p.media_type.eq_ignore_ascii_case("CAROUSEL_ALBUM") {
        "Carousels"
    } else if p.media_type.eq_ignore_ascii_case("VIDEO") {
        "Videos"
    } else {
        "Images"
    }
}

pub fn build(cx: &Context) -> Built {
    let posts = cx.posts();
    let mut by_format: BTreeMap<&str, Vec<&instagram::service::history::PostRecord>> =
        BTreeMap::new();
    for p in &posts {
        by_format.entry(format_of(p)).or_default().push(p);
    }
    let mut c = Component {
        key: KEY.into(),
        title: "Content mix".into(),
        score: None,
        weight: WEIGHTS.content_mix,
        summary: String::new(),
        method: METHOD.into(),
        benchmark: "The account's own best-performing format".into(),
        figures: Vec::new(),
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    let medians: Vec<(&str, usize, Option<f64>)> = by_format
        .iter()
        .map(|(f, ps)| {
            let rated: Vec<f64> = ps.iter().filter_map(|p| p.rate).collect();
            let m = (rated.len() >= MIN_POSTS).then(|| median(rated)).flatten();
            (*f, ps.len(), m)
        })
        .collect();
    for (f, n, m) in &medians {
        c.figures.push(Figure {
            label: format!("{f}: share of posts, median rate"),
            value: format!(
                "{}, {}",
                share(*n, posts.len()),
                m.map(rate).unwrap_or_else(|| "too few rated posts".into())
            ),
            raw: *m,
        });
    }
    let reels = posts.iter().filter(|p| p.is_reel()).count();
    c.figures.push(Figure {
        label: "Reels against feed posts".into(),
        value: format!("{reels} reels, {} feed posts", posts.len() - reels),
        raw: Some(reels as f64),
    });
    // Categories from post analysis.
    let mut categories: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &posts {
        if let Some(cat) = cx.labels.get(&p.id).and_then(|l| l.category.as_deref()) {
            *categories.entry(cat).or_default() += 1;
        }
    }
    let mut cats: Vec<(&str, usize)> = categories.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !cats.is_empty() {
        c.figures.push(Figure {
            label: "Categories (post analysis)".into(),
            value: cats
                .iter()
                .take(4)
                .map(|(k, n)| format!("{k} {}", share(*n, posts.len())))
                .collect::<Vec<_>>()
                .join(", "),
            raw: None,
        });
    }

    let Some((best, best_n, best_m)) = medians
        .iter()
        .filter_map(|(f, n, m)| m.map(|m| (*f, *n, m)))
        .max_by(|a, b| a.2.total_cmp(&b.2))
    else {
        c.summary = format!(
            "No format has {MIN_POSTS} or more rated posts: what performs best cannot be told yet."
        );
        return (c, recs);
    };
    let score = if best_m > 0.0 {
        100.0
            * medians
                .iter()
                .map(|(_, n, m)| {
                    let w = *n as f64 / posts.len().max(1) as f64;
                    w * m.map(|m| (m / best_m).min(1.0)).unwrap_or(1.0)
                })
                .sum::<f64>()
    } else {
        50.0
    };
    c.score = Some(score);
    c.summary = format!(
        "{best} perform best here (median {} over {best_n} posts) and make up {} of the posts.",
        rate(best_m),
        share(best_n, posts.len())
    );
    if let Some(top) = by_format.get(best).and_then(|ps| {
        ps.iter()
            .filter(|p| p.rate.is_some())
            .max_by(|a, b| a.rate.unwrap_or(0.0).total_cmp(&b.rate.unwrap_or(0.0)))
    }) {
        c.posts.push(post_ref(
            top,
            format!("best of the {}", best.to_lowercase()),
        ));
    }
    if let Some((worst, _, worst_m)) = medians
        .iter()
        .filter_map(|(f, n, m)| m.map(|m| (*f, *n, m)))
        .filter(|(f, ..)| *f != best)
        .min_by(|a, b| a.2.total_cmp(&b.2))
    {
        c.findings.push(Finding {
            level: Level::Info,
            text: format!(
                "{worst} reach a median of {} against {} for {best}.",
                rate(worst_m),
                rate(best_m)
            ),
            posts: Vec::new(),
        });
    }
    if score < 85.0 {
        recs.push(Recommendation {
            key: format!("content_mix.more_{}", best.to_lowercase()),
            component: KEY.into(),
            title: format!("Publish more {}", best.to_lowercase()),
            detail: format!(
                "{best} have your best median engagement ({}) but are {} of your posts. Shift part of the weekly plan to them.",
                rate(best_m),
                share(best_n, posts.len())
            ),
            impact: WEIGHTS.content_mix * (100.0 - score),
        });
    }
    (c, recs)
}
