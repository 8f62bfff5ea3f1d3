//! Operations staff perform on the platform's machinery: the mail outbox (what was sent or
//! failed, and sending again) and the job queue (retry, discard). Each action is audited.

use platform::{
    AppState, Error, Result, audit,
    jobs::{model::job, store},
    mail::{self, OutboxFilter, OutboxMessage},
};
use uuid::Uuid;

use platform::staff::{Staff, StaffPermission};

pub async fn outbox(
    staff: &Staff,
    state: &AppState,
    filter: &OutboxFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<OutboxMessage>, Option<Uuid>)> {
    staff.require(StaffPermission::Outbox)?;
    mail::page(&state.db, filter, cursor, limit).await
}

/// Sends a failed (or stranded pending) message again.
pub async fn retry_mail(staff: &Staff, state: &AppState, id: Uuid) -> Result<OutboxMessage> {
    staff.require(StaffPermission::Outbox)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let msg = mail::retry(&txn, id).await?;
    audit::record(
        &txn,
        staff
            .audit("mail.retried")
            .target("mail", id)
            .detail(serde_json::json!({ "to": msg.to_addr, "subject": msg.subject })),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(msg)
}

pub async fn jobs(
    staff: &Staff,
    state: &AppState,
    filter: &store::JobFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<job::Model>, Option<Uuid>)> {
    staff.require(StaffPermission::Jobs)?;
    store::page(&state.db, filter, cursor, limit).await
}

pub async fn job(staff: &Staff, state: &AppState, id: Uuid) -> Result<job::Model> {
    staff.require(StaffPermission::Jobs)?;
    store::get(&state.db, id).await?.ok_or(Error::NotFound)
}

/// What an operator does to one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobAction {
    Retry,
    Discard,
}

/// Applies `action` to a job, records it in the activity log, and answers the job as it is now.
pub async fn act_on_job(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    action: JobAction,
) -> Result<job::Model> {
    staff.require(StaffPermission::Jobs)?;
    store::get(&state.db, id).await?.ok_or(Error::NotFound)?;
    let (done, refused, audit_action) = match action {
        JobAction::Retry => (
            store::retry(&state.db, id).await?,
            "Only dead or discarded jobs can be retried",
            "job.retried",
        ),
        JobAction::Discard => (
            store::discard(&state.db, id).await?,
            "Only available or dead jobs can be discarded",
            "job.discarded",
        ),
    };
    if !done {
        return Err(Error::Conflict(refused.into()));
    }
    audit::record(&state.db, staff.audit(audit_action).target("job", id)).await?;
    if action == JobAction::Retry {
        state.jobs.wake();
    }
    store::get(&state.db, id).await?.ok_or(Error::NotFound)
}
