use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::*;

#[tokio::test]
async fn create_list_use_revoke() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/tokens",
        json!({ "name": "CI export", "scope": "read", "expires_at": "2099-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    assert_eq!(created["scope"], "read");

    let list: Value = get(&app, &t, "/api/v1/tokens").await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the sign-in token and the new one");
    assert!(
        !list.to_string().contains(&secret),
        "secrets are never listed"
    );

    // A read token reads but cannot write.
    assert_eq!(
        get(&app, &secret, "/api/v1/workspace/members")
            .await
            .status(),
        StatusCode::OK
    );
    let res = send(
        &app,
        Method::POST,
        &secret,
        "/api/v1/workspace/invitations",
        json!({ "email": "x@example.com", "role": "member" }),
    )
    .await;
    assert_eq!(problem(res).await.0, StatusCode::FORBIDDEN);
    let res = send(
        &app,
        Method::POST,
        &secret,
        "/api/v1/tokens",
        json!({ "name": "escalate", "scope": "read_write" }),
    )
    .await;
    assert_eq!(problem(res).await.0, StatusCode::FORBIDDEN);

    // last_used_at is recorded.
    let list: Value = get(&app, &t, "/api/v1/tokens").await.json().await.unwrap();
    let ro = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "CI export")
        .unwrap()
        .clone();
    assert!(ro["last_used_at"].as_str().is_some());

    let id = created["id"].as_str().unwrap();
    let res = app
        .api()
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, &secret, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "revoked at once"
    );
    let res = app
        .api()
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::NOT_FOUND, "twice");
}

#[tokio::test]
async fn expired_tokens_stop_working_and_past_expiry_is_refused() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "a@example.com", "A").await;
    let res = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/tokens",
        json!({ "name": "old", "scope": "read", "expires_at": "2001-01-01T00:00:00Z" }),
    )
    .await;
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "expires_at");

    // Expire a token in the database and watch it stop.
    let created: Value = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/tokens",
        json!({ "name": "soon", "scope": "read" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let secret = created["token"].as_str().unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    identity::model::api_token::Entity::update_many()
        .col_expr(
            identity::model::api_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(identity::model::api_token::Column::Name.eq("soon"))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        get(&app, secret, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_malformed_token_id_is_not_found() {
    // Another workspace's token id is swept with every id-taking route in `cross_tenant.rs`.
    let app = app().await;
    let (_, alice) = user_with_token(&app, "alice@example.com", "Alice Co").await;
    let res = app
        .api()
        .delete(app.url("/api/v1/tokens/not-a-uuid"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::NOT_FOUND);
}
