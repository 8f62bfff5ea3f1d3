//! The workspace home (recent activity in sentences, first steps of an empty workspace), the
//! workspace settings page (slug, rename, roles, other workspaces) and the invite form's
//! inline errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::members::invite_and_join;
use crate::*;

/// A browser signed in as `email`.
async fn signed_in(app: &platform::testkit::TestApp, email: &str) -> reqwest::Client {
    let b = app.browser();
    let res = b
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    b
}

async fn page(b: &reqwest::Client, app: &platform::testkit::TestApp, path: &str) -> String {
    let res = b.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

async fn post_form(
    b: &reqwest::Client,
    app: &platform::testkit::TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let res = b.post(app.url(path)).form(form).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The recent-activity list of a home page.
fn feed(home: &str) -> &str {
    let start = home
        .find("class=\"activity-feed\"")
        .expect("an activity feed");
    &home[start..start + home[start..].find("</ol>").unwrap()]
}

/// The inline error of a field (`""` when none).
fn field_error<'a>(html: &'a str, id: &str) -> &'a str {
    match html.find(&format!("id=\"{id}-error\">")) {
        Some(at) => {
            let rest = &html[at + id.len() + 12..];
            &rest[..rest.find("</p>").unwrap()]
        }
        None => "",
    }
}

#[tokio::test]
async fn recent_activity_is_written_for_people() {
    let app = app().await;
    let (_, owner) = user_with_token(&app, "owner@example.com", "Sunrise Studio").await;
    let (_, sam_id) = invite_and_join(&app, &owner, "sam@example.com", "member").await;
    let res = send(
        &app,
        Method::PATCH,
        &owner,
        &format!("/api/v1/workspace/members/{sam_id}"),
        json!({ "role": "manager" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = send(
        &app,
        Method::POST,
        &owner,
        "/api/v1/workspace/invitations",
        json!({ "email": "ana@example.com", "role": "viewer" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let invitation: Value = res.json().await.unwrap();
    let res = send(
        &app,
        Method::POST,
        &owner,
        "/api/v1/tokens",
        json!({ "name": "Reporting <script>", "scope": "read" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let browser = signed_in(&app, "owner@example.com").await;
    let (s, _) = post_form(
        &browser,
        &app,
        "/workspace/settings",
        &[("name", "Sunset Studio")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let home = page(&browser, &app, "/home").await;
    let lines = feed(&home);
    for sentence in [
        "Test Person created the workspace.",
        "Test Person invited <a href=\"/workspace/members\">sam@example.com</a> as Member.",
        "Invited Person joined the <a href=\"/workspace/members\">workspace</a> as Member.",
        "Test Person made <a href=\"/workspace/members\">Invited Person</a> a Manager.",
        "Test Person invited <a href=\"/workspace/members\">ana@example.com</a> as Viewer.",
        "Test Person created the API token <a href=\"/workspace/tokens\">“Reporting &#60;script&#62;”</a>.",
        "Test Person renamed the workspace from “Sunrise Studio” to <a href=\"/workspace/settings\">“Sunset Studio”</a>.",
    ] {
        assert!(lines.contains(sentence), "missing {sentence:?} in {lines}");
    }
    // No action codes, ids or sign-ins: the team's news only.
    for raw in [
        "member.invited",
        "member.joined",
        "member.role_changed",
        "token.created",
        "workspace.renamed",
        "user.signed_up",
        "auth.",
        "api_token",
        "invitation ",
    ] {
        assert!(!lines.contains(raw), "{raw:?} in {lines}");
    }
    assert!(!lines.contains(&sam_id));
    assert!(!lines.contains(invitation["id"].as_str().unwrap()));
    assert!(!lines.contains("signed in"));
    assert!(
        lines.contains("<time datetime=\""),
        "each line has its time"
    );

    // Withdrawing names the address (the log keeps the invitation's id only).
    let res = send(
        &app,
        Method::DELETE,
        &owner,
        &format!(
            "/api/v1/workspace/invitations/{}",
            invitation["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    assert!(res.status().is_success());
    let home = page(&browser, &app, "/home").await;
    assert!(
        feed(&home).contains(
            "Test Person withdrew the invitation of <a href=\"/workspace/members\">ana@example.com</a>."
        ),
        "{}",
        feed(&home)
    );

    // Members and viewers do not read the activity log (owners, admins and managers do).
    let (_, _) = invite_and_join(&app, &owner, "vic@example.com", "viewer").await;
    let viewer = signed_in(&app, "vic@example.com").await;
    let home = page(&viewer, &app, "/home").await;
    assert!(!home.contains("Recent activity"));
    let manager = signed_in(&app, "sam@example.com").await;
    assert!(
        page(&manager, &app, "/home")
            .await
            .contains("Recent activity")
    );
}

#[tokio::test]
async fn an_empty_workspace_offers_first_steps_ticked_when_done() {
    let app = app().await;
    let (_, owner) = user_with_token(&app, "first@example.com", "First Steps").await;
    let browser = signed_in(&app, "first@example.com").await;
    let home = page(&browser, &app, "/home").await;
    assert!(home.contains("First steps"));
    assert!(home.contains("Invite a colleague"));
    assert!(home.contains("href=\"/workspace/members#invite-title\""));
    assert!(!home.contains("is-done"));
    let res = send(
        &app,
        Method::POST,
        &owner,
        "/api/v1/workspace/invitations",
        json!({ "email": "colleague@example.com", "role": "member" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let home = page(&browser, &app, "/home").await;
    assert!(home.contains("checklist-item is-done"), "{home}");
}

#[tokio::test]
async fn settings_show_the_slug_and_rename_with_inline_errors() {
    let app = app().await;
    let (_, owner) = user_with_token(&app, "a@example.com", "Alpha Agency").await;
    let _ = free_user_with_token(&app, "b@example.com", "Beta Agency").await;
    let a = signed_in(&app, "a@example.com").await;
    let b = signed_in(&app, "b@example.com").await;

    let html = page(&a, &app, "/workspace/settings").await;
    assert!(html.contains("<code class=\"code\" id=\"workspace-slug\">alpha-agency</code>"));
    assert!(html.contains("growthdeck demo --workspace alpha-agency"));
    assert!(html.contains("Pending invitations"));
    assert!(html.contains("href=\"/workspace/tokens\""));
    assert!(
        html.contains("aria-current=\"page\""),
        "its navigation entry"
    );

    // Empty, then too long: inline errors; what was typed stays.
    let (s, html) = post_form(&a, &app, "/workspace/settings", &[("name", "  ")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_error(&html, "name"), "Workspace name is required");
    assert!(html.contains("aria-invalid=\"true\""));
    let long = "x".repeat(101);
    let (s, html) = post_form(&a, &app, "/workspace/settings", &[("name", &long)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&format!("value=\"{long}\"")));
    assert_eq!(
        field_error(&html, "name"),
        "Workspace name must be at most 100 characters"
    );
    assert!(html.contains("maxlength=\"100\""));

    let (s, _) = post_form(&a, &app, "/workspace/settings", &[("name", "Alpha & Co")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let html = page(&a, &app, "/workspace/settings").await;
    assert!(html.contains("The workspace is now called Alpha &#38; Co."));
    assert!(html.contains("value=\"Alpha &#38; Co\""));
    assert!(html.contains(">alpha-agency</code>"), "the slug stays");

    // Another workspace: its own name and slug; its rename touches only itself.
    let html = page(&b, &app, "/workspace/settings").await;
    assert!(html.contains(">beta-agency</code>"));
    assert!(!html.contains("alpha-agency") && !html.contains("Alpha"));
    let (s, _) = post_form(&b, &app, "/workspace/settings", &[("name", "Beta Two")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let html = page(&a, &app, "/workspace/settings").await;
    assert!(html.contains("value=\"Alpha &#38; Co\"") && !html.contains("Beta Two"));

    // A member sees the name and slug but may not rename.
    let (_, _) = invite_and_join(&app, &owner, "m@example.com", "member").await;
    let m = signed_in(&app, "m@example.com").await;
    let html = page(&m, &app, "/workspace/settings").await;
    assert!(html.contains("Owners and admins can rename the workspace."));
    assert!(!html.contains("Rename workspace"));
    assert!(html.contains(">alpha-agency</code>"));
    let (s, html) = post_form(&m, &app, "/workspace/settings", &[("name", "Hijacked")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("Your role in this workspace does not allow this"));
    assert!(!html.contains("Hijacked"));
    let html = page(&a, &app, "/workspace/settings").await;
    assert!(!html.contains("Hijacked"));
}

#[tokio::test]
async fn invite_errors_show_next_to_the_field_and_keep_what_was_typed() {
    let app = app().await;
    let _ = user_with_token(&app, "boss@example.com", "Invite Co").await;
    let boss = signed_in(&app, "boss@example.com").await;
    let invite = |email: &'static str, role: &'static str| {
        let boss = boss.clone();
        let url = app.url("/workspace/invitations");
        async move {
            let res = boss
                .post(url)
                .form(&[("email", email), ("role", role)])
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };

    let (s, html) = invite("not-an-email", "member").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"not-an-email\""));
    assert!(field_error(&html, "email").starts_with("Enter a valid email address"));
    assert!(html.contains("maxlength=\"254\""));

    let (s, html) = invite("boss@example.com", "member").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"boss@example.com\""));
    assert_eq!(
        field_error(&html, "email"),
        "This person is already a member"
    );

    let (s, html) = invite("new@example.com", "chief").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"new@example.com\""));
    assert_eq!(
        field_error(&html, "invite-role"),
        "Choose one of the listed roles"
    );

    // The free plan's single seat: the refusal names the plan, next to the address.
    let _ = free_user_with_token(&app, "solo@example.com", "Solo").await;
    let solo = signed_in(&app, "solo@example.com").await;
    let res = solo
        .post(app.url("/workspace/invitations"))
        .form(&[("email", "friend@example.com"), ("role", "viewer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"friend@example.com\""));
    let error = field_error(&html, "email");
    assert!(error.contains("The Free plan allows 1"), "{error}");
    assert!(error.contains("<a href=\"/billing\">"), "{error}");
    assert!(
        html.contains("<option value=\"viewer\" selected>"),
        "the role stays"
    );
}

#[tokio::test]
async fn a_failing_section_is_said_not_fatal() {
    fn failing(
        _: platform::AppState,
        _: platform::Ctx,
    ) -> platform::home::BoxFuture<'static, platform::Result<Option<platform::home::HomePanel>>>
    {
        Box::pin(async { Err(platform::Error::internal("the feature's database is down")) })
    }
    let app = platform::testkit::spawn(
        vec![
            identity::feature().home_panels(vec![failing]),
            billing::feature(),
        ],
        |_| {},
    )
    .await;
    let _ = user_with_token(&app, "calm@example.com", "Calm").await;
    let browser = signed_in(&app, "calm@example.com").await;
    let html = page(&browser, &app, "/home").await;
    assert!(html.contains("A section of this page could not be loaded just now."));
    assert!(
        !html.contains("database is down"),
        "internals stay in the log"
    );
    assert!(
        !html.contains("This workspace is still empty"),
        "not claimed empty"
    );
    assert!(html.contains("Recent activity"));
}

/// Without SMTP or Resend the invite form and its confirmation never say an email went out:
/// the link waits in the log and outbox for the administrator, and the pages say so.
#[tokio::test]
async fn invitations_do_not_claim_a_mail_was_sent_when_none_leaves_the_server() {
    let app = app().await;
    let _ = user_with_token(&app, "host@example.com", "No Mail Co").await;
    let host = signed_in(&app, "host@example.com").await;
    let html = page(&host, &app, "/workspace/members").await;
    assert!(html.contains("does not send email yet"), "{html}");
    assert!(!html.contains("We email them a link"));

    let res = host
        .post(app.url("/workspace/invitations"))
        .form(&[("email", "guest@example.com"), ("role", "member")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&host, &app, "/workspace/members").await;
    assert!(
        html.contains("Invitation for guest@example.com as Member created"),
        "{html}"
    );
    assert!(!html.contains("Invitation sent to"));
}
