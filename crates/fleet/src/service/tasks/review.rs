//! The review queue's actions on an account that needs a person: retry the failed step, skip
//! it, mark it done by hand, or reset the pipeline to step 1. Each is one transaction per
//! account; the bulk form runs them one account at a time and reports each outcome, so one
//! account that moved on meanwhile does not undo the others.

use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{advance, insert, status};
use crate::model::{account, task};
use crate::service::{
    access, accounts,
    lifecycle::{self, Actor, State},
    settings::{self, Settings, Step},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FleetReviewAction)]
pub enum Action {
    Retry,
    Skip,
    MarkDone,
    Reset,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "retry" => Some(Action::Retry),
            "skip" => Some(Action::Skip),
            "mark_done" => Some(Action::MarkDone),
            "reset" => Some(Action::Reset),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Retry => "Retry the step",
            Action::Skip => "Skip the step",
            Action::MarkDone => "Mark done by hand",
            Action::Reset => "Reset the pipeline",
        }
    }
}

/// Whether an account is waiting for a person.
pub fn needs_review(a: &account::Model) -> bool {
    a.state == State::HumanReview.as_str() || a.requires_human_review
}

/// The step the account is stuck on: its latest task.
async fn stuck_on(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    a: &account::Model,
) -> Result<task::Model> {
    super::of_account(conn, scope, a.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Conflict("This account has no step to act on.".into()))
}

fn step_of(t: &task::Model) -> Step {
    Step {
        name: t.step_name.clone(),
        label: t.step_label.clone(),
        image_kind: t.image_kind.clone(),
        text_kind: t.text_kind.clone(),
        days_after: 0,
    }
}

/// Back to warm-up (from review), clearing the review flag; a cleanup account only loses
/// its flag.
async fn resume(
    conn: &impl ConnectionTrait,
    a: &account::Model,
    actor: &Actor,
    why: &str,
) -> Result<()> {
    let clear = vec![
        (account::Column::RequiresHumanReview, Expr::value(false)),
        (account::Column::RetryCount, Expr::value(0)),
    ];
    if a.state == State::HumanReview.as_str() {
        lifecycle::transition(conn, a, State::WarmingUp, actor, why, clear).await
    } else {
        let mut q = account::Entity::update_many();
        for (c, v) in clear {
            q = q.col_expr(c, v);
        }
        q.filter(account::Column::Id.eq(a.id))
            .filter(account::Column::WorkspaceId.eq(a.workspace_id))
            .exec(conn)
            .await?;
        lifecycle::record(
            conn,
            a.workspace_id,
            Some(a.id),
            a.proxy_id,
            "step",
            (None, None),
            actor,
            why,
        )
        .await
    }
}

/// Runs one review action on one account.
pub async fn act(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    account_id: Uuid,
    action: Action,
    actor: &Actor,
) -> Result<account::Model> {
    let s: Settings = settings::get(db, scope).await?;
    let txn = platform::db::begin_write(db).await?;
    let a = accounts::find_in(&txn, scope, account_id).await?;
    let resettable = a.state == State::WarmingUp.as_str() && action == Action::Reset;
    if !needs_review(&a) && !resettable {
        return Err(Error::Conflict(format!(
            "@{} does not need review (it is {}).",
            a.username,
            State::label_of(&a.state).to_lowercase()
        )));
    }
    if a.state == State::Cleanup.as_str() && action == Action::Reset {
        return Err(Error::Conflict(
            "Cleanup has no pipeline to reset: retry, skip or mark the cleanup step done.".into(),
        ));
    }
    let t = stuck_on(&txn, scope, &a).await?;
    let now = platform::db::now();
    let operator_session = actor.id.map(|u| format!("operator:{u}"));
    match action {
        Action::Retry => {
            super::cancel_open(&txn, scope, a.id).await?;
            resume(
                &txn,
                &a,
                actor,
                &format!(
                    "Retry of step {}, {} requested",
                    t.step_number, t.step_label
                ),
            )
            .await?;
            insert(
                &txn,
                scope,
                a.id,
                &t.kind,
                t.step_number,
                &step_of(&t),
                now,
                0,
            )
            .await?;
        }
        Action::Skip | Action::MarkDone => {
            super::cancel_open(&txn, scope, a.id).await?;
            let (st, verb) = if action == Action::Skip {
                (status::SKIPPED, "skipped")
            } else {
                (status::COMPLETED, "marked done by hand")
            };
            resume(
                &txn,
                &a,
                actor,
                &format!("Step {}, {} {verb}", t.step_number, t.step_label),
            )
            .await?;
            let id = Uuid::now_v7();
            task::Entity::insert(task::ActiveModel {
                id: Set(id),
                workspace_id: Set(scope.workspace_id()),
                account_id: Set(a.id),
                kind: Set(t.kind.clone()),
                step_number: Set(t.step_number),
                step_name: Set(t.step_name.clone()),
                step_label: Set(t.step_label.clone()),
                image_kind: Set(t.image_kind.clone()),
                text_kind: Set(t.text_kind.clone()),
                status: Set(st.into()),
                due_at: Set(now),
                retry_count: Set(0),
                worker_id: Set(None),
                worker_session_id: Set(operator_session),
                lease_expires_at: Set(None),
                claims: Set(0),
                started_at: Set(Some(now)),
                completed_at: Set(Some(now)),
                content_used: Set(None),
                error_message: Set(None),
                error_details: Set(None),
                execution_time_ms: Set(None),
                instagram_response: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            let done = super::find_in(&txn, scope, id).await?;
            advance(&txn, scope, &done, &s, actor, verb).await?;
        }
        Action::Reset => {
            if a.state == State::HumanReview.as_str() {
                resume(&txn, &a, actor, "Warm-up reset to step 1").await?;
            } else {
                lifecycle::record(
                    &txn,
                    a.workspace_id,
                    Some(a.id),
                    a.proxy_id,
                    "step",
                    (None, None),
                    actor,
                    "Warm-up reset to step 1",
                )
                .await?;
            }
            super::queue_warmup(&txn, scope, a.id, &s).await?;
        }
    }
    let after = accounts::find_in(&txn, scope, a.id).await?;
    txn.commit().await?;
    Ok(after)
}

/// One account's outcome in a bulk action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetReviewOutcome)]
pub struct BulkOutcome {
    pub account_id: Uuid,
    pub ok: bool,
    /// The account's state afterwards, or why nothing was done.
    pub message: String,
}

/// Runs an action on many accounts of the caller's workspace (at most 500 at once).
pub async fn bulk(
    state: &AppState,
    ctx: &Ctx,
    ids: &[Uuid],
    action: Action,
) -> Result<Vec<BulkOutcome>> {
    let scope = access::write(state, ctx).await?;
    if ids.is_empty() || ids.len() > 500 {
        return Err(Error::validation(
            "account_ids",
            "Choose between 1 and 500 accounts",
        ));
    }
    let actor = Actor::user(ctx);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(match act(&state.db, &scope, *id, action, &actor).await {
            Ok(a) => BulkOutcome {
                account_id: *id,
                ok: true,
                message: State::label_of(&a.state).to_string(),
            },
            Err(Error::NotFound) => BulkOutcome {
                account_id: *id,
                ok: false,
                message: "Not found".into(),
            },
            Err(Error::Conflict(m)) => BulkOutcome {
                account_id: *id,
                ok: false,
                message: m,
            },
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}
