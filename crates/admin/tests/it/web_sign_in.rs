//! Staff sign-in in the browser: password, then enrolment or the code step; sessions of 8 hours
//! and 30 minutes idle; the access code and the IP allow-list; customers never get in.

use admin::model::staff_session;
use platform::staff::StaffRole;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::*;

async fn get_status(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    let to = location(&res);
    (status, to)
}

#[tokio::test]
async fn first_sign_in_enrols_then_codes_and_backup_codes_work_once() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;

    // Enrolment shows the secret the command line printed (the same authenticator entry).
    let browser = app.browser();
    let res = browser
        .post(app.url("/admin/login"))
        .form(&[("email", root.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/enrol");
    let page = browser
        .get(app.url("/admin/enrol"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&root.secret), "same secret as printed");
    assert!(page.contains("<svg"), "QR code");
    // The pending session reaches nothing else.
    let (status, to) = get_status(&browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.starts_with("/admin/login"), "{to}");
    let res = browser
        .post(app.url("/admin/enrol"))
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a wrong code");

    let (signed_in, codes) = staff_browser(&app, &root).await;
    assert_eq!(codes.len(), 10);
    let (status, _) = get_status(&signed_in, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        platform::audit::by_action(&app.state.db, "staff.2fa_enrolled")
            .await
            .unwrap()
            .len(),
        1
    );

    // Sign out: the session is over.
    let res = signed_in
        .post(app.url("/admin/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, to) = get_status(&signed_in, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.starts_with("/admin/login"));

    // Next time: the code step, where a backup code works once.
    let again = app.browser();
    let res = again
        .post(app.url("/admin/login"))
        .form(&[("email", root.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/login/code");
    let res = again
        .post(app.url("/admin/login/code"))
        .form(&[("code", codes[0].to_uppercase().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "backup code accepted");
    assert_eq!(location(&res), "/admin");
    let third = app.browser();
    third
        .post(app.url("/admin/login"))
        .form(&[("email", root.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let res = third
        .post(app.url("/admin/login/code"))
        .form(&[("code", codes[0].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a used backup code");
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_or_eight_hours() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (browser, _) = staff_browser(&app, &root).await;
    let session = staff_session::Entity::find()
        .filter(staff_session::Column::State.eq("active"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let hours = (session.expires_at - session.created_at).num_minutes();
    assert_eq!(hours, 8 * 60, "8-hour absolute lifetime");

    staff_session::Entity::update_many()
        .col_expr(
            staff_session::Column::LastSeenAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(31)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let (status, to) = get_status(&browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "idle for 31 minutes");
    assert!(to.starts_with("/admin/login?next="), "{to}");

    let (browser, _) = staff_browser(&app, &root).await;
    let (status, _) = get_status(&browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::OK);
    staff_session::Entity::update_many()
        .col_expr(
            staff_session::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let (status, _) = get_status(&browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "past 8 hours");
}

#[tokio::test]
async fn customers_are_sent_to_the_staff_sign_in() {
    let app = app().await;
    let customer = customer_browser(&app, "shop@example.com").await;
    let (status, to) = get_status(&customer, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.starts_with("/admin/login"), "{to}");
    // A customer's credentials are no staff credentials.
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", "shop@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_access_code_is_asked_for_when_set() {
    let app = app_with(|c| c.admin_access_code = Some("orange-harbour-42".into())).await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let page = app
        .browser()
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"access_code\""));
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", root.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no access code");
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[
            ("email", root.email.as_str()),
            ("password", PASSWORD),
            ("access_code", "orange-harbour-42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let failures = platform::audit::by_action(&app.state.db, "staff.sign_in_failed")
        .await
        .unwrap();
    assert_eq!(
        failures[0].detail.as_ref().unwrap()["reason"],
        "access code"
    );
}

#[tokio::test]
async fn the_ip_allow_list_refuses_and_logs_other_networks() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (browser, _) = staff_browser(&app, &support).await;
    let support_token = staff_token(&app, &support).await;
    let (admin_browser, _) = staff_browser(&app, &root).await;
    let support_id = admin::model::staff::Entity::find()
        .filter(admin::model::staff::Column::EmailLower.eq("support@example.com"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    // The super admin limits support to an office network the test client is not in.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{support_id}/allowlist")))
        .form(&[("ip_allowlist", "203.0.113.0/24")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The open session and the token stop at once, and a new sign-in is refused and logged.
    let (status, _) = get_status(&browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let res = app
        .api()
        .get(app.url("/api/v1/admin/users"))
        .bearer_auth(&support_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", support.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let refused = platform::audit::by_action(&app.state.db, "staff.sign_in_refused_ip")
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].ip.as_deref(), Some("127.0.0.1"));

    // Loopback allowed again: signing in works.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{support_id}/allowlist")))
        .form(&[("ip_allowlist", "203.0.113.0/24\n127.0.0.0/8")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (again, _) = staff_browser(&app, &support).await;
    let (status, _) = get_status(&again, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::OK);

    // A super admin cannot lock themselves out.
    let root_id = admin::model::staff::Entity::find()
        .filter(admin::model::staff::Column::EmailLower.eq("root@example.com"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{root_id}/allowlist")))
        .form(&[("ip_allowlist", "203.0.113.0/24")])
        .send()
        .await
        .unwrap();
    // Refused beside the field, the typed list kept.
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"ip_allowlist-error\"")
    );
    let (status, _) = get_status(&admin_browser, &app, "/admin/notifications").await;
    assert_eq!(status, StatusCode::OK, "the list was refused");
}

#[tokio::test]
async fn throttling_applies_to_staff_sign_in() {
    let app = app_with(|c| c.throttle_account_attempts = 3).await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    for _ in 0..3 {
        let res = app
            .browser()
            .post(app.url("/admin/login"))
            .form(&[
                ("email", root.email.as_str()),
                ("password", "wrong password!!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", root.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(reqwest::header::RETRY_AFTER));
}

/// A wrong password and a wrong code get the very same answer from the staff API (status,
/// problem type, title, detail), so a guesser never learns that the password was right; the
/// activity log keeps which one it was.
#[tokio::test]
async fn the_staff_api_answers_a_wrong_password_and_a_wrong_code_alike() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let strip = |mut p: serde_json::Value| {
        p.as_object_mut().unwrap().remove("request_id");
        p
    };
    // Warm the connection and the server up first (an empty code is refused before any check).
    token_request(
        &app,
        serde_json::json!({ "email": root.email, "password": PASSWORD, "otp": "" }),
    )
    .await;
    let mut answers = Vec::new();
    // Each of the two timed paths twice, alternating: the faster of each pair is compared, so
    // a moment's load on a busy machine does not decide it.
    for (password, otp) in [
        ("wrong password here", root.next_code().await),
        (PASSWORD, "000000".to_string()),
        ("wrong password here", root.next_code().await),
        (PASSWORD, "000001".to_string()),
        (PASSWORD, "ABCD-EFGH-JKLM".to_string()),
    ] {
        let started = std::time::Instant::now();
        let res = token_request(
            &app,
            serde_json::json!({ "email": root.email, "password": password, "otp": otp }),
        )
        .await;
        let elapsed = started.elapsed();
        let status = res.status();
        let content_type = res.headers().get("content-type").unwrap().clone();
        let body: serde_json::Value = res.json().await.unwrap();
        answers.push((status, content_type, strip(body), elapsed));
    }
    for (status, content_type, body, _) in &answers {
        assert_eq!(*status, StatusCode::UNAUTHORIZED);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body, &answers[0].2);
    }
    assert!(
        answers[0].2["type"]
            .as_str()
            .unwrap()
            .ends_with("/invalid-credentials")
    );
    // Both paths verify the password hash: neither answers in a small fraction of the other's
    // time (a loose bound: the suite runs on busy machines).
    let wrong_password = answers[0].3.min(answers[2].3);
    let wrong_code = answers[1].3.min(answers[3].3);
    assert!(
        wrong_code * 5 > wrong_password && wrong_password * 5 > wrong_code,
        "{wrong_password:?} vs {wrong_code:?}"
    );
    let reasons: Vec<String> = platform::audit::by_action(&app.state.db, "staff.sign_in_failed")
        .await
        .unwrap()
        .iter()
        .map(|e| {
            e.detail.as_ref().unwrap()["reason"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(reasons.iter().filter(|r| *r == "password").count(), 2);
    assert_eq!(reasons.iter().filter(|r| *r == "code").count(), 3);
}

/// 60 wrong passwords in flight at once, on the API and the sign-in page: at most the limit
/// (10) are evaluated (before, all 60 were).
#[tokio::test]
async fn concurrent_wrong_staff_passwords_cannot_overshoot_the_limit() {
    for web in [false, true] {
        let app = app().await;
        let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
        let mut tasks = Vec::new();
        for _ in 0..60 {
            let request = if web {
                app.browser().post(app.url("/admin/login")).form(&[
                    ("email", root.email.as_str()),
                    ("password", "wrong password!!"),
                ])
            } else {
                app.api()
                    .post(app.url("/api/v1/admin/auth/token"))
                    .json(&serde_json::json!({ "email": root.email, "password": "wrong password!!", "otp": "123456" }))
            };
            tasks.push(tokio::spawn(async move {
                request.send().await.unwrap().status()
            }));
        }
        let (mut evaluated, mut refused) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                StatusCode::UNAUTHORIZED => evaluated += 1,
                StatusCode::TOO_MANY_REQUESTS => refused += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert!((1..=10).contains(&evaluated), "web {web}: {evaluated}");
        assert_eq!(evaluated + refused, 60);
        assert_eq!(
            platform::audit::by_action(&app.state.db, "staff.sign_in_failed")
                .await
                .unwrap()
                .len(),
            evaluated,
            "web {web}"
        );
        // Still locked for the right password.
        let res = token_request(
            &app,
            serde_json::json!({ "email": root.email, "password": PASSWORD, "otp": root.next_code().await }),
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
