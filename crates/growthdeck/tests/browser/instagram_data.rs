//! Instagram data honesty in a browser: a real username without a data source is refused with
//! the reason and an offer of demo data (nothing stored), "add as demo" works, and the demo
//! accounts' generated pictures load through the media proxy (`/media/…`) on the accounts
//! page and an account's page, at desktop and phone widths.

use std::time::Duration;

use fantoccini::Locator;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::*;

/// Every `<img>` of the page's content (the shell's logo aside): (src attribute,
/// naturalWidth, complete), once all have settled.
async fn images(c: &fantoccini::Client) -> Vec<(String, i64, bool)> {
    let mut last = Vec::new();
    // Pictures are drawn on their first request (slowly in a debug build), and lazy ones load
    // only once scrolled to: bring each unfinished one into view until all are done. A request
    // that gave up while the whole suite loads the machine is asked again (up to five times;
    // the drawing goes on in the background, so the next answer is the stored picture).
    for _ in 0..300 {
        let v = c
            .execute(
                "var all = Array.from(document.querySelectorAll('#main img')); \
                 var waiting = all.find(i => !i.complete || i.naturalWidth === 0); \
                 if (waiting) waiting.scrollIntoView(); \
                 all.filter(i => i.complete && i.naturalWidth === 0).forEach(i => { \
                   var n = Number(i.dataset.retry || 0); \
                   if (n < 5 && Date.now() - Number(i.dataset.at || 0) > 2000) { \
                     i.dataset.retry = n + 1; i.dataset.at = Date.now(); \
                     i.src = i.getAttribute('src').split('?')[0] + '?retry=' + (n + 1); } }); \
                 return all.map(i => [i.getAttribute('src'), i.naturalWidth, i.complete]);",
                vec![],
            )
            .await
            .unwrap();
        last = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i[0].as_str().unwrap_or_default().to_string(),
                    i[1].as_i64().unwrap_or(0),
                    i[2].as_bool().unwrap_or(false),
                )
            })
            .collect();
        if last.iter().all(|(_, w, done)| *done && *w > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

async fn screenshot(browser: &Browser, name: &str) {
    let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    for (width, height, size) in [(1366, 900, "desktop"), (390, 844, "phone")] {
        browser.resize(width, height).await;
        browser
            .c
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .unwrap();
        for theme in ["light", "dark"] {
            browser
                .c
                .execute(
                    "document.documentElement.setAttribute('data-theme', arguments[0]);",
                    vec![serde_json::json!(theme)],
                )
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            let png = browser.c.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{size}-{theme}.png")), png).unwrap();
        }
        assert_eq!(browser.overflow_px().await, 0, "{name} fits {width} px");
        // Not even by less than a scrollbar's width (what `overflow_px` cannot see).
        let past = browser
            .c
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap_or(0);
        assert!(past <= 0, "{name} is {past} px wider than {width} px");
    }
    browser.resize(1280, 900).await;
}

#[tokio::test]
async fn real_usernames_are_refused_and_demo_pictures_load() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    let db = browser.state.db.clone();

    browser
        .sign_up(
            "pictures@example.com",
            "Picture Person",
            "correct horse battery staple",
            "Picture Agency",
        )
        .await;

    // A real username, no data source on this server: refused, with the way to real data and
    // an explicit offer of demo data; the form keeps what was typed; nothing is stored.
    c.goto(&format!("{base}/instagram")).await.unwrap();
    fill(c, "username", "natgeo").await;
    click(
        c,
        "form[action=\"/instagram/accounts\"] button[type=submit]",
    )
    .await;
    // The refusal is a new page: under a loaded machine it may not be there at once.
    let notice = c
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css(".source-refusal"))
        .await
        .unwrap();
    let said = notice.text().await.unwrap();
    assert!(said.contains("No real data for @natgeo yet."), "{said}");
    assert!(
        said.contains("administrator") && said.contains("Instagram Login"),
        "{said}"
    );
    assert!(
        !said.contains("APIFY") && !said.contains("GROWTHDECK_"),
        "{said}"
    );
    let typed = c
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("natgeo"));
    assert_eq!(
        instagram::model::profile::Entity::find()
            .count(&db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        instagram::model::account::Entity::find()
            .count(&db)
            .await
            .unwrap(),
        0
    );
    screenshot(&browser, "instagram-refused").await;

    // "Add as demo", then two demo accounts by their demo usernames.
    click(c, ".source-refusal button[type=submit]").await;
    wait_for_path(c, "/instagram").await;
    for username in ["demo.travel.mia", "demo.kitchen.sofia"] {
        fill(c, "username", username).await;
        click(
            c,
            "form[action=\"/instagram/accounts\"] button[type=submit]",
        )
        .await;
        wait_for_path(c, "/instagram").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Their data now (the workers would do it moments later).
    let profiles = instagram::model::profile::Entity::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(profiles.len(), 3);
    assert!(profiles.iter().all(|p| p.pool == "demo"));
    for p in &profiles {
        instagram::service::refresh::refresh_profile(&browser.state, p.id, |_, _| {})
            .await
            .unwrap();
    }

    c.goto(&format!("{base}/instagram")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("@natgeo") && html.contains("Demo data"));
    let imgs = images(c).await;
    assert_eq!(imgs.len(), 3, "one avatar per account: {imgs:?}");
    for (src, width, _) in &imgs {
        assert!(src.starts_with("/media/"), "{src}");
        assert!(*width > 0, "{src} did not load");
    }
    screenshot(&browser, "instagram-accounts").await;

    // An account's page: its top posts show their pictures too.
    let href = c
        .find(Locator::LinkText("@demo.travel.mia"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.starts_with("/instagram/accounts/"), "{href}");
    c.goto(&format!("{base}{href}")).await.unwrap();
    let imgs = images(c).await;
    assert!(imgs.len() > 3, "avatar and top posts: {imgs:?}");
    for (src, width, _) in &imgs {
        assert!(src.starts_with("/media/"), "{src}");
        assert!(*width > 0, "{src} did not load");
    }
    screenshot(&browser, "instagram-account").await;
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") {
        c.execute(
            "var g = document.querySelector('.post-grid'); if (g) g.scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join("instagram-account-top-posts.png"),
            png,
        )
        .unwrap();
    }

    browser.finish().await;
}
