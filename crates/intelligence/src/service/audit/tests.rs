#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The audit of synthetic records whose properties are known.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use instagram::service::history::{History, PostRecord};
use uuid::Uuid;

use super::{
    compute,
    inputs::{Context, Labels},
    report::Level,
};
use crate::model::{benchmark, restricted_tag};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn post(day: NaiveDate, caption: &str, media: &str, likes: i64, followers: i64) -> PostRecord {
    PostRecord {
        id: Uuid::now_v7(),
        shortcode: None,
        permalink: None,
        caption: Some(caption.into()),
        media_type: media.into(),
        product_type: None,
        posted_at: Utc.from_utc_datetime(&day.and_hms_opt(18, 0, 0).unwrap()),
        likes: Some(likes),
        comments: Some(0),
        views: None,
        followers: Some(followers),
        rate: Some(likes as f64 / followers as f64 * 100.0),
        reach: None,
        saves: None,
        shares: None,
        source: "demo".into(),
        fetched_at: Utc::now(),
    }
}

fn bands() -> Vec<benchmark::Model> {
    vec![benchmark::Model {
        id: Uuid::now_v7(),
        tier_label: "Mid".into(),
        min_followers: 10_000,
        max_followers: Some(99_999),
        low: 1.5,
        high: 5.0,
        definition: "def".into(),
        source: "Test source".into(),
        source_url: None,
        year: 2026,
        updated_at: Utc::now(),
        updated_by: None,
    }]
}

fn restricted() -> HashMap<String, restricted_tag::Model> {
    let tag = restricted_tag::Model {
        tag: "desk".into(),
        level: "banned".into(),
        source: "Test list".into(),
        source_url: None,
        checked_on: d("2026-12-01"),
        note: None,
        updated_at: Utc::now(),
        updated_by: None,
    };
    HashMap::from([("desk".to_string(), tag)])
}

/// 90 days to 30 Nov: a post every 2 days except none between 30 Sep and 26 Oct; two posts with
/// #desk; reels do twice as well as images; followers grow 10,000 → 10,900 with a jump of
/// +500 on 15 Nov.
fn record() -> (History, NaiveDate, NaiveDate) {
    let (from, to) = (d("2026-09-02"), d("2026-11-30"));
    let mut posts = Vec::new();
    let mut day = from;
    let mut i = 0;
    while day <= to {
        if !(day > d("2026-10-01") && day < d("2026-10-26")) {
            let reel = i % 3 == 0;
            let caption = if i == 4 || i == 10 {
                "At my #desk today #work #office"
            } else {
                "Morning light #work #office #coffee — what do you think? Comment below"
            };
            let mut p = post(
                day,
                caption,
                if reel { "VIDEO" } else { "IMAGE" },
                if reel { 400 } else { 200 },
                10_000,
            );
            if reel {
                p.product_type = Some("REELS".into());
            }
            posts.push(p);
            i += 1;
        }
        day += Duration::days(2);
    }
    let mut followers = Vec::new();
    let mut f = 10_000;
    let mut day = from;
    while day <= to {
        followers.push((day, f));
        f += if day == d("2026-11-14") { 500 } else { 5 };
        day += Duration::days(1);
    }
    (
        History {
            profile_id: Uuid::now_v7(),
            username: "demo.gap".into(),
            followers_now: Some(f),
            source: "demo".into(),
            fetched_at: Some(Utc::now()),
            posts,
            followers,
            account_days: Vec::new(),
        },
        from,
        to,
    )
}

#[test]
fn a_gap_a_restricted_tag_and_a_jump_are_found_with_their_evidence() {
    let (history, from, to) = record();
    let bands = bands();
    let restricted = restricted();
    let labels = HashMap::<Uuid, Labels>::new();
    let report = compute(&Context {
        history: &history,
        from,
        to,
        benchmarks: &bands,
        restricted: &restricted,
        labels: &labels,
        audience_languages: &[],
        now: Utc::now(),
    });

    let consistency = report.component("consistency").unwrap();
    let gap = consistency
        .findings
        .iter()
        .find(|f| f.text.contains("No post for 26 days"))
        .unwrap_or_else(|| panic!("gap finding: {:?}", consistency.findings));
    assert!(
        gap.text.contains("from Sep 30, 2026 to Oct 26, 2026"),
        "{}",
        gap.text
    );
    assert_eq!(gap.posts.len(), 2, "the posts on each side of the gap");

    let tags = report.component("hashtags").unwrap();
    let desk = tags
        .findings
        .iter()
        .find(|f| f.text.starts_with("#desk is reported banned"))
        .unwrap();
    assert_eq!(desk.level, Level::Risk);
    assert_eq!(desk.posts.len(), 2);
    assert!(
        desk.text.contains("Test list"),
        "names its source: {}",
        desk.text
    );
    assert!(tags.score.unwrap() <= 60.0);
    assert_eq!(
        report
            .recommendations
            .iter()
            .filter(|r| r.key == "hashtags.restricted")
            .count(),
        1
    );
    assert!(
        report
            .risk_signals
            .iter()
            .any(|s| s.text.contains("reported banned or restricted"))
    );

    let growth = report.component("growth").unwrap();
    assert!(
        growth
            .findings
            .iter()
            .any(|f| f.text.contains("+500") && f.text.contains("Nov 15, 2026")),
        "{:?}",
        growth.findings
    );

    let mix = report.component("content_mix").unwrap();
    assert!(
        mix.summary.starts_with("Reels perform best"),
        "{}",
        mix.summary
    );

    let engagement = report.component("engagement").unwrap();
    assert!(engagement.benchmark.contains("Test source"));
    assert!(engagement.score.is_some());

    // The overall score is the weighted mean of the components.
    let (s, w) = report
        .components
        .iter()
        .filter_map(|c| c.score.map(|s| (s * c.weight, c.weight)))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!((report.overall.unwrap() - s / w).abs() < 1e-9);
    assert_eq!(report.inputs.sources, vec!["demo".to_string()]);
    // Ranked by impact.
    assert!(
        report
            .recommendations
            .windows(2)
            .all(|w| w[0].impact >= w[1].impact)
    );
}

#[test]
fn an_empty_record_is_judged_without_panicking() {
    let (mut history, from, to) = record();
    history.posts.clear();
    history.followers.clear();
    history.followers_now = None;
    let report = compute(&Context {
        history: &history,
        from,
        to,
        benchmarks: &[],
        restricted: &HashMap::new(),
        labels: &HashMap::new(),
        audience_languages: &[],
        now: Utc::now(),
    });
    assert_eq!(report.component("engagement").unwrap().score, None);
    assert_eq!(report.component("growth").unwrap().score, None);
    assert_eq!(report.component("consistency").unwrap().score, Some(0.0));
    assert_eq!(
        report.overall,
        Some(0.0),
        "only consistency could be scored"
    );
}

#[test]
fn comparison_gives_deltas_per_component() {
    let (history, from, to) = record();
    let bands = bands();
    let restricted = restricted();
    let labels = HashMap::new();
    let cx = Context {
        history: &history,
        from,
        to,
        benchmarks: &bands,
        restricted: &restricted,
        labels: &labels,
        audience_languages: &[],
        now: Utc::now(),
    };
    let before = compute(&cx);
    let after = compute(&Context {
        restricted: &HashMap::new(),
        ..cx
    });
    let c = super::compare::compare(&before, &after);
    let tags = c.components.iter().find(|c| c.key == "hashtags").unwrap();
    assert!(
        tags.delta.unwrap() > 30.0,
        "dropping the restricted tag lifts the score: {tags:?}"
    );
    assert!(c.overall_delta.unwrap() > 0.0);
    assert_eq!(c.method_note, None);
}

#[test]
fn a_lasting_collapse_is_a_signal_and_a_few_weak_posts_are_not() {
    let (mut history, from, to) = record();
    let n = history.posts.len();
    let judge = |h: &History| {
        compute(&Context {
            history: h,
            from,
            to,
            benchmarks: &bands(),
            restricted: &HashMap::new(),
            labels: &HashMap::new(),
            audience_languages: &[],
            now: Utc::now(),
        })
        .risk_signals
        .into_iter()
        .any(|s| s.text.starts_with("Engagement collapsed after"))
    };
    // The last three posts weak: noise.
    for p in history.posts.iter_mut().skip(n - 3) {
        p.rate = Some(0.1);
    }
    assert!(!judge(&history));
    // The last third at a fifth of the rate: a signal, with the date it began.
    for p in history.posts.iter_mut().skip(n - n / 3) {
        p.rate = p.rate.map(|r| r / 5.0);
    }
    assert!(judge(&history));
}
