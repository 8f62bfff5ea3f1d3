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

/// Sends `n` wrong passwords at once (for `email_of(i)`); returns (evaluated, refused).
async fn wrong_passwords_at_once(
    app: &platform::testkit::TestApp,
    n: usize,
    web: bool,
    email_of: impl Fn(usize) -> String,
) -> (usize, usize) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let email = email_of(i);
        let request = if web {
            app.browser()
                .post(app.url("/login"))
                .form(&[("email", email.as_str()), ("password", "wrong wrong wrong")])
        } else {
            app.api()
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({ "email": email, "password": "wrong wrong wrong" }))
        };
        tasks.push(tokio::spawn(async move {
            request.send().await.unwrap().status()
        }));
    }
    let (mut evaluated, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    (evaluated, refused)
}

async fn failures_logged(app: &platform::testkit::TestApp) -> usize {
    platform::audit::by_action(&app.state.db, "auth.sign_in_failed")
        .await
        .unwrap()
        .len()
}

/// 60 wrong passwords in flight at once: the slot is taken before the hash is verified, so at
/// most the limit (10) are evaluated — before, every one of them was (the counter reached 60).
#[tokio::test]
async fn concurrent_wrong_passwords_cannot_overshoot_the_account_limit() {
    for web in [false, true] {
        let app = app().await;
        signup(&app, "victim@example.com", "V").await;
        let (evaluated, refused) =
            wrong_passwords_at_once(&app, 60, web, |_| "victim@example.com".into()).await;
        assert!(
            (1..=10).contains(&evaluated),
            "web {web}: {evaluated} evaluated"
        );
        assert_eq!(evaluated + refused, 60);
        assert_eq!(
            failures_logged(&app).await,
            evaluated,
            "each evaluation logged"
        );
        let limit = platform::throttle::Limit {
            attempts: 10,
            window_secs: 900,
        };
        let pair = platform::throttle::count(
            &app.state.db,
            "signin:pair:127.0.0.1:acct:victim@example.com",
            limit,
        )
        .await
        .unwrap();
        assert_eq!(
            pair as usize, evaluated,
            "the counter holds the failures only"
        );
        assert_eq!(
            platform::audit::by_action(&app.state.db, "auth.throttled")
                .await
                .unwrap()
                .len(),
            refused,
            "every refusal logged"
        );
    }
}

/// The same for one address guessing many accounts: at most the per-address limit.
#[tokio::test]
async fn concurrent_wrong_passwords_cannot_overshoot_the_address_limit() {
    for web in [false, true] {
        let app = app_with(|c| c.throttle_ip_attempts = 20).await;
        let (evaluated, refused) =
            wrong_passwords_at_once(&app, 60, web, |i| format!("u{i}@example.com")).await;
        assert_eq!(evaluated, 20, "web {web}");
        assert_eq!(refused, 40);
        assert_eq!(failures_logged(&app).await, 20);
    }
}

async fn sign_in_from(
    app: &platform::testkit::TestApp,
    client: &reqwest::Client,
    ip: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    client
        .post(app.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

/// Someone who knows the address cannot lock its owner out: the lock-out stays on the
/// guesser's address, and the owner signs in from theirs.
#[tokio::test]
async fn a_guesser_locks_out_only_their_own_address() {
    let app = app_with(|c| {
        c.trust_forwarded_for = true;
        c.throttle_account_attempts = 4;
    })
    .await;
    signup(&app, "owner@example.com", "O").await;
    let attacker = app.browser();
    for _ in 0..4 {
        assert_eq!(
            sign_in_from(
                &app,
                &attacker,
                "203.0.113.9",
                "owner@example.com",
                "guess guess guess"
            )
            .await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from(
            &app,
            &attacker,
            "203.0.113.9",
            "owner@example.com",
            PASSWORD
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password, from the guesser's address"
    );
    assert_eq!(
        sign_in_from(
            &app,
            &app.browser(),
            "198.51.100.20",
            "owner@example.com",
            PASSWORD
        )
        .await,
        StatusCode::SEE_OTHER,
        "the owner, from elsewhere"
    );
}

/// Guessing spread over many addresses meets the account's ceiling. The owner still gets in
/// from a device that signed in before (the remembered-device cookie) or with a magic link;
/// a password change forgets the devices.
#[tokio::test]
async fn the_account_ceiling_spares_remembered_devices_and_magic_links() {
    let app = app_with(|c| {
        c.trust_forwarded_for = true;
        c.throttle_account_attempts = 3;
        c.throttle_account_ceiling = 6;
    })
    .await;
    signup(&app, "owner@example.com", "O").await;
    let laptop = app.browser();
    let home_ip = "198.51.100.20";
    assert_eq!(
        sign_in_from(&app, &laptop, home_ip, "owner@example.com", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // The device cookie: httpOnly, long-lived, stored only as a hash.
    let res = app
        .browser()
        .post(app.url("/login"))
        .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("gd_device="))
        .expect("a remembered-device cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age >= 150 * 86_400, "{cookie}");
    let value = cookie["gd_device=".len()..].split(';').next().unwrap();
    use sea_orm::EntityTrait;
    let rows = identity::model::remembered_device::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "one per browser");
    assert!(
        rows.iter()
            .all(|r| r.token_hash != value && r.token_hash.len() == 64)
    );
    laptop.post(app.url("/logout")).send().await.unwrap();

    // Six addresses guess once each: the account's ceiling is full.
    for i in 1..=6 {
        assert_eq!(
            sign_in_from(
                &app,
                &app.browser(),
                &format!("203.0.113.{i}"),
                "owner@example.com",
                "guess guess guess"
            )
            .await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from(
            &app,
            &app.browser(),
            "192.0.2.50",
            "owner@example.com",
            PASSWORD
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address, even with the password"
    );
    assert_eq!(
        sign_in_from(&app, &app.browser(), home_ip, "owner@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the owner's address without the device cookie"
    );
    assert_eq!(
        sign_in_from(&app, &laptop, home_ip, "owner@example.com", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "the remembered device"
    );
    assert!(
        laptop
            .get(app.url("/home"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    // A magic link signs in too.
    let phone = app.browser();
    let res = phone
        .post(app.url("/magic-link"))
        .form(&[("email", "owner@example.com")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let token = mailed_token(&app, "owner@example.com", "/magic-link?token=").await;
    let res = phone
        .post(app.url("/magic-link/consume"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        phone
            .get(app.url("/home"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    // A password change forgets every remembered device: the laptop is a stranger again.
    let res = laptop
        .post(app.url("/account/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase here"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let left = identity::model::remembered_device::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(left.is_empty(), "{} devices left", left.len());
    laptop.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(
        sign_in_from(
            &app,
            &laptop,
            home_ip,
            "owner@example.com",
            "a brand new passphrase here"
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// "Sign out everywhere else" forgets the remembered devices too.
#[tokio::test]
async fn signing_out_everywhere_forgets_remembered_devices() {
    let app = app().await;
    signup(&app, "owner@example.com", "O").await;
    let laptop = app.browser();
    let phone = app.browser();
    for b in [&laptop, &phone] {
        let res = b
            .post(app.url("/login"))
            .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    use sea_orm::{EntityTrait, PaginatorTrait};
    let devices = || async {
        identity::model::remembered_device::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(devices().await, 2);
    let res = laptop
        .post(app.url("/account/sessions/revoke-others"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(devices().await, 0);
}

/// Wrong reset tokens count against the address that tries them, not against everyone: a
/// scanner is stopped, and a real reset from elsewhere still works.
#[tokio::test]
async fn wrong_reset_tokens_stop_the_scanner_only() {
    let app = app_with(|c| {
        c.trust_forwarded_for = true;
        c.throttle_account_attempts = 3;
    })
    .await;
    signup(&app, "r@example.com", "R").await;
    let try_token = |ip: &'static str, token: String| {
        let request = app
            .browser()
            .post(app.url("/reset-password"))
            .header("x-forwarded-for", ip)
            .form(&[
                ("token", token.as_str()),
                ("password", "a whole new passphrase"),
            ]);
        async move { request.send().await.unwrap().status() }
    };
    for i in 0..3 {
        assert_eq!(
            try_token("203.0.113.9", format!("guess{i}")).await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        try_token("203.0.113.9", "guess".into()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let res = app
        .browser()
        .post(app.url("/forgot-password"))
        .form(&[("email", "r@example.com")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let token = mailed_token(&app, "r@example.com", "/reset-password?token=").await;
    assert_eq!(
        try_token("198.51.100.20", token).await,
        StatusCode::SEE_OTHER
    );
}
