//! Honest data through the front door: a real username without a live source is refused on
//! the page, in the workspace API and for tracked profiles, and nothing is stored; demo data
//! only when asked for (the demo box, a demo username) and always labelled; Instagram's
//! username rules at every entry point; a demo profile's year of daily history, never
//! rewritten; demo pictures served through the media proxy; demo data from earlier versions
//! never linked to instagram.com.

use instagram::model::{account, post, profile, profile_snapshot, tracked};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use super::{
    pages::{browser_for, text},
    *,
};

async fn count_rows(app: &TestApp) -> (u64, u64, u64) {
    let db = &app.state.db;
    (
        account::Entity::find().count(db).await.unwrap(),
        profile::Entity::find().count(db).await.unwrap(),
        tracked::Entity::find().count(db).await.unwrap(),
    )
}

async fn token_of(app: &TestApp, email: &str) -> String {
    app.api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn add_api(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_real_username_without_a_source_is_refused_everywhere_and_nothing_is_stored() {
    let app = app().await;
    let b = browser_for(&app, "owner@example.com", "Agency").await;
    let token = token_of(&app, "owner@example.com").await;

    // The workspace API: a problem document with a stable code, in the customer's words.
    let res = add_api(&app, &token, json!({ "username": "@NatGeo" })).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert!(!res.headers().contains_key("retry-after"), "not temporary");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "/problems/source-not-configured");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("@natgeo")
            && detail.contains("administrator")
            && detail.contains("Instagram Login")
            && detail.contains("demo"),
        "{detail}"
    );
    assert!(!detail.contains("APIFY") && !detail.contains("GROWTHDECK_"));

    // The page: the form keeps what was typed and offers demo data explicitly.
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", " @NatGeo ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = res.text().await.unwrap();
    assert!(page.contains("No real data for @natgeo yet."), "{page}");
    assert!(page.contains("an administrator") || page.contains("An administrator"));
    assert!(
        page.contains("value=\" @NatGeo \""),
        "what was typed is kept"
    );
    assert!(page.contains("Add @natgeo as a demo account"));
    assert!(!page.contains("APIFY") && !page.contains("GROWTHDECK_"));

    // Tracking a real profile: the same rule, the note kept.
    let res = b
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "natgeo"), ("note", "the big one")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = res.text().await.unwrap();
    assert!(page.contains("Track @natgeo with demo data"), "{page}");
    assert!(page.contains("value=\"the big one\""));

    assert_eq!(
        count_rows(&app).await,
        (0, 0, 0),
        "no account, no profile, nothing tracked, no refresh queued"
    );

    // "Add as demo": demo data, asked for, labelled.
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "natgeo"), ("demo", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let added = &list["items"][0];
    assert_eq!(added["username"], "natgeo");
    assert_eq!(added["kind"], "demo");
    let d = fetched(&app, &token, added["id"].as_str().unwrap()).await;
    assert_eq!(d["source"], "demo");
    let rows = profile::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].pool, "demo");
    let (_, overview) = text(&b, &app, "/instagram").await;
    assert!(overview.contains("@natgeo") && overview.contains("Demo data"));
}

#[tokio::test]
async fn demo_usernames_are_demo_data_and_real_ones_are_live_with_a_source() {
    let app = app_with(|c| {
        c.set(
            &instagram::settings::APIFY_TOKEN,
            Some(super::apify::TOKEN.into()),
        )
    })
    .await;
    let token = customer(&app, "owner@example.com", "Agency").await;

    // A demo username is generated data whether or not the box is ticked.
    let res = add_api(&app, &token, json!({ "username": "demo.travel.mia" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "demo");
    // With a live source, a real username is real data (counted, refreshed by Apify)…
    let res = add_api(&app, &token, json!({ "username": "natgeo" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "manual");
    // …and asked for as demo, it is demo data in the other pool: the two never mix.
    let other = customer(&app, "other@example.com", "Other").await;
    let res = add_api(&app, &other, json!({ "username": "natgeo", "demo": true })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "demo");
    let natgeo: Vec<String> = profile::Entity::find()
        .filter(profile::Column::UsernameLower.eq("natgeo"))
        .order_by_asc(profile::Column::Pool)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.pool)
        .collect();
    assert_eq!(natgeo, ["demo", "live"]);
}

#[tokio::test]
async fn usernames_follow_instagrams_rules_at_every_entry_point() {
    let app = app().await;
    let b = browser_for(&app, "owner@example.com", "Agency").await;
    let token = token_of(&app, "owner@example.com").await;
    let long = "x".repeat(31);
    let bad = [
        ("", "Enter an Instagram username"),
        ("two..dots", "two periods in a row"),
        (".leading", "start or end with a period"),
        ("trailing.", "start or end with a period"),
        ("has space", "letters, digits, periods and underscores"),
        ("dash-ed", "letters, digits, periods and underscores"),
        ("émilie", "letters, digits, periods and underscores"),
        (long.as_str(), "at most 30 characters"),
    ];
    for (raw, says) in bad {
        let res = add_api(&app, &token, json!({ "username": raw, "demo": true })).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "API {raw:?}"
        );
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "username");
        assert!(p["detail"].as_str().unwrap().contains(says), "{raw:?}: {p}");

        let res = b
            .post(app.url("/instagram/accounts"))
            .form(&[("username", raw), ("demo", "on")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "page {raw:?}"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "page {raw:?}");
        if !raw.is_empty() {
            assert!(page.contains(&format!("value=\"{raw}\"")), "kept: {raw:?}");
        }

        let res = b
            .post(app.url("/instagram/tracked"))
            .form(&[("username", raw), ("demo", "on")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "track {raw:?}"
        );
        assert!(res.text().await.unwrap().contains(says), "track {raw:?}");
    }
    assert_eq!(count_rows(&app).await, (0, 0, 0));
    // The edges that are allowed.
    let longest = "y".repeat(30);
    for good in ["a", "_", "a_.b", "demo.x_y.9", longest.as_str()] {
        let res = add_api(&app, &token, json!({ "username": good, "demo": true })).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{good:?}");
    }
    // A note longer than its limit is refused with a message, not cut silently.
    let res = b
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.rival"), ("note", &"n".repeat(201))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("200 characters"));
}

#[tokio::test]
async fn a_first_refresh_writes_a_year_of_history_that_is_never_rewritten() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let res = add_api(&app, &token, json!({ "username": "demo.kitchen.sofia" })).await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = fetched_over(&app, &token, &id, 365).await;
    let history = d["followers_history"].as_array().unwrap();
    assert_eq!(history.len(), 365, "the range's 364 past days and today");
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        history[0]["day"],
        (today - chrono::Duration::days(364)).to_string()
    );
    assert!(history.iter().all(|h| h["value"].as_i64().unwrap() > 0));
    // Engagement of a real account of its size, not of a viral freak.
    let rate = d["average_engagement_rate"].as_f64().unwrap();
    assert!((0.3..15.0).contains(&rate), "{rate} %");
    for p in d["posts"].as_array().unwrap() {
        assert!(p["engagement_rate"].as_f64().unwrap() < 30.0, "{p}");
    }

    let profile_id = super::fake_instagram::account_row(&app, &id)
        .await
        .profile_id;
    let snapshots = || async {
        profile_snapshot::Entity::find()
            .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
            .filter(profile_snapshot::Column::Day.lt(today))
            .order_by_asc(profile_snapshot::Column::Day)
            .all(&app.state.db)
            .await
            .unwrap()
    };
    let before = snapshots().await;
    assert_eq!(before.len(), 365);
    assert!(before.iter().all(|s| s.source == "demo"));
    // Someone's history row of a past day, changed by hand: a refresh must not restore it.
    let mut edited = before[100].clone().into_active_model();
    edited.followers_count = Set(Some(1));
    edited.update(&app.state.db).await.unwrap();
    instagram::service::refresh::refresh_profile(&app.state, profile_id, |_, _| {})
        .await
        .unwrap();
    let after = snapshots().await;
    assert_eq!(after.len(), 365);
    assert_eq!(
        after[100].followers_count,
        Some(1),
        "the past is not rewritten"
    );
    for (a, b) in before
        .iter()
        .zip(&after)
        .filter(|(a, _)| a.day != before[100].day)
    {
        assert_eq!(a, b);
    }
}

/// Decodes a PNG: (width, height).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test]
async fn demo_pictures_are_served_through_the_media_proxy_and_stay_the_same() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let res = add_api(
        &app,
        &token,
        json!({ "username": "demo.style.chloe", "demo": true }),
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = fetched(&app, &token, &id).await;
    let avatar = d["picture_url"].as_str().unwrap().to_string();
    assert!(avatar.starts_with("/media/"), "{avatar}");
    let post = &d["posts"][0];
    let image = post["thumbnail_url"]
        .as_str()
        .or(post["media_url"].as_str())
        .unwrap()
        .to_string();
    assert!(image.starts_with("/media/"), "{post}");

    for (path, size) in [
        (&avatar, instagram::source::demo::picture::AVATAR_SIZE),
        (&image, instagram::source::demo::picture::POST_SIZE),
    ] {
        let first = app.api().get(app.url(path)).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()["content-type"], "image/png");
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        let bytes = first.bytes().await.unwrap();
        assert_eq!(png_size(&bytes), (size, size));
        let second = app.api().get(app.url(path)).send().await.unwrap();
        assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(second.bytes().await.unwrap(), bytes, "the same picture");
        let cached = app
            .api()
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    }
    // The picture of the same URL is drawn once: one row, one file in the disk cache.
    let rows = instagram::model::media_file::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.source_url.starts_with("demo://")));
    assert!(
        rows.iter()
            .filter(|r| r.status == "stored")
            .all(|r| r.content_type.as_deref() == Some("image/png"))
    );
}

#[tokio::test]
async fn demo_data_from_earlier_versions_is_never_linked_to_instagram() {
    let app = app().await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let ws = workspace_id(&app, &token).await;
    // Earlier versions added real usernames as demo data when no source was configured, and
    // gave demo posts instagram.com permalinks.
    let card = instagram::service::accounts::add_demo(
        &app.state,
        &platform::Scope::for_test(ws),
        "natgeo",
        None,
    )
    .await
    .unwrap();
    let id = card.account.id.to_string();
    fetched(&app, &token, &id).await;
    post::Entity::update_many()
        .col_expr(
            post::Column::Permalink,
            sea_orm::sea_query::Expr::value("https://www.instagram.com/p/DdemoOld/"),
        )
        .filter(post::Column::ProfileId.eq(card.profile.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let body = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains("instagram.com"), "{body}");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["kind"], "demo");
    assert_eq!(d["source"], "demo", "labelled as what it is");
}
