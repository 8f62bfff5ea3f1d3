//! The fleet through the real router and database. One test binary; each concern a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analytics;
mod batch;
mod content;
mod import;
mod local_proxy;
mod pages;
mod personas;
mod proxies;
mod worker;

use fleet::model::{account, settings as settings_row};
use platform::{
    Config, Scope,
    testkit::{TestApp, spawn},
};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

pub async fn app() -> TestApp {
    app_with(|_| {}).await
}

/// The app with a change to its configuration (e.g. allowing proxy tests on loopback).
pub async fn app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn(
        vec![
            identity::feature(),
            admin::feature(),
            billing::feature(),
            fleet::feature(),
        ],
        configure,
    )
    .await
}

/// A customer (owner of a new workspace; the self-hosted plan includes the fleet): its API
/// token and workspace id.
pub async fn customer(app: &TestApp, email: &str, workspace: &str) -> (String, Uuid) {
    identity::testkit::customer(app, email, workspace).await
}

/// Saves settings with the given steps' days and retry rules.
pub async fn set_settings(
    app: &TestApp,
    ws: Uuid,
    steps: usize,
    max_retries: i32,
    lease_secs: i32,
) {
    let mut all = fleet::service::settings::default_steps();
    all.truncate(steps);
    for s in &mut all {
        s.days_after = 0;
    }
    settings_row::Entity::insert(settings_row::ActiveModel {
        workspace_id: Set(ws),
        steps: Set(serde_json::to_value(&all).unwrap()),
        max_retries: Set(max_retries),
        retry_backoff_secs: Set(0),
        lease_secs: Set(lease_secs),
        time_zone: Set("UTC".into()),
        proxy_check_url: Set("http://127.0.0.1:9/".into()),
        updated_at: Set(platform::db::now()),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

/// Inserts `n` accounts in `state` directly (passwords sealed), `prefix_0…`.
pub async fn accounts(app: &TestApp, ws: Uuid, prefix: &str, n: usize, state: &str) -> Vec<Uuid> {
    let sealed = fleet::service::accounts::seal(&app.state, "hunter2").unwrap();
    let now = platform::db::now();
    let mut ids = Vec::with_capacity(n);
    let rows: Vec<account::ActiveModel> = (0..n)
        .map(|i| {
            let id = Uuid::now_v7();
            ids.push(id);
            let username = format!("{prefix}_{i}");
            account::ActiveModel {
                id: Set(id),
                workspace_id: Set(ws),
                username: Set(username.clone()),
                username_lower: Set(username.to_lowercase()),
                password_enc: Set(sealed.clone()),
                email: Set(format!("{username}@example.com")),
                email_password_enc: Set(None),
                extra: Set(serde_json::json!({})),
                state: Set(state.into()),
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
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        account::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
    }
    ids
}

/// Queues warm-up step 1 for accounts (as an assignment would).
pub async fn queue(app: &TestApp, ws: Uuid, ids: &[Uuid]) {
    let scope = Scope::for_test(ws);
    let s = fleet::service::settings::get(&app.state.db, &scope)
        .await
        .unwrap();
    for chunk in ids.chunks(500) {
        let txn = platform::db::begin_write(&app.state.db).await.unwrap();
        for id in chunk {
            fleet::service::tasks::queue_warmup(&txn, &scope, *id, &s)
                .await
                .unwrap();
        }
        txn.commit().await.unwrap();
    }
}

/// A worker of the workspace: (id, token).
pub async fn worker(app: &TestApp, ws: Uuid, name: &str) -> (Uuid, String) {
    let (w, token) =
        fleet::service::workers::create_in(&app.state.db, &Scope::for_test(ws), name, None)
            .await
            .unwrap();
    (w.id, token)
}

/// Puts a workspace on a plan by its key (`"agency"` has no fleet).
pub async fn comp(app: &TestApp, workspace: Uuid, plan: &str) {
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(workspace),
        plan,
        "test",
    )
    .await
    .unwrap();
}

/// The owner behind `owner` invites `email` as `role` (`admin`, `member`, `viewer`); the
/// invitee accepts and gets an API token for the workspace.
pub async fn teammate(app: &TestApp, owner: &str, email: &str, role: &str) -> String {
    let res = app
        .api()
        .post(app.url("/api/v1/workspace/invitations"))
        .bearer_auth(owner)
        .json(&json!({ "email": email, "role": role }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "invitation of {email}");
    let mut link = None;
    for m in platform::mail::to_address(&app.state.db, email)
        .await
        .unwrap()
    {
        if let Some(start) = m.body_text.find("/invitations/") {
            let rest = &m.body_text[start + "/invitations/".len()..];
            link = Some(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            );
        }
    }
    let link = link.unwrap_or_else(|| panic!("no invitation mailed to {email}"));
    let res = app
        .browser()
        .post(app.url(&format!("/invitations/{link}/accept")))
        .form(&[
            ("name", "Teammate"),
            ("password", identity::testkit::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} joins");
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": identity::testkit::PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}
