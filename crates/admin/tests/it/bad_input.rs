//! Bad input to the staff API and pages: numbers out of their documented range, unknown
//! filter values, unreadable paths, queries and bodies. Each is a 422 (or 404/400) problem
//! document for the API and the error page for a browser — never a panic, a 500, axum's
//! `text/plain` or a cut connection.

use platform::staff::StaffRole;
use reqwest::StatusCode;
use serde_json::Value;

use super::*;

/// Asserts an RFC 9457 answer with `status`, and returns it.
async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    let what = format!("{} {}", res.url().path(), res.url().query().unwrap_or(""));
    assert_eq!(res.status(), status, "{what}");
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json", "{what}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "{what}: {body}");
    assert!(body["request_id"].is_string(), "{what}: {body}");
    body
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn huge_and_zero_page_numbers_are_422_on_every_paged_list() {
    let app = app().await;
    let admin = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(&app, &admin).await;
    for list in [
        "/api/v1/admin/workspaces",
        "/api/v1/admin/instagram/accounts",
        "/api/v1/admin/billing/subscriptions",
    ] {
        for page in [
            "18446744073709551615",
            "9223372036854775808",
            "1000001",
            "0",
            "-1",
            "x",
        ] {
            let res = get(&app, &token, &format!("{list}?page={page}")).await;
            let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(
                body["errors"][0]["field"], "page",
                "{list}?page={page}: {body}"
            );
            assert_eq!(body["type"], "/problems/validation");
        }
        // The top of the range is a page (empty), not an error.
        let res = get(&app, &token, &format!("{list}?page=1000000")).await;
        assert_eq!(res.status(), StatusCode::OK, "{list}?page=1000000");
    }
}

#[tokio::test]
async fn page_sizes_above_their_maximum_are_refused() {
    let app = app().await;
    let admin = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(&app, &admin).await;
    for list in [
        "/api/v1/admin/users",
        "/api/v1/admin/jobs",
        "/api/v1/admin/outbox",
        "/api/v1/admin/audit",
        "/api/v1/admin/notifications",
    ] {
        let res = get(&app, &token, &format!("{list}?limit=201")).await;
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], "limit", "{list}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1 to 200"),
            "{body}"
        );
        let res = get(&app, &token, &format!("{list}?limit=0")).await;
        problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        let res = get(&app, &token, &format!("{list}?limit=200")).await;
        assert_eq!(res.status(), StatusCode::OK, "{list}?limit=200");
    }
}

#[tokio::test]
async fn huge_page_numbers_on_staff_pages_are_the_error_page() {
    let app = app().await;
    let admin = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (browser, _) = staff_browser(&app, &admin).await;
    for page in [
        "/admin/workspaces",
        "/admin/instagram",
        "/admin/users",
        "/admin/billing/subscriptions",
    ] {
        let res = browser
            .get(app.url(&format!("{page}?page=18446744073709551615")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        let content_type = res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("text/html"),
            "{page}: {content_type}"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("whole number from 1 to 1000000"), "{page}");
    }
}

#[tokio::test]
async fn an_export_with_a_bad_filter_is_refused_before_it_starts() {
    let app = app().await;
    let admin = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(&app, &admin).await;
    let res = get(&app, &token, "/api/v1/admin/users/export?status=null").await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "status", "{body}");
    // A good filter still streams.
    let res = get(&app, &token, "/api/v1/admin/users/export?status=active").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().starts_with("id,email"));
}

#[tokio::test]
async fn unreadable_queries_paths_and_bodies_are_problem_documents() {
    let app = app().await;
    let admin = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(&app, &admin).await;

    // A query of the wrong type names the parameter (was text/plain "Failed to deserialize…").
    let res = get(&app, &token, "/api/v1/admin/users?cursor=not-a-uuid").await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "cursor", "{body}");
    let res = get(&app, &token, "/api/v1/admin/notifications?unread=maybe").await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "unread", "{body}");
    let res = get(&app, &token, "/api/v1/admin/api-clients/x/usage?days=367").await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    // A path segment that cannot be an id (not even UTF-8): no such resource.
    let res = get(&app, &token, "/api/v1/admin/users/%FF").await;
    problem(res, StatusCode::NOT_FOUND).await;

    // A JSON body that does not parse, or of the wrong shape.
    let res = app
        .api()
        .post(app.url("/api/v1/admin/auth/token"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST).await;
    let res = app
        .api()
        .post(app.url("/api/v1/admin/auth/token"))
        .json(&serde_json::json!({ "email": 5 }))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    // A form body that a form handler cannot read: a page route answers its error page.
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let content_type = res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/html"),
        "a page route answers its error page: {content_type}"
    );
}
