//! Sign-up hardening as a visitor sees it: the "check your email" answer (the same for an
//! address that already has an account), on a desktop and a phone, light and dark; and the
//! remembered-device cookie a completed sign-in leaves.

use fantoccini::Locator;

use crate::support::*;

/// Saves a screenshot when `GROWTHDECK_TEST_SCREENSHOTS` names a directory (to look at by eye).
async fn shot(browser: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOTS") {
        let png = browser.c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

async fn sign_up(browser: &Browser, email: &str) {
    let c = &browser.c;
    c.goto(&format!("{}/signup", browser.base)).await.unwrap();
    fill(c, "email", email).await;
    fill(c, "name", "Sam Sample").await;
    fill(c, "password", "correct horse battery staple").await;
    fill(c, "workspace", "Sample Studio").await;
    browser.submit().await;
    wait_for_path(c, "/signup/sent").await;
}

#[tokio::test]
async fn sign_up_answers_check_your_email_for_new_and_known_addresses() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    sign_up(&browser, "sam@example.com").await;
    let first = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("Check your email to continue"), "{first}");
    // No mail transport is configured here: the page does not claim a mail was sent.
    assert!(first.contains("server log"), "{first}");
    for (w, h) in [(1366, 900), (390, 844)] {
        browser.resize(w, h).await;
        assert_eq!(browser.overflow_px().await, 0, "{w}px");
        for theme in ["light", "dark"] {
            c.execute(
                "document.documentElement.setAttribute('data-theme', arguments[0]);",
                vec![serde_json::json!(theme)],
            )
            .await
            .unwrap();
            shot(&browser, &format!("signup_sent_{w}_{theme}")).await;
        }
    }
    browser.resize(1366, 900).await;

    // The same address again: the very same page.
    sign_up(&browser, "sam@example.com").await;
    let again = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(again, first);

    // Signing in leaves a remembered-device cookie scripts cannot read.
    c.goto(&format!("{}/login", browser.base)).await.unwrap();
    fill(c, "email", "sam@example.com").await;
    fill(c, "password", "correct horse battery staple").await;
    browser.submit().await;
    wait_for_path(c, "/home").await;
    let device = c.get_named_cookie("gd_device").await.unwrap();
    assert_eq!(device.http_only(), Some(true));
    let visible: String = c
        .execute("return document.cookie;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!visible.contains("gd_device"), "{visible}");
    browser.finish().await;
}
