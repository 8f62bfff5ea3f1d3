use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::*;

async fn post_raw(
    app: &platform::testkit::TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.api()
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields() {
    let app = app().await;
    let (status, p) = problem(
        post_raw(
            &app,
            "/api/v1/auth/signup",
            "application/json",
            b"{\"email\":".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p["type"].as_str().unwrap().ends_with("/bad-request"));

    let body = json!({ "email": "a@example.com", "password": 123, "name": "A", "workspace": "W" });
    let (status, p) = problem(
        post_raw(
            &app,
            "/api/v1/auth/signup",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "password");

    let body = json!({ "email": "a@example.com", "password": PASSWORD, "name": "A", "workspace": "W", "role": "owner" });
    let (status, p) = problem(
        post_raw(
            &app,
            "/api/v1/auth/signup",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "role");

    let (status, _) =
        problem(post_raw(&app, "/api/v1/auth/signup", "text/plain", b"hi".to_vec()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversize_bodies_are_413() {
    let app = app_with(|c| c.body_limit_bytes = 4096).await;
    let big = json!({ "email": "a@example.com", "password": "x".repeat(10_000), "name": "A", "workspace": "W" });
    let (status, p) = problem(
        post_raw(
            &app,
            "/api/v1/auth/signup",
            "application/json",
            big.to_string().into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(p["type"].as_str().unwrap().ends_with("/payload-too-large"));
}

#[tokio::test]
async fn every_field_problem_is_reported_at_once_and_nothing_is_written() {
    let app = app().await;
    let body =
        json!({ "email": "not-an-email", "password": "short", "name": "  ", "workspace": "" });
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["email", "name", "workspace", "password"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        identity::model::user::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn password_policy() {
    let app = app().await;
    for (password, why) in [
        ("elevenchars", "too short"),
        (&*"x".repeat(129), "too long"),
        ("1qaz2wsx3edc", "common"),
        ("Password1234", "common, any case"),
        (&*" ".repeat(16), "only spaces"),
        (&*"\u{3000} \t".repeat(5), "only white space of other kinds"),
    ] {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/signup"))
            .json(&json!({ "email": "p@example.com", "password": password, "name": "P", "workspace": "W" }))
            .send()
            .await
            .unwrap();
        let (status, p) = problem(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_eq!(p["errors"][0]["field"], "password", "{why}: {p}");
    }
    let ok = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "p@example.com", "password": "x".repeat(128), "name": "P", "workspace": "W" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.status(),
        StatusCode::ACCEPTED,
        "128 characters are allowed"
    );
    let _: Value = ok.json().await.unwrap();
}

/// Extractor rejections are ours: a path segment that is not even UTF-8 is a 404 problem
/// document (axum answered `text/plain` 400), a query it cannot read is a 422 naming the
/// parameter — the error page on a page route.
#[tokio::test]
async fn unreadable_paths_and_queries_are_problems_or_the_error_page() {
    let app = app().await;
    signup(&app, "paths@example.com", "Paths").await;
    let token = token(&app, "paths@example.com").await;
    for (method, path) in [
        (reqwest::Method::DELETE, "/api/v1/tokens/%FF"),
        (reqwest::Method::DELETE, "/api/v1/workspace/members/%FF%FE"),
        (reqwest::Method::DELETE, "/api/v1/tokens/not-an-id"),
    ] {
        let res = app
            .api()
            .request(method, app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, p) = problem(res).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {p}");
    }
    let res = app
        .browser()
        .get(app.url("/login?next=/a&next=/b"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = res.text().await.unwrap();
    assert!(!page.contains("Failed to deserialize"), "{page}");
}
