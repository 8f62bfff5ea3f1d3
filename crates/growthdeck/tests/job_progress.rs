//! Live job progress through real HTTP: a job reporting with `platform::jobs::progress` is
//! seen on its workspace's event stream (`GET /api/v1/events`) as `job.progress` events and
//! a final `job.finished`; other workspaces see nothing of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use platform::{
    AppState,
    jobs::{self, Job, JobError, JobMeta, Registry, progress::Progress},
    testkit::{TestApp, spawn},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::{SseClient, signup};
use uuid::Uuid;

/// Counts to `steps`, one step every 250 ms (longer than the throttle interval, so every
/// update is sent), then finishes (or gives up when `fail`).
#[derive(Debug, Serialize, Deserialize)]
struct Counted {
    workspace_id: Uuid,
    steps: u64,
    fail: bool,
}

impl Job for Counted {
    const KIND: &'static str = "test.counted";
    const MAX_ATTEMPTS: i32 = 1;

    async fn run(self, state: AppState, meta: JobMeta) -> Result<(), JobError> {
        let mut progress = Progress::start(&state, self.workspace_id, meta.id, "Counting").await;
        for i in 1..=self.steps {
            tokio::time::sleep(Duration::from_millis(250)).await;
            progress.update(i, Some(self.steps)).await;
        }
        if self.fail {
            progress
                .finish(false, "Counting failed: out of numbers")
                .await;
            return Err(JobError::permanent("out of numbers"));
        }
        progress
            .finish(true, format!("Imported {} items", self.steps))
            .await;
        Ok(())
    }
}

fn registrar(registry: Registry) -> Registry {
    identity::jobs(registry).register::<Counted>()
}

async fn app() -> TestApp {
    spawn(
        vec![
            identity::feature().jobs(registrar),
            platform::feature::platform(),
        ],
        |_| {},
    )
    .await
}

async fn enqueue(app: &TestApp, job: &Counted) -> Uuid {
    // The enqueue's commit wakes the workers; nothing else to do.
    jobs::enqueue(&app.state.db, job).await.unwrap().unwrap()
}

#[tokio::test]
async fn progress_and_finish_reach_the_workspace_stream() {
    let app = app().await;
    let (ws, token) = signup(&app.base, "progress@example.com", "Progress Agency").await;
    let (other_ws, other_token) = signup(&app.base, "other@example.com", "Other Agency").await;
    assert_ne!(ws, other_ws);
    let mut sse = SseClient::connect(&app.base, &token).await;
    let mut other = SseClient::connect(&app.base, &other_token).await;

    let steps = 4;
    let job_id = enqueue(
        &app,
        &Counted {
            workspace_id: ws,
            steps,
            fail: false,
        },
    )
    .await;

    // job.progress: 0 (total unknown) at the start, then 1..=steps of steps.
    let mut seen = Vec::new();
    let finished = loop {
        let e = sse.expect(Duration::from_secs(10)).await;
        assert_eq!(e.data["topic"], json!({"scope": "workspace", "id": ws}));
        let d = &e.data["data"];
        assert_eq!(d["job_id"], json!(job_id), "{e:?}");
        assert_eq!(d["label"], json!("Counting"));
        match e.event.as_str() {
            "job.progress" => {
                let done = d["done"].as_u64().unwrap();
                if done == 0 {
                    assert!(d.get("total").is_none(), "total unknown at the start: {d}");
                    assert!(d.get("percent").is_none());
                } else {
                    assert_eq!(d["total"], json!(steps));
                    assert_eq!(d["percent"], json!(done * 100 / steps));
                }
                seen.push(done);
            }
            "job.finished" => break e,
            other => panic!("unexpected event {other}: {e:?}"),
        }
    };
    assert_eq!(
        seen,
        (0..=steps).collect::<Vec<_>>(),
        "every step, in order"
    );
    assert_eq!(
        finished.data["data"],
        json!({"job_id": job_id, "label": "Counting", "ok": true, "message": "Imported 4 items"})
    );
    assert!(sse.next(Duration::from_millis(300)).await.is_none());
    assert!(
        other.next(Duration::from_millis(100)).await.is_none(),
        "another workspace sees nothing of the job"
    );
}

#[tokio::test]
async fn a_job_that_gives_up_finishes_with_ok_false() {
    let app = app().await;
    let (ws, token) = signup(&app.base, "fails@example.com", "Failing Agency").await;
    let mut sse = SseClient::connect(&app.base, &token).await;
    let job_id = enqueue(
        &app,
        &Counted {
            workspace_id: ws,
            steps: 1,
            fail: true,
        },
    )
    .await;
    let mut kinds = Vec::new();
    let finished = loop {
        let e = sse.expect(Duration::from_secs(10)).await;
        if e.event == "job.finished" {
            break e;
        }
        kinds.push(e.event);
    };
    assert_eq!(kinds, ["job.progress", "job.progress"]);
    assert_eq!(
        finished.data["data"],
        json!({"job_id": job_id, "label": "Counting", "ok": false,
               "message": "Counting failed: out of numbers"})
    );
}
