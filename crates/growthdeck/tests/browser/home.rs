//! The workspace home: a new workspace's first-steps checklist, then the demo accounts as
//! rows (picture, followers, source), on a desktop and a phone, light and dark.

use fantoccini::Locator;
use instagram::service::{accounts as ig_accounts, refresh};

use crate::support::*;

const OWN: &[&str] = &["demo.travel.mia", "demo.fit.leon", "demo.kitchen.sofia"];

/// Saves a screenshot of the whole page when `GROWTHDECK_TEST_SCREENSHOT_DIR` is set (for
/// people reviewing the UI): the window grows to the page's height for it.
async fn screenshot(browser: &Browser, name: &str, width: u32, height: u32) {
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") {
        let full = browser
            .c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(u64::from(height));
        browser.resize(width, (full as u32).max(height) + 120).await;
        let png = browser.c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
        browser.resize(width, height).await;
    }
}

async fn theme(browser: &Browser, theme: &str) {
    browser
        .c
        .execute(
            "document.documentElement.setAttribute('data-theme', arguments[0]);",
            vec![serde_json::json!(theme)],
        )
        .await
        .unwrap();
}

/// At 1366 and 390 px, light and dark: nothing is wider than the screen; screenshots.
async fn look(browser: &Browser, name: &str) {
    for (w, h, size) in [(1366, 900, "desktop"), (390, 844, "phone")] {
        browser.resize(w, h).await;
        for t in ["light", "dark"] {
            theme(browser, t).await;
            let over = browser.overflow_px().await;
            if over > 0 {
                let wide = browser
                    .c
                    .execute(
                        "const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'hidden' || o === 'scroll') return true; } return false; }; return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right) + (clipped(e) ? ' clipped' : '')).join(' | ') + ' sw=' + document.documentElement.scrollWidth + ' bw=' + document.body.scrollWidth;",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!("{name} {size} {t} overflows by {over} px: {wide}");
            }
            screenshot(browser, &format!("{name}-{size}-{t}.png"), w, h).await;
        }
    }
    browser.resize(1366, 900).await;
    theme(browser, "light").await;
}

#[tokio::test]
async fn home_shows_first_steps_then_every_demo_account() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();

    browser
        .sign_up(
            "agency@example.com",
            "Olivia",
            "correct horse battery staple",
            "Olivia's Agency",
        )
        .await;

    // An empty workspace leads with its first steps, none done yet, each with a link.
    let steps = c
        .find_all(Locator::Css("#first-steps .checklist-item"))
        .await
        .unwrap();
    let mut titles = Vec::new();
    for s in &steps {
        titles.push(
            s.find(Locator::Css("strong"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        assert!(s.find(Locator::Css("a.button")).await.is_ok(), "a link");
    }
    assert_eq!(
        titles,
        [
            "Connect or add an Instagram account",
            "Invite a colleague",
            "Try the demo"
        ]
    );
    assert!(
        c.find_all(Locator::Css(".checklist-item.is-done"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(c.find(Locator::Css(".account-table")).await.is_err());
    look(&browser, "home-empty").await;

    // `growthdeck demo --workspace SLUG`, through instagram's service as the command does.
    let slug = {
        c.goto(&format!("{base}/workspace/settings")).await.unwrap();
        c.find(Locator::Id("workspace-slug"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let ws = identity::service::workspaces::find_by_slug(&browser.state.db, &slug)
        .await
        .unwrap();
    for username in OWN {
        let card = ig_accounts::add_demo(
            &browser.state,
            &platform::Scope::for_test(ws.id),
            username,
            None,
        )
        .await
        .unwrap();
        refresh::refresh_profile(&browser.state, card.profile.id, |_, _| {})
            .await
            .unwrap();
    }

    c.goto(&format!("{base}/home")).await.unwrap();
    let rows = c
        .find_all(Locator::Css(".account-table tr.account-row"))
        .await
        .unwrap();
    assert_eq!(rows.len(), OWN.len(), "one row per account");
    let mut seen = Vec::new();
    for row in &rows {
        let handle = row
            .find(Locator::Css(".account-handle"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        seen.push(handle.clone());
        // A picture: the proxied profile picture, or the initial when the source has none.
        let avatar = row.find(Locator::Css(".avatar")).await.unwrap();
        let tag = avatar.tag_name().await.unwrap();
        if tag == "img" {
            let src = avatar.attr("src").await.unwrap().unwrap_or_default();
            assert!(
                src.starts_with("/media/"),
                "{handle}: picture through the proxy"
            );
        } else {
            assert!(!avatar.text().await.unwrap().trim().is_empty(), "{handle}");
        }
        let followers = row
            .find(Locator::Css("td[data-label=Followers]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            followers.chars().any(|c| c.is_ascii_digit()),
            "{handle}: followers {followers:?}"
        );
        let source = row
            .find(Locator::Css(".account-source .badge"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(source, "Demo data", "{handle}");
        let link = row
            .find(Locator::Css("a.account-cell"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(link.starts_with("/instagram/accounts/"), "{link}");
    }
    seen.sort();
    let mut want: Vec<String> = OWN.iter().map(|u| format!("@{u}")).collect();
    want.sort();
    assert_eq!(seen, want);

    // The demo is ticked; what is left stays as next steps. The activity says who added what.
    let done = c
        .find_all(Locator::Css(".checklist-item.is-done strong"))
        .await
        .unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].text().await.unwrap(), "Try the demo");
    let feed = c
        .find(Locator::Css(".activity-feed"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains(
            "The demo account @demo.kitchen.sofia was added by the server administrator."
        ),
        "{feed}"
    );
    assert!(feed.contains("Olivia created the workspace."), "{feed}");
    assert!(!feed.contains("instagram.account_added"), "{feed}");
    look(&browser, "home-demo").await;

    // The settings page shows the slug the demo command takes.
    c.goto(&format!("{base}/workspace/settings")).await.unwrap();
    assert!(
        c.source()
            .await
            .unwrap()
            .contains(&format!("growthdeck demo --workspace {slug}"))
    );
    look(&browser, "settings").await;

    // An address the server refuses (the browser's own check lets it through): the error is
    // next to the field, and what was typed is still there.
    c.goto(&format!("{base}/workspace/members")).await.unwrap();
    look(&browser, "members").await;
    fill(c, "email", "bob@localhost").await;
    click(
        c,
        "form[action=\"/workspace/invitations\"] button[type=submit]",
    )
    .await;
    let error = c.find(Locator::Id("email-error")).await.unwrap();
    assert!(
        error
            .text()
            .await
            .unwrap()
            .starts_with("Enter a valid email address")
    );
    let typed = c
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("bob@localhost"));
    look(&browser, "members-invite-error").await;

    browser.finish().await;
}
