//! Account import through the real router: counts on a 10,000-line file with known faults,
//! re-imports, duplicates against the workspace, proxies handed out at once, the upload page
//! with its live progress and CSV report, passwords sealed at rest and revealed only to owners
//! and admins (audited), other workspaces kept out, and the plan gate.

use std::time::Duration;

use fleet::model::{account, event, proxy};
use platform::testkit::{
    TestApp,
    cross_tenant::{Sweep, api_routes, page_routes},
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::{app, comp, customer, teammate};

/// Uploads a file through the API as a `text/plain` body; the import (202).
async fn upload(app: &TestApp, token: &str, filename: &str, body: &str) -> Value {
    let res = app
        .api()
        .post(app.url("/api/v1/fleet/imports"))
        .query(&[("filename", filename)])
        .bearer_auth(token)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    serde_json::from_str(&text).unwrap()
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
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Follows an import until it is no longer running; the finished import.
async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..1200 {
        let (status, body) = get_json(app, token, &format!("/api/v1/fleet/imports/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] != "running" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} never finished");
}

async fn import_file(app: &TestApp, token: &str, filename: &str, body: &str) -> Value {
    let started = upload(app, token, filename, body).await;
    finished(app, token, started["id"].as_str().unwrap()).await
}

fn counts(v: &Value) -> (i64, i64, i64, i64) {
    (
        v["lines"].as_i64().unwrap(),
        v["inserted"].as_i64().unwrap(),
        v["duplicates"].as_i64().unwrap(),
        v["invalid"].as_i64().unwrap(),
    )
}

async fn accounts_in(app: &TestApp, workspace: Uuid) -> Vec<account::Model> {
    account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(workspace))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// `n` account lines of which every 100th (at 37) is invalid in one of three ways and every
/// 100th (at 73) repeats the username 50 lines before it in upper case; with a comment, a
/// header and blank lines that are not data lines.
fn faulty_file(n: usize) -> String {
    let mut out =
        String::from("# accounts for the spring campaign\nusername,password,email,city\n");
    for i in 0..n {
        if i % 1000 == 500 {
            out.push_str("\n   \n");
        }
        let line = match i % 100 {
            37 => match (i / 100) % 3 {
                0 => format!("bad..user{i},pw{i},u{i}@example.com"),
                1 => format!("user{i},,u{i}@example.com"),
                _ => format!("user{i},pw{i},not-an-email"),
            },
            73 => format!("ACCT{:05},other,dup{i}@example.com", i - 50),
            _ => format!("acct{i:05},pw-{i},acct{i}@example.com,Berlin"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn ten_thousand_lines_with_known_faults_are_counted_exactly_and_a_reimport_adds_nothing() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops").await;
    let file = faulty_file(10_000);

    let done = import_file(&app, &token, "spring.csv", &file).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(counts(&done), (10_000, 9_800, 100, 100));
    assert_eq!(done["percent"], 100);
    assert_eq!(done["processed_bytes"], file.len() as i64);
    assert_eq!(done["filename"], "spring.csv");
    let accounts = accounts_in(&app, ws).await;
    assert_eq!(accounts.len(), 9_800);
    assert!(
        accounts
            .iter()
            .all(|a| a.state == "imported" && a.proxy_id.is_none())
    );
    let one = accounts.iter().find(|a| a.username == "acct00001").unwrap();
    assert_eq!(one.email, "acct1@example.com");
    assert_eq!(one.extra["city"], "Berlin");
    assert_eq!(
        one.import_id.map(|i| i.to_string()).as_deref(),
        done["id"].as_str()
    );

    // The rejected lines, paged by line number.
    let id = done["id"].as_str().unwrap();
    let mut after = None;
    let mut issues = Vec::new();
    loop {
        let path = match after {
            Some(a) => format!("/api/v1/fleet/imports/{id}/issues?limit=64&after={a}"),
            None => format!("/api/v1/fleet/imports/{id}/issues?limit=64"),
        };
        let (status, page) = get_json(&app, &token, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        issues.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    assert_eq!(issues.len(), 200);
    // Data line i is file line i + 3 (the comment and the header first), plus the blank lines.
    let first = &issues[0];
    assert_eq!(first["line"], 40);
    assert_eq!(first["outcome"], "invalid");
    assert_eq!(first["username"], "bad..user37");
    assert!(first["message"].as_str().unwrap().contains("two dots"));
    let dup = &issues[1];
    assert_eq!(dup["line"], 76);
    assert_eq!(dup["outcome"], "duplicate");
    assert_eq!(dup["username"], "ACCT00023");
    assert_eq!(dup["message"], "The same username as line 26");
    let messages: Vec<&str> = issues
        .iter()
        .map(|i| i["message"].as_str().unwrap())
        .collect();
    assert!(messages.contains(&"Missing password"));
    assert!(messages.contains(&"Bad email “not-an-email”"));

    // The CSV report: the same lines.
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/fleet/imports/{id}/report.csv")))
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
    let csv = res.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 201);
    assert_eq!(rows[0], "line,username,outcome,message");
    assert!(
        rows[1].starts_with("40,bad..user37,invalid,"),
        "{}",
        rows[1]
    );
    assert_eq!(
        rows[2],
        "76,ACCT00023,duplicate,The same username as line 26"
    );

    // The same file again: nothing new, every valid line a duplicate of the workspace.
    let again = import_file(&app, &token, "spring.csv", &file).await;
    assert_eq!(counts(&again), (10_000, 0, 9_900, 100));
    assert_eq!(accounts_in(&app, ws).await.len(), 9_800);

    let (_, list) = get_json(&app, &token, "/api/v1/fleet/imports?limit=1").await;
    assert_eq!(list["items"][0]["id"], again["id"], "newest first");
    let next = list["next_before"].as_str().unwrap();
    let (_, older) = get_json(
        &app,
        &token,
        &format!("/api/v1/fleet/imports?before={next}"),
    )
    .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1);
    assert_eq!(older["items"][0]["id"], done["id"]);
    assert!(older["next_before"].is_null());
}

async fn add_proxy(app: &TestApp, workspace: Uuid, host: &str, max: i32) -> Uuid {
    let now = platform::db::now();
    let id = Uuid::now_v7();
    proxy::Entity::insert(proxy::ActiveModel {
        id: sea_orm::Set(id),
        workspace_id: sea_orm::Set(workspace),
        kind: sea_orm::Set("http".into()),
        host: sea_orm::Set(host.into()),
        port: sea_orm::Set(8080),
        username: sea_orm::Set(String::new()),
        password_enc: sea_orm::Set(None),
        provider: sea_orm::Set("Test".into()),
        location: sea_orm::Set("DE".into()),
        monthly_cost_minor: sea_orm::Set(500),
        currency: sea_orm::Set("EUR".into()),
        status: sea_orm::Set("active".into()),
        max_accounts: sea_orm::Set(max),
        account_count: sea_orm::Set(0),
        last_tested_at: sea_orm::Set(None),
        last_test_ok: sea_orm::Set(None),
        last_latency_ms: sea_orm::Set(None),
        last_test_error: sea_orm::Set(None),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn new_accounts_get_free_proxy_slots_and_existing_usernames_are_duplicates() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops").await;
    add_proxy(&app, ws, "10.0.0.1", 3).await;
    add_proxy(&app, ws, "10.0.0.2", 3).await;

    let first: String = (0..10)
        .map(|i| format!("model{i}:pw{i}:model{i}@example.com\n"))
        .collect();
    let done = import_file(&app, &token, "first.txt", &first).await;
    assert_eq!(counts(&done), (10, 10, 0, 0));
    let accounts = accounts_in(&app, ws).await;
    let assigned: Vec<_> = accounts.iter().filter(|a| a.proxy_id.is_some()).collect();
    assert_eq!(assigned.len(), 6, "two proxies with three places each");
    assert!(assigned.iter().all(|a| a.state == "proxy_assigned"));
    assert_eq!(
        accounts.iter().filter(|a| a.state == "imported").count(),
        4,
        "the rest wait for a proxy"
    );
    for p in proxy::Entity::find().all(&app.state.db).await.unwrap() {
        assert_eq!(p.account_count, 3);
        let holding = accounts.iter().filter(|a| a.proxy_id == Some(p.id)).count();
        assert_eq!(holding, 3);
    }
    // Each assigned account was queued for its warm-up, and its move is on its timeline.
    let tasks = fleet::model::task::Entity::find()
        .filter(fleet::model::task::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 6);
    assert!(
        tasks
            .iter()
            .all(|t| t.step_number == 1 && t.kind == "warmup")
    );
    let moves = event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(ws))
        .filter(event::Column::ToState.eq("proxy_assigned"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(moves, 6);

    // A second file: three usernames the workspace has (in another case), two new ones.
    let second = "MODEL1,x,a@example.com\nmodel4,x,b@example.com\nModel9,x,c@example.com\nfresh.one,x,d@example.com\nfresh.two,x,e@example.com\n";
    let done = import_file(&app, &token, "second.txt", second).await;
    assert_eq!(counts(&done), (5, 2, 3, 0));
    let (_, issues) = get_json(
        &app,
        &token,
        &format!(
            "/api/v1/fleet/imports/{}/issues",
            done["id"].as_str().unwrap()
        ),
    )
    .await;
    let items = issues["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["message"] == "Already in the workspace")
    );
    assert_eq!(items[0]["line"], 1);
    assert_eq!(items[0]["username"], "MODEL1");
    assert_eq!(accounts_in(&app, ws).await.len(), 12);
}

/// A `multipart/form-data` body as a browser sends it for the upload form.
fn form_upload(filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    platform::testkit::multipart(&[], (filename, "text/csv", content))
}

#[tokio::test]
async fn an_upload_through_the_page_shows_its_progress_then_the_summary() {
    let app = app().await;
    let (_, _ws) = customer(&app, "ops@example.com", "Ops").await;
    let browser = identity::testkit::browser(&app, "ops@example.com").await;

    let page = browser.get(app.url("/fleet/import")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("No imports yet."));

    // No file chosen: the form says so at the field.
    let (content_type, body) = form_upload("", b"");
    let res = browser
        .post(app.url("/fleet/import"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose a file to import")
    );

    let file = faulty_file(2_000);
    let (content_type, body) = form_upload("team A – spring.csv", file.as_bytes());
    let res = browser
        .post(app.url("/fleet/import"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/fleet/imports/"), "{location}");
    let id = location.trim_start_matches("/fleet/imports/").to_string();

    // The page polls its progress fragment until the import is done, then reloads.
    let mut refreshed = false;
    for _ in 0..600 {
        let res = browser
            .get(app.url(&format!("/fleet/imports/{id}/progress")))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let refresh = res.headers().get("hx-refresh").is_some();
        let fragment = res.text().await.unwrap();
        assert!(fragment.contains("<progress"), "{fragment}");
        if refresh {
            assert!(
                !fragment.contains("every 1s"),
                "a finished import stops polling"
            );
            assert!(fragment.contains("1,960 new"), "{fragment}");
            refreshed = true;
            break;
        }
        assert!(fragment.contains("hx-trigger=\"every 1s\""));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refreshed, "the import never finished");

    let res = browser.get(app.url(&location)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("team A – spring.csv"),
        "the file's name is shown"
    );
    assert!(
        html.contains("id=\"count-inserted\">1,960<"),
        "new accounts"
    );
    assert!(html.contains("id=\"count-duplicates\">20<"));
    assert!(html.contains("id=\"count-invalid\">20<"));
    assert!(html.contains("Lines not imported (40)"));
    assert!(html.contains("bad..user37"));
    assert!(html.contains("/report.csv"));

    // The report downloads from the page too.
    let res = browser
        .get(app.url(&format!("/fleet/imports/{id}/report.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains("import-report.csv"), "{disposition}");
    assert_eq!(res.text().await.unwrap().lines().count(), 41);

    let html = browser
        .get(app.url("/fleet/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&location), "the import is listed");
    assert!(html.contains("Done"));
}

#[tokio::test]
async fn an_upload_over_50_mb_is_refused() {
    let app = app().await;
    let (token, ws) = customer(&app, "ops@example.com", "Ops").await;
    let big = vec![b'a'; 50 * 1024 * 1024 + 70 * 1024];
    let res = app
        .api()
        .post(app.url("/api/v1/fleet/imports?filename=big.txt"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("payload-too-large")
    );

    let (_, list) = get_json(&app, &token, "/api/v1/fleet/imports").await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was started"
    );
    assert!(accounts_in(&app, ws).await.is_empty());
}

async fn reveal(app: &TestApp, token: &str, id: Uuid) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/fleet/accounts/{id}/reveal")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn passwords_are_sealed_at_rest_and_revealed_only_to_owners_and_admins_with_a_record() {
    let app = app().await;
    let (owner, ws) = customer(&app, "owner@example.com", "Agency").await;
    let member = teammate(&app, &owner, "member@example.com", "member").await;
    let admin = teammate(&app, &owner, "admin@example.com", "admin").await;

    let done = import_file(
        &app,
        &owner,
        "one.txt",
        "rita.k,S3cret!pw-Rita,rita@example.com,email_password=mail-Pass-9,note=vip\nsam:Sam-pass-1:sam@example.com\n",
    )
    .await;
    assert_eq!(counts(&done), (2, 2, 0, 0));
    let accounts = accounts_in(&app, ws).await;
    let rita = accounts.iter().find(|a| a.username == "rita.k").unwrap();
    assert!(
        !rita.password_enc.contains("S3cret"),
        "the raw column is a ciphertext"
    );
    assert_ne!(rita.password_enc, "S3cret!pw-Rita");
    let sealed_mail = rita.email_password_enc.as_deref().unwrap();
    assert!(!sealed_mail.contains("mail-Pass"));
    assert_eq!(
        rita.extra,
        serde_json::json!({"note": "vip"}),
        "the e-mail password is not an extra"
    );

    // A member may not see passwords; an owner and an admin may, and each reveal is recorded.
    let (status, body) = reveal(&app, &member, rita.id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = reveal(&app, &owner, rita.id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["password"], "S3cret!pw-Rita");
    assert_eq!(body["email"], "rita@example.com");
    assert_eq!(body["email_password"], "mail-Pass-9");
    let sam = accounts.iter().find(|a| a.username == "sam").unwrap();
    let (status, body) = reveal(&app, &admin, sam.id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["password"], "Sam-pass-1");
    assert!(body["email_password"].is_null());

    let audited = platform::audit::entity::Entity::find()
        .filter(platform::audit::entity::Column::Action.eq("fleet.account.revealed"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        audited.len(),
        2,
        "the member's refusal reveals nothing and records nothing"
    );
    assert!(audited.iter().all(|e| e.workspace_id == Some(ws)));
    let rita_id = rita.id.to_string();
    let by_owner = audited
        .iter()
        .find(|e| e.target_id.as_deref() == Some(rita_id.as_str()))
        .unwrap();
    assert_eq!(by_owner.actor_label, "owner@example.com");
    let timeline = event::Entity::find()
        .filter(event::Column::Kind.eq("reveal"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(timeline.len(), 2);
    assert!(
        timeline
            .iter()
            .any(|e| e.account_id == Some(rita.id) && e.actor_kind == "user")
    );

    // The page: the owner gets the passwords as a fragment; a member a refusal.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let res = browser
        .post(app.url(&format!("/fleet/accounts/{}/reveal", rita.id)))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("S3cret!pw-Rita") && fragment.contains("mail-Pass-9"));
    assert!(!fragment.contains("<html"), "a fragment for htmx");
    let res = browser
        .post(app.url(&format!("/fleet/accounts/{}/reveal", rita.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text().await.unwrap().contains("Passwords of @rita.k"),
        "a page without htmx"
    );
    let member_browser = identity::testkit::browser(&app, "member@example.com").await;
    let res = member_browser
        .post(app.url(&format!("/fleet/accounts/{}/reveal", rita.id)))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!res.text().await.unwrap().contains("S3cret"));
    assert_eq!(
        event::Entity::find()
            .filter(event::Column::Kind.eq("reveal"))
            .count(&app.state.db)
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn another_workspace_reaches_none_of_it() {
    let app = app().await;
    let (alice, _) = customer(&app, "alice@example.com", "Alice").await;
    let (bob, bob_ws) = customer(&app, "bob@example.com", "Bob").await;
    let done = import_file(
        &app,
        &bob,
        "bob.txt",
        "bobs.one,pw,b@example.com\nbad..x,pw,c@example.com\n",
    )
    .await;
    let import_id = done["id"].as_str().unwrap().to_string();
    let account_id = accounts_in(&app, bob_ws).await[0].id;
    let witness = format!("/api/v1/fleet/imports/{import_id}");

    let (_, doc) = fleet::web::import::openapi_router().split_for_parts();
    let calls = Sweep::new(&app, &alice, &bob, &[witness.as_str()])
        .id("imports/{id}", &import_id)
        .id("accounts/{id}", account_id)
        .run(&api_routes(&doc))
        .await;
    assert_eq!(calls.len(), 4, "every id-taking operation: {calls:#?}");

    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages: Vec<_> = page_routes(&fleet::feature())
        .into_iter()
        .filter(|r| r.template.starts_with("/fleet/imports/") || r.template.ends_with("/reveal"))
        .collect();
    let calls = Sweep::new(&app, &alice, &bob, &[witness.as_str()])
        .browser(alice_browser)
        .id("imports/{id}", &import_id)
        .id("accounts/{id}", account_id)
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 4, "every id-taking page: {calls:#?}");

    // Alice's own list does not show Bob's import, and no reveal was recorded.
    let (_, list) = get_json(&app, &alice, "/api/v1/fleet/imports").await;
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(
        event::Entity::find()
            .filter(event::Column::Kind.eq("reveal"))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_plan_without_the_fleet_is_refused() {
    let app = app().await;
    let (token, ws) = customer(&app, "small@example.com", "Small").await;
    comp(&app, ws, "agency").await;
    let res = app
        .api()
        .post(app.url("/api/v1/fleet/imports?filename=a.txt"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("ann,pw,ann@example.com\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("feature-not-in-plan"),
        "{problem}"
    );
    let (status, _) = get_json(&app, &token, "/api/v1/fleet/imports").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let browser = identity::testkit::browser(&app, "small@example.com").await;
    let res = browser.get(app.url("/fleet/import")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    assert!(accounts_in(&app, ws).await.is_empty());
}
