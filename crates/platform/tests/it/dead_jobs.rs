//! A job that fails for good notifies the staff's `jobs` area once — whether its last attempt
//! failed in a worker or its worker vanished — except jobs that deliver notifications.

use std::time::Duration;

use platform::{
    jobs::{self, Enqueue, model, store},
    notify,
    testkit::{TestApp, spawn},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

async fn app() -> TestApp {
    let mount = vec![platform::Feature::new("test")];
    spawn(mount, |c| c.jobs_lease_secs = 1).await
}

async fn wait_state(app: &TestApp, id: Uuid, state: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let j = store::get(&app.state.db, id).await.unwrap().unwrap();
        if j.state == state {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job {id} is {}",
            j.state
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn deaths(app: &TestApp) -> Vec<notify::Notification> {
    notify::entity::Entity::find()
        .filter(notify::entity::Column::Kind.eq("job.dead"))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// A job of a kind no handler here knows: its attempt fails permanently.
async fn unknown(app: &TestApp, kind: &str, queue: &str, max_attempts: i32) -> Uuid {
    jobs::enqueue_raw(
        &app.state.db,
        kind,
        queue,
        serde_json::json!({}),
        max_attempts,
        &Enqueue::default(),
    )
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn a_dead_job_notifies_once_and_a_notification_job_does_not() {
    let app = app().await;
    let mut live = app.state.events.subscribe();
    let quiet = unknown(&app, "notify.test_digest", "default", 3).await;
    let loud = unknown(&app, "test.unknown", "default", 3).await;
    app.state.jobs.wake();
    wait_state(&app, quiet, model::DEAD).await;
    wait_state(&app, loud, model::DEAD).await;
    let found = deaths(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].audience, notify::audience::JOBS);
    assert_eq!(found[0].title, "Job failed for good: test.unknown");
    assert_eq!(
        found[0].body,
        "Attempt 1 of 3 failed on queue default; retry or discard it in the job queue."
    );
    let event = tokio::time::timeout(Duration::from_secs(5), live.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.kind, "notification");
    assert_eq!(event.data["id"], found[0].id.to_string());
    assert_eq!(event.data["audience"], "jobs");
}

#[tokio::test]
async fn a_job_whose_worker_vanished_on_its_last_attempt_notifies() {
    let app = app().await;
    let last = unknown(&app, "test.orphan", "ghosts", 1).await;
    let again = unknown(&app, "test.orphan_retried", "ghosts", 2).await;
    // A worker of another process claims both and dies without a word.
    let claimed = store::claim(
        &app.state.db,
        "ghosts",
        "ghost-1",
        2,
        platform::db::now() + chrono::Duration::milliseconds(200),
        true,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2);
    wait_state(&app, last, model::DEAD).await;
    wait_state(&app, again, model::AVAILABLE).await;
    let found = deaths(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].title, "Job failed for good: test.orphan");
}
