//! The back office: staff sign-in with TOTP, blocking a customer.

use std::time::Duration;

use fantoccini::Locator;

use crate::support::*;

/// A staff member signs in with password and TOTP (enrolling an authenticator the first time),
/// finds a customer and blocks them; the customer's API token stops at once.
#[tokio::test]
async fn staff_sign_in_with_totp_and_block_a_user() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    let password = "correct horse battery staple";
    let created = admin::service::create(
        &browser.state,
        "support@staff.example",
        "Sam Support",
        platform::staff::StaffRole::Support,
        password,
    )
    .await
    .unwrap();
    let api = reqwest::Client::new();
    let res = api
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({ "email": "shopper@example.com", "password": password, "name": "Shopper", "workspace": "Shop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let body: serde_json::Value = api
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": "shopper@example.com", "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let customer_token = body["token"].as_str().unwrap().to_string();

    // Password step, then enrolment with a code from the authenticator.
    c.goto(&format!("{base}/admin/users")).await.unwrap();
    wait_for_path(c, "/admin/login").await;
    fill(c, "email", "support@staff.example").await;
    fill(c, "password", password).await;
    browser.submit().await;
    wait_for_path(c, "/admin/enrol").await;
    assert!(c.source().await.unwrap().contains(&created.secret));
    let code = platform::totp::code_at(&created.secret, platform::totp::unix_now()).unwrap();
    fill(c, "code", &code).await;
    browser.submit().await;
    for _ in 0..50 {
        if c.source().await.unwrap().contains("Your backup codes") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        c.find_all(Locator::Css("#backup-codes li"))
            .await
            .unwrap()
            .len(),
        10
    );
    c.find(Locator::LinkText("I have stored my codes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(c, "/admin/users").await;

    // Find the customer and block them (the confirmation dialog is accepted).
    fill(c, "q", "shopper").await;
    click(c, "form.filters button[type=submit]").await;
    for _ in 0..50 {
        if c.current_url()
            .await
            .unwrap()
            .query()
            .is_some_and(|q| q.contains("q=shopper"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.find(Locator::LinkText("shopper@example.com"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..50 {
        if c.current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/admin/users/")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let user_path = c.current_url().await.unwrap().path().to_string();
    click(c, "form[action$=\"/block\"] button").await;
    c.accept_alert().await.unwrap();
    let mut blocked = false;
    for _ in 0..50 {
        let html = c.source().await.unwrap();
        if html.contains("is blocked") {
            blocked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(blocked, "the flash says the user is blocked");
    assert_eq!(c.current_url().await.unwrap().path(), user_path);
    let res = api
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&customer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the blocked customer's token stopped");

    // Every back-office page holds a live stream (the bell). Browsers allow six connections per
    // host: streams of pages left behind must close, or page loads stall after a few clicks
    // (they did, for a minute, until app.js closed them on `pagehide`). Twelve page loads in a
    // row must each finish well within that.
    for round in 0..3 {
        for page in [
            "/admin",
            "/admin/users",
            "/admin/workspaces",
            "/admin/activity",
        ] {
            let started = std::time::Instant::now();
            c.goto(&format!("{base}{page}")).await.unwrap();
            wait_for_path(c, page).await;
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "round {round}: {page} took {:?} to load: live streams of earlier pages still open?",
                started.elapsed()
            );
        }
    }

    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("admin-user.png"), c.screenshot().await.unwrap()).unwrap();
        for (page, file) in [
            ("/admin", "admin-dashboard.png"),
            ("/admin/users", "admin-users.png"),
            ("/admin/activity", "admin-activity.png"),
            ("/admin/outbox", "admin-outbox.png"),
        ] {
            c.goto(&format!("{base}{page}")).await.unwrap();
            wait_for_path(c, page).await;
            std::fs::write(dir.join(file), c.screenshot().await.unwrap()).unwrap();
        }
    }
    browser.finish().await;
}
