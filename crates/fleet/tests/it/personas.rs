//! Personas through the real router and database: created, checked, named uniquely in any
//! case, changed and listed with their figures; ready accounts assigned in a batch, all or
//! nothing; an account released, and a deleted persona's accounts, sent to cleanup with their
//! cleanup tasks queued; the views (available with filters, pipeline by location, proxies,
//! needs attention) and every tab of the page; the plan gate; another workspace's ids are not
//! found on any route.

use chrono::Duration;
use fleet::model::{account, event, image, persona, proxy, task, text};
use platform::testkit::call;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{app, customer};

pub(crate) fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A managed account written straight into the table (the import is another test's).
pub(crate) async fn account_in(
    app: &TestApp,
    ws: Uuid,
    username: &str,
    state: &str,
    change: impl FnOnce(&mut account::ActiveModel),
) -> Uuid {
    let id = Uuid::now_v7();
    let now = platform::db::now();
    let mut row = account::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws),
        username: Set(username.to_string()),
        username_lower: Set(username.to_lowercase()),
        password_enc: Set("sealed".into()),
        email: Set(format!("{username}@example.com")),
        email_password_enc: Set(None),
        extra: Set(json!({})),
        state: Set(state.to_string()),
        warmup_step: Set(None),
        warmup_started_at: Set(None),
        warmup_completed_at: Set(None),
        persona_id: Set(None),
        assigned_to_persona_at: Set(None),
        proxy_id: Set(None),
        proxy_assigned_at: Set(None),
        last_worker_id: Set(None),
        last_worker_action_at: Set(None),
        requires_human_review: Set(false),
        last_error_message: Set(None),
        last_error_at: Set(None),
        retry_count: Set(0),
        import_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    change(&mut row);
    account::Entity::insert(row)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    id
}

/// A proxy with `used` of its `max` slots taken.
pub(crate) async fn proxy_in(
    app: &TestApp,
    ws: Uuid,
    host: &str,
    location: &str,
    used: i32,
    max: i32,
) -> Uuid {
    let id = Uuid::now_v7();
    let now = platform::db::now();
    proxy::Entity::insert(proxy::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws),
        kind: Set("http".into()),
        host: Set(host.into()),
        port: Set(8080),
        username: Set(String::new()),
        password_enc: Set(None),
        provider: Set("Test".into()),
        location: Set(location.into()),
        monthly_cost_minor: Set(500),
        currency: Set("USD".into()),
        status: Set("active".into()),
        max_accounts: Set(max),
        account_count: Set(used),
        last_tested_at: Set(None),
        last_test_ok: Set(None),
        last_latency_ms: Set(None),
        last_test_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    id
}

/// A finished (or open) task of an account.
pub(crate) async fn task_in(
    app: &TestApp,
    ws: Uuid,
    account_id: Uuid,
    step: i32,
    status: &str,
    age_minutes: i64,
) {
    let at = platform::db::now() - Duration::minutes(age_minutes);
    task::Entity::insert(task::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        account_id: Set(account_id),
        kind: Set("warmup".into()),
        step_number: Set(step),
        step_name: Set(format!("step_{step}")),
        step_label: Set(format!("Step {step}")),
        image_kind: Set(None),
        text_kind: Set(None),
        status: Set(status.into()),
        due_at: Set(at),
        retry_count: Set(0),
        worker_id: Set(None),
        worker_session_id: Set(None),
        lease_expires_at: Set(None),
        claims: Set(0),
        started_at: Set(None),
        completed_at: Set(None),
        content_used: Set(None),
        error_message: Set((status == "failed").then(|| "Instagram asked for a code".into())),
        error_details: Set(None),
        execution_time_ms: Set(None),
        instagram_response: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

pub(crate) async fn row(app: &TestApp, id: Uuid) -> account::Model {
    account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn new_persona(app: &TestApp, token: &str, name: &str, location: &str) -> String {
    let (status, p) = call(
        app,
        token,
        Method::POST,
        "/api/v1/fleet/personas",
        Some(json!({"name": name, "location": location, "notes": "Fitness, mornings"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn personas_are_created_checked_named_uniquely_and_changed() {
    let app = app().await;
    let (token, _) = customer(&app, "ana@example.com", "Ana Agency").await;

    let lena = new_persona(&app, &token, "Lena", "Berlin").await;
    let (status, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{lena}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["name"], "Lena");
    assert_eq!(p["location"], "Berlin");
    assert_eq!(p["accounts"], 0);

    // The same name in another case is taken; the form's fields are checked one by one.
    let (status, e) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/personas",
        Some(json!({"name": "  LENA ", "location": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["name"]);
    let (status, e) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/personas",
        Some(
            json!({"name": "x".repeat(81), "location": "y".repeat(81), "notes": "z".repeat(1001)}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["name", "location", "notes"]);

    let mia = new_persona(&app, &token, "Mia", "").await;
    let (status, e) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/personas/{mia}"),
        Some(json!({"name": "lena"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (status, p) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/fleet/personas/{mia}"),
        Some(json!({"name": "Mia Rose", "location": "Paris", "notes": "Travel"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        (p["name"].as_str(), p["location"].as_str()),
        (Some("Mia Rose"), Some("Paris"))
    );

    let (_, list) = call(&app, &token, Method::GET, "/api/v1/fleet/personas", None).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lena", "Mia Rose"]);

    // The pages: the grid, a failed form answered inline, a created one redirected to it.
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .get(app.url("/fleet/personas"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Lena") && html.contains("Mia Rose") && html.contains("Proxies in Berlin")
    );
    assert!(
        html.contains("Personas (models)"),
        "the sub-navigation names them"
    );
    let res = browser
        .post(app.url("/fleet/personas"))
        .form(&[("name", "lena"), ("location", ""), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("A persona with this name exists already")
    );
    let res = browser
        .post(app.url("/fleet/personas"))
        .form(&[("name", "Noa"), ("location", "Rome"), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("/accounts?view=overview"), "{to}");
    let res = browser
        .post(app.url(&format!("/fleet/personas/{mia}/edit")))
        .form(&[("name", ""), ("location", "Paris"), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Give the persona a name")
    );
}

#[tokio::test]
async fn ready_accounts_are_assigned_in_a_batch_all_or_nothing() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let lena = new_persona(&app, &token, "Lena", "").await;
    let berlin = proxy_in(&app, ws, "10.0.0.1", "Berlin", 2, 3).await;
    let paris = proxy_in(&app, ws, "10.0.0.2", "Paris", 1, 3).await;
    let r1 = account_in(&app, ws, "ready_one", "ready", |a| {
        a.proxy_id = Set(Some(berlin))
    })
    .await;
    let r2 = account_in(&app, ws, "ready_two", "ready", |a| {
        a.proxy_id = Set(Some(berlin))
    })
    .await;
    let r3 = account_in(&app, ws, "ready_three", "ready", |a| {
        a.proxy_id = Set(Some(paris))
    })
    .await;
    let warming = account_in(&app, ws, "still_warming", "warming_up", |a| {
        a.warmup_step = Set(Some(2))
    })
    .await;
    for step in 1..=5 {
        task_in(&app, ws, r1, step, "completed", 100 - i64::from(step)).await;
    }
    task_in(&app, ws, r3, 1, "failed", 90).await;
    task_in(&app, ws, r3, 1, "completed", 80).await;

    // Available: ready accounts without a persona, filtered by location and performance.
    let available = |q: &str| {
        let path = format!("/api/v1/fleet/personas/{lena}/accounts?view=available{q}");
        let (app, token) = (&app, &token);
        async move {
            let (status, v) = call(app, token, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            let mut names: Vec<String> = v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["username"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        available("").await,
        ["ready_one", "ready_three", "ready_two"]
    );
    assert_eq!(
        available("&location=berlin").await,
        ["ready_one", "ready_two"]
    );
    assert_eq!(
        available("&no_failures=true").await,
        ["ready_one", "ready_two"]
    );
    assert_eq!(
        available("&min_success=60").await,
        ["ready_one", "ready_two"]
    );
    assert_eq!(
        available("&min_success=50").await,
        ["ready_one", "ready_three", "ready_two"]
    );
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{lena}/accounts?view=available&min_success=101"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // One account that is not ready refuses the whole batch: nothing is assigned.
    let (status, e) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/assign"),
        Some(json!({"account_ids": [r1, warming]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("@still_warming"),
        "{e}"
    );
    assert_eq!(row(&app, r1).await.state, "ready");
    assert_eq!(row(&app, r1).await.persona_id, None);
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/assign"),
        Some(json!({"account_ids": []})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, done) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/assign"),
        Some(json!({"account_ids": [r1, r2, r1]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["assigned"], 2);
    let lena_id = Uuid::parse_str(&lena).unwrap();
    for id in [r1, r2] {
        let a = row(&app, id).await;
        assert_eq!((a.state.as_str(), a.persona_id), ("active", Some(lena_id)));
        assert!(a.assigned_to_persona_at.is_some());
        let logged = event::Entity::find()
            .filter(event::Column::AccountId.eq(id))
            .filter(event::Column::ToState.eq("active"))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(logged.len(), 1, "one timeline row per account");
        assert_eq!(logged[0].from_state.as_deref(), Some("ready"));
        assert_eq!(logged[0].actor_kind, "user");
        assert_eq!(logged[0].reason, "Assigned to persona Lena");
    }
    // An assigned account cannot be assigned again.
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/assign"),
        Some(json!({"account_ids": [r1]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (_, p) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{lena}"),
        None,
    )
    .await;
    assert_eq!(p["accounts"], 2);
    assert_eq!(p["accounts_by_state"]["active"], 2);
    assert_eq!(p["proxies"], 1);
    let (_, v) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{lena}/accounts"),
        None,
    )
    .await;
    assert_eq!(v["view"], "overview");
    assert_eq!(v["total"], 2);
    let one = &v["accounts"][0];
    assert_eq!(one["username"], "ready_one");
    assert_eq!(one["tasks_completed"], 5);
    assert_eq!(one["success_rate"], 100.0);
    assert_eq!(available("").await, ["ready_three"]);

    // The page's batch form: the checked accounts, repeated `account_id`.
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .get(app.url(&format!(
            "/fleet/personas/{lena}/accounts?view=available&performance=no_failures"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !res.text().await.unwrap().contains("ready_three"),
        "filtered out"
    );
    let r3s = r3.to_string();
    let res = browser
        .post(app.url(&format!("/fleet/personas/{lena}/assign")))
        .form(&[("account_id", r3s.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(row(&app, r3).await.state, "active");
    let res = browser
        .get(app.url(&format!("/fleet/personas/{lena}/accounts")))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("3 accounts assigned") || html.contains("1 account assigned"));
    assert!(html.contains("@ready_three") && html.contains("Active in persona"));
}

#[tokio::test]
async fn released_accounts_and_a_deleted_personas_go_to_cleanup() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let lena = new_persona(&app, &token, "Lena", "").await;
    let mia = new_persona(&app, &token, "Mia", "").await;
    let lena_id = Uuid::parse_str(&lena).unwrap();
    let active = |name: &'static str| {
        let app = &app;
        async move {
            account_in(app, ws, name, "active", |a| {
                a.persona_id = Set(Some(lena_id));
                a.assigned_to_persona_at = Set(Some(platform::db::now()));
            })
            .await
        }
    };
    let a1 = active("active_one").await;
    let a2 = active("active_two").await;
    let a3 = active("active_three").await;
    let cleanup_tasks = |id: Uuid| {
        let app = &app;
        async move {
            task::Entity::find()
                .filter(task::Column::AccountId.eq(id))
                .filter(task::Column::Kind.eq("cleanup"))
                .filter(task::Column::Status.eq("pending"))
                .count(&app.state.db)
                .await
                .unwrap()
        }
    };

    // Releasing one: active → cleanup, its cleanup tasks queued, the persona cleared.
    let (status, a) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/accounts/{a1}/release"),
        Some(json!({"reason": "Moving to another niche"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "cleanup");
    let r = row(&app, a1).await;
    assert_eq!((r.state.as_str(), r.persona_id), ("cleanup", None));
    assert_eq!(
        cleanup_tasks(a1).await,
        3,
        "reset bio, reset picture, delete posts"
    );
    let logged = event::Entity::find()
        .filter(event::Column::AccountId.eq(a1))
        .filter(event::Column::ToState.eq("cleanup"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        logged.reason,
        "Released from persona Lena: Moving to another niche"
    );
    // Not (or no longer) the persona's account: refused, nothing changes.
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/accounts/{a1}/release"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{mia}/accounts/{a2}/release"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(row(&app, a2).await.state, "active");

    // The page's release button does the same.
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .post(app.url(&format!("/fleet/personas/{lena}/accounts/{a3}/release")))
        .form(&[("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(row(&app, a3).await.state, "cleanup");

    // Deleting the persona: its active account to cleanup, its pools removed, the generic
    // pool and the other persona untouched.
    let now = platform::db::now();
    for (persona_id, name) in [(Some(lena_id), "lena"), (None, "generic")] {
        text::Entity::insert(text::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ws),
            persona_id: Set(persona_id),
            kind: Set("bio".into()),
            text_content: Set(format!("A {name} bio")),
            usage_count: Set(0),
            is_template: Set(false),
            created_at: Set(now),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    }
    let png = crate::content::png(64);
    let (status, img) = crate::content::upload(
        &app,
        &token,
        &[("kind", "pfp"), ("persona_id", &lena)],
        "me.png",
        &png,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{img}");

    let (status, d) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/fleet/personas/{lena}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["accounts_to_cleanup"], 1);
    let r = row(&app, a2).await;
    assert_eq!((r.state.as_str(), r.persona_id), ("cleanup", None));
    assert_eq!(cleanup_tasks(a2).await, 3);
    let logged = event::Entity::find()
        .filter(event::Column::AccountId.eq(a2))
        .filter(event::Column::ToState.eq("cleanup"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.reason, "Persona Lena was deleted");
    assert_eq!(
        persona::Entity::find_by_id(lena_id)
            .one(&app.state.db)
            .await
            .unwrap(),
        None
    );
    let left: Vec<Option<Uuid>> = text::Entity::find()
        .filter(text::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.persona_id)
        .collect();
    assert_eq!(left, [None], "only the generic pool's text is left");
    assert_eq!(
        image::Entity::find()
            .filter(image::Column::WorkspaceId.eq(ws))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        fleet::model::image_data::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "the bytes went with the row"
    );
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{lena}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{mia}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The page's delete, on the other persona.
    let res = browser
        .post(app.url(&format!("/fleet/personas/{mia}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/personas/{mia}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_views_show_the_pipeline_proxies_and_what_needs_attention() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let lena = new_persona(&app, &token, "Lena", "berlin").await;
    let lena_id = Uuid::parse_str(&lena).unwrap();
    let berlin = proxy_in(&app, ws, "10.0.0.1", "Berlin", 1, 3).await;
    let berlin_full = proxy_in(&app, ws, "10.0.0.3", "Berlin", 3, 3).await;
    let paris = proxy_in(&app, ws, "10.0.0.2", "Paris", 0, 3).await;
    let at = |step: i32, proxy: Uuid| {
        move |a: &mut account::ActiveModel| {
            a.warmup_step = Set(Some(step));
            a.proxy_id = Set(Some(proxy));
        }
    };
    account_in(&app, ws, "w_one", "warming_up", at(1, berlin)).await;
    account_in(&app, ws, "w_two", "warming_up", at(2, berlin_full)).await;
    let review = account_in(&app, ws, "w_review", "human_review", |a| {
        a.warmup_step = Set(Some(2));
        a.proxy_id = Set(Some(berlin_full));
        a.last_error_message = Set(Some("Instagram asked for a code".into()));
    })
    .await;
    account_in(&app, ws, "w_paris", "warming_up", at(1, paris)).await;
    let bare = account_in(&app, ws, "no_proxy", "imported", |_| {}).await;
    let mine = account_in(&app, ws, "mine", "active", |a| {
        a.persona_id = Set(Some(lena_id));
        a.proxy_id = Set(Some(berlin));
    })
    .await;
    task_in(&app, ws, mine, 5, "completed", 50).await;
    task_in(&app, ws, mine, 5, "failed", 10).await;
    let recovered = account_in(&app, ws, "recovered", "ready", |a| {
        a.proxy_id = Set(Some(paris))
    })
    .await;
    task_in(&app, ws, recovered, 3, "failed", 30).await;
    task_in(&app, ws, recovered, 3, "completed", 20).await;

    let view = |v: &'static str| {
        let (app, token, lena) = (&app, &token, &lena);
        async move {
            let (status, body) = call(
                app,
                token,
                Method::GET,
                &format!("/api/v1/fleet/personas/{lena}/accounts?view={v}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    // The pipeline of its location (any case): Paris's account is not in it.
    let p = view("pipeline").await;
    assert_eq!(p["total"], 3);
    let steps: Vec<(i64, i64)> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["accounts"].as_i64().unwrap(),
                s["in_review"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, [(1, 0), (2, 1), (0, 0), (0, 0), (0, 0)]);
    assert_eq!(p["steps"][0]["label"], "Change profile picture");

    // Proxies: the one its account uses, then the free ones in Berlin (not the full one).
    let px = view("proxies").await;
    let listed: Vec<(String, bool)> = px["proxies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["host"].as_str().unwrap().to_string(),
                p["used_by_persona"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("10.0.0.1".to_string(), true),
            ("10.0.0.1".to_string(), false)
        ]
    );

    // Needs attention: in review, without a proxy, its account whose last task failed; not the
    // account whose failure was followed by a success.
    let at = view("attention").await;
    let mut reasons: Vec<(String, Vec<String>)> = at["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap().to_string(),
                a["attention"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("mine".to_string(), vec!["last_task_failed".to_string()]),
            ("no_proxy".to_string(), vec!["no_proxy".to_string()]),
            ("w_review".to_string(), vec!["needs_review".to_string()]),
        ]
    );
    let _ = (review, bare);

    // Every tab of the page renders, with its figures.
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    for (tab, expect) in [
        ("overview", "@mine"),
        ("available", "@recovered"),
        ("pipeline", "@w_review"),
        ("proxies", "10.0.0.1:8080"),
        ("attention", "Last task failed"),
        ("content", "Add an image"),
    ] {
        let res = browser
            .get(app.url(&format!("/fleet/personas/{lena}/accounts?view={tab}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{tab}");
        let html = res.text().await.unwrap();
        assert!(html.contains(expect), "{tab}: {expect}");
        assert!(
            html.contains("aria-current=\"true\""),
            "{tab}: the current tab is marked"
        );
    }
    let res = browser
        .get(app.url("/fleet/personas"))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Active in persona: 1"),
        "the card counts by state"
    );
    let res = browser
        .get(app.url(&format!("/fleet/personas/{lena}/edit")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_plan_without_the_fleet_is_refused() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    let (status, e) = call(&app, &token, Method::GET, "/api/v1/fleet/personas", None).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{e}");
    assert!(
        e["type"].as_str().unwrap().ends_with("feature-not-in-plan"),
        "{e}"
    );
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/content/texts",
        Some(json!({"kind": "bio", "texts": ["Hi"]})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .get(app.url("/fleet/personas"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found() {
    let app = app().await;
    let (alice, _) = customer(&app, "alice@example.com", "Alice Agency").await;
    let (bob, bob_ws) = customer(&app, "bob@example.com", "Bob Agency").await;
    let bobs = new_persona(&app, &bob, "Bob's persona", "").await;
    let bobs_id = Uuid::parse_str(&bobs).unwrap();
    let ready = account_in(&app, bob_ws, "bobs_ready", "ready", |_| {}).await;
    let active = account_in(&app, bob_ws, "bobs_active", "active", |a| {
        a.persona_id = Set(Some(bobs_id))
    })
    .await;
    let png = crate::content::png(32);
    let (_, img) = crate::content::upload(
        &app,
        &bob,
        &[("kind", "post"), ("persona_id", &bobs)],
        "b.png",
        &png,
    )
    .await;
    let img = img["id"].as_str().unwrap().to_string();
    let (_, texts) = call(
        &app,
        &bob,
        Method::POST,
        "/api/v1/fleet/content/texts",
        Some(json!({"kind": "bio", "texts": ["Bob's bio"], "persona_id": bobs})),
    )
    .await;
    let text = texts["items"][0]["id"].as_str().unwrap().to_string();

    let witnesses = [
        format!("/api/v1/fleet/personas/{bobs}"),
        format!("/api/v1/fleet/personas/{bobs}/accounts"),
        format!("/api/v1/fleet/content/images?persona_id={bobs}"),
        format!("/api/v1/fleet/content/texts?persona_id={bobs}"),
        format!("/api/v1/fleet/content/images/{img}"),
    ];
    let witness: Vec<&str> = witnesses.iter().map(String::as_str).collect();
    let (_, personas_doc) = fleet::web::personas::api::openapi_router().split_for_parts();
    let (_, content_doc) = fleet::web::content::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&personas_doc);
    routes.extend(api_routes(&content_doc));
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .id("personas/{id}", &bobs)
        .id("accounts/{account_id}", active)
        .id("images/{id}", &img)
        .id("texts/{id}", &text)
        .json(
            Method::PUT,
            "/api/v1/fleet/personas/{id}",
            json!({"name": "Taken over"}),
        )
        .json(
            Method::POST,
            "/api/v1/fleet/personas/{id}/assign",
            json!({"account_ids": [ready]}),
        )
        .json(
            Method::POST,
            "/api/v1/fleet/personas/{id}/accounts/{account_id}/release",
            json!({"reason": "Alice was here"}),
        )
        .run(&routes)
        .await;
    assert_eq!(calls.len(), 10, "every id-taking operation: {calls:#?}");

    // Bob's persona or account named in a body or a query of Alice's is not found either.
    let alices = new_persona(&app, &alice, "Alice's persona", "").await;
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        &format!("/api/v1/fleet/personas/{alices}/assign"),
        Some(json!({"account_ids": [ready]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/fleet/content/texts?persona_id={bobs}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        "/api/v1/fleet/content/texts",
        Some(json!({"kind": "bio", "texts": ["Mine now"], "persona_id": bobs})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = crate::content::upload(
        &app,
        &alice,
        &[("kind", "post"), ("persona_id", &bobs)],
        "a.png",
        &png,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(row(&app, ready).await.state, "ready");

    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages = page_routes(&fleet::feature())
        .into_iter()
        .filter(|r| {
            r.template.starts_with("/fleet/personas") || r.template.starts_with("/fleet/content")
        })
        .collect::<Vec<_>>();
    let readys = ready.to_string();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .browser(alice_browser)
        .id("personas/{id}", &bobs)
        .id("accounts/{account_id}", active)
        .id("images/{id}", &img)
        .id("texts/{id}", &text)
        .form(
            Method::POST,
            "/fleet/personas/{id}/edit",
            &[("name", "Taken over")],
        )
        .form(
            Method::POST,
            "/fleet/personas/{id}/assign",
            &[("account_id", readys.as_str())],
        )
        .form(
            Method::POST,
            "/fleet/personas/{id}/content/texts",
            &[("kind", "bio"), ("texts", "Mine")],
        )
        .form(
            Method::POST,
            "/fleet/personas/{id}/accounts/{account_id}/release",
            &[("reason", "Alice was here")],
        )
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 11, "every id-taking page: {calls:#?}");
}

#[tokio::test]
async fn a_released_account_is_cleaned_up_by_a_worker_and_assigned_again() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let lena = new_persona(&app, &token, "Lena", "").await;
    let mia = new_persona(&app, &token, "Mia", "").await;
    let lena_id = Uuid::parse_str(&lena).unwrap();
    let sealed = fleet::service::accounts::seal(&app.state, "hunter2").unwrap();
    let a = account_in(&app, ws, "moving_on", "active", |a| {
        a.persona_id = Set(Some(lena_id));
        a.password_enc = Set(sealed);
    })
    .await;
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{lena}/accounts/{a}/release"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A worker does the three cleanup steps through the worker API.
    let (bot, bot_token) = crate::worker(&app, ws, "Phone 1").await;
    let mut done = Vec::new();
    loop {
        let res = app
            .api()
            .get(app.url(&format!("/api/bot/next-task/{bot}")))
            .bearer_auth(&bot_token)
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::NO_CONTENT {
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
        let t: Value = res.json().await.unwrap();
        done.push(t["step_name"].as_str().unwrap_or_default().to_string());
        let res = app
            .api()
            .post(app.url("/api/bot/step-complete"))
            .bearer_auth(&bot_token)
            .json(&json!({"task_id": t["task_id"], "execution_time_ms": 900}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(done.len() <= 3, "only the cleanup steps are due: {done:?}");
    }
    done.sort();
    assert_eq!(done, ["delete_posts", "reset_bio", "reset_pfp"]);
    let r = row(&app, a).await;
    assert_eq!((r.state.as_str(), r.persona_id), ("ready", None));

    // Ready again: another persona takes it.
    let (status, out) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/fleet/personas/{mia}/assign"),
        Some(json!({"account_ids": [a]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let r = row(&app, a).await;
    assert_eq!(r.state, "active");
    assert_eq!(r.persona_id.map(|p| p.to_string()), Some(mia));
    let states: Vec<(Option<String>, Option<String>)> = event::Entity::find()
        .filter(event::Column::AccountId.eq(a))
        .filter(event::Column::Kind.eq("transition"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.from_state, e.to_state))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        states,
        [
            (s("active"), s("cleanup")),
            (s("cleanup"), s("ready")),
            (s("ready"), s("active")),
        ],
        "the timeline tells the whole way"
    );
}
