//! The customer's billing page: plan, usage against limits, the past-due banner, credits with
//! filters and CSV, who may act, and nothing of another workspace.

use billing::credits::{self, Actor};

use super::*;

async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn the_page_shows_plan_usage_and_the_plans_in_words() {
    let app = app().await;
    let (_, ws) = customer(&app, "owner@example.com", "Acme").await;
    let browser = signed_in(&app, "owner@example.com").await;
    let body = page(&browser, &app, "/billing").await;
    assert!(body.contains("Current plan: Free"), "{body}");
    assert!(
        body.contains("Your workspace is on the Free plan. Choose a plan below to get more."),
        "the situation, in the customer's words: {body}"
    );
    assert!(
        !body.contains("Choose monthly"),
        "no buttons that cannot work (no plan has a Stripe price yet)"
    );
    assert!(body.contains("Not sold online: ask your administrator."));
    // Seats are counted by identity: 1 of the free plan's 1.
    assert!(body.contains("team members"), "{body}");
    assert!(body.contains("1 / 1"), "{body}");
    // Plan cards: one money format, counts in the right number, nothing unbuilt.
    assert!(body.contains("$149.00 / month"), "{body}");
    assert!(body.contains("$2,990.00 / year"), "{body}");
    assert!(body.contains("<li>1 team member</li>"), "{body}");
    assert!(body.contains("<li>20 team members</li>"), "{body}");
    assert!(
        body.contains("<li>2,000 AI credits per month</li>"),
        "{body}"
    );
    assert!(
        body.contains("<li>AI credits: not included</li>"),
        "the free plan's credits: {body}"
    );
    // A meter shows only where a feature of this server uses it: no Instagram feature is
    // mounted here, so no plan speaks of accounts (the whole product's pages do).
    assert!(!body.contains("connected Instagram account"), "{body}");
    // What the cards list and the usage table show (a plan's description is staff's own
    // words, so the cards' lines are checked, not the descriptions): the discovery meters
    // appear only where the discovery feature is mounted, which it is not here.
    let usage = body
        .split("id=\"usage-title\"")
        .nth(1)
        .and_then(|rest| rest.split("id=\"plans-title\"").next())
        .unwrap();
    let listed: String = body
        .split("<ul class=\"plan-lines\">")
        .skip(1)
        .filter_map(|card| card.split("</ul>").next())
        .chain([usage])
        .collect();
    assert!(listed.contains("<li>1 team member</li>"), "{listed}");
    for unbuilt in [
        "White label",
        "Proposals",
        "profile unlocks",
        "exports",
        "post analyses",
        "email unlocks",
    ] {
        assert!(
            !listed.contains(unbuilt),
            "{unbuilt} is not built: {listed}"
        );
    }
    assert!(!body.contains("per month per month"));
    // The account fleet and creator discovery's lists and campaigns are sold by plan: the cards of
    // the plans that have them say so (Pro's card includes discovery, not the fleet).
    assert!(body.contains("Account fleet"), "{body}");
    assert!(
        body.contains("<li>Creator lists and campaigns</li>"),
        "{body}"
    );
    // A staff-assigned plan and its limits show at once.
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    let body = page(&browser, &app, "/billing").await;
    assert!(body.contains("Current plan: Agency"));
    assert!(
        body.contains(
            "Your administrator put your workspace on the Agency plan; it is not charged."
        )
    );
    assert!(body.contains("1 / 5"), "{body}");
    // The monthly allowance was granted on this look: 500 credits.
    assert!(body.contains("Credits: 500"), "{body}");
    assert!(body.contains("<td>Monthly allowance</td>"), "{body}");
}

#[tokio::test]
async fn a_past_due_subscription_shows_the_banner_and_then_the_free_limits() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = app().await;
    let (_, ws) = customer(&app, "late@example.com", "Late").await;
    let sub = billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "pro",
        "test",
    )
    .await
    .unwrap();
    let mut a = sub.into_active_model();
    a.status = Set("past_due".into());
    a.past_due_since = Set(Some(chrono::Utc::now() - chrono::Duration::days(2)));
    a.update(&app.state.db).await.unwrap();
    let browser = signed_in(&app, "late@example.com").await;
    let body = page(&browser, &app, "/billing").await;
    // Every page of the workspace carries the banner, not only the billing page.
    let home = page(&browser, &app, "/home").await;
    assert!(
        home.contains("Payment is overdue: the plan") && home.contains("limits stay until"),
        "{home}"
    );
    assert!(
        body.contains("Your Pro plan stays in force until"),
        "{body}"
    );
    assert_eq!(
        body.matches("Payment is overdue").count(),
        1,
        "said once, by the banner: {body}"
    );
    let sub = billing::service::subscriptions::row(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap()
        .unwrap();
    let mut a = sub.into_active_model();
    a.past_due_since = Set(Some(chrono::Utc::now() - chrono::Duration::days(30)));
    a.update(&app.state.db).await.unwrap();
    let body = page(&browser, &app, "/billing").await;
    assert!(
        body.contains(
            "your workspace has the free plan's limits until the payment succeeds. Nothing has been deleted."
        ),
        "{body}"
    );
    assert!(body.contains("Current plan: Free"));
    let home = page(&browser, &app, "/home").await;
    assert!(
        home.contains("limits apply until it succeeds (nothing is deleted)"),
        "{home}"
    );
}

#[tokio::test]
async fn the_credit_history_filters_pages_exports_and_stays_in_its_workspace() {
    let app = app().await;
    let (_, ws) = customer(&app, "ledger@example.com", "Ledger").await;
    let (_, other) = customer(&app, "other@example.com", "Other").await;
    credits::add_purchased(
        &app.state.db,
        &platform::Scope::for_test(ws),
        40,
        "topup:p1",
        "pack 1",
        &Actor::System,
    )
    .await
    .unwrap();
    for _ in 0..30 {
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
    credits::add_purchased(
        &app.state.db,
        &platform::Scope::for_test(other),
        7,
        "topup:o1",
        "other-secret-ref",
        &Actor::System,
    )
    .await
    .unwrap();
    let browser = signed_in(&app, "ledger@example.com").await;
    let body = page(&browser, &app, "/billing").await;
    assert!(body.contains("Credits: 10"), "{body}");
    assert!(
        body.contains("<td>AI generation</td>"),
        "labels, not codes: {body}"
    );
    assert!(!body.contains("ai_generation</td>"), "{body}");
    assert!(body.contains("Older entries"), "61 entries, pages of 25");
    assert!(!body.contains("other-secret-ref"));
    let body = page(&browser, &app, "/billing?kind=topup").await;
    assert!(
        body.contains("<td>Top-up</td>") && !body.contains("<td>Held for work</td>"),
        "{body}"
    );
    // A bad filter: back to the page with a message, nothing lost.
    let res = browser
        .get(app.url("/billing?kind=gift"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = page(&browser, &app, "/billing").await;
    assert!(body.contains("That filter is not valid"), "{body}");
    // CSV with the filter, every page, never another workspace's rows.
    let res = browser
        .get(app.url("/billing/credits.csv?kind=reserve"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,kind,amount,balance_after,action,reference,reason,actor"
    );
    assert_eq!(lines.len(), 31, "header + 30 holds");
    assert!(
        lines[1..].iter().all(|l| l.contains(",reserve,-1,")),
        "{csv}"
    );
    let all = browser
        .get(app.url("/billing/credits.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(all.lines().count(), 62);
    assert!(!all.contains("other-secret-ref"));
    assert_eq!(
        browser
            .get(app.url("/billing/credits.csv?kind=gift"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn only_owners_and_admins_act_and_without_stripe_they_are_told_why() {
    let app = self_hosted_app().await;
    let (owner_token, ws) = customer(&app, "boss@example.com", "Team").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    // Invite a member and let them join.
    let res = app
        .api()
        .post(app.url("/api/v1/workspace/invitations"))
        .bearer_auth(&owner_token)
        .json(&json!({ "email": "member@example.com", "role": "member" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let link = loop {
        let mails = platform::mail::to_address(&app.state.db, "member@example.com")
            .await
            .unwrap();
        if let Some(m) = mails.first() {
            let text = m.body_text.clone();
            let start = text.find("/invitations/").unwrap() + "/invitations/".len();
            break text[start..].split_whitespace().next().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let member = app.browser();
    let res = member
        .post(app.url(&format!("/invitations/{link}/accept")))
        .form(&[("name", "Member"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = page(&member, &app, "/billing").await;
    assert!(body.contains("Current plan: Agency"), "members may look");
    let res = member
        .post(app.url("/billing/checkout"))
        .form(&[("plan", "pro"), ("interval", "month")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = page(&member, &app, "/billing").await;
    assert!(!body.contains("checkout.stripe.com"));
    assert!(body.contains("flash"), "the refusal is said: {body}");
    // The owner is told the server takes no payments online.
    let owner = signed_in(&app, "boss@example.com").await;
    let res = owner
        .post(app.url("/billing/checkout"))
        .form(&[("plan", "pro"), ("interval", "month")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = page(&owner, &app, "/billing").await;
    assert_eq!(
        body.matches(billing::stripe::NOT_CONFIGURED).count(),
        1,
        "said once, in the flash: {body}"
    );
}
