//! The fleet through the real router, database and job workers. One test binary (one link of
//! the whole app); each concern is a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod import;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// The app with the features the fleet needs: identity (sign-in, tokens), admin, billing (the
/// plan gate: with no Stripe key every workspace is on the self-hosted plan, which has every
/// feature) and the fleet.
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

/// Puts a workspace on a plan by its key (`"agency"` has no fleet).
pub async fn comp(app: &TestApp, workspace: Uuid, plan: &str) {
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(workspace),
        plan,
        "test",
    )
    .await
    .unwrap();
}

/// The owner behind `owner` invites `email` as `role` (`admin`, `member`, `viewer`); the
/// invitee accepts and gets an API token for the workspace.
pub async fn teammate(app: &TestApp, owner: &str, email: &str, role: &str) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/workspace/invitations"))
        .bearer_auth(owner)
        .json(&json!({ "email": email, "role": role }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "invitation of {email}");
    let mut link = None;
    for m in platform::mail::to_address(&app.state.db, email)
        .await
        .unwrap()
    {
        if let Some(start) = m.body_text.find("/invitations/") {
            let rest = &m.body_text[start + "/invitations/".len()..];
            link = Some(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            );
        }
    }
    let link = link.unwrap_or_else(|| panic!("no invitation mailed to {email}"));
    let res = app
        .browser()
        .post(app.url(&format!("/invitations/{link}/accept")))
        .form(&[
            ("name", "Teammate"),
            ("password", identity::testkit::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} joins");
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": identity::testkit::PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}
