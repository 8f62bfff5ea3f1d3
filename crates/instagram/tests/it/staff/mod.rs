//! Instagram's back-office screens (the Instagram accounts of every workspace, the API clients
//! of the social-data service) through the real router, with the admin feature mounted for
//! staff sign-in.

mod accounts;
mod api_clients;

use platform::{
    staff::StaffRole,
    testkit::{TestApp, spawn},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::PASSWORD;

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

/// A staff member's sign-in: email and TOTP secret.
pub struct StaffLogin {
    email: String,
    secret: String,
    /// The last TOTP step this test used: codes are single use, so each sign-in takes a later
    /// step (the next one is accepted early; past that, the helper waits for the clock).
    last_step: std::sync::Mutex<i64>,
}

impl StaffLogin {
    /// A code no sign-in of this test has used yet.
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

/// Creates a staff member of `role` (as `growthdeck admin create` does).
pub async fn staff(app: &TestApp, email: &str, role: StaffRole) -> StaffLogin {
    let created = admin::service::create(&app.state, email, "Staff", role, PASSWORD)
        .await
        .unwrap();
    StaffLogin {
        email: email.into(),
        secret: created.secret,
        last_step: std::sync::Mutex::new(0),
    }
}

/// A staff API token of `login`.
pub async fn staff_token(app: &TestApp, login: &StaffLogin) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/admin/auth/token"))
        .json(
            &json!({ "email": login.email, "password": PASSWORD, "otp": login.next_code().await }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// A browser (cookies, our Origin) signed in to the back office as `login`: the password step,
/// then enrolment (the first time) or the code step.
pub async fn staff_browser(app: &TestApp, login: &StaffLogin) -> reqwest::Client {
    let browser = app.browser();
    let res = browser
        .post(app.url("/admin/login"))
        .form(&[("email", login.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "password step");
    let step = res
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let code = login.next_code().await;
    let (path, status) = if step.starts_with("/admin/enrol") {
        ("/admin/enrol", StatusCode::OK)
    } else {
        assert!(step.starts_with("/admin/login/code"), "{step}");
        ("/admin/login/code", StatusCode::SEE_OTHER)
    };
    let res = browser
        .post(app.url(path))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), status, "{path}");
    browser
}

/// A page's status and HTML.
pub async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}
