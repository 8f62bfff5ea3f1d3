//! Competitor analysis through the real router and database: the choice of tracked profiles
//! is saved and validated, the plan caps how many, the figures come with their source, the
//! CSV and PDF downloads work, and another workspace's account is not found on any route.

use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    add_demo, app, customer_in,
    hashtags::{posts_arrived, profile_of_account},
};

async fn track(app: &TestApp, ws: Uuid, username: &str) -> Uuid {
    let t = instagram::service::tracked::track_in(
        &app.state,
        &Scope::for_test(ws),
        username,
        "",
        true,
        None,
    )
    .await
    .unwrap();
    posts_arrived(app, t.profile.id).await;
    t.tracked.id
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.api().request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_account_is_compared_with_its_saved_competitors() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let account = add_demo(&app, &token, "demo.fitness.noah").await;
    posts_arrived(&app, profile_of_account(&app, &account).await).await;
    let hugo = track(&app, ws, "demo.tech.hugo").await;
    let lea = track(&app, ws, "demo.food.lea").await;
    let base = format!("/api/v1/instagram/accounts/{account}/competitors");

    // Nothing saved: the account alone.
    let (status, a) = call(&app, &token, Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(a["days"], 90);

    let (status, a) = call(
        &app,
        &token,
        Method::PUT,
        &base,
        Some(json!({"tracked": [hugo, lea], "days": 180})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let names: Vec<&str> = a["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["demo.fitness.noah", "demo.tech.hugo", "demo.food.lea"]
    );
    let shares: f64 = a["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["engagement_share"].as_f64().unwrap())
        .sum();
    assert!((shares - 100.0).abs() < 1e-6, "{shares}");
    for p in a["profiles"].as_array().unwrap() {
        assert_eq!(p["source"], "demo");
        assert!(p["posts"].as_u64().unwrap() > 0, "{p}");
        assert!(p["weeks"].as_array().unwrap().len() >= 26);
        assert!(!p["media_mix"].as_array().unwrap().is_empty());
    }
    // The demo profiles' tags differ by niche: the others' lifted tags are not the account's.
    for h in a["hashtags"].as_array().unwrap() {
        assert!(h["lift"].as_f64().unwrap() > 1.0);
        assert!(!h["used_by"].to_string().contains("noah"), "{h}");
    }

    // Saved: read back.
    let (_, again) = call(&app, &token, Method::GET, &base, None).await;
    assert_eq!(again["profiles"].as_array().unwrap().len(), 3);
    assert_eq!(again["days"], 180);

    // Bad input.
    for (body, field) in [
        (json!({"tracked": [Uuid::now_v7()]}), "tracked"),
        (json!({"tracked": ["nope"]}), "tracked"),
        (json!({"tracked": [], "days": 5}), "days"),
    ] {
        let (status, v) = call(&app, &token, Method::PUT, &base, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["errors"][0]["field"], field, "{body}: {v}");
    }

    // Exports.
    let res = app
        .api()
        .get(app.url(&format!("{base}/csv")))
        .bearer_auth(&token)
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
    let text = res.text().await.unwrap();
    assert!(text.starts_with("profile,kind,figure,value"));
    assert!(text.contains("demo.tech.hugo,tracked,engagement_share_pct"));
    assert!(text.contains("demo (not real)"));
    let res = app
        .api()
        .get(app.url(&format!("{base}/pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));

    // The page: charts, the saved choice ticked, demo labelled; the form saves.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let page_url = app.url(&format!("/instagram/accounts/{account}/competitors"));
    let html = browser
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<svg"), "charts are drawn");
    assert!(html.contains(&format!(r#"value="{hugo}" checked"#)));
    assert!(html.contains("Demo data"));
    let res = browser
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("tracked={lea}&days=30"))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection() || res.status() == StatusCode::OK,
        "{}",
        res.status()
    );
    let (_, a) = call(&app, &token, Method::GET, &base, None).await;
    assert_eq!(a["profiles"].as_array().unwrap().len(), 2);
    assert_eq!(a["days"], 30);

    // The plan caps the profiles: Starter allows 2.
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "starter",
        "test",
    )
    .await
    .unwrap();
    let third = track(&app, ws, "demo.travel.sofia").await;
    let (status, v) = call(
        &app,
        &token,
        Method::PUT,
        &base,
        Some(json!({"tracked": [hugo, lea, third]})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{v}");
    let (status, _) = call(
        &app,
        &token,
        Method::PUT,
        &base,
        Some(json!({"tracked": [hugo, lea]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn another_workspaces_account_is_not_found() {
    let app = app().await;
    let (alice, alice_ws) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let (bob, _) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let bobs = add_demo(&app, &bob, "demo.fitness.noah").await;
    let alices_tracked = track(&app, alice_ws, "demo.tech.hugo").await;
    let (_, doc) = intelligence::competitors::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(
        page_routes(&intelligence::feature())
            .into_iter()
            .filter(|r| r.template.contains("competitors")),
    );
    let witness = format!("/api/v1/instagram/accounts/{bobs}/audits");
    let tracked = alices_tracked.to_string();
    let calls = Sweep::new(&app, &alice, &bob, &[&witness])
        .browser(alice_browser)
        .id("accounts/{id}", &bobs)
        .json(
            Method::PUT,
            "/api/v1/instagram/accounts/{id}/competitors",
            json!({"tracked": [alices_tracked]}),
        )
        .form(
            Method::POST,
            "/instagram/accounts/{id}/competitors",
            &[("tracked", tracked.as_str()), ("days", "90")],
        )
        .run(&routes)
        .await;
    assert_eq!(calls.len(), 8, "{calls:#?}");
}
