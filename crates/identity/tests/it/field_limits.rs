//! Free text people type has a length limit: the form says it (`maxlength`), and the server
//! refuses a longer value with an inline error beside the field, keeping what was typed (a
//! browser that ignores `maxlength`, or a script, still gets the same answer).

use super::*;

async fn signed_in_browser(app: &TestApp, email: &str) -> reqwest::Client {
    signup(app, email, "Limits").await;
    identity::testkit::browser(app, email).await
}

async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn names_past_their_limit_are_refused_inline_and_kept() {
    let app = app().await;
    let browser = signed_in_browser(&app, "limits@example.com").await;
    let long = "Nameless".repeat(13); // 104 characters, no space to break at
    for (form_path, post_path, field, extra) in [
        ("/account", "/account/profile", "name", None),
        ("/workspaces/new", "/workspaces/new", "name", None),
        (
            "/workspace/tokens",
            "/workspace/tokens",
            "name",
            Some(("scope", "read")),
        ),
    ] {
        let form = page(&browser, &app, form_path).await;
        assert!(
            form.contains(&format!(r#"name="{field}" type="text" value="#))
                && form.contains(r#"maxlength="100""#),
            "{form_path} gives the limit to the browser: {form}"
        );
        let mut body = vec![(field, long.as_str())];
        body.extend(extra);
        let res = browser
            .post(app.url(post_path))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{post_path}"
        );
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"id="{field}-error""#)) && html.contains("at most 100"),
            "{post_path}: {html}"
        );
        assert!(
            html.contains(&format!(r#"value="{long}""#)),
            "{post_path} keeps the typed value"
        );
    }
    // The invitation's email address: the form gives the limit of an address.
    let members = page(&browser, &app, "/workspace/members").await;
    assert!(members.contains(r#"type="email""#) && members.contains(r#"maxlength="254""#));
}
