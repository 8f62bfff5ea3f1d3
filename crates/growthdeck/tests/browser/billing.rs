//! The billing page on a laptop and a phone, light and dark: the plans grid keeps no card
//! alone on its row at 1366 px and fits 390 px, and a long workspace-made text wraps instead
//! of widening the page. Screenshots are written to `GROWTHDECK_TEST_SCREENSHOTS` (a
//! directory) when it is set, to look at.

use fantoccini::Locator;

use crate::support::*;

async fn shot(browser: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOTS") {
        let png = browser.c.screenshot().await.unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

async fn set_theme(browser: &Browser, theme: &str) {
    browser
        .c
        .execute(
            "document.documentElement.setAttribute('data-theme', arguments[0]);",
            vec![serde_json::json!(theme)],
        )
        .await
        .unwrap();
}

/// The plan cards' (id, top) in page order.
async fn card_rows(browser: &Browser) -> Vec<(String, i64)> {
    let v = browser
        .c
        .execute(
            "return Array.from(document.querySelectorAll('.plan-grid .plan-card')).map(c => [c.id, Math.round(c.getBoundingClientRect().top + window.scrollY)]);",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_plans_grid_at_1366_and_390_light_and_dark() {
    // A server that sells plans (the plans grid shows); Stripe itself is never asked.
    let Some(browser) = Browser::start_with(|c| {
        c.set(
            &billing::settings::STRIPE_SECRET_KEY,
            Some("sk_test_browser".into()),
        );
        c.set(
            &billing::settings::STRIPE_API_BASE,
            "http://127.0.0.1:9".into(),
        );
    })
    .await
    else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    browser
        .sign_up(
            "plans@example.com",
            "Plan Person",
            "correct horse battery staple",
            "Plans",
        )
        .await;
    // A long reason without spaces in the credit history: it must wrap, not widen the page.
    let ws: uuid::Uuid = c
        .execute(
            "return fetch('/api/v1/me').then(r => r.json()).then(j => j.workspace.id);",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    billing::credits::add_purchased(
        &browser.state.db,
        &platform::Scope::for_test(ws),
        1500,
        "topup:browser",
        "pack",
        &billing::Actor::System,
    )
    .await
    .unwrap();
    billing::credits::adjust(
        &browser.state.db,
        &platform::Scope::for_test(ws),
        -1,
        &"Averyveryverylongreasonwithoutanyspaces".repeat(8),
        uuid::Uuid::now_v7(),
        |_| None,
    )
    .await
    .unwrap();
    c.goto(&format!("{base}/billing")).await.unwrap();
    c.find(Locator::Id("plan-enterprise")).await.unwrap();

    for theme in ["light", "dark"] {
        set_theme(&browser, theme).await;

        browser.resize(1366, 900).await;
        assert_eq!(browser.overflow_px().await, 0, "1366 px, {theme}");
        let cards = card_rows(&browser).await;
        assert_eq!(
            cards.len(),
            7,
            "five Growth plans and two Discovery plans: {cards:?}"
        );
        for (id, top) in &cards {
            let on_row = cards.iter().filter(|(_, t)| (t - top).abs() < 4).count();
            assert!(
                on_row >= 2,
                "{id} is alone on its row at 1366 px: {cards:?}"
            );
        }
        shot(&browser, &format!("billing-1366-{theme}")).await;
        c.execute(
            "document.getElementById('plans-title').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        shot(&browser, &format!("billing-1366-{theme}-plans")).await;

        browser.resize(390, 844).await;
        assert_eq!(browser.overflow_px().await, 0, "390 px, {theme}");
        c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
        shot(&browser, &format!("billing-390-{theme}")).await;
        c.execute(
            "document.getElementById('plans-title').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        shot(&browser, &format!("billing-390-{theme}-plans")).await;
        c.execute(
            "document.getElementById('credits-title').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        shot(&browser, &format!("billing-390-{theme}-credits")).await;
    }
    browser.finish().await;
}

#[tokio::test]
async fn a_self_hosted_server_says_so_on_the_billing_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    browser
        .sign_up(
            "own@example.com",
            "Own Server",
            "correct horse battery staple",
            "Own server",
        )
        .await;
    c.goto(&format!("{base}/billing")).await.unwrap();
    let text = c
        .find(Locator::Id("billing-situation"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("This server does not charge for Growthdeck"),
        "{text}"
    );
    assert!(
        c.find(Locator::Id("plans-title")).await.is_err(),
        "nothing to buy"
    );
    for (w, h) in [(1366, 900), (390, 844)] {
        browser.resize(w, h).await;
        assert_eq!(browser.overflow_px().await, 0, "{w} px");
        shot(&browser, &format!("billing-self-hosted-{w}")).await;
    }
    browser.finish().await;
}

/// Staff's side: the Self-hosted plan page and the settings page's set-up steps, at 1366 and
/// 390 px (screenshots to look at; the page must not be wider than a phone).
#[tokio::test]
async fn the_staff_pages_of_self_hosting_fit() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    let password = "correct horse battery staple";
    let created = admin::service::create(
        &browser.state,
        "root@staff.example",
        "Root",
        platform::staff::StaffRole::SuperAdmin,
        password,
    )
    .await
    .unwrap();
    // A customer workspace with a long unbroken name, on the Self-hosted plan.
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({ "email": "own@example.com", "password": password, "name": "Own", "workspace": "Averyverylongworkspacenamewithoutanyspacesatall".repeat(2) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let user = identity::service::accounts::find_by_email(&browser.state.db, "own@example.com")
        .await
        .unwrap()
        .unwrap();
    let ws = identity::service::workspaces::first_for_user(&browser.state.db, user.id)
        .await
        .unwrap()
        .unwrap();
    billing::limits::standing(&browser.state, &platform::Scope::for_test(ws.id))
        .await
        .unwrap();

    c.goto(&format!("{base}/admin/login")).await.unwrap();
    fill(c, "email", "root@staff.example").await;
    fill(c, "password", password).await;
    browser.submit().await;
    wait_for_path(c, "/admin/enrol").await;
    let code = platform::totp::code_at(&created.secret, platform::totp::unix_now()).unwrap();
    fill(c, "code", &code).await;
    browser.submit().await;
    c.wait()
        .for_element(Locator::LinkText("I have stored my codes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    for (path, name, anchor) in [
        ("/admin/billing/self-hosted", "admin-self-hosted", "main"),
        ("/admin/settings", "admin-settings-stripe", "#group-stripe"),
        ("/admin/settings", "admin-settings-meta", "#group-meta"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        for (w, h) in [(1366, 900), (390, 844)] {
            browser.resize(w, h).await;
            assert_eq!(browser.overflow_px().await, 0, "{path} at {w} px");
            c.execute(
                "document.querySelector(arguments[0]).scrollIntoView();",
                vec![serde_json::json!(anchor)],
            )
            .await
            .unwrap();
            shot(&browser, &format!("{name}-{w}")).await;
        }
    }
    browser.finish().await;
}
