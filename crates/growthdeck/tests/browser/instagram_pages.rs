//! The Instagram account page and the comparison in a browser: the range picker swaps the
//! charts without a reload and puts the range in the address, top posts show their pictures
//! (through the media proxy), "Refresh now" updates the figures when the job finishes, the
//! comparison compares the profiles chosen; nothing is wider than a phone.

use std::time::Duration;

use chrono::Utc;
use fantoccini::Locator;
use instagram::model::{post, profile, profile_snapshot};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const PASSWORD: &str = "correct horse battery staple";

/// A 1×1 teal GIF: a real picture the browser can draw.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x14\xb8\xa6\x14\xb8\xa6!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A local "CDN" answering every request with the GIF; its origin.
async fn picture_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    GIF.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(GIF).await;
            });
        }
    });
    format!("http://{addr}")
}

async fn api_token(base: &str) -> String {
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({ "email": "ig@example.com", "password": PASSWORD, "name": "Ig", "workspace": "Ig Agency" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let body: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": "ig@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// Adds a demo account and waits for its first refresh; its id.
async fn demo_account(base: &str, token: &str, username: &str) -> String {
    let http = reqwest::Client::new();
    let added: serde_json::Value = http
        .post(format!("{base}/api/v1/instagram/accounts"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "username": username, "demo": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = added["id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let d: serde_json::Value = http
            .get(format!("{base}/api/v1/instagram/accounts/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !d["last_refresh_at"].is_null() {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("@{username} was never refreshed");
}

async fn profile_of(db: &sea_orm::DatabaseConnection, username: &str) -> profile::Model {
    profile::Entity::find()
        .filter(profile::Column::UsernameLower.eq(username))
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// A year of daily follower snapshots before today's.
async fn history(db: &sea_orm::DatabaseConnection, p: &profile::Model, per_day: i64) {
    let today = Utc::now().date_naive();
    let now = p.followers_count.unwrap();
    // The demo generator wrote its own year on the first refresh: this history replaces it.
    profile_snapshot::Entity::delete_many()
        .filter(profile_snapshot::Column::ProfileId.eq(p.id))
        .filter(profile_snapshot::Column::Day.lt(today))
        .exec(db)
        .await
        .unwrap();
    for back in 1..=400i64 {
        // A little up and down, as real follower counts go.
        let wobble = (back * 7919) % 23 - 11;
        profile_snapshot::ActiveModel {
            profile_id: Set(p.id),
            day: Set(today - chrono::Duration::days(back)),
            followers_count: Set(Some(now - back * per_day + wobble)),
            follows_count: Set(p.follows_count),
            media_count: Set(p.media_count),
            source: Set(p.source.clone()),
            fetched_at: Set(Utc::now() - chrono::Duration::days(back)),
        }
        .insert(db)
        .await
        .unwrap();
    }
}

async fn js(c: &fantoccini::Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Polls a script until it answers `true`.
async fn until(c: &fantoccini::Client, what: &str, script: &str) {
    for _ in 0..100 {
        if js(c, script).await == serde_json::json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

async fn columns(c: &fantoccini::Client, chart: &str) -> i64 {
    js(
        c,
        &format!("return document.querySelectorAll('#{chart} .tcol').length;"),
    )
    .await
    .as_i64()
    .unwrap()
}

/// Screenshots at a desktop and a phone width, light and dark, when asked for; and nothing
/// wider than the phone's screen.
async fn look(browser: &Browser, name: &str) {
    let c = &browser.c;
    let dir = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR").ok();
    for (width, height) in [(1366, 900), (390, 844)] {
        browser.resize(width, height).await;
        assert_eq!(browser.overflow_px().await, 0, "{name} at {width} px");
        let Some(dir) = &dir else { continue };
        let full: i64 = js(c, "return document.documentElement.scrollHeight;")
            .await
            .as_i64()
            .unwrap();
        browser.resize(width, full.clamp(600, 6000) as u32).await;
        for theme in ["light", "dark"] {
            js(
                c,
                &format!("document.documentElement.dataset.theme = '{theme}'; return true;"),
            )
            .await;
            tokio::time::sleep(Duration::from_millis(150)).await;
            let file = std::path::Path::new(dir).join(format!("{name}-{width}-{theme}.png"));
            std::fs::write(file, c.screenshot().await.unwrap()).unwrap();
        }
        js(
            c,
            "delete document.documentElement.dataset.theme; return true;",
        )
        .await;
    }
    browser.resize(1366, 900).await;
}

#[tokio::test]
async fn account_page_and_compare() {
    let pictures = picture_server().await;
    let origin = pictures.clone();
    let Some(browser) = Browser::start_with(move |config| {
        config.set(
            &instagram::settings::MEDIA_TEST_LOOPBACK_ORIGINS,
            vec![origin],
        );
    })
    .await
    else {
        return;
    };
    // The job workers, as `serve` runs them (refreshes fill the accounts in).
    let background = growthdeck::Background::start(&browser.state, None).unwrap();
    let c = &browser.c;
    let base = browser.base.clone();
    let db = browser.state.db.clone();
    let token = api_token(&base).await;
    let a = demo_account(&base, &token, "studio.north").await;
    let b = demo_account(&base, &token, "harbour.cafe").await;
    let third = demo_account(&base, &token, "alpine.trails").await;
    for (name, per_day) in [
        ("studio.north", 9),
        ("harbour.cafe", 3),
        ("alpine.trails", 5),
    ] {
        history(&db, &profile_of(&db, name).await, per_day).await;
    }
    // Every post of the first account has a picture on the "CDN".
    let north = profile_of(&db, "studio.north").await;
    post::Entity::update_many()
        .col_expr(
            post::Column::ThumbnailUrl,
            Expr::value(format!("{pictures}/v/t51/post.gif")),
        )
        .filter(post::Column::ProfileId.eq(north.id))
        .exec(&db)
        .await
        .unwrap();

    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "email", "ig@example.com").await;
    fill(c, "password", PASSWORD).await;
    click(c, "main form button[type=submit]").await;
    wait_for_path(c, "/home").await;

    // The account page: 30 days by default.
    let page = format!("/instagram/accounts/{a}");
    c.goto(&format!("{base}{page}")).await.unwrap();
    wait_for_path(c, &page).await;
    assert_eq!(columns(c, "chart-followers").await, 30);
    assert_eq!(columns(c, "chart-engagement").await, 30);

    // Top posts show their pictures, drawn through the media proxy (lazily: scroll to them).
    js(
        c,
        "document.querySelector('.post-grid').scrollIntoView(); return true;",
    )
    .await;
    until(
        c,
        "top posts' pictures are drawn",
        "var imgs = document.querySelectorAll('.post-card img.post-image'); \
         if (imgs.length === 0) return false; \
         for (var i = 0; i < imgs.length; i++) { \
           if (!imgs[i].complete || imgs[i].naturalWidth === 0) return false; \
           if (imgs[i].getAttribute('src').indexOf('/media/') !== 0) return false; } \
         return true;",
    )
    .await;

    // The range picker swaps the figures in place and puts the range in the address.
    js(
        c,
        "window.scrollTo(0, 0); window.__samePage = true; return true;",
    )
    .await;
    click(c, ".range-picker a[href$='days=90']").await;
    until(
        c,
        "90 days of followers",
        "return document.querySelectorAll('#chart-followers .tcol').length === 90;",
    )
    .await;
    let weeks = instagram::service::period::Period::parse(Some("90"))
        .unwrap()
        .buckets(
            instagram::service::period::Bucket::Week,
            Utc::now().date_naive(),
        )
        .len() as i64;
    assert_eq!(columns(c, "chart-engagement").await, weeks, "weeks");
    assert_eq!(
        js(c, "return window.__samePage === true && location.search;").await,
        serde_json::json!("?days=90"),
        "no reload; bookmarkable"
    );
    assert!(
        c.find(Locator::Css(".range-picker a[aria-current='true']"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("90 days")
    );
    // A chart point's tooltip shows at once on hover.
    let hovered = js(
        c,
        "var col = document.querySelectorAll('#chart-followers .tcol')[45]; \
         var tip = col.querySelector('.tcol-tip'); \
         return [col.querySelector('title').textContent, getComputedStyle(tip).visibility];",
    )
    .await;
    assert!(
        hovered[0].as_str().unwrap().contains("Followers: "),
        "{hovered}"
    );
    assert_eq!(hovered[1], "hidden", "until hovered");
    // Without JavaScript the links are plain links to the same address.
    c.goto(&format!("{base}{page}?days=7")).await.unwrap();
    assert_eq!(columns(c, "chart-followers").await, 7);
    look(&browser, "account-7").await;
    c.goto(&format!("{base}{page}?days=365")).await.unwrap();
    assert!(columns(c, "chart-followers").await >= 52, "weeks of a year");
    look(&browser, "account-365").await;

    // "Refresh now": when the job finishes, the figures update without a reload.
    profile::Entity::update_many()
        .col_expr(profile::Column::FollowersCount, Expr::value(1i64))
        .col_expr(
            profile::Column::LastRefreshAt,
            Expr::value(Utc::now() - chrono::Duration::minutes(10)),
        )
        .filter(profile::Column::Id.eq(north.id))
        .exec(&db)
        .await
        .unwrap();
    // The first refresh's job keeps its key for five minutes: that time has passed.
    platform::jobs::model::unique::Entity::delete_many()
        .filter(platform::jobs::model::unique::Column::Key.eq(format!("ig-refresh:{}", north.id)))
        .exec(&db)
        .await
        .unwrap();
    c.goto(&format!("{base}{page}")).await.unwrap();
    wait_for_path(c, &page).await;
    let followers =
        "var s = document.querySelector('#figures .stat-value'); return s && s.textContent;";
    assert_eq!(js(c, followers).await, serde_json::json!("1"));
    js(c, "window.__samePage = true; return true;").await;
    // Wait for the live event stream before starting the job (its end must be heard).
    tokio::time::sleep(Duration::from_millis(800)).await;
    click(c, ".actions form[hx-post$='/refresh'] button").await;
    until(
        c,
        "the figures show the refreshed followers",
        "var s = document.querySelector('#figures .stat-value'); \
         return window.__samePage === true && !!s && s.textContent !== '1';",
    )
    .await;

    // Compare: choose two of the three, over 90 days.
    c.goto(&format!("{base}/instagram/compare")).await.unwrap();
    wait_for_path(c, "/instagram/compare").await;
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('.compare-table tbody tr').length;"
        )
        .await,
        serde_json::json!(3)
    );
    click(c, &format!("input[name=profile][value='{third}']")).await;
    click(c, ".range-choices label:nth-child(3)").await;
    click(c, ".compare-form button[type=submit]").await;
    until(
        c,
        "two profiles compared",
        "return document.querySelectorAll('.compare-table tbody tr').length === 2;",
    )
    .await;
    let search = js(c, "return location.search;").await;
    let search = search.as_str().unwrap();
    assert!(search.contains("days=90"), "{search}");
    assert!(
        search.contains(&format!("profile={a}")) && search.contains(&format!("profile={b}")),
        "{search}"
    );
    assert!(!search.contains(&third));
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('#chart-compare-followers .tchart-legend li').length;"
        )
        .await,
        serde_json::json!(2)
    );
    // On a phone the table's rows are cards that keep every figure in view.
    browser.resize(390, 844).await;
    let visible = js(
        c,
        "var cells = document.querySelectorAll('.compare-table tbody tr:first-child td'); \
         var out = []; \
         for (var i = 0; i < cells.length; i++) { var r = cells[i].getBoundingClientRect(); \
           out.push(r.width > 0 && r.right <= window.innerWidth); } return out;",
    )
    .await;
    assert_eq!(
        visible,
        serde_json::json!([true, true, true, true, true, true, true]),
        "all seven figures of a row fit the phone"
    );
    look(&browser, "compare").await;

    background.shutdown().await;
    browser.finish().await;
}
