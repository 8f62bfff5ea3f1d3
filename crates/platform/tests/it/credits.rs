//! The credits port on a server without a credit-keeping feature: work runs, nothing is
//! charged, and the work's own error comes back unchanged.

use platform::{
    Error, Scope,
    credits::{Actor, charge_on_success},
};

#[tokio::test]
async fn without_billing_work_runs_free_and_errors_pass_through() {
    let app = platform::testkit::spawn(vec![], |_| {}).await;
    let scope = Scope::for_test(uuid::Uuid::now_v7());
    let quote = app
        .state
        .credits
        .can_perform(&app.state, &scope, "ai_audit")
        .await
        .unwrap();
    assert!(quote.allowed);
    assert_eq!(quote.cost, 0);

    let done = charge_on_success(
        &app.state,
        &scope,
        "ai_audit",
        &Actor::System,
        None,
        |held| async move {
            assert_eq!(held.cost, 0, "nothing is held without a wallet");
            Ok(41 + 1)
        },
    )
    .await
    .unwrap();
    assert_eq!(done, 42);

    let err = charge_on_success(
        &app.state,
        &scope,
        "ai_audit",
        &Actor::System,
        None,
        |_| async { Err::<(), _>(Error::validation("prompt", "too long")) },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}
