//! The example feature through the real router and database: a note is kept and read, bad
//! input is refused, another workspace's note is not found on any id-taking route, staff see
//! the count (and a role without the permission does not), and the job prunes old notes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use identity::testkit::customer;
use platform::{
    Scope,
    staff::StaffRole,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes},
        spawn,
    },
};
use reqwest::StatusCode;
use sea_orm_migration::{MigrationTrait, SchemaManager};
use serde_json::{Value, json};

/// The server with the features the example needs: identity (customers, tokens), admin
/// (staff sign-in) and notes, its table made by its migration.
async fn app() -> TestApp {
    let app = spawn(
        vec![identity::feature(), admin::feature(), notes::feature()],
        |_| {},
    )
    .await;
    notes::migration::Migration
        .up(&SchemaManager::new(&app.state.db))
        .await
        .unwrap();
    app
}

async fn keep(app: &TestApp, token: &str, text: &str) -> reqwest::Response {
    app.api()
        .post(app.url("/api/v1/notes"))
        .bearer_auth(token)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_note_is_kept_and_read_and_bad_text_is_refused() {
    let app = app().await;
    let (token, _) = customer(&app, "alice@example.com", "Alice Co").await;
    let res = keep(&app, &token, "  call the florist  ").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let note: Value = res.json().await.unwrap();
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());
    let read: Value = app
        .api()
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["text"], "call the florist");
    for bad in ["   ".to_string(), "x".repeat(notes::MAX_TEXT + 1)] {
        let res = keep(&app, &token, &bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "text", "{problem}");
    }
}

#[tokio::test]
async fn another_workspaces_note_is_not_found_on_every_route() {
    let app = app().await;
    let (alice, _) = customer(&app, "alice@example.com", "Alice Co").await;
    let (bob, _) = customer(&app, "bob@example.com", "Bob Co").await;
    let note: Value = keep(&app, &bob, "theirs").await.json().await.unwrap();
    let id = note["id"].as_str().unwrap();
    let (_, doc) = notes::api::openapi_router().split_for_parts();
    let witness = format!("/api/v1/notes/{id}");
    let calls = Sweep::new(&app, &alice, &bob, &[&witness])
        .id("notes/{id}", id)
        .run(&api_routes(&doc))
        .await;
    assert_eq!(calls.len(), 2, "GET and DELETE: {calls:#?}");
}

#[tokio::test]
async fn staff_see_how_many_notes_there_are() {
    let app = app().await;
    let (token, _) = customer(&app, "alice@example.com", "Alice Co").await;
    keep(&app, &token, "one").await;
    keep(&app, &token, "two").await;
    let (support, _) = admin::testkit::signed_in(&app, StaffRole::Support).await;
    let res = support.get(app.url("/admin/notes")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(r#"<span class="stat-value">2</span>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"href="/admin/notes""#),
        "the sidebar links it"
    );
    let (finance, _) = admin::testkit::signed_in(&app, StaffRole::Finance).await;
    let res = finance.get(app.url("/admin/notes")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_prune_job_removes_notes_older_than_a_year() {
    let app = app().await;
    let (token, ws) = customer(&app, "alice@example.com", "Alice Co").await;
    keep(&app, &token, "fresh").await;
    let old = notes::create(&app.state.db, &Scope::for_test(ws), "stale")
        .await
        .unwrap();
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    notes::note::ActiveModel {
        id: Set(old.id),
        created_at: Set(chrono::Utc::now() - chrono::Duration::days(400)),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    platform::jobs::enqueue(&app.state.db, &notes::PruneNotes)
        .await
        .unwrap();
    for _ in 0..100 {
        let left = notes::note::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        if left.len() == 1 {
            assert_eq!(left[0].text, "fresh");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the old note is still there after 10 s");
}
