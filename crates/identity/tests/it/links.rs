//! Mailed single-use links: email verification, password reset, magic sign-in, first-run setup.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::*;

#[tokio::test]
async fn verification_link_verifies_once() {
    let app = app().await;
    signup(&app, "v@example.com", "V").await;
    let token = mailed_token(&app, "v@example.com", "/verify-email?token=").await;
    let browser = app.browser();
    let res = browser
        .get(app.url(&format!("/verify-email?token={token}")))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    use sea_orm::EntityTrait;
    let user = identity::model::user::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified_at.is_some());
    let res = browser
        .get(app.url(&format!("/verify-email?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "a used link is refused"
    );
}

#[tokio::test]
async fn password_reset_is_single_use_expires_and_ends_sessions() {
    let app = app().await;
    let (_, old_token_unused) = user_with_token(&app, "r@example.com", "R").await;
    let _ = old_token_unused;
    let browser = app.browser();
    // Sign in on a browser to have a session that the reset must end.
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "r@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser
            .get(app.url("/account/security"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let res = app
        .browser()
        .post(app.url("/forgot-password"))
        .form(&[("email", "r@example.com")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    // Unknown addresses get the same answer.
    let res2 = app
        .browser()
        .post(app.url("/forgot-password"))
        .form(&[("email", "nobody@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), res2.status());

    let token = mailed_token(&app, "r@example.com", "/reset-password?token=").await;
    let new_password = "a brand new passphrase here";
    let res = app
        .browser()
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", new_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser
            .get(app.url("/account/security"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER,
        "old session ended"
    );

    let res = app
        .browser()
        .post(app.url("/reset-password"))
        .form(&[
            ("token", token.as_str()),
            ("password", "yet another passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER, "reused link refused");

    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "r@example.com", "password": new_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // An expired link is refused.
    app.browser()
        .post(app.url("/forgot-password"))
        .form(&[("email", "r@example.com")])
        .send()
        .await
        .unwrap();
    let token = mailed_token(&app, "r@example.com", "/reset-password?token=").await;
    use sea_orm::{EntityTrait, sea_query::Expr};
    identity::model::one_time_token::Entity::update_many()
        .col_expr(
            identity::model::one_time_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let res = app
        .browser()
        .post(app.url("/reset-password"))
        .form(&[
            ("token", token.as_str()),
            ("password", "expired link passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn magic_link_signs_in_once() {
    let app = app().await;
    signup(&app, "m@example.com", "M").await;
    app.browser()
        .post(app.url("/magic-link"))
        .form(&[("email", "m@example.com")])
        .send()
        .await
        .unwrap();
    let token = mailed_token(&app, "m@example.com", "/magic-link?token=").await;
    let browser = app.browser();
    // Opening the link does not use it (mail scanners prefetch links).
    assert_eq!(
        browser
            .get(app.url(&format!("/magic-link?token={token}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = browser
        .post(app.url("/magic-link/consume"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let res = app
        .browser()
        .post(app.url("/magic-link/consume"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER, "second use refused");
}

#[tokio::test]
async fn first_run_link_is_printed_once_and_creates_the_owner() {
    let app = app().await;
    let link = identity::service::setup::first_run_link(&app.state)
        .await
        .unwrap()
        .unwrap();
    assert!(
        identity::service::setup::first_run_link(&app.state)
            .await
            .unwrap()
            .is_none(),
        "second start prints nothing"
    );
    let token = link.split("token=").nth(1).unwrap();
    let browser = app.browser();
    assert_eq!(
        browser
            .get(app.url(&format!("/setup?token={token}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = browser
        .post(app.url("/setup"))
        .form(&[
            ("token", token),
            ("email", "root@example.com"),
            ("name", "Root"),
            ("password", PASSWORD),
            ("workspace", "HQ"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let t = token_for(&app, "root@example.com").await;
    let me: Value = get(&app, &t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["role"], "owner");
    assert_eq!(signed_up_notices(&app).await, 1);
    let res = app
        .browser()
        .post(app.url("/setup"))
        .form(&[
            ("token", token),
            ("email", "x@example.com"),
            ("name", "X"),
            ("password", PASSWORD),
            ("workspace", "X"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER, "the link works once");
}

async fn token_for(app: &platform::testkit::TestApp, email: &str) -> String {
    token(app, email).await
}

#[tokio::test]
async fn racing_first_run_submissions_create_one_owner() {
    let app = app().await;
    let link = identity::service::setup::first_run_link(&app.state)
        .await
        .unwrap()
        .unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    let submit = |email: &'static str| {
        let client = app.browser();
        let url = app.url("/setup");
        let token = token.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("token", token.as_str()),
                    ("email", email),
                    ("name", "Racer"),
                    ("password", PASSWORD),
                    ("workspace", "HQ"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (a, b) = tokio::join!(submit("one@example.com"), submit("two@example.com"));
    assert_eq!(
        [a, b]
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{a} {b}"
    );
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        identity::model::user::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        identity::model::workspace::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        signed_up_notices(&app).await,
        1,
        "the loser's notice rolled back with its account"
    );
}

#[tokio::test]
async fn the_daily_prune_removes_expired_sessions_and_links_only() {
    let app = app().await;
    signup(&app, "p@example.com", "P").await;
    let browser = app.browser();
    browser
        .post(app.url("/login"))
        .form(&[("email", "p@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let other = app.browser();
    other
        .post(app.url("/login"))
        .form(&[("email", "p@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    use identity::model::{one_time_token, session};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
    // Expire one session and the verification link (two days ago).
    let first = session::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::days(2);
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(long_ago))
        .filter(session::Column::Id.eq(first.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::ExpiresAt, Expr::value(long_ago))
        .exec(&app.state.db)
        .await
        .unwrap();
    let id = platform::jobs::enqueue(&app.state.db, &identity::jobs::PruneExpired::default())
        .await
        .unwrap()
        .unwrap();
    app.state.jobs.wake();
    for _ in 0..200 {
        if platform::jobs::store::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap()
            .state
            == "completed"
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        session::Entity::find().count(&app.state.db).await.unwrap(),
        1,
        "only the expired session went"
    );
    assert_eq!(
        one_time_token::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    let live = browser.get(app.url("/home")).send().await.unwrap().status();
    let other_live = other.get(app.url("/home")).send().await.unwrap().status();
    assert_eq!(
        [live, other_live]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count(),
        1
    );
}

/// Without SMTP or Resend the pages never say a mail was sent: the link waits in the log and
/// outbox for the administrator, and the pages say so.
#[tokio::test]
async fn link_pages_do_not_claim_a_mail_was_sent_when_none_leaves_the_server() {
    let app = app().await;
    signup(&app, "nomail@example.com", "N").await;
    for path in ["/magic-link", "/forgot-password"] {
        let res = app
            .browser()
            .post(app.url(path))
            .form(&[("email", "nomail@example.com")])
            .send()
            .await
            .unwrap();
        let body = res.text().await.unwrap();
        assert!(body.contains("does not send email yet"), "{path}: {body}");
        assert!(!body.contains("we have sent"), "{path}");
    }
}
