//! Staff sign-in for tests of any feature with back-office screens (compiled only with the
//! `testkit` cargo feature, which dev-dependencies turn on): a staff member created as
//! `growthdeck admin create` does, its TOTP codes (each sign-in takes a later step, as codes
//! are single use), an API token, and a signed-in browser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use platform::staff::StaffRole;
use platform::testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every test staff member's password.
pub const PASSWORD: &str = "correct horse battery staple";

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
    let created = crate::service::create(&app.state, email, "Staff", role, PASSWORD)
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

/// A new staff member of `role` (`<role>@staff.example`), signed in: a browser enrolled at
/// its first sign-in, and an API token.
pub async fn signed_in(app: &TestApp, role: StaffRole) -> (reqwest::Client, String) {
    let login = staff(app, &format!("{}@staff.example", role.as_str()), role).await;
    let (browser, _) = staff_browser(app, &login).await;
    (browser, staff_token(app, &login).await)
}
