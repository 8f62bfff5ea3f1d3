//! Billing tests through the real router, database and services.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credits;
mod cross_tenant;
mod limits;
mod pages;
mod plan_fixes;
mod product_lines;
mod revenue;
mod self_hosted;
mod staff;
mod stripe;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub use identity::testkit::PASSWORD;

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

pub use identity::testkit::{browser as signed_in, customer};
