//! Which tracked profiles an account is compared with, and over how many days: read (with
//! tracked profiles removed since left out) and saved (validated, checked against the plan).

use instagram::service::subject::{self, Subject};
use platform::{AppState, Ctx, Error, FieldError, Permission, Result, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use uuid::Uuid;

use crate::model::competitor_set;

/// At most this many tracked profiles beside the account: six lines stay legible on one chart
/// (and the chart has six colours), whatever the plan allows.
pub const MAX_TRACKED: usize = 5;
pub const DEFAULT_DAYS: i64 = 90;
pub const MIN_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 365;

/// The comparison as chosen.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub days: i64,
    /// The tracked profiles, in the order chosen.
    pub tracked: Vec<Subject>,
    /// Saved profiles no longer tracked (left out).
    pub gone: usize,
    pub saved: bool,
}

fn own_account(account: &Subject) -> Result<Uuid> {
    account.account_id().ok_or(Error::NotFound)
}

/// The saved choice of `account` (an own account reached through `ctx`); nothing saved yet is
/// the account alone over [`DEFAULT_DAYS`].
pub async fn saved(state: &AppState, ctx: &Ctx, account: &Subject) -> Result<Chosen> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let account_id = own_account(account)?;
    let row = competitor_set::Entity::find()
        .filter(competitor_set::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(competitor_set::Column::AccountId.eq(account_id))
        .one(&state.db)
        .await?;
    let Some(row) = row else {
        return Ok(Chosen {
            days: DEFAULT_DAYS,
            tracked: Vec::new(),
            gone: 0,
            saved: false,
        });
    };
    let ids: Vec<Uuid> = serde_json::from_value(row.tracked_ids.clone()).unwrap_or_default();
    let all = subject::all_in(&state.db, &scope).await?;
    let tracked: Vec<Subject> = ids
        .iter()
        .filter_map(|id| {
            all.iter()
                .find(|s| s.is_tracked() && s.id() == *id)
                .cloned()
        })
        .collect();
    Ok(Chosen {
        days: i64::from(row.days).clamp(MIN_DAYS, MAX_DAYS),
        gone: ids.len() - tracked.len(),
        tracked,
        saved: true,
    })
}

/// Saves the choice: `tracked` are ids of the workspace's tracked profiles (as the form's
/// checkboxes and the API send them). Unknown ids, too many, or a period out of range are
/// field errors (422); more than the plan allows is 402.
pub async fn save(
    state: &AppState,
    ctx: &Ctx,
    account: &Subject,
    tracked: &[String],
    days: Option<i64>,
) -> Result<Chosen> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let account_id = own_account(account)?;
    let days = days.unwrap_or(DEFAULT_DAYS);
    let mut errors = Vec::new();
    if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
        errors.push(FieldError::new(
            "days",
            format!("From {MIN_DAYS} to {MAX_DAYS} days"),
        ));
    }
    let all = subject::all_in(&state.db, &scope).await?;
    let mut chosen: Vec<Subject> = Vec::new();
    for raw in tracked.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let found = Uuid::parse_str(raw)
            .ok()
            .and_then(|id| all.iter().find(|s| s.is_tracked() && s.id() == id));
        match found {
            Some(s) if !chosen.iter().any(|c| c.id() == s.id()) => chosen.push(s.clone()),
            Some(_) => {}
            None => {
                errors.push(FieldError::new(
                    "tracked",
                    "Choose the profiles from the workspace's tracked profiles",
                ));
                break;
            }
        }
    }
    if chosen.len() > MAX_TRACKED {
        errors.push(FieldError::new(
            "tracked",
            format!("Choose at most {MAX_TRACKED} profiles"),
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if !chosen.is_empty() {
        // "One more fits given how many": the last of the chosen is the addition.
        state
            .limits
            .check_addition(state, &scope, super::METER, chosen.len() as i64 - 1)
            .await?;
    }
    let ids = serde_json::json!(chosen.iter().map(|s| s.id()).collect::<Vec<_>>());
    let now = platform::db::now();
    let days_i32 = i32::try_from(days).unwrap_or(DEFAULT_DAYS as i32);
    // One statement whoever saves first: two first saves at once update the same row (the
    // account id is unique; the account is the caller's, resolved through its workspace).
    competitor_set::Entity::insert(competitor_set::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id()),
        account_id: Set(account_id),
        tracked_ids: Set(ids),
        days: Set(days_i32),
        updated_by: Set(Some(ctx.user_id())),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(competitor_set::Column::AccountId)
            .update_columns([
                competitor_set::Column::TrackedIds,
                competitor_set::Column::Days,
                competitor_set::Column::UpdatedBy,
                competitor_set::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    Ok(Chosen {
        days,
        tracked: chosen,
        gone: 0,
        saved: true,
    })
}
