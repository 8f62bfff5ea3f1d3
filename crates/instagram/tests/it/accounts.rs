//! Accounts through the API: demo accounts fill in from the demo source, their history and
//! insights are stored, refresh is incremental and throttled, other workspaces see nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn a_demo_account_fills_in_with_labelled_history_and_insights() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&json!({ "username": "@Travel.With.Mia", "demo": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let added: Value = res.json().await.unwrap();
    assert_eq!(added["username"], "travel.with.mia");
    assert_eq!(added["kind"], "demo");
    let id = added["id"].as_str().unwrap().to_string();
    let d = fetched_over(&app, &token, &id, 365).await;
    assert_eq!(d["source"], "demo", "labelled demo");
    assert!(d["followers_count"].as_i64().unwrap() > 0);
    let posts = d["posts"].as_array().unwrap();
    assert!(posts.len() > 20, "a year of posts");
    assert!(posts.iter().all(|p| p["source"] == "demo"));
    assert!(
        posts.iter().any(|p| !p["saves"].is_null()),
        "demo insights stored"
    );
    assert!(d["average_engagement_rate"].as_f64().unwrap() > 0.0);
    assert!(
        d["engagement_definition"]
            .as_str()
            .unwrap()
            .contains("followers")
    );
    assert_eq!(
        d["followers_history"].as_array().unwrap().len(),
        365,
        "a year of daily history, today's snapshot included"
    );
    assert!(d["last_refresh_error"].is_null());

    // The same username gives the same data: a second workspace's demo account shares it.
    let other = customer(&app, "other@example.com", "Other").await;
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&other)
        .json(&json!({ "username": "travel.with.mia", "demo": true }))
        .send()
        .await
        .unwrap();
    let theirs: Value = res.json().await.unwrap();
    assert_eq!(theirs["followers_count"], d["followers_count"]);

    // Cross-tenant calls by id are swept in `cross_tenant.rs`; the other's list is its own.
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_ne!(list["items"][0]["id"], id);

    // Refresh now is throttled right after a refresh.
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/instagram/accounts/{id}/refresh")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(reqwest::header::RETRY_AFTER));
}

#[tokio::test]
async fn bad_usernames_are_field_errors() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    for bad in [
        "",
        "has space",
        "x".repeat(31).as_str(),
        "émoji",
        "two..dots",
        ".leading",
        "trailing.",
    ] {
        let res = app
            .api()
            .post(app.url("/api/v1/instagram/accounts"))
            .bearer_auth(&token)
            .json(&json!({ "username": bad, "demo": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "username");
    }
}

#[tokio::test]
async fn a_refresh_reports_live_progress_to_its_workspace() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let mut events = app.state.events.subscribe();
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&json!({ "username": "progress.poster", "demo": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (mut progressed, mut finished) = (false, None);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while finished.is_none() {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("no job events within 10 s")
            .unwrap();
        match e.kind.as_str() {
            "job.progress" => {
                assert_eq!(e.data["label"], "Refreshing @progress.poster");
                progressed |= e.data["done"].as_u64().unwrap() > 0;
            }
            "job.finished" => finished = Some(e.data),
            _ => {}
        }
    }
    assert!(progressed, "pages read were reported");
    let done = finished.unwrap();
    assert_eq!(done["ok"], true);
    assert!(done["message"].as_str().unwrap().contains("new posts"));
}

/// One post read by Apify (media pk) and later by the Graph API (Instagram Login media id) is
/// one post: matched by shortcode, and Graph's id (the one its insights calls need) is kept.
#[tokio::test]
async fn a_post_read_by_two_sources_is_stored_once() {
    use instagram::{
        model::post,
        service::{profiles, store},
        source::{FetchedMedia, MediaType, Source},
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = app().await;
    let profile = profiles::find_or_create(&app.state.db, profiles::Pool::Live, "two.sources")
        .await
        .unwrap();
    let media = |id: &str, likes: i64| FetchedMedia {
        ig_media_id: id.into(),
        shortcode: Some("C4SameOne".into()),
        caption: Some("one post".into()),
        media_type: MediaType::Image,
        product_type: Some("FEED".into()),
        permalink: Some("https://www.instagram.com/p/C4SameOne/".into()),
        posted_at: chrono::Utc::now() - chrono::Duration::days(2),
        like_count: Some(likes),
        comments_count: Some(3),
        view_count: None,
        media_url: None,
        thumbnail_url: None,
    };
    let posts = || async {
        post::Entity::find()
            .filter(post::Column::ProfileId.eq(profile.id))
            .all(&app.state.db)
            .await
            .unwrap()
    };
    let now = chrono::Utc::now();
    let first = store::save_media(
        &app.state.db,
        profile.id,
        &[media("3101000000000000009", 10)],
        Source::Apify,
        now,
    )
    .await
    .unwrap();
    assert_eq!(first.inserted, 1);
    let second = store::save_media(
        &app.state.db,
        profile.id,
        &[media("17895695668004550", 12)],
        Source::Graph,
        now,
    )
    .await
    .unwrap();
    assert_eq!((second.inserted, second.updated), (0, 1));
    let stored = posts().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].ig_media_id, "17895695668004550");
    assert_eq!(stored[0].like_count, Some(12));
    assert_eq!(stored[0].source, "graph");
    // Apify again: still one post, Graph's id kept, the newer counts taken.
    let third = store::save_media(
        &app.state.db,
        profile.id,
        &[media("3101000000000000009", 15)],
        Source::Apify,
        now,
    )
    .await
    .unwrap();
    assert_eq!((third.inserted, third.updated), (0, 1));
    let stored = posts().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].ig_media_id, "17895695668004550");
    assert_eq!(stored[0].like_count, Some(15));
}
