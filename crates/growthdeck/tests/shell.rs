//! The application shell over HTTP: the command palette's search (`GET /api/v1/search`,
//! tenant-scoped, every status), htmx error answers (toasts, never whole pages), the error
//! page in the visitor's own shell, and the favicon.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use platform::testkit::{TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{PASSWORD, client, signup};
use uuid::Uuid;

/// The binary's routes, navigation and search providers on the test kit. Instagram's jobs are
/// not run: the tests fetch the demo data themselves, at a known time.
async fn app() -> TestApp {
    spawn(
        growthdeck::features()
            .into_iter()
            .map(|f| {
                if f.name == "instagram" {
                    platform::Feature { jobs: None, ..f }
                } else {
                    f
                }
            })
            .collect(),
        |_| {},
    )
    .await
}

/// A demo account in the workspace, fetched now (its manual refresh is cooling down).
async fn demo_account(app: &TestApp, workspace: Uuid, username: &str) -> Uuid {
    let card = instagram::service::accounts::add_demo(
        &app.state,
        &platform::Scope::for_test(workspace),
        username,
        None,
    )
    .await
    .unwrap();
    instagram::service::refresh::refresh_profile(&app.state, card.profile.id, |_, _| {})
        .await
        .unwrap();
    card.account.id
}

async fn search(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    let res = client()
        .get(app.url(&format!("/api/v1/search?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn titles(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect()
}

fn hit<'a>(body: &'a Value, title: &str) -> &'a Value {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["title"] == title)
        .unwrap_or_else(|| panic!("{title} not in {body}"))
}

/// A browser-like client signed in through the login form.
async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    browser
}

#[tokio::test]
async fn search_finds_pages_actions_and_the_callers_own_records() {
    let app = app().await;
    let (ws_a, token_a) = signup(&app.base, "a@example.com", "Agency A").await;
    let (ws_b, token_b) = signup(&app.base, "b@example.com", "Agency B").await;
    let mia = demo_account(&app, ws_a, "demo.travel.mia").await;
    demo_account(&app, ws_a, "demo.fit.leon").await;
    instagram::service::tracked::track_in(
        &app.state,
        &platform::Scope::for_test(ws_a),
        "demo.wanderlust.co",
        "travel competitor",
        false,
        None,
    )
    .await
    .unwrap();
    let bob = demo_account(&app, ws_b, "demo.travel.bob").await;

    // No credentials: a problem document.
    let res = client()
        .get(app.url("/api/v1/search?q=mia"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "401 is a problem document"
    );

    // Nothing typed: the pages of the navigation and the actions, no records.
    let (status, body) = search(&app, &token_a, "q=").await;
    assert_eq!(status, StatusCode::OK);
    let all = titles(&body);
    for page in ["Home", "Instagram", "Members", "API tokens", "Billing"] {
        assert!(all.contains(&page.to_string()), "{page} in {all:?}");
    }
    for action in [
        "Invite people",
        "Create API token",
        "Add Instagram account",
        "New workspace",
    ] {
        assert_eq!(hit(&body, action)["kind"], "action", "{action}");
    }
    assert!(
        !all.iter().any(|t| t.starts_with('@')),
        "no records: {all:?}"
    );
    assert_eq!(hit(&body, "Members")["href"], "/workspace/members");
    assert_eq!(hit(&body, "Members")["group"], "Pages");

    // A username: the caller's account and tracked profile, never another workspace's.
    let (status, body) = search(&app, &token_a, "q=travel").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["query"], "travel");
    let mia_hit = hit(&body, "@demo.travel.mia");
    assert_eq!(mia_hit["kind"], "record");
    assert_eq!(mia_hit["group"], "Instagram accounts");
    assert_eq!(mia_hit["href"], format!("/instagram/accounts/{mia}"));
    assert!(
        mia_hit["detail"].as_str().unwrap().contains("Demo data"),
        "demo data stays labelled: {mia_hit}"
    );
    assert_eq!(
        hit(&body, "@demo.wanderlust.co")["group"],
        "Tracked profiles"
    );
    assert!(
        !body.to_string().contains("demo.travel.bob")
            && !body.to_string().contains(&bob.to_string()),
        "another workspace's account: {body}"
    );
    let (_, body) = search(&app, &token_b, "q=travel").await;
    assert!(titles(&body).contains(&"@demo.travel.bob".to_string()));
    assert!(!body.to_string().contains("demo.travel.mia"), "{body}");

    // Best match first; a leading @ is ignored.
    let (_, body) = search(&app, &token_a, "q=%40demo.fit").await;
    assert_eq!(titles(&body)[0], "@demo.fit.leon");
    let (_, body) = search(&app, &token_a, "q=members").await;
    assert_eq!(titles(&body)[0], "Members");
    let (_, body) = search(&app, &token_a, "q=zzqx").await;
    assert_eq!(body["results"], json!([]));
    let (_, body) = search(&app, &token_a, "q=&limit=2").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 2);

    // Bad input: a clear problem naming the parameter.
    let long = "x".repeat(platform::search::MAX_QUERY_CHARS + 1);
    for (query, field) in [
        (format!("q={long}"), "q"),
        ("limit=0".to_string(), "limit"),
        ("limit=51".to_string(), "limit"),
        ("limit=ten".to_string(), "limit"),
    ] {
        let (status, body) = search(&app, &token_a, &query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }

    // A read-only token sees the records but not the actions that change things.
    let res = client()
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&token_a)
        .json(&json!({ "name": "reader", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let reader = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, body) = search(&app, &reader, "q=").await;
    let all = titles(&body);
    for action in ["Invite people", "Create API token", "Add Instagram account"] {
        assert!(!all.contains(&action.to_string()), "{action} for a reader");
    }
    let (_, body) = search(&app, &reader, "q=mia").await;
    assert!(titles(&body).contains(&"@demo.travel.mia".to_string()));
}

#[tokio::test]
async fn search_is_in_the_openapi_document_with_every_status() {
    let doc = serde_json::to_value(growthdeck::openapi()).unwrap();
    let op = &doc["paths"]["/api/v1/search"]["get"];
    assert!(op.is_object(), "GET /api/v1/search documented");
    for status in ["200", "401", "422", "500"] {
        assert!(op["responses"][status].is_object(), "{status} documented");
    }
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["q", "limit"]);
    assert!(doc["components"]["schemas"]["SearchResults"].is_object());
}

#[tokio::test]
async fn htmx_errors_answer_toasts_never_whole_pages() {
    let app = app().await;
    let (ws_a, _) = signup(&app.base, "a@example.com", "Agency A").await;
    let (ws_b, _) = signup(&app.base, "b@example.com", "Agency B").await;
    let mine = demo_account(&app, ws_a, "demo.travel.mia").await;
    let theirs = demo_account(&app, ws_b, "demo.travel.bob").await;
    let browser = signed_in(&app, "a@example.com").await;
    let htmx = |path: &str| {
        browser
            .post(app.url(path))
            .header("HX-Request", "true")
            .header("HX-Current-URL", app.url("/instagram"))
    };
    let toast = |res: &reqwest::Response| -> Value {
        assert_eq!(res.headers()["hx-reswap"], "none");
        let raw = res.headers()["hx-trigger"].to_str().unwrap();
        let v: Value = serde_json::from_str(raw).unwrap();
        v["gd:toast"].clone()
    };

    // "Refresh now" inside the cool-down (the known defect): 429, a toast, nothing to swap.
    let res = htmx(&format!("/instagram/accounts/{mine}/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let t = toast(&res);
    assert_eq!(t["kind"], "error");
    assert!(t["message"].as_str().unwrap().contains("Wait"), "{t}");
    assert_eq!(res.text().await.unwrap(), "", "no page to swap in");
    // Without htmx the same button (a plain form) goes back with a flash.
    let res = browser
        .post(app.url(&format!("/instagram/accounts/{mine}/refresh")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Another workspace's account: 404 as a toast (no existence leak, no page).
    let res = htmx(&format!("/instagram/accounts/{theirs}/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(toast(&res)["kind"], "error");
    assert_eq!(res.text().await.unwrap(), "");

    // A form answered with a whole page and 422 (its inline errors): not swapped, a toast.
    let res = htmx("/instagram/tracked")
        .form(&[("username", ""), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    toast(&res);
    assert_eq!(res.text().await.unwrap(), "");

    // Cross-site: 403 as a toast.
    let res = htmx(&format!("/instagram/accounts/{mine}/refresh"))
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        toast(&res)["message"]
            .as_str()
            .unwrap()
            .contains("Cross-site")
    );

    // An unknown path asked by htmx: 404 toast.
    let res = browser
        .get(app.url("/no/such/fragment"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    toast(&res);

    // A redirect (the answer to a form POST) becomes a whole-page visit, flash and all.
    let workspace_b_slug = {
        let html = browser
            .get(app.url("/home"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = html.find("name=\"slug\" value=\"").unwrap() + 19;
        html[at..].split('"').next().unwrap().to_string()
    };
    let res = htmx("/workspaces/switch")
        .form(&[("slug", workspace_b_slug.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["hx-redirect"], "/home");
    assert!(res.headers().get("location").is_none());
    assert!(
        res.headers().contains_key("set-cookie"),
        "the flash travels along"
    );
    assert_eq!(res.text().await.unwrap(), "");

    // Signed out: htmx is sent to the sign-in page as a whole page.
    let res = app
        .browser()
        .post(app.url(&format!("/instagram/accounts/{mine}/refresh")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.headers()["hx-redirect"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
}

#[tokio::test]
async fn not_found_is_said_once_in_the_visitors_own_shell() {
    let app = app().await;
    let (ws_a, _) = signup(&app.base, "a@example.com", "Agency A").await;
    let (ws_b, _) = signup(&app.base, "b@example.com", "Agency B").await;
    demo_account(&app, ws_a, "demo.travel.mia").await;
    let theirs = demo_account(&app, ws_b, "demo.travel.bob").await;

    // A visitor: the simple header.
    let res = app
        .browser()
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"site-header\""));
    assert!(!html.contains("class=\"sidebar\""));
    assert_eq!(
        html.matches("Not found").count(),
        2,
        "<title> and <h1>: {html}"
    );

    // Signed in: the sidebar with the workspace and its navigation, on unknown paths and on
    // another workspace's record alike.
    let browser = signed_in(&app, "a@example.com").await;
    for path in [
        "/no/such/page".to_string(),
        format!("/instagram/accounts/{theirs}"),
    ] {
        let res = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("class=\"sidebar\""),
            "{path}: signed-in shell"
        );
        assert!(html.contains("Agency A"), "{path}: the workspace");
        assert!(!html.contains("Agency B"), "{path}: nothing of the other");
        for entry in platform::feature::nav(&growthdeck::features()) {
            assert!(
                html.contains(&format!("href=\"{}\"", entry.href)),
                "{path}: {}",
                entry.label
            );
        }
        assert_eq!(html.matches("Not found").count(), 2, "{path}");
        assert!(html.contains("Back to your workspace"));
    }
}

#[tokio::test]
async fn favicon_is_served() {
    let app = app().await;
    let res = client().get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/x-icon");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");
    let svg = platform::web::assets::assets().favicon.clone();
    let res = client().get(app.url(&svg)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    // Pages name both.
    let html = client()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/favicon.ico\""));
    assert!(html.contains(&svg));
}
