//! The indexer computes each creator's figures as documented, and re-indexing writes the same.

use chrono::Utc;
use discovery::model::{creator, creator_hashtag};
use platform::testkit::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{Made, app, make};

async fn row(app: &TestApp, username: &str) -> creator::Model {
    creator::Entity::find()
        .filter(creator::Column::UsernameLower.eq(username))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{username} was not indexed"))
}

#[tokio::test]
async fn a_creator_s_figures_are_computed_from_posts_snapshots_and_analyses() {
    let app = app().await;
    let now = Utc::now();
    make(
        &app,
        &Made {
            username: "berlin_baker".into(),
            pool: "live",
            followers: 10_000,
            bio: "Sourdough every day 📍 Berlin | orders: Hello@Bakery.example".into(),
            verified: true,
            business: false,
            posts: vec![
                (
                    1,
                    300,
                    100,
                    "Fresh loaf #Sourdough #bread".into(),
                    Some("food"),
                    Some("en"),
                ),
                (
                    3,
                    150,
                    50,
                    "Rye day #sourdough".into(),
                    Some("food"),
                    Some("de"),
                ),
                (8, 100, 0, "Morning run".into(), Some("fitness"), Some("en")),
            ],
            followers_30d: Some(8_000),
            followers_90d: Some(5_000),
        },
        now,
    )
    .await;
    let n = discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    assert_eq!(n, 1);
    let c = row(&app, "berlin_baker").await;
    // (400 + 200 + 100) / 3 posts / 10,000 followers = 2.33 %.
    assert_eq!(c.engagement_rate, Some(2.33));
    assert_eq!(c.growth_30d, Some(25.0));
    assert_eq!(c.growth_90d, Some(100.0));
    assert_eq!(c.category.as_deref(), Some("food"));
    assert_eq!(
        c.categories,
        serde_json::json!({"fitness": 0.33, "food": 0.67})
    );
    assert_eq!(c.language.as_deref(), Some("en"));
    assert_eq!(c.location.as_deref(), Some("Berlin"));
    assert_eq!(c.email.as_deref(), Some("hello@bakery.example"));
    assert!(c.has_email && c.is_verified && !c.is_business);
    assert_eq!(c.posts_counted, 3);
    assert_eq!(c.source, "apify");
    let mut tags: Vec<(String, i32)> = creator_hashtag::Entity::find()
        .filter(creator_hashtag::Column::CreatorId.eq(c.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.tag, t.uses))
        .collect();
    tags.sort();
    assert_eq!(tags, vec![("bread".into(), 1), ("sourdough".into(), 2)]);

    // Again: the same row, nothing added.
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    let again = row(&app, "berlin_baker").await;
    assert_eq!(again.id, c.id);
    assert_eq!(
        (again.engagement_rate, again.categories.clone()),
        (c.engagement_rate, c.categories.clone())
    );
    assert_eq!(
        creator::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        creator_hashtag::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        2
    );

    // The public card: a band, not the rate; whether an email exists, not the address.
    let (token, _) = identity::testkit::customer(&app, "a@example.com", "A").await;
    let (status, body) = app
        .call(
            &token,
            Method::GET,
            "/api/v1/discovery/search?q=sourdough",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pool"], "live");
    assert_eq!(body["total"], 1);
    let card = &body["results"][0];
    assert_eq!(card["username"], "berlin_baker");
    assert_eq!(card["engagement_band"], "average");
    assert_eq!(card["has_email"], true);
    assert_eq!(card["source"], "apify");
    assert!(card["fetched_at"].is_string());
    let text = body.to_string();
    assert!(!text.contains("hello@bakery.example"), "{text}");
    assert!(!text.contains("2.33"), "{text}");
}

#[tokio::test]
async fn a_profile_never_fetched_is_not_indexed_and_a_change_is_picked_up() {
    let app = app().await;
    let now = Utc::now();
    let id = make(
        &app,
        &Made {
            username: "quiet".into(),
            pool: "live",
            followers: 500,
            bio: "hello".into(),
            verified: false,
            business: false,
            posts: vec![],
            followers_30d: None,
            followers_90d: None,
        },
        now,
    )
    .await;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut p: instagram::model::profile::ActiveModel =
        instagram::model::profile::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
    p.fetched_at = Set(None);
    let p = p.update(&app.state.db).await.unwrap();
    assert_eq!(
        discovery::service::index::profiles(&app.state.db, &[id])
            .await
            .unwrap(),
        0
    );
    let mut p: instagram::model::profile::ActiveModel = p.into();
    p.fetched_at = Set(Some(now));
    p.biography = Set(Some("now vegan recipes".into()));
    p.followers_count = Set(Some(900));
    p.update(&app.state.db).await.unwrap();
    assert_eq!(
        discovery::service::index::profiles(&app.state.db, &[id])
            .await
            .unwrap(),
        1
    );
    let c = row(&app, "quiet").await;
    assert_eq!(
        (c.followers, c.engagement_rate, c.growth_30d),
        (900, None, None)
    );
    let found = discovery::service::search::run(
        &app.state.db,
        "live",
        &discovery::service::search::Filters {
            q: Some("Vegan".into()),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(found.creators.len(), 1);
}

#[tokio::test]
async fn a_refreshed_or_analysed_profile_is_indexed_by_the_job_workers() {
    let app = app().await;
    let now = Utc::now();
    let made = |name: &str| Made {
        username: name.into(),
        pool: "live",
        followers: 2_000,
        bio: "ceramics studio".into(),
        verified: false,
        business: true,
        posts: vec![(
            2,
            40,
            2,
            "New mugs #ceramics".into(),
            Some("art"),
            Some("en"),
        )],
        followers_30d: None,
        followers_90d: None,
    };
    let refreshed = make(&app, &made("potter_one"), now).await;
    let analysed = make(&app, &made("potter_two"), now).await;
    for (topic, subject) in [
        (instagram::PROFILE_REFRESHED, refreshed),
        (intelligence::PROFILE_ANALYSED, analysed),
    ] {
        app.state
            .follow_ups
            .announce(
                &app.state,
                platform::follow_ups::FollowUp {
                    topic,
                    subject,
                    workspace_id: None,
                },
            )
            .await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let n = creator::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len();
        if n == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "indexed {n} of 2 in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        row(&app, "potter_two").await.category.as_deref(),
        Some("art")
    );
}
