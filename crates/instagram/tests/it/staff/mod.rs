//! Instagram's back-office screens (the Instagram accounts of every workspace, the API clients
//! of the social-data service) through the real router, with the admin feature mounted for
//! staff sign-in.

mod accounts;
mod api_clients;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;

/// The product's features with the back office.
pub async fn app() -> TestApp {
    spawn(
        vec![
            identity::feature(),
            billing::feature(),
            instagram::feature(),
            admin::feature(),
        ],
        |_| {},
    )
    .await
}

pub use admin::testkit::{staff, staff_token};

/// A browser signed in to the back office as `login` (enrolled at its first sign-in).
pub async fn staff_browser(app: &TestApp, login: &admin::testkit::StaffLogin) -> reqwest::Client {
    admin::testkit::staff_browser(app, login).await.0
}

/// A page's status and HTML.
pub async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}
