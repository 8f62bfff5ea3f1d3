//! Audits through the real router, database, job workers and wallet: an account with a known
//! posting gap and a restricted tag gets those findings with their evidence, is charged once,
//! and compares with a later audit; a failed audit costs nothing; another workspace's audits,
//! accounts and profiles are not found on any route.

use std::{collections::BTreeMap, time::Duration};

use chrono::Utc;
use intelligence::service::audit::run;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
        spawn,
    },
};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{add_demo, app, customer_in};

/// Credits to spend on audits (after the plan's monthly allowance is granted, so the balance
/// the test reads is the one the audit spends from).
async fn top_up(app: &TestApp, ws: Uuid, credits: i64) {
    billing::service::credits::refresh_allowance(&app.state, &Scope::for_test(ws))
        .await
        .unwrap();
    billing::service::credits::add_purchased(
        &app.state.db,
        &Scope::for_test(ws),
        credits,
        &format!("test-top-up-{}", Uuid::now_v7()),
        "test",
        &platform::credits::Actor::System,
    )
    .await
    .unwrap();
}

async fn balance(app: &TestApp, ws: Uuid) -> i64 {
    billing::service::credits::balance(&app.state.db, &Scope::for_test(ws))
        .await
        .unwrap()
        .balance
}

/// Waits until the account's first refresh stored its posts; returns its profile id.
async fn refreshed(app: &TestApp, _token: &str, id: &str) -> Uuid {
    let id: Uuid = id.parse().unwrap();
    let profile = instagram::model::account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .profile_id;
    for _ in 0..400 {
        if !instagram::service::texts::posts_of(&app.state.db, profile)
            .await
            .unwrap()
            .is_empty()
        {
            return profile;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the account's posts never arrived");
}

/// Gives the profile a 25-day gap ending 10 days ago and two posts tagged #desk.
async fn shape(app: &TestApp, profile: Uuid) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use instagram::model::post;
    let db = &app.state.db;
    let gap_to = Utc::now() - chrono::Duration::days(10);
    let gap_from = gap_to - chrono::Duration::days(25);
    post::Entity::delete_many()
        .filter(post::Column::ProfileId.eq(profile))
        .filter(post::Column::PostedAt.gt(gap_from))
        .filter(post::Column::PostedAt.lt(gap_to))
        .exec(db)
        .await
        .unwrap();
    let recent = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile))
        .filter(post::Column::PostedAt.gt(Utc::now() - chrono::Duration::days(80)))
        .order_by_desc(post::Column::PostedAt)
        .all(db)
        .await
        .unwrap();
    assert!(recent.len() >= 4, "the demo account posts often enough");
    for p in recent.into_iter().take(2) {
        let caption = format!("{} #desk", p.caption.clone().unwrap_or_default());
        let mut p = p.into_active_model();
        p.caption = Set(Some(caption));
        p.update(db).await.unwrap();
    }
    (gap_from.date_naive(), gap_to.date_naive())
}

async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..400 {
        let a: Value = app
            .api()
            .get(app.url(&format!("/api/v1/audits/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if a["status"] == "done" || a["status"] == "failed" {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the audit never finished");
}

async fn ask(app: &TestApp, token: &str, account: &str, body: Value) -> reqwest::Response {
    app.api()
        .post(app.url(&format!("/api/v1/instagram/accounts/{account}/audits")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_audit_finds_a_gap_and_a_restricted_tag_with_evidence_and_is_charged_once() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let account = add_demo(&app, &token, "demo.audit.gap").await;
    let profile = refreshed(&app, &token, &account).await;
    shape(&app, profile).await;
    top_up(&app, ws, 12).await;
    let before = balance(&app, ws).await;

    // Out-of-range days are refused, nothing held.
    let res = ask(&app, &token, &account, json!({ "days": 3 })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(balance(&app, ws).await, before);

    // Today's planner tasks are generated before the audit exists.
    let tasks = || async {
        app.api()
            .get(app.url(&format!("/api/v1/instagram/accounts/{account}/tasks")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let before_audit = tasks().await;
    assert!(
        before_audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["key"].as_str().unwrap().starts_with("outside:audit.")),
        "{before_audit:#}"
    );

    let res = ask(&app, &token, &account, json!({})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["cost"], 5, "{queued}");
    let id = queued["id"].as_str().unwrap().to_string();
    let a = finished(&app, &token, &id).await;
    assert_eq!(a["status"], "done", "{a}");
    assert_eq!(balance(&app, ws).await, before - 5, "charged once");

    let report = &a["report"];
    assert!(a["overall_score"].as_f64().is_some());
    assert_eq!(a["sources"], json!(["demo"]));
    let component = |key: &str| {
        report["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .cloned()
            .unwrap()
    };
    let consistency = component("consistency");
    let gap = consistency["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            // The 25 days emptied, widened to the posts on each side.
            f["text"]
                .as_str()
                .unwrap()
                .strip_prefix("No post for ")
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|n| n >= 25)
        })
        .unwrap_or_else(|| panic!("the gap: {consistency:#}"));
    assert_eq!(gap["posts"].as_array().unwrap().len(), 2, "{gap}");
    let tags = component("hashtags");
    let desk = tags["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["text"]
                .as_str()
                .unwrap()
                .starts_with("#desk is reported banned")
        })
        .unwrap_or_else(|| panic!("the restricted tag: {tags:#}"));
    assert_eq!(desk["level"], "risk");
    assert_eq!(desk["posts"].as_array().unwrap().len(), 2);
    assert!(
        report["risk_signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"].as_str().unwrap().contains("banned or restricted"))
    );
    assert!(
        report["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "hashtags.restricted")
    );
    for c in report["components"].as_array().unwrap() {
        assert!(!c["method"].as_str().unwrap().is_empty());
        assert!(!c["benchmark"].as_str().unwrap().is_empty());
    }

    // The finished audit added its strongest recommendations to today's tasks, each linking
    // its evidence.
    let tasks: Value = tasks().await;
    let first_rec = &report["recommendations"][0];
    let task = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == format!("outside:audit.{}", first_rec["key"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("the audit's first recommendation as a task: {tasks:#}"));
    assert_eq!(task["title"], first_rec["title"]);
    assert!(
        task["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/audits/{id}#"))
    );

    // The PDF.
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/audits/{id}/pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let score = format!("{:.0}/100", a["overall_score"].as_f64().unwrap());
    let pdf = lopdf::Document::load_mem(&pdf).unwrap();
    let info = pdf
        .trailer
        .get(b"Info")
        .and_then(|i| pdf.dereference(i))
        .unwrap()
        .1;
    let subject = info.as_dict().unwrap().get(b"Subject").unwrap();
    let subject = lopdf::decode_text_string(subject).unwrap();
    assert!(
        subject.contains(&score),
        "the PDF names the score {score}: {subject}"
    );
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).unwrap();
    assert!(text.contains("Overall score"), "{text}");
    assert!(text.contains("#desk"), "and the evidence");

    // A second audit compares with the first.
    let res = ask(&app, &token, &account, json!({ "days": 60 })).await;
    let second: Value = res.json().await.unwrap();
    let second_id = second["id"].as_str().unwrap().to_string();
    assert_eq!(finished(&app, &token, &second_id).await["status"], "done");
    assert_eq!(balance(&app, ws).await, before - 10);
    let c: Value = app
        .api()
        .get(app.url(&format!("/api/v1/audits/{second_id}/compare/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["components"].as_array().unwrap().len(), 6, "{c}");
    assert!(c["overall_before"].as_f64().is_some() && c["overall_after"].as_f64().is_some());

    let list: Value = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{account}/audits")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The pages.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let page = browser
        .get(app.url(&format!("/audits/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Overall score") && page.contains("#desk is reported banned"));
    assert!(
        page.contains("never a verdict"),
        "risk signals are said as signals"
    );
    assert!(page.contains("Demo data"));
    let compare = browser
        .get(app.url(&format!("/audits/{second_id}/compare?with={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(compare.status(), StatusCode::OK);
    let list = browser
        .get(app.url("/audits"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("@demo.audit.gap"));
}

#[tokio::test]
async fn a_failed_audit_costs_nothing() {
    // No worker on the default queue: the audit waits, and this test runs it by hand.
    let app = spawn(
        vec![
            identity::feature(),
            billing::feature(),
            instagram::feature(),
            intelligence::feature(),
        ],
        |c| {
            c.jobs_queues = BTreeMap::from([("ig_demo".to_string(), 2), ("mail".to_string(), 1)]);
        },
    )
    .await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let account = add_demo(&app, &token, "demo.audit.gone").await;
    top_up(&app, ws, 5).await;
    let before = balance(&app, ws).await;
    let res = ask(&app, &token, &account, json!({ "days": 30 })).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let id: Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(balance(&app, ws).await, before - 5, "held while it runs");

    // The account goes before the audit runs.
    let res = app
        .api()
        .delete(app.url(&format!("/api/v1/instagram/accounts/{account}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let outcome = run::execute(&app.state, id, ws, false, |_, _| {}).await;
    assert!(
        matches!(outcome, Err(platform::Error::NotFound)),
        "{outcome:?}"
    );

    let a: Value = app
        .api()
        .get(app.url(&format!("/api/v1/audits/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["status"], "failed", "{a}");
    assert_eq!(a["cost"], 0);
    assert!(a["error"].as_str().unwrap().contains("removed"));
    assert_eq!(balance(&app, ws).await, before, "given back");
    // Running it again changes nothing (the job's retry after the release).
    let _ = run::execute(&app.state, id, ws, true, |_, _| {}).await;
    assert_eq!(balance(&app, ws).await, before);
}

#[tokio::test]
async fn another_workspaces_audits_are_not_found_on_every_route() {
    let app = app().await;
    let (alice, _) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let (bob, bob_ws) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let bobs = add_demo(&app, &bob, "demo.fitness.noah").await;
    refreshed(&app, &bob, &bobs).await;
    top_up(&app, bob_ws, 20).await;
    let first = ask(&app, &bob, &bobs, json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let first = first["id"].as_str().unwrap().to_string();
    finished(&app, &bob, &first).await;
    let second = ask(&app, &bob, &bobs, json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let second = second["id"].as_str().unwrap().to_string();
    finished(&app, &bob, &second).await;
    let tracked = instagram::service::tracked::track_in(
        &app.state,
        &Scope::for_test(bob_ws),
        "demo.tech.hugo",
        "",
        true,
        None,
    )
    .await
    .unwrap()
    .tracked
    .id;
    let (_, doc) = intelligence::audits::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(
        page_routes(&intelligence::feature())
            .into_iter()
            .filter(|r| r.template.contains("audits")),
    );
    let witness = format!("/api/v1/audits/{first}");
    let list = format!("/api/v1/instagram/accounts/{bobs}/audits");
    let calls = Sweep::new(&app, &alice, &bob, &[&witness, &list])
        .browser(alice_browser)
        .id("accounts/{id}", &bobs)
        .id("tracked/{id}", tracked)
        .id("audits/{id}", &first)
        .id("compare/{other_id}", &second)
        .json(
            reqwest::Method::POST,
            "/api/v1/instagram/accounts/{id}/audits",
            json!({}),
        )
        .json(
            reqwest::Method::POST,
            "/api/v1/instagram/tracked/{id}/audits",
            json!({}),
        )
        .form(
            reqwest::Method::POST,
            "/instagram/accounts/{id}/audits",
            &[("days", "90")],
        )
        .form(
            reqwest::Method::POST,
            "/instagram/tracked/{id}/audits",
            &[("days", "90")],
        )
        .run(&routes)
        .await;
    // 16, and the AI summary: GET and POST in the API, POST on the page.
    assert_eq!(calls.len(), 19, "{calls:#?}");
    // Nothing was charged to Bob by Alice's attempts.
    let bobs_audits = intelligence::model::audit::Entity::find()
        .filter(intelligence::model::audit::Column::WorkspaceId.eq(bob_ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(bobs_audits.len(), 2);
}

#[tokio::test]
async fn super_admins_keep_the_benchmarks_and_the_restricted_tags() {
    use platform::staff::StaffRole;
    let app = app().await;
    let (support, _) = admin::testkit::signed_in(&app, StaffRole::Support).await;
    let res = support
        .get(app.url("/admin/intelligence/benchmarks"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let (staff, _) = admin::testkit::signed_in(&app, StaffRole::SuperAdmin).await;
    let page = staff
        .get(app.url("/admin/intelligence/benchmarks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Growhtos") && page.contains("#desk"),
        "the seeded tables"
    );

    // A refused tag is shown back with its message; nothing is stored.
    let res = staff
        .post(app.url("/admin/intelligence/tags"))
        .form(&[
            ("tag", "two words"),
            ("tag_level", "banned"),
            ("tag_source", "Test"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("letters, digits and _ only")
    );

    let res = staff
        .post(app.url("/admin/intelligence/tags"))
        .form(&[
            ("tag", "#FollowForFollow"),
            ("tag_level", "restricted"),
            ("tag_source", "Our own check"),
            ("tag_checked_on", "2026-12-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let map = intelligence::service::audit::reference::restricted_map(&app.state.db)
        .await
        .unwrap();
    let tag = map.get("followforfollow").unwrap();
    assert_eq!(
        (tag.level.as_str(), tag.source.as_str()),
        ("restricted", "Our own check")
    );

    // A band whose high end is below its low end is refused.
    let bands = intelligence::service::audit::reference::benchmarks(&app.state.db)
        .await
        .unwrap();
    let micro = bands.iter().find(|b| b.min_followers == 1_000).unwrap();
    let form = |low: &str, high: &str| {
        vec![
            ("tier_label", "Micro (1K–10K)".to_string()),
            ("min_followers", "1000".into()),
            ("max_followers", "9999".into()),
            ("low", low.to_string()),
            ("high", high.to_string()),
            ("definition", "likes + comments ÷ followers".into()),
            ("source", "Test study 2026".into()),
            ("source_url", "https://example.com/study".into()),
            ("year", "2026".into()),
        ]
    };
    let path = format!("/admin/intelligence/benchmarks/{}", micro.id);
    let res = staff
        .post(app.url(&path))
        .form(&form("5", "2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = staff
        .post(app.url(&path))
        .form(&form("2.5", "6"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let bands = intelligence::service::audit::reference::benchmarks(&app.state.db)
        .await
        .unwrap();
    let micro = bands.iter().find(|b| b.id == micro.id).unwrap();
    assert_eq!(
        (micro.low, micro.high, micro.source.as_str()),
        (2.5, 6.0, "Test study 2026")
    );
    assert!(micro.updated_by.is_some());
}
