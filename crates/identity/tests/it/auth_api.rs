use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::*;

#[tokio::test]
async fn signup_then_token_then_me() {
    let app = app().await;
    let body = signup(&app, "Owner@Example.com", "Acme Studio").await;
    assert_eq!(body["status"], "check_email");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Check your email")
    );
    // The workspace's slug comes with the token (the sign-up answer cannot name it).

    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "owner@example.com", "password": PASSWORD, "workspace": "acme-studio" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    let token = t["token"].as_str().unwrap();
    assert!(token.starts_with("gd_"));
    assert_eq!(t["workspace"]["slug"], "acme-studio");
    assert!(t["expires_at"].as_str().is_some());

    let me: Value = get(&app, token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "Owner@Example.com");
    assert_eq!(me["user"]["two_factor"], false);
    assert_eq!(me["workspace"]["slug"], "acme-studio");
    assert_eq!(me["role"], "owner");

    // Tokens are stored hashed: the secret is nowhere in the database.
    use sea_orm::EntityTrait;
    let rows = identity::model::api_token::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.token_hash != token && token.starts_with(&r.prefix))
    );
}

#[tokio::test]
async fn wrong_credentials_are_401_problems() {
    let app = app().await;
    signup(&app, "a@example.com", "A").await;
    for body in [
        json!({ "email": "a@example.com", "password": "wrong password entirely" }),
        json!({ "email": "nobody@example.com", "password": PASSWORD }),
    ] {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, p) = problem(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .ends_with("/invalid-credentials")
        );
    }
    let res = app.api().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
    let res = app
        .api()
        .get(app.url("/api/v1/me"))
        .bearer_auth("gd_notatoken")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
}

/// Sign-up does not tell whether an address has an account: a known address gets the very
/// same answer as a new one (status, type, body), nothing is written but the owner's mail and
/// the activity-log entry, and the owner is told by mail.
#[tokio::test]
async fn sign_up_answers_the_same_for_a_known_address_and_mails_its_owner() {
    let app = app().await;
    let new = signup(&app, "dup@example.com", "First").await;
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "DUP@example.com", "password": "another good passphrase", "name": "X", "workspace": "Second" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/json"
    );
    let known: Value = res.json().await.unwrap();
    assert_eq!(known, new, "byte for byte the same answer");

    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        identity::model::workspace::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1,
        "no second workspace"
    );
    assert_eq!(
        identity::model::user::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    let mails = platform::mail::to_address(&app.state.db, "dup@example.com")
        .await
        .unwrap();
    let told: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains("Someone tried to create"))
        .collect();
    assert_eq!(told.len(), 1, "the owner hears of it");
    assert!(told[0].body_text.contains("/login") && told[0].body_text.contains("/forgot-password"));

    // Repeated tries answer the same, but the owner's inbox is not flooded: three notices a
    // window, every try in the activity log.
    for _ in 0..4 {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/signup"))
            .json(&json!({ "email": "dup@example.com", "password": "another good passphrase", "name": "X", "workspace": "Again" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let told = platform::mail::to_address(&app.state.db, "dup@example.com")
        .await
        .unwrap()
        .iter()
        .filter(|m| m.subject.contains("Someone tried to create"))
        .count();
    assert_eq!(told, 3);
    assert_eq!(
        platform::audit::by_action(&app.state.db, "auth.sign_up_existing")
            .await
            .unwrap()
            .len(),
        5
    );
    // The owner's password is unchanged; the would-be second one does not sign in.
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "dup@example.com", "password": "another good passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    token(&app, "dup@example.com").await;
}

/// Sign-ups are throttled per client address (60 probes in a second and a half were answered).
#[tokio::test]
async fn sign_ups_are_throttled_per_client_address() {
    let app = app_with(|c| c.throttle_signup_attempts = 3).await;
    signup(&app, "owner@example.com", "Owner").await;
    for email in ["probe1@example.com", "owner@example.com"] {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/signup"))
            .json(&json!({ "email": email, "password": PASSWORD, "name": "P", "workspace": "P" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "probe2@example.com", "password": PASSWORD, "name": "P", "workspace": "P" }))
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p["type"].as_str().unwrap().ends_with("/rate-limited"));
    assert!(
        identity::service::accounts::find_by_email(&app.state.db, "probe2@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let throttled = platform::audit::by_action(&app.state.db, "auth.throttled")
        .await
        .unwrap();
    assert_eq!(throttled.len(), 1);
    assert_eq!(throttled[0].detail.as_ref().unwrap()["kind"], "signup");
}

#[tokio::test]
async fn unknown_workspace_slug_is_404_for_token() {
    let app = app().await;
    signup(&app, "a@example.com", "Alpha").await;
    signup(&app, "b@example.com", "Beta").await;
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "a@example.com", "password": PASSWORD, "workspace": "beta" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res).await.0,
        StatusCode::NOT_FOUND,
        "another user's workspace"
    );
}

#[tokio::test]
async fn list_workspaces_for_a_token_shows_only_its_workspace() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "Alpha").await;
    let list: Value = get(&app, &t, "/api/v1/workspaces")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["role"], "owner");
}
