//! The audit workflow. Asking holds the price of pricing rule `audit` (refused with 402 when
//! the balance does not cover it, nothing stored) and queues [`crate::jobs::RunAudit`] in the
//! same transaction as the audit row; the job reads the subject's record, computes, stores the
//! report and captures the credits. An audit that fails (the subject was removed, or the last
//! attempt erred) is marked failed and its credits are released: a failed audit costs nothing.
//!
//! Audits are the workspace's own rows: every read goes through [`find_in`] (another
//! workspace's id is not found).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use instagram::service::{history, subject::Subject};
use platform::{AppState, Ctx, Error, Permission, Result, Scope, credits::Actor, db::begin_write};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, Order, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{
    METHOD_VERSION,
    compare::{Comparison, compare},
    compute,
    inputs::{Context, Labels},
    reference,
    report::Report,
};
use crate::model::{audit, comment_analysis, post_analysis};

/// The pricing rule an audit is charged under.
pub const ACTION: &str = "audit";
/// The range an audit may cover, in days.
pub const DAYS: std::ops::RangeInclusive<i64> = 7..=365;
pub const DEFAULT_DAYS: i64 = 90;

/// Holds the price and queues the audit of `subject` over its last `days` days.
pub async fn request(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    days: i64,
) -> Result<audit::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    if !DAYS.contains(&days) {
        return Err(Error::validation(
            "days",
            format!("A number of days from {} to {}", DAYS.start(), DAYS.end()),
        ));
    }
    let scope = Scope::of(ctx)?;
    let id = Uuid::now_v7();
    let actor = Actor::User(ctx.user_id());
    let held = state
        .credits
        .reserve(state, &scope, ACTION, &actor, Some(&format!("audit:{id}")))
        .await?;
    let stored = async {
        let txn = begin_write(&state.db).await?;
        let job_id = crate::jobs::RunAudit::enqueue(&txn, id, scope.workspace_id()).await?;
        let row = insert(
            &txn,
            Asked {
                id,
                scope: &scope,
                subject,
                days,
                reservation: Some((held.id, held.cost)),
                job_id,
                by: Some(ctx.user_id()),
            },
        )
        .await?;
        txn.commit().await?;
        Ok::<_, Error>(row)
    }
    .await;
    match stored {
        Ok(row) => {
            state.jobs.wake();
            Ok(row)
        }
        Err(e) => {
            if let Err(release) = state
                .credits
                .release(
                    state,
                    &scope,
                    held.id,
                    &actor,
                    "the audit could not be queued",
                )
                .await
            {
                tracing::error!(reservation = %held.id, error = %release, "releasing credits failed");
            }
            Err(e)
        }
    }
}

struct Asked<'a> {
    id: Uuid,
    scope: &'a Scope,
    subject: &'a Subject,
    days: i64,
    /// The credits held: (reservation, cost).
    reservation: Option<(Uuid, i64)>,
    job_id: Option<Uuid>,
    by: Option<Uuid>,
}

async fn insert(conn: &impl ConnectionTrait, a: Asked<'_>) -> Result<audit::Model> {
    let to = Utc::now().date_naive();
    Ok(audit::ActiveModel {
        id: Set(a.id),
        workspace_id: Set(a.scope.workspace_id()),
        subject_kind: Set(a.subject.kind().into()),
        subject_id: Set(a.subject.id()),
        profile_id: Set(a.subject.profile().id),
        username: Set(a.subject.profile().username.clone()),
        status: Set("queued".into()),
        progress: Set(0),
        from_day: Set(to - Duration::days(a.days - 1)),
        to_day: Set(to),
        overall_score: Set(None),
        result: Set(None),
        sources: Set(String::new()),
        method_version: Set(METHOD_VERSION),
        reservation_id: Set(a.reservation.map(|r| r.0)),
        job_id: Set(a.job_id),
        cost: Set(a.reservation.map(|r| r.1).unwrap_or(0)),
        error: Set(None),
        requested_by: Set(a.by),
        created_at: Set(platform::db::now()),
        started_at: Set(None),
        finished_at: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Audits `subject` now, in this task and free of charge: `growthdeck demo` shows what an
/// audit looks like on the demo accounts it creates (their data, and so the audit, is demo).
pub async fn audit_now_free(
    state: &AppState,
    scope: &Scope,
    subject: &Subject,
    days: i64,
) -> Result<audit::Model> {
    let id = Uuid::now_v7();
    insert(
        &state.db,
        Asked {
            id,
            scope,
            subject,
            days,
            reservation: None,
            job_id: None,
            by: None,
        },
    )
    .await?;
    execute(state, id, scope.workspace_id(), true, |_, _| {}).await?;
    audit::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)
}

/// An audit of the caller's workspace; another workspace's is not found.
pub async fn find_in(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<audit::Model> {
    ctx.require(Permission::WorkspaceRead)?;
    audit::Entity::find_by_id(id)
        .filter(audit::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)
}

/// The subject's audits, newest first.
pub async fn of_subject(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
) -> Result<Vec<audit::Model>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(audit::Entity::find()
        .filter(audit::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(audit::Column::SubjectId.eq(subject.id()))
        .order_by(audit::Column::CreatedAt, Order::Desc)
        .order_by(audit::Column::Id, Order::Desc)
        .all(&state.db)
        .await?)
}

/// The workspace's audits, newest first, a page at a time (`before`: the last id seen).
pub async fn of_workspace(
    state: &AppState,
    ctx: &Ctx,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<audit::Model>> {
    ctx.require(Permission::WorkspaceRead)?;
    let mut q = audit::Entity::find().filter(audit::Column::WorkspaceId.eq(ctx.workspace_id()?));
    if let Some(b) = before {
        // UUIDv7 ids grow with time: the page after `b` is the ids below it.
        q = q.filter(audit::Column::Id.lt(b));
    }
    Ok(q.order_by(audit::Column::Id, Order::Desc)
        .limit(limit)
        .all(&state.db)
        .await?)
}

/// Deletes a finished audit (one still running is refused: its job would write it back).
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(state, ctx, id).await?;
    if matches!(row.status.as_str(), "queued" | "running") {
        return Err(Error::Conflict(
            "This audit is still running; delete it when it has finished".into(),
        ));
    }
    audit::Entity::delete_by_id(row.id)
        .filter(audit::Column::WorkspaceId.eq(row.workspace_id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The newest finished audit of a subject (by its id in its list) in a workspace, with its
/// report: what the planner turns into tasks.
pub async fn latest_done(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    subject_id: Uuid,
) -> Result<Option<(audit::Model, Report)>> {
    let row = audit::Entity::find()
        .filter(audit::Column::WorkspaceId.eq(workspace_id))
        .filter(audit::Column::SubjectId.eq(subject_id))
        .filter(audit::Column::Status.eq("done"))
        .order_by(audit::Column::FinishedAt, Order::Desc)
        .order_by(audit::Column::Id, Order::Desc)
        .one(db)
        .await?;
    Ok(row.and_then(|r| report_of(&r).map(|rep| (r, rep))))
}

/// The other finished audits of the same account in the caller's workspace, newest first.
pub async fn siblings(state: &AppState, ctx: &Ctx, a: &audit::Model) -> Result<Vec<audit::Model>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(audit::Entity::find()
        .filter(audit::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(audit::Column::SubjectId.eq(a.subject_id))
        .filter(audit::Column::Id.ne(a.id))
        .filter(audit::Column::Status.eq("done"))
        .order_by(audit::Column::CreatedAt, Order::Desc)
        .all(&state.db)
        .await?)
}

/// Two finished audits of the same account, the earlier first, and how they differ.
pub async fn compare_pair(
    state: &AppState,
    ctx: &Ctx,
    a: Uuid,
    b: Uuid,
) -> Result<(audit::Model, audit::Model, Comparison)> {
    let x = find_in(state, ctx, a).await?;
    let y = find_in(state, ctx, b).await?;
    if x.subject_id != y.subject_id {
        return Err(Error::validation(
            "other",
            "Compare two audits of the same account",
        ));
    }
    let (before, after) = if x.created_at <= y.created_at {
        (x, y)
    } else {
        (y, x)
    };
    let (Some(rb), Some(ra)) = (report_of(&before), report_of(&after)) else {
        return Err(Error::Conflict("Both audits must have finished".into()));
    };
    let c = compare(&rb, &ra);
    Ok((before, after, c))
}

/// The stored report of a finished audit.
pub fn report_of(row: &audit::Model) -> Option<Report> {
    row.result
        .clone()
        .and_then(|v| serde_json::from_value::<Report>(v).ok())
}

/// What post analysis said of the profile's posts, and the languages its comments are in.
async fn labels(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
) -> Result<(HashMap<Uuid, Labels>, Vec<(String, i64)>)> {
    let rows: Vec<(Uuid, Option<String>, Option<String>)> = post_analysis::Entity::find()
        .select_only()
        .columns([
            post_analysis::Column::PostId,
            post_analysis::Column::Language,
            post_analysis::Column::Category,
        ])
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .into_tuple()
        .all(db)
        .await?;
    let labels = rows
        .into_iter()
        .map(|(id, language, category)| (id, Labels { language, category }))
        .collect();
    // Most first, ties by code; comments without a language are the "none" group.
    let audience = crate::service::summary::shares::<comment_analysis::Entity>(
        db,
        comment_analysis::Column::ProfileId,
        profile_id,
        comment_analysis::Column::Language,
    )
    .await?;
    Ok((
        labels,
        audience
            .into_iter()
            .filter(|s| s.key != "none")
            .map(|s| (s.key, s.posts))
            .collect(),
    ))
}

/// Reads the subject's record and computes its report over `from..=to` (the range's length
/// before `from` is read too: the account's own baseline).
pub async fn audit_subject(
    state: &AppState,
    subject: &Subject,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report> {
    audit_profile(&state.db, subject.profile(), subject.account_id(), from, to).await
}

/// [`audit_subject`] for a profile and, when it is the caller's own account, that account
/// (`bench audit` calls it on a seeded profile).
pub async fn audit_profile(
    db: &DatabaseConnection,
    profile: &instagram::model::profile::Model,
    account_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report> {
    let span = (to - from).num_days() + 1;
    let record = history::of_profile(db, profile, account_id, from - Duration::days(span)).await?;
    let benchmarks = reference::benchmarks(db).await?;
    let restricted = reference::restricted_map(db).await?;
    let (labels, audience) = labels(db, profile.id).await?;
    let now = Utc::now();
    // The computation is CPU work over every post: off the async executor.
    tokio::task::spawn_blocking(move || {
        compute(&Context {
            history: &record,
            from,
            to,
            benchmarks: &benchmarks,
            restricted: &restricted,
            labels: &labels,
            audience_languages: &audience,
            now,
        })
    })
    .await
    .map_err(|e| Error::internal(format!("the audit computation stopped: {e}")))
}

async fn set_progress(state: &AppState, id: Uuid, status: &str, progress: i32) -> Result<()> {
    audit::Entity::update_many()
        .col_expr(audit::Column::Status, Expr::value(status))
        .col_expr(audit::Column::Progress, Expr::value(progress))
        .col_expr(audit::Column::StartedAt, Expr::value(platform::db::now()))
        .filter(audit::Column::Id.eq(id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// What the job does; `last_attempt` says a failure is final (mark failed, release).
pub async fn execute(
    state: &AppState,
    audit_id: Uuid,
    workspace_id: Uuid,
    last_attempt: bool,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<Option<f64>> {
    let scope = Scope::for_job(workspace_id);
    let Some(row) = audit::Entity::find_by_id(audit_id)
        .filter(audit::Column::WorkspaceId.eq(workspace_id))
        .one(&state.db)
        .await?
    else {
        // Deleted with its workspace: nothing to do.
        return Ok(None);
    };
    if row.status == "done" {
        return Ok(row.overall_score);
    }
    set_progress(state, audit_id, "running", 10).await?;
    progress(1, 4);
    let outcome = async {
        let subject = Subject::in_scope(state, &scope, &row.subject_kind, row.subject_id).await?;
        progress(2, 4);
        let report = audit_subject(state, &subject, row.from_day, row.to_day).await?;
        progress(3, 4);
        Ok::<_, Error>((subject, report))
    }
    .await;
    let (subject, report) = match outcome {
        Ok(r) => r,
        Err(e) => {
            let is_final = last_attempt || matches!(e, Error::NotFound);
            if is_final {
                fail(state, &scope, &row, &e).await?;
            }
            return Err(e);
        }
    };
    if let Some(rid) = row.reservation_id {
        state
            .credits
            .capture(state, &scope, rid, &Actor::System)
            .await?;
    }
    let txn = state.db.begin().await?;
    let mut active = row.clone().into_active_model();
    active.status = Set("done".into());
    active.progress = Set(100);
    active.overall_score = Set(report.overall);
    active.sources = Set(report.inputs.sources.join(","));
    active.method_version = Set(report.inputs.method_version);
    active.finished_at = Set(Some(platform::db::now()));
    active.result = Set(Some(
        serde_json::to_value(&report).map_err(Error::internal)?,
    ));
    active.update(&txn).await?;
    // Today's planner tasks, if already generated, get the new recommendations in the same
    // transaction: whoever sees the audit done sees its tasks (added after the commit, a
    // client reading the tasks as soon as the audit was done could miss them).
    let key = crate::service::planner::SubjectKey::of(&scope, &subject);
    let offered = crate::service::planner::outside_suggestions(&txn, &key, &subject).await?;
    crate::service::planner::tasks::add_outside(&txn, &key, &offered).await?;
    txn.commit().await?;
    progress(4, 4);
    Ok(report.overall)
}

async fn fail(state: &AppState, scope: &Scope, row: &audit::Model, e: &Error) -> Result<()> {
    if let Some(rid) = row.reservation_id
        && let Err(release) = state
            .credits
            .release(state, scope, rid, &Actor::System, "the audit failed")
            .await
    {
        tracing::error!(reservation = %rid, error = %release, "releasing credits failed");
    }
    let reason = match e {
        Error::NotFound => "The account or profile was removed before the audit ran.".to_string(),
        _ => "The audit could not be completed; no credits were taken.".to_string(),
    };
    audit::Entity::update_many()
        .col_expr(audit::Column::Status, Expr::value("failed"))
        .col_expr(audit::Column::Cost, Expr::value(0i64))
        .col_expr(audit::Column::Error, Expr::value(reason))
        .col_expr(audit::Column::FinishedAt, Expr::value(platform::db::now()))
        .filter(audit::Column::Id.eq(row.id))
        .exec(&state.db)
        .await?;
    Ok(())
}
