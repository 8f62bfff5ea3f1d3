//! Identity integration tests: the real router on a port-0 listener, a fresh database per
//! test (SQLite, or PostgreSQL when GROWTHDECK_TEST_DATABASE_URL is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth_api;
mod bad_input;
mod cross_tenant;
mod field_limits;
mod google;
mod home;
mod links;
mod members;
mod pages;
mod platform_layers;
mod smtp;
mod throttle;
mod tokens;
mod two_factor;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn app() -> TestApp {
    spawn(vec![identity::feature(), billing::feature()], |_| {}).await
}

pub async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    spawn(vec![identity::feature(), billing::feature()], configure).await
}

/// Signs up through the API; returns the response body (`202 {status: "check_email", …}`,
/// the same whether or not the address had an account).
pub async fn signup(app: &TestApp, email: &str, workspace: &str) -> Value {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "name": "Test Person", "workspace": workspace }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED, "signup {email}");
    res.json().await.unwrap()
}

/// How many `user.signed_up` staff notifications exist (one per account created, whatever
/// the path: API, page, Google, invitation, first run).
pub async fn signed_up_notices(app: &TestApp) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    platform::notify::entity::Entity::find()
        .filter(platform::notify::entity::Column::Kind.eq("user.signed_up"))
        .count(&app.state.db)
        .await
        .unwrap()
}

/// Exchanges credentials for a bearer token.
pub async fn token(app: &TestApp, email: &str) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// A user with their own workspace and a token for it. The workspace is on the Agency plan
/// (comped): team tests need seats, and the free plan has one.
pub async fn user_with_token(app: &TestApp, email: &str, workspace: &str) -> (Value, String) {
    let body = signup(app, email, workspace).await;
    let t = token(app, email).await;
    let me: Value = get(app, &t, "/api/v1/me").await.json().await.unwrap();
    let ws = uuid::Uuid::parse_str(me["workspace"]["id"].as_str().unwrap()).unwrap();
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    (body, t)
}

/// A user on the free plan, with a token. (A test server has no Stripe key, so it is
/// self-hosted and its workspaces are unlimited: the Free plan is put on explicitly.)
pub async fn free_user_with_token(app: &TestApp, email: &str, workspace: &str) -> (Value, String) {
    let body = signup(app, email, workspace).await;
    let t = token(app, email).await;
    let me: Value = get(app, &t, "/api/v1/me").await.json().await.unwrap();
    let ws = uuid::Uuid::parse_str(me["workspace"]["id"].as_str().unwrap()).unwrap();
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "free",
        "test",
    )
    .await
    .unwrap();
    (body, t)
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.api()
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The token of the newest link to `path` mailed to `email` (read from the outbox).
pub async fn mailed_token(app: &TestApp, email: &str, path: &str) -> String {
    let messages = platform::mail::to_address(&app.state.db, email)
        .await
        .unwrap();
    for m in messages {
        if let Some(start) = m.body_text.find(path) {
            let rest = &m.body_text[start + path.len()..];
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            return token;
        }
    }
    panic!("no mail to {email} with {path}");
}

pub async fn problem(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body: Value = res.json().await.unwrap();
    assert_eq!(ct, "application/problem+json", "{body}");
    assert!(
        body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    (status, body)
}
