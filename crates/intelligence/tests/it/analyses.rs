//! Post analysis through the real router, database and job workers: a refresh is followed by
//! the analysis of the profile's posts; stale results (an edited caption, an older method) are
//! analysed again and nothing else is; another workspace's account is not found on any route.

use std::time::Duration;

use intelligence::{model::post_analysis, service::analyze};
use platform::testkit::cross_tenant::{Sweep, api_routes};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{add_demo, analysed, analysis, app, customer, customer_in};

#[tokio::test]
async fn a_refresh_is_followed_by_the_analysis_of_its_posts() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let id = add_demo(&app, &token, "demo.food.lea").await;
    let a = analysed(&app, &token, &id).await;
    let profile_id: Uuid = a["profile_id"].as_str().unwrap().parse().unwrap();
    let posts = instagram::service::texts::posts_of(&app.state.db, profile_id)
        .await
        .unwrap();
    assert_eq!(
        a["analysed_posts"].as_i64().unwrap(),
        posts.len() as i64,
        "every post analysed: {a}"
    );
    assert_eq!(a["sources"], json!(["demo"]), "derived from demo data");
    assert_eq!(a["primary_category"], "food", "a food account: {a}");
    assert!(a["quality_score"].as_f64().unwrap() > 0.0);
    assert!(
        a["methods"]["quality_formula"]
            .as_str()
            .unwrap()
            .contains("caption")
    );
    assert_eq!(a["methods"]["version"], analysis::METHOD_VERSION);
    let recent = a["recent_posts"].as_array().unwrap();
    assert!(!recent.is_empty());
    for p in recent {
        assert_eq!(p["source"], "demo");
        let sentiment = p["sentiment"].as_str().unwrap();
        assert!(
            ["positive", "neutral", "negative", "not_analysed"].contains(&sentiment),
            "{p}"
        );
        if sentiment == "not_analysed" {
            assert!(p["sentiment_reason"].is_string(), "{p}");
        }
        if !p["category"].is_null() {
            assert!(!p["evidence"].as_array().unwrap().is_empty(), "{p}");
        }
    }
    let categorised: i64 = a["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["posts"].as_i64().unwrap())
        .sum();
    assert_eq!(categorised, posts.len() as i64);

    // Every analysed post, a page at a time; numbers out of range are refused.
    let list = |q: &str| {
        let app = &app;
        let url = app.url(&format!(
            "/api/v1/instagram/accounts/{id}/analysis/posts{q}"
        ));
        let token = token.clone();
        async move { app.api().get(url).bearer_auth(&token).send().await.unwrap() }
    };
    let page: Value = list("?per_page=10&page=2").await.json().await.unwrap();
    assert_eq!(page["total"].as_u64().unwrap(), posts.len() as u64);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["page"], 2);
    let first: Value = list("?per_page=10").await.json().await.unwrap();
    assert_ne!(first["items"][0]["post_id"], page["items"][0]["post_id"]);
    for bad in ["?per_page=0", "?per_page=201", "?page=0", "?page=abc"] {
        let res = list(bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
    }

    // The stored comments are analysed too, in the same job (after the posts).
    let stored = instagram::service::texts::comments_of(&app.state.db, profile_id)
        .await
        .unwrap()
        .len() as i64;
    assert!(stored > 0, "the demo stores comments");
    let mut a = a;
    for _ in 0..300 {
        if a["comments"]["analysed"].as_i64().unwrap() == stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        a = analysis(&app, &token, &id).await;
    }
    assert_eq!(a["comments"]["analysed"].as_i64().unwrap(), stored, "{a}");
    let by_sentiment: i64 = a["comments"]["sentiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["posts"].as_i64().unwrap())
        .sum();
    assert_eq!(by_sentiment, stored);

    // Analyse now: queued with its job, and the job finds nothing stale.
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/instagram/accounts/{id}/analysis")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn stale_results_are_analysed_again_and_nothing_else() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let id = add_demo(&app, &token, "demo.travel.mia").await;
    let a = analysed(&app, &token, &id).await;
    let profile_id: Uuid = a["profile_id"].as_str().unwrap().parse().unwrap();
    let db = &app.state.db;
    let again = analyze::analyze_profile(&app.state, profile_id, |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.posts_analysed, 0, "nothing stale: {again:?}");

    // An edited caption and a result of an older method version.
    let posts = instagram::service::texts::posts_of(db, profile_id)
        .await
        .unwrap();
    instagram::model::post::Entity::update_many()
        .col_expr(
            instagram::model::post::Column::Caption,
            Expr::value("Worst hotel ever, dirty and rude staff. Never again!"),
        )
        .filter(instagram::model::post::Column::Id.eq(posts[0].id))
        .exec(db)
        .await
        .unwrap();
    post_analysis::Entity::update_many()
        .col_expr(post_analysis::Column::MethodVersion, Expr::value(0))
        .filter(post_analysis::Column::PostId.eq(posts[1].id))
        .exec(db)
        .await
        .unwrap();
    let mut reports = Vec::new();
    let outcome = analyze::analyze_profile(&app.state, profile_id, |done, total| {
        reports.push((done, total))
    })
    .await
    .unwrap();
    assert_eq!(outcome.posts_analysed, 2, "{outcome:?}");
    assert_eq!(reports.last(), Some(&(2, 2)), "progress reported");
    let edited = post_analysis::Entity::find_by_id(posts[0].id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(edited.sentiment, "negative");
    assert_eq!(edited.language.as_deref(), Some("en"));
    assert_eq!(edited.sentiment_method.as_deref(), Some("vader_en"));
    let upgraded = post_analysis::Entity::find_by_id(posts[1].id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        upgraded.method_version,
        i32::try_from(analysis::METHOD_VERSION).unwrap()
    );

    // A removed account's posts stay (the profile may be tracked elsewhere); a deleted post
    // takes its analysis with it.
    instagram::model::post::Entity::delete_by_id(posts[2].id)
        .exec(db)
        .await
        .unwrap();
    assert!(
        post_analysis::Entity::find_by_id(posts[2].id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn another_workspaces_account_is_not_found_on_every_route() {
    let app = app().await;
    let alice = customer(&app, "alice@example.com", "Alice Co").await;
    let (bob, bob_ws) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let bobs = add_demo(&app, &bob, "demo.fitness.noah").await;
    analysed(&app, &bob, &bobs).await;
    let tracked = instagram::service::tracked::track_in(
        &app.state,
        &platform::Scope::for_test(bob_ws),
        "demo.tech.hugo",
        "",
        true,
        None,
    )
    .await
    .unwrap()
    .tracked
    .id;
    let (_, doc) = intelligence::api::openapi_router().split_for_parts();
    let witness = format!("/api/v1/instagram/accounts/{bobs}/analysis");
    let calls = Sweep::new(&app, &alice, &bob, &[&witness])
        .id("accounts/{id}", &bobs)
        .id("tracked/{id}", tracked)
        .run(&api_routes(&doc))
        .await;
    assert_eq!(
        calls.len(),
        6,
        "GET and POST of both analyses, GET of both post lists: {calls:#?}"
    );
}

/// The page: linked from the account page, figures with their source and time, the methods,
/// "Analyse now" answered with the job's progress; another workspace's account is not found.
#[tokio::test]
async fn the_analysis_page_shows_figures_with_their_source() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let id = add_demo(&app, &token, "demo.food.lea").await;
    analysed(&app, &token, &id).await;
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let account = browser
        .get(app.url(&format!("/instagram/accounts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = format!("/instagram/accounts/{id}/analysis");
    assert!(
        account.contains(&href),
        "the account page links the analysis"
    );
    let res = browser.get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    for part in [
        "Post analysis · @demo.food.lea",
        "Demo data",
        "Food",
        "Content quality (0–100)",
        "How it is computed",
        "analysed ",
        "Newest posts",
        "stored comments analysed",
        "Methods",
    ] {
        assert!(page.contains(part), "{part} missing");
    }
    let started = browser
        .post(app.url(&href))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    let status = started.status();
    let body = started.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    assert!(
        body.contains("job-progress") || body.contains("already on its way"),
        "{body}"
    );

    customer(&app, "other@example.com", "Other").await;
    let stranger = identity::testkit::browser(&app, "other@example.com").await;
    let res = stranger.get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
