//! The meter: one row per call to the model server, written whatever the outcome, and the
//! sums the workspace's AI page and the back office read from it. Sums are computed by the
//! database (grouped, cast to BIGINT so PostgreSQL's SUM does not answer NUMERIC).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use platform::{Error, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::call;

/// A call about to be recorded.
#[derive(Debug, Clone)]
pub struct Reading {
    pub workspace_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub feature: &'static str,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub usage_estimated: bool,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub attempts: i32,
    pub outcome: &'static str,
    pub error: Option<String>,
    pub cost_micros: i64,
    pub credits: i64,
    pub generation_id: Option<Uuid>,
}

pub async fn record(conn: &impl ConnectionTrait, r: Reading) -> Result<call::Model> {
    Ok(call::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(r.workspace_id),
        user_id: Set(r.user_id),
        feature: Set(r.feature.to_string()),
        model: Set(r.model),
        prompt_tokens: Set(r.prompt_tokens),
        completion_tokens: Set(r.completion_tokens),
        usage_estimated: Set(r.usage_estimated),
        latency_ms: Set(r.latency_ms),
        first_token_ms: Set(r.first_token_ms),
        attempts: Set(r.attempts),
        outcome: Set(r.outcome.to_string()),
        error: Set(r.error),
        cost_micros: Set(r.cost_micros),
        credits: Set(r.credits),
        generation_id: Set(r.generation_id),
        created_at: Set(platform::db::now()),
    }
    .insert(conn)
    .await?)
}

/// The first instant of the UTC calendar month of `at`.
pub fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(at)
}

/// "2026-12".
pub fn period(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

fn sum(col: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({col}), 0) AS BIGINT)"))
}

/// Credits AI calls of the workspace captured since `since`.
pub async fn credits_since(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64> {
    let n: Option<i64> = call::Entity::find()
        .select_only()
        .column_as(sum("credits"), "credits")
        .filter(call::Column::WorkspaceId.eq(workspace_id))
        .filter(call::Column::CreatedAt.gte(since))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Sums of a group of calls.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = AiUsageFigures)]
pub struct Figures {
    pub requests: i64,
    pub failed: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// Estimated cost in millionths of a US dollar (calls of models without a price add 0).
    pub cost_micros: i64,
    pub credits: i64,
}

/// The sums' columns, added to a select.
fn sums<E: EntityTrait>(q: sea_orm::Select<E>) -> sea_orm::Select<E> {
    q.column_as(Expr::col(call::Column::Id).count(), "requests")
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END), 0) AS BIGINT)",
            ),
            "failed",
        )
        .column_as(sum("prompt_tokens"), "prompt_tokens")
        .column_as(sum("completion_tokens"), "completion_tokens")
        .column_as(sum("cost_micros"), "cost_micros")
        .column_as(sum("credits"), "credits")
}

type Sums = (i64, i64, i64, i64, i64, i64);

fn figures((requests, failed, p, c, cost, credits): Sums) -> Figures {
    Figures {
        requests,
        failed,
        prompt_tokens: p,
        completion_tokens: c,
        cost_micros: cost,
        credits,
    }
}

fn window(
    q: sea_orm::Select<call::Entity>,
    workspace_id: Option<Uuid>,
    since: DateTime<Utc>,
) -> sea_orm::Select<call::Entity> {
    let q = q.filter(call::Column::CreatedAt.gte(since));
    match workspace_id {
        Some(ws) => q.filter(call::Column::WorkspaceId.eq(ws)),
        None => q,
    }
}

/// Calls since `since` (of one workspace, or all) grouped by `column` (feature, model,
/// outcome: text; workspace_id, user_id: ids), the busiest `limit` groups first.
pub async fn grouped<K>(
    conn: &impl ConnectionTrait,
    workspace_id: Option<Uuid>,
    since: DateTime<Utc>,
    column: call::Column,
    limit: u64,
) -> Result<Vec<(Option<K>, Figures)>>
where
    K: sea_orm::TryGetable,
{
    let q = sums(
        call::Entity::find()
            .select_only()
            .column_as(Expr::col(column), "key"),
    );
    type Keyed<K> = (Option<K>, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Keyed<K>> = window(q, workspace_id, since)
        .group_by(column)
        .order_by_desc(Expr::cust("COUNT(id)"))
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(k, a, b, c, d, e, f)| (k, figures((a, b, c, d, e, f))))
        .collect())
}

/// The total of calls since `since`.
pub async fn total(
    conn: &impl ConnectionTrait,
    workspace_id: Option<Uuid>,
    since: DateTime<Utc>,
) -> Result<Figures> {
    let q = sums(call::Entity::find().select_only());
    let row: Option<Sums> = window(q, workspace_id, since)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.map(figures).unwrap_or_default())
}

/// Requests and failures per UTC day over the `days` days ending with `today`, every day
/// present.
pub async fn per_day(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    days: i64,
) -> Result<Vec<(NaiveDate, i64, i64)>> {
    let first = today - chrono::Duration::days(days - 1);
    let since = Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN));
    let day = match conn.get_database_backend() {
        DatabaseBackend::Postgres => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "date(created_at)",
    };
    let rows: Vec<(String, i64, i64)> = call::Entity::find()
        .select_only()
        .column_as(Expr::cust(day), "day")
        .column_as(Expr::col(call::Column::Id).count(), "n")
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END), 0) AS BIGINT)",
            ),
            "failed",
        )
        .filter(call::Column::CreatedAt.gte(since))
        .group_by(Expr::cust(day))
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_day = std::collections::HashMap::new();
    for (d, n, failed) in rows {
        let d = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| Error::internal(format!("day {d:?} from the database: {e}")))?;
        by_day.insert(d, (n, failed));
    }
    Ok((0..days)
        .map(|i| {
            let d = first + chrono::Duration::days(i);
            let (n, failed) = by_day.get(&d).copied().unwrap_or((0, 0));
            (d, n, failed)
        })
        .collect())
}

/// Failures of all workspaces in the last `minutes` (the error-spike watch).
pub async fn recent_failures(conn: &impl ConnectionTrait, minutes: i64) -> Result<(i64, i64)> {
    let since = Utc::now() - chrono::Duration::minutes(minutes);
    let t = total(conn, None, since).await?;
    Ok((t.failed, t.requests))
}

/// The latest calls of a workspace (its AI page).
pub async fn recent(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    limit: u64,
) -> Result<Vec<call::Model>> {
    Ok(call::Entity::find()
        .filter(Condition::all().add(call::Column::WorkspaceId.eq(workspace_id)))
        .order_by_desc(call::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?)
}
