//! The wallet and its ledger: concurrent spending never overdraws, charges only after success,
//! free uses, allowance before purchases, grants once, staff adjustments, the API, and
//! another workspace's reservation or ledger out of reach.

use billing::credits::{self, Actor};
use platform::Error;

use super::*;

async fn assert_ledger_matches(app: &TestApp, ws: Uuid) -> i64 {
    let b = credits::balance(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(b.balance, b.allowance + b.purchased);
    assert_eq!(
        credits::ledger_sum(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap(),
        b.balance,
        "balance = ledger sum"
    );
    b.balance
}

#[tokio::test]
async fn parallel_spending_never_overdraws_and_the_ledger_adds_up() {
    let app = app().await;
    let (_, ws) = customer(&app, "spender@example.com", "Spenders").await;
    let db = app.state.db.clone();
    // 50 generations' worth (ai_generation costs 1): 20 allowance + 30 purchased.
    credits::grant_allowance(
        &db,
        &platform::Scope::for_test(ws),
        20,
        &billing::limits::period_of(chrono::Utc::now()),
        false,
        &Actor::System,
    )
    .await
    .unwrap();
    credits::add_purchased(
        &db,
        &platform::Scope::for_test(ws),
        30,
        "topup:test",
        "test",
        &Actor::System,
    )
    .await
    .unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let state = app.state.clone();
            tokio::spawn(async move {
                credits::charge_on_success(
                    &state,
                    &platform::Scope::for_test(ws),
                    "ai_generation",
                    &Actor::System,
                    Some(&format!("job {i}")),
                    |_| async { Ok(i) },
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::PaymentRequired {
                code: "insufficient-credits",
                ..
            }) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, refused), (50, 150));
    assert_eq!(assert_ledger_matches(&app, ws).await, 0);
    let captures = credits::ledger(
        &db,
        &platform::Scope::for_test(ws),
        &credits::LedgerFilter {
            kind: Some("capture".into()),
            limit: Some(500),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(captures.items.len(), 50);
}

#[tokio::test]
async fn the_monthly_allowance_is_granted_on_first_use_spent_first_and_failures_cost_nothing() {
    let app = app().await;
    let (_, ws) = customer(&app, "fail@example.com", "Failing").await;
    let db = &app.state.db;
    // Starter: 10 AI credits a month, granted on the first use or look of the month.
    billing::service::subscriptions::comp_key(
        db,
        &platform::Scope::for_test(ws),
        "starter",
        "test",
    )
    .await
    .unwrap();
    credits::add_purchased(
        db,
        &platform::Scope::for_test(ws),
        100,
        "topup:a",
        "a",
        &Actor::System,
    )
    .await
    .unwrap();
    let err = credits::charge_on_success(
        &app.state,
        &platform::Scope::for_test(ws),
        "post_analytics",
        &Actor::User(Uuid::nil()),
        None,
        |_| async {
            Err::<(), _>(Error::Unavailable {
                message: "source down".into(),
                retry_after_secs: 5,
            })
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { .. }),
        "the work's own error comes back"
    );
    let b = credits::balance(db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(
        (b.allowance, b.purchased),
        (10, 100),
        "allowance granted; the failed work's hold released into the buckets it came from"
    );
    // Success twice: 5 + 5 from the allowance, then 5 from purchases.
    for _ in 0..3 {
        credits::charge_on_success(
            &app.state,
            &platform::Scope::for_test(ws),
            "post_analytics",
            &Actor::System,
            None,
            |r| async move {
                assert_eq!(r.cost, 5);
                Ok(())
            },
        )
        .await
        .unwrap();
    }
    let b = credits::balance(db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!((b.allowance, b.purchased), (0, 95));
    assert!(
        !credits::refresh_allowance(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap(),
        "granted once per month"
    );
    let grants = credits::ledger(
        db,
        &platform::Scope::for_test(ws),
        &credits::LedgerFilter {
            kind: Some("grant".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(grants.items.len(), 1);
    assert_eq!(
        grants.items[0].reference.as_deref(),
        Some(billing::limits::period_of(chrono::Utc::now()).as_str())
    );
    assert_ledger_matches(&app, ws).await;
    // Period changes (named explicitly here): granted once however often asked; without
    // rollover the unused rest expires first, with rollover it stays. Purchases never expire.
    assert!(
        credits::grant_allowance(
            db,
            &platform::Scope::for_test(ws),
            10,
            "period-a",
            false,
            &Actor::System
        )
        .await
        .unwrap()
    );
    assert!(
        !credits::grant_allowance(
            db,
            &platform::Scope::for_test(ws),
            10,
            "period-a",
            false,
            &Actor::System
        )
        .await
        .unwrap()
    );
    credits::adjust(
        db,
        &platform::Scope::for_test(ws),
        -1,
        "use one allowance credit",
        Uuid::nil(),
        |_| None,
    )
    .await
    .unwrap();
    assert!(
        credits::grant_allowance(
            db,
            &platform::Scope::for_test(ws),
            10,
            "period-b",
            false,
            &Actor::System
        )
        .await
        .unwrap()
    );
    let b = credits::balance(db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(
        (b.allowance, b.purchased),
        (10, 95),
        "9 unused expired, 10 granted"
    );
    let expired = credits::ledger(
        db,
        &platform::Scope::for_test(ws),
        &credits::LedgerFilter {
            kind: Some("expire".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(expired.items[0].amount, -9);
    assert!(
        credits::grant_allowance(
            db,
            &platform::Scope::for_test(ws),
            10,
            "period-c",
            true,
            &Actor::System
        )
        .await
        .unwrap()
    );
    assert_eq!(
        credits::balance(db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .allowance,
        20
    );
    assert_ledger_matches(&app, ws).await;
}

#[tokio::test]
async fn free_uses_come_first_then_the_price() {
    let app = app().await;
    let (_, ws) = customer(&app, "free@example.com", "Free uses").await;
    for i in 0..5 {
        let c = credits::can_perform(&app.state, &platform::Scope::for_test(ws), "discovery_page")
            .await
            .unwrap();
        assert_eq!((c.allowed, c.cost, c.free_remaining), (true, 0, 5 - i));
        credits::charge_on_success(
            &app.state,
            &platform::Scope::for_test(ws),
            "discovery_page",
            &Actor::System,
            None,
            |r| async move {
                assert!(r.free);
                Ok(())
            },
        )
        .await
        .unwrap();
    }
    let c = credits::can_perform(&app.state, &platform::Scope::for_test(ws), "discovery_page")
        .await
        .unwrap();
    assert_eq!(
        (c.allowed, c.cost, c.free_remaining, c.balance),
        (false, 10, 0, 0)
    );
    let err = credits::reserve(
        &app.state,
        &platform::Scope::for_test(ws),
        "discovery_page",
        &Actor::System,
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("10 credits"), "{err}");
    assert_eq!(assert_ledger_matches(&app, ws).await, 0);
}

#[tokio::test]
async fn staff_adjustments_need_a_reason_and_cannot_go_below_zero() {
    let app = app().await;
    let (_, ws) = customer(&app, "adj@example.com", "Adjusted").await;
    let db = &app.state.db;
    let staff = Uuid::now_v7();
    assert!(matches!(
        credits::adjust(db, &platform::Scope::for_test(ws), 10, " ", staff, |_| None).await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        credits::adjust(
            db,
            &platform::Scope::for_test(ws),
            10,
            "goodwill for an outage",
            staff,
            |_| None
        )
        .await
        .unwrap()
        .balance,
        10
    );
    assert!(matches!(
        credits::adjust(
            db,
            &platform::Scope::for_test(ws),
            -11,
            "correction",
            staff,
            |_| None
        )
        .await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        credits::adjust(
            db,
            &platform::Scope::for_test(ws),
            -4,
            "correction",
            staff,
            |_| None
        )
        .await
        .unwrap()
        .balance,
        6
    );
    // The log entry is written with the adjustment (given the balance after it); a refused
    // adjustment writes none.
    let log = |b: &credits::Balance| {
        Some(
            platform::audit::Event::new("credits.adjusted")
                .workspace(Some(ws))
                .detail(serde_json::json!({ "balance_after": b.balance })),
        )
    };
    assert!(matches!(
        credits::adjust(
            db,
            &platform::Scope::for_test(ws),
            -7,
            "too much",
            staff,
            log
        )
        .await,
        Err(Error::Validation(_))
    ));
    assert!(
        platform::audit::by_action(db, "credits.adjusted")
            .await
            .unwrap()
            .is_empty()
    );
    credits::adjust(
        db,
        &platform::Scope::for_test(ws),
        -1,
        "correction",
        staff,
        log,
    )
    .await
    .unwrap();
    let logged = platform::audit::by_action(db, "credits.adjusted")
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].workspace_id, Some(ws));
    assert_eq!(
        logged[0].detail.as_ref().unwrap()["balance_after"],
        serde_json::json!(5)
    );
    let page = credits::ledger(
        db,
        &platform::Scope::for_test(ws),
        &credits::LedgerFilter {
            kind: Some("adjustment".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[0].reason.as_deref(), Some("correction"));
    assert_eq!(page.items[0].actor, format!("staff:{staff}"));
    assert_ledger_matches(&app, ws).await;
}

#[tokio::test]
async fn another_workspaces_reservation_and_ledger_are_out_of_reach() {
    let app = app().await;
    let (_, a) = customer(&app, "a@example.com", "A").await;
    let (token_b, b) = customer(&app, "b@example.com", "B").await;
    let db = &app.state.db;
    credits::add_purchased(
        db,
        &platform::Scope::for_test(a),
        10,
        "topup:x",
        "x",
        &Actor::System,
    )
    .await
    .unwrap();
    let r = credits::reserve(
        &app.state,
        &platform::Scope::for_test(a),
        "ai_generation",
        &Actor::System,
        None,
    )
    .await
    .unwrap();
    assert!(matches!(
        credits::capture(db, &platform::Scope::for_test(b), r.id, &Actor::System).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        credits::release(db, &platform::Scope::for_test(b), r.id, &Actor::System, "x").await,
        Err(Error::NotFound)
    ));
    credits::capture(db, &platform::Scope::for_test(a), r.id, &Actor::System)
        .await
        .unwrap();
    assert!(
        matches!(
            credits::capture(db, &platform::Scope::for_test(a), r.id, &Actor::System).await,
            Err(Error::NotFound)
        ),
        "captured once"
    );
    // B's API sees B's (empty) wallet only.
    let bal: Value = app
        .api()
        .get(app.url("/api/v1/credits/balance"))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bal["balance"], 0);
    let page: Value = app
        .api()
        .get(app.url("/api/v1/credits/transactions"))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let _ = b;
}

#[tokio::test]
async fn the_api_answers_balance_pricing_can_perform_and_pages_the_ledger() {
    let app = app().await;
    let (token, ws) = customer(&app, "api@example.com", "Api").await;
    let db = &app.state.db;
    credits::add_purchased(
        db,
        &platform::Scope::for_test(ws),
        30,
        "topup:api",
        "api",
        &Actor::System,
    )
    .await
    .unwrap();
    for _ in 0..3 {
        credits::charge_on_success(
            &app.state,
            &platform::Scope::for_test(ws),
            "ai_generation",
            &Actor::System,
            None,
            |_| async { Ok(()) },
        )
        .await
        .unwrap();
    }
    let get = |path: &str| {
        let req = app.api().get(app.url(path)).bearer_auth(&token);
        async move { req.send().await.unwrap() }
    };
    let bal: Value = get("/api/v1/credits/balance").await.json().await.unwrap();
    assert_eq!(
        (bal["balance"].as_i64(), bal["purchased"].as_i64()),
        (Some(27), Some(27))
    );
    let pricing: Value = get("/api/v1/credits/pricing").await.json().await.unwrap();
    let profile = pricing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == "profile_unlock")
        .unwrap();
    assert_eq!(profile["cost"], 25);
    let can: Value = get("/api/v1/credits/can-perform/profile_unlock")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        can,
        json!({ "action": "profile_unlock", "allowed": true, "cost": 25, "free_remaining": 0, "balance": 27,
            "monthly_remaining": 5, "reason": null })
    );
    // The Free plan has no email unlocks: refused for the plan's limit though the balance
    // covers the price, as the unlock itself would be.
    let can: Value = get("/api/v1/credits/can-perform/email_unlock")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(can["allowed"], false, "{can}");
    assert_eq!(can["monthly_remaining"], 0, "{can}");
    assert!(
        can["reason"]
            .as_str()
            .unwrap()
            .contains("does not include email unlocks"),
        "{can}"
    );
    // An action without a plan limit says so, and a balance short of the price is the reason.
    let can: Value = get("/api/v1/credits/can-perform/bulk_export")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(can["monthly_remaining"], Value::Null, "{can}");
    assert_eq!(can["allowed"], true, "{can}");
    assert_eq!(
        get("/api/v1/credits/can-perform/teleport").await.status(),
        404
    );
    // 1 top-up + 3 × (reserve, capture) = 7 entries; pages of 3.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/credits/transactions?limit=3&cursor={c}"),
            None => "/api/v1/credits/transactions?limit=3".into(),
        };
        let page: Value = get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.into()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let filtered: Value = get("/api/v1/credits/transactions?kind=reserve")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        get("/api/v1/credits/transactions?kind=gift").await.status(),
        422
    );
    assert_eq!(
        get("/api/v1/credits/transactions?cursor=nope")
            .await
            .status(),
        422
    );
    // The page size is checked against its documented range (it was clamped to 500 silently),
    // and a malformed number is a problem document naming it, not axum's text/plain.
    assert_eq!(
        get("/api/v1/credits/transactions?limit=500").await.status(),
        200
    );
    for bad in ["501", "0", "18446744073709551616", "ten"] {
        let res = get(&format!("/api/v1/credits/transactions?limit={bad}")).await;
        assert_eq!(res.status(), 422, "limit={bad}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "limit={bad}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "limit", "limit={bad}: {body}");
    }
    assert_eq!(
        app.api()
            .get(app.url("/api/v1/credits/balance"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
