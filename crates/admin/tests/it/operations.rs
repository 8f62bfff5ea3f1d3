//! The activity log page and export, the mail outbox with retry, the jobs page.

use platform::staff::StaffRole;
use reqwest::StatusCode;
use serde_json::Value;

use super::*;

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_activity_log_filters_pages_and_exports() {
    let app = app().await;
    // Security events: failed customer sign-ins from two addresses are not possible here
    // (one client); actions and actors differ.
    for _ in 0..3 {
        app.browser()
            .post(app.url("/login"))
            .form(&[
                ("email", "nobody@example.com"),
                ("password", "wrong password here"),
            ])
            .send()
            .await
            .unwrap();
    }
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (browser, _) = staff_browser(&app, &support).await;

    let (status, page) = text(&browser, &app, "/admin/activity?action=staff.signed_in").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("staff:support@example.com"));
    assert!(!page.contains("nobody@example.com"), "filtered by action");
    let (_, by_actor) = text(&browser, &app, "/admin/activity?actor=NOBODY").await;
    assert!(by_actor.contains("nobody@example.com"));
    assert!(!by_actor.contains("<code>staff.signed_in</code>"));
    let (_, by_ip) = text(
        &browser,
        &app,
        "/admin/activity?ip=127.0.0.1&action=staff.signed_in",
    )
    .await;
    assert!(by_ip.contains("staff:support@example.com"));
    let (_, other_ip) = text(&browser, &app, "/admin/activity?ip=203.0.113.9").await;
    assert!(other_ip.contains("No activity recorded"));
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let (_, future) = text(&browser, &app, &format!("/admin/activity?from={tomorrow}")).await;
    assert!(future.contains("No activity recorded"));
    let (status, bad) = text(&browser, &app, "/admin/activity?ip=not-an-ip").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter an IP address"));
    let staff_id = admin::model::staff::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, by_target) = text(
        &browser,
        &app,
        &format!("/admin/activity?target_type=staff&target_id={staff_id}"),
    )
    .await;
    assert!(by_target.contains("<code>staff.signed_in</code>"));

    // Pages by cursor: 60 entries, 50 a page.
    for i in 0..60 {
        platform::audit::record(
            &app.state.db,
            platform::audit::Event::new("test.filler").detail(serde_json::json!({ "n": i })),
        )
        .await
        .unwrap();
    }
    let (_, first) = text(&browser, &app, "/admin/activity?action=test.filler").await;
    assert_eq!(first.matches("test.filler</code>").count(), 50);
    let next = first
        .split("href=\"")
        .find(|s| s.contains("cursor="))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let (_, second) = text(&browser, &app, &next).await;
    assert_eq!(second.matches("test.filler</code>").count(), 10);

    // Oldest first, paged by cursor through the API too.
    let t0 = staff_token(&app, &support).await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..2 {
        let page: Value = app
            .api()
            .get(app.url(&format!(
                "/api/v1/admin/audit?action=test.filler&order=oldest&limit=5{cursor}"
            )))
            .bearer_auth(&t0)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["items"].as_array().unwrap() {
            seen.push(e["detail"]["n"].as_i64().unwrap());
        }
        cursor = format!("&cursor={}", page["next_cursor"].as_str().unwrap());
    }
    assert_eq!(seen, (0..10).collect::<Vec<i64>>());
    let (_, oldest) = text(
        &browser,
        &app,
        "/admin/activity?action=test.filler&order=oldest",
    )
    .await;
    let first_n = oldest
        .find("{&quot;n&quot;:0}")
        .or_else(|| oldest.find("{&#34;n&#34;:0}"));
    assert!(first_n.is_some(), "entry 0 on the first page, oldest first");

    // Export: CSV of the filtered log; the export itself is logged.
    let res = browser
        .get(app.url("/admin/activity/export?action=test.filler"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 61, "header + 60");
    assert!(csv.starts_with("id,created_at,action,actor,"));
    assert_eq!(
        platform::audit::by_action(&app.state.db, "activity_log.exported")
            .await
            .unwrap()
            .len(),
        1
    );

    // Append-only: no route edits or deletes an entry.
    let t = staff_token(&app, &support).await;
    let any = platform::audit::by_action(&app.state.db, "test.filler")
        .await
        .unwrap()[0]
        .id;
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let res = app
            .api()
            .request(
                method.clone(),
                app.url(&format!("/api/v1/admin/audit/{any}")),
            )
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                res.status(),
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method}"
        );
        let res = app
            .api()
            .request(method.clone(), app.url("/api/v1/admin/audit"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    let api: Value = app
        .api()
        .get(app.url(&format!(
            "/api/v1/admin/audit?target_type=staff&target_id={staff_id}"
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!api["items"].as_array().unwrap().is_empty());
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn failed_mail_is_listed_and_sent_again() {
    // Mail goes through a local Resend stand-in that refuses the first message.
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/emails"))
        .respond_with(wiremock::ResponseTemplate::new(422).set_body_string("{\"message\":\"bad\"}"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/emails"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("{\"id\":\"x\"}"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let app = app_with(move |c| {
        c.resend_api_key = Some("re_test_key_123456".into());
        c.resend_api_base = uri;
    })
    .await;
    let txn = sea_orm::TransactionTrait::begin(&app.state.db)
        .await
        .unwrap();
    let id = platform::mail::enqueue(&txn, "someone@example.com", "Hello", "Body")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    app.state.jobs.wake();
    let mut failed = false;
    for _ in 0..100 {
        let m = platform::mail::get(&app.state.db, id).await.unwrap();
        if m.status == "failed" {
            failed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(failed, "Resend's 422 is a permanent failure");

    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let (fin, _) = staff_browser(&app, &finance).await;
    let (status, _) = text(&fin, &app, "/admin/outbox").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "finance does not read the outbox"
    );

    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (browser, _) = staff_browser(&app, &support).await;
    let (status, page) = text(&browser, &app, "/admin/outbox?status=failed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("someone@example.com") && page.contains("Resend answered 422"));
    assert!(!page.contains("Body"), "bodies are not shown");
    let res = browser
        .post(app.url(&format!("/admin/outbox/{id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut sent = false;
    for _ in 0..100 {
        if platform::mail::get(&app.state.db, id).await.unwrap().status == "sent" {
            sent = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(sent, "sent on retry");
    // A sent message is not sent again.
    let t = staff_token(&app, &support).await;
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/outbox/{id}/retry")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let list: Value = app
        .api()
        .get(app.url("/api/v1/admin/outbox?to=SOMEONE"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["status"], "sent");
    assert_eq!(list["items"][0]["attempts"], 2);
    assert!(list["items"][0].get("body_text").is_none());
    assert_eq!(
        platform::audit::by_action(&app.state.db, "mail.retried")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_pending_message_with_a_scheduled_delivery_is_not_sent_twice() {
    use sea_orm::ActiveModelTrait;
    let app = app().await;
    // A pending message whose delivery is scheduled for later.
    let id = uuid::Uuid::now_v7();
    platform::mail::entity::ActiveModel {
        id: sea_orm::Set(id),
        to_addr: sea_orm::Set("someone@example.com".into()),
        subject: sea_orm::Set("Hello".into()),
        body_text: sea_orm::Set("Body".into()),
        status: sea_orm::Set("pending".into()),
        attempts: sea_orm::Set(0),
        last_error: sea_orm::Set(None),
        created_at: sea_orm::Set(chrono::Utc::now()),
        sent_at: sea_orm::Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    platform::jobs::enqueue_with(
        &app.state.db,
        &platform::mail::DeliverMail { mail_id: id },
        platform::jobs::Enqueue {
            run_at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let t = staff_token(&app, &root).await;
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/outbox/{id}/retry")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let p: Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("already scheduled"));
}

#[tokio::test]
async fn the_jobs_page_retries_and_discards() {
    let app = app().await;
    use sea_orm::{ColumnTrait, QueryFilter};
    let dead = platform::jobs::enqueue_with(
        &app.state.db,
        &platform::jobs::builtin::Noop::default(),
        platform::jobs::Enqueue {
            queue: Some("parked".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    platform::jobs::model::job::Entity::update_many()
        .col_expr(
            platform::jobs::model::job::Column::State,
            sea_orm::sea_query::Expr::value(platform::jobs::model::DEAD),
        )
        .filter(platform::jobs::model::job::Column::Id.eq(dead))
        .exec(&app.state.db)
        .await
        .unwrap();
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (browser, _) = staff_browser(&app, &root).await;
    let (status, page) = text(&browser, &app, "/admin/jobs?state=dead").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("platform.noop") && page.contains(&format!("/admin/jobs/{dead}/retry")));
    let res = browser
        .post(app.url(&format!("/admin/jobs/{dead}/discard")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let job = platform::jobs::store::get(&app.state.db, dead)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "discarded");
    let res = browser
        .post(app.url(&format!("/admin/jobs/{dead}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let job = platform::jobs::store::get(&app.state.db, dead)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "available");
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (sup, _) = staff_browser(&app, &support).await;
    let (status, _) = text(&sup, &app, "/admin/jobs").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
