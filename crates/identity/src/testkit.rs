//! Customers for tests of any feature (compiled only with the `testkit` cargo feature, which
//! dev-dependencies turn on): signs a customer up with a workspace through the real API and
//! hands back an API token and the workspace's id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use platform::testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Every test customer's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Signs up `email` with a new workspace named `workspace`: (API token, workspace id).
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "name": "C", "workspace": workspace }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED, "sign-up of {email}");
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let token = body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token for {email}: {body}"))
        .to_string();
    let ws = workspace_id(app, &token).await;
    (token, ws)
}

/// The workspace of an API token.
pub async fn workspace_id(app: &TestApp, token: &str) -> Uuid {
    let me: Value = app
        .api()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ws = me["workspace"]["id"]
        .as_str()
        .or_else(|| me["workspaces"][0]["id"].as_str())
        .unwrap_or_else(|| panic!("no workspace in {me}"));
    Uuid::parse_str(ws).unwrap()
}

/// A browser signed in as `email` (a customer signed up with [`PASSWORD`]).
pub async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    browser
}
