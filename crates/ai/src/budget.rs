//! A workspace's AI settings: its monthly AI budget in credits (what AI may spend per UTC
//! calendar month, on top of the wallet's own balance check) and its preferred model among
//! those staff enabled.
//!
//! The budget is checked before each call against what this month's calls captured; two
//! calls racing at the edge can pass it by at most one call's price each (the wallet itself
//! never goes below zero). When a month's spending passes 80 % of the budget, staff with the
//! billing permission are notified once for that month (a conditional update decides who
//! sends it, so two nodes never both do).

use chrono::Utc;
use platform::{
    AppState, Ctx, Error, FieldError, Permission, Result, Scope,
    notify::{self, Notice},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Condition, OnConflict},
};
use serde::{Deserialize, Serialize};

use crate::{meter, model::workspace_setting, models};

/// Highest budget accepted (credits per month).
pub const BUDGET_MAX: i64 = 10_000_000;
/// Share of the budget at which staff are told.
pub const WARN_PERCENT: i64 = 80;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AiWorkspaceSettings)]
pub struct Settings {
    /// Credits AI may spend per calendar month (UTC); absent: no cap beyond the balance.
    pub monthly_credits: Option<i64>,
    /// The workspace's model; absent: the server's default.
    pub model: Option<String>,
    /// Credits AI calls captured this month.
    pub spent_this_month: i64,
}

pub async fn of(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Settings> {
    let row = workspace_setting::Entity::find_by_id(scope.workspace_id())
        .one(conn)
        .await?;
    let spent =
        meter::credits_since(conn, scope.workspace_id(), meter::month_start(Utc::now())).await?;
    Ok(Settings {
        monthly_credits: row.as_ref().and_then(|r| r.monthly_credits),
        model: row.and_then(|r| r.model),
        spent_this_month: spent,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = AiWorkspaceSettingsInput)]
pub struct Input {
    /// Credits per month; null or absent: no cap.
    #[serde(default)]
    pub monthly_credits: Option<i64>,
    /// An enabled model; null or absent: the server's default.
    #[serde(default)]
    pub model: Option<String>,
}

/// Saves the settings (owners and admins).
pub async fn save(state: &AppState, ctx: &Ctx, input: &Input) -> Result<Settings> {
    ctx.require(Permission::WorkspaceSettings)?;
    let scope = Scope::of(ctx)?;
    if let Some(b) = input.monthly_credits
        && !(0..=BUDGET_MAX).contains(&b)
    {
        return Err(Error::Validation(vec![FieldError::new(
            "monthly_credits",
            "Enter a whole number of credits from 0 to 10,000,000, or leave it empty for no cap.",
        )]));
    }
    let model = input
        .model
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if let Some(m) = model {
        models::require_enabled(&state.db, m, "model").await?;
    }
    workspace_setting::Entity::insert(workspace_setting::ActiveModel {
        workspace_id: Set(scope.workspace_id()),
        monthly_credits: Set(input.monthly_credits),
        model: Set(model.map(str::to_string)),
        warned_period: Set(None),
        updated_by: Set(Some(ctx.user_id())),
        updated_at: Set(platform::db::now()),
    })
    .on_conflict(
        OnConflict::column(workspace_setting::Column::WorkspaceId)
            .update_columns([
                workspace_setting::Column::MonthlyCredits,
                workspace_setting::Column::Model,
                workspace_setting::Column::UpdatedBy,
                workspace_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    platform::audit::record(
        &state.db,
        platform::audit::Event::new("ai.settings_changed")
            .by(ctx)
            .detail(serde_json::json!({
                "monthly_credits": input.monthly_credits,
                "model": model,
            })),
    )
    .await?;
    of(&state.db, &scope).await
}

/// Refuses a call whose price would take this month's AI spending past the budget.
pub fn check(settings: &Settings, price: i64) -> Result<()> {
    let Some(budget) = settings.monthly_credits else {
        return Ok(());
    };
    if settings.spent_this_month + price > budget {
        return Err(Error::PaymentRequired {
            code: "ai-budget-exhausted",
            message: format!(
                "This workspace's monthly AI budget is used up: {} of {} credits spent this month. An owner or admin can raise it under Workspace → AI; it renews on the 1st.",
                platform::web::format::number(settings.spent_this_month),
                platform::web::format::number(budget),
            ),
        });
    }
    Ok(())
}

/// After a capture: tells staff once per month when the workspace passed 80 % of its budget.
pub async fn warn_if_near(state: &AppState, scope: &Scope) -> Result<()> {
    let settings = of(&state.db, scope).await?;
    let Some(budget) = settings.monthly_credits.filter(|b| *b > 0) else {
        return Ok(());
    };
    if settings.spent_this_month * 100 < budget * WARN_PERCENT {
        return Ok(());
    }
    let period = meter::period(Utc::now());
    let claimed = workspace_setting::Entity::update_many()
        .col_expr(
            workspace_setting::Column::WarnedPeriod,
            sea_orm::sea_query::Expr::value(period.clone()),
        )
        .filter(workspace_setting::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(
            Condition::any()
                .add(workspace_setting::Column::WarnedPeriod.is_null())
                .add(workspace_setting::Column::WarnedPeriod.ne(period)),
        )
        .exec(&state.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(());
    }
    let name = state
        .directory
        .names(state, vec![scope.workspace_id()])
        .await
        .ok()
        .and_then(|mut names| names.remove(&scope.workspace_id()))
        .unwrap_or_else(|| "A workspace".into());
    notify::send(
        &state.db,
        &state.events,
        Notice {
            kind: "ai.budget_80",
            audience: notify::audience::BILLING,
            title: format!("{name} passed 80 % of its AI budget"),
            body: format!(
                "{} of {} credits spent this month.",
                platform::web::format::number(settings.spent_this_month),
                platform::web::format::number(budget)
            ),
            link: Some(format!("/admin/workspaces/{}", scope.workspace_id())),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(budget: Option<i64>, spent: i64) -> Settings {
        Settings {
            monthly_credits: budget,
            model: None,
            spent_this_month: spent,
        }
    }

    #[test]
    fn refuses_only_past_the_budget() {
        assert!(check(&s(None, 1_000_000), 5).is_ok());
        assert!(check(&s(Some(10), 5), 5).is_ok());
        let e = check(&s(Some(10), 6), 5).err();
        assert!(matches!(
            e,
            Some(Error::PaymentRequired {
                code: "ai-budget-exhausted",
                ..
            })
        ));
        assert!(check(&s(Some(0), 0), 1).is_err());
    }
}
