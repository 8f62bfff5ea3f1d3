//! What the persona pages show: the grid's cards (a persona's accounts by state, the proxies
//! they use, recent timeline rows) and the five views of accounts around a persona, each with
//! the figures its rows show (proxy, last worker, finished steps, newest task).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use uuid::Uuid;

use super::{LIST_MAX, PERSONAS_MAX, RECENT, find_in};
use crate::model::{account, event, persona, proxy, task, worker};
use crate::service::{
    access,
    lifecycle::State,
    settings::{self, Step},
};

/// The locations of the workspace's proxies (as first written, one per case-insensitive
/// value), for the location filters.
pub async fn proxy_locations(state: &AppState, ctx: &Ctx) -> Result<Vec<String>> {
    let scope = access::read(state, ctx).await?;
    let all: Vec<String> = proxy::Entity::find()
        .select_only()
        .column(proxy::Column::Location)
        .distinct()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::Location.ne(""))
        .order_by_asc(proxy::Column::Location)
        .limit(1_000)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut seen = HashSet::new();
    Ok(all
        .into_iter()
        .filter(|l| seen.insert(l.to_lowercase()))
        .collect())
}

// ---- the grid of cards ----------------------------------------------------------------------

/// A persona card: its accounts by state, the proxies they use, recent activity.
#[derive(Debug, Clone)]
pub struct Card {
    pub persona: persona::Model,
    /// States with at least one account, in lifecycle order.
    pub by_state: Vec<(State, i64)>,
    pub accounts: i64,
    /// Distinct proxies its accounts use.
    pub proxies: i64,
    /// The latest timeline rows of its accounts, newest first.
    pub recent: Vec<event::Model>,
}

/// The workspace's personas with their figures, by name.
pub async fn cards(state: &AppState, ctx: &Ctx) -> Result<Vec<Card>> {
    let scope = access::read(state, ctx).await?;
    let personas = persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(persona::Column::NameLower)
        .order_by_asc(persona::Column::Id)
        .limit(PERSONAS_MAX)
        .all(&state.db)
        .await?;
    cards_of(&state.db, &scope, personas).await
}

/// One persona with its figures.
pub async fn card(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Card> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    cards_of(&state.db, &scope, vec![p])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn cards_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    personas: Vec<persona::Model>,
) -> Result<Vec<Card>> {
    let only: Option<Uuid> = match personas.as_slice() {
        [one] => Some(one.id),
        _ => None,
    };
    let mine = |q: sea_orm::Select<account::Entity>| match only {
        Some(id) => q.filter(account::Column::PersonaId.eq(id)),
        None => q.filter(account::Column::PersonaId.is_not_null()),
    };
    let counts: Vec<(Option<Uuid>, String, i64)> =
        mine(account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id())))
            .select_only()
            .column(account::Column::PersonaId)
            .column(account::Column::State)
            .column_as(Expr::col(account::Column::Id).count(), "n")
            .group_by(account::Column::PersonaId)
            .group_by(account::Column::State)
            .into_tuple()
            .all(conn)
            .await?;
    let proxies: Vec<(Option<Uuid>, i64)> =
        mine(account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id())))
            .select_only()
            .column(account::Column::PersonaId)
            .column_as(
                Expr::expr(Func::count_distinct(Expr::col(account::Column::ProxyId))),
                "n",
            )
            .group_by(account::Column::PersonaId)
            .into_tuple()
            .all(conn)
            .await?;
    let mut out = Vec::with_capacity(personas.len());
    for p in personas {
        let mine: HashMap<&str, i64> = counts
            .iter()
            .filter(|(pid, _, _)| *pid == Some(p.id))
            .map(|(_, s, n)| (s.as_str(), *n))
            .collect();
        let by_state: Vec<(State, i64)> = State::ALL
            .into_iter()
            .filter_map(|s| mine.get(s.as_str()).map(|n| (s, *n)))
            .collect();
        let recent = event::Entity::find()
            .filter(event::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(
                event::Column::AccountId.in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .and_where(account::Column::WorkspaceId.eq(scope.workspace_id()))
                        .and_where(account::Column::PersonaId.eq(p.id))
                        .to_owned(),
                ),
            )
            .order_by_desc(event::Column::At)
            .order_by_desc(event::Column::Id)
            .limit(RECENT)
            .all(conn)
            .await?;
        out.push(Card {
            accounts: by_state.iter().map(|(_, n)| n).sum(),
            by_state,
            proxies: proxies
                .iter()
                .find(|(pid, _)| *pid == Some(p.id))
                .map(|(_, n)| *n)
                .unwrap_or(0),
            recent,
            persona: p,
        });
    }
    Ok(out)
}

// ---- the views of a persona's accounts ------------------------------------------------------

/// The ways the persona page looks at accounts (`?view=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The persona's accounts.
    Overview,
    /// Ready accounts without a persona, to assign.
    Available,
    /// Accounts warming up (or in review) in the persona's location, by step.
    Pipeline,
    /// The proxies its accounts use, and free ones in its location.
    Proxies,
    /// Its accounts and unassigned ones that need a person.
    Attention,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Overview,
        View::Available,
        View::Pipeline,
        View::Proxies,
        View::Attention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Available => "available",
            View::Pipeline => "pipeline",
            View::Proxies => "proxies",
            View::Attention => "attention",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Overview => "Accounts",
            View::Available => "Available",
            View::Pipeline => "Warm-up pipeline",
            View::Proxies => "Proxies",
            View::Attention => "Needs attention",
        }
    }
}

/// The last task of an account, in brief.
#[derive(Debug, Clone)]
pub struct LastTask {
    pub step_label: String,
    /// `pending`, `in_progress`, `completed`, `failed`, `requires_review`, `cancelled`.
    pub status: String,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl LastTask {
    pub fn failed(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "requires_review")
    }
}

/// An account as the views show it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account: account::Model,
    /// The label of its current warm-up step, if it is in warm-up.
    pub step_label: Option<String>,
    pub steps_total: usize,
    pub proxy: Option<proxy::Model>,
    /// The name of the worker that acted on it last.
    pub worker_name: Option<String>,
    pub tasks_completed: i64,
    pub tasks_failed: i64,
    pub last_task: Option<LastTask>,
    /// Why it needs attention (the attention view).
    pub reasons: Vec<&'static str>,
}

impl AccountRow {
    /// Completed among finished (completed or failed) tasks, in percent; `None` before any.
    pub fn success_rate(&self) -> Option<f64> {
        let finished = self.tasks_completed + self.tasks_failed;
        (finished > 0).then(|| 100.0 * self.tasks_completed as f64 / finished as f64)
    }
}

/// An account's newest task as read: account, step label, status, error, time.
type LatestRow = (Uuid, String, String, Option<String>, DateTime<Utc>);

/// Loads what the rows show beside the accounts: proxies, workers, task figures.
async fn rows(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    accounts: Vec<account::Model>,
    steps: &[Step],
) -> Result<Vec<AccountRow>> {
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
    let proxy_ids: HashSet<Uuid> = accounts.iter().filter_map(|a| a.proxy_id).collect();
    let worker_ids: HashSet<Uuid> = accounts.iter().filter_map(|a| a.last_worker_id).collect();
    let mut proxies: HashMap<Uuid, proxy::Model> = HashMap::new();
    let proxy_ids: Vec<Uuid> = proxy_ids.into_iter().collect();
    for chunk in proxy_ids.chunks(500) {
        for p in proxy::Entity::find()
            .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(proxy::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            proxies.insert(p.id, p);
        }
    }
    let mut workers: HashMap<Uuid, String> = HashMap::new();
    let worker_ids: Vec<Uuid> = worker_ids.into_iter().collect();
    for chunk in worker_ids.chunks(500) {
        let named: Vec<(Uuid, String)> = worker::Entity::find()
            .select_only()
            .column(worker::Column::Id)
            .column(worker::Column::Name)
            .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(worker::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        workers.extend(named);
    }
    let mut figures: HashMap<(Uuid, String), i64> = HashMap::new();
    let mut last: HashMap<Uuid, LastTask> = HashMap::new();
    for chunk in ids.chunks(500) {
        let counted: Vec<(Uuid, String, i64)> = task::Entity::find()
            .select_only()
            .column(task::Column::AccountId)
            .column(task::Column::Status)
            .column_as(Expr::col(task::Column::Id).count(), "n")
            .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(task::Column::AccountId.is_in(chunk.iter().copied()))
            .filter(task::Column::Status.is_in(["completed", "failed", "requires_review"]))
            .group_by(task::Column::AccountId)
            .group_by(task::Column::Status)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, status, n) in counted {
            let key = if status == "completed" {
                "completed"
            } else {
                "failed"
            };
            *figures.entry((id, key.to_string())).or_default() += n;
        }
        // The newest task of each account: tasks created at some account's newest time,
        // newest first; the first seen of an account is its own newest.
        let latest: Vec<LatestRow> = task::Entity::find()
            .select_only()
            .column(task::Column::AccountId)
            .column(task::Column::StepLabel)
            .column(task::Column::Status)
            .column(task::Column::ErrorMessage)
            .column(task::Column::UpdatedAt)
            .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(task::Column::AccountId.is_in(chunk.iter().copied()))
            .filter(
                task::Column::CreatedAt.in_subquery(
                    Query::select()
                        .expr(Expr::col((task::Entity, task::Column::CreatedAt)).max())
                        .from(task::Entity)
                        .and_where(task::Column::AccountId.is_in(chunk.iter().copied()))
                        .group_by_col(task::Column::AccountId)
                        .to_owned(),
                ),
            )
            .order_by_desc(task::Column::CreatedAt)
            .order_by_desc(task::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, step_label, status, error, at) in latest {
            last.entry(id).or_insert(LastTask {
                step_label,
                status,
                error,
                at,
            });
        }
    }
    Ok(accounts
        .into_iter()
        .map(|a| {
            let step_label = a
                .warmup_step
                .filter(|_| {
                    matches!(
                        State::parse(&a.state),
                        Some(State::WarmingUp | State::HumanReview | State::ProxyAssigned)
                    )
                })
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| steps.get(i))
                .map(|s| s.label.clone());
            AccountRow {
                step_label,
                steps_total: steps.len(),
                proxy: a.proxy_id.and_then(|p| proxies.get(&p).cloned()),
                worker_name: a.last_worker_id.and_then(|w| workers.get(&w).cloned()),
                tasks_completed: figures
                    .get(&(a.id, "completed".to_string()))
                    .copied()
                    .unwrap_or(0),
                tasks_failed: figures
                    .get(&(a.id, "failed".to_string()))
                    .copied()
                    .unwrap_or(0),
                last_task: last.remove(&a.id),
                reasons: Vec::new(),
                account: a,
            }
        })
        .collect())
}

/// Accounts of a view: the rows shown and how many matched in all.
#[derive(Debug, Clone)]
pub struct Listed {
    pub rows: Vec<AccountRow>,
    pub total: usize,
}

/// The persona's accounts, by username.
pub async fn overview(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::PersonaId.eq(p.id));
    let total = usize::try_from(q.clone().count(&state.db).await?).unwrap_or(usize::MAX);
    let found = q
        .order_by_asc(account::Column::UsernameLower)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let rows = rows(&state.db, &scope, found, &steps).await?;
    Ok((p, Listed { rows, total }))
}

/// The filters of the available view.
#[derive(Debug, Clone, Default)]
pub struct AvailableFilter {
    /// Only accounts whose proxy is in this location (any case); empty: any.
    pub location: String,
    /// Only accounts that never failed a step.
    pub no_failures: bool,
    /// Only accounts that completed at least this share (percent) of their finished steps;
    /// accounts with no finished step pass.
    pub min_success: Option<u8>,
}

/// Ready accounts without a persona, oldest ready first, filtered.
pub async fn available(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    filter: &AvailableFilter,
) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    if let Some(m) = filter.min_success
        && m > 100
    {
        return Err(Error::validation(
            "min_success",
            "A success rate from 0 to 100 percent",
        ));
    }
    let mut q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::State.eq(State::Ready.as_str()))
        .filter(account::Column::PersonaId.is_null());
    let location = filter.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(account::Column::ProxyId.in_subquery(proxies_in(&scope, &location)));
    }
    if filter.no_failures {
        q = q.filter(
            account::Column::Id.not_in_subquery(
                Query::select()
                    .column(task::Column::AccountId)
                    .from(task::Entity)
                    .and_where(task::Column::WorkspaceId.eq(scope.workspace_id()))
                    .and_where(task::Column::Status.is_in(["failed", "requires_review"]))
                    .to_owned(),
            ),
        );
    }
    // The success rate is computed per account; the candidates are bounded first.
    let candidates = q
        .order_by_asc(account::Column::WarmupCompletedAt)
        .order_by_asc(account::Column::UsernameLower)
        .limit(5_000)
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut found = rows(&state.db, &scope, candidates, &steps).await?;
    if let Some(min) = filter.min_success {
        found.retain(|r| {
            r.success_rate()
                .is_none_or(|rate| rate + 1e-9 >= f64::from(min))
        });
    }
    let total = found.len();
    found.truncate(LIST_MAX);
    Ok((p, Listed { rows: found, total }))
}

/// Proxies of the workspace in a location (lower case), as a subquery of ids.
fn proxies_in(scope: &Scope, location_lower: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(proxy::Column::Id)
        .from(proxy::Entity)
        .and_where(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .and_where(
            Expr::expr(Func::lower(Expr::col((
                proxy::Entity,
                proxy::Column::Location,
            ))))
            .eq(location_lower),
        )
        .to_owned()
}

/// One column of the pipeline: a step and the accounts at it.
#[derive(Debug, Clone)]
pub struct PipelineStep {
    pub number: i32,
    pub label: String,
    pub rows: Vec<AccountRow>,
    /// All the accounts at this step (rows may be fewer).
    pub total: usize,
    pub in_review: usize,
}

/// The warm-up pipeline of the workspace's accounts in the persona's location (all of them
/// when it has none): one column per configured step.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub steps: Vec<PipelineStep>,
    pub total: usize,
}

pub async fn pipeline(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Pipeline)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let mut q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(
            account::Column::State.is_in([State::WarmingUp.as_str(), State::HumanReview.as_str()]),
        );
    let location = p.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(account::Column::ProxyId.in_subquery(proxies_in(&scope, &location)));
    }
    let per_step: Vec<(Option<i32>, String, i64)> = q
        .clone()
        .select_only()
        .column(account::Column::WarmupStep)
        .column(account::Column::State)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .group_by(account::Column::WarmupStep)
        .group_by(account::Column::State)
        .into_tuple()
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut columns = Vec::with_capacity(steps.len());
    let per_column = (LIST_MAX / steps.len().max(1)).max(20) as u64;
    for (i, step) in steps.iter().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let at_step = |state: Option<&str>| -> usize {
            per_step
                .iter()
                .filter(|(n, s, _)| *n == Some(number) && state.is_none_or(|want| s == want))
                .map(|(_, _, c)| usize::try_from(*c).unwrap_or(0))
                .sum()
        };
        let found = q
            .clone()
            .filter(account::Column::WarmupStep.eq(number))
            .order_by_asc(account::Column::WarmupStartedAt)
            .order_by_asc(account::Column::UsernameLower)
            .limit(per_column)
            .all(&state.db)
            .await?;
        columns.push(PipelineStep {
            number,
            label: step.label.clone(),
            rows: rows(&state.db, &scope, found, &steps).await?,
            total: at_step(None),
            in_review: at_step(Some(State::HumanReview.as_str())),
        });
    }
    let total = per_step
        .iter()
        .map(|(_, _, c)| usize::try_from(*c).unwrap_or(0))
        .sum();
    Ok((
        p,
        Pipeline {
            steps: columns,
            total,
        },
    ))
}

/// A proxy as the proxies view shows it.
#[derive(Debug, Clone)]
pub struct ProxyRow {
    pub proxy: proxy::Model,
    /// The persona's accounts on it.
    pub persona_accounts: i64,
}

impl ProxyRow {
    pub fn free_slots(&self) -> i32 {
        std::cmp::max(self.proxy.max_accounts - self.proxy.account_count, 0)
    }
}

/// The proxies the persona's accounts use, and active proxies with room in its location
/// (anywhere when it has none).
#[derive(Debug, Clone)]
pub struct Proxies {
    pub used: Vec<ProxyRow>,
    pub free: Vec<ProxyRow>,
}

pub async fn proxies(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Proxies)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let on: Vec<(Option<Uuid>, i64)> = account::Entity::find()
        .select_only()
        .column(account::Column::ProxyId)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::PersonaId.eq(p.id))
        .filter(account::Column::ProxyId.is_not_null())
        .group_by(account::Column::ProxyId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let on: HashMap<Uuid, i64> = on
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect();
    let mut used = Vec::new();
    let ids: Vec<Uuid> = on.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for proxy in proxy::Entity::find()
            .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(proxy::Column::Id.is_in(chunk.iter().copied()))
            .all(&state.db)
            .await?
        {
            used.push(ProxyRow {
                persona_accounts: on.get(&proxy.id).copied().unwrap_or(0),
                proxy,
            });
        }
    }
    used.sort_by(|a, b| {
        (a.proxy.location.to_lowercase(), &a.proxy.host, a.proxy.port).cmp(&(
            b.proxy.location.to_lowercase(),
            &b.proxy.host,
            b.proxy.port,
        ))
    });
    let mut q = proxy::Entity::find()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::Status.eq("active"))
        .filter(
            Expr::col((proxy::Entity, proxy::Column::AccountCount))
                .lt(Expr::col((proxy::Entity, proxy::Column::MaxAccounts))),
        );
    let location = p.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(
            Expr::expr(Func::lower(Expr::col((
                proxy::Entity,
                proxy::Column::Location,
            ))))
            .eq(location),
        );
    }
    let free = q
        .order_by_asc(proxy::Column::AccountCount)
        .order_by_asc(proxy::Column::Host)
        .order_by_asc(proxy::Column::Port)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|proxy| ProxyRow {
            persona_accounts: on.get(&proxy.id).copied().unwrap_or(0),
            proxy,
        })
        .collect();
    Ok((p, Proxies { used, free }))
}

/// The persona's accounts and the unassigned ones that need a person: in review, without a
/// proxy, or whose latest task failed; most recently changed first.
pub async fn attention(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let mine = Condition::any()
        .add(account::Column::PersonaId.eq(p.id))
        .add(account::Column::PersonaId.is_null());
    let flagged = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(mine.clone())
        .filter(
            Condition::any()
                .add(account::Column::State.eq(State::HumanReview.as_str()))
                .add(account::Column::ProxyId.is_null()),
        )
        .order_by_desc(account::Column::UpdatedAt)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?;
    let flagged_ids: HashSet<Uuid> = flagged.iter().map(|a| a.id).collect();
    // Accounts with a failed task: kept when that failure is their latest task.
    let with_failure = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(mine)
        .filter(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(task::Column::AccountId)
                    .from(task::Entity)
                    .and_where(task::Column::WorkspaceId.eq(scope.workspace_id()))
                    .and_where(task::Column::Status.is_in(["failed", "requires_review"]))
                    .to_owned(),
            ),
        )
        .order_by_desc(account::Column::UpdatedAt)
        .limit(5_000)
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|a| !flagged_ids.contains(&a.id))
        .collect::<Vec<_>>();
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut found = rows(&state.db, &scope, flagged, &steps).await?;
    found.extend(
        rows(&state.db, &scope, with_failure, &steps)
            .await?
            .into_iter()
            .filter(|r| r.last_task.as_ref().is_some_and(LastTask::failed)),
    );
    for r in &mut found {
        if r.account.state == State::HumanReview.as_str() {
            r.reasons.push("Needs review");
        }
        if r.account.proxy_id.is_none() {
            r.reasons.push("No proxy");
        }
        if r.last_task.as_ref().is_some_and(LastTask::failed) {
            r.reasons.push("Last task failed");
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.account.updated_at));
    let total = found.len();
    found.truncate(LIST_MAX);
    Ok((p, Listed { rows: found, total }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_back_their_names() {
        for v in View::ALL {
            assert_eq!(View::parse(v.as_str()), Some(v));
        }
        assert_eq!(View::parse("content"), None);
    }
}
