use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::*;

fn code_now(secret: &str) -> String {
    identity::totp::code_at(secret, identity::totp::unix_now()).unwrap()
}

async fn enable(app: &platform::testkit::TestApp, t: &str) -> (String, Vec<String>) {
    let (secret, codes, _) = enable_with_code(app, t).await;
    (secret, codes)
}

/// Also returns the TOTP code used to enable (consumed: its window may not be reused).
async fn enable_with_code(
    app: &platform::testkit::TestApp,
    t: &str,
) -> (String, Vec<String>, String) {
    let setup: Value = send(app, Method::POST, t, "/api/v1/me/2fa/setup", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_string();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let used = code_now(&secret);
    let res = send(
        app,
        Method::POST,
        t,
        "/api/v1/me/2fa/enable",
        json!({ "code": used }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let codes: Vec<String> = body["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes, used)
}

#[tokio::test]
async fn enabling_needs_a_valid_code() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    send(&app, Method::POST, &t, "/api/v1/me/2fa/setup", json!({})).await;
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/me/2fa/enable",
        json!({ "code": "000000" }),
    )
    .await;
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "code");
    let me: Value = get(&app, &t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["two_factor"], false);
}

#[tokio::test]
async fn token_sign_in_asks_for_the_second_factor_and_codes_are_single_use() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let (_, backup, used) = enable_with_code(&app, &t).await;
    assert_eq!(backup.len(), 10);
    let me: Value = get(&app, &t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["two_factor"], true);

    let post = |body: Value| {
        let app = &app;
        async move {
            app.api()
                .post(app.url("/api/v1/auth/token"))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let (status, p) =
        problem(post(json!({ "email": "a@example.com", "password": PASSWORD })).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(p["type"].as_str().unwrap().ends_with("/otp-required"));
    let (status, p) = problem(
        post(json!({ "email": "a@example.com", "password": PASSWORD, "otp": "123456" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(p["type"].as_str().unwrap().ends_with("/otp-invalid"));

    // The code used to enable 2FA has already been used in this window: a fresh step is
    // needed, so sign in with a backup code, then check the backup code is single-use.
    let res =
        post(json!({ "email": "a@example.com", "password": PASSWORD, "otp": backup[0] })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (status, p) = problem(
        post(json!({ "email": "a@example.com", "password": PASSWORD, "otp": backup[0] })).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(p["type"].as_str().unwrap().ends_with("/otp-invalid"));

    // The TOTP code of the current window was consumed at enable time: replay is refused.
    let (status, _) =
        problem(post(json!({ "email": "a@example.com", "password": PASSWORD, "otp": used })).await)
            .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabling_needs_password_and_code() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let (_, backup) = enable(&app, &t).await;
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/me/2fa/disable",
        json!({ "password": "not my password!!", "code": backup[1] }),
    )
    .await;
    assert_eq!(problem(res).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/me/2fa/disable",
        json!({ "password": PASSWORD, "code": "999999" }),
    )
    .await;
    assert_eq!(problem(res).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/me/2fa/disable",
        json!({ "password": PASSWORD, "code": backup[1] }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let me: Value = get(&app, &t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["two_factor"], false);
    let events = platform::audit::by_action(&app.state.db, "user.2fa_disabled")
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn totp_secret_is_encrypted_at_rest() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let (secret, _) = enable(&app, &t).await;
    use sea_orm::EntityTrait;
    let user = identity::model::user::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stored = user.totp_secret.unwrap();
    assert!(!stored.contains(&secret));
    assert!(stored.starts_with("v1."));
}

#[tokio::test]
async fn read_only_tokens_cannot_change_2fa() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let created: Value = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/tokens",
        json!({ "name": "ro", "scope": "read" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let ro = created["token"].as_str().unwrap();
    let res = send(&app, Method::POST, ro, "/api/v1/me/2fa/setup", json!({})).await;
    assert_eq!(problem(res).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn guessing_the_enable_code_is_throttled() {
    let app = app_with(|c| c.throttle_account_attempts = 3).await;
    let (_, t) = user_with_token(&app, "g@example.com", "G").await;
    send(&app, Method::POST, &t, "/api/v1/me/2fa/setup", json!({})).await;
    for _ in 0..3 {
        let res = send(
            &app,
            Method::POST,
            &t,
            "/api/v1/me/2fa/enable",
            json!({ "code": "000000" }),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/me/2fa/enable",
        json!({ "code": "000000" }),
    )
    .await;
    assert_eq!(problem(res).await.0, StatusCode::TOO_MANY_REQUESTS);
}
