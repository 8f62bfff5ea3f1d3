//! Product lines: requirement 004's Discovery Standard and Premium are seeded as their own
//! line with 004's monthly limits; the migration files plans that exist already; the customer's
//! billing page and the staff plans page group plans under one heading per line, each in sort
//! order; the staff API returns each plan's line and staff change it (an unknown line refused).

use billing::{Meter, ProductLine, model::plan, plans};
use migration::{Migrator, MigratorTrait};
use platform::staff::StaffRole;
use sea_orm::{EntityTrait, Set};

use super::*;
use crate::staff::{selling_app, signed_in as staff_signed_in};

/// The text of the page from `from` up to `to` (or the end).
fn between<'a>(page: &'a str, from: &str, to: Option<&str>) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} missing: {page}"));
    let rest = &page[start..];
    match to.and_then(|t| rest.find(t)) {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// Where each `id="plan-<key>"` appears in `text`, in that order; panics on a missing one.
fn in_order(text: &str, keys: &[&str]) {
    let mut last = 0;
    for key in keys {
        let at = text
            .find(&format!("id=\"plan-{key}\""))
            .unwrap_or_else(|| panic!("{key} missing from {text}"));
        assert!(at >= last, "{key} out of sort order in {text}");
        last = at;
    }
}

#[tokio::test]
async fn the_seeded_discovery_plans_are_their_own_line_with_004s_limits() {
    let app = app().await;
    let db = &app.state.db;
    for (key, cents, seats, profiles, emails, posts, discount) in [
        ("discovery_standard", 19900, 2, 500, 250, 125, 0),
        ("discovery_premium", 49900, 5, 2000, 800, 300, 20),
    ] {
        let p = plans::by_key(db, key).await.unwrap();
        assert_eq!(p.product_line, ProductLine::Discovery, "{key}");
        assert!(p.enabled, "{key} is offered");
        assert_eq!(p.price_monthly, Some(cents), "{key}");
        assert_eq!(p.limit(Meter::Seats), Some(seats), "{key}");
        assert_eq!(p.limit(Meter::ProfileUnlocks), Some(profiles), "{key}");
        assert_eq!(p.limit(Meter::EmailUnlocks), Some(emails), "{key}");
        assert_eq!(p.limit(Meter::PostAnalyses), Some(posts), "{key}");
        assert_eq!(p.limit(Meter::Exports), None, "{key}: exports unlimited");
        assert_eq!(p.topup_discount_percent, discount, "{key}");
        assert!(p.has(billing::Feature::Discovery), "{key}");
    }
    // 004's free tier is the Free plan, filed under Growth with the rest.
    let free = plans::free(db).await.unwrap();
    assert_eq!(free.product_line, ProductLine::Growth);
    assert_eq!(free.limit(Meter::ProfileUnlocks), Some(5));
    assert_eq!(free.limit(Meter::EmailUnlocks), Some(0));
    assert_eq!(free.limit(Meter::PostAnalyses), Some(0));
    assert_eq!(free.limit(Meter::Seats), Some(1));
    for p in plans::all(db).await.unwrap() {
        let expected = if p.key.starts_with("discovery_") {
            ProductLine::Discovery
        } else {
            ProductLine::Growth
        };
        assert_eq!(p.product_line, expected, "{}", p.key);
    }
}

/// A plan row as a server before product lines held it (no `product_line` column yet).
fn before_lines(key: &str, order: i32) -> plan::ActiveModel {
    let now = platform::db::now();
    plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key.into()),
        name: Set(key.into()),
        description: Set(String::new()),
        currency: Set("usd".into()),
        price_monthly: Set(Some(1000)),
        price_yearly: Set(None),
        stripe_price_monthly: Set(None),
        stripe_price_yearly: Set(None),
        enabled: Set(true),
        sort_order: Set(order),
        product_line: sea_orm::ActiveValue::NotSet,
        limits: Set(json!({ "seats": 2 })),
        features: Set(json!([])),
        topup_discount_percent: Set(0),
        allowance_rollover: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[tokio::test]
async fn the_migration_files_existing_plans_under_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = platform::testkit::fresh_database_url(dir.path()).await;
    let db = platform::db::connect_url(&url, 2).await.unwrap();
    let lines = Migrator::migrations()
        .iter()
        .position(|m| m.name().ends_with("_billing_product_lines"))
        .expect("the product lines migration");
    Migrator::up(&db, Some(u32::try_from(lines).unwrap()))
        .await
        .unwrap();
    for (i, key) in [
        "starter",
        "discovery_standard",
        "discovery_premium",
        "staff_made",
    ]
    .into_iter()
    .enumerate()
    {
        // Without returning: the table has no product line yet to read back.
        plan::Entity::insert(before_lines(key, i32::try_from(i).unwrap()))
            .exec_without_returning(&db)
            .await
            .unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    for (key, line) in [
        ("starter", ProductLine::Growth),
        ("discovery_standard", ProductLine::Discovery),
        ("discovery_premium", ProductLine::Discovery),
        ("staff_made", ProductLine::Growth),
    ] {
        assert_eq!(
            plans::by_key(&db, key).await.unwrap().product_line,
            line,
            "{key}"
        );
    }
}

#[tokio::test]
async fn the_billing_page_shows_each_line_under_its_heading_in_sort_order() {
    let app = app().await;
    customer(&app, "owner@example.com", "Acme").await;
    let browser = signed_in(&app, "owner@example.com").await;
    let body = browser
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("<h3 id=\"plans-line-growth\">Growth</h3>"),
        "{body}"
    );
    assert!(
        body.contains("<h3 id=\"plans-line-discovery\">Discovery</h3>"),
        "{body}"
    );
    let growth = between(
        &body,
        "id=\"plans-line-growth\"",
        Some("id=\"plans-line-discovery\""),
    );
    let discovery = between(
        &body,
        "id=\"plans-line-discovery\"",
        Some("id=\"credits-title\""),
    );
    in_order(growth, &["free", "starter", "pro", "agency", "enterprise"]);
    in_order(discovery, &["discovery_standard", "discovery_premium"]);
    assert!(!growth.contains("plan-discovery_"), "{growth}");
    assert!(!discovery.contains("id=\"plan-starter\""), "{discovery}");
    assert!(!body.contains("plan-self_hosted"), "never offered: {body}");
    // The Discovery cards read as the others: price and team size in words.
    assert!(discovery.contains("$199.00 / month"), "{discovery}");
    assert!(discovery.contains("$499.00 / month"), "{discovery}");
    assert!(discovery.contains("<li>5 team members</li>"), "{discovery}");

    // A plan moved to the other line by staff shows there, in its sort order.
    let db = &app.state.db;
    let pro = plans::by_key(db, "pro").await.unwrap();
    plans::update(
        db,
        pro.id,
        &plans::PlanInput {
            product_line: Some("discovery".into()),
            ..billing::staff::service::input_of(&pro)
        },
    )
    .await
    .unwrap();
    let body = browser
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let growth = between(
        &body,
        "id=\"plans-line-growth\"",
        Some("id=\"plans-line-discovery\""),
    );
    let discovery = between(
        &body,
        "id=\"plans-line-discovery\"",
        Some("id=\"credits-title\""),
    );
    assert!(!growth.contains("id=\"plan-pro\""), "{growth}");
    in_order(
        discovery,
        &["pro", "discovery_standard", "discovery_premium"],
    );
}

#[tokio::test]
async fn staff_see_the_lines_and_the_api_returns_each_plans_line() {
    let app = selling_app().await;
    let (browser, token) = staff_signed_in(&app, StaffRole::Finance).await;
    let page = browser
        .get(app.url("/admin/billing/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<h2 id=\"plans-line-growth\">Growth</h2>"),
        "{page}"
    );
    assert!(
        page.contains("<h2 id=\"plans-line-discovery\">Discovery</h2>"),
        "{page}"
    );
    let growth = between(
        &page,
        "id=\"plans-line-growth\"",
        Some("id=\"plans-line-discovery\""),
    );
    let discovery = between(&page, "id=\"plans-line-discovery\"", None);
    // Staff see every plan, the disabled Self-hosted one too, in sort order.
    in_order(
        growth,
        &[
            "free",
            "starter",
            "pro",
            "agency",
            "enterprise",
            "self_hosted",
        ],
    );
    in_order(discovery, &["discovery_standard", "discovery_premium"]);
    assert!(!growth.contains("plan-discovery_"), "{growth}");

    let res = app
        .api()
        .get(app.url("/api/v1/admin/billing/plans"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 8, "{list}");
    for item in items {
        let key = item["key"].as_str().unwrap();
        let expected = if key.starts_with("discovery_") {
            "discovery"
        } else {
            "growth"
        };
        assert_eq!(item["product_line"], expected, "{key}: {item}");
    }
    // The contract names the field and its values.
    let (_, doc) = billing::staff::api::openapi_router().split_for_parts();
    let doc = serde_json::to_value(&doc).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["Plan"]["properties"]["product_line"].is_object(),
        "{}",
        schemas["Plan"]
    );
    assert!(
        schemas["Plan"]["required"]
            .as_array()
            .unwrap()
            .contains(&json!("product_line"))
    );
    assert_eq!(
        schemas["ProductLine"]["enum"],
        json!(["growth", "discovery"])
    );
    assert!(schemas["PlanInput"]["properties"]["product_line"].is_object());
}

#[tokio::test]
async fn staff_change_a_plans_line_and_an_unknown_line_is_refused() {
    let app = selling_app().await;
    let db = &app.state.db;
    let (browser, token) = staff_signed_in(&app, StaffRole::Finance).await;
    let agency = plans::by_key(db, "agency").await.unwrap();
    let path = format!("/admin/billing/plans/{}", agency.id);

    // The form offers the known lines, the plan's own chosen.
    let form = browser
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let select = between(&form, "<select id=\"product_line\"", Some("</select>"));
    assert!(
        select.contains("<option value=\"growth\" selected>Growth</option>"),
        "{select}"
    );
    assert!(
        select.contains("<option value=\"discovery\">Discovery</option>"),
        "{select}"
    );

    // An unknown line: the form again, the error beside the field, the rest as typed.
    let fields = |line: &'static str| {
        vec![
            ("name", "Agency for agencies"),
            ("currency", "usd"),
            ("price_monthly", "149"),
            ("price_yearly", "1490"),
            ("product_line", line),
            ("limit_seats", "5"),
            ("enabled", "on"),
        ]
    };
    let res = browser
        .post(app.url(&path))
        .form(&fields("teleport"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"product_line-error\""), "{page}");
    assert!(
        page.contains("Choose one of the product lines: growth, discovery"),
        "{page}"
    );
    assert!(
        page.contains("value=\"Agency for agencies\""),
        "typed name kept"
    );
    let unchanged = plans::get(db, agency.id).await.unwrap();
    assert_eq!(unchanged.name, "Agency", "nothing saved");
    assert_eq!(unchanged.product_line, ProductLine::Growth);

    // A known line: saved, logged, and the plan is listed under it.
    let res = browser
        .post(app.url(&path))
        .form(&fields("discovery"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let saved = plans::get(db, agency.id).await.unwrap();
    assert_eq!(saved.product_line, ProductLine::Discovery);
    assert_eq!(saved.name, "Agency for agencies");
    let logged = platform::audit::by_action(db, "plan.updated")
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    let detail = serde_json::to_string(&logged[0].detail).unwrap();
    assert!(
        detail.contains("\"product_line\":\"growth\"")
            && detail.contains("\"product_line\":\"discovery\""),
        "before and after: {detail}"
    );
    let list = browser
        .get(app.url("/admin/billing/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        between(&list, "id=\"plans-line-discovery\"", None).contains("id=\"plan-agency\""),
        "{list}"
    );

    // The API: an unknown line is a 422 problem naming the field; nothing changes.
    let put = |body: Value| {
        app.api()
            .put(app.url(&format!("/api/v1/admin/billing/plans/{}", agency.id)))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let base = json!({ "name": "Agency", "price_monthly": 14900, "limits": { "seats": 5 } });
    let mut bad = base.clone();
    bad["product_line"] = json!("Discovery ");
    let res = put(bad).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "product_line", "{problem}");
    assert_eq!(
        plans::get(db, agency.id).await.unwrap().product_line,
        ProductLine::Discovery
    );
    // Left out on an edit, the line stays; given, it changes.
    let res = put(base.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["product_line"], "discovery", "{out}");
    let mut back = base;
    back["product_line"] = json!("growth");
    let out: Value = put(back).await.unwrap().json().await.unwrap();
    assert_eq!(out["product_line"], "growth", "{out}");

    // A new plan: the default line when none is given, the chosen one otherwise.
    let create = |body: Value| {
        app.api()
            .post(app.url("/api/v1/admin/billing/plans"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = create(json!({ "key": "plain", "name": "Plain" }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["product_line"], "growth", "{out}");
    let res = create(json!({ "key": "scout", "name": "Scout", "product_line": "discovery" }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["product_line"], "discovery", "{out}");
    let res = create(json!({ "key": "odd", "name": "Odd", "product_line": "retail" }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(plans::by_key(db, "odd").await.is_err(), "not created");
}
