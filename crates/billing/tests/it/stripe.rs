//! Stripe through a fake Stripe (wiremock speaking form-encoded requests and JSON objects) and
//! webhooks signed here: signatures, replays, out-of-order events, checkout → webhook →
//! plan, allowance and top-up credited once, past due → limited after the grace period,
//! roles, another workspace out of reach, Stripe not configured, and staff sync.

use billing::{
    model::{payment, plan, subscription, subscription_event, topup},
    stripe::{self as bs, StaffActor, signature},
};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path, query_param},
};

use super::*;

const WHSEC: &str = "whsec_test_secret";

async fn stripe_app(server: &MockServer) -> TestApp {
    let uri = server.uri();
    let app = app_with(move |c| {
        c.set(
            &billing::settings::STRIPE_SECRET_KEY,
            Some("sk_test_123".into()),
        );
        c.set(
            &billing::settings::STRIPE_WEBHOOK_SECRET,
            Some(WHSEC.into()),
        );
        c.set(&billing::settings::STRIPE_API_BASE, uri);
    })
    .await;
    set_prices(&app).await;
    app
}

/// Pro sells through Stripe per month and year; Starter per month.
async fn set_prices(app: &TestApp) {
    billing::plans::ensure_seeded(&app.state.db).await.unwrap();
    for (key, m, y) in [
        ("pro", Some("price_pro_m"), Some("price_pro_y")),
        ("starter", Some("price_starter_m"), None),
    ] {
        let p = plan::Entity::find()
            .filter(plan::Column::Key.eq(key))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut a: plan::ActiveModel = p.into();
        a.stripe_price_monthly = Set(m.map(String::from));
        a.stripe_price_yearly = Set(y.map(String::from));
        a.update(&app.state.db).await.unwrap();
    }
}

pub(crate) fn form_of(req: &Request) -> Vec<(String, String)> {
    let body = String::from_utf8(req.body.clone()).unwrap();
    reqwest::Url::parse(&format!("http://x/?{body}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn field(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

pub(crate) fn header(req: &Request, name: &str) -> String {
    req.headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn signed_header(body: &str, t: i64, secrets: &[&str]) -> String {
    let mut h = format!("t={t}");
    for s in secrets {
        h.push_str(&format!(",v1={}", signature::sign(s, t, body.as_bytes())));
    }
    h
}

async fn post_webhook(app: &TestApp, body: &str, sig: &str) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("Stripe-Signature", sig)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Sends a correctly signed event; returns the outcome we answered.
async fn deliver(app: &TestApp, event: &Value) -> String {
    let body = event.to_string();
    let sig = signed_header(&body, Utc::now().timestamp(), &[WHSEC]);
    let (status, out) = post_webhook(app, &body, &sig).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out["outcome"].as_str().unwrap_or("").to_string()
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "type": kind, "created": created, "data": { "object": object } })
}

/// A Stripe subscription object (current API shape: the period on the item).
fn sub_obj(
    id: &str,
    customer: &str,
    status: &str,
    price: &str,
    amount: i64,
    ws: Option<Uuid>,
) -> Value {
    let start = 1_767_225_600; // 2026-01-01
    let mut metadata = json!({});
    if let Some(ws) = ws {
        metadata["workspace_id"] = json!(ws.to_string());
    }
    json!({
        "id": id, "object": "subscription", "customer": customer, "status": status,
        "cancel_at_period_end": false, "canceled_at": null, "trial_end": null,
        "metadata": metadata,
        "items": { "object": "list", "data": [{
            "id": format!("si_{id}"), "current_period_start": start, "current_period_end": start + 2_678_400,
            "price": { "id": price, "unit_amount": amount, "currency": "usd", "recurring": { "interval": "month" } }
        }], "has_more": false }
    })
}

fn invoice_obj(id: &str, customer: &str, sub: &str, amount: i64, period_start: i64) -> Value {
    json!({
        "id": id, "object": "invoice", "customer": customer, "number": format!("N-{id}"),
        "status": "paid", "amount_due": amount, "amount_paid": amount, "currency": "usd",
        "created": period_start, "period_start": period_start - 2_678_400, "period_end": period_start,
        "hosted_invoice_url": format!("https://invoice.stripe.com/i/{id}"),
        "parent": { "type": "subscription_details", "subscription_details": { "subscription": sub, "metadata": {} } },
        "lines": { "object": "list", "has_more": false, "data": [{
            "id": "il_1", "amount": amount, "period": { "start": period_start, "end": period_start + 2_678_400 },
            "pricing": { "price_details": { "price": "price_pro_m" } }
        }] }
    })
}

/// The workspace subscribed to Pro through a `customer.subscription.created` event.
async fn subscribed(app: &TestApp, ws: Uuid, sub: &str, customer: &str) {
    let e = event(
        &format!("evt_created_{sub}"),
        "customer.subscription.created",
        Utc::now().timestamp() - 1000,
        sub_obj(sub, customer, "active", "price_pro_m", 4900, Some(ws)),
    );
    assert_eq!(deliver(app, &e).await, "applied");
}

pub(crate) async fn row(app: &TestApp, ws: Uuid) -> subscription::Model {
    billing::service::subscriptions::row(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap()
        .unwrap()
}

async fn set_role(app: &TestApp, ws: Uuid, role: &str) {
    use identity::model::membership;
    let m = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(ws))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut a: membership::ActiveModel = m.into();
    a.role = Set(role.into());
    a.update(&app.state.db).await.unwrap();
}

#[tokio::test]
async fn signatures_valid_tampered_stale_rotated_and_missing_secret() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let now = Utc::now().timestamp();
    let body = event("evt_sig_1", "product.created", now, json!({})).to_string();

    let (s, _) = post_webhook(&app, &body, &signed_header(&body, now, &[WHSEC])).await;
    assert_eq!(s, StatusCode::OK);

    let tampered = body.replace("product.created", "invoice.paid");
    let (s, _) = post_webhook(&app, &tampered, &signed_header(&body, now, &[WHSEC])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "tampered body");

    let body2 = event("evt_sig_2", "product.created", now, json!({})).to_string();
    let (s, _) = post_webhook(&app, &body2, &signed_header(&body2, now - 301, &[WHSEC])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "stale timestamp");
    let (s, _) = post_webhook(&app, &body2, &signed_header(&body2, now, &["whsec_other"])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "wrong secret");
    let (s, _) = post_webhook(&app, &body2, "").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no header");

    // Secret rotation: the first v1 is under the old secret, the second matches.
    let (s, out) = post_webhook(
        &app,
        &body2,
        &signed_header(&body2, now, &["whsec_old", WHSEC]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["outcome"], "ignored", "unknown types are acknowledged");

    let recorded = billing::model::stripe_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let mut ids: Vec<_> = recorded.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["evt_sig_1", "evt_sig_2"]);

    // No webhook secret on the server: 503, nothing recorded.
    let bare = app_with(|c| c.set(&billing::settings::STRIPE_WEBHOOK_SECRET, None)).await;
    let (s, _) = post_webhook(&bare, &body, &signed_header(&body, now, &[WHSEC])).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_replayed_event_changes_nothing() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "replay@example.com", "Replay").await;
    let e = event(
        "evt_replay",
        "customer.subscription.created",
        Utc::now().timestamp(),
        sub_obj("sub_r", "cus_r", "active", "price_pro_m", 4900, Some(ws)),
    );
    assert_eq!(deliver(&app, &e).await, "applied");
    // The same id again — even with other content — is answered and ignored.
    let mut again = e.clone();
    again["data"]["object"]["status"] = json!("past_due");
    assert_eq!(deliver(&app, &again).await, "duplicate");
    assert_eq!(row(&app, ws).await.status, "active");
    let history =
        billing::service::subscriptions::history(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, "subscribed");
    assert_eq!(history[0].mrr, 4900);
}

#[tokio::test]
async fn an_older_event_after_a_newer_one_leaves_the_newer_state() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "order@example.com", "Order").await;
    let t = Utc::now().timestamp();
    let mut newer = sub_obj("sub_o", "cus_o", "active", "price_pro_m", 4900, Some(ws));
    newer["cancel_at_period_end"] = json!(true);
    assert_eq!(
        deliver(
            &app,
            &event("evt_new", "customer.subscription.updated", t, newer)
        )
        .await,
        "applied"
    );
    let older = sub_obj(
        "sub_o",
        "cus_o",
        "past_due",
        "price_starter_m",
        1900,
        Some(ws),
    );
    assert_eq!(
        deliver(
            &app,
            &event("evt_old", "customer.subscription.updated", t - 60, older)
        )
        .await,
        "stale"
    );
    let r = row(&app, ws).await;
    assert_eq!(r.status, "active");
    assert!(r.cancel_at_period_end);
    assert_eq!(r.price_amount, Some(4900));
    assert_eq!(r.stripe_version, Some(t));
    // The stale event is still recorded, so a redelivery is a duplicate.
    let rec = billing::model::stripe_event::Entity::find_by_id("evt_old".to_string())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.outcome, "stale");
}

#[tokio::test]
async fn checkout_then_webhook_puts_the_workspace_on_the_plan() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cs_1", "object": "checkout.session", "mode": "subscription",
            "url": "https://checkout.stripe.com/c/pay/cs_1"
        })))
        .mount(&server)
        .await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "buyer@example.com", "Buyers").await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/checkout"))
        .bearer_auth(&token)
        .json(&json!({ "plan": "pro", "interval": "month" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["url"], "https://checkout.stripe.com/c/pay/cs_1");

    let reqs = requests_to(&server, "/v1/checkout/sessions").await;
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(header(req, "authorization"), "Bearer sk_test_123");
    assert!(header(req, "content-type").starts_with("application/x-www-form-urlencoded"));
    assert!(
        header(req, "idempotency-key").starts_with(&format!("checkout:{ws}:pro:month:")),
        "{}",
        header(req, "idempotency-key")
    );
    let form = form_of(req);
    let ws_s = ws.to_string();
    assert_eq!(field(&form, "mode").as_deref(), Some("subscription"));
    assert_eq!(
        field(&form, "line_items[0][price]").as_deref(),
        Some("price_pro_m")
    );
    assert_eq!(field(&form, "client_reference_id"), Some(ws_s.clone()));
    assert_eq!(field(&form, "metadata[workspace_id]"), Some(ws_s.clone()));
    assert_eq!(
        field(&form, "subscription_data[metadata][workspace_id]"),
        Some(ws_s.clone())
    );
    assert!(
        field(&form, "success_url")
            .unwrap()
            .starts_with(&format!("{}/billing", app.base))
    );
    assert_eq!(
        field(&form, "customer_email").as_deref(),
        Some("buyer@example.com")
    );

    // Stripe completes the session; the subscription (without our metadata, to show the
    // session's client_reference_id is what links it) is read back from Stripe.
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_1",
            "cus_1",
            "active",
            "price_pro_m",
            4900,
            None,
        )))
        .mount(&server)
        .await;
    let session = json!({
        "id": "cs_1", "object": "checkout.session", "mode": "subscription",
        "client_reference_id": ws_s, "customer": "cus_1", "subscription": "sub_1",
        "payment_status": "paid", "metadata": { "workspace_id": ws_s }
    });
    let out = deliver(
        &app,
        &event(
            "evt_cs_1",
            "checkout.session.completed",
            Utc::now().timestamp(),
            session,
        ),
    )
    .await;
    assert_eq!(out, "applied");

    let standing: Value = app
        .api()
        .get(app.url("/api/v1/billing/subscription"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(standing["plan"]["key"], "pro", "{standing}");
    assert_eq!(standing["subscription"]["status"], "active");
    assert_eq!(standing["subscription"]["stripe_customer_id"], "cus_1");
    assert_eq!(standing["limited"], false);
    let s = billing::limits::standing(&app.state, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(s.plan.limit(billing::Meter::Accounts), Some(5));
    // The customer.subscription.created that follows changes nothing.
    let e = event(
        "evt_sub_1_created",
        "customer.subscription.created",
        Utc::now().timestamp(),
        sub_obj("sub_1", "cus_1", "active", "price_pro_m", 4900, Some(ws)),
    );
    assert_eq!(deliver(&app, &e).await, "unchanged");
}

#[tokio::test]
async fn invoice_paid_grants_the_allowance_once_per_period() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "inv@example.com", "Invoices").await;
    subscribed(&app, ws, "sub_i", "cus_i").await;
    let p1 = 1_767_225_600;
    let inv = invoice_obj("in_1", "cus_i", "sub_i", 4900, p1);
    deliver(&app, &event("evt_inv_1", "invoice.paid", p1, inv.clone())).await;
    // The same invoice in a second event (not a replay of the id): still once.
    assert_eq!(
        deliver(&app, &event("evt_inv_1b", "invoice.paid", p1 + 5, inv)).await,
        "already handled"
    );
    let b = billing::credits::balance(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(b.allowance, 100, "Pro's 100 AI credits");
    let payments = payment::Entity::find()
        .filter(payment::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].kind, "subscription");
    assert_eq!(payments[0].amount, 4900);
    assert_eq!(
        payments[0].hosted_url.as_deref(),
        Some("https://invoice.stripe.com/i/in_1")
    );

    // Next period: last month's allowance expires (no rollover), a new one is granted.
    let p2 = p1 + 2_678_400;
    deliver(
        &app,
        &event(
            "evt_inv_2",
            "invoice.paid",
            p2,
            invoice_obj("in_2", "cus_i", "sub_i", 4900, p2),
        ),
    )
    .await;
    let b = billing::credits::balance(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(b.allowance, 100);
    let grants = billing::credits::ledger(
        &app.state.db,
        &platform::Scope::for_test(ws),
        &billing::credits::LedgerFilter {
            kind: Some("grant".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(grants.items.len(), 2);
}

#[tokio::test]
async fn a_paid_topup_adds_credits_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cs_t", "object": "checkout.session", "mode": "payment",
            "url": "https://checkout.stripe.com/c/pay/cs_t"
        })))
        .mount(&server)
        .await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "topup@example.com", "Topups").await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/topup"))
        .bearer_auth(&token)
        .json(&json!({ "credits": 250 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "not a pack");
    let res = app
        .api()
        .post(app.url("/api/v1/billing/topup"))
        .bearer_auth(&token)
        .json(&json!({ "credits": 500 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let t = topup::Entity::find()
        .filter(topup::Column::WorkspaceId.eq(ws))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.status.as_str(), t.amount, t.credits),
        ("pending", 5000, 500)
    );
    assert_eq!(t.stripe_session_id.as_deref(), Some("cs_t"));
    let reqs = requests_to(&server, "/v1/checkout/sessions").await;
    assert_eq!(
        header(&reqs[0], "idempotency-key"),
        format!("topup:{}", t.id)
    );
    let form = form_of(&reqs[0]);
    assert_eq!(field(&form, "mode").as_deref(), Some("payment"));
    assert_eq!(
        field(&form, "line_items[0][price_data][unit_amount]").as_deref(),
        Some("5000")
    );
    assert_eq!(
        field(&form, "line_items[0][price_data][currency]").as_deref(),
        Some("usd")
    );
    assert_eq!(field(&form, "metadata[topup_id]"), Some(t.id.to_string()));

    let session = json!({
        "id": "cs_t", "object": "checkout.session", "mode": "payment",
        "client_reference_id": ws.to_string(), "payment_status": "paid",
        "amount_total": 5000, "currency": "usd",
        "metadata": { "workspace_id": ws.to_string(), "topup_id": t.id.to_string() }
    });
    let now = Utc::now().timestamp();
    assert_eq!(
        deliver(
            &app,
            &event("evt_t1", "checkout.session.completed", now, session.clone())
        )
        .await,
        "credits added"
    );
    assert_eq!(
        deliver(
            &app,
            &event(
                "evt_t2",
                "checkout.session.async_payment_succeeded",
                now,
                session
            )
        )
        .await,
        "already credited"
    );
    let b = billing::credits::balance(&app.state.db, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(b.purchased, 500);
    let t = topup::Entity::find_by_id(t.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.status, "paid");
    let payments = payment::Entity::find()
        .filter(payment::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (payments[0].kind.as_str(), payments[0].amount),
        ("topup", 5000)
    );
}

#[tokio::test]
async fn a_failed_payment_is_past_due_then_limited_after_the_grace_period() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "late@example.com", "Late").await;
    subscribed(&app, ws, "sub_l", "cus_l").await;
    let mut inv = invoice_obj("in_l", "cus_l", "sub_l", 4900, Utc::now().timestamp());
    inv["status"] = json!("open");
    inv["amount_paid"] = json!(0);
    assert_eq!(
        deliver(
            &app,
            &event(
                "evt_fail",
                "invoice.payment_failed",
                Utc::now().timestamp(),
                inv
            )
        )
        .await,
        "past due"
    );
    let standing: Value = app
        .api()
        .get(app.url("/api/v1/billing/subscription"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(standing["past_due"], true);
    assert_eq!(standing["limited"], false);
    assert_eq!(standing["plan"]["key"], "pro", "still in the grace period");
    let grace = app.state.config.get(&billing::settings::GRACE_DAYS);
    let later = Utc::now() + chrono::Duration::days(grace) + chrono::Duration::hours(1);
    let s = billing::service::subscriptions::standing_at(
        &app.state.db,
        &platform::Scope::for_test(ws),
        grace,
        later,
    )
    .await
    .unwrap();
    assert!(s.limited);
    assert_eq!(s.plan.key, "free");
    assert_eq!(s.subscribed.unwrap().key, "pro");
    let kinds: Vec<_> =
        billing::service::subscriptions::history(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(kinds, ["status_changed", "subscribed"]);
}

#[tokio::test]
async fn only_owners_and_admins_manage_billing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cs_r", "mode": "subscription", "url": "https://checkout.stripe.com/c/pay/cs_r"
        })))
        .mount(&server)
        .await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "roles@example.com", "Roles").await;
    let try_checkout = || async {
        app.api()
            .post(app.url("/api/v1/billing/checkout"))
            .bearer_auth(&token)
            .json(&json!({ "plan": "pro", "interval": "month" }))
            .send()
            .await
            .unwrap()
            .status()
    };
    set_role(&app, ws, "member").await;
    assert_eq!(try_checkout().await, StatusCode::FORBIDDEN);
    let res = app
        .api()
        .get(app.url("/api/v1/billing/invoices"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A member may still read the standing.
    let res = app
        .api()
        .get(app.url("/api/v1/billing/subscription"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        requests_to(&server, "/v1/checkout/sessions")
            .await
            .is_empty()
    );
    set_role(&app, ws, "admin").await;
    assert_eq!(try_checkout().await, StatusCode::OK);
}

#[tokio::test]
async fn another_workspace_is_out_of_reach() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/invoices"))
        .and(query_param("customer", "cus_a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "has_more": false,
            "data": [invoice_obj("in_a", "cus_a", "sub_a", 4900, 1_767_225_600)]
        })))
        .mount(&server)
        .await;
    let app = stripe_app(&server).await;
    let (token_a, a) = customer(&app, "a@example.com", "A").await;
    let (token_b, b) = customer(&app, "b@example.com", "B").await;
    subscribed(&app, a, "sub_a", "cus_a").await;
    deliver(
        &app,
        &event(
            "evt_a_paid",
            "invoice.paid",
            1_767_225_600,
            invoice_obj("in_a", "cus_a", "sub_a", 4900, 1_767_225_600),
        ),
    )
    .await;
    assert_eq!(
        billing::credits::balance(&app.state.db, &platform::Scope::for_test(a))
            .await
            .unwrap()
            .allowance,
        100
    );
    assert_eq!(
        billing::credits::balance(&app.state.db, &platform::Scope::for_test(b))
            .await
            .unwrap()
            .balance,
        0
    );
    assert!(
        billing::service::subscriptions::row(&app.state.db, &platform::Scope::for_test(b))
            .await
            .unwrap()
            .is_none()
    );

    let list = |token: String| {
        let app = &app;
        async move {
            let res = app
                .api()
                .get(app.url("/api/v1/billing/invoices"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(list(token_a).await["items"][0]["id"], "in_a");
    assert_eq!(list(token_b).await["items"], json!([]));
    // Only A's customer was ever asked for.
    for r in requests_to(&server, "/v1/invoices").await {
        assert_eq!(r.url.query(), Some("customer=cus_a&limit=24"));
    }

    // A paid session naming B cannot pay A's top-up.
    let t = topup::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(a),
        credits: Set(100),
        amount: Set(1000),
        currency: Set("usd".into()),
        discount_percent: Set(0),
        status: Set("pending".into()),
        stripe_session_id: Set(None),
        created_at: Set(Utc::now()),
        paid_at: Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let session = json!({
        "id": "cs_x", "mode": "payment", "client_reference_id": b.to_string(),
        "payment_status": "paid", "amount_total": 1000, "currency": "usd",
        "metadata": { "topup_id": t.id.to_string() }
    });
    assert_eq!(
        deliver(
            &app,
            &event(
                "evt_x",
                "checkout.session.completed",
                Utc::now().timestamp(),
                session
            )
        )
        .await,
        "ignored: unknown top-up"
    );
    assert_eq!(
        billing::credits::balance(&app.state.db, &platform::Scope::for_test(a))
            .await
            .unwrap()
            .purchased,
        0
    );
    assert_eq!(
        billing::credits::balance(&app.state.db, &platform::Scope::for_test(b))
            .await
            .unwrap()
            .purchased,
        0
    );
}

#[tokio::test]
async fn without_a_stripe_key_checkout_says_so() {
    let app = app_with(|c| c.set(&billing::settings::STRIPE_SECRET_KEY, None)).await;
    let (token, _) = customer(&app, "nokey@example.com", "NoKey").await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/checkout"))
        .bearer_auth(&token)
        .json(&json!({ "plan": "pro", "interval": "month" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], bs::NOT_CONFIGURED);
    let res = app
        .api()
        .post(app.url("/api/v1/billing/topup"))
        .bearer_auth(&token)
        .json(&json!({ "credits": 100 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], bs::NOT_CONFIGURED);
}

#[tokio::test]
async fn cancel_and_resume_go_through_stripe_with_idempotency_keys() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "cancel@example.com", "Cancel").await;
    subscribed(&app, ws, "sub_c", "cus_c").await;
    let mut canceling = sub_obj("sub_c", "cus_c", "active", "price_pro_m", 4900, Some(ws));
    canceling["cancel_at_period_end"] = json!(true);
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(canceling))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/cancel"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["cancel_at_period_end"], true);
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_c",
            "cus_c",
            "active",
            "price_pro_m",
            4900,
            Some(ws),
        )))
        .mount(&server)
        .await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/resume"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!row(&app, ws).await.cancel_at_period_end);
    let reqs = requests_to(&server, "/v1/subscriptions/sub_c").await;
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        field(&form_of(&reqs[0]), "cancel_at_period_end").as_deref(),
        Some("true")
    );
    assert_eq!(
        field(&form_of(&reqs[1]), "cancel_at_period_end").as_deref(),
        Some("false")
    );
    let (k0, k1) = (
        header(&reqs[0], "idempotency-key"),
        header(&reqs[1], "idempotency-key"),
    );
    assert!(
        k0.starts_with("cancel:sub_c:") && k1.starts_with("resume:sub_c:"),
        "{k0} {k1}"
    );
    let kinds: Vec<_> =
        billing::service::subscriptions::history(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(kinds, ["status_changed", "status_changed", "subscribed"]);
}

#[tokio::test]
async fn sync_repairs_a_wrong_local_status_and_says_what_changed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions"))
        .and(query_param("customer", "cus_s"))
        .and(query_param("status", "all"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "has_more": false,
            "data": [sub_obj("sub_s", "cus_s", "active", "price_pro_m", 4900, None)]
        })))
        .mount(&server)
        .await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "sync@example.com", "Sync").await;
    subscribed(&app, ws, "sub_s", "cus_s").await;
    let mut a: subscription::ActiveModel = row(&app, ws).await.into();
    a.status = Set("canceled".into());
    a.update(&app.state.db).await.unwrap();

    let staff = StaffActor {
        id: Uuid::now_v7(),
        label: "ops@example.com".into(),
    };
    let changes = bs::sync(&app.state, &staff, &platform::Scope::for_test(ws))
        .await
        .unwrap();
    assert_eq!(changes, ["status: canceled → active"]);
    assert_eq!(row(&app, ws).await.status, "active");
    let last = subscription_event::Entity::find()
        .filter(subscription_event::Column::WorkspaceId.eq(ws))
        .filter(subscription_event::Column::Kind.eq("synced"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(last, 1);
    // In line now: nothing to repair.
    assert!(
        bs::sync(&app.state, &staff, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn staff_change_plan_reprices_the_item_with_proration() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "change@example.com", "Change").await;
    subscribed(&app, ws, "sub_p", "cus_p").await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_p"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub_obj(
            "sub_p",
            "cus_p",
            "active",
            "price_pro_m",
            4900,
            Some(ws),
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
            Some(ws),
        )))
        .mount(&server)
        .await;
    let starter = billing::plans::by_key(&app.state.db, "starter")
        .await
        .unwrap();
    let staff = StaffActor {
        id: Uuid::now_v7(),
        label: "ops@example.com".into(),
    };
    let view = bs::staff_change_plan(
        &app.state,
        &staff,
        &platform::Scope::for_test(ws),
        starter.id,
    )
    .await
    .unwrap();
    assert_eq!(view.plan_id, starter.id);
    assert_eq!(view.price_amount, Some(1900));
    let posts: Vec<_> = requests_to(&server, "/v1/subscriptions/sub_p")
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
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
    let history =
        billing::service::subscriptions::history(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap();
    assert_eq!(history[0].kind, "plan_changed");
    assert_eq!(history[0].actor, format!("staff:{}", staff.id));
    assert_eq!(history[0].mrr, 1900);
    // Staff cannot put a plan without a yearly/monthly Stripe price on the subscription.
    let free = billing::plans::by_key(&app.state.db, "free").await.unwrap();
    assert!(matches!(
        bs::staff_change_plan(&app.state, &staff, &platform::Scope::for_test(ws), free.id).await,
        Err(platform::Error::Validation(_))
    ));
}

#[tokio::test]
async fn the_portal_opens_for_the_workspaces_own_customer_and_from_the_page() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (token, ws) = customer(&app, "portal@example.com", "Portal").await;
    subscribed(&app, ws, "sub_p", "cus_p").await;
    Mock::given(method("POST"))
        .and(path("/v1/billing_portal/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "id": "bps_1", "object": "billing_portal.session", "url": "https://billing.stripe.com/p/session/test_1" }),
        ))
        .mount(&server)
        .await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/portal"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["url"], "https://billing.stripe.com/p/session/test_1");
    let reqs = requests_to(&server, "/v1/billing_portal/sessions").await;
    let form = form_of(&reqs[0]);
    assert_eq!(
        field(&form, "customer").as_deref(),
        Some("cus_p"),
        "its own customer"
    );
    assert!(field(&form, "return_url").unwrap().ends_with("/billing"));
    assert!(!header(&reqs[0], "idempotency-key").is_empty());
    // The page's button sends the browser to Stripe.
    let browser = signed_in(&app, "portal@example.com").await;
    let res = browser
        .post(app.url("/billing/portal"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "https://billing.stripe.com/p/session/test_1"
    );
    // A workspace without a Stripe customer has no portal.
    let (other, _) = customer(&app, "noportal@example.com", "No portal").await;
    let res = app
        .api()
        .post(app.url("/api/v1/billing/portal"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn trial_ending_and_payment_action_events_are_recorded_once() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "trial@example.com", "Trial").await;
    subscribed(&app, ws, "sub_t", "cus_t").await;
    let trial = event(
        "evt_trial_1",
        "customer.subscription.trial_will_end",
        Utc::now().timestamp(),
        sub_obj("sub_t", "cus_t", "trialing", "price_pro_m", 4900, Some(ws)),
    );
    let first = deliver(&app, &trial).await;
    assert_ne!(first, "ignored: unknown customer");
    let action = event(
        "evt_action_1",
        "invoice.payment_action_required",
        Utc::now().timestamp(),
        invoice_obj("in_act", "cus_t", "sub_t", 4900, Utc::now().timestamp()),
    );
    deliver(&app, &action).await;
    let log = platform::audit::by_action(&app.state.db, "billing.trial_ending")
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "recorded for the workspace");
    assert_eq!(log[0].workspace_id, Some(ws));
    // A replay changes nothing.
    let body = serde_json::to_string(&trial).unwrap();
    let (status, _) = post_webhook(
        &app,
        &body,
        &signed_header(&body, Utc::now().timestamp(), &[WHSEC]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        platform::audit::by_action(&app.state.db, "billing.trial_ending")
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_yearly_invoice_does_not_grant_a_months_allowance_the_calendar_month_does() {
    let server = MockServer::start().await;
    let app = stripe_app(&server).await;
    let (_, ws) = customer(&app, "yearly@example.com", "Yearly").await;
    let mut yearly = sub_obj("sub_y", "cus_y", "active", "price_pro_y", 49000, Some(ws));
    yearly["items"]["data"][0]["price"]["recurring"]["interval"] = json!("year");
    let e = event(
        "evt_created_y",
        "customer.subscription.created",
        Utc::now().timestamp() - 1000,
        yearly,
    );
    assert_eq!(deliver(&app, &e).await, "applied");
    assert_eq!(row(&app, ws).await.interval.as_deref(), Some("year"));
    let mut invoice = invoice_obj("in_y", "cus_y", "sub_y", 49000, Utc::now().timestamp());
    invoice["lines"]["data"][0]["pricing"]["price_details"]["price"] = json!("price_pro_y");
    deliver(
        &app,
        &event(
            "evt_paid_y",
            "invoice.paid",
            Utc::now().timestamp(),
            invoice,
        ),
    )
    .await;
    let grants = billing::credits::ledger(
        &app.state.db,
        &platform::Scope::for_test(ws),
        &billing::credits::LedgerFilter {
            kind: Some("grant".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        grants.items.is_empty(),
        "no allowance from the yearly invoice"
    );
    // The month's allowance comes on first use or look: Pro's 100, once.
    assert!(
        billing::credits::refresh_allowance(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
    );
    assert!(
        !billing::credits::refresh_allowance(&app.state, &platform::Scope::for_test(ws))
            .await
            .unwrap()
    );
    assert_eq!(
        billing::credits::balance(&app.state.db, &platform::Scope::for_test(ws))
            .await
            .unwrap()
            .allowance,
        100
    );
}
