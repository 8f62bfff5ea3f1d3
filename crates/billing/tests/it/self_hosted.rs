//! A server without Stripe is self-hosted: every workspace is on the unlimited Self-hosted
//! plan (accounts, members, monthly meters) and nothing costs credits. Once Stripe is
//! configured new workspaces start on the Free plan, and the workspaces from before keep the
//! Self-hosted plan until staff move them.

use billing::{
    Meter,
    credits::{self, Actor},
    limits,
    mode::Mode,
    service::subscriptions,
};
use platform::Error;
use reqwest::Method;

use super::*;

async fn invite(app: &TestApp, token: &str, email: &str) -> StatusCode {
    app.api()
        .request(Method::POST, app.url("/api/v1/workspace/invitations"))
        .bearer_auth(token)
        .json(&json!({ "email": email, "role": "member" }))
        .send()
        .await
        .unwrap()
        .status()
}

/// Sets the Stripe secret key in the system settings, as a super admin does in the back
/// office, and lets this node see it at once.
async fn configure_stripe(app: &TestApp) {
    let setting = app
        .state
        .settings
        .setting(billing::settings::STRIPE_SECRET_KEY.name)
        .unwrap();
    platform::settings::save_system(&app.state.db, &app.state.keys, setting, "sk_test_later")
        .await
        .unwrap();
    app.state.settings.reload().await.unwrap();
}

#[tokio::test]
async fn without_stripe_every_workspace_is_unlimited_and_nothing_costs_credits() {
    let app = self_hosted_app().await;
    assert_eq!(
        billing::mode::recorded(&app.state.db).await.unwrap(),
        Mode::SelfHosted
    );
    let (token, ws) = customer(&app, "owner@example.com", "Own server").await;
    let standing = limits::standing(&app.state, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(standing.plan.key, "self_hosted");
    // Members: a dozen invitations where the Free plan allows no one besides the owner.
    for i in 0..12 {
        assert_eq!(
            invite(&app, &token, &format!("member{i}@example.com")).await,
            StatusCode::CREATED,
            "invitation {i}"
        );
    }
    // Accounts: the check instagram makes before adding one, with 500 already there.
    limits::check_addition(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::Accounts,
        500,
    )
    .await
    .unwrap();
    // Monthly meters have no limit either.
    for _ in 0..20 {
        limits::consume(
            &app.state,
            &platform::Scope::for_test(ws),
            Meter::Exports,
            1,
        )
        .await
        .unwrap();
    }
    // Credits: the balance is 0 and work that costs 25 credits still runs, for nothing.
    assert_eq!(
        credits::balance(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .balance,
        0
    );
    let done = credits::charge_on_success(
        &app.state,
        &platform::Scope::for_test(ws),
        "profile_unlock",
        &Actor::System,
        None,
        |r| async move { Ok::<_, Error>(r.cost) },
    )
    .await
    .unwrap();
    assert_eq!(done, 0, "nothing charged");
    let can = credits::can_perform(&app.state, &platform::Scope::for_test(ws), "profile_unlock")
        .await
        .unwrap();
    assert!(can.allowed && can.cost == 0, "{can:?}");
    // The page says so in the customer's words, once, and offers nothing to buy.
    let browser = signed_in(&app, "owner@example.com").await;
    let body = browser
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Current plan: Self-hosted"), "{body}");
    let situation =
        "This server does not charge for Growthdeck, so your workspace is on the Self-hosted plan";
    assert_eq!(body.matches(situation).count(), 1, "{body}");
    assert!(body.contains("Nothing costs credits on the Self-hosted plan"));
    assert!(!body.contains("Choose monthly") && !body.contains("Top up"));
    assert!(
        !body.contains("Stripe"),
        "no vendor talk on a server without it"
    );
}

#[tokio::test]
async fn once_stripe_is_configured_new_workspaces_get_free_and_old_ones_keep_self_hosted() {
    let app = self_hosted_app().await;
    let (old_token, old) = customer(&app, "early@example.com", "Early").await;
    // Met while self-hosted (its first page, or any billing decision): enrolled for good.
    limits::standing(&app.state, &platform::Scope::for_test(old))
        .await
        .unwrap();
    // A comp ended while self-hosted goes back to the Self-hosted plan, not to Free.
    let (_, comped) = customer(&app, "comped@example.com", "Comped").await;
    subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(comped),
        "starter",
        "test",
    )
    .await
    .unwrap();
    subscriptions::end_comp(&app.state.db, &platform::Scope::for_test(comped), "test")
        .await
        .unwrap();
    assert_eq!(
        limits::standing(&app.state, &platform::Scope::for_test(comped))
            .await
            .unwrap()
            .plan
            .key,
        "self_hosted"
    );

    configure_stripe(&app).await;
    let (new_token, new) = customer(&app, "late@example.com", "Late").await;
    let standing = limits::standing(&app.state, &platform::Scope::for_test(new))
        .await
        .unwrap();
    assert_eq!(standing.plan.key, "free", "a new workspace starts on Free");
    assert!(matches!(
        billing::mode::recorded(&app.state.db).await.unwrap(),
        Mode::Stripe { .. }
    ));
    assert_eq!(
        invite(&app, &new_token, "x@example.com").await,
        StatusCode::PAYMENT_REQUIRED,
        "Free has one seat"
    );
    // The workspace from before keeps the Self-hosted plan: no silent switch.
    assert_eq!(
        limits::standing(&app.state, &platform::Scope::for_test(old))
            .await
            .unwrap()
            .plan
            .key,
        "self_hosted"
    );
    // Also for code that only has a connection (a limit check in another feature).
    assert_eq!(
        subscriptions::standing(&app.state.db, &platform::Scope::for_test(old), 7)
            .await
            .unwrap()
            .plan
            .key,
        "self_hosted"
    );
    assert_eq!(
        invite(&app, &old_token, "y@example.com").await,
        StatusCode::CREATED
    );
    let browser = signed_in(&app, "early@example.com").await;
    let body = browser
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("from before this server started selling plans"),
        "{body}"
    );
    assert!(body.contains("until your administrator moves it"));
    assert!(body.contains(r#"id="plan-free""#), "the plans are shown");
    assert!(!body.contains(r#"id="plan-self_hosted""#), "never offered");

    // Staff choose: the Free plan. From then on its limits apply.
    assert_eq!(
        subscriptions::self_hosted_rows(&app.state.db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.workspace_id)
            .collect::<Vec<_>>(),
        vec![old, comped]
    );
    subscriptions::end_self_hosted(&app.state.db, &platform::Scope::for_test(old), "staff:test")
        .await
        .unwrap();
    assert_eq!(
        limits::standing(&app.state, &platform::Scope::for_test(old))
            .await
            .unwrap()
            .plan
            .key,
        "free"
    );
    assert_eq!(
        invite(&app, &old_token, "z@example.com").await,
        StatusCode::PAYMENT_REQUIRED
    );
    // Ending it twice is refused; the history says what happened.
    assert!(
        subscriptions::end_self_hosted(
            &app.state.db,
            &platform::Scope::for_test(old),
            "staff:test"
        )
        .await
        .is_err()
    );
    let kinds: Vec<String> = subscriptions::history(&app.state.db, &platform::Scope::for_test(old))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["self_hosted_ended", "self_hosted"]);
}

#[tokio::test]
async fn staff_cannot_end_self_hosted_while_the_server_takes_no_payments() {
    let app = self_hosted_app().await;
    let (_, ws) = customer(&app, "owner@example.com", "Own").await;
    limits::standing(&app.state, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    let err =
        subscriptions::end_self_hosted(&app.state.db, &platform::Scope::for_test(ws), "staff:test")
            .await
            .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}
