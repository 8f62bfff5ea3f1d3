//! Workers' claims and completions, combined: those of one workspace that arrive while a
//! transaction is under way wait for it, and the next one serves all of them at once.
//!
//! Why: with fifty workers a claim and its completion are two short write transactions each,
//! and each statement is a round trip to the database (on SQLite a hand-over to its thread).
//! Written one by one they queue for the write lock; combined, a batch of many claims costs
//! the same dozen statements and one commit as a single claim ([`super::claim_in`],
//! [`super::complete_in`] are set-based).
//!
//! How (flat combining, no background task): a request puts its operation in the workspace's
//! queue and waits for one of the workspace's turns ([`turns`]). Whoever gets a turn takes
//! what is queued (its own operation, unless another batch already took it) and runs it as
//! one batch in a spawned task that keeps the turn until every answer is sent — so a caller
//! that goes away (a dropped connection) cannot cut a batch short for the others.
//!
//! Invariants: every queued operation is answered exactly once; a batch that fails as a whole
//! (a database error) is retried one operation at a time, each in its own transaction, so one
//! bad operation cannot fail the others and each gets its own answer.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, LazyLock, Mutex},
};

use platform::{Error, Result, Scope};
use sea_orm::DbBackend;
use tokio::sync::{Semaphore, oneshot};
use uuid::Uuid;

use super::{Claimant, Claimed, Completion, Outcome};
use crate::service::settings;

/// At most this many operations in one transaction: bounds a statement's parameters (each
/// claim or completion adds a handful) and the wait of the last in line.
pub const MAX_BATCH: usize = 64;

enum Op {
    Claim {
        claimant: Claimant,
        reply: oneshot::Sender<Result<Option<Claimed>>>,
    },
    Complete {
        asked: Completion,
        reply: oneshot::Sender<Result<Outcome>>,
    },
}

struct Combiner {
    queue: Mutex<VecDeque<Op>>,
    turns: Arc<Semaphore>,
}

/// Batches of one workspace under way at once: one on SQLite (it has one writer anyway), a
/// few on PostgreSQL, where batches overlap their round trips and commits (`SKIP LOCKED`
/// keeps their claims apart; their completions are conditional updates).
fn turns(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 4,
        _ => 1,
    }
}

/// The workspace's combiner (one per workspace in this process; workspaces are few and a
/// combiner is a queue and a semaphore, so they are kept).
fn combiner(workspace_id: Uuid, backend: DbBackend) -> Arc<Combiner> {
    static ALL: LazyLock<Mutex<HashMap<Uuid, Arc<Combiner>>>> = LazyLock::new(Default::default);
    let mut all = ALL.lock().unwrap_or_else(|p| p.into_inner());
    all.entry(workspace_id)
        .or_insert_with(|| {
            Arc::new(Combiner {
                queue: Mutex::new(VecDeque::new()),
                turns: Arc::new(Semaphore::new(turns(backend))),
            })
        })
        .clone()
}

/// A worker's claim, served in the next batch.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    claimant: Claimant,
) -> Result<Option<Claimed>> {
    let (reply, answer) = oneshot::channel();
    submit(db, scope, Op::Claim { claimant, reply }, answer).await
}

/// A worker's completion, served in the next batch.
pub(crate) async fn complete(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    asked: Completion,
) -> Result<Outcome> {
    let (reply, answer) = oneshot::channel();
    submit(db, scope, Op::Complete { asked, reply }, answer).await
}

async fn submit<T>(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    op: Op,
    mut answer: oneshot::Receiver<Result<T>>,
) -> Result<T> {
    let c = combiner(scope.workspace_id(), db.get_database_backend());
    c.queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push_back(op);
    loop {
        // The answer may come from another's batch while we wait for a turn: take it at once,
        // rather than queue behind the running batches for a turn only to find it there.
        let turn = tokio::select! {
            biased;
            a = &mut answer => {
                return a.map_err(|_| Error::internal("a fleet batch ended without answering"))?;
            }
            turn = c.turns.clone().acquire_owned() => {
                turn.map_err(|_| Error::internal("the fleet batch turns were closed"))?
            }
        };
        // Served by the batch before ours?
        match answer.try_recv() {
            Ok(a) => return a,
            Err(oneshot::error::TryRecvError::Closed) => {
                return Err(Error::internal("a fleet batch ended without answering"));
            }
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        let ops: Vec<Op> = {
            let mut q = c.queue.lock().unwrap_or_else(|p| p.into_inner());
            let n = q.len().min(MAX_BATCH);
            q.drain(..n).collect()
        };
        if ops.is_empty() {
            // Taken by another batch (finished, or under way beside us): its answer comes.
            drop(turn);
            return answer
                .await
                .map_err(|_| Error::internal("a fleet batch ended without answering"))?;
        }
        let db = db.clone();
        let scope = *scope;
        // Spawned, so a caller that goes away cannot cut the batch short for the others. A
        // thread of its own (`spawn_blocking` + `block_on`) was tried so each statement's
        // answer would resume the batch at once: on a machine where a thread hand-over is a
        // slow system call it cost 7–16 % of the claims (docs/fleet.md, Performance).
        let batch = tokio::spawn(async move {
            let _turn = turn;
            run(&db, &scope, ops).await;
        });
        // A panic in the batch drops its answers: those callers see it as an error.
        let _ = batch.await;
    }
}

/// Completions and claims of one workspace in one write transaction (completions first): one
/// answer per completion and one task (or none) per claimant, in order. An `Err` is a
/// failure of the whole transaction (nothing was written).
pub async fn together(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    completions: &[Completion],
    claimants: &[Claimant],
) -> Result<(Vec<Result<Outcome>>, Vec<Option<Claimed>>)> {
    let settings = settings::cached(db, scope).await?;
    let _turn = super::write_turn(db).await;
    let txn = platform::db::begin_write(db).await?;
    // The completions' and the claims' timeline rows go in with one statement.
    let mut timeline = crate::service::lifecycle::Timeline::default();
    let ended = super::complete_in(&txn, scope, &settings, completions, &mut timeline).await?;
    // A batch of completions alone chooses no tasks (a statement saved).
    let claimed = if claimants.is_empty() {
        Vec::new()
    } else {
        super::claim_in(&txn, scope, &settings, None, claimants, &mut timeline).await?
    };
    timeline.write(&txn).await?;
    txn.commit().await?;
    Ok((ended, claimed))
}

/// Runs one batch and answers every operation in it.
async fn run(db: &sea_orm::DatabaseConnection, scope: &Scope, ops: Vec<Op>) {
    let mut claims = Vec::new();
    let mut completions = Vec::new();
    for op in ops {
        match op {
            Op::Claim { claimant, reply } => claims.push((claimant, reply)),
            Op::Complete { asked, reply } => completions.push((asked, reply)),
        }
    }
    let asked: Vec<Completion> = completions.iter().map(|(a, _)| a.clone()).collect();
    let claimants: Vec<Claimant> = claims.iter().map(|(c, _)| c.clone()).collect();
    let together = together(db, scope, &asked, &claimants).await;
    match together {
        Ok((ended, claimed)) => {
            for ((_, reply), answer) in completions.into_iter().zip(ended) {
                let _ = reply.send(answer);
            }
            for ((_, reply), answer) in claims.into_iter().zip(claimed) {
                let _ = reply.send(Ok(answer));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "a fleet batch failed; running its operations one by one");
            for (asked, reply) in completions {
                let _ = reply.send(super::complete_alone(db, scope, asked).await);
            }
            for (claimant, reply) in claims {
                let _ = reply.send(super::claim_alone(db, scope, None, &claimant).await);
            }
        }
    }
}
