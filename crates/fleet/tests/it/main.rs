//! The account fleet through the real router and database. One test binary; each concern is
//! a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analytics;

use platform::testkit::{TestApp, spawn};
use uuid::Uuid;

/// The app with the features the fleet is used with (the self-hosted plan applies: this
/// server takes no payments, so every feature is included).
pub async fn app() -> TestApp {
    spawn(
        vec![
            identity::feature(),
            admin::feature(),
            billing::feature(),
            fleet::feature(),
        ],
        |_| {},
    )
    .await
}

/// A customer with a new workspace: (API token, workspace id).
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    identity::testkit::customer(app, email, workspace).await
}
