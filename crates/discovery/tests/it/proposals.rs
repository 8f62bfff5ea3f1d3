//! Proposals through the real router and database: locked until a super admin unlocks them
//! (and no other staff role can), a version on every change with diffs between any two, share
//! links that expire, can be revoked and reach exactly one version of one proposal, the
//! brand's decisions and comments recorded and capped, templates, the one-click campaign, the
//! pages, and another workspace's ids not found on any route.

use chrono::{Duration, Utc};
use discovery::model::proposals::{access, link};
use platform::{
    staff::StaffRole,
    testkit::{
        TestApp, call,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Made, app, make};

fn made(username: &str, followers: i64) -> Made {
    Made {
        username: username.into(),
        pool: "live",
        followers,
        bio: format!("{username} creates"),
        verified: false,
        business: false,
        posts: vec![],
        followers_30d: None,
        followers_90d: None,
    }
}

/// Creators in the pool (indexed); their profile ids in order.
async fn creators(app: &TestApp, names: &[&str]) -> Vec<Uuid> {
    let now = Utc::now();
    let mut ids = Vec::new();
    for (i, n) in names.iter().enumerate() {
        ids.push(make(app, &made(n, 10_000 + i as i64), now).await);
    }
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    ids
}

/// A customer whose workspace a super admin unlocked (written as the staff action does).
async fn unlocked(app: &TestApp, email: &str) -> (String, Uuid) {
    let (token, ws) = identity::testkit::customer(app, email, "Agency").await;
    access::Entity::insert(access::ActiveModel {
        workspace_id: Set(ws),
        unlocked_by: Set("root@staff.example".into()),
        unlocked_at: Set(platform::db::now()),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    (token, ws)
}

async fn proposal(app: &TestApp, token: &str, title: &str) -> String {
    let (s, p) = call(
        app,
        token,
        Method::POST,
        "/api/v1/discovery/proposals",
        Some(
            json!({ "title": title, "brand": "Acme", "message": "Hello Acme", "currency": "usd" }),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["currency"], "USD");
    assert_eq!(p["version"], 1);
    p["id"].as_str().unwrap().to_string()
}

async fn add(app: &TestApp, token: &str, id: &str, profile: Uuid, text: &str, fee: i64) -> Value {
    let (s, p) = call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{id}/creators"),
        Some(json!({ "profile_id": profile, "deliverables": text, "fee_minor": fee })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p
}

/// A share link: (its id, its token).
async fn share(app: &TestApp, token: &str, id: &str, days: i64) -> (String, String) {
    let (s, l) = call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{id}/links"),
        Some(json!({ "expires_in_days": days, "label": "Acme team" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let t = l["token"].as_str().unwrap().to_string();
    assert!(l["url"].as_str().unwrap().ends_with(&format!("/p/{t}")));
    (l["link"]["id"].as_str().unwrap().to_string(), t)
}

/// An unauthenticated API call (the brand's reviewer).
async fn public(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.api().request(method, app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn locked_for_every_workspace_until_a_super_admin_unlocks_it() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "agency@example.com", "Agency").await;
    let (s, p) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposals",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("super admin"), "{p}");
    let (s, p) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/proposals",
        Some(json!({ "title": "T", "brand": "B", "currency": "USD" })),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    let (_, a) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposals/access",
        None,
    )
    .await;
    assert_eq!(a["unlocked"], false);
    let browser = identity::testkit::browser(&app, "agency@example.com").await;
    // The sidebar's entry is the feature's landing page (200) saying who unlocks it; a
    // proposal's own address is refused (403) with the same explanation.
    let res = browser
        .get(app.url("/discover/proposals"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Locked for this workspace") && body.contains("super admin"),
        "{body}"
    );
    let res = browser
        .get(app.url(&format!("/discover/proposals/{}", Uuid::now_v7())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Locked for this workspace")
    );

    // Support staff see the state but cannot change it, by the API or the page.
    let (support_browser, support_token) =
        admin::testkit::signed_in(&app, StaffRole::Support).await;
    let path = format!("/api/v1/admin/discovery/proposal-access/{ws}");
    let (s, st) = call(&app, &support_token, Method::GET, &path, None).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["unlocked"], false);
    let (s, _) = call(
        &app,
        &support_token,
        Method::PUT,
        &path,
        Some(json!({ "unlocked": true })),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let res = support_browser
        .post(app.url(&format!("/admin/workspaces/{ws}/proposals-access")))
        .form(&[("unlocked", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = support_browser
        .get(app.url(&format!("/admin/workspaces/{ws}")))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("id=\"proposals-access\""), "{page}");
    assert!(
        page.contains("Only a super admin can unlock")
            && !page.contains("Unlock proposals</button>")
    );
    let (_, a) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposals/access",
        None,
    )
    .await;
    assert_eq!(a["unlocked"], false, "still locked");
    // A customer token is no staff credential.
    let (s, _) = call(
        &app,
        &token,
        Method::PUT,
        &path,
        Some(json!({ "unlocked": true })),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A super admin unlocks it (audited); the team may use proposals.
    let (root_browser, root_token) = admin::testkit::signed_in(&app, StaffRole::SuperAdmin).await;
    let (s, st) = call(
        &app,
        &root_token,
        Method::PUT,
        &path,
        Some(json!({ "unlocked": true })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["unlocked"], true);
    assert_eq!(st["unlocked_by"], "super_admin@staff.example");
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposals",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let res = browser
        .get(app.url("/discover/proposals"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let events = platform::audit::by_action(&app.state.db, "discovery.proposals_unlocked")
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].workspace_id, Some(ws));
    assert_eq!(events[0].actor_label, "staff:super_admin@staff.example");
    // Another workspace stays locked.
    let (other, _) = identity::testkit::customer(&app, "other@example.com", "Other").await;
    let (s, _) = call(
        &app,
        &other,
        Method::GET,
        "/api/v1/discovery/proposals",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The super admin's workspace page has the form; locking again through it works.
    let page = root_browser
        .get(app.url(&format!("/admin/workspaces/{ws}")))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Lock proposals again"), "{page}");
    let res = root_browser
        .post(app.url(&format!("/admin/workspaces/{ws}/proposals-access")))
        .form(&[
            ("unlocked", "false"),
            ("back", &format!("/admin/workspaces/{ws}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposals",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "locked again");
    let events = platform::audit::by_action(&app.state.db, "discovery.proposals_locked")
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    // An unknown workspace is not found.
    let (s, _) = call(
        &app,
        &root_token,
        Method::PUT,
        &format!("/api/v1/admin/discovery/proposal-access/{}", Uuid::now_v7()),
        Some(json!({ "unlocked": true })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_change_is_a_version_and_any_two_versions_compare() {
    let app = app().await;
    let ids = creators(&app, &["anna.cooks", "ben.runs", "cleo.travels"]).await;
    let (token, _) = unlocked(&app, "versions@example.com").await;
    let id = proposal(&app, &token, "Spring launch").await;
    add(&app, &token, &id, ids[0], "1 reel", 150_000).await;
    add(&app, &token, &id, ids[1], "3 stories", 50_000).await;
    let (s, p) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/discovery/proposals/{id}/creators/{}", ids[0]),
        Some(json!({ "deliverables": "2 reels", "fee_minor": 250_000 })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["version"], 4);
    // The same terms again change nothing: no version.
    let (_, p) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/discovery/proposals/{id}/creators/{}", ids[0]),
        Some(json!({ "deliverables": "2 reels", "fee_minor": 250_000 })),
    )
    .await;
    assert_eq!(p["version"], 4);
    let (s, p) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/discovery/proposals/{id}/creators/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    add(&app, &token, &id, ids[2], "", 0).await;
    let (s, p) = call(&app, &token, Method::PUT, &format!("/api/v1/discovery/proposals/{id}"),
        Some(json!({ "title": "Spring launch 2027", "brand": "Acme", "message": "Hello Acme", "currency": "USD" }))).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["version"], 7);
    assert_eq!(p["total_fee_minor"], 250_000);
    assert_eq!(p["creators"].as_array().unwrap().len(), 2);
    assert_eq!(p["creators"][0]["card"]["username"], "anna.cooks");

    let (_, v) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/versions"),
        None,
    )
    .await;
    let items = v["items"].as_array().unwrap();
    let numbers: Vec<i64> = items
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(items[0]["change"], "Changed the title");
    assert_eq!(items[2]["change"], "Removed @ben.runs");
    assert_eq!(
        items[3]["change"],
        "Changed the fee and deliverables of @anna.cooks"
    );
    assert_eq!(items[6]["created_by"], "versions@example.com");
    // Any version whole, as it was.
    let (s, v3) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/versions/3"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v3}");
    assert_eq!(v3["snapshot"]["title"], "Spring launch");
    assert_eq!(v3["snapshot"]["creators"].as_array().unwrap().len(), 2);
    assert_eq!(v3["snapshot"]["creators"][0]["fee_minor"], 150_000);
    let (s, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/versions/99"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/diff?from=3&to=7"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        d["fields"],
        json!([{ "field": "title", "from": "Spring launch", "to": "Spring launch 2027" }])
    );
    assert_eq!(d["added"][0]["username"], "cleo.travels");
    assert_eq!(d["removed"][0]["username"], "ben.runs");
    assert_eq!(d["changed"][0]["fee_from"], 150_000);
    assert_eq!(d["changed"][0]["fee_to"], 250_000);
    assert_eq!(d["changed"][0]["deliverables_to"], "2 reels");
    assert_eq!(d["changed"].as_array().unwrap().len(), 1);
    let (_, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/diff"),
        None,
    )
    .await;
    assert_eq!(
        (d["from"].as_i64(), d["to"].as_i64()),
        (Some(6), Some(7)),
        "the newest change by default"
    );
    let (s, d) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/diff?from=0&to=8"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
    assert_eq!(d["errors"].as_array().unwrap().len(), 2);

    // Refused input writes nothing.
    for body in [
        json!({ "title": "", "brand": "Acme", "currency": "USD" }),
        json!({ "title": "x".repeat(121), "brand": "Acme", "currency": "USD" }),
        json!({ "title": "T", "brand": "Acme", "currency": "DOLLARS" }),
        json!({ "title": "T", "brand": "Acme", "currency": "USD", "message": "m".repeat(4001) }),
    ] {
        let (s, e) = call(
            &app,
            &token,
            Method::PUT,
            &format!("/api/v1/discovery/proposals/{id}"),
            Some(body),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    }
    for body in [
        json!({ "deliverables": "d".repeat(501), "fee_minor": 1 }),
        json!({ "deliverables": "", "fee_minor": -1 }),
    ] {
        let (s, e) = call(
            &app,
            &token,
            Method::PUT,
            &format!("/api/v1/discovery/proposals/{id}/creators/{}", ids[0]),
            Some(body),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    }
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{id}/creators"),
        Some(json!({ "profile_id": ids[0] })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a creator is on a proposal once");
    // A read-only token reads and writes nothing.
    let (_, t) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "read", "scope": "read", "expires_at": "2099-01-01T00:00:00Z" })),
    )
    .await;
    let read = t["token"].as_str().unwrap();
    let (s, _) = call(
        &app,
        read,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(
        &app,
        read,
        Method::DELETE,
        &format!("/api/v1/discovery/proposals/{id}/creators/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{id}/versions"),
        None,
    )
    .await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        7,
        "nothing refused made a version"
    );
}

#[tokio::test]
async fn a_share_link_shows_one_version_of_one_proposal_until_it_expires_or_is_revoked() {
    let app = app().await;
    let ids = creators(&app, &["dana.yoga", "eli.bakes", "finn.skates"]).await;
    let (token, _) = unlocked(&app, "share@example.com").await;
    let a = proposal(&app, &token, "Proposal A").await;
    let b = proposal(&app, &token, "Proposal B secret").await;
    add(&app, &token, &a, ids[0], "1 reel", 100_000).await;
    add(&app, &token, &a, ids[1], "2 posts", 80_000).await;
    add(&app, &token, &b, ids[2], "story", 5_000).await;
    let (link_a, token_a) = share(&app, &token, &a, 7).await;
    // A later change is not what the link shows: it shows the version it was made of.
    call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/discovery/proposals/{a}"),
        Some(json!({ "title": "Proposal A changed", "brand": "Acme", "currency": "USD" })),
    )
    .await;

    let review = format!("/api/v1/proposal-reviews/{token_a}");
    let (s, r) = public(&app, Method::GET, &review, None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["title"], "Proposal A");
    assert_eq!(r["version"], 3);
    assert_eq!(r["total_fee_minor"], 180_000);
    assert_eq!(r["creators"].as_array().unwrap().len(), 2);
    assert_eq!(r["creators"][0]["card"]["username"], "dana.yoga");
    assert_eq!(
        r["creators"][0]["card"]["source"], "apify",
        "each card says its source"
    );
    let text = r.to_string();
    assert!(
        !text.contains("Proposal B") && !text.contains("finn.skates"),
        "only A: {text}"
    );
    assert!(!text.contains("share@example.com"), "nothing of the team");

    // Decisions and comments, through the API and the page.
    let (s, d) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[0], "decision": "approved", "name": "Rita (Acme)" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, _) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[1], "decision": "approved", "name": "Rita" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[1], "decision": "rejected", "name": "Rita" })),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a later decision replaces the earlier one"
    );
    // Proposal B's creator is out of reach of A's link.
    let (s, e) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[2], "decision": "approved", "name": "Rita" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[0], "decision": "maybe", "name": "" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["errors"].as_array().unwrap().len(), 2, "{e}");
    let (s, c) = public(
        &app,
        Method::POST,
        &format!("{review}/comments"),
        Some(json!({ "profile_id": ids[0], "name": "Rita", "comment": "Love her reels" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    for (name, comment) in [
        ("R".repeat(101), "ok".to_string()),
        ("Rita".into(), "c".repeat(2001)),
        ("Rita".into(), "  ".into()),
    ] {
        let (s, _) = public(
            &app,
            Method::POST,
            &format!("{review}/comments"),
            Some(json!({ "name": name, "comment": comment })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (s, _) = public(
        &app,
        Method::POST,
        &format!("{review}/comments"),
        Some(json!({ "profile_id": ids[2], "name": "Rita", "comment": "B?" })),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no comment on B's creator"
    );
    // The page: the same version, the forms, nothing of the app.
    let browser = app.browser();
    let res = browser
        .get(app.url(&format!("/p/{token_a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Proposal A") && !page.contains("Proposal A changed"),
        "{page}"
    );
    assert!(
        page.contains("@dana.yoga")
            && page.contains("USD 1,000.00")
            && page.contains("Love her reels")
    );
    assert!(page.contains("Source: Apify"), "{page}");
    assert!(
        !page.contains("href=\"/discover") && !page.contains("href=\"/home"),
        "no way into the app"
    );
    assert!(!page.contains("Proposal B"));
    let res = browser
        .post(app.url(&format!("/p/{token_a}")))
        .form(&[
            ("profile_id", ids[1].to_string().as_str()),
            ("decision", "approved"),
            ("name", "Sam"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Approved. Thank you!"));
    let res = browser
        .post(app.url(&format!("/p/{token_a}")))
        .form(&[("name", "Sam"), ("comment", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Enter the comment") && page.contains("value=\"Sam\""),
        "{page}"
    );

    // The team sees all of it.
    let (_, f) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{a}/feedback"),
        None,
    )
    .await;
    assert_eq!(f["decisions"].as_array().unwrap().len(), 2, "{f}");
    assert_eq!(f["comments"][0]["comment"], "Love her reels");
    assert_eq!(f["comments"][0]["username"], "dana.yoga");
    assert_eq!(f["comments"][0]["link_label"], "Acme team");
    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{a}"),
        None,
    )
    .await;
    assert_eq!(p["creators"][0]["decision"], "approved");
    assert_eq!(
        p["creators"][1]["decision"], "approved",
        "Sam's later decision"
    );
    let (_, fb) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{b}/feedback"),
        None,
    )
    .await;
    assert_eq!(fb["decisions"], json!([]), "nothing reached B");

    // The token is no credential for anything else.
    let (s, _) = call(
        &app,
        &token_a,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{b}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(
        &app,
        &token_a,
        Method::GET,
        "/api/v1/discovery/proposals",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let res = app
        .api()
        .get(app.url(&format!("/discover/proposals/{b}?token={token_a}")))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::OK);
    // A link of B reaches only B.
    let (_, token_b) = share(&app, &token, &b, 1).await;
    let (_, rb) = public(
        &app,
        Method::GET,
        &format!("/api/v1/proposal-reviews/{token_b}"),
        None,
    )
    .await;
    assert_eq!(rb["title"], "Proposal B secret");
    assert!(!rb.to_string().contains("dana.yoga"));
    // Unknown and malformed tokens are not found.
    for t in ["x".repeat(43), "nope".into()] {
        let (s, _) = public(
            &app,
            Method::GET,
            &format!("/api/v1/proposal-reviews/{t}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    // Revoked: refused everywhere, as such.
    let (s, l) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{a}/links/{link_a}/revoke"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(l["state"], "revoked");
    let (s, e) = public(&app, Method::GET, &review, None).await;
    assert_eq!(s, StatusCode::GONE, "{e}");
    assert_eq!(e["type"], "/problems/link-gone");
    assert!(e["detail"].as_str().unwrap().contains("withdrawn"));
    let (s, _) = public(
        &app,
        Method::POST,
        &format!("{review}/decisions"),
        Some(json!({ "profile_id": ids[0], "decision": "rejected", "name": "Rita" })),
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    let (s, _) = public(
        &app,
        Method::POST,
        &format!("{review}/comments"),
        Some(json!({ "name": "Rita", "comment": "late" })),
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    let res = browser
        .get(app.url(&format!("/p/{token_a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("This link no longer works") && !page.contains("Proposal A"),
        "{page}"
    );
    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{a}"),
        None,
    )
    .await;
    assert_eq!(
        p["creators"][0]["decision"], "approved",
        "nothing changed after the revocation"
    );

    // Expired: refused as such.
    link::Entity::update_many()
        .col_expr(
            link::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(link::Column::ProposalId.eq(Uuid::parse_str(&b).unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (s, e) = public(
        &app,
        Method::GET,
        &format!("/api/v1/proposal-reviews/{token_b}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    assert!(e["detail"].as_str().unwrap().contains("expired"), "{e}");
    let res = browser
        .get(app.url(&format!("/p/{token_b}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
    let (_, ls) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{b}/links"),
        None,
    )
    .await;
    assert_eq!(ls["items"][0]["state"], "expired");

    // Link lifetimes are 1–90 days; the database keeps no token.
    for days in [0, 91] {
        let (s, _) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/discovery/proposals/{a}/links"),
            Some(json!({ "expires_in_days": days })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let stored = link::Entity::find().all(&app.state.db).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|l| l.token_hash != token_a && l.token_hash.len() == 64)
    );
}

#[tokio::test]
async fn comments_through_a_link_are_capped_per_hour() {
    let app = app().await;
    let ids = creators(&app, &["gus.paints"]).await;
    let (token, _) = unlocked(&app, "flood@example.com").await;
    let a = proposal(&app, &token, "Flood").await;
    add(&app, &token, &a, ids[0], "", 0).await;
    let (_, t) = share(&app, &token, &a, 3).await;
    let path = format!("/api/v1/proposal-reviews/{t}/comments");
    for i in 0..discovery::service::proposals::sharing::COMMENTS_PER_HOUR {
        let (s, _) = public(
            &app,
            Method::POST,
            &path,
            Some(json!({ "name": "Bot", "comment": format!("c{i}") })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, e) = public(
        &app,
        Method::POST,
        &path,
        Some(json!({ "name": "Bot", "comment": "one more" })),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    let (_, f) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{a}/feedback"),
        None,
    )
    .await;
    assert_eq!(f["comments"].as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn a_template_keeps_the_message_currency_and_slots_for_new_proposals() {
    let app = app().await;
    let ids = creators(&app, &["hana.dances", "ivo.films", "jo.sings"]).await;
    let (token, _) = unlocked(&app, "templates@example.com").await;
    let (_, p) = call(&app, &token, Method::POST, "/api/v1/discovery/proposals",
        Some(json!({ "title": "Summer", "brand": "Acme", "message": "Dear brand", "currency": "EUR" }))).await;
    let id = p["id"].as_str().unwrap().to_string();
    add(&app, &token, &id, ids[0], "1 reel", 90_000).await;
    add(&app, &token, &id, ids[1], "3 stories", 30_000).await;
    let (s, t) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{id}/template"),
        Some(json!({ "name": "Two-creator pitch" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(
        t["slots"],
        json!([{ "deliverables": "1 reel", "fee_minor": 90_000 }, { "deliverables": "3 stories", "fee_minor": 30_000 }])
    );
    let tid = t["id"].as_str().unwrap();
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{id}/template"),
        Some(json!({ "name": "" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, n) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/proposals",
        Some(json!({ "title": "Autumn", "brand": "Other brand", "template_id": tid })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    assert_eq!(n["message"], "Dear brand");
    assert_eq!(n["currency"], "EUR");
    let nid = n["id"].as_str().unwrap().to_string();
    // Creators added without terms take the slots in order; one past them starts empty.
    for pid in [ids[2], ids[0], ids[1]] {
        let (s, _) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/discovery/proposals/{nid}/creators"),
            Some(json!({ "profile_id": pid })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, n) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{nid}"),
        None,
    )
    .await;
    let terms: Vec<(String, i64)> = n["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["deliverables"].as_str().unwrap().to_string(),
                c["fee_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        terms,
        [
            ("1 reel".to_string(), 90_000),
            ("3 stories".into(), 30_000),
            (String::new(), 0)
        ]
    );
    // Given terms win over the slot; the username works as well as the profile id.
    let (_, p2) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/proposals",
        Some(json!({ "title": "Winter", "brand": "B", "currency": "GBP", "template_id": tid })),
    )
    .await;
    assert_eq!(p2["currency"], "GBP");
    let (s, p2) = call(
        &app,
        &token,
        Method::POST,
        &format!(
            "/api/v1/discovery/proposals/{}/creators",
            p2["id"].as_str().unwrap()
        ),
        Some(json!({ "username": "@Jo.Sings", "fee_minor": 7 })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p2}");
    assert_eq!(p2["creators"][0]["deliverables"], "1 reel");
    assert_eq!(p2["creators"][0]["fee_minor"], 7);

    let (_, list) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/discovery/proposal-templates",
        None,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (s, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/discovery/proposal-templates/{tid}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/discovery/proposals",
        Some(json!({ "title": "X", "brand": "Y", "template_id": tid })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a deleted template");
}

#[tokio::test]
async fn the_approved_creators_become_a_campaign_in_one_step() {
    let app = app().await;
    let ids = creators(&app, &["kai.climbs", "lea.reads"]).await;
    let (token, _) = unlocked(&app, "convert@example.com").await;
    let a = proposal(&app, &token, "Climbing").await;
    add(&app, &token, &a, ids[0], "1 reel", 120_000).await;
    add(&app, &token, &a, ids[1], "1 post", 40_000).await;
    let (s, e) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{a}/campaign"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing approved yet: {e}");
    let (_, t) = share(&app, &token, &a, 5).await;
    let review = format!("/api/v1/proposal-reviews/{t}/decisions");
    public(
        &app,
        Method::POST,
        &review,
        Some(json!({ "profile_id": ids[0], "decision": "approved", "name": "Rita" })),
    )
    .await;
    public(
        &app,
        Method::POST,
        &review,
        Some(json!({ "profile_id": ids[1], "decision": "rejected", "name": "Rita" })),
    )
    .await;
    let (s, c) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{a}/campaign"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["campaign_id"].as_str().unwrap();
    let (s, camp) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/campaigns/{cid}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{camp}");
    let text = camp.to_string();
    assert!(
        text.contains(&ids[0].to_string()) && !text.contains(&ids[1].to_string()),
        "{text}"
    );
    assert!(text.contains("120000"), "the proposed fee: {text}");
    let (s, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{a}/campaign"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "once");
    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{a}"),
        None,
    )
    .await;
    assert_eq!(p["campaign_id"], cid);
}

#[tokio::test]
async fn the_pages_build_share_and_answer_refusals_on_the_page() {
    let app = app().await;
    let ids = creators(&app, &["mia.surfs", "noah.draws"]).await;
    unlocked(&app, "pages@example.com").await;
    let browser = identity::testkit::browser(&app, "pages@example.com").await;
    let res = browser
        .get(app.url("/discover/proposals"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("No proposals yet")
            && page.contains("href=\"/discover/proposals\" aria-current=\"page\""),
        "{page}"
    );
    // A refused form keeps what was typed.
    let res = browser
        .post(app.url("/discover/proposals"))
        .form(&[("title", "Beach"), ("brand", ""), ("currency", "usd")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Enter the brand") && page.contains("value=\"Beach\""),
        "{page}"
    );
    let res = browser
        .post(app.url("/discover/proposals"))
        .form(&[
            ("title", "Beach"),
            ("brand", "Surfco"),
            ("currency", "usd"),
            ("message", "Hi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let editor = res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let res = browser
        .post(app.url(&format!("{editor}/creators")))
        .form(&[
            ("creator", "@mia.surfs"),
            ("deliverables", "2 reels"),
            ("fee", "1,500.5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser
        .post(app.url(&format!("{editor}/creators")))
        .form(&[
            ("creator", "noah.draws"),
            ("deliverables", "1 post"),
            ("fee", "lots"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Enter the fee as a number")
            && page.contains("value=\"lots\"")
            && page.contains("1 post"),
        "{page}"
    );
    let res = browser
        .post(app.url(&format!("{editor}/creators")))
        .form(&[("creator", "@nobody.known")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("No creator with this username")
    );
    let res = browser
        .post(app.url(&format!("{editor}/creators/{}", ids[0])))
        .form(&[("deliverables", "3 reels"), ("fee", "2000")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = browser.get(app.url(&editor)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("@mia.surfs") && page.contains("USD 2,000.00") && page.contains("Version 3"),
        "{page}"
    );
    assert!(
        page.contains("Source: Apify"),
        "figures say where they came from"
    );
    let page = browser
        .get(app.url(&format!("{editor}?from=2&to=3")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("@mia.surfs: fee USD 1,500.50 → USD 2,000.00"),
        "{page}"
    );
    assert!(page.contains("@mia.surfs: deliverables “2 reels” → “3 reels”"));
    let page = browser
        .get(app.url(&format!("{editor}?version=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Version 1: Beach"), "{page}");
    let res = browser
        .get(app.url(&format!("{editor}?from=9&to=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose a version between 1 and 3")
    );

    // A link is shown once on the page that made it; the review page opens with it.
    let res = browser
        .post(app.url(&format!("{editor}/links")))
        .form(&[("expires_in_days", "120")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose between 1 and 90 days")
    );
    let res = browser
        .post(app.url(&format!("{editor}/links")))
        .form(&[("expires_in_days", "10"), ("label", "Surfco")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let page = res.text().await.unwrap();
    let start = page.find("/p/").unwrap();
    let review: String = page[start..].chars().take_while(|c| *c != '<').collect();
    let anon = app.browser();
    let res = anon.get(app.url(&review)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{review}");
    assert!(res.text().await.unwrap().contains("@mia.surfs"));
    let page = browser
        .get(app.url(&editor))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&review), "shown once");
    assert!(page.contains(">Surfco</td>") && page.contains(">Active</td>"));

    // Save as template, then find it on the list page.
    let res = browser
        .post(app.url(&format!("{editor}/template")))
        .form(&[("name", "Surf pitch")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(app.url("/discover/proposals"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Surf pitch") && page.contains(">Beach</a>"),
        "{page}"
    );
    // Removing and deleting.
    let res = browser
        .post(app.url(&format!("{editor}/creators/{}/remove", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser
        .post(app.url(&format!("{editor}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = anon.get(app.url(&review)).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "the link went with its proposal"
    );
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found_on_any_route() {
    let app = app().await;
    let ids = creators(&app, &["olga.hikes"]).await;
    let (token_a, _) = unlocked(&app, "a@example.com").await;
    let (token_b, _) = unlocked(&app, "b@example.com").await;
    let b = proposal(&app, &token_b, "B's proposal").await;
    add(&app, &token_b, &b, ids[0], "1 reel", 100).await;
    let (link_b, _) = share(&app, &token_b, &b, 3).await;
    let (_, t) = call(
        &app,
        &token_b,
        Method::POST,
        &format!("/api/v1/discovery/proposals/{b}/template"),
        Some(json!({ "name": "B's template" })),
    )
    .await;
    let template_b = t["id"].as_str().unwrap().to_string();
    let browser_a = identity::testkit::browser(&app, "a@example.com").await;

    let feature = discovery::feature();
    let mine = |t: &str| {
        t.starts_with("/api/v1/discovery/proposal") || t.starts_with("/discover/proposals")
    };
    let mut routes: Vec<_> = api_routes(feature.openapi.as_ref().unwrap())
        .into_iter()
        .filter(|r| mine(&r.template))
        .collect();
    routes.extend(
        page_routes(&feature)
            .into_iter()
            .filter(|r| mine(&r.template)),
    );
    assert!(routes.len() >= 25, "{routes:?}");
    let witness = [
        format!("/api/v1/discovery/proposals/{b}"),
        format!("/api/v1/discovery/proposals/{b}/versions"),
        format!("/api/v1/discovery/proposals/{b}/links"),
        format!("/api/v1/discovery/proposals/{b}/feedback"),
        format!("/api/v1/discovery/proposal-templates/{template_b}"),
    ];
    let witness: Vec<&str> = witness.iter().map(String::as_str).collect();
    let pid = ids[0].to_string();
    let calls = Sweep::new(&app, &token_a, &token_b, &witness)
        .browser(browser_a)
        .id("proposals/{id}", &b)
        .id("creators/{profile_id}", &pid)
        .id("links/{link_id}", &link_b)
        .id("proposal-templates/{id}", &template_b)
        .id("templates/{id}", &template_b)
        .json(
            Method::PUT,
            "/api/v1/discovery/proposals/{id}",
            json!({ "title": "Mine now", "brand": "A", "currency": "USD" }),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/proposals/{id}/creators",
            json!({ "profile_id": pid }),
        )
        .json(
            Method::PUT,
            "/api/v1/discovery/proposals/{id}/creators/{profile_id}",
            json!({ "deliverables": "x", "fee_minor": 1 }),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/proposals/{id}/links",
            json!({ "expires_in_days": 5 }),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/proposals/{id}/template",
            json!({ "name": "stolen" }),
        )
        .form(
            Method::POST,
            "/discover/proposals/{id}",
            &[("title", "Mine"), ("brand", "A"), ("currency", "USD")],
        )
        .form(
            Method::POST,
            "/discover/proposals/{id}/creators",
            &[("creator", "olga.hikes")],
        )
        .form(
            Method::POST,
            "/discover/proposals/{id}/creators/{profile_id}",
            &[("deliverables", "x"), ("fee", "1")],
        )
        .form(
            Method::POST,
            "/discover/proposals/{id}/links",
            &[("expires_in_days", "5")],
        )
        .form(
            Method::POST,
            "/discover/proposals/{id}/template",
            &[("name", "stolen")],
        )
        .run(&routes)
        .await;
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("DELETE /api/v1/discovery/proposals/"))
    );
    assert!(
        calls
            .iter()
            .any(|c| c.contains("/links/") && c.ends_with("/revoke"))
    );
    // B's link still works, and B's proposal is as it was.
    let (_, p) = call(
        &app,
        &token_b,
        Method::GET,
        &format!("/api/v1/discovery/proposals/{b}"),
        None,
    )
    .await;
    assert_eq!(p["title"], "B's proposal");
    assert_eq!(p["version"], 2);
}
