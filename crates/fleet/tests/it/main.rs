//! The fleet through the real router, database and job workers. One test binary (one link of
//! the whole app); each concern is a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod content;
mod personas;

use platform::testkit::{TestApp, spawn};
use uuid::Uuid;

/// The features the fleet is used with: customers, staff, plans and the fleet itself.
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

/// A customer with a new workspace: (API token, workspace id). With no payment provider set
/// up, the workspace is on the Self-hosted plan, which includes the fleet.
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    identity::testkit::customer(app, email, workspace).await
}
