//! Workspace A calls every id-taking route of instagram (the API's, from its OpenAPI
//! document, and the pages', from their router) with workspace B's ids: each answers 404,
//! and B's accounts and tracked profiles stay as they were.

use platform::testkit::cross_tenant::{Sweep, api_routes, page_routes};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::*;

use identity::testkit::browser as signed_in;

#[tokio::test]
async fn another_workspaces_ids_are_not_found_on_every_route() {
    let app = app().await;
    let alice = customer(&app, "alice@example.com", "Alice Co").await;
    let bob = customer(&app, "bob@example.com", "Bob Co").await;
    let alice_browser = signed_in(&app, "alice@example.com").await;
    let bob_browser = signed_in(&app, "bob@example.com").await;

    // Workspace B's rows: an account and a tracked profile, both refreshed once.
    let account: Value = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&bob)
        .json(&json!({ "username": "travel.with.mia", "demo": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account_id = account["id"].as_str().unwrap().to_string();
    fetched(&app, &bob, &account_id).await;
    let res = bob_browser
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.rival.brand"), ("note", "rival")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let tracked_of_b = || async {
        use instagram::model::tracked;
        tracked::Entity::find()
            .filter(tracked::Column::WorkspaceId.eq(workspace_id(&app, &bob).await))
            .all(&app.state.db)
            .await
            .unwrap()
    };
    let tracked = tracked_of_b().await;
    assert_eq!(tracked.len(), 1);

    let (_, doc) = instagram::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(page_routes(&instagram::feature()));
    let account_path = format!("/api/v1/instagram/accounts/{account_id}");
    let calls = Sweep::new(
        &app,
        &alice,
        &bob,
        &["/api/v1/instagram/accounts", &account_path],
    )
    .browser(alice_browser)
    .id("accounts/{id}", &account_id)
    .id("tracked/{id}", tracked[0].id)
    .run(&routes)
    .await;
    assert_eq!(calls.len(), 10, "{calls:#?}");
    assert_eq!(tracked_of_b().await, tracked, "B still tracks its profile");
}
