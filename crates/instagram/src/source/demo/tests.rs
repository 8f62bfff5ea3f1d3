//! The generator's promises, over many usernames: stable history, a coherent persona (bio,
//! captions, hashtags, comments and city in one language and niche), engagement typical of
//! the follower tier and bounded, a year of daily history, a varied showcase.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{
    content::{Lang, Niche, Sentiment},
    engagement::{MAX_PERFORMANCE, typical_rate},
    posts::sentiment_of,
    *,
};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap()
}

fn persona(raw: &str) -> Persona {
    Persona::of(&Username::parse(raw).unwrap())
}

/// Usernames of every kind: naming niche and person, brands, and names that name nothing.
fn many_usernames() -> Vec<String> {
    let mut names = Vec::new();
    for (i, niche) in Niche::ALL.into_iter().enumerate() {
        for lang in Lang::ALL {
            for first in lang.first_names().iter().take(3) {
                names.push(format!(
                    "demo.{}.{}",
                    niche.keywords()[i % 3],
                    content::fold(first)
                ));
            }
        }
    }
    names.extend((0..120).map(|i| format!("creator_{i}")));
    names.extend(
        [
            "natgeo",
            "steady_poster",
            "demo.wanderlust.co",
            "lisboa.bakes",
        ]
        .map(String::from),
    );
    names
}

#[test]
fn the_same_username_gives_the_same_data() {
    let now = at(2026, 12, 2);
    let a = persona("Travel.With.Mia");
    let b = persona("@travel.with.mia");
    assert_eq!(a.profile(now), b.profile(now));
    assert_eq!(a.posts(now), b.posts(now));
    assert_ne!(a.profile(now), persona("another_one").profile(now));
}

#[test]
fn history_is_stable_and_grows() {
    let earlier = at(2026, 11, 1);
    let later = at(2026, 12, 1);
    let p = persona("steady_poster");
    let old = p.posts(earlier);
    let new = p.posts(later);
    assert!(!new.is_empty() && !old.is_empty());
    for post in old
        .iter()
        .filter(|m| m.posted_at > later - Duration::days(330))
    {
        let same = new
            .iter()
            .find(|m| m.ig_media_id == post.ig_media_id)
            .unwrap();
        assert_eq!(same.posted_at, post.posted_at);
        assert_eq!(same.caption, post.caption);
        assert!(same.like_count >= post.like_count);
    }
    let days = p.history(later, 365);
    let before = p.history(earlier, 365);
    for d in &before {
        if let Some(same) = days.iter().find(|x| x.day == d.day) {
            assert_eq!(same, d, "a past day never changes");
        }
    }
}

#[test]
fn personas_are_coherent_across_many_usernames() {
    let now = at(2026, 12, 2);
    let mut niches = BTreeSet::new();
    let mut langs = BTreeSet::new();
    for name in many_usernames() {
        let p = persona(&name);
        niches.insert(p.niche);
        langs.insert(p.lang);
        let profile = p.profile(now);
        let bio = profile.biography.unwrap();
        assert!(bio.contains(p.niche.tagline(p.lang)), "{name}: {bio}");
        assert!(
            bio.contains(p.city) && p.lang.cities().contains(&p.city),
            "{name}: {bio}"
        );
        if p.person {
            assert!(
                p.lang
                    .first_names()
                    .iter()
                    .any(|f| p.display_name.starts_with(f))
                    && p.lang
                        .last_names()
                        .iter()
                        .any(|l| p.display_name.ends_with(l)),
                "{name}: {} is not a {:?} name",
                p.display_name,
                p.lang
            );
        }
        let mut allowed: BTreeSet<String> =
            p.niche.hashtags().iter().map(|t| t.to_string()).collect();
        allowed.extend(p.niche.local_hashtags(p.lang).map(String::from));
        allowed.insert(p.city.to_lowercase().replace(' ', ""));
        for m in p.posts(now).iter().take(30) {
            let caption = m.caption.as_deref().unwrap();
            assert!(
                p.niche
                    .captions(p.lang)
                    .iter()
                    .any(|line| caption.starts_with(line)),
                "{name}: caption not of {:?}/{:?}: {caption}",
                p.niche,
                p.lang
            );
            let tags: Vec<&str> = caption
                .split_whitespace()
                .filter_map(|w| w.strip_prefix('#'))
                .collect();
            assert!(!tags.is_empty(), "{name}: no hashtags");
            for t in tags {
                assert!(allowed.contains(t), "{name}: #{t} off-niche");
            }
            assert!(
                m.permalink.is_none(),
                "no link to a page that does not exist"
            );
            assert!(
                m.media_url.is_some() || m.thumbnail_url.is_some(),
                "a picture"
            );
            for c in p.comments(m) {
                let own = p.lang.comments().iter().any(|(t, _)| *t == c.text)
                    || Lang::En.comments().iter().any(|(t, _)| *t == c.text)
                    || c.text == p.niche.question(p.lang)
                    || c.text == p.niche.question(Lang::En);
                assert!(
                    own,
                    "{name}: comment {:?} of another language or niche",
                    c.text
                );
            }
        }
    }
    assert_eq!(niches.len(), Niche::ALL.len());
    assert_eq!(langs.len(), Lang::ALL.len());
}

#[test]
fn engagement_follows_the_follower_tier_and_stays_bounded() {
    let now = at(2026, 12, 2);
    let mut by_tier: BTreeMap<Tier, Vec<f64>> = BTreeMap::new();
    let mut highest: f64 = 0.0;
    for name in many_usernames() {
        let p = persona(&name);
        let rates: Vec<f64> = p
            .posts(now)
            .iter()
            .filter(|m| now - m.posted_at > Duration::days(3))
            .map(|m| {
                let followers = p.followers_at(m.posted_at) as f64;
                let rate = (m.like_count.unwrap() + m.comments_count.unwrap()) as f64 / followers;
                // No post beyond the viral bound of its account's size (affinity ≤ 1.6, reels 1.3).
                assert!(
                    rate <= typical_rate(followers) * MAX_PERFORMANCE * 1.6 * 1.3 + 1e-9,
                    "{name}: {rate} at {followers} followers"
                );
                highest = highest.max(rate);
                rate
            })
            .collect();
        assert!(!rates.is_empty(), "{name}");
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        by_tier.entry(p.tier_at(now)).or_default().push(mean);
    }
    assert!(
        highest < 0.25,
        "no account sees a quarter of its followers engage: {highest}"
    );
    let bounds = [
        (Tier::Nano, 0.018, 0.09),
        (Tier::Micro, 0.009, 0.055),
        (Tier::Mid, 0.006, 0.035),
        (Tier::Macro, 0.005, 0.025),
        (Tier::Mega, 0.003, 0.02),
    ];
    let mut medians = Vec::new();
    for (tier, lo, hi) in bounds {
        let Some(means) = by_tier.get_mut(&tier) else {
            continue;
        };
        for m in means.iter() {
            assert!((lo..hi).contains(m), "{tier:?}: mean engagement {m}");
        }
        means.sort_by(f64::total_cmp);
        medians.push((tier, means[means.len() / 2]));
        println!(
            "{tier:?}: {} accounts, median engagement {:.2} %",
            means.len(),
            medians.last().unwrap().1 * 100.0
        );
    }
    assert!(medians.len() >= 4, "tiers seen: {medians:?}");
    assert!(
        medians.windows(2).all(|w| w[0].1 > w[1].1),
        "falls with size: {medians:?}"
    );
}

#[test]
fn a_year_of_daily_history_without_gaps() {
    let now = at(2026, 12, 2);
    let p = persona("demo.travel.mia");
    let days = p.history(now, 365);
    assert_eq!(days.len(), 365);
    assert_eq!(days[0].day, now.date_naive() - Duration::days(365));
    assert_eq!(days[364].day, now.date_naive() - Duration::days(1));
    assert!(
        days.windows(2)
            .all(|w| w[1].day - w[0].day == Duration::days(1))
    );
    assert!(
        days.windows(2)
            .all(|w| w[1].media_count >= w[0].media_count)
    );
    let profile = p.profile(now);
    let last = days[364].followers_count.unwrap() as f64;
    let today = profile.followers_count.unwrap() as f64;
    assert!(
        (today / last - 1.0).abs() < 0.05,
        "today follows on from yesterday"
    );
    assert!(days[364].media_count <= profile.media_count);
}

#[test]
fn insights_agree_with_the_public_counts() {
    let now = at(2026, 12, 2);
    let p = persona("demo.kitchen.sofia");
    for m in p.posts(now).iter().take(40) {
        let i = p.media_insights(m, now);
        let (likes, comments) = (m.like_count.unwrap(), m.comments_count.unwrap());
        assert!(i.reach.unwrap() >= likes + comments);
        assert!(i.views.unwrap() >= i.reach.unwrap());
        assert!(i.saved.unwrap() <= likes && i.shares.unwrap() <= likes);
        assert_eq!(
            i.total_interactions.unwrap(),
            likes + comments + i.saved.unwrap() + i.shares.unwrap()
        );
    }
    let media = &p.posts(now)[3];
    assert_eq!(p.post_by_id(&media.ig_media_id, now).as_ref(), Some(media));
    assert_eq!(p.post_by_id("demo_1_999999", now), None);
}

#[test]
fn comments_have_mixed_sentiment() {
    let now = at(2026, 12, 2);
    let p = persona("chatty.creator");
    let mut sentiments = BTreeSet::new();
    for post in p.posts(now).iter().take(60) {
        for c in p.comments(post) {
            sentiments.insert(sentiment_of(&c.text).unwrap());
        }
    }
    assert_eq!(
        sentiments,
        BTreeSet::from([Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative])
    );
}

#[test]
fn the_showcase_is_varied() {
    let now = Utc::now();
    let all: Vec<Persona> = SHOWCASE_ACCOUNTS
        .iter()
        .copied()
        .chain(SHOWCASE_COMPETITORS.iter().map(|(u, _)| *u))
        .map(persona)
        .collect();
    let niches: BTreeSet<_> = all.iter().map(|p| p.niche).collect();
    let langs: BTreeSet<_> = all.iter().map(|p| p.lang).collect();
    let tiers: BTreeSet<_> = all.iter().map(|p| p.tier_at(now)).collect();
    println!(
        "{:?}",
        all.iter()
            .map(|p| (
                p.username.as_str(),
                p.niche,
                p.lang,
                p.tier_at(now),
                p.followers_at(now)
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(niches.len(), Niche::ALL.len(), "{niches:?}");
    assert!(langs.len() >= 5, "{langs:?}");
    // Accounts grow across bands over the years: at least four of the five at any time.
    assert!(tiers.len() >= 4, "{tiers:?}");
}
