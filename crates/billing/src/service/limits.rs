//! Plan limits, enforced by the feature that consumes them: before adding an account or
//! inviting a member the feature asks [`check_addition`] with its current count; monthly
//! meters are counted here with [`consume`]. A refusal names the limit, the plan, and the
//! cheapest plan that lifts it. A downgrade below current usage keeps everything and only
//! blocks new additions until usage fits.

use chrono::{DateTime, Datelike, Utc};
use platform::{AppState, Error, Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{
    mode::{self, Mode},
    plans::{self, Limit, Meter, Plan},
    subscriptions::{self, Standing},
};
use crate::model::usage;

/// `YYYY-MM` of a moment (monthly meters are per calendar month, UTC).
pub fn period_of(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// The standing of a workspace (one known to exist) under the configured grace period. The
/// server's mode is observed first, and while it takes no payments the workspace is enrolled
/// on the Self-hosted plan (so it keeps it once Stripe is configured).
pub async fn standing(state: &AppState, scope: &Scope) -> Result<Standing> {
    if mode::observe(state).await? == Mode::SelfHosted {
        subscriptions::enrol_self_hosted(&state.db, scope).await?;
    }
    subscriptions::standing(
        &state.db,
        scope,
        state.config.get(&crate::settings::GRACE_DAYS),
    )
    .await
}

/// The refusal for a meter at its limit.
pub fn limit_error(
    plans: &[Plan],
    standing: &Standing,
    meter: Meter,
    limit: i64,
    used: i64,
) -> Error {
    let lift = plans::lifting(plans, meter, used + 1).filter(|p| p.id != standing.plan.id);
    let plan = &standing.plan.name;
    let mut message = match standing.plan.limit_of(meter) {
        Limit::Upto(n) if n > 0 => format!(
            "The {plan} plan allows {}; this workspace has {}.",
            meter.amount(limit),
            platform::web::format::number(used)
        ),
        _ => format!("The {plan} plan does not include {}.", meter.nouns().1),
    };
    if standing.limited {
        message
            .push_str(" Payment is overdue, so the free plan's limits apply until it is settled.");
    }
    match lift {
        Some(p) => message.push_str(&format!(" The {} plan lifts this limit.", p.name)),
        None => message.push_str(" No plan offers more; contact support."),
    }
    Error::PaymentRequired {
        code: "limit-reached",
        message,
    }
}

/// Whether one more of `meter` fits, given how many the workspace has now (counted by the
/// consuming feature, which owns that data).
pub async fn check_addition(
    state: &AppState,
    scope: &Scope,
    meter: Meter,
    current: i64,
) -> Result<()> {
    // Observed and enrolled first: the check below reads the recorded mode.
    standing(state, scope).await?;
    check_addition_in(
        &state.db,
        state.config.get(&crate::settings::GRACE_DAYS),
        scope,
        meter,
        current,
    )
    .await
}

pub async fn check_addition_in(
    conn: &impl ConnectionTrait,
    grace_days: i64,
    scope: &Scope,
    meter: Meter,
    current: i64,
) -> Result<()> {
    let standing = subscriptions::standing(conn, scope, grace_days).await?;
    match standing.plan.limit(meter) {
        Some(limit) if current + 1 > limit => {
            let all = plans::all(conn).await?;
            Err(limit_error(&all, &standing, meter, limit, current))
        }
        _ => Ok(()),
    }
}

/// How much of a monthly meter a workspace used this month.
pub async fn used_this_month(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    meter: Meter,
) -> Result<i64> {
    let workspace_id = scope.workspace_id();
    Ok(usage::Entity::find_by_id((
        workspace_id,
        meter.as_str().to_string(),
        period_of(platform::db::now()),
    ))
    .one(conn)
    .await?
    .map(|u| u.used)
    .unwrap_or(0))
}

/// Counts `n` uses of a monthly meter, refusing when the month's limit would be passed.
/// The check and the count are one transaction, so parallel uses cannot pass the limit.
pub async fn consume(state: &AppState, scope: &Scope, meter: Meter, n: i64) -> Result<i64> {
    let workspace_id = scope.workspace_id();
    if !meter.is_monthly() || n <= 0 {
        return Err(Error::internal(format!(
            "{} is not a monthly meter or n <= 0",
            meter.as_str()
        )));
    }
    standing(state, scope).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let period = period_of(platform::db::now());
    // Make the row exist, then take its lock with the increment.
    usage::Entity::insert(usage::ActiveModel {
        workspace_id: Set(workspace_id),
        meter: Set(meter.as_str().into()),
        period: Set(period.clone()),
        used: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            usage::Column::WorkspaceId,
            usage::Column::Meter,
            usage::Column::Period,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    usage::Entity::update_many()
        .col_expr(usage::Column::Used, Expr::col(usage::Column::Used).add(n))
        .filter(usage::Column::WorkspaceId.eq(workspace_id))
        .filter(usage::Column::Meter.eq(meter.as_str()))
        .filter(usage::Column::Period.eq(&period))
        .exec(&txn)
        .await?;
    let used = used_this_month(&txn, scope, meter).await?;
    let standing =
        subscriptions::standing(&txn, scope, state.config.get(&crate::settings::GRACE_DAYS))
            .await?;
    if let Some(limit) = standing.plan.limit(meter)
        && used > limit
    {
        txn.rollback().await?;
        let all = plans::all(&state.db).await?;
        return Err(limit_error(&all, &standing, meter, limit, used - n));
    }
    txn.commit().await?;
    Ok(used)
}

/// Gives back uses counted by [`consume`] for work that then failed.
pub async fn unconsume(state: &AppState, scope: &Scope, meter: Meter, n: i64) -> Result<()> {
    let workspace_id = scope.workspace_id();
    usage::Entity::update_many()
        .col_expr(usage::Column::Used, Expr::col(usage::Column::Used).sub(n))
        .filter(usage::Column::WorkspaceId.eq(workspace_id))
        .filter(usage::Column::Meter.eq(meter.as_str()))
        .filter(usage::Column::Period.eq(period_of(platform::db::now())))
        .filter(usage::Column::Used.gte(n))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Billing's side of the platform's plan-limits port: the checks above, for features that do
/// not depend on billing (identity's seats, instagram's accounts).
pub struct PlanLimitsPort;

fn meter_named(name: &str) -> Result<Meter> {
    Meter::parse(name)
        .ok_or_else(|| platform::Error::internal(format!("no plan meter is named {name:?}")))
}

#[async_trait::async_trait]
impl platform::limits::PlanLimits for PlanLimitsPort {
    async fn check_addition(
        &self,
        state: &AppState,
        scope: &Scope,
        meter: &'static str,
        current: i64,
    ) -> Result<()> {
        check_addition(state, scope, meter_named(meter)?, current).await
    }

    async fn check_addition_in(
        &self,
        state: &AppState,
        txn: &sea_orm::DatabaseTransaction,
        scope: &Scope,
        meter: &'static str,
        current: i64,
    ) -> Result<()> {
        check_addition_in(
            txn,
            state.config.get(&crate::settings::GRACE_DAYS),
            scope,
            meter_named(meter)?,
            current,
        )
        .await
    }

    async fn require_feature(
        &self,
        state: &AppState,
        scope: &Scope,
        feature: &'static str,
    ) -> Result<()> {
        require_feature(state, scope, feature).await
    }

    async fn consume(
        &self,
        state: &AppState,
        scope: &Scope,
        meter: &'static str,
        n: i64,
    ) -> Result<()> {
        consume(state, scope, meter_named(meter)?, n)
            .await
            .map(|_| ())
    }

    async fn unconsume(
        &self,
        state: &AppState,
        scope: &Scope,
        meter: &'static str,
        n: i64,
    ) -> Result<()> {
        unconsume(state, scope, meter_named(meter)?, n).await
    }
}

/// Whether the workspace's plan (under its standing) includes a feature flag; the refusal
/// names the cheapest offered plan that has it.
pub async fn require_feature(state: &AppState, scope: &Scope, feature: &str) -> Result<()> {
    let wanted = plans::Feature::parse(feature)
        .ok_or_else(|| Error::internal(format!("no plan feature is named {feature:?}")))?;
    let standing = standing(state, scope).await?;
    if standing.plan.features.contains(&wanted) {
        return Ok(());
    }
    let all = plans::all(&state.db).await?;
    let lift = all
        .iter()
        .filter(|p| p.enabled && !p.is_self_hosted() && p.features.contains(&wanted))
        .min_by_key(|p| (p.price_monthly.unwrap_or(i64::MAX), p.sort_order));
    let mut message = format!(
        "The {} plan does not include {}.",
        standing.plan.name,
        wanted.label().to_lowercase()
    );
    match lift {
        Some(p) => message.push_str(&format!(" The {} plan includes it.", p.name)),
        None => message.push_str(" No plan offers it yet; contact support."),
    }
    Err(Error::PaymentRequired {
        code: "feature-not-in-plan",
        message,
    })
}
