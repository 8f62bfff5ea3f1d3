//! `ig_post_days`, the posts' daily sums the pages read, against the posts themselves: after
//! refreshes (new posts, new counts, another source), hand edits that move posts to another
//! day or type, deletions and the profile's removal, the table equals the posts summed here
//! in Rust; the figures and top posts read through it equal those worked out post by post.

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use instagram::{
    model::{post, post_day, profile, profile_snapshot, profile_version},
    service::{
        engagement::{self, FollowerHistory},
        figures::{self, ProfileFigures},
        figures_cache,
        period::Period,
        profiles::{self, Pool},
        store,
    },
    source::{FetchedMedia, MediaType, Source},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, QueryFilter, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::*;

type Sums = (i64, i64, i64, Option<i64>, Option<DateTime<Utc>>);

/// (day, media type, source) → (posts, rated, interactions, top, newest fetch), from the posts.
async fn summed_posts(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
) -> BTreeMap<(NaiveDate, String, String), Sums> {
    let mut out: BTreeMap<(NaiveDate, String, String), Sums> = BTreeMap::new();
    for p in post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .all(db)
        .await
        .unwrap()
    {
        let e = out
            .entry((
                p.posted_at.date_naive(),
                p.media_type.clone(),
                p.source.clone(),
            ))
            .or_insert((0, 0, 0, None, None));
        let interactions = p.like_count.unwrap_or(0) + p.comments_count.unwrap_or(0);
        e.0 += 1;
        e.1 += i64::from(p.like_count.is_some() || p.comments_count.is_some());
        e.2 += interactions;
        e.3 = e.3.max(Some(interactions));
        e.4 = e.4.max(Some(p.fetched_at));
    }
    out
}

async fn daily_sums(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
) -> BTreeMap<(NaiveDate, String, String), Sums> {
    post_day::Entity::find()
        .filter(post_day::Column::ProfileId.eq(profile_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                (d.day, d.media_type, d.source),
                (
                    d.posts,
                    d.rated,
                    d.interactions,
                    d.top_interactions,
                    d.fetched_at,
                ),
            )
        })
        .collect()
}

/// Microseconds: what both databases keep of a timestamp.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap()
}

async fn assert_in_step(db: &impl ConnectionTrait, profile_id: Uuid, when: &str) {
    let expected = summed_posts(db, profile_id).await;
    let actual = daily_sums(db, profile_id).await;
    let norm = |m: BTreeMap<(NaiveDate, String, String), Sums>| {
        m.into_iter()
            .map(|(k, (a, b, c, d, e))| (k, (a, b, c, d, e.map(micros))))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(norm(actual), norm(expected), "{when}");
}

/// `n` posts of the profile, `per_day` a day going back from today at noon, with counts
/// that repeat (ties) and a hidden like count now and then.
fn media(n: usize, per_day: usize, tag: &str, likes_times: i64) -> Vec<FetchedMedia> {
    let today = Utc::now().date_naive();
    (0..n)
        .map(|i| {
            let day = today - Duration::days((i / per_day) as i64);
            let at = day
                .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
                .and_utc()
                - Duration::minutes(i as i64 % per_day as i64);
            FetchedMedia {
                ig_media_id: format!("{tag}{i}"),
                shortcode: Some(format!("S{tag}{i}")),
                caption: Some(format!("post {i}")),
                media_type: [MediaType::Image, MediaType::Video, MediaType::CarouselAlbum][i % 3],
                product_type: Some("FEED".into()),
                permalink: None,
                posted_at: at,
                like_count: (i % 11 != 0).then_some(((i * 37) % 50) as i64 * likes_times),
                comments_count: (i % 7 != 0).then_some((i % 5) as i64),
                view_count: None,
                media_url: None,
                thumbnail_url: None,
            }
        })
        .collect()
}

#[tokio::test]
async fn the_daily_sums_follow_every_write_to_the_posts() {
    let app = app().await;
    let db = &app.state.db;
    let p = profiles::find_or_create(db, Pool::Live, "sums.check")
        .await
        .unwrap();
    let t0 = Utc::now() - Duration::hours(3);
    let first = media(120, 4, "m", 1);
    store::save_media(db, p.id, &first, Source::Apify, t0)
        .await
        .unwrap();
    assert!(!daily_sums(db, p.id).await.is_empty());
    assert_in_step(db, p.id, "after the first refresh").await;

    // A later refresh: the same posts with new counts (some lower: a day's best post must be
    // found again), read through the Graph API (the source changes), and new posts.
    let mut again = media(150, 4, "m", 2);
    for m in again.iter_mut().step_by(3) {
        m.like_count = Some(1);
    }
    store::save_media(db, p.id, &again, Source::Graph, t0 + Duration::hours(1))
        .await
        .unwrap();
    assert_in_step(db, p.id, "after a second refresh").await;

    // Hand edits: a post moved to another day and type; counts hidden; a post deleted.
    let some = post::Entity::find()
        .filter(post::Column::ProfileId.eq(p.id))
        .all(db)
        .await
        .unwrap();
    let mut moved: post::ActiveModel = some[0].clone().into();
    moved.posted_at = Set(some[0].posted_at - Duration::days(40));
    moved.media_type = Set("VIDEO".into());
    moved.update(db).await.unwrap();
    post::Entity::update_many()
        .col_expr(post::Column::LikeCount, Expr::value(Option::<i64>::None))
        .col_expr(
            post::Column::CommentsCount,
            Expr::value(Option::<i64>::None),
        )
        .filter(post::Column::ProfileId.eq(p.id))
        .filter(post::Column::IgMediaId.like("m1%"))
        .exec(db)
        .await
        .unwrap();
    some[5].clone().delete(db).await.unwrap();
    post::Entity::delete_many()
        .filter(post::Column::ProfileId.eq(p.id))
        .filter(post::Column::IgMediaId.like("m4%"))
        .exec(db)
        .await
        .unwrap();
    assert_in_step(db, p.id, "after edits and deletions").await;

    // Removing the profile removes its posts, and with them its sums.
    profile::Entity::delete_by_id(p.id).exec(db).await.unwrap();
    assert!(daily_sums(db, p.id).await.is_empty());
}

/// The figures of a period and its top posts, worked out post by post.
#[tokio::test]
async fn figures_and_top_posts_read_from_the_sums_equal_those_of_the_posts() {
    let app = app().await;
    let db = &app.state.db;
    let p = profiles::find_or_create(db, Pool::Live, "figures.check")
        .await
        .unwrap();
    let now = Utc::now();
    let today = now.date_naive();
    // Two years of posts, six a day, with many equal counts; daily followers.
    for page in media(6 * 730, 6, "f", 3).chunks(200) {
        store::save_media(db, p.id, page, Source::Apify, now)
            .await
            .unwrap();
    }
    for back in 0..730 {
        profile_snapshot::ActiveModel {
            profile_id: Set(p.id),
            day: Set(today - Duration::days(back)),
            followers_count: Set(Some(20_000 - back * 10)),
            follows_count: Set(Some(10)),
            media_count: Set(None),
            source: Set("apify".into()),
            fetched_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let p = profile::Entity::find_by_id(p.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let posts = post::Entity::find()
        .filter(post::Column::ProfileId.eq(p.id))
        .all(db)
        .await
        .unwrap();
    for period in Period::all() {
        let f = ProfileFigures::load(db, &p, period, today).await.unwrap();
        let first = period.first_day(today);
        let within: Vec<&post::Model> = posts
            .iter()
            .filter(|q| q.posted_at.date_naive() >= first && q.posted_at.date_naive() <= today)
            .collect();
        assert_eq!(f.post_count(), within.len() as i64, "{period:?}");
        let followers = FollowerHistory::new(
            (0..730)
                .map(|b| (today - Duration::days(b), 20_000 - b * 10))
                .collect(),
            None,
        );
        let rates: Vec<f64> = within
            .iter()
            .filter_map(|q| {
                engagement::post_rate(
                    q.like_count,
                    q.comments_count,
                    followers.on(q.posted_at.date_naive()),
                )
            })
            .collect();
        assert_eq!(f.rated_count(), rates.len() as i64);
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        let rate = f.engagement_rate().unwrap();
        assert!((rate - mean).abs() < 1e-9, "{period:?}: {rate} vs {mean}");

        let mut expected = within.clone();
        let interactions =
            |q: &post::Model| q.like_count.unwrap_or(0) + q.comments_count.unwrap_or(0);
        expected.sort_by(|a, b| {
            interactions(b)
                .cmp(&interactions(a))
                .then(b.posted_at.cmp(&a.posted_at))
        });
        for limit in [1, 9, 40] {
            let top = figures::top_posts(db, p.id, &f, limit).await.unwrap();
            let got: Vec<(i64, DateTime<Utc>)> =
                top.iter().map(|q| (interactions(q), q.posted_at)).collect();
            let want: Vec<(i64, DateTime<Utc>)> = expected
                .iter()
                .take(limit as usize)
                .map(|q| (interactions(q), q.posted_at))
                .collect();
            assert_eq!(got, want, "{period:?}, top {limit}");
        }
    }
}

async fn version_of(db: &impl ConnectionTrait, profile_id: Uuid) -> Option<i64> {
    profile_version::Entity::find_by_id(profile_id)
        .one(db)
        .await
        .unwrap()
        .map(|v| v.version)
}

/// The figures kept between views are never older than the database: every write to the
/// profile's posts or snapshots (through the store, or by hand) raises its version, and the
/// next view reads the figures again; while nothing changed the same figures are served.
#[tokio::test]
async fn kept_figures_follow_every_write_to_the_posts_and_snapshots() {
    let app = app().await;
    let db = &app.state.db;
    let p = profiles::find_or_create(db, Pool::Live, "kept.check")
        .await
        .unwrap();
    let v0 = version_of(db, p.id)
        .await
        .expect("a new profile has its counter");
    let now = Utc::now();
    let today = now.date_naive();
    let period = Period::DEFAULT;
    store::save_media(db, p.id, &media(30, 3, "k", 1), Source::Apify, now)
        .await
        .unwrap();
    let v1 = version_of(db, p.id).await.unwrap();
    assert!(v1 > v0, "inserted posts raise the version");
    let load = || async {
        let p = profile::Entity::find_by_id(p.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        figures_cache::figures_and_top(db, &p, period, today, 3)
            .await
            .unwrap()
    };
    let (first, top) = load().await;
    let (again, top_again) = load().await;
    assert!(
        Arc::ptr_eq(&first, &again),
        "unchanged data: the kept figures"
    );
    assert_eq!(top, top_again);

    // A post's counts edited by hand: the version moves, the next view has the new sums and
    // the new top post.
    let best = &top[0];
    post::Entity::update_many()
        .col_expr(post::Column::LikeCount, Expr::value(1_000_000_i64))
        .filter(post::Column::Id.eq(top[2].id))
        .exec(db)
        .await
        .unwrap();
    let (edited, edited_top) = load().await;
    assert!(!Arc::ptr_eq(&first, &edited));
    assert_eq!(edited_top[0].id, top[2].id);
    assert_ne!(edited_top[0].id, best.id);
    let p_now = profile::Entity::find_by_id(p.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let direct = ProfileFigures::load(db, &p_now, period, today)
        .await
        .unwrap();
    assert_eq!(edited.engagement_rate(), direct.engagement_rate());
    assert_eq!(edited.post_count(), direct.post_count());

    // A caption changed (not a summed column) still reads the top posts again.
    post::Entity::update_many()
        .col_expr(post::Column::Caption, Expr::value("edited by hand"))
        .filter(post::Column::Id.eq(top[2].id))
        .exec(db)
        .await
        .unwrap();
    let (_, captioned) = load().await;
    assert_eq!(captioned[0].caption.as_deref(), Some("edited by hand"));

    // A deleted post and a new snapshot: both seen at the next view.
    post::Entity::delete_by_id(top[2].id)
        .exec(db)
        .await
        .unwrap();
    let (deleted, _) = load().await;
    assert_eq!(deleted.post_count(), edited.post_count() - 1);
    profile_snapshot::ActiveModel {
        profile_id: Set(p.id),
        day: Set(today - Duration::days(2)),
        followers_count: Set(Some(12_345)),
        follows_count: Set(None),
        media_count: Set(None),
        source: Set("apify".into()),
        fetched_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let (snapshot, _) = load().await;
    assert!(!Arc::ptr_eq(&deleted, &snapshot));
    assert!(
        snapshot.followers.days().iter().any(|(_, f)| *f == 12_345),
        "the new snapshot is in the kept figures"
    );

    // The counter leaves with its profile.
    profile::Entity::delete_by_id(p.id).exec(db).await.unwrap();
    assert_eq!(version_of(db, p.id).await, None);
}
