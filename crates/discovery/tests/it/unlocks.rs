//! Discovery's paid actions through the API and pages: profile and email unlocks (one charge
//! under 50 parallel requests), post analytics, priced search pages, exports and their trail,
//! and what another workspace sees of them.

use chrono::Utc;
use platform::{Scope, testkit::TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Made, app, make};
use discovery::model::unlocks::{export, unlock};

/// A customer on a Discovery plan with `credits` bought on top; (token, workspace).
async fn customer(
    app: &TestApp,
    email: &str,
    ws: &str,
    plan: &str,
    credits: i64,
) -> (String, Uuid) {
    let (token, id) = identity::testkit::customer(app, email, ws).await;
    let scope = Scope::for_test(id);
    billing::service::subscriptions::comp_key(&app.state.db, &scope, plan, "test")
        .await
        .unwrap();
    if credits > 0 {
        billing::service::credits::add_purchased(
            &app.state.db,
            &scope,
            credits,
            &format!("test-{}", Uuid::now_v7()),
            "test",
            &platform::credits::Actor::System,
        )
        .await
        .unwrap();
    }
    (token, id)
}

async fn balance(app: &TestApp, ws: Uuid) -> i64 {
    billing::service::credits::balance(&app.state.db, &Scope::for_test(ws))
        .await
        .unwrap()
        .balance
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
    let res = app
        .api()
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A live creator, indexed; its profile id.
async fn creator(app: &TestApp, username: &str, bio: &str) -> Uuid {
    let now = Utc::now();
    let id = make(
        app,
        &Made {
            username: username.into(),
            pool: "live",
            followers: 10_000,
            bio: bio.into(),
            verified: false,
            business: true,
            posts: (0..6)
                .map(|i| {
                    (
                        i * 2,
                        300 + i * 10,
                        20,
                        format!("post {i} #vegan"),
                        Some("food"),
                        Some("en"),
                    )
                })
                .collect(),
            followers_30d: Some(9_000),
            followers_90d: None,
        },
        now,
    )
    .await;
    discovery::service::index::profiles(&app.state.db, &[id])
        .await
        .unwrap();
    id
}

async fn unlocks_of(app: &TestApp, ws: Uuid) -> u64 {
    unlock::Entity::find()
        .filter(unlock::Column::WorkspaceId.eq(ws))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn fifty_parallel_unlocks_of_one_creator_charge_once() {
    let app = app().await;
    let (token, ws) = customer(&app, "par@example.com", "Par", "discovery_standard", 100).await;
    let id = creator(&app, "parallel.lea", "Cook").await;
    let before = balance(&app, ws).await;

    let mut calls = Vec::new();
    let url = app.url(&format!("/api/v1/discovery/creators/{id}/unlock"));
    for _ in 0..50 {
        let (client, token, url) = (app.api(), token.clone(), url.clone());
        calls.push(tokio::spawn(async move {
            let res = client.post(url).bearer_auth(token).send().await.unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, body)
        }));
    }
    let mut paid = 0;
    for c in calls {
        let (s, body) = c.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{body}");
        if body["already_unlocked"] == false {
            paid += 1;
            assert_eq!(body["cost"], 25, "{body}");
        } else {
            assert_eq!(body["cost"], 0, "{body}");
        }
    }
    assert_eq!(paid, 1, "exactly one request paid");
    assert_eq!(balance(&app, ws).await, before - 25, "one charge of 25");
    assert_eq!(unlocks_of(&app, ws).await, 1, "one unlock");
    let used = billing::service::limits::used_this_month(
        &app.state.db,
        &Scope::for_test(ws),
        billing::Meter::ProfileUnlocks,
    )
    .await
    .unwrap();
    assert_eq!(used, 1, "one monthly profile unlock counted");

    // The profile now shows its analytics; unlocking again costs nothing.
    let (s, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/creators/{id}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["unlocked"], true);
    assert_eq!(p["analytics"]["posts"].as_array().unwrap().len(), 6, "{p}");
    assert_eq!(p["analytics"]["categories"][0]["name"], "food");
    assert!(p["analytics"]["engagement_rate"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn an_unlock_the_balance_does_not_cover_changes_nothing() {
    let app = app().await;
    let (token, ws) = customer(&app, "poor@example.com", "Poor", "discovery_standard", 10).await;
    let id = creator(&app, "poor.lea", "Cook").await;
    let (s, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{id}/unlock"),
    )
    .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(balance(&app, ws).await, 10);
    assert_eq!(unlocks_of(&app, ws).await, 0, "no unlock row left behind");
    let used = billing::service::limits::used_this_month(
        &app.state.db,
        &Scope::for_test(ws),
        billing::Meter::ProfileUnlocks,
    )
    .await
    .unwrap();
    assert_eq!(used, 0, "the monthly use was given back");
    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/creators/{id}"),
    )
    .await;
    assert_eq!(p["unlocked"], false);
    assert!(p["analytics"].is_null(), "locked: no analytics");
}

#[tokio::test]
async fn email_unlock_charges_only_when_an_email_is_known() {
    let app = app().await;
    let (token, ws) = customer(&app, "mail@example.com", "Mail", "discovery_standard", 100).await;
    let without = creator(&app, "no.mail", "Just recipes").await;
    let with = creator(&app, "has.mail", "Collabs: lea@studio.example").await;
    let before = balance(&app, ws).await;

    let (s, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{without}/email"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["email"].is_null(), "no email available: {body}");
    assert_eq!(balance(&app, ws).await, before, "nothing charged");
    assert_eq!(unlocks_of(&app, ws).await, 0);

    let (s, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{with}/email"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "lea@studio.example");
    assert_eq!(body["unlock"]["cost"], 10);
    assert_eq!(balance(&app, ws).await, before - 10);
    // Again: already unlocked, free; the profile shows it.
    let (_, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{with}/email"),
    )
    .await;
    assert_eq!(body["unlock"]["already_unlocked"], true);
    assert_eq!(balance(&app, ws).await, before - 10);
    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/creators/{with}"),
    )
    .await;
    assert_eq!(p["email"], "lea@studio.example");
    // Another workspace sees the creator and whether an email exists, never the address one
    // workspace paid for, nor that workspace's unlocks.
    let (other, _) = customer(&app, "other@example.com", "Other", "discovery_standard", 0).await;
    let (s, p) = call(
        &app,
        &other,
        Method::GET,
        &format!("/api/v1/discovery/creators/{with}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert!(p["email"].is_null(), "{p}");
    assert!(!p.to_string().contains("lea@studio.example"), "{p}");
    let (_, listed) = call(&app, &other, Method::GET, "/api/v1/discovery/unlocks").await;
    assert!(!listed.to_string().contains(&with.to_string()), "{listed}");
    // Its page shows the bio without the address the email unlock sells.
    let page = |email: &'static str| {
        let app = &app;
        async move {
            identity::testkit::browser(app, email)
                .await
                .get(app.url(&format!("/discover/creators/{with}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let theirs = page("other@example.com").await;
    assert!(
        theirs.contains("Collabs: (email hidden until unlocked)"),
        "{theirs}"
    );
    assert!(
        !theirs.to_lowercase().contains("lea@studio.example"),
        "{theirs}"
    );
    let ours = page("mail@example.com").await;
    assert!(ours.contains("lea@studio.example"), "{ours}");
}

#[tokio::test]
async fn post_analytics_are_charged_per_request() {
    let app = app().await;
    let (token, ws) = customer(&app, "pa@example.com", "Pa", "discovery_standard", 100).await;
    let id = creator(&app, "pa.lea", "Cook").await;
    // A creator the workspace has not unlocked: refused, nothing charged or counted.
    let before = balance(&app, ws).await;
    let path = format!("/api/v1/discovery/creators/{id}/post-analytics");
    let (s, body) = call(&app, &token, Method::POST, &path).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("Unlock"),
        "{body}"
    );
    assert_eq!(balance(&app, ws).await, before);
    let (s, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{id}/unlock"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let before = balance(&app, ws).await;
    for n in 1..=2 {
        let (s, body) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/discovery/creators/{id}/post-analytics"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["cost"], 5);
        assert_eq!(body["posts"].as_array().unwrap().len(), 6);
        assert!(!body["by_media_type"].as_array().unwrap().is_empty());
        assert_eq!(balance(&app, ws).await, before - 5 * n);
    }
}

#[tokio::test]
async fn result_pages_past_the_free_ones_are_charged() {
    let app = app().await;
    let (token, ws) = customer(
        &app,
        "pages@example.com",
        "Pages",
        "discovery_standard",
        100,
    )
    .await;
    for i in 0..4 {
        creator(&app, &format!("pager.{i}"), "Cook").await;
    }
    let before = balance(&app, ws).await;
    // The first page is free, always.
    let (s, body) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/search?per_page=10",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["charged"].is_null());
    // Five free pages past the first a month, then 10 credits a page (each a different
    // search: the same one seen again is not a new use, below).
    let page = |n: u32| format!("/api/v1/discovery/search?per_page=10&page=2&followers_min={n}");
    for n in 1..=5 {
        let (s, body) = call(&app, &token, Method::GET, &page(n)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["charged"]["free"], true, "page {n}: {body}");
        assert_eq!(body["charged"]["repeat"], false, "page {n}: {body}");
        assert_eq!(body["charged"]["free_remaining"], 5 - n);
    }
    assert_eq!(balance(&app, ws).await, before);
    let (s, body) = call(&app, &token, Method::GET, &page(6)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["charged"]["cost"], 10, "{body}");
    assert_eq!(balance(&app, ws).await, before - 10);
    // Seen again within the day (a reload, going back): neither a free use nor a charge,
    // and a teammate's or a free page's repeat alike.
    for n in [6, 2] {
        let (s, body) = call(&app, &token, Method::GET, &page(n)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["charged"]["repeat"], true, "page {n}: {body}");
        assert_eq!(body["charged"]["cost"], 0, "page {n}: {body}");
        assert_eq!(body["charged"]["free"], false, "page {n}: {body}");
    }
    assert_eq!(balance(&app, ws).await, before - 10);
    // Another page of the same filters is another search.
    let (_, body) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/search?per_page=10&page=3&followers_min=6",
    )
    .await;
    assert_eq!(body["charged"]["cost"], 10, "{body}");
    assert_eq!(balance(&app, ws).await, before - 20);
    // A refused search holds nothing.
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/search?page=2&followers_min=-5",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(balance(&app, ws).await, before - 20);
}

#[tokio::test]
async fn the_next_page_link_says_what_it_costs_once_the_free_pages_are_used() {
    let app = app().await;
    let (token, _) = customer(&app, "next@example.com", "Next", "discovery_standard", 100).await;
    for i in 0..3 {
        creator(&app, &format!("next.{i}"), "Cook").await;
    }
    let browser = identity::testkit::browser(&app, "next@example.com").await;
    let first = || async {
        browser
            .get(app.url("/discover?per_page=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let body = first().await;
    assert!(body.contains("rel=\"next\""), "{body}");
    assert!(!body.contains("Next page:"), "free pages left: {body}");
    for n in 1..=5 {
        let path = format!("/api/v1/discovery/search?per_page=1&page=2&followers_min={n}");
        let (s, _) = call(&app, &token, Method::GET, &path).await;
        assert_eq!(s, StatusCode::OK);
    }
    let body = first().await;
    assert!(body.contains("Next page: 10 credits"), "{body}");
}

#[tokio::test]
async fn advanced_searches_past_the_free_ones_are_charged() {
    let app = app().await;
    let (token, ws) = customer(&app, "adv@example.com", "Adv", "discovery_standard", 100).await;
    creator(&app, "adv.lea", "Cook").await;
    let before = balance(&app, ws).await;
    // A first page with an advanced filter: ten free a month, then 15 credits.
    let search = |n: u32| format!("/api/v1/discovery/search?language=en&followers_min={n}");
    for n in 1..=10 {
        let (s, body) = call(&app, &token, Method::GET, &search(n)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["charged"]["action"], "advanced_search", "{body}");
        assert_eq!(body["charged"]["free"], true, "search {n}: {body}");
        assert_eq!(body["charged"]["free_remaining"], 10 - n, "{body}");
    }
    assert_eq!(balance(&app, ws).await, before);
    let (_, body) = call(&app, &token, Method::GET, &search(11)).await;
    assert_eq!(body["charged"]["cost"], 15, "{body}");
    assert_eq!(balance(&app, ws).await, before - 15);
    // A plain first page (no advanced filter) is free and uses nothing.
    let (_, body) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/search?followers_min=1",
    )
    .await;
    assert!(body["charged"].is_null(), "{body}");
    assert_eq!(balance(&app, ws).await, before - 15);
}

#[tokio::test]
async fn exports_are_charged_recorded_and_hold_only_the_workspace_s_unlocks() {
    let app = app().await;
    let (a, ws_a) = customer(&app, "exp-a@example.com", "ExpA", "discovery_standard", 200).await;
    let (b, ws_b) = customer(&app, "exp-b@example.com", "ExpB", "discovery_standard", 200).await;
    let one = creator(&app, "export.one", "Cook").await;
    let two = creator(&app, "export.two", "Mail me: two@studio.example").await;
    for id in [one, two] {
        let (s, _) = call(
            &app,
            &a,
            Method::POST,
            &format!("/api/v1/discovery/creators/{id}/unlock"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let before = balance(&app, ws_a).await;

    // CSV: the first export of the month is free.
    let res = app
        .api()
        .post(app.url("/api/v1/discovery/exports/creators?format=csv"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("username,full_name,profile_url,followers"));
    assert!(csv.contains("export.one") && csv.contains("export.two"));
    // The email was not unlocked: not in the export.
    assert!(!csv.contains("two@studio.example"), "{csv}");
    assert_eq!(balance(&app, ws_a).await, before);

    // XLSX: the second costs 50.
    let res = app
        .api()
        .post(app.url("/api/v1/discovery/exports/posts?format=xlsx"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-credits-charged"], "50");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "a zip (xlsx) file");
    assert_eq!(balance(&app, ws_a).await, before - 50);

    // Both recorded: who, what, format, rows.
    let records = export::Entity::find()
        .filter(export::Column::WorkspaceId.eq(ws_a))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(records.len(), 2);
    let csv_record = records.iter().find(|r| r.format == "csv").unwrap();
    assert_eq!(csv_record.kind, "creators");
    assert_eq!(csv_record.rows, Some(2));
    assert_eq!(csv_record.state, "done");
    assert!(csv_record.user_id.is_some());
    let xlsx_record = records.iter().find(|r| r.format == "xlsx").unwrap();
    assert_eq!(xlsx_record.rows, Some(12), "6 posts of each creator");
    assert_eq!(xlsx_record.cost, 50);
    let (s, h) = call(&app, &a, Method::GET, "/api/v1/discovery/exports").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["items"].as_array().unwrap().len(), 2);

    // Another workspace: nothing unlocked, an empty export, an empty trail, locked profiles.
    let res = app
        .api()
        .post(app.url("/api/v1/discovery/exports/creators?format=json"))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v, serde_json::json!([]));
    let (_, h) = call(&app, &b, Method::GET, "/api/v1/discovery/exports").await;
    assert_eq!(
        h["items"].as_array().unwrap().len(),
        1,
        "only its own export"
    );
    let (_, list) = call(&app, &b, Method::GET, "/api/v1/discovery/unlocks").await;
    assert_eq!(list["total"], 0);
    let (_, p) = call(
        &app,
        &b,
        Method::GET,
        &format!("/api/v1/discovery/creators/{one}"),
    )
    .await;
    assert_eq!(p["unlocked"], false);
    assert!(p["analytics"].is_null());
    assert_eq!(unlocks_of(&app, ws_b).await, 0);
}

#[tokio::test]
async fn a_read_only_token_unlocks_and_exports_nothing() {
    let app = app().await;
    let (token, ws) = customer(&app, "ro@example.com", "Ro", "discovery_standard", 100).await;
    let id = creator(&app, "ro.lea", "Cook").await;
    let res = app
        .api()
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "Reporting", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let read = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        format!("/api/v1/discovery/creators/{id}/unlock"),
        format!("/api/v1/discovery/creators/{id}/email"),
        format!("/api/v1/discovery/creators/{id}/post-analytics"),
        "/api/v1/discovery/exports/creators?format=csv".to_string(),
    ] {
        let (s, _) = call(&app, &read, Method::POST, &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(unlocks_of(&app, ws).await, 0);
    // An unknown creator is 404.
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{}/unlock", Uuid::now_v7()),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_profile_page_shows_locked_then_unlocked() {
    let app = app().await;
    let (token, _) = customer(
        &app,
        "page@example.com",
        "PageWs",
        "discovery_standard",
        100,
    )
    .await;
    let id = creator(&app, "page.lea", "Cook").await;
    let browser = identity::testkit::browser(&app, "page@example.com").await;
    let html = browser
        .get(app.url(&format!("/discover/creators/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Unlock the full analytics"), "locked");
    assert!(html.contains("25 credits"), "the price is shown");
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{id}/unlock"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let html = browser
        .get(app.url(&format!("/discover/creators/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Recent posts and engagement over time"),
        "unlocked"
    );
    assert!(html.contains("Content mix"));
    let unlocked = browser
        .get(app.url("/discover/unlocked"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(unlocked.contains("@page.lea"));
}

#[tokio::test]
async fn saved_searches_are_the_owner_s_or_the_team_s_and_recent_ones_are_noted() {
    let app = app().await;
    let (a, _) = customer(&app, "save-a@example.com", "SaveA", "discovery_standard", 0).await;
    let (b, _) = customer(&app, "save-b@example.com", "SaveB", "discovery_standard", 0).await;
    let send = |token: &str, body: Value| {
        app.api()
            .post(app.url("/api/v1/discovery/saved-searches"))
            .bearer_auth(token.to_string())
            .json(&body)
            .send()
    };
    let res = send(&a, serde_json::json!({"name": "Vegan 10k", "query": "?q=vegan&followers_min=10000&page=4", "shared": true}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(
        saved["query"], "q=vegan&followers_min=10000",
        "kept without its page"
    );
    // Refusals: no name, too long a query.
    for body in [
        serde_json::json!({"name": " ", "query": "q=a"}),
        serde_json::json!({"name": "x", "query": "q=".to_string() + &"a".repeat(2_001)}),
    ] {
        assert_eq!(
            send(&a, body).await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let (_, list) = call(&app, &a, Method::GET, "/api/v1/discovery/saved-searches").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["mine"], true);
    // A teammate sees the shared search (not theirs to delete), never a private one.
    let res = send(
        &a,
        serde_json::json!({"name": "Mine only", "query": "q=tea", "shared": false}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let private: Value = res.json().await.unwrap();
    let mate = crate::lists::teammate(&app, &a, "save-mate@example.com", "member").await;
    let (_, team) = call(&app, &mate, Method::GET, "/api/v1/discovery/saved-searches").await;
    let names: Vec<&str> = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Vegan 10k"], "{team}");
    assert_eq!(team["items"][0]["mine"], false);
    let (s, _) = call(
        &app,
        &mate,
        Method::DELETE,
        &format!(
            "/api/v1/discovery/saved-searches/{}",
            saved["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a teammate's search is not theirs to delete"
    );
    let (s, _) = call(
        &app,
        &a,
        Method::DELETE,
        &format!(
            "/api/v1/discovery/saved-searches/{}",
            private["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Another workspace neither sees nor deletes it.
    let (_, other) = call(&app, &b, Method::GET, "/api/v1/discovery/saved-searches").await;
    assert!(other["items"].as_array().unwrap().is_empty());
    let id = saved["id"].as_str().unwrap();
    let (s, _) = call(
        &app,
        &b,
        Method::DELETE,
        &format!("/api/v1/discovery/saved-searches/{id}"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &app,
        &a,
        Method::DELETE,
        &format!("/api/v1/discovery/saved-searches/{id}"),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // The page notes searches with a filter, newest first, one entry per search.
    let browser = identity::testkit::browser(&app, "save-a@example.com").await;
    for q in [
        "/discover?q=yoga",
        "/discover?view=table",
        "/discover?q=food&verified=true",
        "/discover?q=yoga",
    ] {
        let res = browser.get(app.url(q)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (_, recent) = call(&app, &a, Method::GET, "/api/v1/discovery/recent-searches").await;
    let queries: Vec<&str> = recent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries, ["q=yoga", "q=food&verified=true"]);
    let html = browser
        .get(app.url("/discover"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Recent searches"));
    assert!(
        html.contains("“food” · verified"),
        "recent searches read as words"
    );
    let (_, recent_b) = call(&app, &b, Method::GET, "/api/v1/discovery/recent-searches").await;
    assert!(recent_b["items"].as_array().unwrap().is_empty(), "per user");
}

#[tokio::test]
async fn a_missing_creator_is_fetched_as_a_job_and_then_found() {
    let app = app().await;
    let (token, ws) = customer(&app, "fetch@example.com", "Fetch", "discovery_standard", 0).await;
    let before = balance(&app, ws).await;
    let fetch = |username: &str, demo: bool| {
        app.api()
            .post(app.url("/api/v1/discovery/fetch"))
            .bearer_auth(token.clone())
            .json(&serde_json::json!({"username": username, "demo": demo}))
            .send()
    };
    // A real username without a live source: refused, nothing stored.
    let res = fetch("real.creator", false).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        fetch("bad name!", true).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Demo data: a job fetches, the follow-up indexes, search finds it.
    let res = fetch("@demo.fetch.lea", false).await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let f: Value = res.json().await.unwrap();
    assert_eq!(f["pool"], "demo");
    assert!(f["job_id"].is_string());
    let profile_id = f["profile_id"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (s, _) = call(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/discovery/creators/{profile_id}"),
        )
        .await;
        if s == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the creator was never indexed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, found) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/search?pool=demo&q=lea",
    )
    .await;
    assert!(
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["username"] == "demo.fetch.lea"),
        "{found}"
    );
    let res = fetch("demo.fetch.lea", false).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "known now");
    assert_eq!(balance(&app, ws).await, before, "fetching is free");
}

#[tokio::test]
async fn can_perform_covers_discovery_s_actions() {
    let app = app().await;
    let (token, _) = customer(&app, "can@example.com", "Can", "discovery_standard", 30).await;
    // With the Standard plan's monthly limits (004: 500 profiles, 250 emails, 125 analyses).
    for (action, cost, monthly) in [
        ("profile_unlock", 25, Some(500)),
        ("email_unlock", 10, Some(250)),
        ("post_analytics", 5, Some(125)),
        ("discovery_page", 0, None),
        ("advanced_search", 0, None),
        ("bulk_export", 0, None),
    ] {
        let (s, body) = call(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/credits/can-perform/{action}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{action}: {body}");
        assert_eq!(body["cost"], cost, "{action}: {body}");
        assert_eq!(body["allowed"], true, "{action}");
        assert_eq!(
            body["monthly_remaining"],
            json!(monthly),
            "{action}: {body}"
        );
    }
    // The Free plan has no email unlocks or post analyses: "can I?" says no, and
    // why, though the balance covers the price.
    let (free, _) = customer(&app, "canfree@example.com", "Free", "free", 30).await;
    for action in ["email_unlock", "post_analytics"] {
        let (_, body) = call(
            &app,
            &free,
            Method::GET,
            &format!("/api/v1/credits/can-perform/{action}"),
        )
        .await;
        assert_eq!(body["allowed"], false, "{action}: {body}");
        assert_eq!(body["monthly_remaining"], 0, "{action}: {body}");
        assert!(
            body["reason"]
                .as_str()
                .unwrap()
                .contains("does not include"),
            "{action}: {body}"
        );
    }
}

#[tokio::test]
async fn an_unlocked_creator_is_tracked_for_its_audit_once() {
    let app = app().await;
    let (token, _) = customer(&app, "aud@example.com", "Aud", "discovery_standard", 100).await;
    let id = creator(&app, "aud.lea", "Cook").await;
    let tracking = format!("/api/v1/discovery/creators/{id}/tracking");
    // Locked: refused, nothing tracked.
    let (s, body) = call(&app, &token, Method::POST, &tracking).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/creators/{id}/unlock"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = call(&app, &token, Method::POST, &tracking).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let tracked = body["tracked_id"].as_str().unwrap().to_string();
    assert_eq!(
        body["audits"],
        format!("/api/v1/instagram/tracked/{tracked}/audits")
    );
    // Asked again: the same tracking.
    let (_, again) = call(&app, &token, Method::POST, &tracking).await;
    assert_eq!(again["tracked_id"], tracked.as_str());
    let (s, audits) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/instagram/tracked/{tracked}/audits"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{audits}");
    // The unlocked profile page leads to those audits.
    let browser = identity::testkit::browser(&app, "aud@example.com").await;
    let page = browser
        .get(app.url(&format!("/discover/creators/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/instagram/tracked/{tracked}/audits\"")),
        "{page}"
    );
    // Another workspace neither sees that tracking nor tracks a creator it has not unlocked.
    let (other, _) = customer(&app, "aud2@example.com", "Aud2", "discovery_standard", 100).await;
    let (s, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/api/v1/instagram/tracked/{tracked}/audits"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, &other, Method::POST, &tracking).await;
    assert_eq!(s, StatusCode::CONFLICT);
}
