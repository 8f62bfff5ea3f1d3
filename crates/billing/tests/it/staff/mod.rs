//! Billing's back-office screens through the real router: its staff pages and staff API, and
//! what it adds to the back office's own pages (dashboard cards, the workspace page's credits,
//! the user page's change of plan). The admin feature is mounted for staff sign-in.

mod back_office;
mod self_hosted;
mod stripe;

use std::sync::Mutex;

use platform::staff::StaffRole;
use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PASSWORD, customer};

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

/// The authenticator of a new staff member: each sign-in takes a later TOTP step, as codes
/// are single use (the next step is accepted early; past that, it waits for the clock).
struct Authenticator {
    secret: String,
    last_step: Mutex<i64>,
}

impl Authenticator {
    async fn next_code(&self) -> String {
        loop {
            let current = (platform::totp::unix_now() / platform::totp::STEP) as i64;
            let step = {
                let mut last = self.last_step.lock().unwrap();
                let step = (*last + 1).max(current);
                (step <= current + 1).then(|| {
                    *last = step;
                    step
                })
            };
            match step {
                Some(step) => {
                    return platform::totp::code_at(
                        &self.secret,
                        step as u64 * platform::totp::STEP,
                    )
                    .unwrap();
                }
                None => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            }
        }
    }
}

/// A new staff member of `role` (`<role>@staff.example`), signed in: a browser enrolled at
/// its first sign-in, and an API token.
pub async fn signed_in(app: &TestApp, role: StaffRole) -> (reqwest::Client, String) {
    let email = format!("{}@staff.example", role.as_str());
    let created = admin::service::create(&app.state, &email, "Staff", role, PASSWORD)
        .await
        .unwrap();
    let authenticator = Authenticator {
        secret: created.secret,
        last_step: Mutex::new(0),
    };
    let browser = app.browser();
    let res = browser
        .post(app.url("/admin/login"))
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "password step");
    let step = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(step.starts_with("/admin/enrol"), "{step}");
    let res = browser
        .post(app.url("/admin/enrol"))
        .form(&[("code", authenticator.next_code().await)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "enrolment");
    let res = app
        .api()
        .post(app.url("/api/v1/admin/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD, "otp": authenticator.next_code().await }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    (browser, body["token"].as_str().unwrap().to_string())
}
