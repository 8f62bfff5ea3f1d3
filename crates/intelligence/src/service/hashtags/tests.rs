//! Ranking on a synthetic pool with a known answer.

use super::*;

fn post(tags: &[&str], rate: f64, profile: usize) -> TaggedPost {
    TaggedPost {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        rate,
        profile,
    }
}

fn profile(name: &str, kind: &str) -> HashtagProfile {
    HashtagProfile {
        username: name.into(),
        kind: kind.into(),
        posts: 0,
        source: "demo".into(),
        fetched_at: None,
    }
}

/// The account (0) posts at 2 % typically; the tracked profile (1) at 6 %. #golden goes with
/// double the usual engagement on both; #lazy with half; #spam4u is restricted but lifted;
/// #rare is on two posts only. Medians of relative engagement (rate ÷ profile median):
/// golden: with 2.0 (all its posts), without 1.0 → lift 2.0.
fn pool() -> Vec<TaggedPost> {
    let mut p = Vec::new();
    for (profile, base) in [(0usize, 2.0), (1usize, 6.0)] {
        for _ in 0..6 {
            p.push(post(&["plain"], base, profile));
        }
        p.push(post(&["golden", "sunset"], base * 2.0, profile));
        p.push(post(&["golden"], base * 2.0, profile));
        p.push(post(&["lazy"], base * 0.5, profile));
        p.push(post(&["lazy"], base * 0.5, profile));
    }
    // Only the tracked profile uses #spam4u (restricted) and #sunset again.
    p.push(post(&["spam4u", "sunset"], 18.0, 1));
    p.push(post(&["spam4u"], 18.0, 1));
    p.push(post(&["spam4u"], 18.0, 1));
    p.push(post(&["rare"], 20.0, 1));
    p.push(post(&["rare"], 20.0, 1));
    p
}

fn rank_pool(options: &Options) -> HashtagSuggestions {
    let posts = pool();
    let table = lift::table(&posts);
    let restricted: BTreeSet<String> = ["spam4u".to_string()].into();
    rank(
        &table,
        &posts,
        &[profile("me", "account"), profile("rival", "tracked")],
        &restricted,
        options,
    )
}

#[test]
fn lifted_tags_are_suggested_with_their_evidence() {
    let s = rank_pool(&Options::default());
    let tags: Vec<&str> = s.suggestions.iter().map(|x| x.tag.as_str()).collect();
    // #sunset: on 3 posts (2×, 2×, 3× their profile's median) → with 2.0; lift 2.0 as well
    // but on fewer posts than #golden (4), so it follows it. #lazy has no lift; #rare too
    // few posts; #spam4u is restricted.
    assert_eq!(tags, vec!["golden", "sunset"]);
    let golden = &s.suggestions[0];
    assert_eq!(golden.posts_with, 4);
    assert_eq!(golden.posts_without, 25 - 4);
    assert!((golden.relative_with - 2.0).abs() < 1e-12);
    assert!((golden.relative_without - 1.0).abs() < 1e-12);
    assert!((golden.lift - 2.0).abs() < 1e-12);
    assert_eq!(golden.used_by_account, 2);
    assert_eq!(
        golden
            .origins
            .iter()
            .map(|o| (o.username.as_str(), o.posts))
            .collect::<Vec<_>>(),
        vec![("me", 2), ("rival", 2)]
    );
    assert_eq!(golden.co_tags[0].tag, "sunset");
    assert_eq!(golden.co_tags[0].posts, 2);
    let sunset = &s.suggestions[1];
    assert_eq!(sunset.posts_with, 3);
    assert!((sunset.lift - 2.0).abs() < 1e-12);
    assert_eq!(s.restricted_left_out, vec!["spam4u"]);
    assert_eq!(s.posts_read, 25);
    assert_eq!(s.tags_measured, 5, "plain, golden, lazy, sunset, spam4u");
}

#[test]
fn seeds_narrow_the_suggestions_to_related_tags() {
    let s = rank_pool(&Options {
        seeds: vec!["sunset".into(), "nowhere".into()],
        ..Options::default()
    });
    let tags: Vec<&str> = s.suggestions.iter().map(|x| x.tag.as_str()).collect();
    // Posts with #sunset also carry #golden and #spam4u (restricted).
    assert_eq!(tags, vec!["golden", "sunset"]);
    assert!(s.suggestions[1].seed);
    assert!(!s.suggestions[0].seed);
    assert_eq!(s.unknown_seeds, vec!["nowhere"]);

    let s = rank_pool(&Options {
        seeds: vec!["lazy".into()],
        ..Options::default()
    });
    assert!(s.suggestions.is_empty(), "#lazy has no lift and no company");
}

#[test]
fn the_limit_cuts_the_list() {
    let s = rank_pool(&Options {
        limit: 1,
        ..Options::default()
    });
    assert_eq!(s.suggestions.len(), 1);
}

#[test]
fn options_are_validated() {
    let o = Options::parse(Some(90), " #Beach, travel;#beach  sun_set ", Some(5)).unwrap();
    assert_eq!(o.seeds, vec!["beach", "travel", "sun_set"]);
    assert_eq!((o.days, o.limit), (90, 5));
    assert_eq!(Options::parse(None, "", None).unwrap(), Options::default());
    for (days, seeds, limit, field) in [
        (Some(5), "", None, "days"),
        (Some(800), "", None, "days"),
        (None, "", Some(0), "limit"),
        (None, "", Some(101), "limit"),
        (None, "no-dashes", None, "seeds"),
        (None, "a b c d e f g h i j k", None, "seeds"),
    ] {
        match Options::parse(days, seeds, limit) {
            Err(Error::Validation(e)) => assert_eq!(e[0].field, field, "{seeds}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    let long = "x".repeat(SEED_MAX_CHARS + 1);
    assert!(Options::parse(None, &long, None).is_err());
    let huge = "ab ".repeat(1_000);
    assert!(Options::parse(None, &huge, None).is_err());
}
