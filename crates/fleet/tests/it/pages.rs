//! The accounts, review, workers and settings pages and their JSON API: rendering, acting as a
//! worker from a page, settings validation, the plan gate, and the cross-tenant sweep.

use platform::{
    Scope,
    testkit::cross_tenant::{Sweep, api_routes, page_routes},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{accounts, app, customer, queue, set_settings, worker};

#[tokio::test]
async fn the_pages_render_and_an_owner_can_act_as_the_worker() {
    let app = app().await;
    let (token, ws) = customer(&app, "owner@example.com", "Owner Agency").await;
    set_settings(&app, ws, 2, 3, 600).await;
    let ids = accounts(&app, ws, "page", 2, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    worker(&app, ws, "desk phone").await;
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    for path in [
        "/fleet/accounts".to_string(),
        "/fleet/accounts?state=proxy_assigned&q=page".to_string(),
        format!("/fleet/accounts/{}", ids[0]),
        "/fleet/review".to_string(),
        "/fleet/workers".to_string(),
        "/fleet/settings".to_string(),
    ] {
        let res = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("hunter2"),
            "{path} shows no password unasked"
        );
    }
    // Take the due task from the account's page: the password shows, and it is recorded.
    let res = browser
        .post(app.url(&format!("/fleet/accounts/{}/take", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(app.url(&format!("/fleet/accounts/{}", ids[0])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("hunter2"),
        "the operator holding the task sees the password"
    );
    assert!(page.contains("Credentials shown"), "the timeline says so");
    let detail: Value = app
        .api()
        .get(app.url(&format!("/api/v1/fleet/accounts/{}", ids[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["account"]["state"], "warming_up");
    let task_id = detail["steps"][0]["id"].as_str().unwrap().to_string();
    assert!(
        !detail.to_string().contains("hunter2"),
        "the API never returns the password here"
    );
    // Mark it failed (retryable), then take the retry and mark it done: step 2 is queued.
    let res = browser
        .post(app.url(&format!(
            "/fleet/accounts/{}/tasks/{task_id}/failed",
            ids[0]
        )))
        .form(&[
            ("error_message", "The phone lost Wi-Fi"),
            ("retryable", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    browser
        .post(app.url(&format!("/fleet/accounts/{}/take", ids[0])))
        .send()
        .await
        .unwrap();
    let detail: Value = app
        .api()
        .get(app.url(&format!("/api/v1/fleet/accounts/{}", ids[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let retry_id = detail["steps"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(detail["steps"][0]["status"], "in_progress");
    assert_eq!(detail["steps"][1]["error_message"], "The phone lost Wi-Fi");
    let res = browser
        .post(app.url(&format!("/fleet/accounts/{}/tasks/{retry_id}/done", ids[0])))
        .form(&[("execution_time_ms", "4,500")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let detail: Value = app
        .api()
        .get(app.url(&format!("/api/v1/fleet/accounts/{}", ids[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["account"]["warmup_step"], 2);
    assert_eq!(detail["steps"][1]["execution_time_ms"], 4500);
    // Marking the finished task again is refused and changes nothing.
    let res = browser
        .post(app.url(&format!("/fleet/accounts/{}/tasks/{retry_id}/done", ids[0])))
        .header("HX-Request", "true")
        .form(&[("execution_time_ms", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.headers().contains_key("hx-trigger"),
        "an htmx failure is a toast"
    );
}

#[tokio::test]
async fn settings_are_checked_field_by_field() {
    let app = app().await;
    let (token, _) = customer(&app, "owner@example.com", "Owner Agency").await;
    let put = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let res = app
                .api()
                .put(app.url("/api/v1/fleet/settings"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, p) = put(json!({
        "steps": [{"name": "Bad Name", "label": "", "image_kind": "video", "text_kind": null, "days_after": 31}],
        "max_retries": 11, "retry_backoff_secs": -1, "lease_secs": 1,
        "time_zone": "Mars/Olympus", "proxy_check_url": "ftp://x"
    }))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "steps",
        "max_retries",
        "retry_backoff_secs",
        "lease_secs",
        "time_zone",
        "proxy_check_url",
    ] {
        assert!(fields.contains(&f), "{f}: {p}");
    }
    let (status, s) = put(json!({
        "steps": [
            {"name": "change_pfp", "label": "Change picture", "image_kind": "pfp", "text_kind": null, "days_after": 0},
            {"name": "post_post", "label": "First post", "image_kind": "post", "text_kind": "post", "days_after": 2}
        ],
        "max_retries": 2, "retry_backoff_secs": 60, "lease_secs": 120,
        "time_zone": "Europe/Berlin", "proxy_check_url": "https://example.com/"
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let got: Value = app
        .api()
        .get(app.url("/api/v1/fleet/settings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["steps"].as_array().unwrap().len(), 2);
    assert_eq!(got["time_zone"], "Europe/Berlin");
    // The page form: a bad line is named, nothing saved.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let res = browser
        .post(app.url("/fleet/settings"))
        .form(&[
            ("steps", "only | three | parts"),
            ("max_retries", "2"),
            ("retry_backoff_secs", "60"),
            ("lease_secs", "120"),
            ("time_zone", "UTC"),
            ("proxy_check_url", "https://example.com/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Line 1"));
}

#[tokio::test]
async fn due_steps_wait_for_their_calendar_day_in_the_workspace_zone() {
    use chrono::{TimeZone, Utc};
    let zone: chrono_tz::Tz = "America/New_York".parse().unwrap();
    // 23:30 in New York on 5 March is 04:30 UTC on 6 March; one day later is midnight of
    // 6 March in New York (05:00 UTC), not 7 March.
    let at = Utc.with_ymd_and_hms(2026, 3, 6, 4, 30, 0).unwrap();
    let due = fleet::service::tasks::due_after(at, 1, zone);
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 6, 5, 0, 0).unwrap());
    assert_eq!(fleet::service::tasks::due_after(at, 0, zone), at);
    // Across the spring-forward night (8 March 2026): midnight is still 05:00 UTC (EST).
    let due = fleet::service::tasks::due_after(
        Utc.with_ymd_and_hms(2026, 3, 8, 12, 0, 0).unwrap(),
        1,
        zone,
    );
    assert_eq!(
        due,
        Utc.with_ymd_and_hms(2026, 3, 9, 4, 0, 0).unwrap(),
        "EDT from the 8th"
    );
}

#[tokio::test]
async fn a_plan_without_the_fleet_is_told_which_plan_has_it() {
    let app = app().await;
    let (token, ws) = customer(&app, "small@example.com", "Small").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    let res = app
        .api()
        .get(app.url("/api/v1/fleet/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    let browser = identity::testkit::browser(&app, "small@example.com").await;
    let res = browser
        .get(app.url("/fleet/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    assert!(res.text().await.unwrap().contains("Enterprise"));
}

#[tokio::test]
async fn another_workspaces_accounts_tasks_and_workers_are_not_found() {
    let app = app().await;
    let (alice, _) = customer(&app, "alice@example.com", "Alice Agency").await;
    let (bob, bob_ws) = customer(&app, "bob@example.com", "Bob Agency").await;
    set_settings(&app, bob_ws, 2, 3, 600).await;
    let ids = accounts(&app, bob_ws, "bob", 1, "proxy_assigned").await;
    queue(&app, bob_ws, &ids).await;
    let (bob_worker, _) = worker(&app, bob_ws, "bob phone").await;
    let task = fleet::service::tasks::of_account(&app.state.db, &Scope::for_test(bob_ws), ids[0])
        .await
        .unwrap()
        .remove(0);
    let witness = format!("/api/v1/fleet/accounts/{}", ids[0]);

    let (_, doc) = fleet::web::api::openapi_router().split_for_parts();
    let calls = Sweep::new(&app, &alice, &bob, &[witness.as_str()])
        .id("accounts/{id}", ids[0])
        .id("workers/{id}", bob_worker)
        .json(
            Method::POST,
            "/api/v1/fleet/accounts/{id}/review",
            json!({"action": "reset"}),
        )
        .run(&api_routes(&doc))
        .await;
    assert_eq!(calls.len(), 3, "every id-taking operation: {calls:#?}");

    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let mine = ["/fleet/accounts/", "/fleet/workers/"];
    let pages: Vec<_> = page_routes(&fleet::feature())
        .into_iter()
        .filter(|r| mine.iter().any(|m| r.template.starts_with(m)))
        .collect();
    let calls = Sweep::new(&app, &alice, &bob, &[witness.as_str()])
        .browser(alice_browser)
        .id("accounts/{id}", ids[0])
        .id("tasks/{task_id}", task.id)
        .id("workers/{id}", bob_worker)
        .form(
            Method::POST,
            "/fleet/accounts/{id}/tasks/{task_id}/done",
            &[("execution_time_ms", "1")],
        )
        .form(
            Method::POST,
            "/fleet/accounts/{id}/review",
            &[("action", "reset")],
        )
        .form(
            Method::POST,
            "/fleet/accounts/{id}/tasks/{task_id}/failed",
            &[("error_message", "x")],
        )
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 6, "every id-taking page: {calls:#?}");
    // Bob's account and worker are as they were.
    let a = fleet::service::accounts::find_in(&app.state.db, &Scope::for_test(bob_ws), ids[0])
        .await
        .unwrap();
    assert_eq!(
        (a.state.as_str(), a.warmup_step),
        ("proxy_assigned", Some(1))
    );
    let w = fleet::service::workers::find_in(&app.state.db, &Scope::for_test(bob_ws), bob_worker)
        .await
        .unwrap();
    assert!(w.revoked_at.is_none());
}
