//! Billing tests through the real router, database and services.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credits;
mod cross_tenant;
mod limits;
mod pages;
mod plan_fixes;
mod revenue;
mod self_hosted;
mod staff;
mod stripe;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    spawn(vec![identity::feature(), billing::feature()], configure).await
}

/// A server that sells plans, as most billing tests need: a Stripe key is set (Stripe
/// itself is never asked: its address is a closed local port), so workspaces start on the
/// Free plan and its limits apply.
pub async fn app() -> TestApp {
    app_with(|c| {
        c.set(
            &billing::settings::STRIPE_SECRET_KEY,
            Some("sk_test_selling".into()),
        );
        c.set(
            &billing::settings::STRIPE_API_BASE,
            "http://127.0.0.1:9".into(),
        );
    })
    .await
}

/// A server without Stripe: self-hosted, every workspace on the unlimited Self-hosted plan.
pub async fn self_hosted_app() -> TestApp {
    app_with(|_| {}).await
}

/// A signed-up customer: (API token, workspace id).
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "name": "C", "workspace": workspace }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    let me: Value = app
        .api()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
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
    (token, Uuid::parse_str(ws).unwrap())
}

/// A browser signed in as `email`.
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    browser
}
