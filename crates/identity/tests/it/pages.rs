//! The HTML flows as a browser without JavaScript drives them.

use reqwest::StatusCode;

use crate::*;

#[tokio::test]
async fn pages_render_for_anonymous_visitors() {
    let app = app().await;
    for path in ["/", "/login", "/signup", "/forgot-password", "/magic-link"] {
        let res = app.browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<h1"), "{path}");
    }
    for path in [
        "/home",
        "/account",
        "/account/security",
        "/workspace/members",
        "/workspace/tokens",
    ] {
        let res = app.browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path} needs sign-in");
        assert!(
            res.headers()
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
}

#[tokio::test]
async fn signup_form_shows_inline_errors_and_keeps_input() {
    let app = app().await;
    let res = app
        .browser()
        .post(app.url("/signup"))
        .form(&[
            ("email", "keep@example.com"),
            ("name", "Keep Me"),
            ("password", "short"),
            ("workspace", "Kept Workspace"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("keep@example.com") && html.contains("Kept Workspace"),
        "input kept"
    );
    assert!(html.contains("field-error"), "inline error");
    assert!(html.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn sign_up_sign_in_home_security_sign_out() {
    let app = app().await;
    let browser = app.browser();
    let res = browser
        .post(app.url("/signup"))
        .form(&[
            ("email", "web@example.com"),
            ("name", "Web Person"),
            ("password", PASSWORD),
            ("workspace", "Web Agency"),
        ])
        .send()
        .await
        .unwrap();
    // "Check your email": the same answer as for an address that has an account, so the
    // browser is not signed in yet; the password signs in right away.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers().get("location").unwrap(), "/signup/sent");
    let sent = browser.get(app.url("/signup/sent")).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    let sent = sent.text().await.unwrap();
    assert!(sent.contains("Check your email to continue"));
    assert!(
        sent.contains("server log") && !sent.contains("We sent a message"),
        "no mail transport here: the page does not claim a mail was sent"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "web@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Web Agency"));
    assert!(
        home.contains("Web Person created the workspace."),
        "recent activity shows real audit events, in words"
    );
    assert!(!home.contains("user.signed_up"));

    let res = browser.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("email", "web@example.com"),
            ("password", "wrong password here"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("email", "web@example.com"),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers().get("location").unwrap().to_str().unwrap();
    assert!(
        location.starts_with('/') && !location.starts_with("//"),
        "open redirect refused: {location}"
    );
    let security = browser
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap();
    assert_eq!(security.status(), StatusCode::OK);
    let html = security.text().await.unwrap();
    assert!(html.contains("This device"));
    assert!(
        !html.contains("Sign out everywhere else"),
        "only one session so far"
    );

    // A second device signs in; "sign out everywhere else" from the first ends it.
    let phone = app.browser();
    let res = phone
        .post(app.url("/login"))
        .form(&[("email", "web@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sign out everywhere else"));
    let res = browser
        .post(app.url("/account/sessions/revoke-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "the phone is signed out"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK,
        "this device stays"
    );
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = app().await;
    signup(&app, "cp@example.com", "CP").await;
    let (a, b) = (app.browser(), app.browser());
    for c in [&a, &b] {
        let res = c
            .post(app.url("/login"))
            .form(&[("email", "cp@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = a
        .post(app.url("/account/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "another long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        b.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        a.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn two_factor_sign_in_in_the_browser() {
    let app = app().await;
    let (_, t) = user_with_token(&app, "tf@example.com", "TF").await;
    let setup: serde_json::Value = send(
        &app,
        reqwest::Method::POST,
        &t,
        "/api/v1/me/2fa/setup",
        serde_json::json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_string();
    let now = identity::totp::unix_now();
    let code = identity::totp::code_at(&secret, now - 30).unwrap();
    let res = send(
        &app,
        reqwest::Method::POST,
        &t,
        "/api/v1/me/2fa/enable",
        serde_json::json!({ "code": code }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "tf@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("/login/2fa")
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "not signed in before the second factor"
    );
    let res = browser
        .post(app.url("/login/2fa"))
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER);
    let code = identity::totp::code_at(&secret, now).unwrap();
    let res = browser
        .post(app.url("/login/2fa"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn page_actions_with_another_workspaces_ids_change_nothing() {
    let app = app().await;
    let (_, bob) = user_with_token(&app, "bob@example.com", "Bob Co").await;
    let bob_me: serde_json::Value = get(&app, &bob, "/api/v1/me").await.json().await.unwrap();
    let bob_id = bob_me["user"]["id"].as_str().unwrap().to_string();
    let tokens: serde_json::Value = get(&app, &bob, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    let bob_token_id = tokens["items"][0]["id"].as_str().unwrap().to_string();
    let inv: serde_json::Value = send(
        &app,
        reqwest::Method::POST,
        &bob,
        "/api/v1/workspace/invitations",
        serde_json::json!({ "email": "z@example.com", "role": "viewer" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let bob_inv_id = inv["id"].as_str().unwrap().to_string();
    let bob_browser = app.browser();
    bob_browser
        .post(app.url("/login"))
        .form(&[("email", "bob@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let bob_session = identity::model::session::Entity::find()
        .filter(identity::model::session::Column::UserId.eq(bob_id.parse::<uuid::Uuid>().unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    signup(&app, "alice@example.com", "Alice Co").await;
    let alice = app.browser();
    alice
        .post(app.url("/login"))
        .form(&[("email", "alice@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    for (path, form) in [
        (
            format!("/workspace/members/{bob_id}/role"),
            vec![("role", "viewer")],
        ),
        (format!("/workspace/members/{bob_id}/remove"), vec![]),
        (format!("/workspace/tokens/{bob_token_id}/revoke"), vec![]),
        (
            format!("/workspace/invitations/{bob_inv_id}/revoke"),
            vec![],
        ),
        (
            format!("/account/sessions/{}/revoke", bob_session.id),
            vec![],
        ),
        (
            "/workspace/transfer".to_string(),
            vec![("user_id", bob_id.as_str())],
        ),
    ] {
        let res = alice.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_ne!(res.status(), StatusCode::OK, "{path}");
    }
    // Bob's workspace is exactly as before.
    let me: serde_json::Value = get(&app, &bob, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["role"], "owner");
    let tokens: serde_json::Value = get(&app, &bob, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        tokens["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == bob_token_id.as_str())
    );
    let invs: serde_json::Value = get(&app, &bob, "/api/v1/workspace/invitations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invs["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        bob_browser
            .get(app.url("/home"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "bob's session lives"
    );
    let members: serde_json::Value = get(&app, &bob, "/api/v1/workspace/members")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn changing_email_needs_the_password_and_tells_both_addresses() {
    let app = app().await;
    signup(&app, "old@example.com", "E").await;
    let browser = app.browser();
    browser
        .post(app.url("/login"))
        .form(&[("email", "old@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let res = browser
        .post(app.url("/account/email"))
        .form(&[
            ("email", "new@example.com"),
            ("password", "not the password!!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser
        .post(app.url("/account/email"))
        .form(&[("email", "new@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to_new = platform::mail::to_address(&app.state.db, "new@example.com")
        .await
        .unwrap();
    assert!(
        to_new
            .iter()
            .any(|m| m.body_text.contains("/verify-email?token=")),
        "the new address must be verified"
    );
    let to_old = platform::mail::to_address(&app.state.db, "old@example.com")
        .await
        .unwrap();
    assert!(
        to_old
            .iter()
            .any(|m| m.body_text.contains("new@example.com")),
        "the old address is told"
    );
    let t = token(&app, "new@example.com").await;
    let me: serde_json::Value = get(&app, &t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "new@example.com");
    assert_eq!(
        platform::audit::by_action(&app.state.db, "user.email_changed")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_user_switches_between_workspaces() {
    let app = app().await;
    signup(&app, "multi@example.com", "First Agency").await;
    let browser = app.browser();
    browser
        .post(app.url("/login"))
        .form(&[("email", "multi@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let res = browser
        .post(app.url("/workspaces/new"))
        .form(&[("name", "Second Agency")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("<h1") && home.contains("Second Agency"),
        "the new workspace is current"
    );
    let res = browser
        .post(app.url("/workspaces/switch"))
        .form(&[("slug", "first-agency")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The cookie session answers the API too: the current workspace follows the switch.
    let me: serde_json::Value = browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["workspace"]["slug"], "first-agency");
    // A workspace the user is not in cannot be switched to.
    signup(&app, "other@example.com", "Not Mine").await;
    browser
        .post(app.url("/workspaces/switch"))
        .form(&[("slug", "not-mine")])
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["workspace"]["slug"], "first-agency");
}

#[tokio::test]
async fn the_members_page_shows_the_permission_table() {
    let app = app().await;
    signup(&app, "perm@example.com", "Perm").await;
    let browser = app.browser();
    browser
        .post(app.url("/login"))
        .form(&[("email", "perm@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let html = browser
        .get(app.url("/workspace/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (_, description, _) in platform::authz::PERMISSION_TABLE {
        assert!(html.contains(description), "{description}");
    }
    for role in platform::Role::ALL {
        assert!(html.contains(role.label()), "{}", role.label());
    }
}

#[tokio::test]
async fn sessions_last_seven_days_and_a_new_token_is_issued_at_each_sign_in() {
    let app = app().await;
    signup(&app, "s@example.com", "S").await;
    let browser = app.browser();
    let first = browser
        .post(app.url("/login"))
        .form(&[("email", "s@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = browser
        .post(app.url("/login"))
        .form(&[("email", "s@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("gd_session="))
            .unwrap()
    };
    assert_ne!(cookie(&first), cookie(&second), "rotated at sign-in");

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let sessions = identity::model::session::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    for s in &sessions {
        let lifetime = s.expires_at - s.created_at;
        assert_eq!(lifetime.num_days(), 7, "absolute lifetime");
    }
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Past its expiry the session is gone, whatever the cookie says.
    identity::model::session::Entity::update_many()
        .col_expr(
            identity::model::session::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(identity::model::session::Column::State.eq("active"))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

/// The "check your email" page says a mail was sent only when mail leaves the server (SMTP or
/// Resend); the no-transport wording is checked in `sign_up_sign_in_home_security_sign_out`.
#[tokio::test]
async fn sign_up_page_says_we_sent_a_message_when_mail_is_delivered() {
    let app = app_with(|c| {
        c.resend_api_key = Some("re_test_key".into());
        // Deliveries go nowhere outside this machine (a closed local port).
        c.resend_api_base = "http://127.0.0.1:9".into();
    })
    .await;
    let browser = app.browser();
    let res = browser
        .post(app.url("/signup"))
        .form(&[
            ("email", "sent@example.com"),
            ("name", "Sent"),
            ("password", PASSWORD),
            ("workspace", "Sent Co"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser
        .get(app.url("/signup/sent"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("We sent a message to the address you entered"));
    assert!(!html.contains("server log"));
}
