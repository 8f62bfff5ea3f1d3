//! The analysis of two synthetic profiles whose figures are known.

use chrono::TimeZone;

use super::*;

fn post(day: NaiveDate, caption: &str, likes: i64, rate: f64, media: &str) -> PostRecord {
    PostRecord {
        id: Uuid::now_v7(),
        shortcode: None,
        permalink: None,
        caption: Some(caption.into()),
        media_type: media.into(),
        product_type: None,
        posted_at: Utc.from_utc_datetime(&day.and_hms_opt(10, 0, 0).unwrap()),
        likes: Some(likes),
        comments: Some(0),
        views: None,
        followers: Some(1000),
        rate: Some(rate),
        reach: None,
        saves: None,
        shares: None,
        source: "demo".into(),
        fetched_at: Utc::now(),
    }
}

fn history(name: &str, posts: Vec<PostRecord>, followers: Vec<(NaiveDate, i64)>) -> History {
    History {
        profile_id: Uuid::now_v7(),
        username: name.into(),
        followers_now: followers.last().map(|f| f.1),
        source: "demo".into(),
        fetched_at: None,
        posts,
        followers,
        account_days: Vec::new(),
    }
}

#[test]
fn figures_of_two_profiles() {
    let from = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(); // a Monday
    let to = from + Duration::days(27); // four weeks
    let d = |n: i64| from + Duration::days(n);
    // The account: 4 images, no hashtags of note, 1,000 → 1,100 followers.
    let mine: Vec<PostRecord> = (0..4)
        .map(|i| post(d(i * 7), "hello #me", 100, 2.0 + i as f64, "IMAGE"))
        .collect();
    // The rival: 8 posts; #win on its 4 best (rate 8) and #meh on the rest (rate 2); half reels.
    let mut rival = Vec::new();
    for i in 0..8 {
        let (caption, rate) = if i % 2 == 0 {
            ("#win", 8.0)
        } else {
            ("#meh", 2.0)
        };
        let media = if i < 4 { "VIDEO" } else { "IMAGE" };
        rival.push(post(d(i * 3), caption, 300, rate, media));
    }
    let inputs = vec![
        ProfileInput {
            kind: "account".into(),
            id: Uuid::now_v7(),
            history: history("me", mine, vec![(d(-1), 1000), (d(27), 1100)]),
            categories: HashMap::new(),
        },
        ProfileInput {
            kind: "tracked".into(),
            id: Uuid::now_v7(),
            history: history("rival", rival, vec![(d(0), 2000), (d(20), 1900)]),
            categories: HashMap::new(),
        },
    ];
    let now = Utc.from_utc_datetime(&to.and_hms_opt(23, 0, 0).unwrap());
    let a = build(&inputs, from, to, now);
    let (me, rival) = (&a.profiles[0], &a.profiles[1]);
    assert_eq!(me.follower_growth, Some(10.0));
    assert_eq!(rival.follower_growth, Some(-5.0));
    assert_eq!((me.posts, rival.posts), (4, 8));
    assert!((me.posts_per_week - 1.0).abs() < 1e-12);
    assert!((rival.posts_per_week - 2.0).abs() < 1e-12);
    assert_eq!(me.median_rate, Some(3.5));
    // Likes: 4 × 100 against 8 × 300 → 400 / 2,800.
    assert!((me.engagement_share.unwrap() - 400.0 * 100.0 / 2800.0).abs() < 1e-9);
    assert_eq!(rival.media_mix[0].label, "Images");
    assert_eq!(rival.media_mix[0].posts, 4);
    assert_eq!(rival.media_mix[1].label, "Reels");
    assert_eq!(me.category_mix[0].label, "Not analysed yet");
    assert_eq!(rival.top_posts[0].rate, Some(8.0));
    assert_eq!(me.weeks.len(), 4);
    assert_eq!(me.weeks[0].median_rate, Some(2.0));
    assert_eq!(me.weeks[0].followers, Some(1000));
    assert_eq!(me.weeks[3].followers, Some(1100));
    // #win: rival's posts with it at 4× its median (2 → ... 8 / 5 median); the account never
    // used it. #meh has no lift; #me is the account's own.
    let tags: Vec<&str> = a.hashtags.iter().map(|h| h.tag.as_str()).collect();
    assert_eq!(tags, vec!["win"]);
    assert_eq!(a.hashtags[0].posts_with, 4);
    assert_eq!(a.hashtags[0].used_by, vec!["@rival (4)"]);
    assert!(a.hashtags[0].lift > 1.0);
}

#[test]
fn weeks_start_on_monday() {
    let from = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(); // a Wednesday
    let w = weeks(from, from + Duration::days(7));
    assert_eq!(
        w,
        vec![
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 9).unwrap()
        ]
    );
}
