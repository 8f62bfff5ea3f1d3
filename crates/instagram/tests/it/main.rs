//! Instagram data layer tests through the real router, database and job workers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account_pages;
mod accounts;
mod apify;
mod connect;
mod cross_tenant;
mod fake_instagram;
mod graph;
mod home;
mod honest_data;
mod media;
mod pages;
mod post_days;
mod social;
mod staff;
mod tokens;

use platform::testkit::{TestApp, spawn};
use serde_json::Value;

pub async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    spawn(
        vec![
            identity::feature(),
            billing::feature(),
            instagram::feature(),
        ],
        configure,
    )
    .await
}

pub async fn app() -> TestApp {
    app_with(|_| {}).await
}

pub use identity::testkit::{PASSWORD, workspace_id};

/// Signs up a customer with a workspace on the Agency plan (real accounts count against the
/// plan, and the free plan has none); returns an API token.
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> String {
    let (token, ws) = identity::testkit::customer(app, email, workspace).await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    token
}

/// Waits until the account's profile has been fetched (its first refresh ran).
pub async fn fetched(app: &TestApp, token: &str, id: &str) -> Value {
    fetched_over(app, token, id, 30).await
}

/// As [`fetched`], with the figures over the last `days` days (the API's `?days=`).
pub async fn fetched_over(app: &TestApp, token: &str, id: &str, days: u16) -> Value {
    for _ in 0..200 {
        let body: Value = app
            .api()
            .get(app.url(&format!("/api/v1/instagram/accounts/{id}?days={days}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !body["fetched_at"].is_null() && !body["last_refresh_at"].is_null() {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the account was never refreshed");
}
