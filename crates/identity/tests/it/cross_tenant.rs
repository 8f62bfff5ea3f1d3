//! Workspace A calls every id-taking route of identity (the API's, from its OpenAPI document,
//! and the pages', from their router) with workspace B's ids: each answers 404 and B's
//! members, invitations and tokens stay as they were.

use platform::testkit::cross_tenant::{Sweep, api_routes, page_routes};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::*;

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let b = app.browser();
    let res = b
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    b
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found_on_every_route() {
    let app = app().await;
    let (_, alice) = user_with_token(&app, "alice@example.com", "Alice Co").await;
    let (_, bob) = user_with_token(&app, "bob@example.com", "Bob Co").await;
    let alice_browser = signed_in(&app, "alice@example.com").await;
    signed_in(&app, "bob@example.com").await;

    // Workspace B's rows: its owner, an open invitation, a token, and Bob's browser session.
    let me: Value = get(&app, &bob, "/api/v1/me").await.json().await.unwrap();
    let bob_id = me["user"]["id"].as_str().unwrap().to_string();
    let invitation: Value = send(
        &app,
        Method::POST,
        &bob,
        "/api/v1/workspace/invitations",
        json!({ "email": "z@example.com", "role": "viewer" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let tokens: Value = get(&app, &bob, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    let token_id = id_of(&tokens["items"][0]);
    let session = identity::model::session::Entity::find()
        .filter(
            identity::model::session::Column::UserId.eq(uuid::Uuid::parse_str(&bob_id).unwrap()),
        )
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    let (_, doc) = identity::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(page_routes(&identity::feature()));
    let calls = Sweep::new(
        &app,
        &alice,
        &bob,
        &[
            "/api/v1/workspace/members",
            "/api/v1/workspace/invitations",
            "/api/v1/tokens",
        ],
    )
    .browser(alice_browser)
    .id("members/{user_id}", &bob_id)
    .id("invitations/{id}", id_of(&invitation))
    .id("tokens/{id}", &token_id)
    .id("sessions/{id}", session.id)
    .json(
        Method::PATCH,
        "/api/v1/workspace/members/{user_id}",
        json!({ "role": "viewer" }),
    )
    .form(
        Method::POST,
        "/workspace/members/{user_id}/role",
        &[("role", "viewer")],
    )
    .run(&routes)
    .await;
    assert_eq!(calls.len(), 9, "{calls:#?}");

    // Lists are the caller's own: nothing of B shows in A's.
    let list: Value = get(&app, &alice, "/api/v1/workspace/members")
        .await
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("bob@example.com"));
}
