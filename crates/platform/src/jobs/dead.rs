//! A job that fails for good tells the staff: its last failed attempt and a `jobs`
//! notification ("Job failed for good: mail.deliver", linking to the job queue) are written
//! in one transaction, so the bell shows a death exactly when the job is dead; the live event
//! follows the commit.
//!
//! Not every death is news. A job that delivers notifications (a kind under
//! [`notify::JOB_KIND_PREFIX`]) would report about itself, so it dies quietly (it is still in
//! the job queue as `dead`). A job an operator discarded never dies: it stops in `discarded`.
//! The notification names the kind and the attempt only — never the payload or the error
//! text, which may hold addresses, message bodies or provider answers.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{model::job, store};
use crate::{
    error::Result,
    events::Event,
    notify::{self, Notice},
};

/// Whether staff hear about this kind of job dying.
pub fn announced(kind: &str) -> bool {
    !kind.starts_with(notify::JOB_KIND_PREFIX)
}

fn notice(j: &job::Model) -> Notice {
    Notice {
        kind: "job.dead",
        audience: notify::audience::JOBS,
        title: format!("Job failed for good: {}", j.kind),
        body: format!(
            "Attempt {} of {} failed on queue {}; retry or discard it in the job queue.",
            j.attempt, j.max_attempts, j.queue
        ),
        link: Some("/admin/jobs".into()),
    }
}

/// Records a failed attempt like [`store::fail`]; when it was the last (`retry_at` is `None`,
/// the job becomes `dead`) the notification goes in the same transaction. Returns whether
/// the outcome was recorded, and the event to publish after the commit.
pub(crate) async fn fail(
    db: &DatabaseConnection,
    current: &job::Model,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(bool, Option<Event>)> {
    if retry_at.is_some() || !announced(&current.kind) {
        return Ok((
            store::fail(db, current, worker, error, retry_at).await?,
            None,
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    // Guarded like every outcome: a worker whose lease was taken over records nothing, and
    // then announces nothing either.
    if !store::fail(&txn, current, worker, error, None).await? {
        txn.rollback().await?;
        return Ok((false, None));
    }
    let event = notify::record(&txn, notice(current)).await?;
    txn.commit().await?;
    Ok((true, Some(event)))
}

/// Publishes a death recorded by [`fail`].
pub(crate) async fn publish(events: &crate::events::Events, event: Option<Event>) {
    if let Some(event) = event {
        notify::publish(events, event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_jobs_die_quietly() {
        assert!(announced("mail.deliver"));
        assert!(announced("platform.noop"));
        assert!(!announced("notify.staff_mail"));
    }
}
