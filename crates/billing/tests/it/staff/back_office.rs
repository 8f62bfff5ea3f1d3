//! Billing in the back office: who reaches it, the plan form (field errors, input kept), a
//! limit change reaching existing subscribers at once, comps in the history and the activity
//! log, credit adjustments needing a reason, the revenue page's figures for a known history,
//! the dashboard's billing cards and the user page's change of plan.

use ::billing::{Meter, model::subscription_event, plans};
use chrono::{TimeZone, Utc};
use platform::staff::StaffRole;
use platform::{Error, audit};
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use super::*;

#[tokio::test]
async fn finance_and_super_admin_use_billing_support_does_not() {
    let app = app().await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    for role in StaffRole::ALL {
        let (browser, token) = signed_in(&app, role).await;
        let allowed = role != StaffRole::Support;
        for path in [
            "/admin/billing/plans".to_string(),
            "/admin/billing/subscriptions".into(),
            format!("/admin/billing/subscriptions/{ws}"),
            "/admin/billing/pricing".into(),
            "/admin/billing/revenue".into(),
        ] {
            let res = browser.get(app.url(&path)).send().await.unwrap();
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(res.status(), want, "{} {path}", role.as_str());
        }
        for path in [
            "/api/v1/admin/billing/plans",
            "/api/v1/admin/billing/subscriptions",
            "/api/v1/admin/billing/pricing",
            "/api/v1/admin/billing/revenue",
        ] {
            let res = app
                .api()
                .get(app.url(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(res.status(), want, "{} {path}", role.as_str());
        }
        // The navigation shows Billing to the roles that reach it.
        let home = browser
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            home.contains("href=\"/admin/billing\""),
            allowed,
            "{}",
            role.as_str()
        );
        // The dashboard's billing cards likewise.
        assert_eq!(home.contains("id=\"stat-subscriptions\""), allowed);
        assert_eq!(home.contains("id=\"chart-revenue\""), allowed);
        assert_eq!(home.contains("id=\"chart-plans\""), allowed);
    }
}

#[tokio::test]
async fn a_bad_plan_edit_keeps_the_input_and_a_limit_change_reaches_subscribers_at_once() {
    let app = app().await;
    let db = &app.state.db;
    let grace = app.state.config.get(&::billing::settings::GRACE_DAYS);
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    let (browser, token) = signed_in(&app, StaffRole::Finance).await;
    let starter = plans::by_key(db, "starter").await.unwrap();
    assert_eq!(starter.limit(Meter::Accounts), Some(1));
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/billing/subscriptions/{ws}/comp")))
        .bearer_auth(&token)
        .json(&json!({ "plan_id": starter.id }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // One account connected: a second does not fit on starter.
    assert!(matches!(
        ::billing::limits::check_addition_in(
            db,
            grace,
            &platform::Scope::for_test(ws),
            Meter::Accounts,
            1
        )
        .await,
        Err(Error::PaymentRequired { .. })
    ));

    let path = format!("/admin/billing/plans/{}", starter.id);
    let res = browser
        .post(app.url(&path))
        .form(&[
            ("name", ""),
            ("currency", "usd"),
            ("price_monthly", "nineteen"),
            ("limit_accounts", "-3"),
            ("limit_seats", "lots"),
            ("enabled", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"nineteen\""), "typed price kept");
    assert!(page.contains("value=\"lots\""), "typed limit kept");
    assert!(
        page.contains("id=\"price_monthly-error\""),
        "price error beside its field"
    );
    assert!(
        page.contains("id=\"limit_seats-error\""),
        "limit error beside its field"
    );
    // Nothing saved.
    assert_eq!(plans::get(db, starter.id).await.unwrap().name, "Starter");

    // Service-side validation (negative limit, empty name) is shown the same way.
    let res = browser
        .post(app.url(&path))
        .form(&[
            ("name", ""),
            ("currency", "usd"),
            ("price_monthly", "19"),
            ("limit_accounts", "-3"),
            ("enabled", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"name-error\""));
    assert!(page.contains("id=\"limit_accounts-error\""));
    assert!(page.contains("value=\"-3\""));

    let res = browser
        .post(app.url(&path))
        .form(&[
            ("name", "Starter"),
            ("currency", "usd"),
            ("price_monthly", "19.50"),
            ("price_yearly", "190"),
            ("limit_accounts", "3"),
            ("limit_seats", "1"),
            ("limit_ai_credits", "unlimited"),
            ("feature_discovery", "on"),
            ("enabled", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let saved = plans::get(db, starter.id).await.unwrap();
    assert_eq!(
        (saved.price_monthly, saved.price_yearly),
        (Some(1950), Some(19000))
    );
    assert_eq!(saved.limit(Meter::Accounts), Some(3));
    assert_eq!(
        saved.limit_of(Meter::Exports),
        ::billing::Limit::NotIncluded,
        "empty is not included"
    );
    assert_eq!(
        saved.limit_of(Meter::AiCredits),
        ::billing::Limit::Unlimited
    );
    assert!(saved.has(::billing::Feature::Discovery));
    // The existing subscriber gets the new limit at once: a 2nd and 3rd account fit, a 4th not.
    ::billing::limits::check_addition_in(
        db,
        grace,
        &platform::Scope::for_test(ws),
        Meter::Accounts,
        1,
    )
    .await
    .unwrap();
    ::billing::limits::check_addition_in(
        db,
        grace,
        &platform::Scope::for_test(ws),
        Meter::Accounts,
        2,
    )
    .await
    .unwrap();
    assert!(
        ::billing::limits::check_addition_in(
            db,
            grace,
            &platform::Scope::for_test(ws),
            Meter::Accounts,
            3
        )
        .await
        .is_err()
    );
    assert_eq!(audit::by_action(db, "plan.updated").await.unwrap().len(), 1);

    // Disable, then the list shows it and its subscriber.
    let res = browser
        .post(app.url(&format!("{path}/disable")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!plans::get(db, starter.id).await.unwrap().enabled);
    let list = browser
        .get(app.url("/admin/billing/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = list
        .split("id=\"plan-starter\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("<td class=\"subscribers\">1</td>"), "{row}");
    assert!(row.contains("disabled"));
}

#[tokio::test]
async fn comp_and_end_comp_are_in_the_history_and_the_activity_log() {
    let app = selling_app().await;
    let db = &app.state.db;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    let (browser, _) = signed_in(&app, StaffRole::SuperAdmin).await;
    let pro = plans::by_key(db, "pro").await.unwrap();
    let detail = format!("/admin/billing/subscriptions/{ws}");
    let res = browser
        .post(app.url(&format!("{detail}/comp")))
        .form(&[("plan_id", pro.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .plan
            .key,
        "pro"
    );
    let res = browser
        .post(app.url(&format!("{detail}/end-comp")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .plan
            .key,
        "free"
    );

    let history = ::billing::service::subscriptions::history(db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    let kinds: Vec<_> = history
        .iter()
        .map(|e| (e.kind.as_str(), e.plan_key.as_str(), e.mrr))
        .collect();
    assert_eq!(kinds, [("canceled", "pro", 0), ("comped", "pro", 0)]);
    assert!(history.iter().all(|e| e.actor.starts_with("staff:")));
    let page = browser
        .get(app.url(&detail))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let table = page.split("id=\"history\"").nth(1).unwrap();
    assert!(table.contains("<td>comped</td>") && table.contains("<td>canceled</td>"));

    for action in ["subscription.comped", "subscription.comp_ended"] {
        let events = audit::by_action(db, action).await.unwrap();
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].workspace_id, Some(ws));
        assert_eq!(events[0].actor_label, "staff:super_admin@staff.example");
    }
    // Ending a comp that is not there is refused, and not logged.
    let res = browser
        .post(app.url(&format!("{detail}/end-comp")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        audit::by_action(db, "subscription.comp_ended")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_credit_adjustment_needs_a_reason() {
    let app = app().await;
    let db = &app.state.db;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    let (browser, token) = signed_in(&app, StaffRole::Finance).await;
    let adjust = |body: Value| {
        app.api()
            .post(app.url(&format!("/api/v1/admin/billing/workspaces/{ws}/credits")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = adjust(json!({ "amount": 25 })).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = adjust(json!({ "amount": 25, "reason": "  " }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Through the page too: refused with the reason's message beside it, nothing booked.
    let res = browser
        .post(app.url(&format!("/admin/workspaces/{ws}/credits")))
        .form(&[("amount", "25"), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("Say why the balance is corrected"), "{page}");
    assert!(page.contains("id=\"reason-error\""));
    assert_eq!(
        ::billing::credits::balance(db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .balance,
        0
    );
    assert!(
        ::billing::credits::ledger(db, &platform::Scope::for_test(ws), &Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        audit::by_action(db, "credits.adjusted")
            .await
            .unwrap()
            .is_empty()
    );

    let res = adjust(json!({ "amount": 25, "reason": "Goodwill after outage" }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["balance"], 25);
    let entries =
        ::billing::credits::ledger(db, &platform::Scope::for_test(ws), &Default::default())
            .await
            .unwrap()
            .items;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, "adjustment");
    assert_eq!(entries[0].reason.as_deref(), Some("Goodwill after outage"));
    let logged = audit::by_action(db, "credits.adjusted").await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].workspace_id, Some(ws));
    // The billing page shows the balance and the entry.
    let page = browser
        .get(app.url(&format!("/admin/billing/subscriptions/{ws}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong id=\"credit-balance\">25</strong>"));
    assert!(page.contains("Goodwill after outage"));
}

/// The back office's workspace page carries billing's credits section for staff with the
/// billing permission (its adjustment form returns there), and not for support.
#[tokio::test]
async fn the_workspace_page_shows_credits_to_billing_staff_only() {
    let app = app().await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    let (root, _) = signed_in(&app, StaffRole::SuperAdmin).await;
    let (support, _) = signed_in(&app, StaffRole::Support).await;
    let path = format!("/admin/workspaces/{ws}");
    let res = root
        .post(app.url(&format!("{path}/credits")))
        .form(&[
            ("amount", "40"),
            ("reason", "Welcome credits"),
            ("back", path.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[reqwest::header::LOCATION], path.as_str());
    let page = root
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Credits adjusted: the balance is 40 now."));
    assert!(page.contains("<strong id=\"credit-balance\">40</strong>"));
    assert!(page.contains("Welcome credits"));
    assert!(page.contains(&format!("action=\"{path}/credits\"")));
    assert!(page.contains(&format!(r#"name="back" value="{path}""#)));
    assert!(page.contains(&format!("href=\"/admin/billing/subscriptions/{ws}\"")));

    let res = support.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Members"));
    assert!(!page.contains("id=\"credits\""));
    assert!(!page.contains("/admin/billing/subscriptions/"));
}

async fn event(db: &sea_orm::DatabaseConnection, ws: Uuid, day: (u32, u32), plan: &str, mrr: i64) {
    subscription_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        at: Set(Utc.with_ymd_and_hms(2026, day.0, day.1, 12, 0, 0).unwrap()),
        kind: Set("synced".into()),
        plan_id: Set(Uuid::now_v7()),
        plan_key: Set(plan.into()),
        status: Set("active".into()),
        mrr: Set(mrr),
        currency: Set("usd".into()),
        actor: Set("system".into()),
        detail: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
}

/// The text of the revenue page's figure `id`.
fn figure(page: &str, id: &str) -> String {
    page.split(&format!("id=\"fig-{id}\""))
        .nth(1)
        .and_then(|s| s.split("class=\"stat-value\">").nth(1))
        .and_then(|s| s.split("</span>").next())
        .unwrap_or_else(|| panic!("no figure {id}"))
        .to_string()
}

#[tokio::test]
async fn the_revenue_page_shows_the_figures_of_a_known_history() {
    let app = app().await;
    let db = &app.state.db;
    let [w1, w2, w3] = [(); 3].map(|_| Uuid::now_v7());
    // W1 pro from Feb 10, canceled Mar 20; W2 starter from Feb 15, pro from Mar 5; W3 yearly
    // pro (49000 / 12 = 4083) from Mar 10.
    event(db, w1, (2, 10), "pro", 4900).await;
    event(db, w2, (2, 15), "starter", 1900).await;
    event(db, w2, (3, 5), "pro", 4900).await;
    event(db, w3, (3, 10), "pro", 4083).await;
    event(db, w1, (3, 20), "pro", 0).await;
    let (browser, token) = signed_in(&app, StaffRole::Finance).await;
    let page = browser
        .get(app.url("/admin/billing/revenue?month=2026-03"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Start of March: W1 4900 + W2 1900 = 6800 (2 paying). End: W2 4900 + W3 4083 = 8983
    // (2 paying). New: W3 4083. Expansion: W2 +3000. Churned: W1 4900. Contraction 0.
    // Net new 4083 + 3000 − 4900 = 2183 = 8983 − 6800. ARR 12 × 8983 = 107796.
    // ARPU 8983 / 2 = 4491.5 → 4492. Customer churn 1/2. Gross revenue churn 4900 / 6800 =
    // 72.0588 % → 72.06 %.
    for (id, want) in [
        ("mrr", "$89.83"),
        ("arr", "$1,077.96"),
        ("arpu", "$44.92"),
        ("paying-end", "2"),
        ("mrr-start", "$68.00"),
        ("paying-start", "2"),
        ("new", "$40.83"),
        ("expansion", "$30.00"),
        ("contraction", "$0.00"),
        ("churned", "$49.00"),
        ("net-new", "$21.83"),
        ("churned-workspaces", "1"),
        ("customer-churn", "50.00%"),
        ("revenue-churn", "72.06%"),
    ] {
        assert_eq!(figure(&page, id), want, "{id}");
    }
    let by_plan = page.split("id=\"by-plan\"").nth(1).unwrap();
    assert!(
        by_plan.contains("<tr><td>pro</td><td>2</td><td>$89.83</td></tr>"),
        "{by_plan}"
    );
    let months = page.split("id=\"months\"").nth(1).unwrap();
    assert!(months.contains("<tr><td>2026-02</td><td>$68.00</td><td>$68.00</td>"));
    assert!(page.contains("id=\"chart-mrr\"") && page.contains("id=\"chart-net-new\""));
    for (term, _) in ::billing::service::revenue::DEFINITIONS {
        assert!(
            page.contains(&format!("<dt>{term}</dt>")),
            "definition of {term}"
        );
    }

    let api: Value = app
        .api()
        .get(app.url("/api/v1/admin/billing/revenue?month=2026-03"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["mrr_end"], 8983);
    assert_eq!(api["net_new"], 2183);
    assert_eq!(api["arpu"], 4492);
    assert_eq!(api["by_plan"][0]["mrr"], 8983);
    assert_eq!(api["series"].as_array().unwrap().len(), 12);
    let res = app
        .api()
        .get(app.url("/api/v1/admin/billing/revenue?month=March"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_user_page_changes_the_plan_of_an_owned_workspace() {
    let app = selling_app().await;
    let (user, ws) = customer_workspace(&app, "shop@example.com").await;
    let (browser, _) = signed_in(&app, StaffRole::SuperAdmin).await;
    let agency = plans::by_key(&app.state.db, "agency").await.unwrap();
    let page = browser
        .get(app.url(&format!("/admin/users/{user}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("action=\"/admin/users/{user}/plan\"")));
    assert!(page.contains("Change plan (comped, not charged)"));
    assert!(!page.contains("through Stripe, prorated"));
    // Support sees the user's workspaces but neither the form nor may post it.
    let (support, _) = signed_in(&app, StaffRole::Support).await;
    let url = app.url(&format!("/admin/users/{user}"));
    let page = support.get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/admin/workspaces/{ws}\"")));
    assert!(!page.contains("/plan\""));
    let res = support
        .post(app.url(&format!("/admin/users/{user}/plan")))
        .form(&[
            ("workspace_id", ws.to_string()),
            ("plan_id", agency.id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A workspace the user does not own is refused.
    let res = browser
        .post(app.url(&format!("/admin/users/{user}/plan")))
        .form(&[
            ("workspace_id", Uuid::now_v7().to_string()),
            ("plan_id", agency.id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .plan
            .key,
        "free"
    );
    let res = browser
        .post(app.url(&format!("/admin/users/{user}/plan")))
        .form(&[
            ("workspace_id", ws.to_string()),
            ("plan_id", agency.id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .plan
            .key,
        "agency"
    );
    assert_eq!(
        audit::by_action(&app.state.db, "subscription.comped")
            .await
            .unwrap()
            .len(),
        1
    );
}
