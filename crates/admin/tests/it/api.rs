//! The staff JSON API: tokens, the job queue, customers, the activity log.

use platform::jobs::{self, model};
use platform::staff::StaffRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn staff_sign_in_needs_password_and_a_fresh_totp_code() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": PASSWORD, "otp": "" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/otp-required"));
    // An empty code is refused before anything is checked: the answer is the same with a
    // wrong password.
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": "wrong password here", "otp": "" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/otp-required"));
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": PASSWORD, "otp": "000000" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let p: Value = res.json().await.unwrap();
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .ends_with("/invalid-credentials")
    );
    let res = token_request(&app, json!({ "email": root.email, "password": "wrong password here", "otp": code(&root.secret) })).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let otp = code(&root.secret);
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": PASSWORD, "otp": otp }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().starts_with("gds_"));
    assert_eq!(body["role"], "super_admin");
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((7.9..=8.0).contains(&hours), "8-hour token: {hours}");
    // The same code again is refused (single use).
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": PASSWORD, "otp": otp }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !platform::audit::by_action(&app.state.db, "staff.sign_in_failed")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        platform::audit::by_action(&app.state.db, "staff.signed_in")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_access_code_is_enforced_when_set() {
    let app = app_with(|c| c.admin_access_code = Some("orange-harbour-42".into())).await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let res = token_request(
        &app,
        json!({ "email": root.email, "password": PASSWORD, "otp": code(&root.secret) }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = token_request(&app, json!({ "email": root.email, "password": PASSWORD, "otp": code(&root.secret), "access_code": "wrong" })).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = token_request(&app, json!({ "email": root.email, "password": PASSWORD, "otp": code(&root.secret), "access_code": "orange-harbour-42" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn job_routes_by_role_and_credential() {
    let app = app().await;
    let dead = jobs::enqueue(&app.state.db, &jobs::builtin::Noop::default())
        .await
        .unwrap()
        .unwrap();
    model::job::Entity::update_many()
        .col_expr(
            model::job::Column::State,
            sea_orm::sea_query::Expr::value(model::DEAD),
        )
        .filter(sea_orm::ColumnTrait::eq(&model::job::Column::Id, dead))
        .exec(&app.state.db)
        .await
        .unwrap();
    use sea_orm::{EntityTrait, QueryFilter};
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let tokens = [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        (
            "customer",
            Some(customer_token(&app).await),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "support",
            Some(staff_token(&app, &support).await),
            StatusCode::FORBIDDEN,
        ),
        (
            "finance",
            Some(staff_token(&app, &finance).await),
            StatusCode::FORBIDDEN,
        ),
    ];
    let routes = [
        (reqwest::Method::GET, "/api/v1/admin/jobs".to_string()),
        (reqwest::Method::GET, format!("/api/v1/admin/jobs/{dead}")),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/jobs/{dead}/retry"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/jobs/{dead}/discard"),
        ),
    ];
    for (who, token, expected) in &tokens {
        for (method, path) in &routes {
            let mut req = app.api().request(method.clone(), app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), *expected, "{who} {method} {path}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("platform.noop"), "{who} saw job data");
        }
    }
    // The super admin sees, retries and discards.
    let root_token = staff_token(&app, &root).await;
    let list: Value = app
        .api()
        .get(app.url("/api/v1/admin/jobs?state=dead"))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], dead.to_string());
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/jobs/{dead}/retry")))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/jobs/{dead}/retry")))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status(), StatusCode::CONFLICT | StatusCode::OK),
        "no longer dead (or already run again)"
    );
    assert_eq!(
        platform::audit::by_action(&app.state.db, "job.retried")
            .await
            .unwrap()[0]
            .actor_label,
        "staff:root@example.com"
    );
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/admin/jobs/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let _ = model::job::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&model::job::Column::Id, dead))
        .one(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn job_list_pages_with_a_cursor() {
    let app = app().await;
    for _ in 0..7 {
        jobs::enqueue_with(
            &app.state.db,
            &jobs::builtin::Noop::default(),
            jobs::Enqueue {
                queue: Some("parked".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let t = staff_token(&app, &root).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/admin/jobs?kind=platform.noop&limit=3&cursor={c}"),
            None => "/api/v1/admin/jobs?kind=platform.noop&limit=3".to_string(),
        };
        let page: Value = app
            .api()
            .get(app.url(&url))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 7, "no job twice across pages");
}

#[tokio::test]
async fn support_blocks_a_user_who_loses_access_at_once() {
    let app = app().await;
    let customer = customer_token(&app).await;
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "customer@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );

    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let t = staff_token(&app, &support).await;
    let page: Value = app
        .api()
        .get(app.url("/api/v1/admin/users?q=CUSTOMER"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "search ignores case"
    );
    let id = page["items"][0]["id"].as_str().unwrap().to_string();
    let none: Value = app
        .api()
        .get(app.url("/api/v1/admin/users?q=%25"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        0,
        "a typed % is literal"
    );

    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/users/{id}/block")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "blocked");
    assert_eq!(
        app.api()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&customer)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED,
        "token stops"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "session ends"
    );
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "customer@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "cannot sign in while blocked"
    );

    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/users/{id}/unblock")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.api()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&customer)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // The activity log holds both actions, attributed to the staff member.
    let log: Value = app
        .api()
        .get(app.url("/api/v1/admin/audit?actor=support@example.com"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"user.blocked") && actions.contains(&"user.unblocked"),
        "{actions:?}"
    );
    let res = app
        .api()
        .post(app.url(&format!(
            "/api/v1/admin/users/{}/block",
            uuid::Uuid::now_v7()
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn user_and_audit_routes_by_role_and_credential() {
    let app = app().await;
    let customer = customer_token(&app).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let f = staff_token(&app, &finance).await;
    let r = staff_token(&app, &root).await;
    let someone = uuid::Uuid::now_v7();
    let routes = [
        (reqwest::Method::GET, "/api/v1/admin/users".to_string()),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/users/{someone}/block"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/users/{someone}/unblock"),
        ),
        (reqwest::Method::GET, "/api/v1/admin/audit".to_string()),
    ];
    for (method, path) in &routes {
        let anon = app
            .api()
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(anon.status(), StatusCode::UNAUTHORIZED, "anonymous {path}");
        let cust = app
            .api()
            .request(method.clone(), app.url(path))
            .bearer_auth(&customer)
            .send()
            .await
            .unwrap();
        assert_eq!(cust.status(), StatusCode::UNAUTHORIZED, "customer {path}");
        let fin = app
            .api()
            .request(method.clone(), app.url(path))
            .bearer_auth(&f)
            .send()
            .await
            .unwrap();
        assert_eq!(fin.status(), StatusCode::FORBIDDEN, "finance {path}");
        let sup = app
            .api()
            .request(method.clone(), app.url(path))
            .bearer_auth(&r)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(sup.status(), StatusCode::OK | StatusCode::NOT_FOUND),
            "super_admin {path}: {}",
            sup.status()
        );
    }
    // Audit pages with a cursor and filters by action.
    let page: Value = app
        .api()
        .get(app.url("/api/v1/admin/audit?action=staff.signed_in&limit=1"))
        .bearer_auth(&r)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next: Value = app
        .api()
        .get(app.url(&format!(
            "/api/v1/admin/audit?action=staff.signed_in&limit=1&cursor={cursor}"
        )))
        .bearer_auth(&r)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);
}

/// A super admin cannot reset their own authenticator (whoever holds their password and token
/// could otherwise enrol one of their own); another super admin can.
#[tokio::test]
async fn a_super_admin_cannot_reset_their_own_authenticator() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let other = staff(&app, "other@example.com", StaffRole::SuperAdmin).await;
    let root_token = staff_token(&app, &root).await;
    let member = |email: &'static str| {
        let db = app.state.db.clone();
        async move {
            admin::model::staff::Entity::find()
                .filter(admin::model::staff::Column::EmailLower.eq(email))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let root_id = member("root@example.com").await.id;
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/staff/{root_id}/reset-2fa")))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let p: Value = res.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("another super admin")
    );
    assert!(
        member("root@example.com").await.totp_secret.is_some(),
        "unchanged"
    );
    assert!(
        platform::audit::by_action(&app.state.db, "staff.2fa_reset")
            .await
            .unwrap()
            .is_empty()
    );

    let other_token = staff_token(&app, &other).await;
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/staff/{root_id}/reset-2fa")))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(member("root@example.com").await.totp_secret.is_none());
}
