//! Stripe-backed staff actions in the back office, against a fake Stripe (wiremock): cancel at
//! the period's end (form field, idempotency key, history, activity log), cancel now (DELETE),
//! change plan (the item re-priced) from the API and from the user page, sync saying what it
//! repaired, support refused, a workspace without a subscription not found, and the page and
//! API without a Stripe key.

use ::billing::{
    model::plan,
    plans,
    service::subscriptions,
    stripe::{
        apply::{self, Source},
        objects::Subscription,
    },
};
use platform::audit;
use platform::staff::StaffRole;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path, query_param},
};

use super::*;
// The fake Stripe's request readers are the webhook tests' own.
use crate::stripe::{field, form_of, header, row};

async fn stripe_app(server: &MockServer) -> TestApp {
    let uri = server.uri();
    let app = app_with(move |c| {
        c.set(
            &::billing::settings::STRIPE_SECRET_KEY,
            Some("sk_test_admin".into()),
        );
        c.set(&::billing::settings::STRIPE_API_BASE, uri);
    })
    .await;
    set_prices(&app).await;
    app
}

/// Pro and Starter sell through Stripe per month; the other plans have no Stripe price.
async fn set_prices(app: &TestApp) {
    plans::ensure_seeded(&app.state.db).await.unwrap();
    for (key, price) in [("pro", "price_pro_m"), ("starter", "price_starter_m")] {
        let p = plan::Entity::find()
            .filter(plan::Column::Key.eq(key))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut a: plan::ActiveModel = p.into();
        a.stripe_price_monthly = Set(Some(price.into()));
        a.update(&app.state.db).await.unwrap();
    }
}

/// A Stripe subscription object (the period on the item, as Stripe's current API has it).
fn sub_obj(id: &str, customer: &str, status: &str, price: &str, amount: i64, ws: Uuid) -> Value {
    let start = 1_767_225_600; // 2026-01-01
    json!({
        "id": id, "object": "subscription", "customer": customer, "status": status,
        "cancel_at_period_end": false, "canceled_at": null, "trial_end": null,
        "metadata": { "workspace_id": ws.to_string() },
        "items": { "object": "list", "data": [{
            "id": format!("si_{id}"), "current_period_start": start, "current_period_end": start + 2_678_400,
            "price": { "id": price, "unit_amount": amount, "currency": "usd", "recurring": { "interval": "month" } }
        }], "has_more": false }
    })
}

/// The workspace subscribed to Pro through Stripe (as the webhook would have applied it).
async fn subscribed(app: &TestApp, ws: Uuid, sub: &str, customer: &str) {
    let obj: Subscription =
        serde_json::from_value(sub_obj(sub, customer, "active", "price_pro_m", 4900, ws)).unwrap();
    let source = Source::Event {
        id: format!("evt_{sub}"),
        created: chrono::Utc::now().timestamp() - 1000,
    };
    apply::apply(&app.state, &obj, false, Some(ws), &source)
        .await
        .unwrap();
    let row = subscriptions::row(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.origin.as_str(), row.status.as_str()),
        ("stripe", "active")
    );
}

async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p && r.method.as_str() == verb)
        .collect()
}

async fn post_page(app: &TestApp, browser: &reqwest::Client, path: &str, form: &[(&str, &str)]) {
    let res = browser.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
}

async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn finance_cancels_at_period_end_then_now_through_stripe() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    subscribed(&app, ws, "sub_a", "cus_a").await;
    let (browser, _) = signed_in(&app, StaffRole::Finance).await;
    let detail = format!("/admin/billing/subscriptions/{ws}");

    // The Stripe actions are offered; comping is not (it would be refused while Stripe bills).
    let html = page(&app, &browser, &detail).await;
    for action in ["cancel", "cancel-now", "change-plan", "sync"] {
        assert!(
            html.contains(&format!("action=\"{detail}/{action}\"")),
            "{action}"
        );
    }
    assert!(!html.contains(&format!("action=\"{detail}/comp\"")));
    let select = html.split("id=\"stripe_plan_id\"").nth(1).unwrap();
    let select = select.split("</select>").next().unwrap();
    assert!(
        select.contains(">Pro<") && select.contains(">Starter<"),
        "{select}"
    );
    assert!(!select.contains(">Agency<"), "no Stripe price, not offered");
    assert!(!html.contains("Stripe is not configured"));

    let mut canceling = sub_obj("sub_a", "cus_a", "active", "price_pro_m", 4900, ws);
    canceling["cancel_at_period_end"] = json!(true);
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(canceling))
        .mount(&server)
        .await;
    post_page(&app, &browser, &format!("{detail}/cancel"), &[]).await;
    let posts = requests(&server, "POST", "/v1/subscriptions/sub_a").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        field(&form_of(&posts[0]), "cancel_at_period_end").as_deref(),
        Some("true")
    );
    let key = header(&posts[0], "idempotency-key");
    assert!(key.starts_with("cancel:sub_a:"), "{key}");
    assert!(row(&app, ws).await.cancel_at_period_end);
    let html = page(&app, &browser, &detail).await;
    assert!(
        html.contains("The Stripe subscription is canceled at the end of the period"),
        "flash"
    );
    assert!(html.contains("already set to cancel at the end of the period"));
    assert!(!html.contains(&format!("action=\"{detail}/cancel\"")));
    let history = subscriptions::history(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history[0].actor.starts_with("staff:"),
        "{}",
        history[0].actor
    );
    let table = html.split("id=\"history\"").nth(1).unwrap();
    assert!(table.contains(&format!("<td>{}</td>", history[0].kind)));
    assert!(table.contains(&format!("<td>{}</td>", history[0].actor)));
    let logged = audit::by_action(&app.state.db, "billing.staff_canceled")
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].workspace_id, Some(ws));
    assert!(logged[0].actor_label.contains("finance@staff.example"));
    assert_eq!(logged[0].detail.as_ref().unwrap()["now"], json!(false));

    // Cancel now: a DELETE; the workspace is on the free plan at once.
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_a",
            "cus_a",
            "canceled",
            "price_pro_m",
            4900,
            ws,
        )))
        .mount(&server)
        .await;
    post_page(&app, &browser, &format!("{detail}/cancel-now"), &[]).await;
    let deletes = requests(&server, "DELETE", "/v1/subscriptions/sub_a").await;
    assert_eq!(deletes.len(), 1);
    assert!(header(&deletes[0], "idempotency-key").starts_with("cancel-now:sub_a:"));
    assert_eq!(row(&app, ws).await.status, "canceled");
    assert_eq!(
        ::billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .plan
            .key,
        "free"
    );
    let html = page(&app, &browser, &detail).await;
    assert!(html.contains("The Stripe subscription is canceled now"));
    assert!(!html.contains(&format!("action=\"{detail}/cancel-now\"")));
    let logged = audit::by_action(&app.state.db, "billing.staff_canceled")
        .await
        .unwrap();
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[1].detail.as_ref().unwrap()["now"], json!(true));
}

#[tokio::test]
async fn change_plan_reprices_the_item_from_the_api_and_the_user_page() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (user, ws) = customer_workspace(&app, "shop@example.com").await;
    subscribed(&app, ws, "sub_p", "cus_p").await;
    let (_, token) = signed_in(&app, StaffRole::Finance).await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_p"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_p",
            "cus_p",
            "active",
            "price_pro_m",
            4900,
            ws,
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_p"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_p",
            "cus_p",
            "active",
            "price_starter_m",
            1900,
            ws,
        )))
        .mount(&server)
        .await;
    let db = &app.state.db;
    let starter = plans::by_key(db, "starter").await.unwrap();
    let agency = plans::by_key(db, "agency").await.unwrap();
    let change = |plan: Uuid| {
        app.api()
            .post(app.url(&format!(
                "/api/v1/admin/billing/subscriptions/{ws}/change-plan"
            )))
            .bearer_auth(&token)
            .json(&json!({ "plan_id": plan }))
            .send()
    };
    // A plan without a Stripe price is refused before anything is sent.
    let res = change(agency.id).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        requests(&server, "POST", "/v1/subscriptions/sub_p")
            .await
            .is_empty()
    );
    let res = change(starter.id).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["plan_id"], json!(starter.id));
    assert_eq!(body["price_amount"], 1900);
    let posts = requests(&server, "POST", "/v1/subscriptions/sub_p").await;
    assert_eq!(posts.len(), 1);
    let form = form_of(&posts[0]);
    assert_eq!(field(&form, "items[0][id]").as_deref(), Some("si_sub_p"));
    assert_eq!(
        field(&form, "items[0][price]").as_deref(),
        Some("price_starter_m")
    );
    assert_eq!(
        field(&form, "proration_behavior").as_deref(),
        Some("create_prorations")
    );
    assert!(header(&posts[0], "idempotency-key").starts_with("change-plan:sub_p:"));
    let history = subscriptions::history(db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(history[0].kind, "plan_changed");
    assert_eq!(
        audit::by_action(db, "billing.staff_changed_plan")
            .await
            .unwrap()
            .len(),
        1
    );

    // The user page (super admin: it needs customers and billing) says the change goes
    // through Stripe, and it does (not a comp).
    let (browser, _) = signed_in(&app, StaffRole::SuperAdmin).await;
    let html = page(&app, &browser, &format!("/admin/users/{user}")).await;
    assert!(
        html.contains("Change plan (through Stripe, prorated)"),
        "{html}"
    );
    assert!(!html.contains("Change plan (comped"));
    let pro = plans::by_key(db, "pro").await.unwrap();
    post_page(
        &app,
        &browser,
        &format!("/admin/users/{user}/plan"),
        &[
            ("workspace_id", &ws.to_string()),
            ("plan_id", &pro.id.to_string()),
        ],
    )
    .await;
    let posts = requests(&server, "POST", "/v1/subscriptions/sub_p").await;
    assert_eq!(posts.len(), 2, "the user page went through Stripe");
    assert_eq!(
        field(&form_of(&posts[1]), "items[0][price]").as_deref(),
        Some("price_pro_m")
    );
    assert!(
        audit::by_action(db, "subscription.comped")
            .await
            .unwrap()
            .is_empty()
    );
    let html = page(&app, &browser, &format!("/admin/users/{user}")).await;
    assert!(html.contains("is on the chosen plan now, through Stripe"));
}

#[tokio::test]
async fn sync_shows_what_it_repaired_on_the_page() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions"))
        .and(query_param("customer", "cus_s"))
        .and(query_param("status", "all"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "has_more": false,
            "data": [sub_obj("sub_s", "cus_s", "active", "price_pro_m", 4900, ws)]
        })))
        .mount(&server)
        .await;
    subscribed(&app, ws, "sub_s", "cus_s").await;
    let mut a: ::billing::model::subscription::ActiveModel = row(&app, ws).await.into();
    a.status = Set("past_due".into());
    a.update(&app.state.db).await.unwrap();
    let (browser, token) = signed_in(&app, StaffRole::Finance).await;
    let detail = format!("/admin/billing/subscriptions/{ws}");
    post_page(&app, &browser, &format!("{detail}/sync"), &[]).await;
    assert_eq!(row(&app, ws).await.status, "active");
    let html = page(&app, &browser, &detail).await;
    assert!(
        html.contains("Synced with Stripe. Changed: status: past_due → active."),
        "{html}"
    );
    // In line now: the API says nothing differed, and so does the page.
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/billing/subscriptions/{ws}/sync")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["changes"], json!([]));
    assert_eq!(body["subscription"]["status"], "active");
    post_page(&app, &browser, &format!("{detail}/sync"), &[]).await;
    let html = page(&app, &browser, &detail).await;
    assert!(html.contains("Synced with Stripe: nothing differed."));
    assert_eq!(
        audit::by_action(&app.state.db, "billing.synced")
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn support_is_refused_a_workspace_without_subscription_is_not_found_and_refusals_say_why() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    subscribed(&app, ws, "sub_r", "cus_r").await;
    let (_, bare) = customer_workspace(&app, "bare@example.com").await;
    let starter = plans::by_key(&app.state.db, "starter").await.unwrap();
    let (support_browser, support_token) = signed_in(&app, StaffRole::Support).await;
    let (finance_browser, finance_token) = signed_in(&app, StaffRole::Finance).await;
    let api_calls = |id: Uuid| {
        [
            ("cancel", Some(json!({ "now": false }))),
            ("cancel", Some(json!({ "now": true }))),
            ("change-plan", Some(json!({ "plan_id": starter.id }))),
            ("sync", None),
        ]
        .map(|(action, body)| {
            (
                format!("/api/v1/admin/billing/subscriptions/{id}/{action}"),
                body,
            )
        })
    };
    let call = |token: &str, path: &str, body: &Option<Value>| {
        let mut req = app.api().post(app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send()
    };
    for (path, body) in api_calls(ws) {
        let res = call(&support_token, &path, &body).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "support {path}");
    }
    for action in ["cancel", "cancel-now", "change-plan", "sync"] {
        let res = support_browser
            .post(app.url(&format!("/admin/billing/subscriptions/{ws}/{action}")))
            .form(&[("plan_id", starter.id.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "support page {action}");
    }
    for (path, body) in api_calls(bare) {
        let res = call(&finance_token, &path, &body).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = finance_browser
        .post(app.url(&format!("/admin/billing/subscriptions/{bare}/cancel")))
        .form(&Vec::<(&str, &str)>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(
        &app,
        &finance_browser,
        &format!("/admin/billing/subscriptions/{bare}"),
    )
    .await;
    assert!(html.contains("That item was not found"));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "Stripe was not asked anything"
    );
    assert!(
        audit::by_action(&app.state.db, "billing.staff_canceled")
            .await
            .unwrap()
            .is_empty()
    );

    // Stripe refusing: a 409 naming Stripe's reason on the API, a flash on the page; our row
    // is untouched.
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_r"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": { "type": "invalid_request_error", "message": "No such subscription: 'sub_r'" }
        })))
        .mount(&server)
        .await;
    let calls = api_calls(ws);
    let (path, body) = &calls[0];
    let res = call(&finance_token, path, body).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Stripe refused the request: No such subscription"),
        "{problem}"
    );
    let detail = format!("/admin/billing/subscriptions/{ws}");
    post_page(&app, &finance_browser, &format!("{detail}/cancel"), &[]).await;
    let html = page(&app, &finance_browser, &detail).await;
    assert!(
        html.contains(
            "<p class=\"flash-message\">Stripe refused the request: No such subscription"
        )
    );
    let r = row(&app, ws).await;
    assert_eq!(
        (r.status.as_str(), r.cancel_at_period_end),
        ("active", false)
    );
}

#[tokio::test]
async fn without_a_stripe_key_the_page_says_so_and_actions_are_refused() {
    let app = app().await;
    set_prices(&app).await;
    let (_, ws) = customer_workspace(&app, "shop@example.com").await;
    subscribed(&app, ws, "sub_n", "cus_n").await;
    let (browser, token) = signed_in(&app, StaffRole::SuperAdmin).await;
    let detail = format!("/admin/billing/subscriptions/{ws}");
    let html = page(&app, &browser, &detail).await;
    assert!(html.contains("id=\"stripe-not-configured\""));
    for action in ["cancel", "cancel-now", "change-plan", "sync"] {
        assert!(
            !html.contains(&format!("action=\"{detail}/{action}\"")),
            "no dead {action} button"
        );
    }
    post_page(&app, &browser, &format!("{detail}/cancel-now"), &[]).await;
    let html = page(&app, &browser, &detail).await;
    assert!(html.contains(&format!(
        "<p class=\"flash-message\">{}</p>",
        billing::staff::service::STRIPE_NOT_CONFIGURED
    )));
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/billing/subscriptions/{ws}/sync")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(
        problem["detail"],
        billing::staff::service::STRIPE_NOT_CONFIGURED
    );
    assert_eq!(row(&app, ws).await.status, "active");
}
