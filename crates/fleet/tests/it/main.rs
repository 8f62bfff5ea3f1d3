//! The fleet through the real router, database and job workers. One test binary (one link of
//! the whole app); each concern is a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod local_proxy;
mod proxies;

use platform::{
    Config,
    testkit::{TestApp, spawn},
};
use uuid::Uuid;

/// The features a fleet test runs with.
fn features() -> Vec<platform::Feature> {
    vec![
        identity::feature(),
        admin::feature(),
        billing::feature(),
        fleet::feature(),
    ]
}

/// The app as configured by default (billing with no Stripe key: every workspace is on the
/// self-hosted plan, which has every feature).
pub async fn app() -> TestApp {
    spawn(features(), |_| {}).await
}

/// The app with a change to its configuration.
pub async fn app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn(features(), configure).await
}

/// A customer with a workspace: (API token, workspace id).
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    identity::testkit::customer(app, email, workspace).await
}
