//! The fleet dashboard and its figures: exact counts, rates, percentiles and error classes on
//! the JSON and the CSV from rows written with known values; windows; the plan gate; the page
//! empty and filled.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use fleet::model::{account, proxy, task, worker};
use platform::testkit::TestApp;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{app, customer};

async fn add_account(
    db: &DatabaseConnection,
    ws: Uuid,
    username: &str,
    state: &str,
    created_at: DateTime<Utc>,
    ready_at: Option<DateTime<Utc>>,
) -> Uuid {
    let id = Uuid::now_v7();
    account::Entity::insert(account::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws),
        username: Set(username.into()),
        username_lower: Set(username.to_lowercase()),
        password_enc: Set("sealed".into()),
        email: Set(format!("{username}@example.com")),
        email_password_enc: Set(None),
        extra: Set(json!({})),
        state: Set(state.into()),
        warmup_step: Set(None),
        warmup_started_at: Set(None),
        warmup_completed_at: Set(ready_at),
        persona_id: Set(None),
        assigned_to_persona_at: Set(None),
        proxy_id: Set(None),
        proxy_assigned_at: Set(None),
        last_worker_id: Set(None),
        last_worker_action_at: Set(None),
        requires_human_review: Set(state == "human_review"),
        last_error_message: Set(None),
        last_error_at: Set(None),
        retry_count: Set(0),
        import_id: Set(None),
        created_at: Set(created_at),
        updated_at: Set(created_at),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    id
}

#[allow(clippy::too_many_arguments)]
async fn add_proxy(
    db: &DatabaseConnection,
    ws: Uuid,
    host: &str,
    status: &str,
    max_accounts: i32,
    account_count: i32,
    cost_minor: i64,
    currency: &str,
) {
    let now = platform::db::now();
    proxy::Entity::insert(proxy::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        kind: Set("http".into()),
        host: Set(host.into()),
        port: Set(8080),
        username: Set(String::new()),
        password_enc: Set(None),
        provider: Set("Acme proxies".into()),
        location: Set("DE".into()),
        monthly_cost_minor: Set(cost_minor),
        currency: Set(currency.into()),
        status: Set(status.into()),
        max_accounts: Set(max_accounts),
        account_count: Set(account_count),
        last_tested_at: Set(None),
        last_test_ok: Set(None),
        last_latency_ms: Set(None),
        last_test_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
}

async fn add_worker(
    db: &DatabaseConnection,
    ws: Uuid,
    name: &str,
    last_seen_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
) -> Uuid {
    let id = Uuid::now_v7();
    worker::Entity::insert(worker::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws),
        name: Set(name.into()),
        token_hash: Set(format!("{:064x}", id.as_u128())),
        token_prefix: Set("gdw_test".into()),
        status: Set("idle".into()),
        current_task_id: Set(None),
        last_seen_at: Set(last_seen_at),
        created_by: Set(None),
        created_at: Set(platform::db::now() - Duration::days(60)),
        revoked_at: Set(revoked_at),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    id
}

/// One attempt of a step.
struct Attempt {
    kind: &'static str,
    step: i32,
    status: &'static str,
    ended: Option<DateTime<Utc>>,
    ms: Option<i64>,
    error: Option<&'static str>,
    worker: Option<Uuid>,
}

async fn add_task(db: &DatabaseConnection, ws: Uuid, account_id: Uuid, a: &Attempt) {
    let label = match (a.kind, a.step) {
        ("cleanup", _) => "Reset the bio",
        (_, 1) => "Change profile picture",
        (_, 2) => "Change bio",
        _ => "Another step",
    };
    let created = a.ended.unwrap_or_else(platform::db::now) - Duration::minutes(5);
    task::Entity::insert(task::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        account_id: Set(account_id),
        kind: Set(a.kind.into()),
        step_number: Set(a.step),
        step_name: Set(format!("step_{}", a.step)),
        step_label: Set(label.into()),
        image_kind: Set(None),
        text_kind: Set(None),
        status: Set(a.status.into()),
        due_at: Set(created),
        retry_count: Set(0),
        worker_id: Set(a.worker),
        worker_session_id: Set(None),
        lease_expires_at: Set(None),
        claims: Set(i32::from(a.worker.is_some())),
        started_at: Set(a.ended.map(|t| t - Duration::minutes(1))),
        completed_at: Set(a.ended),
        content_used: Set(None),
        error_message: Set(a.error.map(str::to_string)),
        error_details: Set(None),
        execution_time_ms: Set(a.ms),
        instagram_response: Set(None),
        created_at: Set(created),
        updated_at: Set(created),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
}

fn attempt(
    kind: &'static str,
    step: i32,
    status: &'static str,
    ended: Option<DateTime<Utc>>,
    ms: Option<i64>,
    error: Option<&'static str>,
    worker: Option<Uuid>,
) -> Attempt {
    Attempt {
        kind,
        step,
        status,
        ended,
        ms,
        error,
        worker,
    }
}

/// Writes the known fleet of workspace `ws` (see the expectations in
/// [`figures_are_exact_on_the_json_and_the_csv`]).
async fn seed(db: &DatabaseConnection, ws: Uuid, now: DateTime<Utc>) {
    let d = Duration::days;
    let h = Duration::hours;
    for (name, state) in [
        ("imp1", "imported"),
        ("imp2", "imported"),
        ("pa1", "proxy_assigned"),
    ] {
        add_account(db, ws, name, state, now - d(1), None).await;
    }
    let mut warming = Vec::new();
    for name in ["wu1", "wu2", "wu3"] {
        warming.push(add_account(db, ws, name, "warming_up", now - d(2), None).await);
    }
    add_account(db, ws, "hr1", "human_review", now - d(2), None).await;
    add_account(db, ws, "rd1", "ready", now - d(5), Some(now - d(1))).await;
    add_account(db, ws, "rd2", "ready", now - d(6), Some(now - d(4))).await;
    add_account(db, ws, "ac1", "active", now - d(3), Some(now - d(2))).await;
    add_account(db, ws, "old1", "ready", now - d(40), Some(now - d(38))).await;

    add_proxy(db, ws, "p1.example.net", "active", 3, 2, 1500, "USD").await;
    add_proxy(db, ws, "p2.example.net", "active", 3, 3, 1500, "usd").await;
    add_proxy(db, ws, "p3.example.net", "inactive", 3, 0, 1000, "EUR").await;

    let w1 = add_worker(db, ws, "Phone A", Some(now - Duration::seconds(30)), None).await;
    let w2 = add_worker(db, ws, "Phone B", Some(now - h(1)), None).await;
    let w3 = add_worker(db, ws, "Old phone", Some(now - d(10)), Some(now - d(10))).await;

    let (w, c) = ("warmup", "cleanup");
    let mut attempts = Vec::new();
    for i in 1..=10i64 {
        let ended = if i <= 4 { now - h(1) } else { now - d(3) };
        attempts.push(attempt(
            w,
            1,
            "completed",
            Some(ended),
            Some(i * 100),
            None,
            Some(w1),
        ));
    }
    attempts.extend([
        attempt(
            w,
            1,
            "failed",
            Some(now - h(2)),
            None,
            Some("Login failed: wrong password"),
            Some(w1),
        ),
        attempt(
            w,
            1,
            "failed",
            Some(now - d(2)),
            None,
            Some("Login failed: wrong password"),
            Some(w1),
        ),
        attempt(
            w,
            1,
            "failed",
            Some(now - d(3)),
            None,
            Some("Proxy timeout"),
            Some(w1),
        ),
        attempt(
            w,
            1,
            "requires_review",
            Some(now - h(1)),
            None,
            Some("challenge_required"),
            Some(w2),
        ),
        attempt(w, 1, "skipped", Some(now - d(1)), None, None, None),
        // Outside a 30-day window, inside a 90-day one.
        attempt(
            w,
            1,
            "completed",
            Some(now - d(40)),
            Some(99_999),
            None,
            Some(w3),
        ),
        // Open or cancelled: not attempts.
        attempt(w, 1, "pending", None, None, None, None),
        attempt(w, 1, "in_progress", None, None, None, Some(w1)),
        attempt(w, 1, "cancelled", None, None, None, None),
        attempt(
            w,
            2,
            "completed",
            Some(now - h(5)),
            Some(2000),
            None,
            Some(w2),
        ),
        // Marked done by hand: completed, without a time.
        attempt(w, 2, "completed", Some(now - h(5)), None, None, None),
        attempt(
            w,
            2,
            "failed",
            Some(now - h(3)),
            None,
            Some("Action blocked, try again later"),
            Some(w2),
        ),
        attempt(
            c,
            1,
            "requires_review",
            Some(now - h(4)),
            None,
            Some("Image not found"),
            Some(w2),
        ),
        attempt(c, 1, "completed", Some(now - h(2)), None, None, Some(w1)),
    ]);
    for (i, a) in attempts.iter().enumerate() {
        add_task(db, ws, warming[i % warming.len()], a).await;
    }
}

/// Another workspace's fleet: none of it may show in the first one's figures.
async fn seed_other(db: &DatabaseConnection, ws: Uuid, now: DateTime<Utc>) {
    let a = add_account(
        db,
        ws,
        "elsewhere",
        "ready",
        now - Duration::days(2),
        Some(now - Duration::days(1)),
    )
    .await;
    add_proxy(db, ws, "other.example.net", "active", 5, 1, 999, "USD").await;
    let w = add_worker(db, ws, "Foreign phone", Some(now), None).await;
    add_task(
        db,
        ws,
        a,
        &attempt(
            "warmup",
            1,
            "failed",
            Some(now - Duration::hours(1)),
            None,
            Some("Login failed"),
            Some(w),
        ),
    )
    .await;
    add_task(
        db,
        ws,
        a,
        &attempt(
            "warmup",
            1,
            "completed",
            Some(now - Duration::hours(1)),
            Some(5),
            None,
            Some(w),
        ),
    )
    .await;
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app
        .api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The CSV as `(section, key, metric) → value`.
async fn get_csv(
    app: &TestApp,
    token: &str,
    path: &str,
) -> HashMap<(String, String, String), String> {
    let res = app
        .api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"fleet-analytics-")
            && disposition.ends_with("d.csv\""),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["section", "key", "metric", "value"]
    );
    let mut out = HashMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        let key = (r[0].to_string(), r[1].to_string(), r[2].to_string());
        assert!(
            out.insert(key.clone(), r[3].to_string()).is_none(),
            "{key:?} twice"
        );
    }
    out
}

fn cell<'a>(
    csv: &'a HashMap<(String, String, String), String>,
    s: &str,
    k: &str,
    m: &str,
) -> &'a str {
    csv.get(&(s.to_string(), k.to_string(), m.to_string()))
        .unwrap_or_else(|| panic!("no CSV row {s},{k},{m}"))
}

#[tokio::test]
async fn figures_are_exact_on_the_json_and_the_csv() {
    let app = app().await;
    let (token, ws) = customer(&app, "fleet-owner@example.com", "Fleet agency").await;
    let (_, other) = customer(&app, "other-owner@example.com", "Other agency").await;
    let now = platform::db::now();
    seed(&app.state.db, ws, now).await;
    seed_other(&app.state.db, other, now).await;

    let (status, a) = get_json(&app, &token, "/api/v1/fleet/analytics?days=30").await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["source"], "This workspace's fleet records");
    assert_eq!(a["window_days"], 30);
    assert_eq!(a["time_zone"], "UTC");
    let computed: DateTime<Utc> = a["computed_at"].as_str().unwrap().parse().unwrap();
    assert!((computed - Utc::now()).num_seconds().abs() < 60);
    let since: DateTime<Utc> = a["since"].as_str().unwrap().parse().unwrap();
    let first_day = (now - Duration::days(29)).date_naive();
    assert_eq!(since, first_day.and_hms_opt(0, 0, 0).unwrap().and_utc());

    // Accounts per state, every state in lifecycle order.
    assert_eq!(a["accounts_total"], 11);
    let states: Vec<(String, String, i64)> = a["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap().to_string(),
                s["label"].as_str().unwrap().to_string(),
                s["accounts"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, i64)> = [
        ("imported", "Imported", 2),
        ("proxy_assigned", "Proxy assigned", 1),
        ("warming_up", "Warming up", 3),
        ("human_review", "Needs review", 1),
        ("ready", "Ready", 3),
        ("active", "Active in persona", 1),
        ("cleanup", "Cleanup", 0),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
    .collect();
    assert_eq!(states, expected);

    // Warm-up steps: the five configured ones, in order.
    let steps = a["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    assert_eq!(
        steps[0],
        json!({"step_number": 1, "label": "Change profile picture", "attempts": 14,
            "completed": 10, "failed": 4, "skipped": 1, "success_rate_percent": 71.4,
            "timed": 10, "p50_ms": 500, "p90_ms": 900})
    );
    assert_eq!(
        steps[1],
        json!({"step_number": 2, "label": "Change bio", "attempts": 3, "completed": 2,
            "failed": 1, "skipped": 0, "success_rate_percent": 66.7, "timed": 1,
            "p50_ms": 2000, "p90_ms": 2000})
    );
    assert_eq!(
        steps[4],
        json!({"step_number": 5, "label": "Post a post", "attempts": 0, "completed": 0,
            "failed": 0, "skipped": 0, "success_rate_percent": null, "timed": 0,
            "p50_ms": null, "p90_ms": null})
    );

    // Proxies: slots of the active ones; cost of all, one sum per currency.
    assert_eq!(
        a["proxies"],
        json!({"proxies_total": 3, "proxies_active": 2, "slots_total": 6, "slots_used": 5,
            "slots_free": 1, "utilization_percent": 83.3,
            "monthly_cost": [{"minor": 1000, "currency": "EUR"}, {"minor": 3000, "currency": "USD"}]})
    );

    // Workers, by name.
    let workers = a["workers"].as_array().unwrap();
    let names: Vec<&str> = workers
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Old phone", "Phone A", "Phone B"]);
    let pick = |w: &Value| {
        json!({"online": w["online"], "revoked": w["revoked"], "completed": w["completed"],
            "failed": w["failed"], "failure_rate_percent": w["failure_rate_percent"],
            "tasks_last_24h": w["tasks_last_24h"], "tasks_per_hour": w["tasks_per_hour"]})
    };
    assert_eq!(
        pick(&workers[0]),
        json!({"online": false, "revoked": true, "completed": 0, "failed": 0,
            "failure_rate_percent": null, "tasks_last_24h": 0, "tasks_per_hour": 0.0})
    );
    assert_eq!(
        pick(&workers[1]),
        json!({"online": true, "revoked": false, "completed": 11, "failed": 3,
            "failure_rate_percent": 21.4, "tasks_last_24h": 6, "tasks_per_hour": 0.25})
    );
    assert_eq!(
        pick(&workers[2]),
        json!({"online": false, "revoked": false, "completed": 1, "failed": 3,
            "failure_rate_percent": 75.0, "tasks_last_24h": 4, "tasks_per_hour": 0.17})
    );

    // Failures by class: most frequent first, ties in rule order; the latest message each.
    assert_eq!(a["failures_total"], 6);
    let errors: Vec<(String, i64, f64, String)> = a["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["class"].as_str().unwrap().to_string(),
                e["failures"].as_i64().unwrap(),
                e["share_percent"].as_f64().unwrap(),
                e["latest_message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, f64, String)> = [
        ("login", 3, 50.0, "challenge_required"),
        ("network", 1, 16.7, "Proxy timeout"),
        ("rate_limited", 1, 16.7, "Action blocked, try again later"),
        ("missing_content", 1, 16.7, "Image not found"),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_string(), b, c, d.to_string()))
    .collect();
    assert_eq!(errors, expected);
    assert_eq!(a["errors"][0]["label"], "Login or checkpoint");
    let latest: DateTime<Utc> = a["errors"][0]["latest_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(latest, now - Duration::hours(1));

    // Conversion of the accounts imported in the window.
    assert_eq!(
        a["conversion"],
        json!({"imported": 10, "reached_ready": 3, "conversion_percent": 30.0,
            "time_to_ready_p50_secs": 172_800, "time_to_ready_p90_secs": 345_600})
    );

    // Tasks per day: 30 days, oldest first; skipped tasks are not counted.
    let daily = a["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[0]["date"], first_day.to_string());
    assert_eq!(daily[29]["date"], now.date_naive().to_string());
    let sum = |k: &str| daily.iter().map(|d| d[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("completed"), sum("failed")), (13, 6));
    let three_days_ago = (now - Duration::days(3)).date_naive().to_string();
    let day = daily.iter().find(|d| d["date"] == three_days_ago).unwrap();
    assert_eq!(
        (day["completed"].as_i64(), day["failed"].as_i64()),
        (Some(6), Some(1))
    );

    // The CSV says the same.
    let csv = get_csv(&app, &token, "/api/v1/fleet/analytics.csv?days=30").await;
    assert_eq!(
        cell(&csv, "report", "report", "source"),
        "This workspace's fleet records"
    );
    assert_eq!(cell(&csv, "report", "report", "window_days"), "30");
    assert_eq!(cell(&csv, "states", "all", "accounts"), "11");
    assert_eq!(cell(&csv, "states", "warming_up", "accounts"), "3");
    assert_eq!(cell(&csv, "states", "cleanup", "accounts"), "0");
    assert_eq!(cell(&csv, "steps", "1", "label"), "Change profile picture");
    assert_eq!(cell(&csv, "steps", "1", "attempts"), "14");
    assert_eq!(cell(&csv, "steps", "1", "success_rate_percent"), "71.4");
    assert_eq!(cell(&csv, "steps", "1", "p50_ms"), "500");
    assert_eq!(cell(&csv, "steps", "1", "p90_ms"), "900");
    assert_eq!(cell(&csv, "steps", "2", "success_rate_percent"), "66.7");
    assert_eq!(cell(&csv, "steps", "5", "p50_ms"), "");
    assert_eq!(cell(&csv, "proxies", "all", "slots_free"), "1");
    assert_eq!(cell(&csv, "proxies", "all", "utilization_percent"), "83.3");
    assert_eq!(cell(&csv, "proxies", "USD", "monthly_cost_minor"), "3000");
    assert_eq!(cell(&csv, "proxies", "EUR", "monthly_cost_minor"), "1000");
    assert_eq!(cell(&csv, "workers", "Phone A", "completed"), "11");
    assert_eq!(
        cell(&csv, "workers", "Phone A", "failure_rate_percent"),
        "21.4"
    );
    assert_eq!(cell(&csv, "workers", "Phone A", "tasks_per_hour"), "0.25");
    assert_eq!(cell(&csv, "workers", "Phone A", "online"), "true");
    assert_eq!(
        cell(&csv, "workers", "Phone B", "failure_rate_percent"),
        "75"
    );
    assert_eq!(cell(&csv, "errors", "all", "failures"), "6");
    assert_eq!(cell(&csv, "errors", "login", "failures"), "3");
    assert_eq!(cell(&csv, "errors", "login", "share_percent"), "50");
    assert_eq!(
        cell(&csv, "errors", "login", "latest_message"),
        "challenge_required"
    );
    assert_eq!(cell(&csv, "errors", "network", "failures"), "1");
    assert_eq!(cell(&csv, "conversion", "window", "imported"), "10");
    assert_eq!(
        cell(&csv, "conversion", "window", "conversion_percent"),
        "30"
    );
    assert_eq!(
        cell(&csv, "conversion", "window", "time_to_ready_p50_secs"),
        "172800"
    );
    assert_eq!(
        cell(&csv, "conversion", "window", "time_to_ready_p90_secs"),
        "345600"
    );
    assert_eq!(cell(&csv, "daily", &three_days_ago, "completed"), "6");
    assert!(!csv.keys().any(|(_, k, _)| k == "Foreign phone"));

    // A wider window takes in the older rows.
    let (_, a90) = get_json(&app, &token, "/api/v1/fleet/analytics?days=90").await;
    assert_eq!(a90["window_days"], 90);
    assert_eq!(a90["daily"].as_array().unwrap().len(), 90);
    assert_eq!(a90["steps"][0]["completed"], 11);
    assert_eq!(a90["steps"][0]["success_rate_percent"], 73.3);
    assert_eq!(a90["steps"][0]["p50_ms"], 600);
    assert_eq!(a90["steps"][0]["p90_ms"], 1000);
    assert_eq!(
        a90["conversion"],
        json!({"imported": 11, "reached_ready": 4, "conversion_percent": 36.4,
            "time_to_ready_p50_secs": 172_800, "time_to_ready_p90_secs": 345_600})
    );
    // The default window is 30 days.
    let (_, a_default) = get_json(&app, &token, "/api/v1/fleet/analytics").await;
    assert_eq!(a_default["window_days"], 30);
}

#[tokio::test]
async fn another_workspace_sees_only_its_own_fleet() {
    let app = app().await;
    let (_, ws) = customer(&app, "a@example.com", "A agency").await;
    let (token_b, other) = customer(&app, "b@example.com", "B agency").await;
    let now = platform::db::now();
    seed(&app.state.db, ws, now).await;
    seed_other(&app.state.db, other, now).await;
    let (status, b) = get_json(&app, &token_b, "/api/v1/fleet/analytics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["accounts_total"], 1);
    assert_eq!(b["proxies"]["proxies_total"], 1);
    assert_eq!(b["workers"].as_array().unwrap().len(), 1);
    assert_eq!(b["workers"][0]["name"], "Foreign phone");
    assert_eq!(b["failures_total"], 1);
    assert_eq!(b["steps"][0]["attempts"], 2);
    assert_eq!(b["steps"][0]["p50_ms"], 5);
}

#[tokio::test]
async fn a_window_out_of_range_is_a_400_problem() {
    let app = app().await;
    let (token, _) = customer(&app, "window@example.com", "Window agency").await;
    for days in ["0", "91", "365", "-7"] {
        for path in ["/api/v1/fleet/analytics", "/api/v1/fleet/analytics.csv"] {
            let res = app
                .api()
                .get(app.url(&format!("{path}?days={days}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}?days={days}");
            assert_eq!(
                res.headers()["content-type"],
                "application/problem+json",
                "{path}?days={days}"
            );
            let p: Value = res.json().await.unwrap();
            assert_eq!(p["type"], "/problems/bad-request");
            assert_eq!(p["status"], 400);
            assert!(
                p["detail"].as_str().unwrap().contains("1 to 90 days"),
                "{p}"
            );
        }
    }
    // Not a number at all: the parameter is named (422).
    let (status, p) = get_json(&app, &token, "/api/v1/fleet/analytics?days=week").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "days");
    for days in ["1", "7", "90"] {
        let (status, a) = get_json(
            &app,
            &token,
            &format!("/api/v1/fleet/analytics?days={days}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(a["window_days"].to_string(), days);
    }
}

#[tokio::test]
async fn a_plan_without_the_fleet_is_refused() {
    let app = app().await;
    let (token, ws) = customer(&app, "agency@example.com", "Small agency").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    for path in [
        "/api/v1/fleet/analytics",
        "/api/v1/fleet/analytics.csv",
        "/api/v1/fleet/analytics?days=7",
    ] {
        let (status, p) = get_json(&app, &token, path).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{path}: {p}");
        assert_eq!(p["type"], "/problems/feature-not-in-plan", "{p}");
    }
    let browser = identity::testkit::browser(&app, "agency@example.com").await;
    for path in ["/fleet", "/fleet/analytics.csv"] {
        let res = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED, "{path}");
    }
}

#[tokio::test]
async fn the_dashboard_starts_empty_then_shows_the_fleet() {
    let app = app().await;
    let (_, ws) = customer(&app, "pages@example.com", "Pages agency").await;
    let browser = identity::testkit::browser(&app, "pages@example.com").await;

    // A new workspace: first steps, and every fleet page linked.
    let res = browser.get(app.url("/fleet")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Start your fleet"), "{page}");
    for href in [
        "/fleet/accounts",
        "/fleet/review",
        "/fleet/personas",
        "/fleet/proxies",
        "/fleet/import",
        "/fleet/workers",
        "/fleet/content",
        "/fleet/settings",
    ] {
        assert!(page.contains(&format!("href=\"{href}\"")), "{href}");
    }
    assert!(page.contains("Personas (models)"));
    assert!(page.contains(">Account fleet<"), "the sidebar entry");
    assert!(!page.contains("Accounts per state"));

    seed(&app.state.db, ws, platform::db::now()).await;
    let res = browser.get(app.url("/fleet?days=7")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(!page.contains("Start your fleet"));
    for text in [
        "Accounts per state",
        "Warm-up steps",
        "Proxy utilization",
        "Workers",
        "Failures by error class",
        "From import to ready",
        "fleet records, computed",
        "Change profile picture",
        "71.4 %",
        "500 ms",
        "83.3 %",
        "$30.00",
        "€10.00",
        "Phone A",
        "Login or checkpoint",
        "challenge_required",
        "<figure class=\"chart\" id=\"chart-states\"><svg",
        "id=\"chart-daily\"",
        "href=\"/fleet/analytics.csv?days=7\"",
        "aria-current=\"true\">7 days<",
    ] {
        assert!(page.contains(text), "{text:?} missing");
    }
    assert!(!page.contains("style="), "no inline styles under the CSP");

    // A window out of range: said inline, 30 days shown.
    let res = browser
        .get(app.url("/fleet?days=400"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Choose a window of 1 to 90 days"));
    assert!(page.contains("aria-current=\"true\">30 days<"));

    // The page's download.
    let res = browser
        .get(app.url("/fleet/analytics.csv?days=7"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let body = res.text().await.unwrap();
    assert!(body.starts_with("section,key,metric,value\n"));
    assert!(body.contains("report,report,window_days,7\n"));
    let res = browser
        .get(app.url("/fleet/analytics.csv?days=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn the_api_is_documented() {
    let (_, doc) = fleet::web::dashboard::openapi_router().split_for_parts();
    let doc = serde_json::to_value(&doc).unwrap();
    let json_op = &doc["paths"]["/api/v1/fleet/analytics"]["get"];
    assert_eq!(
        json_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/FleetAnalytics"
    );
    for status in ["400", "401", "402", "403", "422"] {
        assert!(
            json_op["responses"][status]["content"]["application/problem+json"].is_object(),
            "{status}"
        );
    }
    let csv_op = &doc["paths"]["/api/v1/fleet/analytics.csv"]["get"];
    assert!(csv_op["responses"]["200"]["content"]["text/csv"].is_object());
    for schema in [
        "FleetAnalytics",
        "FleetStateCount",
        "FleetStepStats",
        "FleetProxyFigures",
        "FleetMoney",
        "FleetWorkerStats",
        "FleetErrorClassCount",
        "FleetConversion",
        "FleetTaskDay",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}
