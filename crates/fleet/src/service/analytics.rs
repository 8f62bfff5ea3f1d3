//! The fleet's figures over a window of calendar days (1–90, in the workspace's fleet time
//! zone): accounts per lifecycle state, each warm-up step's attempts, success rate and
//! execution time, proxy utilization and cost, each worker's output, failures by error
//! class, and how many imported accounts reached ready and how fast.
//!
//! Counts and sums are SQL aggregates written once for SQLite and PostgreSQL (`COUNT`,
//! `SUM(CASE …)` cast to `BIGINT`, grouped by plain columns). Three things are finished in
//! Rust, each over one narrow column list of the window: percentiles (nearest rank over the
//! sorted values, which neither database says portably), the per-day series (days are the
//! workspace's calendar days, which SQLite cannot compute for a named zone), and error
//! classes (a small rule set over the distinct messages, see [`ErrorClass`]).
//!
//! What counts as what:
//! - an *attempt* of a step is a task that ended: `completed` (by a worker, an operator acting
//!   as one, or marked done by hand), `failed` (a retry was queued) or `requires_review`
//!   (retries exhausted); skipped and cancelled tasks are not attempts. A task belongs to the
//!   window of the time it ended (`completed_at`).
//! - execution time percentiles are over completed attempts that reported a time.
//! - time to ready is `warmup_completed_at − created_at` of the accounts imported in the
//!   window that finished warm-up.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::{account, proxy, task, worker};
use crate::service::{
    access,
    lifecycle::State,
    settings,
    tasks::{WARMUP, status},
};

/// Where every figure comes from.
pub const SOURCE: &str = "This workspace's fleet records";
pub const MIN_DAYS: u32 = 1;
pub const MAX_DAYS: u32 = 90;
pub const DEFAULT_DAYS: u32 = 30;
/// The windows the dashboard offers.
pub const WINDOWS: [u32; 3] = [7, 30, 90];
/// A worker heard from within this many seconds is online.
pub const ONLINE_SECS: i64 = 120;

/// The window asked for (`None`: the default), or a 400 naming the range.
pub fn window(days: Option<i64>) -> Result<u32> {
    match days {
        None => Ok(DEFAULT_DAYS),
        Some(d) => u32::try_from(d)
            .ok()
            .filter(|d| (MIN_DAYS..=MAX_DAYS).contains(d))
            .ok_or_else(|| {
                Error::BadRequest(format!(
                    "The window is {MIN_DAYS} to {MAX_DAYS} days; {d} is outside it."
                ))
            }),
    }
}

// ---- the report -----------------------------------------------------------------------------

/// The fleet's figures for a window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetAnalytics)]
pub struct Analytics {
    /// Where the figures come from.
    pub source: String,
    /// When they were computed.
    pub computed_at: DateTime<Utc>,
    /// The window: this many calendar days up to today, in `time_zone`.
    pub window_days: u32,
    /// The first instant of the window.
    pub since: DateTime<Utc>,
    /// The workspace's fleet time zone (days are its calendar days).
    pub time_zone: String,
    /// Accounts now, all states.
    pub accounts_total: i64,
    /// Accounts per lifecycle state now, in lifecycle order (every state, zeros included).
    pub states: Vec<StateCount>,
    /// Each warm-up step's attempts that ended in the window, in step order.
    pub steps: Vec<StepStats>,
    pub proxies: ProxyUtilization,
    /// Each worker (revoked ones too), by name.
    pub workers: Vec<WorkerStats>,
    /// Failed attempts in the window.
    pub failures_total: i64,
    /// Failed attempts by error class, most frequent first (classes without failures left
    /// out).
    pub errors: Vec<ErrorClassCount>,
    pub conversion: Conversion,
    /// Tasks (warm-up and cleanup) that ended each day of the window, oldest first.
    pub daily: Vec<TaskDay>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetStateCount)]
pub struct StateCount {
    /// `imported`, `proxy_assigned`, `warming_up`, `human_review`, `ready`, `active`,
    /// `cleanup`.
    pub state: String,
    pub label: String,
    pub accounts: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetStepStats)]
pub struct StepStats {
    /// 1-based position in the pipeline.
    pub step_number: i32,
    pub label: String,
    /// Completed + failed.
    pub attempts: i64,
    pub completed: i64,
    /// Failed attempts (retried, or sent to review).
    pub failed: i64,
    /// Skipped by an operator (not attempts).
    pub skipped: i64,
    /// Completed of attempts, in percent (one decimal); `null` without attempts.
    pub success_rate_percent: Option<f64>,
    /// Completed attempts that reported an execution time.
    pub timed: i64,
    /// Median execution time (nearest rank) of the timed attempts, in milliseconds.
    pub p50_ms: Option<i64>,
    /// 90th percentile (nearest rank), in milliseconds.
    pub p90_ms: Option<i64>,
}

/// An amount of money in minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = FleetMoney)]
pub struct Money {
    pub minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetProxyFigures)]
pub struct ProxyUtilization {
    pub proxies_total: i64,
    /// Proxies in status `active` (the ones accounts are assigned to).
    pub proxies_active: i64,
    /// Account slots of the active proxies.
    pub slots_total: i64,
    pub slots_used: i64,
    pub slots_free: i64,
    /// Used of total slots, in percent (one decimal); `null` without slots.
    pub utilization_percent: Option<f64>,
    /// Monthly cost of all the workspace's proxies, one sum per currency.
    pub monthly_cost: Vec<Money>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetWorkerStats)]
pub struct WorkerStats {
    pub id: Uuid,
    pub name: String,
    /// What its last heartbeat said.
    pub status: String,
    /// Heard from in the last two minutes (and not revoked).
    pub online: bool,
    pub revoked: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Tasks it completed in the window.
    pub completed: i64,
    /// Tasks it reported failed in the window.
    pub failed: i64,
    /// Failed of its ended tasks in the window, in percent (one decimal).
    pub failure_rate_percent: Option<f64>,
    /// Tasks it ended in the last 24 hours.
    pub tasks_last_24h: i64,
    /// `tasks_last_24h / 24`, two decimals.
    pub tasks_per_hour: f64,
}

/// A class of error messages (see [`ErrorClass`] for the rules).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetErrorClassCount)]
pub struct ErrorClassCount {
    /// `login`, `network`, `rate_limited`, `missing_content` or `other`.
    pub class: String,
    pub label: String,
    pub failures: i64,
    /// Of all failures in the window, in percent (one decimal).
    pub share_percent: f64,
    /// The class's most recent message.
    pub latest_message: String,
    pub latest_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetConversion)]
pub struct Conversion {
    /// Accounts imported (created) in the window.
    pub imported: i64,
    /// Of those, the ones that finished warm-up (reached ready at least once).
    pub reached_ready: i64,
    /// `reached_ready / imported`, in percent (one decimal).
    pub conversion_percent: Option<f64>,
    /// Median time from import to ready (nearest rank), in seconds.
    pub time_to_ready_p50_secs: Option<i64>,
    /// 90th percentile, in seconds.
    pub time_to_ready_p90_secs: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FleetTaskDay)]
pub struct TaskDay {
    /// A calendar day in the workspace's fleet time zone.
    pub date: NaiveDate,
    pub completed: i64,
    pub failed: i64,
}

// ---- error classes --------------------------------------------------------------------------

/// The class of a worker's error message. Rules, checked in this order on the message in
/// lower case; the first that has one of its words names the class:
///
/// 1. Login or checkpoint: `login`, `log in`, `logged out`, `password`, `challenge`,
///    `checkpoint`, `two-factor`, `2fa`, `verification`.
/// 2. Network or proxy: `proxy`, `timeout`, `timed out`, `connect`, `network`, `dns`,
///    `socket`, `tls`, `unreachable`.
/// 3. Rate limited: `rate limit`, `rate-limit`, `ratelimit`, `limit`, `action blocked`,
///    `try again later`, `too many`, `spam`.
/// 4. Missing content: `not found`, `content`, `missing`, `no image`, `no text`.
/// 5. Other: anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    Login,
    Network,
    RateLimited,
    MissingContent,
    Other,
}

const RULES: [(ErrorClass, &[&str]); 4] = [
    (
        ErrorClass::Login,
        &[
            "login",
            "log in",
            "logged out",
            "password",
            "challenge",
            "checkpoint",
            "two-factor",
            "2fa",
            "verification",
        ],
    ),
    (
        ErrorClass::Network,
        &[
            "proxy",
            "timeout",
            "timed out",
            "connect",
            "network",
            "dns",
            "socket",
            "tls",
            "unreachable",
        ],
    ),
    (
        ErrorClass::RateLimited,
        &[
            "rate limit",
            "rate-limit",
            "ratelimit",
            "limit",
            "action blocked",
            "try again later",
            "too many",
            "spam",
        ],
    ),
    (
        ErrorClass::MissingContent,
        &["not found", "content", "missing", "no image", "no text"],
    ),
];

impl ErrorClass {
    pub const ALL: [ErrorClass; 5] = [
        ErrorClass::Login,
        ErrorClass::Network,
        ErrorClass::RateLimited,
        ErrorClass::MissingContent,
        ErrorClass::Other,
    ];

    /// The class of a message.
    pub fn of(message: &str) -> ErrorClass {
        let m = message.to_lowercase();
        RULES
            .iter()
            .find(|(_, words)| words.iter().any(|w| m.contains(w)))
            .map_or(ErrorClass::Other, |(c, _)| *c)
    }

    pub fn key(self) -> &'static str {
        match self {
            ErrorClass::Login => "login",
            ErrorClass::Network => "network",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::MissingContent => "missing_content",
            ErrorClass::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::Login => "Login or checkpoint",
            ErrorClass::Network => "Network or proxy",
            ErrorClass::RateLimited => "Rate limited",
            ErrorClass::MissingContent => "Missing content",
            ErrorClass::Other => "Other",
        }
    }
}

// ---- small arithmetic -----------------------------------------------------------------------

/// The `p`-th percentile of sorted values by nearest rank: the value at rank ⌈p·n/100⌉.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (usize::try_from(p).unwrap_or(100) * n).div_ceil(100).max(1);
    sorted.get(rank.min(n) - 1).copied()
}

/// `part / whole` in percent with one decimal; `None` when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The first instant of a calendar day in `zone`, as UTC.
fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    zone.from_local_datetime(&midnight)
        .earliest()
        // A zone whose midnight does not exist that day (a DST jump): an hour later.
        .or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// `CAST(COALESCE(SUM(expr), 0) AS BIGINT)`: an `i64` on both databases, 0 over no rows.
fn sum(expr: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

fn ended() -> [&'static str; 3] {
    [status::COMPLETED, status::FAILED, status::REQUIRES_REVIEW]
}

const FAILED_CASE: &str = "CASE WHEN status IN ('failed', 'requires_review') THEN 1 ELSE 0 END";
const COMPLETED_CASE: &str = "CASE WHEN status = 'completed' THEN 1 ELSE 0 END";

// ---- computing ------------------------------------------------------------------------------

/// The caller's fleet figures over `days` days (see [`window`]).
pub async fn report(state: &AppState, ctx: &Ctx, days: u32) -> Result<Analytics> {
    let scope = access::read(state, ctx).await?;
    compute(&state.db, &scope, days, platform::db::now()).await
}

/// The workspace's fleet figures over the `days` calendar days up to `now`'s day.
pub async fn compute(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Analytics> {
    let days = days.clamp(MIN_DAYS, MAX_DAYS);
    let s = settings::get(conn, scope).await?;
    let zone = s.zone();
    let today = now.with_timezone(&zone).date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let since = day_start(first, zone);

    let states = states(conn, scope).await?;
    let accounts_total = states.iter().map(|c| c.accounts).sum();
    let (failures_total, errors) = errors(conn, scope, since).await?;
    Ok(Analytics {
        source: SOURCE.into(),
        computed_at: now,
        window_days: days,
        since,
        time_zone: s.time_zone.clone(),
        accounts_total,
        states,
        steps: steps(conn, scope, since, &s.steps).await?,
        proxies: proxies(conn, scope).await?,
        workers: workers(conn, scope, since, now).await?,
        failures_total,
        errors,
        conversion: conversion(conn, scope, since).await?,
        daily: daily(conn, scope, since, first, days, zone).await?,
    })
}

async fn states(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<StateCount>> {
    let rows: Vec<(String, i64)> = account::Entity::find()
        .select_only()
        .column(account::Column::State)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .group_by(account::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    let by_state: HashMap<String, i64> = rows.into_iter().collect();
    Ok(State::ALL
        .into_iter()
        .map(|st| StateCount {
            state: st.as_str().into(),
            label: st.label().into(),
            accounts: by_state.get(st.as_str()).copied().unwrap_or(0),
        })
        .collect())
}

async fn steps(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
    configured: &[settings::Step],
) -> Result<Vec<StepStats>> {
    let in_window = |q: sea_orm::Select<task::Entity>| {
        q.filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(task::Column::Kind.eq(WARMUP))
            .filter(task::Column::CompletedAt.gte(since))
    };
    type Row = (i32, Option<String>, i64, i64, i64);
    let rows: Vec<Row> = in_window(task::Entity::find().select_only())
        .column(task::Column::StepNumber)
        .column_as(Expr::cust("MAX(step_label)"), "label")
        .column_as(sum(COMPLETED_CASE), "completed")
        .column_as(sum(FAILED_CASE), "failed")
        .column_as(
            sum("CASE WHEN status = 'skipped' THEN 1 ELSE 0 END"),
            "skipped",
        )
        .filter(task::Column::Status.is_in([
            status::COMPLETED,
            status::FAILED,
            status::REQUIRES_REVIEW,
            status::SKIPPED,
        ]))
        .group_by(task::Column::StepNumber)
        .into_tuple()
        .all(conn)
        .await?;
    let times: Vec<(i32, Option<i64>)> = in_window(task::Entity::find().select_only())
        .column(task::Column::StepNumber)
        .column(task::Column::ExecutionTimeMs)
        .filter(task::Column::Status.eq(status::COMPLETED))
        .filter(task::Column::ExecutionTimeMs.is_not_null())
        .order_by_asc(task::Column::StepNumber)
        .order_by_asc(task::Column::ExecutionTimeMs)
        .into_tuple()
        .all(conn)
        .await?;
    let mut timed: HashMap<i32, Vec<i64>> = HashMap::new();
    for (n, ms) in times {
        if let Some(ms) = ms {
            timed.entry(n).or_default().push(ms);
        }
    }

    // Every configured step, and any other step number that has attempts (steps removed
    // from the settings since).
    let mut out: BTreeMap<i32, StepStats> = BTreeMap::new();
    for (i, step) in configured.iter().enumerate() {
        let n = i32::try_from(i + 1).unwrap_or(i32::MAX);
        out.insert(n, empty_step(n, &step.label));
    }
    for (n, label, completed, failed, skipped) in rows {
        let entry = out
            .entry(n)
            .or_insert_with(|| empty_step(n, label.as_deref().unwrap_or("Step")));
        entry.completed = completed;
        entry.failed = failed;
        entry.skipped = skipped;
        entry.attempts = completed + failed;
        entry.success_rate_percent = percent(completed, completed + failed);
    }
    for (n, values) in timed {
        if let Some(entry) = out.get_mut(&n) {
            entry.timed = i64::try_from(values.len()).unwrap_or(i64::MAX);
            entry.p50_ms = percentile(&values, 50);
            entry.p90_ms = percentile(&values, 90);
        }
    }
    Ok(out.into_values().collect())
}

fn empty_step(n: i32, label: &str) -> StepStats {
    StepStats {
        step_number: n,
        label: label.to_string(),
        attempts: 0,
        completed: 0,
        failed: 0,
        skipped: 0,
        success_rate_percent: None,
        timed: 0,
        p50_ms: None,
        p90_ms: None,
    }
}

async fn proxies(conn: &impl ConnectionTrait, scope: &Scope) -> Result<ProxyUtilization> {
    let row: Option<(i64, i64, i64, i64)> = proxy::Entity::find()
        .select_only()
        .column_as(Expr::col(proxy::Column::Id).count(), "total")
        .column_as(
            sum("CASE WHEN status = 'active' THEN 1 ELSE 0 END"),
            "active",
        )
        .column_as(
            sum("CASE WHEN status = 'active' THEN max_accounts ELSE 0 END"),
            "slots",
        )
        .column_as(
            sum("CASE WHEN status = 'active' THEN account_count ELSE 0 END"),
            "used",
        )
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .into_tuple()
        .one(conn)
        .await?;
    let (total, active, slots, used) = row.unwrap_or_default();
    let costs: Vec<(String, i64)> = proxy::Entity::find()
        .select_only()
        .column(proxy::Column::Currency)
        .column_as(sum("monthly_cost_minor"), "minor")
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .group_by(proxy::Column::Currency)
        .order_by_asc(proxy::Column::Currency)
        .into_tuple()
        .all(conn)
        .await?;
    // Currencies are stored as typed ("usd", "USD"): one sum per ISO code.
    let mut by_currency: BTreeMap<String, i64> = BTreeMap::new();
    for (currency, minor) in costs {
        *by_currency
            .entry(currency.to_ascii_uppercase())
            .or_default() += minor;
    }
    Ok(ProxyUtilization {
        proxies_total: total,
        proxies_active: active,
        slots_total: slots,
        slots_used: used,
        slots_free: std::cmp::max(slots - used, 0),
        utilization_percent: percent(used, slots),
        monthly_cost: by_currency
            .into_iter()
            .map(|(currency, minor)| Money { minor, currency })
            .collect(),
    })
}

/// Per worker: (completed, failed) of tasks that ended since `since`.
async fn ended_by_worker(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, (i64, i64)>> {
    let rows: Vec<(Option<Uuid>, i64, i64)> = task::Entity::find()
        .select_only()
        .column(task::Column::WorkerId)
        .column_as(sum(COMPLETED_CASE), "completed")
        .column_as(sum(FAILED_CASE), "failed")
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::WorkerId.is_not_null())
        .filter(task::Column::Status.is_in(ended()))
        .filter(task::Column::CompletedAt.gte(since))
        .group_by(task::Column::WorkerId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(w, c, f)| w.map(|w| (w, (c, f))))
        .collect())
}

async fn workers(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<WorkerStats>> {
    let list = worker::Entity::find()
        .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(worker::Column::Name)
        .order_by_asc(worker::Column::Id)
        .all(conn)
        .await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let window = ended_by_worker(conn, scope, since).await?;
    let day = ended_by_worker(conn, scope, now - Duration::hours(24)).await?;
    let online_since = now - Duration::seconds(ONLINE_SECS);
    Ok(list
        .into_iter()
        .map(|w| {
            let (completed, failed) = window.get(&w.id).copied().unwrap_or_default();
            let last_24h = day.get(&w.id).map_or(0, |(c, f)| c + f);
            WorkerStats {
                id: w.id,
                online: w.revoked_at.is_none() && w.last_seen_at.is_some_and(|t| t >= online_since),
                revoked: w.revoked_at.is_some(),
                name: w.name,
                status: w.status,
                last_seen_at: w.last_seen_at,
                completed,
                failed,
                failure_rate_percent: percent(failed, completed + failed),
                tasks_last_24h: last_24h,
                tasks_per_hour: (last_24h as f64 / 24.0 * 100.0).round() / 100.0,
            }
        })
        .collect())
}

async fn errors(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
) -> Result<(i64, Vec<ErrorClassCount>)> {
    let rows: Vec<(Option<String>, i64, Option<DateTime<Utc>>)> = task::Entity::find()
        .select_only()
        .column(task::Column::ErrorMessage)
        .column_as(Expr::col(task::Column::Id).count(), "n")
        .column_as(Expr::cust("MAX(completed_at)"), "latest")
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::Status.is_in([status::FAILED, status::REQUIRES_REVIEW]))
        .filter(task::Column::CompletedAt.gte(since))
        .group_by(task::Column::ErrorMessage)
        .into_tuple()
        .all(conn)
        .await?;
    let mut classes: BTreeMap<ErrorClass, (i64, String, Option<DateTime<Utc>>)> = BTreeMap::new();
    let mut total = 0;
    for (message, n, latest) in rows {
        let message = message.unwrap_or_default();
        total += n;
        let e = classes
            .entry(ErrorClass::of(&message))
            .or_insert((0, String::new(), None));
        e.0 += n;
        if e.2.is_none() || latest > e.2 {
            e.1 = message;
            e.2 = latest;
        }
    }
    let mut out: Vec<ErrorClassCount> = classes
        .into_iter()
        .map(|(class, (n, message, latest))| ErrorClassCount {
            class: class.key().into(),
            label: class.label().into(),
            failures: n,
            share_percent: percent(n, total).unwrap_or(0.0),
            latest_message: message,
            latest_at: latest,
        })
        .collect();
    // Most frequent first; ties in rule order (the sort is stable).
    out.sort_by_key(|e| std::cmp::Reverse(e.failures));
    Ok((total, out))
}

async fn conversion(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
) -> Result<Conversion> {
    let in_window = |q: sea_orm::Select<account::Entity>| {
        q.filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(account::Column::CreatedAt.gte(since))
    };
    let counts: Option<(i64, i64)> = in_window(account::Entity::find().select_only())
        .column_as(Expr::col(account::Column::Id).count(), "imported")
        .column_as(
            Expr::col(account::Column::WarmupCompletedAt).count(),
            "ready",
        )
        .into_tuple()
        .one(conn)
        .await?;
    let (imported, reached_ready) = counts.unwrap_or_default();
    let pairs: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> =
        in_window(account::Entity::find().select_only())
            .column(account::Column::CreatedAt)
            .column(account::Column::WarmupCompletedAt)
            .filter(account::Column::WarmupCompletedAt.is_not_null())
            .into_tuple()
            .all(conn)
            .await?;
    let mut secs: Vec<i64> = pairs
        .into_iter()
        .filter_map(|(created, ready)| ready.map(|r| std::cmp::max((r - created).num_seconds(), 0)))
        .collect();
    secs.sort_unstable();
    Ok(Conversion {
        imported,
        reached_ready,
        conversion_percent: percent(reached_ready, imported),
        time_to_ready_p50_secs: percentile(&secs, 50),
        time_to_ready_p90_secs: percentile(&secs, 90),
    })
}

async fn daily(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
    first: NaiveDate,
    days: u32,
    zone: Tz,
) -> Result<Vec<TaskDay>> {
    let rows: Vec<(Option<DateTime<Utc>>, String)> = task::Entity::find()
        .select_only()
        .column(task::Column::CompletedAt)
        .column(task::Column::Status)
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::Status.is_in(ended()))
        .filter(task::Column::CompletedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<TaskDay> = (0..days)
        .map(|i| TaskDay {
            date: first + Duration::days(i64::from(i)),
            completed: 0,
            failed: 0,
        })
        .collect();
    for (at, st) in rows {
        let Some(at) = at else { continue };
        let day = at.with_timezone(&zone).date_naive();
        let Some(slot) = usize::try_from((day - first).num_days())
            .ok()
            .and_then(|i| out.get_mut(i))
        else {
            continue;
        };
        if st == status::COMPLETED {
            slot.completed += 1;
        } else {
            slot.failed += 1;
        }
    }
    Ok(out)
}

// ---- CSV ------------------------------------------------------------------------------------

/// The CSV's columns.
pub const CSV_HEADER: [&str; 4] = ["section", "key", "metric", "value"];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The report as `section,key,metric,value` rows (no header); an unknown value is empty.
pub fn csv_rows(a: &Analytics) -> Vec<[String; 4]> {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut row = |section: &str, key: &str, metric: &str, value: String| {
        rows.push([section.into(), key.into(), metric.into(), value]);
    };
    row("report", "report", "source", a.source.clone());
    row(
        "report",
        "report",
        "computed_at",
        a.computed_at.to_rfc3339(),
    );
    row("report", "report", "window_days", a.window_days.to_string());
    row("report", "report", "since", a.since.to_rfc3339());
    row("report", "report", "time_zone", a.time_zone.clone());
    row("states", "all", "accounts", a.accounts_total.to_string());
    for s in &a.states {
        row("states", &s.state, "accounts", s.accounts.to_string());
    }
    for s in &a.steps {
        let key = s.step_number.to_string();
        row("steps", &key, "label", s.label.clone());
        row("steps", &key, "attempts", s.attempts.to_string());
        row("steps", &key, "completed", s.completed.to_string());
        row("steps", &key, "failed", s.failed.to_string());
        row("steps", &key, "skipped", s.skipped.to_string());
        row(
            "steps",
            &key,
            "success_rate_percent",
            opt(s.success_rate_percent),
        );
        row("steps", &key, "timed", s.timed.to_string());
        row("steps", &key, "p50_ms", opt(s.p50_ms));
        row("steps", &key, "p90_ms", opt(s.p90_ms));
    }
    let p = &a.proxies;
    row(
        "proxies",
        "all",
        "proxies_total",
        p.proxies_total.to_string(),
    );
    row(
        "proxies",
        "all",
        "proxies_active",
        p.proxies_active.to_string(),
    );
    row("proxies", "all", "slots_total", p.slots_total.to_string());
    row("proxies", "all", "slots_used", p.slots_used.to_string());
    row("proxies", "all", "slots_free", p.slots_free.to_string());
    row(
        "proxies",
        "all",
        "utilization_percent",
        opt(p.utilization_percent),
    );
    for m in &p.monthly_cost {
        row(
            "proxies",
            &m.currency,
            "monthly_cost_minor",
            m.minor.to_string(),
        );
    }
    for w in &a.workers {
        let key = w.name.as_str();
        row("workers", key, "completed", w.completed.to_string());
        row("workers", key, "failed", w.failed.to_string());
        row(
            "workers",
            key,
            "failure_rate_percent",
            opt(w.failure_rate_percent),
        );
        row(
            "workers",
            key,
            "tasks_last_24h",
            w.tasks_last_24h.to_string(),
        );
        row(
            "workers",
            key,
            "tasks_per_hour",
            w.tasks_per_hour.to_string(),
        );
        row("workers", key, "online", w.online.to_string());
        row(
            "workers",
            key,
            "last_seen_at",
            opt(w.last_seen_at.map(|t| t.to_rfc3339())),
        );
    }
    row("errors", "all", "failures", a.failures_total.to_string());
    for e in &a.errors {
        row("errors", &e.class, "failures", e.failures.to_string());
        row(
            "errors",
            &e.class,
            "share_percent",
            e.share_percent.to_string(),
        );
        row(
            "errors",
            &e.class,
            "latest_message",
            e.latest_message.clone(),
        );
        row(
            "errors",
            &e.class,
            "latest_at",
            opt(e.latest_at.map(|t| t.to_rfc3339())),
        );
    }
    let c = &a.conversion;
    row("conversion", "window", "imported", c.imported.to_string());
    row(
        "conversion",
        "window",
        "reached_ready",
        c.reached_ready.to_string(),
    );
    row(
        "conversion",
        "window",
        "conversion_percent",
        opt(c.conversion_percent),
    );
    row(
        "conversion",
        "window",
        "time_to_ready_p50_secs",
        opt(c.time_to_ready_p50_secs),
    );
    row(
        "conversion",
        "window",
        "time_to_ready_p90_secs",
        opt(c.time_to_ready_p90_secs),
    );
    for d in &a.daily {
        let key = d.date.to_string();
        row("daily", &key, "completed", d.completed.to_string());
        row("daily", &key, "failed", d.failed.to_string());
    }
    rows
}

/// The report as a CSV file: its name and bytes. Cells a spreadsheet would run as a formula
/// are defused (worker names and error messages come from outside).
pub fn csv(a: &Analytics) -> Result<(String, Vec<u8>)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(Error::internal)?;
    for r in csv_rows(a) {
        w.write_record(r.iter().map(|c| platform::web::csv_export::safe_cell(c)))
            .map_err(Error::internal)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::internal(e.to_string()))?;
    let name = format!(
        "fleet-analytics-{}-{}d.csv",
        a.computed_at.format("%Y-%m-%d"),
        a.window_days
    );
    Ok((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=10).map(|i| i * 100).collect();
        assert_eq!(percentile(&v, 50), Some(500));
        assert_eq!(percentile(&v, 90), Some(900));
        assert_eq!(percentile(&v, 100), Some(1000));
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3], 90), Some(3));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn percents_have_one_decimal() {
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(0, 5), Some(0.0));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn error_messages_fall_into_classes_in_rule_order() {
        let cases = [
            ("Login failed: wrong password", ErrorClass::Login),
            ("Instagram asked for a CHALLENGE", ErrorClass::Login),
            ("checkpoint_required", ErrorClass::Login),
            ("Proxy refused the connection", ErrorClass::Network),
            ("Read timed out", ErrorClass::Network),
            ("connect ECONNREFUSED", ErrorClass::Network),
            ("Action blocked", ErrorClass::RateLimited),
            ("Please try again later", ErrorClass::RateLimited),
            ("feedback_required: rate limit", ErrorClass::RateLimited),
            ("Image not found", ErrorClass::MissingContent),
            ("No content for this step", ErrorClass::MissingContent),
            ("The app crashed", ErrorClass::Other),
            ("", ErrorClass::Other),
            // The first rule wins: a login that timed out is a login problem.
            ("login timeout", ErrorClass::Login),
        ];
        for (message, class) in cases {
            assert_eq!(ErrorClass::of(message), class, "{message:?}");
        }
    }

    #[test]
    fn the_window_is_checked() {
        assert_eq!(window(None).ok(), Some(DEFAULT_DAYS));
        assert_eq!(window(Some(7)).ok(), Some(7));
        assert_eq!(window(Some(90)).ok(), Some(90));
        assert!(matches!(window(Some(0)), Err(Error::BadRequest(_))));
        assert!(matches!(window(Some(91)), Err(Error::BadRequest(_))));
        assert!(matches!(window(Some(-3)), Err(Error::BadRequest(_))));
    }

    #[test]
    fn days_start_at_local_midnight() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        assert_eq!(
            day_start(d, berlin).to_rfc3339(),
            "2026-12-05T23:00:00+00:00"
        );
        assert_eq!(
            day_start(d, Tz::UTC).to_rfc3339(),
            "2026-12-06T00:00:00+00:00"
        );
    }
}
