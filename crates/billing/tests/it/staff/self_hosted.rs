//! Self-hosting and the back office: the staff page that moves the workspaces of the
//! self-hosted time to the Free plan once Stripe is configured (never by itself), and the
//! free-text limits of billing's staff forms (too long: an inline error and the typed value
//! kept; `maxlength` in the form).

use ::billing::{mode::Mode, plans, service::subscriptions};
use platform::audit;
use platform::staff::StaffRole;

use super::*;

async fn text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// Sets the Stripe secret key as a super admin does on the settings page (the API here).
async fn configure_stripe(app: &TestApp, token: &str) {
    let res = app
        .api()
        .put(app.url("/api/v1/admin/settings"))
        .bearer_auth(token)
        .json(&json!({ "values": { "stripe_secret_key": "sk_test_now_selling" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn staff_move_the_self_hosted_workspaces_once_stripe_is_configured() {
    let app = app().await;
    let (_, early) = customer_workspace(&app, "early@example.com").await;
    let (_, second) = customer_workspace(&app, "second@example.com").await;
    let (browser, _) = signed_in(&app, StaffRole::Finance).await;
    let (_, root_token) = signed_in(&app, StaffRole::SuperAdmin).await;
    // Looking at a workspace's billing meets it: on the Self-hosted plan.
    for ws in [early, second] {
        let page = text(
            &browser,
            &app,
            &format!("/admin/billing/subscriptions/{ws}"),
        )
        .await;
        assert!(page.contains("Self-hosted"), "{page}");
    }
    let page = text(&browser, &app, "/admin/billing/self-hosted").await;
    assert!(page.contains("This server takes no payments"), "{page}");
    assert!(
        page.contains("2 workspaces are on the Self-hosted plan."),
        "{page}"
    );
    assert!(
        !page.contains("Move all to the Free plan"),
        "nothing to move to yet"
    );
    // Moving is refused while nothing is sold.
    let res = browser
        .post(app.url("/admin/billing/self-hosted/move-all"))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        subscriptions::self_hosted_rows(&app.state.db)
            .await
            .unwrap()
            .len(),
        2
    );

    configure_stripe(&app, &root_token).await;
    let page = text(&browser, &app, "/admin/billing/self-hosted").await;
    assert!(page.contains("This server sells plans"), "{page}");
    assert!(matches!(
        ::billing::mode::recorded(&app.state.db).await.unwrap(),
        Mode::Stripe { .. }
    ));
    // Nothing moved by itself.
    for ws in [early, second] {
        assert_eq!(
            ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
                .await
                .unwrap()
                .plan
                .key,
            "self_hosted"
        );
    }
    // One, then the rest.
    let res = browser
        .post(app.url(&format!("/admin/billing/self-hosted/{early}/move")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(early))
            .await
            .unwrap()
            .plan
            .key,
        "free"
    );
    let page = text(&browser, &app, "/admin/billing/self-hosted").await;
    assert!(
        page.contains("1 workspace is on the Self-hosted plan."),
        "{page}"
    );
    assert!(
        page.contains("The workspace is on the Free plan now"),
        "the flash: {page}"
    );
    let res = browser
        .post(app.url("/admin/billing/self-hosted/move-all"))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = text(&browser, &app, "/admin/billing/self-hosted").await;
    assert!(
        page.contains("Moved to the Free plan: 1 workspace."),
        "{page}"
    );
    assert!(
        page.contains("0 workspaces are on the Self-hosted plan."),
        "{page}"
    );
    assert_eq!(
        audit::by_action(&app.state.db, "subscription.self_hosted_ended")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        audit::by_action(&app.state.db, "subscription.self_hosted_ended_all")
            .await
            .unwrap()
            .len(),
        1
    );
    // Support does not reach it.
    let (support, _) = signed_in(&app, StaffRole::Support).await;
    let res = support
        .get(app.url("/admin/billing/self-hosted"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn too_long_free_text_is_an_inline_error_that_keeps_what_was_typed() {
    let app = app().await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    let (browser, _) = signed_in(&app, StaffRole::SuperAdmin).await;

    // A plan description.
    let starter = plans::by_key(&app.state.db, "starter").await.unwrap();
    let form = text(
        &browser,
        &app,
        &format!("/admin/billing/plans/{}", starter.id),
    )
    .await;
    assert!(form.contains(r#"maxlength="300""#) && form.contains(r#"maxlength="60""#));
    let long = "Unbreakable".repeat(30);
    let res = browser
        .post(app.url(&format!("/admin/billing/plans/{}", starter.id)))
        .form(&[
            ("name", "Starter"),
            ("description", long.as_str()),
            ("currency", "usd"),
            ("price_monthly", "19"),
            ("enabled", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"description-error\""), "{page}");
    assert!(page.contains("The description can be at most 300 characters long"));
    assert!(
        page.contains(&format!("value=\"{long}\"")),
        "typed value kept"
    );

    // A credit adjustment's reason.
    let reason = "x".repeat(501);
    let res = browser
        .post(app.url(&format!("/admin/workspaces/{ws}/credits")))
        .form(&[
            ("amount", "25"),
            ("reason", reason.as_str()),
            ("back", &format!("/admin/workspaces/{ws}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"reason-error\""), "{page}");
    assert!(page.contains("The reason can be at most 500 characters long"));
    assert!(page.contains(&format!("value=\"{reason}\"")), "reason kept");
    assert!(page.contains("value=\"25\""), "amount kept");
    assert!(page.contains(r#"maxlength="500""#));
    assert!(page.contains(&format!(r#"name="back" value="/admin/workspaces/{ws}""#)));
    assert_eq!(
        ::billing::credits::balance(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .balance,
        0,
        "nothing adjusted"
    );
}
