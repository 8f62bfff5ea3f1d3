//! Back-office tests through the real router and database: the staff API, staff sign-in in
//! the browser, and every page and action. One test binary (modules below) keeps link time down.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod bad_input;
mod customers;
mod dashboard;
mod htmx;
mod matrix;
mod operations;
mod settings;
mod staff_management;
mod web_sign_in;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub use admin::testkit::{
    PASSWORD, StaffLogin, backup_codes_in, code, location, staff, staff_browser, staff_token,
    token_request,
};

/// The features the back office's tests mount (the role matrix walks their staff routes).
/// The back office's features as the binary mounts them (instagram for its settings —
/// Meta, Apify — on the system settings page and its staff view).
pub fn features() -> Vec<platform::Feature> {
    vec![
        identity::feature(),
        ::billing::feature(),
        instagram::feature(),
        admin::feature(),
    ]
}

pub async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    spawn(features(), configure).await
}

pub async fn app() -> TestApp {
    app_with(|_| {}).await
}

pub async fn customer_token(app: &TestApp) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "customer@example.com", "password": PASSWORD, "name": "C", "workspace": "C" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "customer@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// A customer (with a workspace "Shop") signed in with a browser session.
pub async fn customer_browser(app: &TestApp, email: &str) -> reqwest::Client {
    identity::testkit::customer(app, email, "Shop").await;
    identity::testkit::browser(app, email).await
}
