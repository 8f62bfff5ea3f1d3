//! What an account page is about: one of the workspace's own accounts, or a public profile
//! it tracks. Both are reached only through the caller's workspace: another workspace's id
//! is not found.

use platform::{AppState, Ctx, Error, Permission, Result, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{accounts::AccountCard, profiles, tracked::TrackedProfile};
use crate::model::profile;

#[derive(Debug, Clone)]
pub enum Subject {
    // Boxed: the rows are large, and lists of subjects are moved around.
    Account(Box<AccountCard>),
    Tracked(Box<TrackedProfile>),
}

impl Subject {
    pub async fn account(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Subject> {
        Ok(Subject::Account(Box::new(
            super::accounts::find_in(state, ctx, id).await?,
        )))
    }

    pub async fn tracked(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Subject> {
        Ok(Subject::Tracked(Box::new(
            tracked_in(state, ctx, id).await?,
        )))
    }

    /// The subject a job stored (`kind()` and `id()`), in the workspace it ran for; gone or
    /// another workspace's is not found.
    pub async fn in_scope(
        state: &AppState,
        scope: &Scope,
        kind: &str,
        id: Uuid,
    ) -> Result<Subject> {
        match kind {
            "account" => {
                let account = crate::model::account::Entity::find_by_id(id)
                    .filter(crate::model::account::Column::WorkspaceId.eq(scope.workspace_id()))
                    .one(&state.db)
                    .await?
                    .ok_or(Error::NotFound)?;
                let profile = profiles::get(&state.db, account.profile_id).await?;
                Ok(Subject::Account(Box::new(AccountCard { account, profile })))
            }
            "tracked" => {
                let tracked = super::tracked::find_in(&state.db, scope, id).await?;
                let profile = profiles::get(&state.db, tracked.profile_id).await?;
                Ok(Subject::Tracked(Box::new(TrackedProfile {
                    tracked,
                    profile,
                })))
            }
            _ => Err(Error::NotFound),
        }
    }

    /// `account` or `tracked`: how a stored reference names the list it is in.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Account(_) => "account",
            Subject::Tracked(_) => "tracked",
        }
    }

    pub fn profile(&self) -> &profile::Model {
        match self {
            Subject::Account(c) => &c.profile,
            Subject::Tracked(t) => &t.profile,
        }
    }

    /// The id in its own list (account id or tracked id), as pages address it.
    pub fn id(&self) -> Uuid {
        match self {
            Subject::Account(c) => c.account.id,
            Subject::Tracked(t) => t.tracked.id,
        }
    }

    /// The own account, whose private insights this workspace may see.
    pub fn account_id(&self) -> Option<Uuid> {
        match self {
            Subject::Account(c) => Some(c.account.id),
            Subject::Tracked(_) => None,
        }
    }

    pub fn is_tracked(&self) -> bool {
        matches!(self, Subject::Tracked(_))
    }

    /// The page of this subject.
    pub fn path(&self) -> String {
        match self {
            Subject::Account(c) => format!("/instagram/accounts/{}", c.account.id),
            Subject::Tracked(t) => format!("/instagram/tracked/{}", t.tracked.id),
        }
    }
}

/// A profile the caller's workspace tracks; another workspace's id is not found.
pub async fn tracked_in(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<TrackedProfile> {
    ctx.require(Permission::WorkspaceRead)?;
    let tracked = super::tracked::find_in(&state.db, &Scope::of(ctx)?, id).await?;
    let profile = profiles::get(&state.db, tracked.profile_id).await?;
    Ok(TrackedProfile { tracked, profile })
}

/// Every subject of a workspace — its own accounts, then the profiles it tracks, each in the
/// order added — for work done for the workspace without a member's request behind it (a
/// calendar feed read with its secret link) or across all of it (the workspace's planner).
pub async fn all_in(db: &impl sea_orm::ConnectionTrait, scope: &Scope) -> Result<Vec<Subject>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    use crate::model::{account, tracked};

    let accounts = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(account::Column::CreatedAt)
        .all(db)
        .await?;
    let tracked = tracked::Entity::find()
        .filter(tracked::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(tracked::Column::CreatedAt)
        .all(db)
        .await?;
    let profiles = profile::Entity::find()
        .filter(
            profile::Column::Id.is_in(
                accounts
                    .iter()
                    .map(|a| a.profile_id)
                    .chain(tracked.iter().map(|t| t.profile_id)),
            ),
        )
        .all(db)
        .await?;
    let profile_of = |id: Uuid| profiles.iter().find(|p| p.id == id).cloned();
    let mut out = Vec::new();
    for a in accounts {
        if let Some(profile) = profile_of(a.profile_id) {
            out.push(Subject::Account(Box::new(AccountCard {
                account: a,
                profile,
            })));
        }
    }
    for t in tracked {
        if let Some(profile) = profile_of(t.profile_id) {
            out.push(Subject::Tracked(Box::new(TrackedProfile {
                tracked: t,
                profile,
            })));
        }
    }
    Ok(out)
}
