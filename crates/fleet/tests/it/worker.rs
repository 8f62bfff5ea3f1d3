//! The worker API and the task engine: the pipeline end to end, retries and review, late and
//! foreign answers, tenancy of worker tokens, and 50 workers racing over 5,000 tasks.

use std::{collections::HashSet, sync::Arc, time::Duration};

use fleet::model::{account, event, task};
use platform::Scope;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::{accounts, app, customer, queue, set_settings, worker};

async fn next(app: &platform::testkit::TestApp, token: &str, bot: Uuid) -> (StatusCode, Value) {
    let res = app
        .api()
        .get(app.url(&format!("/api/bot/next-task/{bot}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = if status == StatusCode::NO_CONTENT {
        Value::Null
    } else {
        res.json().await.unwrap_or(Value::Null)
    };
    (status, body)
}

async fn post(
    app: &platform::testkit::TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn state_of(app: &platform::testkit::TestApp, id: Uuid) -> account::Model {
    account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_worker_takes_an_account_through_the_five_steps_to_ready() {
    let app = app().await;
    let (_, ws) = customer(&app, "ops@example.com", "Ops").await;
    set_settings(&app, ws, 5, 3, 600).await;
    let ids = accounts(&app, ws, "warm", 1, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    // Content for step 2 (a bio) in the generic pool.
    fleet::model::text::Entity::insert(fleet::model::text::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        workspace_id: sea_orm::ActiveValue::Set(ws),
        persona_id: sea_orm::ActiveValue::Set(None),
        kind: sea_orm::ActiveValue::Set("bio".into()),
        text_content: sea_orm::ActiveValue::Set("Coffee, film, long walks".into()),
        usage_count: sea_orm::ActiveValue::Set(0),
        is_template: sea_orm::ActiveValue::Set(false),
        created_at: sea_orm::ActiveValue::Set(platform::db::now()),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let (bot, token) = worker(&app, ws, "phone-1").await;

    let names: Vec<&str> = vec![
        "change_pfp",
        "change_bio",
        "post_highlight",
        "post_story",
        "post_post",
    ];
    for (i, name) in names.iter().enumerate() {
        let (status, t) = next(&app, &token, bot).await;
        assert_eq!(status, StatusCode::OK, "step {}: {t}", i + 1);
        assert_eq!(t["step_name"], *name);
        assert_eq!(t["step_number"], i + 1);
        assert_eq!(t["account"]["username"], "warm_0");
        assert_eq!(
            t["account"]["password"], "hunter2",
            "the worker gets the password"
        );
        if *name == "change_bio" {
            assert_eq!(t["content"]["text"]["text"], "Coffee, film, long walks");
        }
        if i == 0 {
            assert_eq!(state_of(&app, ids[0]).await.state, "warming_up");
        }
        let (status, out) = post(
            &app,
            &token,
            "/api/bot/step-complete",
            json!({"task_id": t["task_id"], "execution_time_ms": 1200 + i as i64}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{out}");
    }
    let a = state_of(&app, ids[0]).await;
    assert_eq!(a.state, "ready");
    assert!(a.warmup_completed_at.is_some());
    assert_eq!(a.warmup_step, None);
    // Nothing more is due.
    assert_eq!(next(&app, &token, bot).await.0, StatusCode::NO_CONTENT);
    // The step log and the timeline.
    let done = task::Entity::find()
        .filter(task::Column::AccountId.eq(ids[0]))
        .filter(task::Column::Status.eq("completed"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(done, 5);
    let moves: Vec<(Option<String>, Option<String>, String)> = event::Entity::find()
        .filter(event::Column::AccountId.eq(ids[0]))
        .filter(event::Column::Kind.eq("transition"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.from_state, e.to_state, e.actor_label))
        .collect();
    assert_eq!(
        moves,
        vec![
            (
                Some("proxy_assigned".into()),
                Some("warming_up".into()),
                "Worker phone-1".into()
            ),
            (
                Some("warming_up".into()),
                Some("ready".into()),
                "Worker phone-1".into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_failing_step_is_retried_then_needs_review_and_review_actions_move_it_on() {
    let app = app().await;
    let (_, ws) = customer(&app, "ops@example.com", "Ops").await;
    set_settings(&app, ws, 3, 1, 600).await;
    let ids = accounts(&app, ws, "flaky", 1, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    let (bot, token) = worker(&app, ws, "phone-1").await;

    let fail = |t: Value, retryable: bool| {
        let app = &app;
        let token = token.clone();
        async move {
            post(
                app,
                &token,
                "/api/bot/step-failed",
                json!({"task_id": t["task_id"], "error_message": "challenge_required", "retryable": retryable}),
            )
            .await
        }
    };
    let (_, t) = next(&app, &token, bot).await;
    let (status, out) = fail(t, true).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["account_state"], "warming_up");
    assert_eq!(out["next_step"], 1, "the same step is queued again");
    // The retry (backoff 0) is due at once; it fails again: no retries left → review.
    let (_, t) = next(&app, &token, bot).await;
    assert_eq!(t["retry_count"], 1);
    let (status, out) = fail(t, true).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["account_state"], "human_review");
    let a = state_of(&app, ids[0]).await;
    assert!(a.requires_human_review);
    assert_eq!(a.last_error_message.as_deref(), Some("challenge_required"));
    assert_eq!(
        next(&app, &token, bot).await.0,
        StatusCode::NO_CONTENT,
        "nothing is due in review"
    );

    let scope = Scope::for_test(ws);
    let actor = fleet::service::lifecycle::Actor::system("test operator");
    use fleet::service::tasks::review::{Action, act};
    // Retry: back to warm-up with the step due again.
    let a = act(&app.state.db, &scope, ids[0], Action::Retry, &actor)
        .await
        .unwrap();
    assert_eq!(a.state, "warming_up");
    let (_, t) = next(&app, &token, bot).await;
    assert_eq!(t["step_number"], 1);
    assert_eq!(t["retry_count"], 0);
    let (_, out) = fail(t, false).await;
    assert_eq!(
        out["account_state"], "human_review",
        "a non-retryable failure needs review at once"
    );
    // Mark step 1 done by hand: step 2 is queued.
    let a = act(&app.state.db, &scope, ids[0], Action::MarkDone, &actor)
        .await
        .unwrap();
    assert_eq!((a.state.as_str(), a.warmup_step), ("warming_up", Some(2)));
    let (_, t) = next(&app, &token, bot).await;
    assert_eq!(t["step_number"], 2);
    let (_, out) = fail(t, false).await;
    assert_eq!(out["account_state"], "human_review");
    // Skip step 2: step 3 is queued; reset instead sends it back to step 1.
    let a = act(&app.state.db, &scope, ids[0], Action::Skip, &actor)
        .await
        .unwrap();
    assert_eq!(a.warmup_step, Some(3));
    let a = act(&app.state.db, &scope, ids[0], Action::Reset, &actor)
        .await
        .unwrap();
    assert_eq!((a.state.as_str(), a.warmup_step), ("warming_up", Some(1)));
    let open = task::Entity::find()
        .filter(task::Column::AccountId.eq(ids[0]))
        .filter(task::Column::Status.is_in(["pending", "in_progress"]))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(open, 1, "one open task after a reset");
    // An account that does not need review refuses review actions with a 409.
    let err = act(&app.state.db, &scope, ids[0], Action::Skip, &actor)
        .await
        .unwrap_err();
    assert!(matches!(err, platform::Error::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn late_and_foreign_answers_are_refused_and_change_nothing() {
    let app = app().await;
    let (_, ws) = customer(&app, "ops@example.com", "Ops").await;
    set_settings(&app, ws, 2, 3, 600).await;
    let ids = accounts(&app, ws, "late", 1, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    let (a_bot, a_token) = worker(&app, ws, "a").await;
    let (b_bot, b_token) = worker(&app, ws, "b").await;
    let (_, t) = next(&app, &a_token, a_bot).await;
    let task_id: Uuid = t["task_id"].as_str().unwrap().parse().unwrap();
    // B cannot answer A's task.
    let (status, body) = post(
        &app,
        &b_token,
        "/api/bot/step-complete",
        json!({"task_id": task_id, "execution_time_ms": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        next(&app, &b_token, b_bot).await.0,
        StatusCode::NO_CONTENT,
        "the task is A's"
    );
    // A's heartbeat keeps the lease.
    let res = app
        .api()
        .put(app.url(&format!("/api/bot/heartbeat/{a_bot}")))
        .bearer_auth(&a_token)
        .json(&json!({"status": "busy", "current_task_id": task_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A goes silent past its lease: the task goes to B, and A's late answer is refused.
    task::Entity::update_many()
        .col_expr(
            task::Column::LeaseExpiresAt,
            Expr::value(platform::db::now() - chrono::Duration::seconds(1)),
        )
        .filter(task::Column::Id.eq(task_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (status, t2) = next(&app, &b_token, b_bot).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t2["task_id"], task_id.to_string());
    let (status, _) = post(
        &app,
        &a_token,
        "/api/bot/step-failed",
        json!({"task_id": task_id, "error_message": "late", "retryable": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let res = app
        .api()
        .put(app.url(&format!("/api/bot/heartbeat/{a_bot}")))
        .bearer_auth(&a_token)
        .json(&json!({"status": "busy", "current_task_id": task_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "A's lease is gone");
    let (status, _) = post(
        &app,
        &b_token,
        "/api/bot/step-complete",
        json!({"task_id": task_id, "execution_time_ms": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let row = task::Entity::find_by_id(task_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.status.as_str(), row.claims, row.worker_id),
        ("completed", 2, Some(b_bot))
    );
    // Out-of-range and malformed input is a clear 422, nothing changed.
    let (status, body) = post(
        &app,
        &b_token,
        "/api/bot/step-complete",
        json!({"task_id": task_id, "execution_time_ms": -1}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_worker_token_sees_only_its_own_workspace() {
    let app = app().await;
    let (_, ws1) = customer(&app, "one@example.com", "One").await;
    let (_, ws2) = customer(&app, "two@example.com", "Two").await;
    set_settings(&app, ws1, 1, 3, 600).await;
    let ids = accounts(&app, ws1, "mine", 1, "proxy_assigned").await;
    queue(&app, ws1, &ids).await;
    let (bot1, token1) = worker(&app, ws1, "one").await;
    let (bot2, token2) = worker(&app, ws2, "two").await;
    // Two's worker finds nothing to do, and cannot act as one's worker.
    assert_eq!(next(&app, &token2, bot2).await.0, StatusCode::NO_CONTENT);
    assert_eq!(next(&app, &token2, bot1).await.0, StatusCode::NOT_FOUND);
    let (_, t) = next(&app, &token1, bot1).await;
    let task_id = t["task_id"].as_str().unwrap().to_string();
    let (status, _) = post(
        &app,
        &token2,
        "/api/bot/step-complete",
        json!({"task_id": task_id, "execution_time_ms": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = app
        .api()
        .get(app.url(&format!("/api/bot/account/{}/content?step=1", ids[0])))
        .bearer_auth(&token2)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .api()
        .put(app.url(&format!("/api/bot/heartbeat/{bot2}")))
        .bearer_auth(&token2)
        .json(&json!({"status": "busy", "current_task_id": task_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another workspace's task is not found"
    );
    // No token, a customer's API token, a revoked token: 401.
    let res = app
        .api()
        .get(app.url(&format!("/api/bot/next-task/{bot1}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    fleet::service::workers::revoke_in(&app.state.db, &Scope::for_test(ws1), bot1)
        .await
        .unwrap();
    assert_eq!(next(&app, &token1, bot1).await.0, StatusCode::UNAUTHORIZED);
    // Revoking handed its task back: another worker of the workspace takes it.
    let (bot3, token3) = worker(&app, ws1, "three").await;
    let (status, t3) = next(&app, &token3, bot3).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t3["task_id"], task_id);
}

#[tokio::test]
async fn a_plan_without_the_fleet_refuses_workers_with_402() {
    let app = app().await;
    let (_, ws) = customer(&app, "small@example.com", "Small").await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &Scope::for_test(ws),
        "agency",
        "test",
    )
    .await
    .unwrap();
    let (bot, token) = worker(&app, ws, "w").await;
    let res = app
        .api()
        .get(app.url(&format!("/api/bot/next-task/{bot}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("feature-not-in-plan"),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("Enterprise"),
        "{body}"
    );
}

/// 50 workers over HTTP against 5,000 due tasks; five die holding a task (their leases run
/// out and others finish the work). Every task is completed exactly once, none lost, none
/// answered twice; every account ends ready.
#[tokio::test]
async fn fifty_workers_complete_five_thousand_tasks_exactly_once() {
    const TASKS: usize = 5_000;
    const WORKERS: usize = 50;
    // Long enough that a live worker on a busy machine keeps its task; the dead workers'
    // tasks come back after it.
    const LEASE_SECS: i32 = 15;
    let app = Arc::new(app().await);
    let (_, ws) = customer(&app, "fleet@example.com", "Fleet").await;
    set_settings(&app, ws, 1, 3, LEASE_SECS).await;
    let ids = accounts(&app, ws, "load", TASKS, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    let completed = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut handles = Vec::new();
    for w in 0..WORKERS {
        let (bot, token) = worker(&app, ws, &format!("w{w}")).await;
        let app = app.clone();
        let completed = completed.clone();
        handles.push(tokio::spawn(async move {
            let dies = w % 10 == 0; // five of fifty die holding their first task
            let mut idle_since: Option<std::time::Instant> = None;
            loop {
                let (status, t) = next(&app, &token, bot).await;
                if status == StatusCode::NO_CONTENT {
                    // Wait out the dead workers' leases before giving up.
                    let since = *idle_since.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() > Duration::from_secs(LEASE_SECS as u64 + 5) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                idle_since = None;
                assert_eq!(status, StatusCode::OK, "{t}");
                if dies {
                    return;
                }
                let (status, body) = post(
                    &app,
                    &token,
                    "/api/bot/step-complete",
                    json!({"task_id": t["task_id"], "execution_time_ms": 10}),
                )
                .await;
                if status == StatusCode::CONFLICT {
                    // Too slow: its lease ran out and another worker took the task.
                    continue;
                }
                assert_eq!(status, StatusCode::OK, "{body}");
                completed
                    .lock()
                    .await
                    .push(t["task_id"].as_str().unwrap().to_string());
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let completed = completed.lock().await;
    let unique: HashSet<&String> = completed.iter().collect();
    assert_eq!(unique.len(), completed.len(), "a task was completed twice");
    assert_eq!(completed.len(), TASKS, "every task completed");
    let db = &app.state.db;
    let count = |s: &'static str| {
        task::Entity::find()
            .filter(task::Column::WorkspaceId.eq(ws))
            .filter(task::Column::Status.eq(s))
            .count(db)
    };
    assert_eq!(count("completed").await.unwrap(), TASKS as u64);
    assert_eq!(
        count("pending").await.unwrap() + count("in_progress").await.unwrap(),
        0
    );
    let reclaimed = task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(ws))
        .filter(task::Column::Claims.gte(2))
        .count(db)
        .await
        .unwrap();
    assert_eq!(
        reclaimed, 5,
        "the dead workers' tasks were claimed again, once each"
    );
    let ready = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(ws))
        .filter(account::Column::State.eq("ready"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(ready, TASKS as u64);
}
