//! Account audits (requirement 000/001's "AI audit", done with evidence): an audit of an own
//! account or a tracked profile over a range of days, run as a job, stored with what it read,
//! comparable with an earlier audit of the same subject.
//!
//! [`compute`] is pure: the subject's record (`instagram::service::history`), the benchmark
//! bands and restricted tags staff keep ([`reference`]), post analysis labels → a [`Report`].
//! [`run`] is the workflow around it: credits held when asked (pricing rule `audit`), the job
//! that computes and stores, captured when it succeeded and released when it failed.

pub mod compare;
pub mod components;
pub mod inputs;
pub mod narrative;
pub mod reference;
pub mod report;
pub mod run;

use std::collections::BTreeSet;

use inputs::Context;
pub use report::{Component, Finding, Inputs, Level, METHOD_VERSION, Recommendation, Report};

/// Recommendations worth fewer overall points than this are left out.
const MIN_IMPACT: f64 = 0.5;

pub fn overall_method() -> String {
    let w = &components::WEIGHTS;
    format!(
        "The weighted mean of the scored components: engagement rate {:.0} %, posting consistency {:.0} %, content mix {:.0} %, hashtag hygiene {:.0} %, captions {:.0} %, follower growth {:.0} %. A component without enough data is left out and the others' weights are scaled to add up to 100 %. Reach-risk signals are listed, not scored.",
        w.engagement * 100.0,
        w.consistency * 100.0,
        w.content_mix * 100.0,
        w.hashtags * 100.0,
        w.captions * 100.0,
        w.growth * 100.0
    )
}

/// The audit of the context's range.
pub fn compute(cx: &Context) -> Report {
    use components::*;
    let built = [
        engagement::build(cx),
        consistency::build(cx),
        content_mix::build(cx),
        hashtags::build(cx),
        captions::build(cx),
        growth::build(cx),
    ];
    let mut components_out = Vec::with_capacity(built.len());
    let mut recommendations = Vec::new();
    for (c, recs) in built {
        components_out.push(c);
        recommendations.extend(recs);
    }
    let (sum, weights) = components_out
        .iter()
        .filter_map(|c| c.score.map(|s| (s * c.weight, c.weight)))
        .fold((0.0, 0.0), |(a, b), (s, w)| (a + s, b + w));
    let overall = (weights > 0.0).then(|| (sum / weights).clamp(0.0, 100.0));
    recommendations.retain(|r| r.impact >= MIN_IMPACT);
    recommendations.sort_by(|a, b| b.impact.total_cmp(&a.impact).then(a.key.cmp(&b.key)));
    recommendations.dedup_by(|a, b| a.key == b.key);

    let posts = cx.posts();
    let sources: BTreeSet<String> = posts
        .iter()
        .map(|p| p.source.clone())
        .chain(std::iter::once(cx.history.source.clone()))
        .chain(cx.history.account_days.iter().map(|d| d.source.clone()))
        .collect();
    let fetched_at = posts
        .iter()
        .map(|p| p.fetched_at)
        .chain(cx.history.fetched_at)
        .max();
    Report {
        overall,
        overall_method: overall_method(),
        risk_signals: components::reach::signals(cx),
        inputs: Inputs {
            from: cx.from,
            to: cx.to,
            posts: posts.len(),
            rated_posts: posts.iter().filter(|p| p.rate.is_some()).count(),
            followers: cx.history.followers_now,
            follower_days: cx
                .history
                .followers
                .iter()
                .filter(|(d, _)| *d >= cx.from && *d <= cx.to)
                .count(),
            insight_days: cx
                .history
                .account_days
                .iter()
                .filter(|d| d.day >= cx.from && d.day <= cx.to)
                .count(),
            sources: sources.into_iter().collect(),
            fetched_at,
            computed_at: cx.now,
            method_version: METHOD_VERSION,
        },
        components: components_out,
        recommendations,
    }
}

#[cfg(test)]
mod tests;
