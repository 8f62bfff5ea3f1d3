//! End-to-end smoke test of the pages through the real router (no JavaScript, like a browser
//! with scripts off).

use platform::testkit;
use reqwest::{Client, StatusCode, header::LOCATION};

async fn get(c: &Client, app: &testkit::TestApp, path: &str) -> (StatusCode, String, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn post(
    c: &Client,
    app: &testkit::TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap();
    let to = text[from..].find(end).unwrap();
    &text[from..from + to]
}

#[tokio::test]
async fn pages_work_without_javascript() {
    // A server that sells plans (Stripe never asked), so the Free plan's one seat applies.
    let app = testkit::spawn(vec![crate::feature(), billing::feature()], |c| {
        c.set(
            &billing::settings::STRIPE_SECRET_KEY,
            Some("sk_test_selling".into()),
        );
        c.set(
            &billing::settings::STRIPE_API_BASE,
            "http://127.0.0.1:9".into(),
        );
    })
    .await;
    let c = app.browser();

    let (s, _, body) = get(&c, &app, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Create account"));

    // Validation errors keep the entered values, never the password.
    let (s, _, body) = post(
        &c,
        &app,
        "/signup",
        &[
            ("email", "alice@example.com"),
            ("name", "Alice"),
            ("password", "short"),
            ("workspace", "Acme"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"value="alice@example.com""#), "{body}");
    assert!(body.contains(r#"value="Alice""#), "{body}");
    assert!(body.contains(r#"value="Acme""#), "{body}");
    assert!(!body.contains(r#"value="short""#));
    assert!(body.contains("field-error"));

    let pw = "correct horse battery staple";
    let (s, loc, _) = post(
        &c,
        &app,
        "/signup",
        &[
            ("email", "alice@example.com"),
            ("name", "Alice"),
            ("password", pw),
            ("workspace", "Acme"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/signup/sent"));
    let (s, _, body) = get(&c, &app, "/signup/sent").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Check your email to continue"));
    let (s, loc, _) = post(
        &c,
        &app,
        "/login",
        &[("email", "alice@example.com"), ("password", pw)],
    )
    .await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/home"));

    let (s, _, body) = get(&c, &app, "/home").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Verify your email address"));
    assert!(body.contains("Resend verification email"));
    assert!(body.contains("Alice created the workspace."), "{body}");
    assert!(!body.contains("user.signed_up"), "no action codes");
    assert!(body.contains(r#"aria-current="page""#));

    // The free plan has one seat: the invitation is refused next to the address (kept as
    // typed), naming the limit and the plan that lifts it.
    let (s, _, body) = post(
        &c,
        &app,
        "/workspace/invitations",
        &[("email", "bob@example.com"), ("role", "member")],
    )
    .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED);
    assert!(body.contains(r#"value="bob@example.com""#), "{body}");
    assert!(
        between(&body, r#"id="email-error">"#, "</p>").contains("The Free plan allows"),
        "{body}"
    );
    assert!(
        body.contains("The Free plan allows 1 team member; this workspace has 1.")
            && body.contains("The Agency plan lifts this limit."),
        "{body}"
    );
    assert!(!body.contains("Invitation sent"));
    {
        use sea_orm::EntityTrait;
        let ws = crate::model::workspace::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        billing::service::subscriptions::comp_key(
            &app.state.db,
            &platform::Scope::for_test(ws.id),
            "agency",
            "test",
        )
        .await
        .unwrap();
    }
    let (s, loc, _) = post(
        &c,
        &app,
        "/workspace/invitations",
        &[("email", "bob@example.com"), ("role", "member")],
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/workspace/members")
    );
    let (s, _, body) = get(&c, &app, "/workspace/members").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("What each role can do"));
    assert!(body.contains("bob@example.com"));
    // No mail leaves a test server: the confirmation says where the link waits instead.
    assert!(body.contains("Invitation for bob@example.com as Member created"));

    let (s, _, body) = post(
        &c,
        &app,
        "/workspace/tokens",
        &[
            ("name", "CI"),
            ("scope", "read"),
            ("expires_at", "2999-01-01"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Copy it now: it will not be shown again"));
    assert!(body.contains(">gd_"));
    let (s, _, body) = post(
        &c,
        &app,
        "/workspace/tokens",
        &[("name", ""), ("scope", "admin"), ("expires_at", "x")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("scope-error") && body.contains("expires_at-error"),
        "{body}"
    );
    let (_, _, body) = get(&c, &app, "/workspace/tokens").await;
    assert!(body.contains("2999-01-01 23:59 UTC"));

    let (s, _, body) = get(&c, &app, "/account").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"value="Alice""#));

    // Two-factor set-up: wrong code re-renders the set-up, a right one shows backup codes.
    let (s, _, body) = post(&c, &app, "/account/security/2fa/setup", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<svg"));
    let secret = between(&body, r#"<code id="totp-secret">"#, "</code>").to_string();
    let (s, _, body) = post(
        &c,
        &app,
        "/account/security/2fa/enable",
        &[("code", "000000")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("<svg"));
    let code = crate::totp::code_at(&secret, crate::totp::unix_now()).unwrap();
    let (s, _, body) = post(&c, &app, "/account/security/2fa/enable", &[("code", &code)]).await;
    assert_eq!(s, StatusCode::OK);
    let backup = between(&body, r#"<li><code>"#, "</code>").to_string();
    let (_, _, body) = get(&c, &app, "/account/security").await;
    assert!(body.contains("This device"));

    let (s, loc, _) = post(&c, &app, "/logout", &[]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/login"));
    let (s, loc, _) = get(&c, &app, "/home").await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/login?next=%2Fhome")
    );

    let (s, _, body) = post(
        &c,
        &app,
        "/login",
        &[
            ("email", "alice@example.com"),
            ("password", "wrong password!"),
            ("next", "/home"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        body.contains("Wrong email or password") && body.contains(r#"value="alice@example.com""#)
    );

    let (s, loc, _) = post(
        &c,
        &app,
        "/login",
        &[
            ("email", "alice@example.com"),
            ("password", pw),
            ("next", "/workspace/members"),
        ],
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            StatusCode::SEE_OTHER,
            "/login/2fa?next=%2Fworkspace%2Fmembers"
        )
    );
    let (s, _, body) = post(
        &c,
        &app,
        "/login/2fa",
        &[("code", "123456"), ("next", "/workspace/members")],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("That code is not right or was already used"));
    let (s, loc, _) = post(
        &c,
        &app,
        "/login/2fa",
        &[("code", &backup), ("next", "/workspace/members")],
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/workspace/members")
    );
    let (s, _, _) = get(&c, &app, "/workspace/members").await;
    assert_eq!(s, StatusCode::OK);

    // Magic links: opening the link does not use it up.
    let anon = app.browser();
    let (s, _, body) = post(
        &anon,
        &app,
        "/magic-link",
        &[("email", "alice@example.com")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Check your inbox"));
    let mails = platform::mail::to_address(&app.state.db, "alice@example.com")
        .await
        .unwrap();
    let mail = mails
        .iter()
        .find(|m| m.body_text.contains("/magic-link?token="))
        .unwrap();
    let token = between(&mail.body_text, "/magic-link?token=", "\n").to_string();
    for _ in 0..2 {
        let (s, _, body) = get(&anon, &app, &format!("/magic-link?token={token}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("/magic-link/consume"));
    }
    let (s, loc, _) = post(&anon, &app, "/magic-link/consume", &[("token", &token)]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/login/2fa"));
    let (s, _, body) = get(&anon, &app, &format!("/magic-link?token={token}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("Ask for a new sign-in link"));

    let (s, _, body) = get(&anon, &app, "/reset-password?token=nope").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("Ask for a new reset link"));

    // Someone invited without an account joins with name and password.
    let (s, _, body) = get(&anon, &app, "/invitations/not-a-token").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("This link cannot be used"));

    // The invited person joins with a new account; the owner then changes their role.
    let mails = platform::mail::to_address(&app.state.db, "bob@example.com")
        .await
        .unwrap();
    let invite = between(&mails[0].body_text, "/invitations/", "\n")
        .trim()
        .to_string();
    let bob = app.browser();
    let (s, _, body) = get(&bob, &app, &format!("/invitations/{invite}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Join Acme") && body.contains("Create account and join"),
        "{body}"
    );
    let (s, _, body) = post(
        &bob,
        &app,
        &format!("/invitations/{invite}/accept"),
        &[("name", "Bob"), ("password", "x")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"value="Bob""#));
    let (s, loc, _) = post(
        &bob,
        &app,
        &format!("/invitations/{invite}/accept"),
        &[("name", "Bob"), ("password", pw)],
    )
    .await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/home"));
    let (_, _, body) = get(&bob, &app, "/home").await;
    assert!(body.contains("Welcome to Acme"));
    let (_, _, body) = get(&c, &app, "/workspace/members").await;
    let bob_id = between(&body, r#"<select id="role-"#, r#"""#).to_string();
    let (s, _, _) = post(
        &c,
        &app,
        &format!("/workspace/members/{bob_id}/role"),
        &[("role", "viewer")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = get(&c, &app, "/workspace/members").await;
    assert!(body.contains("Bob is now Viewer"), "{body}");
    let (s, _, body) = post(
        &bob,
        &app,
        "/workspace/tokens",
        &[("name", "x"), ("scope", "read")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("does not allow"));
    let (_, _, body) = get(&bob, &app, "/workspace/tokens").await;
    assert!(body.contains("does not allow seeing API tokens"));

    // Password reset by mail.
    let (s, _, body) = post(
        &anon,
        &app,
        "/forgot-password",
        &[("email", "bob@example.com")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("If an account exists"));
    let mails = platform::mail::to_address(&app.state.db, "bob@example.com")
        .await
        .unwrap();
    let mail = mails
        .iter()
        .find(|m| m.body_text.contains("/reset-password?token="))
        .unwrap();
    let token = between(&mail.body_text, "/reset-password?token=", "\n").to_string();
    let (s, _, body) = get(&anon, &app, &format!("/reset-password?token={token}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Choose a new password"));
    let (s, loc, _) = post(
        &anon,
        &app,
        "/reset-password",
        &[("token", &token), ("password", "a brand new passphrase")],
    )
    .await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/login"));
    let (s, loc, _) = get(&bob, &app, "/home").await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/login?next=%2Fhome"),
        "sessions end after a reset"
    );
}
