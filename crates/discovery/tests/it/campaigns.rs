//! Campaigns through the API and pages: creators move one status step at a time (other moves
//! refused with 409), tracking picks exactly the creators' posts that mention the campaign in
//! its window (and adds nothing twice), performance figures with known values, the report as
//! CSV and PDF, the pages with their forms, a campaign made from a proposal, and another
//! workspace's ids not found on any route.

use chrono::{Duration, Utc};
use discovery::service::campaigns::{self, tracking};
use instagram::model::post;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Made, MadePost, app, make, page};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.call(token, method, path, body).await
}

/// A live creator with these posts (days ago, likes, comments, caption), indexed.
async fn creator(
    app: &TestApp,
    username: &str,
    followers: i64,
    posts: &[(i64, i64, i64, &str)],
) -> Uuid {
    let made: Vec<MadePost> = posts
        .iter()
        .map(|(d, l, c, t)| (*d, *l, *c, (*t).to_string(), Some("food"), Some("en")))
        .collect();
    let id = make(
        app,
        &Made {
            username: username.into(),
            pool: "live",
            followers,
            bio: "Creator".into(),
            verified: false,
            business: false,
            posts: made,
            followers_30d: None,
            followers_90d: None,
        },
        Utc::now(),
    )
    .await;
    discovery::service::index::profiles(&app.state.db, &[id])
        .await
        .unwrap();
    id
}

/// A post of a profile by its caption.
async fn post_by_caption(app: &TestApp, profile: Uuid, caption: &str) -> post::Model {
    post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile))
        .filter(post::Column::Caption.eq(caption))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

fn campaign_body(name: &str, from_days_ago: i64, to_days_ago: i64) -> Value {
    let today = Utc::now().date_naive();
    json!({
        "name": name,
        "brief": "Show the new flavour.",
        "starts_on": (today - Duration::days(from_days_ago)).to_string(),
        "ends_on": (today - Duration::days(to_days_ago)).to_string(),
        "handles": ["@Brand"],
        "hashtags": ["#launch"],
        "phrases": ["new flavour"],
        "budget_planned_minor": 500_000,
        "budget_spent_minor": 100_000,
        "currency": "eur"
    })
}

async fn new_campaign(app: &TestApp, token: &str, name: &str) -> Uuid {
    let (s, c) = call(
        app,
        token,
        Method::POST,
        "/api/v1/discovery/campaigns",
        Some(campaign_body(name, 10, 3)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["campaign"]["id"].as_str().unwrap().parse().unwrap()
}

async fn add(app: &TestApp, token: &str, campaign: Uuid, profile: Uuid, fee: i64) {
    let (s, v) = call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{campaign}/creators"),
        Some(json!({"profile_id": profile, "fee_minor": fee})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn move_to(
    app: &TestApp,
    token: &str,
    campaign: Uuid,
    profile: Uuid,
    status: &str,
) -> (StatusCode, Value) {
    call(
        app,
        token,
        Method::PATCH,
        &format!("/api/v1/discovery/campaigns/{campaign}/creators/{profile}"),
        Some(json!({"status": status})),
    )
    .await
}

#[tokio::test]
async fn creators_move_one_step_at_a_time_and_other_moves_are_refused() {
    let app = app().await;
    let (token, _) = identity::testkit::customer(&app, "camp-a@example.com", "CampA").await;
    let who = creator(&app, "camp.mover", 10_000, &[(2, 100, 10, "hello")]).await;
    let id = new_campaign(&app, &token, "Summer").await;
    add(&app, &token, id, who, 50_000).await;

    let (s, v) = move_to(&app, &token, id, who, "contacted").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["creators"][0]["status"], "contacted");
    // Two steps at once: refused, nothing changed.
    let (s, v) = move_to(&app, &token, id, who, "live").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("one step at a time"),
        "{v}"
    );
    let (s, v) = move_to(&app, &token, id, who, "done").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(d["creators"][0]["status"], "contacted");
    // Back one step, then forward through every status.
    assert_eq!(
        move_to(&app, &token, id, who, "shortlisted").await.0,
        StatusCode::OK
    );
    for s in ["contacted", "agreed", "live", "done"] {
        let (st, v) = move_to(&app, &token, id, who, s).await;
        assert_eq!(st, StatusCode::OK, "{s}: {v}");
    }
    // From done only back to live.
    assert_eq!(
        move_to(&app, &token, id, who, "agreed").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        move_to(&app, &token, id, who, "live").await.0,
        StatusCode::OK
    );
    // An unknown status is bad input.
    assert_eq!(
        move_to(&app, &token, id, who, "famous").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The same creator twice, an unknown creator, a bad fee.
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/creators"),
        Some(json!({"profile_id": who})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/creators"),
        Some(json!({"profile_id": Uuid::now_v7()})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let other = creator(&app, "camp.other", 5_000, &[]).await;
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/creators"),
        Some(json!({"profile_id": other, "fee_minor": -1})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The activity log tells the story.
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    let lines: Vec<&str> = d["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["detail"].as_str().unwrap())
        .collect();
    assert!(
        lines.contains(&"Moved @camp.mover from Shortlisted to Contacted"),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"Moved @camp.mover from Done to Live"),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains("to Live")
        || l.contains("Agreed to Live")
        || l.contains("Done to Live")));

    // Bad campaign input: every problem named.
    let mut bad = campaign_body("", 3, 10);
    bad["currency"] = json!("EURO");
    bad["handles"] = json!(["not a handle"]);
    bad["brief"] = json!("x".repeat(4001));
    let (s, v) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/campaigns",
        Some(bad),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["name", "brief", "ends_on", "handles", "currency"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // A read-only token reads and writes nothing.
    let (s, t) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "read", "scope": "read"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let read = t["token"].as_str().unwrap();
    assert_eq!(
        call(
            &app,
            read,
            Method::GET,
            &format!("/api/v1/discovery/campaigns/{id}"),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        move_to(&app, read, id, who, "done").await.0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = call(
        &app,
        read,
        Method::POST,
        "/api/v1/discovery/campaigns",
        Some(campaign_body("Read", 3, 1)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        call(
            &app,
            read,
            Method::POST,
            &format!("/api/v1/discovery/campaigns/{id}/track"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &app,
            read,
            Method::DELETE,
            &format!("/api/v1/discovery/campaigns/{id}"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(d["creators"][0]["status"], "live");
}

#[tokio::test]
async fn tracking_picks_exactly_the_posts_that_mention_the_campaign_in_its_window() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "camp-t@example.com", "CampT").await;
    // The window: 10 to 3 days ago.
    let a = creator(
        &app,
        "camp.alpha",
        10_000,
        &[
            (5, 100, 5, "Loving it, thanks @Brand!"),
            (6, 80, 4, "Day one #LAUNCH"),
            (
                7,
                70,
                3,
                "Not ours: @brandnew and #launchday and hello@brand",
            ),
            (12, 60, 2, "Too early @brand"),
            (1, 50, 1, "Too late @brand"),
            (8, 40, 0, "Nothing to see"),
        ],
    )
    .await;
    let b = creator(
        &app,
        "camp.beta",
        20_000,
        &[(4, 200, 10, "Try the NEW flavour today")],
    )
    .await;
    let outsider = creator(
        &app,
        "camp.outsider",
        30_000,
        &[(5, 300, 30, "Also @brand #launch")],
    )
    .await;
    let id = new_campaign(&app, &token, "Launch").await;
    add(&app, &token, id, a, 0).await;
    add(&app, &token, id, b, 0).await;

    let expected = [
        post_by_caption(&app, a, "Loving it, thanks @Brand!")
            .await
            .id,
        post_by_caption(&app, a, "Day one #LAUNCH").await.id,
        post_by_caption(&app, b, "Try the NEW flavour today")
            .await
            .id,
    ];
    // "Find posts now" through the API: a job with an id; it runs in the background.
    let (s, v) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/track"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert!(v["job_id"].as_str().is_some(), "{v}");
    let mut found = Vec::new();
    for _ in 0..100 {
        let (_, d) = call(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/discovery/campaigns/{id}"),
            None,
        )
        .await;
        if d["campaign"]["tracked_at"].is_string() && d["posts"].as_array().unwrap().len() >= 3 {
            found = d["posts"].as_array().unwrap().clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut ids: Vec<Uuid> = found
        .iter()
        .map(|p| p["post_id"].as_str().unwrap().parse().unwrap())
        .collect();
    ids.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(
        ids, want,
        "exactly the posts mentioning the campaign in its window: {found:#?}"
    );
    assert!(found.iter().all(|p| p["how"] == "tracked"));
    let matched: Vec<&str> = found
        .iter()
        .map(|p| p["matched"].as_str().unwrap())
        .collect();
    assert!(
        matched.contains(&"@brand")
            && matched.contains(&"#launch")
            && matched.contains(&"“new flavour”"),
        "{matched:?}"
    );

    // Running again adds nothing twice.
    let again = tracking::track(&app.state.db, &Scope::for_test(ws), id, None)
        .await
        .unwrap();
    assert_eq!(again.matched, 3);
    assert_eq!(again.added, 0);
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(d["posts"].as_array().unwrap().len(), 3);

    // The outsider's post mentions the campaign but they are not on it; a post of theirs
    // cannot be attached by hand either.
    let theirs = post_by_caption(&app, outsider, "Also @brand #launch")
        .await
        .id;
    let (s, v) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/posts"),
        Some(json!({"post": theirs.to_string()})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A creator's post outside the window, attached by hand by its link.
    let late = post_by_caption(&app, a, "Too late @brand").await;
    let mut row = late.clone().into_active_model();
    row.shortcode = Set(Some("CampLate01".into()));
    row.update(&app.state.db).await.unwrap();
    let (s, v) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/posts"),
        Some(json!({"post": "https://www.instagram.com/p/CampLate01/?igsh=x"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["posts"].as_array().unwrap().len(), 4);
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/posts"),
        Some(json!({"post": "CampLate01"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "already on the campaign");
    // Tracking leaves a post attached by hand as it is.
    let again = tracking::track(&app.state.db, &Scope::for_test(ws), id, None)
        .await
        .unwrap();
    assert_eq!(again.added, 0);
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    let manual: Vec<&Value> = d["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["how"] == "manual")
        .collect();
    assert_eq!(manual.len(), 1);
    assert_eq!(manual[0]["post_id"], late.id.to_string());
}

#[tokio::test]
async fn performance_figures_have_known_values() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "camp-p@example.com", "CampP").await;
    // 10,000 followers; the two campaign posts: 300 + 20 and 150 + 30.
    let who = creator(
        &app,
        "camp.perf",
        10_000,
        &[
            (5, 300, 20, "With @brand"),
            (6, 150, 30, "More #launch"),
            (20, 100, 0, "Before"),
            (25, 100, 0, "Earlier"),
        ],
    )
    .await;
    let shortlisted = creator(&app, "camp.unpaid", 10_000, &[(5, 1000, 0, "Also @brand")]).await;
    let id = new_campaign(&app, &token, "Figures").await;
    add(&app, &token, id, who, 100_000).await;
    add(&app, &token, id, shortlisted, 70_000).await;
    for s in ["contacted", "agreed"] {
        assert_eq!(move_to(&app, &token, id, who, s).await.0, StatusCode::OK);
    }
    tracking::track(&app.state.db, &Scope::for_test(ws), id, None)
        .await
        .unwrap();
    let baseline = discovery::model::creator::Entity::find()
        .filter(discovery::model::creator::Column::ProfileId.eq(who))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .engagement_rate
        .unwrap();

    let (s, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}/performance"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let mine = p["creators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["username"] == "camp.perf")
        .unwrap();
    let f = &mine["figures"];
    assert_eq!(f["posts"], 2);
    assert_eq!(f["engagement"], 500);
    // Mean of 3.2 % and 1.8 %.
    assert!(
        (f["engagement_rate"].as_f64().unwrap() - 2.5).abs() < 1e-9,
        "{f}"
    );
    assert!(
        (f["baseline_rate"].as_f64().unwrap() - baseline).abs() < 1e-9,
        "{f}"
    );
    // 1,000.00 ÷ 500 engagements = 2.00 a piece (200 minor units).
    assert!(
        (f["cost_per_engagement_minor"].as_f64().unwrap() - 200.0).abs() < 1e-9,
        "{f}"
    );
    // No connected account's insights: no reach, never an estimate.
    assert!(f["reach"].is_null());
    assert_eq!(f["reach_source"]["source"], "");
    assert_eq!(f["engagement_source"]["source"], "apify");
    assert!(f["engagement_source"]["as_of"].is_string());
    assert_eq!(f["baseline_source"]["source"], "apify");

    // The total: both creators' posts; only the agreed creator's fee is paid.
    let t = &p["total"];
    assert_eq!(t["posts"], 3);
    assert_eq!(t["engagement"], 1500);
    assert!(
        (t["engagement_rate"].as_f64().unwrap() - (3.2 + 1.8 + 10.0) / 3.0).abs() < 1e-9,
        "{t}"
    );
    assert_eq!(t["fee_minor"], 100_000);
    assert!((t["cost_per_engagement_minor"].as_f64().unwrap() - 100_000.0 / 1500.0).abs() < 1e-9);
    assert_eq!(p["currency"], "EUR");
}

/// The text of a PDF, through `pdftotext`.
fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("campaign-{}.pdf", Uuid::now_v7()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_report_is_a_csv_and_a_pdf_with_the_figures() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "camp-r@example.com", "CampR").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "discovery_standard",
        "test",
    )
    .await
    .unwrap();
    let who = creator(
        &app,
        "camp.report",
        10_000,
        &[(5, 300, 20, "With @brand"), (6, 150, 30, "More #launch")],
    )
    .await;
    let id = new_campaign(&app, &token, "Report Q3").await;
    add(&app, &token, id, who, 100_000).await;
    for s in ["contacted", "agreed"] {
        move_to(&app, &token, id, who, s).await;
    }
    tracking::track(&app.state.db, &Scope::for_test(ws), id, None)
        .await
        .unwrap();
    let (_, m) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{id}/milestones"),
        Some(json!({"name": "Drafts approved", "due_on": "2026-01-15"})),
    )
    .await;
    assert_eq!(m["name"], "Drafts approved");

    let res = app
        .api()
        .post(app.url(&format!(
            "/api/v1/discovery/campaigns/{id}/report?format=csv"
        )))
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
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "header, the creator, the total: {csv}");
    assert!(
        lines[0].starts_with(
            "creator,status,followers,fee_minor,currency,posts,engagement,engagement_rate_pct"
        ),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("camp.report,agreed,10000,100000,EUR,2,500,2.5,"),
        "{csv}"
    );
    assert!(lines[1].contains(",200,apify,"), "{csv}");
    assert!(
        lines[2].starts_with("total,,,100000,EUR,2,500,2.5,"),
        "{csv}"
    );

    let res = app
        .api()
        .get(app.url(&format!("/api/v1/discovery/campaigns/{id}/report.pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("campaign-Report-Q3.pdf")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_text(&bytes);
    for want in [
        "Report Q3",
        "Campaign report",
        "Engagement by creator",
        "Engagement rate on the campaign vs the creator's baseline",
        "@camp.report",
        "2.50 %",
        "Drafts approved",
        "Creators by status",
    ] {
        assert!(text.contains(want), "{want} in the PDF:\n{text}");
    }
    // The engagement, the fee and the cost per engagement as figures of the cover.
    assert!(text.contains("500"), "{text}");
    assert!(text.contains("€2.00"), "{text}");
    // Both are in the export trail: the CSV as a bulk export, the PDF as a free document.
    let (_, trail) = call(&app, &token, Method::GET, "/api/v1/discovery/exports", None).await;
    let kinds: Vec<(&str, &str)> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["format"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("campaign", "csv")), "{trail}");
    assert!(kinds.contains(&("campaign_report", "pdf")), "{trail}");
    // Data leaving the workspace: not for a read-only token.
    let (_, read) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "Reporting", "scope": "read" })),
    )
    .await;
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/discovery/campaigns/{id}/report.pdf")))
        .bearer_auth(read["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_proposal_becomes_a_campaign_of_agreed_creators() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "camp-x@example.com", "CampX").await;
    let one = creator(&app, "camp.one", 1_000, &[]).await;
    let two = creator(&app, "camp.two", 2_000, &[]).await;
    // The proposals area calls the service with its caller's context.
    let ctx = platform::Ctx {
        user: platform::ctx::CtxUser {
            id: Uuid::now_v7(),
            email: "camp-x@example.com".into(),
            name: "Camp X".into(),
            two_factor: false,
        },
        workspace: Some((
            platform::ctx::CtxWorkspace {
                id: ws,
                slug: "campx".into(),
                name: "CampX".into(),
            },
            platform::Role::Owner,
        )),
        principal: platform::ctx::Principal::Session {
            session_id: Uuid::now_v7(),
        },
        request_id: "test".into(),
        ip: None,
    };
    let id = campaigns::create_from_proposal(
        &app.state,
        &ctx,
        "From the brand",
        &[(one, 10_000), (two, 20_000)],
        "usd",
    )
    .await
    .unwrap();
    // A creator the index does not know is refused, and nothing is created.
    let refused =
        campaigns::create_from_proposal(&app.state, &ctx, "Broken", &[(Uuid::now_v7(), 1)], "usd")
            .await;
    assert!(
        matches!(refused, Err(platform::Error::Validation(_))),
        "{refused:?}"
    );
    let (s, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["campaign"]["currency"], "USD");
    let statuses: Vec<&str> = d["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["agreed", "agreed"]);
    let fees: Vec<i64> = d["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["fee_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(fees, vec![10_000, 20_000]);
}

async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = browser.post(app.url(path)).form(form).send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

#[tokio::test]
async fn the_pages_show_the_campaigns_and_keep_what_was_typed() {
    let app = app().await;
    identity::testkit::customer(&app, "camp-w@example.com", "CampW").await;
    let browser = identity::testkit::browser(&app, "camp-w@example.com").await;
    let who = creator(&app, "camp.page", 12_345, &[(5, 300, 20, "With @brand")]).await;

    let (s, html) = page(&app, &browser, "/discover/campaigns").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("No campaigns yet") && html.contains("Start a campaign"),
        "{html}"
    );

    // Refused: every message beside its field, what was typed kept.
    let today = Utc::now().date_naive();
    let (s, _, html) = post_form(
        &app,
        &browser,
        "/discover/campaigns",
        &[
            ("name", "Spring <drop>"),
            ("starts_on", "tomorrow"),
            ("ends_on", "2026-01-01"),
            ("handles", "@brand, not-a-handle!"),
            ("budget_planned", "12.345"),
            ("currency", "EUR"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Use a date like 2026-12-31"), "{html}");
    assert!(
        html.contains("Enter an amount like 1500 or 1500.50"),
        "{html}"
    );
    assert!(html.contains("is not an Instagram username"), "{html}");
    assert!(
        html.contains("value=\"Spring &lt;drop&gt;\"")
            || html.contains("value=\"Spring &#60;drop&#62;\""),
        "{html}"
    );

    let (s, location, _) = post_form(
        &app,
        &browser,
        "/discover/campaigns",
        &[
            ("name", "Spring"),
            ("starts_on", &(today - Duration::days(10)).to_string()),
            ("ends_on", &(today - Duration::days(2)).to_string()),
            ("handles", "@brand"),
            ("hashtags", "#spring"),
            ("phrases", "new flavour"),
            ("budget_planned", "5,000"),
            ("budget_spent", "1200.50"),
            ("currency", "eur"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/discover/campaigns/"), "{location}");
    let (s, html) = page(&app, &browser, &location).await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "Shortlisted",
        "Contacted",
        "Agreed",
        "Live",
        "Done",
        "Find posts now",
        "€1,200.50 spent of €5,000.00",
        "@brand",
        "#spring",
        "Report (PDF)",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }

    // An unknown creator: the message beside the field, the typed name kept.
    let (s, _, html) = post_form(
        &app,
        &browser,
        &format!("{location}/creators"),
        &[("username", "@nobody.here"), ("fee", "100")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("No creator with this username is known"),
        "{html}"
    );
    assert!(html.contains("value=\"@nobody.here\""), "{html}");
    // A known one.
    let (s, _, _) = post_form(
        &app,
        &browser,
        &format!("{location}/creators"),
        &[("username", "@Camp.Page"), ("fee", "250.00")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &browser, &location).await;
    assert!(
        html.contains("@camp.page")
            && html.contains("12,345 followers")
            && html.contains("fee €250.00"),
        "{html}"
    );
    assert!(html.contains("Move to contacted"), "{html}");
    // An illegal move: a flash saying why; a legal one.
    let (s, _, _) = post_form(
        &app,
        &browser,
        &format!("{location}/creators/{who}"),
        &[("status", "live")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &browser, &location).await;
    assert!(html.contains("one step at a time"), "{html}");
    let (s, _, _) = post_form(
        &app,
        &browser,
        &format!("{location}/creators/{who}"),
        &[("status", "contacted")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // A deliverable and a milestone; a refused milestone keeps its name.
    let (s, _, _) = post_form(
        &app,
        &browser,
        &format!("{location}/deliverables"),
        &[
            ("profile_id", &who.to_string()),
            ("kind", "reel"),
            ("due_on", "2026-02-01"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, html) = post_form(
        &app,
        &browser,
        &format!("{location}/milestones"),
        &[("milestone_name", "Brief sent"), ("milestone_due", "soon")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Brief sent\""), "{html}");
    let (s, _, _) = post_form(
        &app,
        &browser,
        &format!("{location}/milestones"),
        &[
            ("milestone_name", "Brief sent"),
            ("milestone_due", "2026-01-20"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // Find posts now, without htmx: back to the page; with htmx: the progress fragment.
    let (s, _, _) = post_form(&app, &browser, &format!("{location}/track"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let res = browser
        .post(app.url(&format!("{location}/track")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html"), "a fragment: {part}");
    assert!(part.contains("id=\"tracking\""), "{part}");
    let mut html = String::new();
    for _ in 0..50 {
        html = page(&app, &browser, &location).await.1;
        if html.contains("Found by tracking") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for want in [
        "Found by tracking: @brand",
        "Reel",
        "Brief sent",
        "Contacted",
        "320",
        "2.59 %",
        "Apify",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(
        html.contains("Reach") && html.contains("not available"),
        "{html}"
    );

    // The edit page and the index.
    let (s, html) = page(&app, &browser, &format!("{location}/edit")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("value=\"Spring\"")
            && html.contains("5000.00")
            && html.contains("Delete “Spring”"),
        "{html}"
    );
    let (_, html) = page(&app, &browser, "/discover/campaigns").await;
    assert!(
        html.contains("Spring") && html.contains("1 creator") && html.contains("Contacted: 1"),
        "{html}"
    );
    // The PDF through the page.
    let res = browser
        .get(app.url(&format!("{location}/report.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
}

#[tokio::test]
async fn another_workspace_s_campaign_is_not_found_on_any_route() {
    let app = app().await;
    let (alice, _) = identity::testkit::customer(&app, "camp-alice@example.com", "Alice").await;
    let (bob, _) = identity::testkit::customer(&app, "camp-bob@example.com", "Bob").await;
    let who = creator(&app, "camp.shared", 10_000, &[(5, 10, 1, "hi @brand")]).await;
    // Bob's campaign starts tomorrow: no daily run changes it during the sweep.
    let today = Utc::now().date_naive();
    let mut body = campaign_body("Bob's", 0, 0);
    body["starts_on"] = json!((today + Duration::days(1)).to_string());
    body["ends_on"] = json!((today + Duration::days(9)).to_string());
    let (s, c) = call(
        &app,
        &bob,
        Method::POST,
        "/api/v1/discovery/campaigns",
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let bobs: Uuid = c["campaign"]["id"].as_str().unwrap().parse().unwrap();
    add(&app, &bob, bobs, who, 100).await;
    let (_, d) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{bobs}/creators/{who}/deliverables"),
        Some(json!({"kind": "post", "due_on": "2026-03-01"})),
    )
    .await;
    let deliverable = d["id"].as_str().unwrap().to_string();
    let (_, m) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{bobs}/milestones"),
        Some(json!({"name": "Go", "due_on": "2026-03-01"})),
    )
    .await;
    let milestone = m["id"].as_str().unwrap().to_string();
    let post_id = post_by_caption(&app, who, "hi @brand").await.id;
    let (s, _) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/discovery/campaigns/{bobs}/posts"),
        Some(json!({"post": post_id.to_string()})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let bob_browser = identity::testkit::browser(&app, "camp-bob@example.com").await;
    let (s, _, _) = post_form(
        &app,
        &bob_browser,
        &format!("/discover/campaigns/{bobs}/collaborators"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, d) = call(
        &app,
        &bob,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{bobs}"),
        None,
    )
    .await;
    let bob_user = d["collaborators"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_string();

    let witnesses = [
        format!("/api/v1/discovery/campaigns/{bobs}"),
        "/api/v1/discovery/campaigns".to_string(),
    ];
    let witness: Vec<&str> = witnesses.iter().map(String::as_str).collect();
    let (_, doc) = discovery::web::campaigns::api::openapi_router().split_for_parts();
    let routes = api_routes(&doc);
    let whos = who.to_string();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .id("campaigns/{id}", bobs)
        .id("creators/{profile_id}", who)
        .id("deliverables/{deliverable_id}", &deliverable)
        .id("milestones/{milestone_id}", &milestone)
        .id("posts/{post_id}", post_id)
        .id("collaborators/{user_id}", &bob_user)
        .json(
            Method::PUT,
            "/api/v1/discovery/campaigns/{id}",
            body.clone(),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/campaigns/{id}/creators",
            json!({"profile_id": who, "fee_minor": 1}),
        )
        .json(
            Method::PATCH,
            "/api/v1/discovery/campaigns/{id}/creators/{profile_id}",
            json!({"status": "contacted"}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/campaigns/{id}/creators/{profile_id}/deliverables",
            json!({"kind": "post", "due_on": "2026-03-01"}),
        )
        .json(
            Method::PATCH,
            "/api/v1/discovery/campaigns/{id}/deliverables/{deliverable_id}",
            json!({"done": true}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/campaigns/{id}/milestones",
            json!({"name": "Mine", "due_on": "2026-03-01"}),
        )
        .json(
            Method::PATCH,
            "/api/v1/discovery/campaigns/{id}/milestones/{milestone_id}",
            json!({"done": true}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/campaigns/{id}/posts",
            json!({"post": post_id.to_string()}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/campaigns/{id}/collaborators",
            json!({"user_id": bob_user}),
        )
        .run(&routes)
        .await;
    assert_eq!(calls.len(), 20, "every id-taking operation: {calls:#?}");

    let alice_browser = identity::testkit::browser(&app, "camp-alice@example.com").await;
    let pages: Vec<_> = page_routes(&discovery::feature())
        .into_iter()
        .filter(|r| r.template.starts_with("/discover/campaigns"))
        .collect();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .browser(alice_browser)
        .id("campaigns/{id}", bobs)
        .id("creators/{profile_id}", who)
        .id("deliverables/{deliverable_id}", &deliverable)
        .id("milestones/{milestone_id}", &milestone)
        .id("posts/{post_id}", post_id)
        .id("collaborators/{user_id}", &bob_user)
        .form(
            Method::POST,
            "/discover/campaigns/{id}/edit",
            &[
                ("name", "Taken"),
                ("starts_on", "2026-01-01"),
                ("ends_on", "2026-01-02"),
                ("currency", "EUR"),
            ],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/creators",
            &[("username", "camp.shared"), ("fee", "1")],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/creators/{profile_id}",
            &[("status", "contacted")],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/deliverables",
            &[
                ("profile_id", whos.as_str()),
                ("kind", "post"),
                ("due_on", "2026-03-01"),
            ],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/deliverables/{deliverable_id}",
            &[("done", "true")],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/milestones",
            &[("milestone_name", "Mine"), ("milestone_due", "2026-03-01")],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/milestones/{milestone_id}",
            &[("done", "true")],
        )
        .form(
            Method::POST,
            "/discover/campaigns/{id}/posts",
            &[("post", post_id.to_string().as_str())],
        )
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 20, "every id-taking page: {calls:#?}");
    // Alice's own list does not show Bob's campaign.
    let (_, list) = call(
        &app,
        &alice,
        Method::GET,
        "/api/v1/discovery/campaigns",
        None,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_running_campaign_is_tracked_daily_and_queues_its_next_day() {
    use platform::jobs::model::job;
    let app = app().await;
    let (token, _) = identity::testkit::customer(&app, "camp-d@example.com", "CampD").await;
    let today = Utc::now().date_naive();
    let mut body = campaign_body("Daily", 1, 0);
    body["ends_on"] = json!((today + Duration::days(5)).to_string());
    let (s, c) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/campaigns",
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = c["campaign"]["id"].as_str().unwrap().to_string();
    let days = |jobs: &[job::Model]| -> Vec<String> {
        jobs.iter()
            .filter(|j| j.payload["campaign_id"] == id.as_str() && j.payload["daily"] == true)
            .map(|j| j.payload["day"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // Today's run (at 06:00 UTC, or at once when that has passed); once it ran, tomorrow's
    // is queued by it.
    let tomorrow = (today + Duration::days(1)).to_string();
    let mut queued = Vec::new();
    for _ in 0..100 {
        let jobs = job::Entity::find()
            .filter(job::Column::Kind.eq("discovery.track_campaign"))
            .all(&app.state.db)
            .await
            .unwrap();
        queued = days(&jobs);
        if queued.contains(&tomorrow)
            || Utc::now().time() < chrono::NaiveTime::from_hms_opt(6, 0, 0).unwrap()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(queued.contains(&today.to_string()), "{queued:?}");
    if Utc::now().time() >= chrono::NaiveTime::from_hms_opt(6, 0, 1).unwrap() {
        assert!(
            queued.contains(&tomorrow),
            "the daily run queued the next day: {queued:?}"
        );
    }
    // Editing queues nothing twice for a day.
    let (s, _) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/discovery/campaigns/{id}"),
        Some({
            let mut b = campaign_body("Daily, edited", 1, 0);
            b["ends_on"] = json!((today + Duration::days(5)).to_string());
            b
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let jobs = job::Entity::find()
        .filter(job::Column::Kind.eq("discovery.track_campaign"))
        .all(&app.state.db)
        .await
        .unwrap();
    let again = days(&jobs);
    let todays = again.iter().filter(|d| **d == today.to_string()).count();
    assert_eq!(todays, 1, "{again:?}");
}
