//! Billing's back-office screens through the real router: its staff pages and staff API, and
//! what it adds to the back office's own pages (dashboard cards, the workspace page's credits,
//! the user page's change of plan). The admin feature is mounted for staff sign-in.

mod back_office;
mod self_hosted;
mod stripe;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::customer;

/// The features as the binary mounts them for the back office (identity owns the customers
/// and workspaces staff look at, admin signs staff in).
pub async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    spawn(
        vec![identity::feature(), billing::feature(), admin::feature()],
        configure,
    )
    .await
}

/// A server without Stripe: self-hosted, every workspace on the Self-hosted plan.
pub async fn app() -> TestApp {
    app_with(|_| {}).await
}

/// A server that sells plans (a Stripe key set; Stripe itself is never asked: its address is
/// a closed local port): workspaces without a subscription are on the Free plan.
pub async fn selling_app() -> TestApp {
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

/// A signed-up customer's (user id, workspace id).
pub async fn customer_workspace(app: &TestApp, email: &str) -> (Uuid, Uuid) {
    let (_, ws) = customer(app, email, "Shop").await;
    let user = identity::service::accounts::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .unwrap();
    (user.id, ws)
}

pub use admin::testkit::signed_in;
