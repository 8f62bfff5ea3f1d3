//! Revenue metrics against a history written directly into `billing_subscription_events` and
//! `billing_payments`, every figure worked out by hand below.
//!
//! The history (all times UTC, MRR in cents):
//!
//! | ws | event                                   | at                   | mrr   | plan       |
//! |----|-----------------------------------------|----------------------|-------|------------|
//! | C  | subscribed (agency monthly)             | 2025-12-01 09:00     | 14900 | agency     |
//! | G  | subscribed (enterprise monthly)         | 2026-01-01 00:00     | 29900 | enterprise |
//! | A  | subscribed (starter monthly)            | 2026-01-10 12:00     |  1900 | starter    |
//! | E  | comped (agency, not charged)            | 2026-02-01 08:00     |     0 | agency     |
//! | B  | subscribed (pro monthly)                | 2026-02-05 10:00     |  4900 | pro        |
//! | F  | subscribed (starter)                    | 2026-02-10 10:00     |  1900 | starter    |
//! | F  | canceled                                | 2026-02-20 10:00     |     0 | starter    |
//! | D  | subscribed (pro YEARLY 49000 / 12)      | 2026-03-01 00:00     |  4083 | pro        |
//! | H  | subscribed (starter)                    | 2026-03-05 10:00     |  1900 | starter    |
//! | G  | status_changed to past_due (still owed) | 2026-03-10 10:00     | 29900 | enterprise |
//! | H  | canceled                                | 2026-03-12 10:00     |     0 | starter    |
//! | A  | upgraded to pro                         | 2026-03-15 10:00     |  4900 | pro        |
//! | B  | downgraded to starter                   | 2026-03-20 10:00     |  1900 | starter    |
//! | G  | synced (no change)                      | 2026-03-25 10:00     | 29900 | enterprise |
//! | C  | canceled                                | 2026-03-31 23:59:59  |     0 | agency     |
//! | A  | canceled                                | 2026-04-01 00:00     |     0 | pro        |
//! | F  | subscribed again (starter)              | 2026-04-02 10:00     |  1900 | starter    |

use billing::model::{payment, subscription_event};
use billing::service::revenue::{self, DEFINITIONS, Movement, PlanRevenue};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use platform::Error;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use super::*;

fn t(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn event(
    db: &DatabaseConnection,
    ws: Uuid,
    at: DateTime<Utc>,
    kind: &str,
    plan: &str,
    mrr: i64,
    currency: &str,
) {
    subscription_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        at: Set(at),
        kind: Set(kind.into()),
        plan_id: Set(Uuid::now_v7()),
        plan_key: Set(plan.into()),
        status: Set(if mrr > 0 { "active" } else { "canceled" }.into()),
        mrr: Set(mrr),
        currency: Set(currency.into()),
        actor: Set("system".into()),
        detail: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
}

async fn paid(db: &DatabaseConnection, at: DateTime<Utc>, amount: i64, kind: &str) {
    payment::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(Uuid::now_v7()),
        kind: Set(kind.into()),
        stripe_invoice_id: Set(None),
        stripe_checkout_session_id: Set(None),
        amount: Set(amount),
        currency: Set("usd".into()),
        description: Set("test".into()),
        hosted_url: Set(None),
        paid_at: Set(at),
    }
    .insert(db)
    .await
    .unwrap();
}

/// Writes the history of the module comment; returns nothing (workspaces are anonymous).
pub async fn known_history(db: &DatabaseConnection) {
    let [a, b, c, d, e, f, g, h] = [(); 8].map(|_| Uuid::now_v7());
    let usd = "usd";
    event(
        db,
        c,
        t(2025, 12, 1, 9, 0, 0),
        "subscribed",
        "agency",
        14900,
        usd,
    )
    .await;
    event(
        db,
        g,
        t(2026, 1, 1, 0, 0, 0),
        "subscribed",
        "enterprise",
        29900,
        usd,
    )
    .await;
    event(
        db,
        a,
        t(2026, 1, 10, 12, 0, 0),
        "subscribed",
        "starter",
        1900,
        usd,
    )
    .await;
    event(db, e, t(2026, 2, 1, 8, 0, 0), "comped", "agency", 0, usd).await;
    event(
        db,
        b,
        t(2026, 2, 5, 10, 0, 0),
        "subscribed",
        "pro",
        4900,
        usd,
    )
    .await;
    event(
        db,
        f,
        t(2026, 2, 10, 10, 0, 0),
        "subscribed",
        "starter",
        1900,
        usd,
    )
    .await;
    event(
        db,
        f,
        t(2026, 2, 20, 10, 0, 0),
        "canceled",
        "starter",
        0,
        usd,
    )
    .await;
    // 49000 a year: 49000 / 12 = 4083 (integer cents, as subscriptions::mrr_of records it).
    event(
        db,
        d,
        t(2026, 3, 1, 0, 0, 0),
        "subscribed",
        "pro",
        4083,
        usd,
    )
    .await;
    event(
        db,
        h,
        t(2026, 3, 5, 10, 0, 0),
        "subscribed",
        "starter",
        1900,
        usd,
    )
    .await;
    event(
        db,
        g,
        t(2026, 3, 10, 10, 0, 0),
        "status_changed",
        "enterprise",
        29900,
        usd,
    )
    .await;
    event(
        db,
        h,
        t(2026, 3, 12, 10, 0, 0),
        "canceled",
        "starter",
        0,
        usd,
    )
    .await;
    event(
        db,
        a,
        t(2026, 3, 15, 10, 0, 0),
        "plan_changed",
        "pro",
        4900,
        usd,
    )
    .await;
    event(
        db,
        b,
        t(2026, 3, 20, 10, 0, 0),
        "plan_changed",
        "starter",
        1900,
        usd,
    )
    .await;
    event(
        db,
        g,
        t(2026, 3, 25, 10, 0, 0),
        "synced",
        "enterprise",
        29900,
        usd,
    )
    .await;
    event(
        db,
        c,
        t(2026, 3, 31, 23, 59, 59),
        "canceled",
        "agency",
        0,
        usd,
    )
    .await;
    event(db, a, t(2026, 4, 1, 0, 0, 0), "canceled", "pro", 0, usd).await;
    event(
        db,
        f,
        t(2026, 4, 2, 10, 0, 0),
        "subscribed",
        "starter",
        1900,
        usd,
    )
    .await;

    // Payments; the 30 days ending 2026-03-31 are 2026-03-02 ..= 2026-03-31.
    paid(db, t(2026, 3, 1, 12, 0, 0), 4900, "subscription").await; // Mar 1: outside
    paid(db, t(2026, 3, 2, 0, 0, 0), 1900, "subscription").await; // first day
    paid(db, t(2026, 3, 15, 10, 0, 0), 3000, "subscription").await; // Mar 15 …
    paid(db, t(2026, 3, 15, 18, 0, 0), 49000, "subscription").await; // … same day
    paid(db, t(2026, 3, 31, 23, 59, 59), 500, "topup").await; // last day
    paid(db, t(2026, 4, 1, 0, 0, 0), 9999, "subscription").await; // outside
}

fn mv(
    month: &str,
    start: (i64, u64),
    end: (i64, u64),
    moves: [i64; 4],
    churned_ws: u64,
) -> Movement {
    let [new, expansion, contraction, churned] = moves;
    Movement {
        month: month.into(),
        mrr_start: start.0,
        paying_start: start.1,
        mrr_end: end.0,
        paying_end: end.1,
        new,
        expansion,
        contraction,
        churned,
        churned_workspaces: churned_ws,
        net_new: new + expansion - contraction - churned,
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[tokio::test]
async fn every_figure_of_a_known_history() {
    let app = app().await;
    let db = &app.state.db;
    known_history(db).await;
    let r = revenue::report(db, day(2026, 3, 1), day(2026, 3, 31))
        .await
        .unwrap();
    assert_eq!(r.currency, "usd");

    // March 2026. Start = the state before 2026-03-01 00:00:
    //   A 1900 (starter), B 4900 (pro), C 14900 (agency), G 29900 (enterprise);
    //   D has no event before (its first is AT 00:00 of Mar 1, so it counts from then on),
    //   E comped 0, F canceled 0, H none.
    //   MRR start = 1900 + 4900 + 14900 + 29900 = 51600; paying at start = 4.
    // End = the state before 2026-04-01 00:00:
    //   A 4900 (upgraded Mar 15; its Apr 1 00:00 cancellation is after), B 1900, C 0
    //   (canceled Mar 31 23:59:59), D 4083, G 29900, E 0, F 0 (Apr 2 is after), H 0.
    //   MRR end = 4900 + 1900 + 4083 + 29900 = 40783; paying at end = 4 (A, B, D, G).
    // New = D 4083 (0 at start). Expansion = A 4900 − 1900 = 3000. Contraction = B 4900 −
    // 1900 = 3000. Churned = C 14900 (1 workspace). H came and went within the month: 0 at
    // both ends, so it is neither new nor churned.
    // Net new = 4083 + 3000 − 3000 − 14900 = −10817 = 40783 − 51600.
    assert_eq!(
        r.month,
        mv(
            "2026-03",
            (51600, 4),
            (40783, 4),
            [4083, 3000, 3000, 14900],
            1
        )
    );
    assert_eq!(r.month.net_new, -10817);
    assert_eq!(r.month.net_new, r.month.mrr_end - r.month.mrr_start);
    // ARR = 12 × 40783 = 489396.
    assert_eq!(r.arr, 489_396);
    // ARPU = 40783 / 4 = 10195.75 → 10196 cents.
    assert_eq!(r.arpu, Some(10196));
    // Customer churn = 1 churned / 4 paying at start = 0.25.
    assert!(close(r.customer_churn, 0.25), "{:?}", r.customer_churn);
    // Gross revenue churn = (14900 churned + 3000 contraction) / 51600 = 17900 / 51600.
    assert!(
        close(r.revenue_churn, 17900.0 / 51600.0),
        "{:?}",
        r.revenue_churn
    );
    // By plan at the end of March: enterprise G 29900; pro A 4900 + D 4083 = 8983 (2);
    // starter B 1900. Agency: C churned, E comped at 0 → not listed.
    let plan = |k: &str, w, m| PlanRevenue {
        plan_key: k.into(),
        workspaces: w,
        mrr: m,
    };
    assert_eq!(
        r.by_plan,
        vec![
            plan("enterprise", 1, 29900),
            plan("pro", 2, 8983),
            plan("starter", 1, 1900)
        ]
    );

    // The 12 months ending March 2026: April–November 2025 hold nothing.
    // Dec 2025: start 0 (C's event is Dec 1 09:00); end C 14900 → new 14900.
    // Jan 2026: start 14900; end C 14900 + G 29900 + A 1900 = 46700; new = 29900 + 1900.
    // Feb 2026: start 46700; end + B 4900 = 51600; new 4900 (F subscribed and canceled
    //   within February: 0 at both ends; E comped at 0).
    // Mar 2026: as above.
    assert_eq!(r.series.len(), 12);
    assert_eq!(r.series[0].month, "2025-04");
    for m in &r.series[..8] {
        assert_eq!(*m, mv(&m.month, (0, 0), (0, 0), [0; 4], 0));
    }
    assert_eq!(
        r.series[8],
        mv("2025-12", (0, 0), (14900, 1), [14900, 0, 0, 0], 0)
    );
    assert_eq!(
        r.series[9],
        mv("2026-01", (14900, 1), (46700, 3), [31800, 0, 0, 0], 0)
    );
    assert_eq!(
        r.series[10],
        mv("2026-02", (46700, 3), (51600, 4), [4900, 0, 0, 0], 0)
    );
    assert_eq!(r.series[11], r.month);
    let mrr_ends: Vec<i64> = r.series.iter().map(|m| m.mrr_end).collect();
    assert_eq!(
        mrr_ends,
        [0, 0, 0, 0, 0, 0, 0, 0, 14900, 46700, 51600, 40783]
    );

    // Cash collected, 2026-03-02 ..= 2026-03-31 (30 days): Mar 2 1900; Mar 15 3000 + 49000
    // = 52000; Mar 31 500 (a top-up). Mar 1 and Apr 1 are outside. Total 54400.
    assert_eq!(r.collected.len(), 30);
    assert_eq!(r.collected[0], (day(2026, 3, 2), 1900));
    assert_eq!(r.collected[13], (day(2026, 3, 15), 52000));
    assert_eq!(r.collected[29], (day(2026, 3, 31), 500));
    let nonzero = r.collected.iter().filter(|(_, a)| *a != 0).count();
    assert_eq!(nonzero, 3);
    assert_eq!(r.collected_total, 54400);

    // April 2026: start = March's end (40783, 4 paying). A canceled at Apr 1 00:00 → churned
    // 4900; F subscribed again Apr 2 → new 1900. End = B 1900 + D 4083 + G 29900 + F 1900 =
    // 37783. Net new = 1900 − 4900 = −3000. Customer churn 1/4. Revenue churn 4900/40783.
    let april = revenue::report(db, day(2026, 4, 17), day(2026, 4, 30))
        .await
        .unwrap();
    assert_eq!(
        april.month,
        mv("2026-04", (40783, 4), (37783, 4), [1900, 0, 0, 4900], 1)
    );
    assert_eq!(april.arpu, Some((37783 + 2) / 4)); // 9445.75 → 9446
    assert_eq!(april.arpu, Some(9446));
    assert!(close(april.customer_churn, 0.25));
    assert!(close(april.revenue_churn, 4900.0 / 40783.0));
    // Pro: D 4083 only now (A left); starter: B 1900 + F 1900.
    assert_eq!(
        april.by_plan,
        vec![
            plan("enterprise", 1, 29900),
            plan("pro", 1, 4083),
            plan("starter", 2, 3800)
        ]
    );

    // A month before any history: all zero, and the ratios are undefined rather than 0.
    let empty = revenue::report(db, day(2025, 6, 1), day(2025, 6, 30))
        .await
        .unwrap();
    assert_eq!(empty.month, mv("2025-06", (0, 0), (0, 0), [0; 4], 0));
    assert_eq!((empty.arr, empty.arpu), (0, None));
    assert_eq!((empty.customer_churn, empty.revenue_churn), (None, None));
    assert!(empty.by_plan.is_empty());

    assert!(DEFINITIONS.iter().any(|(k, _)| *k == "Gross revenue churn"));
}

#[tokio::test]
async fn several_currencies_are_refused_not_added() {
    let app = app().await;
    let db = &app.state.db;
    known_history(db).await;
    event(
        db,
        Uuid::now_v7(),
        t(2026, 3, 3, 0, 0, 0),
        "subscribed",
        "pro",
        4500,
        "eur",
    )
    .await;
    match revenue::report(db, day(2026, 3, 1), day(2026, 3, 31)).await {
        Err(Error::Conflict(m)) => assert!(m.contains("eur, usd"), "{m}"),
        other => panic!("mixed currencies gave {other:?}"),
    }
    // Before the euro event the data is in one currency again.
    assert!(
        revenue::report(db, day(2026, 2, 1), day(2026, 2, 28))
            .await
            .is_ok()
    );
}
