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
    let d = fetched(&app, &token, &id).await;
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
        1,
        "today's snapshot"
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

    // Cross-tenant: the other workspace cannot see, refresh or remove ours.
    for (method, path) in [
        (
            reqwest::Method::GET,
            format!("/api/v1/instagram/accounts/{id}"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/instagram/accounts/{id}/refresh"),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v1/instagram/accounts/{id}"),
        ),
    ] {
        let res = app
            .api()
            .request(method.clone(), app.url(&path))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
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
    for bad in ["", "has space", "x".repeat(31).as_str(), "émoji"] {
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
