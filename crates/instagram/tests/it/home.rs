//! The workspace home's Instagram section on constructed history: followers and their 7- and
//! 30-day change from the daily snapshots, engagement of the last 30 days against the 30
//! before (the one definition: likes and comments, never private saves), posts of the last
//! 30 days, the attention rules; the activity in sentences; another workspace's accounts never
//! show.

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use instagram::model::{account, post, post_insight, profile, profile_snapshot};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use super::fake_instagram::signed_in;
use super::*;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A profile and an account of `workspace` written directly (no refresh is queued: the
/// history below is all it has).
async fn account_row(
    app: &TestApp,
    workspace: Uuid,
    username: &str,
    followers: i64,
    kind: &str,
    source: &str,
) -> (Uuid, Uuid) {
    let now = Utc::now();
    let p = profile::ActiveModel {
        id: Set(Uuid::now_v7()),
        pool: Set("live".into()),
        username: Set(username.into()),
        username_lower: Set(username.to_lowercase()),
        ig_user_id: Set(None),
        full_name: Set(Some(format!("{username} full name"))),
        biography: Set(None),
        website: Set(None),
        picture_url: Set(Some(format!(
            "https://scontent.cdninstagram.com/v/{username}.jpg?sig=1"
        ))),
        followers_count: Set(Some(followers)),
        follows_count: Set(Some(10)),
        media_count: Set(Some(100)),
        is_verified: Set(None),
        is_business: Set(None),
        source: Set(source.into()),
        fetched_at: Set(Some(now - Duration::hours(2))),
        media_cursor: Set(None),
        last_refresh_at: Set(Some(now - Duration::hours(2))),
        last_refresh_error: Set(None),
        next_refresh_at: Set(Some(now + Duration::days(30))),
        created_at: Set(now),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let a = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace),
        profile_id: Set(p.id),
        kind: Set(kind.into()),
        source: Set(source.into()),
        status: Set("active".into()),
        ig_user_id: Set(None),
        access_token: Set(None),
        token_expires_at: Set(None),
        token_refreshed_at: Set(None),
        scopes: Set(None),
        last_refresh_at: Set(Some(now - Duration::hours(2))),
        last_refresh_error: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    (a.id, p.id)
}

async fn snapshot(app: &TestApp, profile_id: Uuid, days_ago: i64, followers: i64) {
    profile_snapshot::ActiveModel {
        profile_id: Set(profile_id),
        day: Set(today() - Duration::days(days_ago)),
        followers_count: Set(Some(followers)),
        follows_count: Set(Some(10)),
        media_count: Set(Some(100)),
        source: Set("apify".into()),
        fetched_at: Set(Utc::now() - Duration::days(days_ago)),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// A post at noon `days_ago` days back.
async fn post_on(
    app: &TestApp,
    profile_id: Uuid,
    days_ago: i64,
    likes: i64,
    comments: i64,
) -> Uuid {
    let at = (today() - Duration::days(days_ago))
        .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        .and_utc();
    post::ActiveModel {
        id: Set(Uuid::now_v7()),
        profile_id: Set(profile_id),
        ig_media_id: Set(Uuid::now_v7().simple().to_string()),
        shortcode: Set(None),
        caption: Set(Some("a post".into())),
        media_type: Set("IMAGE".into()),
        product_type: Set(Some("FEED".into())),
        permalink: Set(None),
        posted_at: Set(at),
        like_count: Set(Some(likes)),
        comments_count: Set(Some(comments)),
        view_count: Set(None),
        media_url: Set(None),
        thumbnail_url: Set(None),
        source: Set("apify".into()),
        fetched_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

async fn insight(app: &TestApp, account_id: Uuid, post_id: Uuid, days_ago: i64, saved: i64) {
    post_insight::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        day: Set(today() - Duration::days(days_ago)),
        views: Set(None),
        reach: Set(None),
        saved: Set(Some(saved)),
        shares: Set(Some(0)),
        total_interactions: Set(None),
        source: Set("graph".into()),
        fetched_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn home(browser: &reqwest::Client, app: &TestApp) -> String {
    let res = browser.get(app.url("/home")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The `<tr>` of an account on the home.
fn row<'a>(html: &'a str, username: &str) -> &'a str {
    let at = html
        .find(&format!("@{username}</span>"))
        .unwrap_or_else(|| panic!("no row for @{username}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The text of a row's cell by its label, tags stripped.
fn cell(row: &str, label: &str) -> String {
    let at = row
        .find(&format!("data-label=\"{label}\""))
        .unwrap_or_else(|| panic!("no {label} cell"));
    let rest = &row[at..];
    let inner = &rest[rest.find('>').unwrap() + 1..rest.find("</td>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attention_section(html: &str) -> &str {
    match html.find("id=\"attention-title\"") {
        Some(start) => &html[start..start + html[start..].find("</section>").unwrap()],
        None => "",
    }
}

#[tokio::test]
async fn home_figures_and_attention_come_from_the_history() {
    let app = app().await;
    let (browser, token) = signed_in(&app, "figures@example.com", "Figures Agency").await;
    let ws = workspace_id(&app, &token).await;

    // alpha: followers 900 → 1,000 → 1,100; engagement 10 % before, 5 % now: a drop.
    let (_, alpha) = account_row(&app, ws, "alpha.shop", 1100, "manual", "apify").await;
    snapshot(&app, alpha, 45, 1000).await;
    snapshot(&app, alpha, 30, 900).await;
    snapshot(&app, alpha, 7, 1000).await;
    snapshot(&app, alpha, 0, 1100).await;
    // Before: day 40 (followers of day 45: 1,000) — two posts of 100 interactions: 10 %.
    post_on(&app, alpha, 40, 90, 10).await;
    post_on(&app, alpha, 40, 95, 5).await;
    // Now: day 3 (followers of day 7: 1,000) — three posts of 50: 5 %.
    for _ in 0..3 {
        post_on(&app, alpha, 3, 45, 5).await;
    }
    // Older than the two windows: never read.
    post_on(&app, alpha, 70, 100_000, 0).await;

    // echo: 10 % → 7 %, down by less than a third: not flagged.
    let (_, echo) = account_row(&app, ws, "echo.bakery", 1000, "manual", "apify").await;
    snapshot(&app, echo, 50, 1000).await;
    post_on(&app, echo, 35, 100, 0).await;
    post_on(&app, echo, 10, 70, 0).await;

    // delta: private insights for the last 30 days' posts only (a recently connected account).
    // Likes and comments are steady at 10 %; saves are private insights and never part of the
    // engagement rate (the one definition), so no drop, no rise.
    let (delta_account, delta) =
        account_row(&app, ws, "delta.studio", 1000, "instagram_login", "graph").await;
    snapshot(&app, delta, 50, 1000).await;
    post_on(&app, delta, 40, 100, 0).await;
    post_on(&app, delta, 41, 100, 0).await;
    for d in [5, 6] {
        let p = post_on(&app, delta, d, 100, 0).await;
        insight(&app, delta_account, p, d - 1, 40).await;
        insight(&app, delta_account, p, d - 2, 100).await;
    }

    // bravo needs reconnecting; charlie's refresh fails.
    let (bravo_account, _) =
        account_row(&app, ws, "bravo.cafe", 500, "instagram_login", "graph").await;
    let mut a: account::ActiveModel = account::Entity::find_by_id(bravo_account)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    a.status = Set("reconnect_needed".into());
    a.last_refresh_error = Set(Some("token expired".into()));
    a.update(&app.state.db).await.unwrap();
    let (charlie_account, _) = account_row(&app, ws, "charlie.fit", 800, "manual", "apify").await;
    let mut a: account::ActiveModel = account::Entity::find_by_id(charlie_account)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    a.last_refresh_error = Set(Some("Apify answered 500".into()));
    a.update(&app.state.db).await.unwrap();

    // Another workspace's account never shows here.
    let (other_browser, other_token) = signed_in(&app, "other@example.com", "Other").await;
    let other_ws = workspace_id(&app, &other_token).await;
    account_row(&app, other_ws, "other.brand", 4242, "manual", "apify").await;

    let html = home(&browser, &app).await;
    assert!(!html.contains("other.brand"), "another workspace's account");

    let alpha_row = row(&html, "alpha.shop");
    assert_eq!(cell(alpha_row, "Followers"), "1,100");
    assert_eq!(cell(alpha_row, "7 days"), "+100");
    assert_eq!(cell(alpha_row, "30 days"), "+200");
    assert!(
        cell(alpha_row, "Engagement, 30 days").starts_with("5.00 % ↓ 50 %"),
        "{}",
        cell(alpha_row, "Engagement, 30 days")
    );
    assert_eq!(cell(alpha_row, "Posts, 30 days"), "3");
    assert!(cell(alpha_row, "Source").starts_with("Apify fetched"));
    assert!(
        alpha_row.contains("src=\"/media/"),
        "picture through the media proxy"
    );
    assert!(!alpha_row.contains("cdninstagram"), "never the CDN URL");

    let delta_row = row(&html, "delta.studio");
    assert!(
        cell(delta_row, "Engagement, 30 days").starts_with("10.00 % → 0 %"),
        "{}",
        cell(delta_row, "Engagement, 30 days")
    );
    assert_eq!(cell(delta_row, "7 days"), "±0");
    assert_eq!(cell(delta_row, "Posts, 30 days"), "2");
    assert!(cell(delta_row, "Source").starts_with("Instagram API"));

    // Not enough history: said, not made up.
    let bravo_row = row(&html, "bravo.cafe");
    assert_eq!(cell(bravo_row, "7 days"), "—");
    assert_eq!(cell(bravo_row, "Engagement, 30 days"), "—");

    let echo_row = row(&html, "echo.bakery");
    assert!(cell(echo_row, "Engagement, 30 days").starts_with("7.00 % ↓ 30 %"));

    let attention = attention_section(&html);
    assert!(!attention.contains("@echo.bakery"), "a drop under a third");
    assert!(attention.contains("Needs attention"));
    assert!(
        attention
            .contains("Engagement fell by 50 % against the previous 30 days (10.00 % → 5.00 %)."),
        "{attention}"
    );
    assert!(attention.contains("@bravo.cafe"));
    assert!(attention.contains("Instagram no longer accepts its connection"));
    assert!(attention.contains("href=\"/instagram/connect\""));
    assert!(
        !attention.contains("token expired"),
        "a reconnect says it once"
    );
    assert!(attention.contains("failed: Apify answered 500"));
    assert!(!attention.contains("@delta.studio"), "steady engagement");
    assert_eq!(
        attention.matches("attention-item").count(),
        3,
        "{attention}"
    );

    // The other workspace sees only its own account.
    let other = home(&other_browser, &app).await;
    assert!(other.contains("@other.brand"));
    assert!(!other.contains("alpha.shop"));
    assert!(attention_section(&other).is_empty());
}

#[tokio::test]
async fn an_empty_workspace_gets_first_steps_that_tick_when_done() {
    let app = app().await;
    let (browser, _) = signed_in(&app, "new@example.com", "New Agency").await;
    let html = home(&browser, &app).await;
    assert!(html.contains("First steps"));
    assert!(html.contains("Connect or add an Instagram account"));
    assert!(html.contains("Try the demo"));
    assert!(html.contains("Invite a colleague"));
    assert!(!html.contains("is-done"), "nothing done yet");
    assert!(!html.contains("account-table"));

    let res = browser
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "demo.first.steps"), ("demo", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = home(&browser, &app).await;
    assert!(html.contains("@demo.first.steps"));
    assert!(
        html.contains("Next steps"),
        "the rest of the steps stay offered"
    );
    let at = html.find("Try the demo").unwrap();
    let item = &html[html[..at].rfind("<li").unwrap()..at];
    assert!(item.contains("is-done"), "the demo is ticked");
    assert_eq!(html.matches("checklist-item is-done").count(), 1);
}

#[tokio::test]
async fn instagram_activity_reads_as_sentences_with_links() {
    let app = app().await;
    let (browser, _) = signed_in(&app, "words@example.com", "Words").await;
    for username in ["demo.kept.one", "demo.gone.two"] {
        let res = browser
            .post(app.url("/instagram/accounts"))
            .form(&[("username", username), ("demo", "on")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = browser
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.rival"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = home(&browser, &app).await;
    let gone_href = {
        let at = html.find(">@demo.gone.two</a>").unwrap();
        let start = html[..at].rfind("href=\"").unwrap() + 6;
        html[start..at - 1].to_string()
    };
    let id = gone_href.trim_start_matches("/instagram/accounts/");
    let res = browser
        .post(app.url(&format!("/instagram/accounts/{id}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let html = home(&browser, &app).await;
    let feed = &html[html.find("activity-feed").unwrap()..];
    let feed = &feed[..feed.find("</ol>").unwrap()];
    // The name the customer helper signs up with is "C".
    assert!(
        feed.contains("C added the demo account <a href=\"/instagram/accounts/"),
        "{feed}"
    );
    assert!(feed.contains(">@demo.kept.one</a>."), "{feed}");
    assert!(
        feed.contains("C removed @demo.gone.two from the workspace."),
        "{feed}"
    );
    assert!(
        feed.contains("C added the demo account @demo.gone.two."),
        "a removed account is named, not linked: {feed}"
    );
    assert!(
        feed.contains("C started tracking <a href=\"/instagram#tracked-title\">@demo.rival</a>."),
        "{feed}"
    );
    for code in [
        "instagram.",
        "account_added",
        "profile_tracked",
        "instagram_account",
    ] {
        assert!(!feed.contains(code), "raw code {code}: {feed}");
    }
}
