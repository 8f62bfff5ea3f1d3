//! Staff management by a super admin (invite, role, 2FA reset, disable), a member's own
//! account page, and the free-text limits of the back office's forms.

use platform::staff::StaffRole;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::*;

async fn member_id(app: &TestApp, email: &str) -> uuid::Uuid {
    admin::model::staff::Entity::find()
        .filter(admin::model::staff::Column::EmailLower.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn status_of(client: &reqwest::Client, app: &TestApp, path: &str) -> StatusCode {
    client.get(app.url(path)).send().await.unwrap().status()
}

#[tokio::test]
async fn an_invited_member_sets_a_password_then_enrols() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (admin_browser, _) = staff_browser(&app, &root).await;
    let res = admin_browser
        .post(app.url("/admin/staff/invite"))
        .form(&[
            ("email", "New.Person@example.com"),
            ("name", "New Person"),
            ("role", "support"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A duplicate is a form error that keeps the input.
    let res = admin_browser
        .post(app.url("/admin/staff/invite"))
        .form(&[
            ("email", "new.person@example.com"),
            ("name", "Again"),
            ("role", "finance"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("A staff member with this email exists")
    );

    let mail = platform::mail::to_address(&app.state.db, "New.Person@example.com")
        .await
        .unwrap();
    let link = mail[0]
        .body_text
        .split_whitespace()
        .find(|w| w.contains("/admin/invitation/"))
        .unwrap()
        .to_string();
    let path = link.trim_start_matches(&app.base).to_string();
    let invited = app.browser();
    let page = invited
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Support") && page.contains("New.Person@example.com"));
    // An invited member cannot sign in before setting a password.
    let res = invited
        .post(app.url("/admin/login"))
        .form(&[("email", "new.person@example.com"), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = invited
        .post(app.url(&path))
        .form(&[("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "password policy"
    );
    let res = invited
        .post(app.url(&path))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = invited
        .post(app.url(&path))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "the link works once");

    // First sign-in: enrolment with a secret made now.
    let res = invited
        .post(app.url("/admin/login"))
        .form(&[("email", "new.person@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/enrol");
    let page = invited
        .get(app.url("/admin/enrol"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = page
        .split("<code id=\"totp-secret\">")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .unwrap()
        .to_string();
    let login = StaffLogin::new("new.person@example.com", secret);
    let res = invited
        .post(app.url("/admin/enrol"))
        .form(&[("code", login.next_code().await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(backup_codes_in(&res.text().await.unwrap()).len(), 10);
    assert_eq!(
        status_of(&invited, &app, "/admin/users").await,
        StatusCode::OK
    );
    assert_eq!(
        status_of(&invited, &app, "/admin/staff").await,
        StatusCode::FORBIDDEN
    );
    let new_id = member_id(&app, "new.person@example.com").await.to_string();
    for action in [
        "staff.invited",
        "staff.invitation_accepted",
        "staff.2fa_enrolled",
    ] {
        let about_them = platform::audit::by_action(&app.state.db, action)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.target_id.as_deref() == Some(new_id.as_str()))
            .count();
        assert_eq!(about_them, 1, "{action}");
    }
}

#[tokio::test]
async fn roles_change_two_factor_resets_and_disabling() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (admin_browser, _) = staff_browser(&app, &root).await;
    let (support_browser, _) = staff_browser(&app, &support).await;
    let sid = member_id(&app, "support@example.com").await;
    let rid = member_id(&app, "root@example.com").await;

    // Role change: the member's session ends; they now reach finance's areas only.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{sid}/role")))
        .form(&[("role", "finance")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&support_browser, &app, "/admin/users").await,
        StatusCode::SEE_OTHER
    );
    let (as_finance, _) = staff_browser(&app, &support).await;
    assert_eq!(
        status_of(&as_finance, &app, "/admin/users").await,
        StatusCode::FORBIDDEN
    );

    // The last super admin cannot be demoted or disabled, and nobody disables themselves.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{rid}/role")))
        .form(&[("role", "support")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = admin_browser
        .get(app.url(&format!("/admin/staff/{rid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("last active super admin"), "flash shown");
    assert_eq!(
        status_of(&admin_browser, &app, "/admin/staff").await,
        StatusCode::OK,
        "still super admin"
    );
    admin_browser
        .post(app.url(&format!("/admin/staff/{rid}/disable")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&admin_browser, &app, "/admin/staff").await,
        StatusCode::OK
    );

    // 2FA reset: sessions end, next sign-in enrols again with a new secret.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{sid}/reset-2fa")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&as_finance, &app, "/admin/notifications").await,
        StatusCode::SEE_OTHER
    );
    let b = app.browser();
    let res = b
        .post(app.url("/admin/login"))
        .form(&[("email", "support@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/enrol");
    let page = b
        .get(app.url("/admin/enrol"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&support.secret), "a new secret");

    // Disable: sessions and tokens stop; enable again.
    let res = admin_browser
        .post(app.url(&format!("/admin/staff/{sid}/disable")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", "support@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    admin_browser
        .post(app.url(&format!("/admin/staff/{sid}/enable")))
        .send()
        .await
        .unwrap();
    let res = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("email", "support@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for action in [
        "staff.role_changed",
        "staff.2fa_reset",
        "staff.disabled",
        "staff.enabled",
    ] {
        let events = platform::audit::by_action(&app.state.db, action)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].actor_label, "staff:root@example.com");
    }
    // The staff page lists members and the role table.
    let page = admin_browser
        .get(app.url("/admin/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("support@example.com") && page.contains("What each role reaches"));
}

#[tokio::test]
async fn a_members_own_account_page() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (first, _) = staff_browser(&app, &root).await;
    let (second, _) = staff_browser(&app, &root).await;
    let page = first
        .get(app.url("/admin/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("this one") && page.contains("10 unused backup codes"));

    // New backup codes need a current code.
    let res = first
        .post(app.url("/admin/account/backup-codes"))
        .form(&[("code", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = first
        .post(app.url("/admin/account/backup-codes"))
        .form(&[("code", root.next_code().await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(backup_codes_in(&res.text().await.unwrap()).len(), 10);

    // A new password ends the other session.
    let res = first
        .post(app.url("/admin/account/password"))
        .form(&[
            ("current_password", "wrong wrong wrong"),
            ("new_password", "another long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = first
        .post(app.url("/admin/account/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "another long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&first, &app, "/admin/account").await,
        StatusCode::OK
    );
    assert_eq!(
        status_of(&second, &app, "/admin/account").await,
        StatusCode::SEE_OTHER
    );
    let res = first
        .post(app.url("/admin/account/sessions/end-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for action in [
        "staff.backup_codes_regenerated",
        "staff.password_changed",
        "staff.sessions_ended",
    ] {
        let events = platform::audit::by_action(&app.state.db, action)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].actor_label, "staff:root@example.com");
    }
}

#[tokio::test]
async fn the_staff_api_manages_members_and_notifications() {
    use serde_json::{Value, json};
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let t = staff_token(&app, &root).await;
    let api = |method: reqwest::Method, path: &str| {
        app.api().request(method, app.url(path)).bearer_auth(&t)
    };
    let res = api(reqwest::Method::POST, "/api/v1/admin/staff")
        .json(&json!({ "email": "fin@example.com", "name": "Fin", "role": "finance" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let fin: Value = res.json().await.unwrap();
    assert_eq!(fin["status"], "invited");
    assert_eq!(fin["two_factor"], false);
    let id = fin["id"].as_str().unwrap().to_string();
    let res = api(reqwest::Method::POST, "/api/v1/admin/staff")
        .json(&json!({ "email": "fin@example.com", "role": "finance" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api(reqwest::Method::POST, "/api/v1/admin/staff")
        .json(&json!({ "email": "x@example.com", "role": "janitor" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown role"
    );

    let res = api(
        reqwest::Method::PUT,
        &format!("/api/v1/admin/staff/{id}/allowlist"),
    )
    .json(&json!({ "ip_allowlist": ["10.1.2.3/8", "198.51.100.7"] }))
    .send()
    .await
    .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["ip_allowlist"],
        json!(["10.0.0.0/8", "198.51.100.7/32"])
    );
    let res = api(
        reqwest::Method::PUT,
        &format!("/api/v1/admin/staff/{id}/allowlist"),
    )
    .json(&json!({ "ip_allowlist": ["the office"] }))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "ip_allowlist");
    let res = api(
        reqwest::Method::PUT,
        &format!("/api/v1/admin/staff/{id}/role"),
    )
    .json(&json!({ "role": "support" }))
    .send()
    .await
    .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["role"], "support");
    let list: Value = api(reqwest::Method::GET, "/api/v1/admin/staff")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // The last super admin stays one, and nobody disables themselves.
    let root_id = member_id(&app, "root@example.com").await;
    let res = api(
        reqwest::Method::PUT,
        &format!("/api/v1/admin/staff/{root_id}/role"),
    )
    .json(&json!({ "role": "finance" }))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/staff/{root_id}/disable"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        platform::audit::by_action(&app.state.db, "staff.ip_allowlist_changed")
            .await
            .unwrap()
            .len(),
        1
    );

    // Notifications: a sign-up reaches the super admin's list; marking read counts down.
    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "new@example.com", "password": PASSWORD, "name": "New", "workspace": "N" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let page: Value = api(
        reqwest::Method::GET,
        "/api/v1/admin/notifications?unread=true",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(page["unread"], 1);
    assert_eq!(page["items"][0]["kind"], "user.signed_up");
    let nid = page["items"][0]["id"].as_str().unwrap().to_string();
    let res: Value = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/notifications/{nid}/read"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(res["unread"], 0);
    let res = api(
        reqwest::Method::POST,
        &format!("/api/v1/admin/notifications/{}/read", uuid::Uuid::now_v7()),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Too long free text in the back office's own forms is an inline error that keeps what was
/// typed (billing's forms are checked in billing's tests).
#[tokio::test]
async fn too_long_free_text_is_an_inline_error_that_keeps_what_was_typed() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (browser, _) = staff_browser(&app, &root).await;

    // A staff member's name.
    let name = "N".repeat(101);
    let res = browser
        .post(app.url("/admin/staff/invite"))
        .form(&[
            ("email", "long.name@example.com"),
            ("name", name.as_str()),
            ("role", "support"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("The name can be at most 100 characters long"),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{name}\"")), "name kept");

    // A staff member's IP allow-list.
    let me = member_id(&app, "root@example.com").await;
    let list = "203.0.113.0/24\n".repeat(400);
    let res = browser
        .post(app.url(&format!("/admin/staff/{me}/allowlist")))
        .form(&[("ip_allowlist", list.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"ip_allowlist-error\""), "{page}");
    assert!(page.contains("The allow-list can be at most 4,500 characters long"));
    assert!(
        page.contains("203.0.113.0/24\n203.0.113.0/24"),
        "typed list kept"
    );

    // A system setting's value.
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[("platform_name", "P".repeat(61).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"platform_name-error\""), "{page}");
    assert!(
        page.contains(&format!("value=\"{}\"", "P".repeat(61))),
        "kept"
    );
}
