//! Monthly meters: counted and checked in one transaction (parallel uses cannot pass the
//! limit), refused with the plan that lifts the limit, given back when the work failed, and
//! counted per workspace; a meter the plan does not include is refused in words.

use billing::{Meter, limits};
use platform::Error;

use super::*;

#[tokio::test]
async fn monthly_meters_stop_at_the_limit_even_in_parallel() {
    let app = app().await;
    let (_, ws) = customer(&app, "meter@example.com", "Metered").await;
    let (_, other) = customer(&app, "other@example.com", "Other").await;
    // Free: 5 profile unlocks a month (004's free tier).
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let state = app.state.clone();
            tokio::spawn(async move {
                limits::consume(
                    &state,
                    &platform::Scope::for_test(ws),
                    Meter::ProfileUnlocks,
                    1,
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::PaymentRequired {
                code: "limit-reached",
                message,
            }) => {
                assert!(
                    message.contains(
                        "The Free plan allows 5 profile unlocks per month; this workspace has 5."
                    ),
                    "{message}"
                );
                // Of the plans sold, 004's Discovery line has profile unlocks: its cheapest
                // plan lifts the limit.
                assert!(
                    message.contains("The Discovery Standard plan lifts this limit."),
                    "{message}"
                );
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(
        limits::used_this_month(
            &app.state.db,
            &platform::Scope::for_test(ws),
            Meter::ProfileUnlocks
        )
        .await
        .unwrap(),
        5
    );
    // The other workspace's month is its own.
    limits::consume(
        &app.state,
        &platform::Scope::for_test(other),
        Meter::ProfileUnlocks,
        1,
    )
    .await
    .unwrap();
    // Work that failed gives its use back.
    limits::unconsume(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::ProfileUnlocks,
        1,
    )
    .await
    .unwrap();
    assert_eq!(
        limits::used_this_month(
            &app.state.db,
            &platform::Scope::for_test(ws),
            Meter::ProfileUnlocks
        )
        .await
        .unwrap(),
        4
    );
    limits::consume(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::ProfileUnlocks,
        1,
    )
    .await
    .unwrap();
    // A plan with more lifts it at once (staff assign the unlimited one here).
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "self_hosted",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        limits::consume(
            &app.state,
            &platform::Scope::for_test(ws),
            Meter::ProfileUnlocks,
            1
        )
        .await
        .unwrap(),
        6
    );
    // Counted meters are not consumed this way.
    assert!(
        limits::consume(&app.state, &platform::Scope::for_test(ws), Meter::Seats, 1)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_meter_the_plan_does_not_include_is_refused_in_words() {
    let app = app().await;
    let (_, ws) = customer(&app, "solo@example.com", "Solo").await;
    // Free: "Export: Not available" (004).
    let Err(Error::PaymentRequired { message, .. }) = limits::consume(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::Exports,
        1,
    )
    .await
    else {
        panic!("exports are not included in the free plan")
    };
    assert!(
        message.starts_with("The Free plan does not include exports."),
        "{message}"
    );
    // Starter names no exports at all (the documents are silent): not included either.
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "starter",
        "test",
    )
    .await
    .unwrap();
    let Err(Error::PaymentRequired { message, .. }) = limits::consume(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::Exports,
        1,
    )
    .await
    else {
        panic!("exports are not included in the starter plan")
    };
    assert!(
        message.starts_with("The Starter plan does not include exports."),
        "{message}"
    );
    // Counted limits say their noun in the right number.
    let Err(Error::PaymentRequired { message, .. }) = limits::check_addition(
        &app.state,
        &platform::Scope::for_test(ws),
        Meter::Accounts,
        1,
    )
    .await
    else {
        panic!("Starter has one account")
    };
    assert!(
        message.contains(
            "The Starter plan allows 1 connected Instagram account; this workspace has 1."
        ) && message.contains("The Pro plan lifts this limit."),
        "{message}"
    );
}
