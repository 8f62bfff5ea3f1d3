use reqwest::StatusCode;
use serde_json::json;

use crate::*;

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_with_retry_after() {
    let app = app_with(|c| {
        c.throttle_account_attempts = 3;
        c.throttle_ip_attempts = 100;
    })
    .await;
    signup(&app, "a@example.com", "A").await;
    for _ in 0..3 {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "a@example.com", "password": "wrong wrong wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is throttled.
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "a@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);
    let (_, p) = problem(res).await;
    assert!(p["type"].as_str().unwrap().ends_with("/rate-limited"));

    assert_eq!(
        platform::audit::by_action(&app.state.db, "auth.sign_in_failed")
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        !platform::audit::by_action(&app.state.db, "auth.throttled")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_ip() {
    let app = app_with(|c| {
        c.throttle_account_attempts = 100;
        c.throttle_ip_attempts = 4;
    })
    .await;
    for i in 0..4 {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": format!("u{i}@example.com"), "password": "wrong wrong wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "fresh@example.com", "password": "wrong wrong wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn second_factor_failures_are_throttled() {
    let app = app_with(|c| {
        c.throttle_account_attempts = 2;
    })
    .await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let setup: serde_json::Value = send(
        &app,
        reqwest::Method::POST,
        &t,
        "/api/v1/me/2fa/setup",
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    let secret = setup["secret"].as_str().unwrap();
    let code = identity::totp::code_at(secret, identity::totp::unix_now()).unwrap();
    assert_eq!(
        send(
            &app,
            reqwest::Method::POST,
            &t,
            "/api/v1/me/2fa/enable",
            json!({ "code": code })
        )
        .await
        .status(),
        StatusCode::OK
    );
    for _ in 0..2 {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "a@example.com", "password": PASSWORD, "otp": "000000" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "a@example.com", "password": PASSWORD, "otp": "000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        platform::audit::by_action(&app.state.db, "auth.second_factor_failed")
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn reset_requests_are_throttled_and_answer_429_in_the_page() {
    let app = app_with(|c| {
        c.throttle_account_attempts = 2;
    })
    .await;
    signup(&app, "r@example.com", "R").await;
    for _ in 0..2 {
        let res = app
            .browser()
            .post(app.url("/forgot-password"))
            .form(&[("email", "r@example.com")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
    let res = app
        .browser()
        .post(app.url("/forgot-password"))
        .form(&[("email", "r@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<form"),
        "the form is shown again with the message"
    );
    let mails = platform::mail::to_address(&app.state.db, "r@example.com")
        .await
        .unwrap();
    assert_eq!(
        mails.iter().filter(|m| m.subject.contains("Reset")).count(),
        2,
        "no third mail"
    );
}
