//! The staff's view of Instagram accounts across workspaces, for staff with customers' data
//! (the staff screens in [`crate::staff`]): platform totals for the dashboard, and a searchable
//! list. Workspace names come from the workspace directory (`platform::directory`), not
//! identity's tables.

use platform::{
    AppState, Result,
    db::contains_pattern,
    staff::{Staff, StaffPermission},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::accounts::{Kind, Status};
use crate::model::{account, profile, tracked};

/// What the platform holds, counted now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// All workspace accounts.
    pub accounts: u64,
    /// Connected with Instagram Login.
    pub connected: u64,
    pub reconnect_needed: u64,
    pub demo: u64,
    pub tracked_profiles: u64,
}

/// Rows per page of the list.
pub const PER_PAGE: u64 = 50;

pub async fn totals(staff: &Staff, conn: &impl ConnectionTrait) -> Result<Totals> {
    staff.require(StaffPermission::Customers)?;
    let count_kind = |kind: Kind| {
        account::Entity::find()
            .filter(account::Column::Kind.eq(kind.as_str()))
            .count(conn)
    };
    Ok(Totals {
        accounts: account::Entity::find().count(conn).await?,
        connected: count_kind(Kind::InstagramLogin).await?,
        demo: count_kind(Kind::Demo).await?,
        reconnect_needed: account::Entity::find()
            .filter(account::Column::Status.eq(Status::ReconnectNeeded.as_str()))
            .count(conn)
            .await?,
        tracked_profiles: tracked::Entity::find().count(conn).await?,
    })
}

/// An account as staff see it.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub account: account::Model,
    pub profile: profile::Model,
    pub workspace_name: String,
}

/// One numbered page of accounts (newest first, [`PER_PAGE`] a page) whose username contains
/// `q`, with the total.
pub async fn list(
    staff: &Staff,
    state: &AppState,
    q: Option<&str>,
    page: u64,
) -> Result<(Vec<StaffRow>, u64)> {
    staff.require(StaffPermission::Customers)?;
    let conn = &state.db;
    let mut profiles_matching: Option<Vec<uuid::Uuid>> = None;
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let ids: Vec<uuid::Uuid> = profile::Entity::find()
            .select_only()
            .column(profile::Column::Id)
            .filter(profile::Column::UsernameLower.like(contains_pattern(q)))
            .into_tuple()
            .all(conn)
            .await?;
        profiles_matching = Some(ids);
    }
    let filtered = || {
        let mut f = account::Entity::find();
        if let Some(ids) = &profiles_matching {
            f = f.filter(account::Column::ProfileId.is_in(ids.clone()));
        }
        f
    };
    let total = filtered().count(conn).await?;
    let accounts = filtered()
        .order_by_desc(account::Column::Id)
        .offset(page.saturating_sub(1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(conn)
        .await?;
    let profiles = profile::Entity::find()
        .filter(profile::Column::Id.is_in(accounts.iter().map(|a| a.profile_id)))
        .all(conn)
        .await?;
    let names = state
        .directory
        .names(state, accounts.iter().map(|a| a.workspace_id).collect())
        .await?;
    let rows = accounts
        .into_iter()
        .filter_map(|a| {
            let profile = profiles.iter().find(|p| p.id == a.profile_id)?.clone();
            let workspace_name = names.get(&a.workspace_id).cloned().unwrap_or_default();
            Some(StaffRow {
                account: a,
                profile,
                workspace_name,
            })
        })
        .collect();
    Ok((rows, total))
}
