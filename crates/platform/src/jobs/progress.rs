//! Live progress of a background job, shown to the members of the workspace it works for.
//!
//! A job that takes a while creates a [`Progress`] for its workspace, reports how far it got
//! with [`Progress::update`] and ends with [`Progress::finish`]. Each call publishes a live
//! event to [`Topic::Workspace`] (see [`crate::events`]), streamed to open pages by
//! `GET /api/v1/events`:
//!
//! - `job.progress` — [`JobProgress`] `{job_id, label, done, total, percent}`; `total` and
//!   `percent` are absent while the total is unknown.
//! - `job.finished` — [`JobFinished`] `{job_id, label, ok, message}`; the page shell shows it
//!   as a toast (`message`; success when `ok`, else error).
//!
//! ```no_run
//! use platform::{AppState, jobs::{Job, JobError, JobMeta, progress::Progress}};
//! use serde::{Deserialize, Serialize};
//! use uuid::Uuid;
//!
//! #[derive(Serialize, Deserialize)]
//! struct ImportContacts { workspace_id: Uuid, rows: Vec<String> }
//!
//! impl Job for ImportContacts {
//!     const KIND: &'static str = "contacts.import";
//!
//!     async fn run(self, state: AppState, meta: JobMeta) -> Result<(), JobError> {
//!         let total = self.rows.len() as u64;
//!         let mut progress =
//!             Progress::start(&state, self.workspace_id, meta.id, "Importing contacts").await;
//!         for (i, _row) in self.rows.iter().enumerate() {
//!             // … insert the row and commit …
//!             progress.update(i as u64 + 1, Some(total)).await;
//!         }
//!         // After the last commit: pages reload what they show when this arrives.
//!         progress.finish(true, format!("Imported {total} contacts")).await;
//!         Ok(())
//!     }
//! }
//! ```
//!
//! Rules:
//!
//! - **Publish after commit.** Events go out at once, not when a transaction commits: call
//!   `update` after the work it reports is committed, and `finish` only after the job's final
//!   commit — a page that reloads on `job.finished` must find the results. (The job's own row
//!   is marked completed a moment later, after `run` returns; pages should not wait for it.)
//! - **Throttled.** At most one `job.progress` per [`MIN_INTERVAL`] (200 ms); an update within
//!   the interval is kept, not lost: the latest kept value is sent by the next update after
//!   the interval, by [`Progress::flush`], or before `job.finished`. An update with
//!   `done >= total` is always sent at once, so the final state is never skipped.
//! - **Best effort.** A publishing failure (e.g. the cross-node transport is down) is logged;
//!   it never fails the job. Live updates are not a log: a page opened later sees nothing of
//!   earlier events, so a page showing a job's progress should render its current state
//!   itself (the `job_progress` macro in `macros.html` starts indeterminate).
//! - **Failures and retries.** On a retryable error just return it: the next attempt starts a
//!   new `Progress` (same job id, counting from 0 again). Call `finish(false, …)` when the job
//!   gives up (a permanent error, or the last attempt: `meta.attempt >= meta.max_attempts`),
//!   so that the page learns of it.
//! - Keep `label` and `message` short (they travel in every event and appear in toasts).
//!
//! On pages, `{{ m::job_progress(job_id, "Importing contacts") }}` (from `macros.html`)
//! renders a labelled `<progress data-job-id="…">` and a text line that `app.js` keeps up to
//! date from these events.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    events::{Event, Events, LiveEvent, Topic},
    state::AppState,
};

/// The least time between two `job.progress` events of one [`Progress`].
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// The `job.progress` event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub job_id: Uuid,
    pub label: String,
    /// Units of work done so far.
    pub done: u64,
    /// Units of work in all, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// `done` in percent of `total` (0–100, rounded down), when the total is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
}

impl LiveEvent for JobProgress {
    const KIND: &'static str = "job.progress";
}

/// The `job.finished` event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFinished {
    pub job_id: Uuid,
    pub label: String,
    /// `false` when the job gave up.
    pub ok: bool,
    /// Shown to the user, e.g. "Imported 400 contacts".
    pub message: String,
}

impl LiveEvent for JobFinished {
    const KIND: &'static str = "job.finished";
}

/// `done` in percent of `total`, rounded down, at most 100 (an empty total is complete).
pub fn percent(done: u64, total: u64) -> u8 {
    if total == 0 {
        return 100;
    }
    let p = (u128::from(done.min(total)) * 100) / u128::from(total);
    u8::try_from(p).unwrap_or(100)
}

/// Reports one job's progress to its workspace; see the [module documentation](self).
pub struct Progress {
    events: Events,
    topic: Topic,
    job_id: Uuid,
    label: String,
    /// When the last `job.progress` went out.
    last_sent: Option<Instant>,
    /// The latest update not sent yet (throttled): (done, total).
    pending: Option<(u64, Option<u64>)>,
}

impl Progress {
    /// Starts reporting: publishes `job.progress` with `done` 0 (total unknown) to the members
    /// of `workspace_id`. `job_id` is the running job's id (`JobMeta::id`), the one the page
    /// got from `enqueue`.
    pub async fn start(
        state: &AppState,
        workspace_id: Uuid,
        job_id: Uuid,
        label: impl Into<String>,
    ) -> Progress {
        Self::start_on(&state.events, workspace_id, job_id, label).await
    }

    /// [`Progress::start`] with only the event bus.
    pub async fn start_on(
        events: &Events,
        workspace_id: Uuid,
        job_id: Uuid,
        label: impl Into<String>,
    ) -> Progress {
        let mut progress = Progress {
            events: events.clone(),
            topic: Topic::Workspace(workspace_id),
            job_id,
            label: label.into(),
            last_sent: None,
            pending: None,
        };
        progress.send_progress(0, None, Instant::now()).await;
        progress
    }

    pub fn job_id(&self) -> Uuid {
        self.job_id
    }

    /// Reports `done` units of work of `total` (`None`: not known yet). Sent at once unless
    /// the last `job.progress` went out less than [`MIN_INTERVAL`] ago; then kept, and sent
    /// later (see the module documentation). `done >= total` is always sent at once.
    pub async fn update(&mut self, done: u64, total: Option<u64>) {
        self.update_at(done, total, Instant::now()).await;
    }

    async fn update_at(&mut self, done: u64, total: Option<u64>, now: Instant) {
        let complete = total.is_some_and(|t| done >= t);
        let due = self
            .last_sent
            .is_none_or(|last| now.saturating_duration_since(last) >= MIN_INTERVAL);
        if complete || due {
            self.send_progress(done, total, now).await;
        } else {
            self.pending = Some((done, total));
        }
    }

    /// Sends the update kept back by the throttle, if any.
    pub async fn flush(&mut self) {
        if let Some((done, total)) = self.pending {
            self.send_progress(done, total, Instant::now()).await;
        }
    }

    /// Ends reporting: sends the update kept back by the throttle, if any, then `job.finished`
    /// with `ok` (`false`: the job gave up) and `message` (shown as a toast). Call after the
    /// job's final commit.
    pub async fn finish(mut self, ok: bool, message: impl Into<String>) {
        self.flush().await;
        let finished = JobFinished {
            job_id: self.job_id,
            label: std::mem::take(&mut self.label),
            ok,
            message: message.into(),
        };
        self.publish(&finished).await;
    }

    async fn send_progress(&mut self, done: u64, total: Option<u64>, now: Instant) {
        self.pending = None;
        self.last_sent = Some(now);
        let progress = JobProgress {
            job_id: self.job_id,
            label: self.label.clone(),
            done,
            total,
            percent: total.map(|t| percent(done, t)),
        };
        self.publish(&progress).await;
    }

    async fn publish<T: LiveEvent>(&self, payload: &T) {
        let result = match Event::typed(self.topic, payload) {
            Ok(event) => self.events.publish(event).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(job_id = %self.job_id, kind = T::KIND, error = %e,
                "job progress: live event not published");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use tokio::sync::broadcast::{Receiver, error::TryRecvError};

    use super::*;

    fn drain(rx: &mut Receiver<Event>) -> Vec<Event> {
        let mut out = Vec::new();
        loop {
            match rx.try_recv() {
                Ok(e) => out.push(e),
                Err(TryRecvError::Empty) => return out,
                Err(e) => panic!("{e}"),
            }
        }
    }

    fn progress_of(e: &Event) -> JobProgress {
        assert_eq!(e.kind, "job.progress");
        serde_json::from_value(e.data.clone()).unwrap()
    }

    #[tokio::test]
    async fn rapid_updates_collapse_and_the_final_one_is_sent() {
        let events = Events::local();
        let mut rx = events.subscribe();
        let (ws, job) = (Uuid::now_v7(), Uuid::now_v7());
        let mut p = Progress::start_on(&events, ws, job, "Import").await;
        let t0 = p.last_sent.unwrap();

        let started = drain(&mut rx);
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].topic, Topic::Workspace(ws));
        assert_eq!(
            progress_of(&started[0]),
            JobProgress {
                job_id: job,
                label: "Import".into(),
                done: 0,
                total: None,
                percent: None,
            }
        );

        // 99 updates within the interval: none goes out, the latest is kept.
        for i in 1..100 {
            p.update_at(i, Some(100), t0 + Duration::from_millis(i))
                .await;
        }
        assert!(drain(&mut rx).is_empty());
        assert_eq!(p.pending, Some((99, Some(100))));

        // Once the interval has passed, the next update goes out (with its own value).
        p.update_at(99, Some(100), t0 + MIN_INTERVAL).await;
        let sent = drain(&mut rx);
        assert_eq!(sent.len(), 1);
        let p99 = progress_of(&sent[0]);
        assert_eq!(
            (p99.done, p99.total, p99.percent),
            (99, Some(100), Some(99))
        );
        assert_eq!(p.pending, None);

        // done == total is sent even right after another event.
        p.update_at(100, Some(100), t0 + MIN_INTERVAL + Duration::from_millis(1))
            .await;
        let sent = drain(&mut rx);
        assert_eq!(sent.len(), 1);
        let last = progress_of(&sent[0]);
        assert_eq!((last.done, last.percent), (100, Some(100)));

        p.finish(true, "Imported 100 items").await;
        let sent = drain(&mut rx);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].kind, "job.finished");
        let finished: JobFinished = serde_json::from_value(sent[0].data.clone()).unwrap();
        assert_eq!(
            finished,
            JobFinished {
                job_id: job,
                label: "Import".into(),
                ok: true,
                message: "Imported 100 items".into(),
            }
        );
    }

    #[tokio::test]
    async fn a_kept_update_is_sent_before_finished() {
        let events = Events::local();
        let mut rx = events.subscribe();
        let mut p = Progress::start_on(&events, Uuid::now_v7(), Uuid::now_v7(), "Sync").await;
        let t0 = p.last_sent.unwrap();
        for i in 1..=5 {
            p.update_at(i * 10, None, t0 + Duration::from_millis(i))
                .await;
        }
        assert_eq!(drain(&mut rx).len(), 1, "only the start");
        p.finish(false, "Sync failed: quota exceeded").await;
        let sent = drain(&mut rx);
        assert_eq!(sent.len(), 2);
        let kept = progress_of(&sent[0]);
        assert_eq!((kept.done, kept.total, kept.percent), (50, None, None));
        assert_eq!(sent[1].kind, "job.finished");
        assert_eq!(sent[1].data["ok"], serde_json::json!(false));
        assert_eq!(
            sent[1].data["message"],
            serde_json::json!("Sync failed: quota exceeded")
        );
        // Unknown totals are left out of the JSON.
        assert!(sent[0].data.get("total").is_none());
        assert!(sent[0].data.get("percent").is_none());
    }

    #[test]
    fn percent_is_rounded_down_and_bounded() {
        assert_eq!(percent(120, 400), 30);
        assert_eq!(percent(399, 400), 99);
        assert_eq!(percent(500, 400), 100);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(u64::MAX - 1, u64::MAX), 99);
    }

    #[test]
    fn macro_renders_a_labelled_bar_and_its_text() {
        use askama::Template;

        #[derive(Template)]
        #[template(
            source = r#"{% import "macros.html" as m %}{{ m::job_progress(id, "Importing <contacts>") }}"#,
            ext = "html"
        )]
        struct Page {
            id: Uuid,
        }

        let id = Uuid::now_v7();
        let html = Page { id }.render().unwrap();
        assert!(html.contains(&format!(
            r#"<progress id="job-progress-{id}" data-job-id="{id}""#
        )));
        assert!(html.contains(&format!(r#"<label for="job-progress-{id}">"#)));
        assert!(html.contains(&format!(r#"data-job-progress-text="{id}""#)));
        assert!(html.contains("Importing &#60;contacts&#62;"), "{html}");
    }
}
