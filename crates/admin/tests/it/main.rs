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

use platform::staff::StaffRole;
use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

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

pub struct StaffLogin {
    pub email: String,
    pub secret: String,
    /// The last TOTP step this test used: codes are single use, so each sign-in takes a later
    /// step (the next one is accepted early; past that, the helper waits for the clock).
    last_step: std::sync::Mutex<i64>,
}

impl StaffLogin {
    pub fn new(email: &str, secret: String) -> Self {
        Self {
            email: email.into(),
            secret,
            last_step: std::sync::Mutex::new(0),
        }
    }

    /// A code no sign-in of this test has used yet.
    pub async fn next_code(&self) -> String {
        loop {
            let now = platform::totp::unix_now();
            let current = (now / platform::totp::STEP) as i64;
            let step = {
                let mut last = self.last_step.lock().unwrap();
                let step = (*last + 1).max(current);
                if step <= current + 1 {
                    *last = step;
                    Some(step)
                } else {
                    None
                }
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

pub async fn staff(app: &TestApp, email: &str, role: StaffRole) -> StaffLogin {
    let created = admin::service::create(&app.state, email, "Staff", role, PASSWORD)
        .await
        .unwrap();
    assert!(created.otpauth_uri.starts_with("otpauth://totp/"));
    StaffLogin::new(email, created.secret)
}

pub fn code(secret: &str) -> String {
    platform::totp::code_at(secret, platform::totp::unix_now()).unwrap()
}

pub async fn token_request(app: &TestApp, body: Value) -> reqwest::Response {
    app.api()
        .post(app.url("/api/v1/admin/auth/token"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn staff_token(app: &TestApp, login: &StaffLogin) -> String {
    let res = token_request(
        app,
        json!({ "email": login.email, "password": PASSWORD, "otp": login.next_code().await }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
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

/// A browser (cookies, our Origin) signed in to the back office as `login`: the password step,
/// then enrolment (first time; the backup codes are returned) or the code step.
pub async fn staff_browser(app: &TestApp, login: &StaffLogin) -> (reqwest::Client, Vec<String>) {
    let browser = app.browser();
    let res = browser
        .post(app.url("/admin/login"))
        .form(&[("email", login.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "password step");
    let step = location(&res);
    let code = login.next_code().await;
    let mut backup_codes = Vec::new();
    if step.starts_with("/admin/enrol") {
        let res = browser
            .post(app.url("/admin/enrol"))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "enrolment");
        let page = res.text().await.unwrap();
        backup_codes = backup_codes_in(&page);
        assert_eq!(backup_codes.len(), 10, "ten backup codes shown once");
    } else {
        assert!(step.starts_with("/admin/login/code"), "{step}");
        let res = browser
            .post(app.url("/admin/login/code"))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "code step");
    }
    (browser, backup_codes)
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The backup codes listed on the enrolment's last page.
pub fn backup_codes_in(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(str::to_string)
        .collect()
}

/// A customer signed in with a browser session (the identity feature's sign-in).
pub async fn customer_browser(app: &TestApp, email: &str) -> reqwest::Client {
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "name": "Customer", "workspace": "Shop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
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
