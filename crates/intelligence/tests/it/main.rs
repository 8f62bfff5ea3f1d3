//! Intelligence through the real router, database and job workers. One test binary (one link
//! of the whole app); each concern is a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ab_tests;
mod analyses;
mod audits;
mod competitors;
mod content;
mod dm_templates;
mod hashtags;
mod planner;

use std::time::Duration;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub async fn app() -> TestApp {
    spawn(
        vec![
            identity::feature(),
            admin::feature(),
            billing::feature(),
            instagram::feature(),
            intelligence::feature(),
            ai::feature(),
        ],
        |_| {},
    )
    .await
}

/// The app with its AI pointed at a local fake model server (`ai::testkit::fake_llm`).
pub async fn app_with_ai() -> (TestApp, ai::testkit::fake_llm::Fake) {
    let (base, fake) = ai::testkit::fake_llm::start().await;
    let app = spawn(
        vec![
            identity::feature(),
            admin::feature(),
            billing::feature(),
            instagram::feature(),
            intelligence::feature(),
            ai::feature(),
        ],
        |c| ai::testkit::configure(c, &base),
    )
    .await;
    ai::testkit::enable_models(&app).await;
    (app, fake)
}

/// Follows an AI text through the API until it is finished; the finished generation.
pub async fn written(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let g: Value = app
            .api()
            .get(app.url(&format!("/api/v1/ai/generations/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if g["status"] != "running" {
            return g;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the AI text was never finished");
}

/// A customer on the Agency plan (demo accounts count against plan limits); its API token.
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> String {
    customer_in(app, email, workspace).await.0
}

pub async fn customer_in(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    let (token, ws) = identity::testkit::customer(app, email, workspace).await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    (token, ws)
}

pub async fn add_demo(app: &TestApp, token: &str, username: &str) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(token)
        .json(&json!({ "username": username, "demo": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let added: Value = res.json().await.unwrap();
    added["id"].as_str().unwrap().to_string()
}

pub async fn analysis(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{id}/analysis")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Waits until every post and stored comment of the account is analysed (the refresh's
/// follow-up job ran to its end; a later refresh may add posts, which its own follow-up
/// analyses).
pub async fn analysed(app: &TestApp, token: &str, id: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        let a = analysis(app, token, id).await;
        let done = a["analysed_posts"].as_i64().unwrap();
        let profile_id: Uuid = a["profile_id"].as_str().unwrap().parse().unwrap();
        let posts = instagram::service::texts::posts_of(&app.state.db, profile_id)
            .await
            .unwrap()
            .len() as i64;
        let comments = instagram::service::texts::comments_of(&app.state.db, profile_id)
            .await
            .unwrap()
            .len() as i64;
        if done > 0 && done == posts && a["comments"]["analysed"].as_i64() == Some(comments) {
            return a;
        }
        last = a;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the posts were never all analysed: {last}");
}
