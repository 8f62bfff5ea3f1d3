//! Hashtag hygiene: tags per post, identical sets repeated, tags with no engagement lift,
//! and tags on the list of reported banned or restricted tags.

use std::collections::{BTreeMap, HashMap};

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, hashtags, mean, median, post_ref, rate, share},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "hashtags";
const METHOD: &str = "From 100: −40 when any post uses a tag on the restricted list; −30 × the share of posts carrying an identical set of 3 or more tags used on 3 or more posts; −15 for more than 15 tags a post on average (−25 above 25); −10 × the share of frequent tags (on 3 or more rated posts) whose posts do no better than the others (no lift).";
const BENCHMARK: &str = "Instagram's own advice (@creators, 2021): 3–5 relevant hashtags a post; at most 30 are allowed. Restricted tags: the list staff keep, each tag with the source that reported it";

pub fn build(cx: &Context) -> Built {
    let posts = cx.posts();
    let tagged: Vec<(&instagram::service::history::PostRecord, Vec<String>)> = posts
        .iter()
        .map(|p| (*p, hashtags(p.caption.as_deref())))
        .collect();
    let with_tags = tagged.iter().filter(|(_, t)| !t.is_empty()).count();
    let mut c = Component {
        key: KEY.into(),
        title: "Hashtag hygiene".into(),
        score: None,
        weight: WEIGHTS.hashtags,
        summary: String::new(),
        method: METHOD.into(),
        benchmark: BENCHMARK.into(),
        figures: Vec::new(),
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    if with_tags == 0 {
        c.summary = if posts.is_empty() {
            "No post in the period.".into()
        } else {
            "No post of the period uses hashtags: nothing to judge.".into()
        };
        return (c, recs);
    }
    let per_post = mean(tagged.iter().map(|(_, t)| t.len() as f64)).unwrap_or(0.0);
    c.figures.push(Figure {
        label: "Hashtags a post (mean)".into(),
        value: format!("{per_post:.1}"),
        raw: Some(per_post),
    });
    c.figures.push(Figure {
        label: "Posts with hashtags".into(),
        value: share(with_tags, posts.len()),
        raw: Some(with_tags as f64),
    });
    let mut score: f64 = 100.0;

    // Restricted tags.
    let mut restricted_posts = Vec::new();
    let mut restricted_used: BTreeMap<String, Vec<uuid::Uuid>> = BTreeMap::new();
    for (p, tags) in &tagged {
        let hits: Vec<&String> = tags
            .iter()
            .filter(|t| cx.restricted.contains_key(*t))
            .collect();
        if !hits.is_empty() {
            for t in &hits {
                restricted_used.entry((*t).clone()).or_default().push(p.id);
            }
            restricted_posts.push(post_ref(
                p,
                format!(
                    "uses {}",
                    hits.iter()
                        .map(|t| format!("#{t}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    c.figures.push(Figure {
        label: "Posts with a restricted tag".into(),
        value: restricted_posts.len().to_string(),
        raw: Some(restricted_posts.len() as f64),
    });
    if !restricted_used.is_empty() {
        score -= 40.0;
        for (tag, ids) in &restricted_used {
            let (level, source) = cx
                .restricted
                .get(tag)
                .map(|r| {
                    (
                        r.level.as_str(),
                        format!("{}, checked {}", r.source, r.checked_on),
                    )
                })
                .unwrap_or(("restricted", String::new()));
            c.findings.push(Finding {
                level: Level::Risk,
                text: format!(
                    "#{tag} is reported {level} ({source}); used on {}.",
                    platform::web::format::count(ids.len() as i64, "post", "posts")
                ),
                posts: ids.clone(),
            });
        }
        recs.push(Recommendation {
            key: "hashtags.restricted".into(),
            component: KEY.into(),
            title: "Drop reported banned or restricted hashtags".into(),
            detail: format!(
                "Remove {} from your sets: posts carrying them may be left out of hashtag pages.",
                restricted_used
                    .keys()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            impact: WEIGHTS.hashtags * 40.0,
        });
        c.posts.extend(restricted_posts.into_iter().take(10));
    }

    // Identical sets repeated.
    let mut sets: HashMap<Vec<String>, Vec<&instagram::service::history::PostRecord>> =
        HashMap::new();
    for (p, tags) in &tagged {
        if tags.len() >= 3 {
            let mut key = tags.clone();
            key.sort();
            sets.entry(key).or_default().push(p);
        }
    }
    let mut repeated: Vec<(Vec<String>, Vec<&instagram::service::history::PostRecord>)> =
        sets.into_iter().filter(|(_, ps)| ps.len() >= 3).collect();
    repeated.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let repeated_posts: usize = repeated.iter().map(|(_, ps)| ps.len()).sum();
    c.figures.push(Figure {
        label: "Posts repeating an identical set".into(),
        value: share(repeated_posts, posts.len()),
        raw: Some(repeated_posts as f64),
    });
    if repeated_posts > 0 {
        let s = repeated_posts as f64 / posts.len().max(1) as f64;
        score -= 30.0 * s;
        for (set, ps) in repeated.iter().take(3) {
            c.findings.push(Finding {
                level: Level::Warning,
                text: format!(
                    "The same {} tags ({}) on {} posts.",
                    set.len(),
                    set.iter()
                        .take(6)
                        .map(|t| format!("#{t}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    ps.len()
                ),
                posts: ps.iter().map(|p| p.id).collect(),
            });
        }
        recs.push(Recommendation {
            key: "hashtags.vary_sets".into(),
            component: KEY.into(),
            title: "Vary your hashtag sets".into(),
            detail: format!(
                "{} of your posts repeat an identical set. Rotate tags by topic; keep 3–5 that fit each post.",
                share(repeated_posts, posts.len())
            ),
            impact: WEIGHTS.hashtags * 30.0 * s,
        });
    }

    if per_post > 15.0 {
        let cut = if per_post > 25.0 { 25.0 } else { 15.0 };
        score -= cut;
        recs.push(Recommendation {
            key: "hashtags.fewer".into(),
            component: KEY.into(),
            title: "Use fewer, more relevant hashtags".into(),
            detail: format!("Your posts carry {per_post:.1} tags on average; Instagram advises 3–5 that describe the post."),
            impact: WEIGHTS.hashtags * cut,
        });
    }

    // Lift of frequent tags: the median rate of posts with the tag against those without.
    let rated: Vec<&(&instagram::service::history::PostRecord, Vec<String>)> =
        tagged.iter().filter(|(p, _)| p.rate.is_some()).collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, tags) in &rated {
        for t in tags {
            *counts.entry(t.as_str()).or_default() += 1;
        }
    }
    let frequent: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| **n >= 3 && **n < rated.len())
        .map(|(t, _)| *t)
        .collect();
    let mut no_lift = Vec::new();
    for t in &frequent {
        let with = median(
            rated
                .iter()
                .filter(|(_, tags)| tags.iter().any(|x| x == t))
                .filter_map(|(p, _)| p.rate),
        );
        let without = median(
            rated
                .iter()
                .filter(|(_, tags)| !tags.iter().any(|x| x == t))
                .filter_map(|(p, _)| p.rate),
        );
        if let (Some(w), Some(wo)) = (with, without)
            && w <= wo
        {
            no_lift.push((*t, w, wo));
        }
    }
    if !frequent.is_empty() {
        let s = no_lift.len() as f64 / frequent.len() as f64;
        score -= 10.0 * s;
        c.figures.push(Figure {
            label: "Frequent tags with no lift".into(),
            value: format!("{} of {}", no_lift.len(), frequent.len()),
            raw: Some(no_lift.len() as f64),
        });
        no_lift.sort_by(|a, b| (a.1 - a.2).total_cmp(&(b.1 - b.2)));
        if !no_lift.is_empty() {
            c.findings.push(Finding {
                level: Level::Info,
                text: format!(
                    "No lift: {}.",
                    no_lift
                        .iter()
                        .take(5)
                        .map(|(t, w, wo)| format!(
                            "#{t} (median {} with, {} without)",
                            rate(*w),
                            rate(*wo)
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                posts: Vec::new(),
            });
        }
    }
    let score = score.clamp(0.0, 100.0);
    c.score = Some(score);
    c.summary = format!(
        "{per_post:.1} tags a post; {} restricted tag{} used; {} of posts repeat an identical set.",
        restricted_used.len(),
        if restricted_used.len() == 1 { "" } else { "s" },
        share(repeated_posts, posts.len())
    );
    (c, recs)
}
