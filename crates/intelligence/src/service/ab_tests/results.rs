//! A test's results, computed when read from the tagged posts' values: per variant the
//! sample, per non-control variant the Bayesian comparison with the control ([`stats`]), a
//! verdict worded no stronger than the numbers, and the same comparison as of each day a
//! tagged post went out (cumulative), to show how the evidence built up. Pure: the caller
//! brings the variants, the tags and the subject's posts.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use instagram::service::history::PostRecord;

use super::{
    Metric,
    stats::{self, Comparison, MIN_POSTS, PRIOR, Reading, Sample, Unjudged},
};
use crate::model::ab_tests::{tagged_post, variant};

/// One variant's figures.
#[derive(Debug, Clone)]
pub struct VariantResult {
    pub variant: variant::Model,
    pub is_control: bool,
    /// Posts tagged with it.
    pub tagged: usize,
    /// Its posts that have a value of the metric.
    pub sample: Option<Sample>,
    /// Against the control (none for the control itself).
    pub comparison: Option<Result<Comparison, Unjudged>>,
}

impl VariantResult {
    pub fn with_values(&self) -> usize {
        self.sample.map(|s| s.n).unwrap_or(0)
    }
}

/// What the numbers allow saying.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A variant has fewer than [`MIN_POSTS`] posts with a value: (variant, posts it has).
    NotEnoughData { short: Vec<(String, usize)> },
    /// No comparison could be made, for this reason.
    NotComparable(Unjudged),
    /// The variant with the highest chance to beat control passed the threshold.
    LikelyBetter { variant: String, chance: f64 },
    /// Every variant is likely worse than the control; `best` is the highest chance among them.
    ControlLikelyBetter { best: f64 },
    /// Nothing passed the threshold either way; the highest chance and whose it is.
    NoClearWinner { variant: String, chance: f64 },
}

fn pct(chance: f64) -> String {
    format!("{:.0} %", (chance * 100.0).clamp(0.0, 100.0))
}

impl Verdict {
    /// The verdict in words, for the page and the API.
    pub fn text(&self, control: &str, metric: Metric) -> String {
        match self {
            Verdict::NotEnoughData { short } => format!(
                "Not enough data yet: each variant needs at least {MIN_POSTS} posts with a value ({}).",
                short
                    .iter()
                    .map(|(name, n)| format!("“{name}” has {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Verdict::NotComparable(Unjudged::ControlMeanZero) => format!(
                "No verdict: the control’s mean {} is zero, so a lift cannot be computed.",
                metric.label().to_lowercase()
            ),
            Verdict::NotComparable(Unjudged::NoSpread) => format!(
                "No verdict: every tagged post has the same {}, so there is no spread to judge a difference by.",
                metric.label().to_lowercase()
            ),
            Verdict::NotComparable(Unjudged::TooFewPosts) => format!(
                "Not enough data yet: each variant needs at least {MIN_POSTS} posts with a value."
            ),
            Verdict::LikelyBetter { variant, chance } => format!(
                "“{variant}” is likely better than the control “{control}” (chance to beat control {}).",
                pct(*chance)
            ),
            Verdict::ControlLikelyBetter { best } => format!(
                "The control “{control}” is likely better than every variant (the best chance to beat it is {}).",
                pct(*best)
            ),
            Verdict::NoClearWinner { variant, chance } => format!(
                "No clear winner yet: the highest chance to beat control is {} (“{variant}”); a verdict needs {} either way.",
                pct(*chance),
                pct(stats::CHANCE_TO_DECIDE)
            ),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Verdict::NotEnoughData { .. } => "not_enough_data",
            Verdict::NotComparable(_) => "not_comparable",
            Verdict::LikelyBetter { .. } => "variant_likely_better",
            Verdict::ControlLikelyBetter { .. } => "control_likely_better",
            Verdict::NoClearWinner { .. } => "no_clear_winner",
        }
    }
}

/// The comparison as of one day: each non-control variant's chance to beat control (none
/// while not judged), in the order of the variants.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPoint {
    pub day: NaiveDate,
    pub chances: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct Results {
    pub variants: Vec<VariantResult>,
    pub verdict: Verdict,
    pub over_time: Vec<DayPoint>,
    /// Tagged posts without a value of the metric (or no longer among the subject's posts).
    pub without_value: usize,
    /// Sources of the values used (`graph`, `apify`, `demo`).
    pub sources: Vec<String>,
    /// When the newest of them was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A tagged post with a value: its variant's index, when it went out, the value, its source
/// and fetch time.
struct Observation<'a> {
    variant: usize,
    posted_at: DateTime<Utc>,
    value: f64,
    post: &'a PostRecord,
}

/// The comparisons of every non-control variant with the control over `obs`.
fn compare_all(
    count: usize,
    obs: &[&Observation<'_>],
) -> (Vec<Option<Sample>>, Vec<Result<Comparison, Unjudged>>) {
    let samples: Vec<Option<Sample>> = (0..count)
        .map(|i| {
            let values: Vec<f64> = obs
                .iter()
                .filter(|o| o.variant == i)
                .map(|o| o.value)
                .collect();
            Sample::of(&values)
        })
        .collect();
    let empty = Sample {
        n: 0,
        mean: 0.0,
        variance: 0.0,
    };
    let control = samples.first().copied().flatten().unwrap_or(empty);
    let comparisons = samples
        .iter()
        .skip(1)
        .map(|s| stats::compare(&control, &s.unwrap_or(empty), PRIOR))
        .collect();
    (samples, comparisons)
}

fn verdict(
    variants: &[variant::Model],
    samples: &[Option<Sample>],
    comparisons: &[Result<Comparison, Unjudged>],
) -> Verdict {
    let short: Vec<(String, usize)> = variants
        .iter()
        .zip(samples)
        .map(|(v, s)| (v.name.clone(), s.map(|s| s.n).unwrap_or(0)))
        .filter(|(_, n)| *n < MIN_POSTS)
        .collect();
    if !short.is_empty() {
        return Verdict::NotEnoughData { short };
    }
    let judged: Vec<(&variant::Model, &Comparison)> = variants
        .iter()
        .skip(1)
        .zip(comparisons)
        .filter_map(|(v, c)| c.as_ref().ok().map(|c| (v, c)))
        .collect();
    let Some((best, c)) = judged.iter().copied().max_by(|a, b| {
        a.1.chance_to_beat_control
            .total_cmp(&b.1.chance_to_beat_control)
    }) else {
        let why = comparisons
            .iter()
            .find_map(|c| c.as_ref().err().copied())
            .unwrap_or(Unjudged::TooFewPosts);
        return Verdict::NotComparable(why);
    };
    // With some variants unjudged, "the control is better than every variant" cannot be said.
    let all_judged = judged.len() + 1 == variants.len();
    match stats::reading(c) {
        Reading::LikelyBetter => Verdict::LikelyBetter {
            variant: best.name.clone(),
            chance: c.chance_to_beat_control,
        },
        Reading::LikelyWorse if all_judged => Verdict::ControlLikelyBetter {
            best: c.chance_to_beat_control,
        },
        _ => Verdict::NoClearWinner {
            variant: best.name.clone(),
            chance: c.chance_to_beat_control,
        },
    }
}

/// The results of a test whose variants (control first) and tags are given, over the
/// subject's posts.
pub fn compute(
    metric: Metric,
    variants: &[variant::Model],
    tags: &[tagged_post::Model],
    posts: &[PostRecord],
) -> Results {
    let mut without_value = 0;
    let mut obs: Vec<Observation<'_>> = Vec::new();
    for tag in tags {
        let Some(variant) = variants.iter().position(|v| v.id == tag.variant_id) else {
            continue;
        };
        match posts.iter().find(|p| p.id == tag.post_id) {
            Some(post) => match metric.of(post) {
                Some(value) => obs.push(Observation {
                    variant,
                    posted_at: post.posted_at,
                    value,
                    post,
                }),
                None => without_value += 1,
            },
            None => without_value += 1,
        }
    }
    obs.sort_by_key(|o| o.posted_at);
    let all: Vec<&Observation<'_>> = obs.iter().collect();
    let (samples, comparisons) = compare_all(variants.len(), &all);
    let verdict = verdict(variants, &samples, &comparisons);
    let days: BTreeSet<NaiveDate> = obs.iter().map(|o| o.posted_at.date_naive()).collect();
    let over_time = days
        .into_iter()
        .map(|day| {
            let upto: Vec<&Observation<'_>> = obs
                .iter()
                .filter(|o| o.posted_at.date_naive() <= day)
                .collect();
            let (_, cs) = compare_all(variants.len(), &upto);
            DayPoint {
                day,
                chances: cs
                    .iter()
                    .map(|c| c.as_ref().ok().map(|c| c.chance_to_beat_control))
                    .collect(),
            }
        })
        .collect();
    let mut sources: Vec<String> = obs.iter().map(|o| o.post.source.clone()).collect();
    sources.sort();
    sources.dedup();
    let fetched_at = obs.iter().map(|o| o.post.fetched_at).max();
    let tagged = |i: usize| {
        tags.iter()
            .filter(|t| variants.get(i).is_some_and(|v| v.id == t.variant_id))
            .count()
    };
    let mut comparisons = comparisons.into_iter();
    let variants = variants
        .iter()
        .enumerate()
        .map(|(i, v)| VariantResult {
            variant: v.clone(),
            is_control: i == 0,
            tagged: tagged(i),
            sample: samples.get(i).copied().flatten(),
            comparison: if i == 0 { None } else { comparisons.next() },
        })
        .collect();
    Results {
        variants,
        verdict,
        over_time,
        without_value,
        sources,
        fetched_at,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    use super::*;

    fn variant(position: i32, name: &str) -> variant::Model {
        variant::Model {
            id: Uuid::now_v7(),
            workspace_id: Uuid::nil(),
            test_id: Uuid::nil(),
            name: name.into(),
            position,
        }
    }

    fn post(day: i64, comments: Option<i64>) -> PostRecord {
        let at = Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap() + Duration::days(day);
        PostRecord {
            id: Uuid::now_v7(),
            shortcode: None,
            permalink: None,
            caption: None,
            media_type: "IMAGE".into(),
            product_type: None,
            posted_at: at,
            likes: Some(10),
            comments,
            views: None,
            followers: Some(1000),
            rate: Some(1.0),
            reach: None,
            saves: None,
            shares: None,
            source: "demo".into(),
            fetched_at: at,
        }
    }

    fn tag(v: &variant::Model, p: &PostRecord) -> tagged_post::Model {
        tagged_post::Model {
            id: Uuid::now_v7(),
            workspace_id: Uuid::nil(),
            test_id: Uuid::nil(),
            variant_id: v.id,
            post_id: p.id,
            tagged_by: None,
            tagged_at: p.posted_at,
        }
    }

    /// Control 2,3,4,3,2,4 and variant 3,4,5,4,3,5 comments: the hand-checked sample of the
    /// stats tests (chance 91 %), so no clear winner; before the fifth post of each, not
    /// enough data.
    #[test]
    fn comments_of_tagged_posts_give_the_verdict_and_its_history() {
        let control = variant(0, "Long captions");
        let short = variant(1, "Short captions");
        let mut posts = Vec::new();
        let mut tags = Vec::new();
        for (i, (c, s)) in [(2, 3), (3, 4), (4, 5), (3, 4), (2, 3), (4, 5)]
            .into_iter()
            .enumerate()
        {
            let pc = post(2 * i as i64, Some(c));
            let ps = post(2 * i as i64 + 1, Some(s));
            tags.push(tag(&control, &pc));
            tags.push(tag(&short, &ps));
            posts.push(pc);
            posts.push(ps);
        }
        // A tagged post without the metric and an untagged post count for nothing.
        let missing = post(20, None);
        tags.push(tag(&short, &missing));
        posts.push(missing);
        posts.push(post(21, Some(100)));
        let variants = [control, short];
        let r = compute(Metric::Comments, &variants, &tags, &posts);
        assert_eq!(r.without_value, 1);
        assert_eq!(r.variants[1].tagged, 7);
        assert_eq!(r.variants[1].with_values(), 6);
        let c = r.variants[1].comparison.unwrap().unwrap();
        assert!((c.chance_to_beat_control - 0.913_27).abs() < 1e-4);
        assert!(matches!(r.verdict, Verdict::NoClearWinner { .. }));
        let text = r.verdict.text("Long captions", Metric::Comments);
        assert!(
            text.starts_with("No clear winner yet: the highest chance to beat control is 91 %"),
            "{text}"
        );
        assert_eq!(r.sources, vec!["demo".to_string()]);
        // One point per day a post with a value went out; judged from the tenth post on
        // (the fifth of each variant).
        assert_eq!(r.over_time.len(), 12);
        assert!(r.over_time[..9].iter().all(|p| p.chances == vec![None]));
        assert!(r.over_time[9].chances[0].is_some());
        assert_eq!(r.over_time[11].chances[0], Some(c.chance_to_beat_control));
    }

    #[test]
    fn below_the_minimum_sample_it_says_not_enough_data() {
        let a = variant(0, "A");
        let b = variant(1, "B");
        let posts: Vec<PostRecord> = (0..9).map(|d| post(d, Some(d))).collect();
        let tags: Vec<_> = posts
            .iter()
            .enumerate()
            .map(|(i, p)| tag(if i < 5 { &a } else { &b }, p))
            .collect();
        let r = compute(Metric::Comments, &[a, b], &tags, &posts);
        assert_eq!(
            r.verdict,
            Verdict::NotEnoughData {
                short: vec![("B".into(), 4)]
            }
        );
        assert_eq!(
            r.verdict.text("A", Metric::Comments),
            "Not enough data yet: each variant needs at least 5 posts with a value (“B” has 4)."
        );
        assert!(r.over_time.iter().all(|p| p.chances == vec![None]));
    }

    #[test]
    fn a_clear_difference_is_called_likely_better_and_never_certain() {
        let a = variant(0, "A");
        let b = variant(1, "B");
        let mut posts = Vec::new();
        let mut tags = Vec::new();
        for i in 0..30 {
            let pa = post(i, Some(10 + i % 3));
            let pb = post(i, Some(20 + i % 3));
            tags.push(tag(&a, &pa));
            tags.push(tag(&b, &pb));
            posts.push(pa);
            posts.push(pb);
        }
        let r = compute(Metric::Comments, &[a, b], &tags, &posts);
        let text = r.verdict.text("A", Metric::Comments);
        assert!(matches!(r.verdict, Verdict::LikelyBetter { .. }), "{text}");
        assert!(text.contains("is likely better"), "{text}");
        // The reversed roles: the control is likely better than every variant.
        let a2 = variant(0, "B as control");
        let b2 = variant(1, "A as variant");
        let swapped: Vec<_> = tags
            .iter()
            .map(|t| tagged_post::Model {
                variant_id: if t.variant_id == r.variants[0].variant.id {
                    b2.id
                } else {
                    a2.id
                },
                ..t.clone()
            })
            .collect();
        let r2 = compute(Metric::Comments, &[a2, b2], &swapped, &posts);
        assert!(matches!(r2.verdict, Verdict::ControlLikelyBetter { .. }));
    }
}
