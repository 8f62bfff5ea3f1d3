//! Monthly meters: counted and checked in one transaction (parallel uses cannot pass the
//! limit), refused with the plan that lifts the limit, given back when the work failed, and
//! counted per workspace.

use billing::{Meter, limits};
use platform::Error;

use super::*;

#[tokio::test]
async fn monthly_meters_stop_at_the_limit_even_in_parallel() {
    let app = app().await;
    let (_, ws) = customer(&app, "meter@example.com", "Metered").await;
    let (_, other) = customer(&app, "other@example.com", "Other").await;
    // Free: 1 export a month.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let state = app.state.clone();
            tokio::spawn(async move { limits::consume(&state, ws, Meter::Exports, 1).await })
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
                    message.contains("The Free plan allows 1 exports per month"),
                    "{message}"
                );
                assert!(
                    message.contains("The Starter plan lifts this limit."),
                    "{message}"
                );
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        limits::used_this_month(&app.state.db, ws, Meter::Exports)
            .await
            .unwrap(),
        1
    );
    // The other workspace's month is its own.
    limits::consume(&app.state, other, Meter::Exports, 1)
        .await
        .unwrap();
    // Work that failed gives its use back.
    limits::unconsume(&app.state, ws, Meter::Exports, 1)
        .await
        .unwrap();
    assert_eq!(
        limits::used_this_month(&app.state.db, ws, Meter::Exports)
            .await
            .unwrap(),
        0
    );
    limits::consume(&app.state, ws, Meter::Exports, 1)
        .await
        .unwrap();
    // A bigger plan lifts it at once.
    billing::service::subscriptions::comp_key(&app.state.db, ws, "pro", "test")
        .await
        .unwrap();
    assert_eq!(
        limits::consume(&app.state, ws, Meter::Exports, 1)
            .await
            .unwrap(),
        2
    );
    // Counted meters are not consumed this way.
    assert!(
        limits::consume(&app.state, ws, Meter::Seats, 1)
            .await
            .is_err()
    );
}
