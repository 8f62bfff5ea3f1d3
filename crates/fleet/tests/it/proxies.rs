//! Proxies: CRUD and validation, bulk import counts, the connection test through a local
//! HTTP/SOCKS5 proxy (working, credentials refused, unreachable), the SSRF guard, capacity
//! under parallel assignment, the cross-tenant sweep and the plan gate.

use fleet::{
    model::{account, settings as settings_row},
    service::{
        lifecycle::Actor,
        proxies::{assign, tester::ALLOW_PRIVATE_PROXIES},
    },
};
use platform::testkit::call;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{app, app_with, customer, local_proxy};

async fn add(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, p) = call(
        app,
        token,
        Method::POST,
        "/api/v1/fleet/proxies",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// An imported account inserted directly (as the import would).
async fn insert_account(app: &TestApp, workspace: Uuid, username: &str) -> account::Model {
    let at = platform::db::now();
    account::Entity::insert(account::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace),
        username: Set(username.into()),
        username_lower: Set(username.to_lowercase()),
        password_enc: Set(fleet::service::accounts::seal(&app.state, "pw").unwrap()),
        email: Set(format!("{username}@mail.example")),
        email_password_enc: Set(None),
        extra: Set(json!({})),
        state: Set("imported".into()),
        warmup_step: Set(None),
        warmup_started_at: Set(None),
        warmup_completed_at: Set(None),
        persona_id: Set(None),
        assigned_to_persona_at: Set(None),
        proxy_id: Set(None),
        proxy_assigned_at: Set(None),
        last_worker_id: Set(None),
        last_worker_action_at: Set(None),
        requires_human_review: Set(false),
        last_error_message: Set(None),
        last_error_at: Set(None),
        retry_count: Set(0),
        import_id: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    })
    .exec_with_returning(&app.state.db)
    .await
    .unwrap()
}

/// Points the workspace's proxy check at `url`.
async fn set_check_url(app: &TestApp, workspace: Uuid, url: &str) {
    use sea_orm::sea_query::OnConflict;
    settings_row::Entity::insert(settings_row::ActiveModel {
        workspace_id: Set(workspace),
        steps: Set(serde_json::to_value(fleet::service::settings::default_steps()).unwrap()),
        max_retries: Set(3),
        retry_backoff_secs: Set(300),
        lease_secs: Set(600),
        time_zone: Set("UTC".into()),
        proxy_check_url: Set(url.into()),
        updated_at: Set(platform::db::now()),
    })
    .on_conflict(
        OnConflict::column(settings_row::Column::WorkspaceId)
            .update_column(settings_row::Column::ProxyCheckUrl)
            .to_owned(),
    )
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn proxies_are_added_listed_changed_and_deleted_and_passwords_never_come_back() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops Agency").await;

    // Every wrong field is named.
    let (status, problem) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies",
        Some(json!({"host": "not a host", "port": 0, "kind": "ftp", "currency": "dollars", "max_accounts": 51, "monthly_cost_minor": -5})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            "kind",
            "host",
            "port",
            "monthly_cost_minor",
            "currency",
            "max_accounts"
        ]
    );

    let p = add(
        &app,
        &token,
        json!({"host": "Proxy-1.Example.com", "port": 8080, "username": "user", "password": "hunter2-secret",
               "provider": "Acme", "location": "Germany", "monthly_cost_minor": 450, "currency": "eur"}),
    )
    .await;
    let id = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["host"], "proxy-1.example.com");
    assert_eq!(p["kind"], "http");
    assert_eq!(p["max_accounts"], 3, "capacity defaults to 3");
    assert_eq!(p["status"], "active");
    assert_eq!(p["currency"], "EUR");
    assert_eq!(p["has_password"], true);
    assert!(!p.to_string().contains("hunter2"), "{p}");
    let stored = fleet::model::proxy::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let sealed = stored.password_enc.clone().unwrap();
    assert!(!sealed.contains("hunter2"), "stored encrypted");
    assert_eq!(
        fleet::service::accounts::open(&app.state, &sealed).unwrap(),
        "hunter2-secret"
    );

    // The same endpoint (host in any case, port, username) twice is refused.
    let (status, problem) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies",
        Some(json!({"host": "PROXY-1.example.com", "port": 8080, "username": "user"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["host"]);

    // Cursor pages.
    for i in 2..=4 {
        add(
            &app,
            &token,
            json!({"host": format!("p{i}.example.com"), "port": 3128, "kind": "socks5"}),
        )
        .await;
    }
    let (_, page1) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?limit=3",
        None,
    )
    .await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 3);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/proxies?limit=3&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert!(page2["next_cursor"].is_null());
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?limit=0",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, socks) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?location=GERMANY",
        None,
    )
    .await;
    assert_eq!(
        socks["items"].as_array().unwrap().len(),
        1,
        "location, any case"
    );

    // A change keeps the password unless one is given or cleared.
    let change = |extra: Value| {
        let mut body = json!({"kind": "socks5", "host": "proxy-1.example.com", "port": 1080, "username": "user",
                              "provider": "Acme", "location": "Germany", "monthly_cost_minor": 500,
                              "currency": "EUR", "status": "inactive", "max_accounts": 5});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let (status, changed) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/proxies/{id}"),
        Some(change(json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["port"].as_i64(), changed["has_password"].as_bool()),
        (Some(1080), Some(true))
    );
    assert_eq!(changed["status"], "inactive");
    let (_, cleared) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/proxies/{id}"),
        Some(change(json!({"clear_password": true}))),
    )
    .await;
    assert_eq!(cleared["has_password"], false);

    // Accounts keep a proxy from being deleted, and its capacity from going below them.
    let (_, active) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/proxies/{id}"),
        Some(change(json!({"status": "active"}))),
    )
    .await;
    assert_eq!(active["status"], "active");
    insert_account(&app, ws, "anna_one").await;
    insert_account(&app, ws, "anna_two").await;
    for name in ["anna_one", "@Anna_Two"] {
        let (status, a) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/fleet/proxies/{id}/accounts"),
            Some(json!({"username": name})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!(a["state"], "proxy_assigned", "imported → proxy_assigned");
    }
    let (status, problem) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/proxies/{id}"),
        Some(change(json!({"max_accounts": 1, "status": "active"}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["max_accounts"]);
    let (status, problem) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/fleet/proxies/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (_, on) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/proxies/{id}/accounts"),
        None,
    )
    .await;
    let on = on["items"].as_array().unwrap().clone();
    assert_eq!(on.len(), 2);
    for a in &on {
        let (status, _) = call(
            &app,
            &token,
            Method::DELETE,
            &format!(
                "/api/v1/fleet/proxies/{id}/accounts/{}",
                a["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let left = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(ws))
        .filter(account::Column::State.eq("imported"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 2, "taken off before warm-up: back to imported");

    // The pages show it, say only whether a password is set, and answer a bad form inline.
    let browser = identity::testkit::browser(&app, "ops@example.com").await;
    let html = browser
        .get(app.url("/fleet/proxies"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("proxy-1.example.com:1080"), "{html}");
    assert!(html.contains("Free slots"));
    let html = browser
        .get(app.url(&format!("/fleet/proxies/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Not set") && !html.contains("hunter2"));
    let res = browser
        .post(app.url("/fleet/proxies"))
        .form(&[
            ("kind", "http"),
            ("host", "p9.example.com"),
            ("port", "eighty"),
            ("password", "topsecret"),
            ("currency", "USD"),
            ("status", "active"),
            ("max_accounts", "3"),
            ("monthly_cost", "12,50"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("port-error") && !html.contains("topsecret"),
        "inline error, password not echoed"
    );
    let res = browser
        .post(app.url("/fleet/proxies"))
        .form(&[
            ("kind", "http"),
            ("host", "p9.example.com"),
            ("port", "80"),
            ("currency", "USD"),
            ("status", "active"),
            ("max_accounts", "3"),
            ("monthly_cost", "12,50"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, all) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?location=",
        None,
    )
    .await;
    let p9 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["host"] == "p9.example.com")
        .unwrap()
        .clone();
    assert_eq!(p9["monthly_cost_minor"], 1250);

    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/fleet/proxies/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/proxies/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bulk_import_counts_added_duplicate_and_invalid_lines_and_adds_nothing_twice() {
    let app = app().await;
    let (token, _) = customer(&app, "ops@example.com", "Ops Agency").await;
    let text = "# rented in May\n\n203.0.113.1:8080:user:pa:ss\n203.0.113.2:8080\nsocks5://u:p@203.0.113.3:1080\n203.0.113.1:8080:user:other\nnot-a-proxy\n203.0.113.4:99999\n";
    let (status, r) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies/import",
        Some(json!({"text": text})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["lines"].as_u64(),
            r["inserted"].as_u64(),
            r["duplicates"].as_u64(),
            r["invalid"].as_u64()
        ),
        (Some(6), Some(3), Some(1), Some(2)),
        "{r}"
    );
    let issues: Vec<(u64, String)> = r["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        [
            (6, "duplicate".into()),
            (7, "invalid".into()),
            (8, "invalid".into())
        ]
    );
    assert!(
        r["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 3")
    );

    let (_, again) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies/import",
        Some(json!({"text": text})),
    )
    .await;
    assert_eq!(
        (
            again["inserted"].as_u64(),
            again["duplicates"].as_u64(),
            again["invalid"].as_u64()
        ),
        (Some(0), Some(4), Some(2)),
        "re-importing changes nothing: {again}"
    );

    let csv = "host,port,username,password,provider,location,monthly_cost,currency,kind,max_accounts\n198.51.100.1,3128,u,p,Acme,Germany,12.50,EUR,socks5,4\n198.51.100.2,3128,,,Acme,France,3,,,\n198.51.100.3,x,,,Acme,France,3,,,\n";
    let (_, r) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies/import",
        Some(json!({"text": csv})),
    )
    .await;
    assert_eq!(
        (r["inserted"].as_u64(), r["invalid"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    assert_eq!(r["issues"][0]["line"], 4);
    let (_, de) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?location=germany",
        None,
    )
    .await;
    let de = &de["items"][0];
    assert_eq!(
        (
            de["kind"].as_str(),
            de["monthly_cost_minor"].as_i64(),
            de["currency"].as_str(),
            de["max_accounts"].as_i64(),
            de["has_password"].as_bool()
        ),
        (Some("socks5"), Some(1250), Some("EUR"), Some(4), Some(true))
    );

    let (status, problem) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies/import",
        Some(json!({"text": "host,port,colour\nh.example,1,red"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["text"]);

    // The page imports too, and shows the report with line numbers.
    let browser = identity::testkit::browser(&app, "ops@example.com").await;
    let res = browser
        .post(app.url("/fleet/proxies/import"))
        .form(&[
            ("text", "192.0.2.50:8000\n192.0.2.50:8000\nbroken"),
            ("kind", "http"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Import finished") && html.contains("1 added"),
        "{html}"
    );
    assert!(html.contains("import-issues"));

    // A chosen file (multipart, as the page's form sends it) is imported instead of the box.
    let body = "--gdB\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n--gdB\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nsocks5\r\n--gdB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\nhost,port,location\r\n192.0.2.60,1080,Spain\r\n\r\n--gdB--\r\n";
    let res = browser
        .post(app.url("/fleet/proxies/import"))
        .header("content-type", "multipart/form-data; boundary=gdB")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("1 added"), "{html}");
    let (_, es) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies?location=spain",
        None,
    )
    .await;
    assert_eq!(es["items"][0]["kind"], "socks5", "{es}");

    let (_, u) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies/utilization",
        None,
    )
    .await;
    assert_eq!(u["proxies"], 7);
    assert_eq!(u["free"], 3 * 6 + 4, "{u}");
}

struct Proxies {
    plain: local_proxy::LocalProxy,
    check: std::net::SocketAddr,
}

async fn proxies_and_check() -> Proxies {
    Proxies {
        plain: local_proxy::start(Some(("agent".into(), "s3cret:pass".into()))).await,
        check: local_proxy::check_server().await,
    }
}

async fn test_proxy(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, t) = call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/fleet/proxies/{id}/test"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t
}

#[tokio::test]
async fn a_test_connects_through_http_and_socks5_proxies_and_records_the_result() {
    let app = app_with(|c| c.set(&ALLOW_PRIVATE_PROXIES, true)).await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops Agency").await;
    let local = proxies_and_check().await;
    let port = local.plain.port();
    let http = add(
        &app,
        &token,
        json!({"host": "127.0.0.1", "port": port, "username": "agent", "password": "s3cret:pass"}),
    )
    .await;
    let socks = add(&app, &token, json!({"kind": "socks5", "host": "localhost", "port": port, "username": "agent", "password": "s3cret:pass"})).await;
    let http_id = http["id"].as_str().unwrap().to_string();
    let socks_id = socks["id"].as_str().unwrap().to_string();

    for check in [
        format!("http://127.0.0.1:{}/health?x=1", local.check.port()),
        format!("https://localhost:{}/", local.check.port()),
    ] {
        set_check_url(&app, ws, &check).await;
        for id in [&http_id, &socks_id] {
            let before = local.plain.tunnels();
            let t = test_proxy(&app, &token, id).await;
            assert_eq!(t["ok"], true, "{check}: {t}");
            assert!(t["latency_ms"].as_i64().unwrap() >= 0);
            assert_eq!(t["proxy"]["last_test_ok"], true);
            assert_eq!(t["proxy"]["status"], "active");
            assert!(t["proxy"]["last_tested_at"].is_string());
            assert_eq!(
                local.plain.tunnels(),
                before + 1,
                "a real connection went through"
            );
            if check.starts_with("http:") {
                assert!(t["summary"].as_str().unwrap().contains("200"), "{t}");
            } else {
                assert!(t["summary"].as_str().unwrap().contains("tunnel"), "{t}");
            }
        }
    }

    // Wrong credentials: refused by both protocols; an active proxy becomes failing.
    let bad_http = add(
        &app,
        &token,
        json!({"host": "127.0.0.1", "port": port, "username": "agent2", "password": "wrong"}),
    )
    .await;
    // (A second proxy server, so the right credentials can be set on the same endpoint.)
    let second = local_proxy::start(Some(("agent".into(), "s3cret:pass".into()))).await;
    let bad_socks = add(
        &app,
        &token,
        json!({"kind": "socks5", "host": "127.0.0.1", "port": second.port(), "username": "agent", "password": "wrong"}),
    )
    .await;
    for bad in [&bad_http, &bad_socks] {
        let t = test_proxy(&app, &token, bad["id"].as_str().unwrap()).await;
        assert_eq!(t["ok"], false, "{t}");
        assert!(t["latency_ms"].is_null());
        assert!(
            t["summary"]
                .as_str()
                .unwrap()
                .contains("refused the username or password"),
            "{t}"
        );
        assert_eq!(t["proxy"]["status"], "error");
        assert!(!t.to_string().contains("wrong"), "no secret in the result");
    }
    // Fixed: the next passing test makes it active again.
    let fixed = json!({"kind": "socks5", "host": "127.0.0.1", "port": second.port(), "username": "agent", "password": "s3cret:pass",
                       "monthly_cost_minor": 0, "currency": "USD", "status": "error", "max_accounts": 3});
    let (status, _) = call(
        &app,
        &token,
        Method::PUT,
        &format!(
            "/api/v1/fleet/proxies/{}",
            bad_socks["id"].as_str().unwrap()
        ),
        Some(fixed),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let t = test_proxy(&app, &token, bad_socks["id"].as_str().unwrap()).await;
    assert_eq!(
        (t["ok"].as_bool(), t["proxy"]["status"].as_str()),
        (Some(true), Some("active")),
        "{t}"
    );

    // Nothing listens: unreachable, for either kind.
    let closed = local_proxy::closed_port().await;
    for (kind, host) in [("http", "127.0.0.1"), ("socks5", "localhost")] {
        let p = add(
            &app,
            &token,
            json!({"kind": kind, "host": host, "port": closed}),
        )
        .await;
        let t = test_proxy(&app, &token, p["id"].as_str().unwrap()).await;
        assert_eq!(t["ok"], false);
        assert!(
            t["summary"].as_str().unwrap().contains("Could not connect"),
            "{t}"
        );
        assert!(
            t["proxy"]["last_test_error"]
                .as_str()
                .unwrap()
                .contains("Could not connect")
        );
    }

    // The page's test button answers a fragment to htmx; the history lists the tests.
    let browser = identity::testkit::browser(&app, "ops@example.com").await;
    let res = browser
        .post(app.url(&format!("/fleet/proxies/{http_id}/test")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fragment = res.text().await.unwrap();
    assert!(
        fragment.contains("id=\"proxy-test\"") && fragment.contains("Passed in"),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    let html = browser
        .get(app.url(&format!("/fleet/proxies/{http_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("proxy-tests"), "{html}");
    let events = fleet::model::event::Entity::find()
        .filter(fleet::model::event::Column::ProxyId.eq(Uuid::parse_str(&http_id).unwrap()))
        .filter(fleet::model::event::Column::Kind.eq("proxy_test"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events, 3, "each test is on the timeline");
}

#[tokio::test]
async fn a_proxy_on_a_private_address_is_not_tested_unless_the_server_allows_it() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops Agency").await;
    let local = proxies_and_check().await;
    set_check_url(
        &app,
        ws,
        &format!("http://127.0.0.1:{}/", local.check.port()),
    )
    .await;
    for host in ["127.0.0.1", "localhost"] {
        let p = add(
            &app,
            &token,
            json!({"host": host, "port": local.plain.port()}),
        )
        .await;
        let (status, problem) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/fleet/proxies/{}/test", p["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(fields(&problem), ["host"]);
        let (_, after) = call(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/fleet/proxies/{}", p["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert!(after["last_tested_at"].is_null(), "nothing recorded");
    }
    assert_eq!(local.plain.tunnels(), 0, "the server never connected");
}

#[tokio::test]
async fn parallel_assignments_never_overfill_a_proxy() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops Agency").await;
    let scope = Scope::for_test(ws);
    let mut proxies = Vec::new();
    for i in 1..=2 {
        let p = add(
            &app,
            &token,
            json!({"host": format!("cap{i}.example.com"), "port": 8080}),
        )
        .await;
        proxies.push(Uuid::parse_str(p["id"].as_str().unwrap()).unwrap());
    }
    let mut accounts = Vec::new();
    for i in 0..20 {
        accounts.push(insert_account(&app, ws, &format!("acct_{i:02}")).await);
    }
    let mut handles = Vec::new();
    for a in accounts {
        let state = app.state.clone();
        handles.push(tokio::spawn(async move {
            let txn = platform::db::begin_write(&state.db).await.unwrap();
            let got = assign::auto(&txn, &scope, &a, "", &Actor::system("test"))
                .await
                .unwrap();
            txn.commit().await.unwrap();
            got
        }));
    }
    let mut assigned = 0;
    for h in handles {
        if h.await.unwrap().is_some() {
            assigned += 1;
        }
    }
    assert_eq!(assigned, 6, "2 proxies × capacity 3");
    for p in &proxies {
        let row = fleet::model::proxy::Entity::find_by_id(*p)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let on = account::Entity::find()
            .filter(account::Column::ProxyId.eq(*p))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(
            (row.account_count, on),
            (3, 3),
            "the count matches the accounts"
        );
    }

    // Through the API: ten at once onto one proxy with room for three.
    let p = add(
        &app,
        &token,
        json!({"host": "cap3.example.com", "port": 8080}),
    )
    .await;
    let id = p["id"].as_str().unwrap().to_string();
    let mut names = Vec::new();
    for i in 0..10 {
        let name = format!("api_{i}");
        insert_account(&app, ws, &name).await;
        names.push(name);
    }
    let calls = names.iter().map(|name| {
        let app = &app;
        let token = &token;
        let id = &id;
        async move {
            call(
                app,
                token,
                Method::POST,
                &format!("/api/v1/fleet/proxies/{id}/accounts"),
                Some(json!({"username": name})),
            )
            .await
            .0
        }
    });
    let statuses = futures::future::join_all(calls).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let full = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, full), (3, 7), "{statuses:?}");
    let (_, u) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/proxies/utilization",
        None,
    )
    .await;
    assert_eq!(
        (u["slots"].as_i64(), u["used"].as_i64(), u["free"].as_i64()),
        (Some(9), Some(9), Some(0))
    );
    assert_eq!(u["waiting_accounts"], 14 + 7);
}

#[tokio::test]
async fn another_workspaces_proxies_and_accounts_are_not_found() {
    let app = app().await;
    let (alice, _) = customer(&app, "alice@example.com", "Alice Agency").await;
    let (bob, bob_ws) = customer(&app, "bob@example.com", "Bob Agency").await;
    let p = add(
        &app,
        &bob,
        json!({"host": "bob.example.com", "port": 8080, "password": "bobs"}),
    )
    .await;
    let bobs = p["id"].as_str().unwrap().to_string();
    let acct = insert_account(&app, bob_ws, "bobs_account").await;
    let (status, _) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/fleet/proxies/{bobs}/accounts"),
        Some(json!({"account_id": acct.id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let proxy_witness = format!("/api/v1/fleet/proxies/{bobs}");
    let accounts_witness = format!("/api/v1/fleet/proxies/{bobs}/accounts");
    let update = json!({"kind": "http", "host": "mine.example.com", "port": 1, "monthly_cost_minor": 0,
                        "currency": "USD", "status": "active", "max_accounts": 3});

    let (_, doc) = fleet::web::proxies::api::openapi_router().split_for_parts();
    let routes: Vec<_> = api_routes(&doc);
    let calls = Sweep::new(
        &app,
        &alice,
        &bob,
        &[proxy_witness.as_str(), accounts_witness.as_str()],
    )
    .id("proxies/{id}", &bobs)
    .id("accounts/{account_id}", acct.id)
    .json(Method::PUT, "/api/v1/fleet/proxies/{id}", update)
    .json(
        Method::POST,
        "/api/v1/fleet/proxies/{id}/accounts",
        json!({"account_id": acct.id}),
    )
    .run(&routes)
    .await;
    assert_eq!(calls.len(), 7, "every id-taking operation: {calls:#?}");

    // Alice naming Bob's account on her own proxy: not found either.
    let mine = add(
        &app,
        &alice,
        json!({"host": "alice.example.com", "port": 8080}),
    )
    .await;
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        &format!(
            "/api/v1/fleet/proxies/{}/accounts",
            mine["id"].as_str().unwrap()
        ),
        Some(json!({"account_id": acct.id})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages: Vec<_> = page_routes(&fleet::feature())
        .into_iter()
        .filter(|r| r.template.starts_with("/fleet/proxies/"))
        .collect();
    let account_id = acct.id.to_string();
    let calls = Sweep::new(
        &app,
        &alice,
        &bob,
        &[proxy_witness.as_str(), accounts_witness.as_str()],
    )
    .browser(browser)
    .id("proxies/{id}", &bobs)
    .id("accounts/{account_id}", &account_id)
    .form(
        Method::POST,
        "/fleet/proxies/{id}",
        &[
            ("kind", "http"),
            ("host", "mine.example.com"),
            ("port", "1"),
            ("currency", "USD"),
            ("status", "active"),
            ("max_accounts", "3"),
        ],
    )
    .form(
        Method::POST,
        "/fleet/proxies/{id}/assign",
        &[("account", "bobs_account")],
    )
    .form(
        Method::POST,
        "/fleet/proxies/{id}/accounts/{account_id}/move",
        &[("to", mine["id"].as_str().unwrap())],
    )
    .run(&pages)
    .await;
    assert_eq!(calls.len(), 7, "every id-taking page: {calls:#?}");
}

#[tokio::test]
async fn a_plan_without_the_fleet_is_refused_with_402() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops Agency").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    let (status, problem) = call(&app, &token, Method::GET, "/api/v1/fleet/proxies", None).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{problem}");
    assert_eq!(problem["type"], "/problems/feature-not-in-plan");
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/proxies",
        Some(json!({"host": "x.example.com", "port": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let browser = identity::testkit::browser(&app, "ops@example.com").await;
    let res = browser.get(app.url("/fleet/proxies")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
}
