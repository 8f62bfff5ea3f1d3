use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::*;

#[tokio::test]
async fn signup_then_token_then_me() {
    let app = app().await;
    let body = signup(&app, "Owner@Example.com", "Acme Studio").await;
    assert_eq!(body["user"]["email"], "Owner@Example.com");
    assert_eq!(body["workspace"]["slug"], "acme-studio");
    assert!(body["user"]["id"].as_str().is_some());

    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "owner@example.com", "password": PASSWORD, "workspace": "acme-studio" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    let token = t["token"].as_str().unwrap();
    assert!(token.starts_with("gd_"));
    assert_eq!(t["workspace"]["slug"], "acme-studio");
    assert!(t["expires_at"].as_str().is_some());

    let me: Value = get(&app, token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "Owner@Example.com");
    assert_eq!(me["user"]["two_factor"], false);
    assert_eq!(me["workspace"]["slug"], "acme-studio");
    assert_eq!(me["role"], "owner");

    // Tokens are stored hashed: the secret is nowhere in the database.
    use sea_orm::EntityTrait;
    let rows = identity::model::api_token::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.token_hash != token && token.starts_with(&r.prefix))
    );
}

#[tokio::test]
async fn wrong_credentials_are_401_problems() {
    let app = app().await;
    signup(&app, "a@example.com", "A").await;
    for body in [
        json!({ "email": "a@example.com", "password": "wrong password entirely" }),
        json!({ "email": "nobody@example.com", "password": PASSWORD }),
    ] {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, p) = problem(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .ends_with("/invalid-credentials")
        );
    }
    let res = app.api().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
    let res = app
        .api()
        .get(app.url("/api/v1/me"))
        .bearer_auth("gd_notatoken")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn duplicate_email_is_a_field_error_and_nothing_is_written() {
    let app = app().await;
    signup(&app, "dup@example.com", "First").await;
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "DUP@example.com", "password": PASSWORD, "name": "X", "workspace": "Second" }))
        .send()
        .await
        .unwrap();
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "email");
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        identity::model::workspace::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1,
        "no orphan workspace"
    );
}

#[tokio::test]
async fn unknown_workspace_slug_is_404_for_token() {
    let app = app().await;
    signup(&app, "a@example.com", "Alpha").await;
    signup(&app, "b@example.com", "Beta").await;
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "a@example.com", "password": PASSWORD, "workspace": "beta" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res).await.0,
        StatusCode::NOT_FOUND,
        "another user's workspace"
    );
}

#[tokio::test]
async fn list_workspaces_for_a_token_shows_only_its_workspace() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "Alpha").await;
    let list: Value = get(&app, &t, "/api/v1/workspaces")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["role"], "owner");
}
