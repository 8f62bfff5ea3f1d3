//! API clients of the social-data service in the back office: created through the admin API
//! (the key in that answer once, stored hashed, working on the public API), rotated with an
//! overlap, revoked key by key or whole, usage per key per day, every action audited without
//! the key; the pages list clients, show a new key once and chart each key's usage.

use platform::{staff::StaffRole, testkit::TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{app, staff, staff_browser, staff_token};

async fn public(app: &TestApp, key: &str) -> StatusCode {
    app.api()
        .get(app.url("/api/v1/social/instagram/demo.admin.test"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn staff_create_rotate_and_revoke_clients_through_the_api() {
    let app = app().await;
    let login = staff(&app, "support@staff.example", StaffRole::Support).await;
    let token = staff_token(&app, &login).await;
    let api = |method: reqwest::Method, path: &str| {
        app.api().request(method, app.url(path)).bearer_auth(&token)
    };

    let res = api(reqwest::Method::POST, "/api/v1/admin/api-clients")
        .json(&json!({ "name": "Acme Analytics", "tier": "starter", "requests_per_month": 5000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("gdk_"));
    assert!(key.starts_with(created["key_prefix"].as_str().unwrap()));
    assert_eq!(public(&app, &key).await, StatusCode::OK);

    let detail: Value = api(
        reqwest::Method::GET,
        &format!("/api/v1/admin/api-clients/{id}"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        !detail.to_string().contains(&key),
        "the key is never shown again"
    );
    assert_eq!(detail["tier"], "starter");
    assert_eq!(detail["limits"]["requests_per_minute"], 60);
    assert_eq!(detail["limits"]["requests_per_month"], 5000);
    assert_eq!(detail["keys"][0]["state"], "active");
    assert_eq!(detail["requests_today"], 1);
    assert!(!detail["keys"][0]["last_used_at"].is_null());

    // Invalid input is a field error.
    let res = api(reqwest::Method::POST, "/api/v1/admin/api-clients")
        .json(&json!({ "name": " ", "tier": "pro" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api(reqwest::Method::POST, "/api/v1/admin/api-clients")
        .json(&json!({ "name": "X", "tier": "platinum" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Rotation: both keys work during the overlap.
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/api-clients/{id}/keys"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let rotated: Value = res.json().await.unwrap();
    let new_key = rotated["key"].as_str().unwrap().to_string();
    let until: chrono::DateTime<chrono::Utc> = rotated["previous_keys_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let hours = (until - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");
    assert_eq!(public(&app, &key).await, StatusCode::OK);
    assert_eq!(public(&app, &new_key).await, StatusCode::OK);
    let detail: Value = api(
        reqwest::Method::GET,
        &format!("/api/v1/admin/api-clients/{id}"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let states: Vec<&str> = detail["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["active", "expiring"]);
    let old_id = detail["keys"][1]["id"].as_str().unwrap().to_string();

    // Usage per key per day (counted in memory, written within a second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let usage = loop {
        let usage: Value = api(
            reqwest::Method::GET,
            &format!("/api/v1/admin/api-clients/{id}/usage?days=7"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        if usage["requests_today"] == 3 || std::time::Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(usage["requests_today"], 3);
    let per_key: Vec<u64> = usage["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            assert_eq!(k["days"].as_array().unwrap().len(), 7);
            k["days"][6]["requests"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(per_key, vec![1, 2], "new key once, old key twice, today");

    // Revoke the old key now, then the client.
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/api-clients/{id}/keys/{old_id}/revoke"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(public(&app, &key).await, StatusCode::UNAUTHORIZED);
    assert_eq!(public(&app, &new_key).await, StatusCode::OK);
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/api-clients/{id}/revoke"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "revoked");
    assert_eq!(public(&app, &new_key).await, StatusCode::UNAUTHORIZED);
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/api-clients/{id}/keys"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "no new keys for a revoked client"
    );

    // Every action is in the activity log, by whom, never with a key.
    for action in [
        "api_client.created",
        "api_client.key_rotated",
        "api_client.key_revoked",
        "api_client.revoked",
    ] {
        let events = platform::audit::by_action(&app.state.db, action)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{action}");
        let text = format!("{events:?}");
        assert!(text.contains("support@staff.example"), "{action}");
        assert!(!text.contains(&key) && !text.contains(&new_key), "{action}");
    }

    // Another client is listed with its own figures.
    let list: Value = api(reqwest::Method::GET, "/api/v1/admin/api-clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["working_keys"], 0);
}

#[tokio::test]
async fn the_pages_show_a_new_key_once_and_chart_usage_per_key() {
    let app = app().await;
    let login = staff(&app, "root@staff.example", StaffRole::SuperAdmin).await;
    let browser = staff_browser(&app, &login).await;

    let page = browser
        .get(app.url("/admin/api-clients"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Add a client") && page.contains("href=\"/admin/api-clients\""));

    let res = browser
        .post(app.url("/admin/api-clients"))
        .form(&[
            ("name", "Pages Co"),
            ("tier", "pro"),
            ("requests_per_minute", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let shown = res.text().await.unwrap();
    let key = shown
        .split("<code id=\"api-key\">")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .unwrap()
        .to_string();
    assert!(key.starts_with("gdk_"));
    assert_eq!(public(&app, &key).await, StatusCode::OK);

    let list = browser
        .get(app.url("/admin/api-clients"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Pages Co"));
    let id = list
        .split("href=\"/admin/api-clients/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let detail = browser
        .get(app.url(&format!("/admin/api-clients/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!detail.contains(&key), "the key is not shown again");
    assert!(detail.contains(&key[..12]), "its prefix is");
    assert!(detail.contains("<svg"), "a usage chart per key");
    assert!(detail.contains("1 in all"));

    // Rotating from the page shows the new key once and keeps the old one for the overlap.
    let res = browser
        .post(app.url(&format!("/admin/api-clients/{id}/rotate")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.text().await.unwrap().contains("keep working until"));
    assert_eq!(public(&app, &key).await, StatusCode::OK);

    // Invalid form input comes back as field errors on the list page.
    let res = browser
        .post(app.url("/admin/api-clients"))
        .form(&[
            ("name", ""),
            ("tier", "pro"),
            ("requests_per_month", "lots"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The role table on the Staff page names the new permission.
    let staff_page = browser
        .get(app.url("/admin/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_page.contains("API clients of the social-data service"));
    let nav = browser
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(nav.contains("href=\"/admin/api-clients\""));
}
