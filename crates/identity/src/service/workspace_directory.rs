//! The staff's view of workspaces (tenants): a searchable, sortable list with member counts,
//! and one workspace in detail — members, owner and usage. Cross-tenant by design, reached only
//! through the back office after its role check.

use std::collections::HashMap;

use platform::{Error, Result, Role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use platform::db::contains_pattern;

use super::members::{Member, members_of};
use crate::model::{api_token, invitation, membership, workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkspaceSort {
    #[default]
    Newest,
    Oldest,
    Name,
}

impl WorkspaceSort {
    pub const ALL: [WorkspaceSort; 3] = [
        WorkspaceSort::Newest,
        WorkspaceSort::Oldest,
        WorkspaceSort::Name,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            WorkspaceSort::Newest => "newest",
            WorkspaceSort::Oldest => "oldest",
            WorkspaceSort::Name => "name",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            WorkspaceSort::Newest => "Newest first",
            WorkspaceSort::Oldest => "Oldest first",
            WorkspaceSort::Name => "Name A–Z",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A workspace in the list, with how many members it has.
pub struct WorkspaceRow {
    pub workspace: workspace::Model,
    pub members: u64,
}

fn filtered(q: Option<&str>) -> Select<workspace::Entity> {
    let mut find = workspace::Entity::find();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        find = find.filter(
            sea_orm::Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(workspace::Column::Name)))
                        .like(contains_pattern(q)),
                )
                .add(Expr::col(workspace::Column::Slug).like(contains_pattern(q))),
        );
    }
    find
}

#[derive(FromQueryResult)]
struct CountRow {
    workspace_id: Uuid,
    n: i64,
}

async fn member_counts(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<HashMap<Uuid, u64>> {
    let rows = membership::Entity::find()
        .select_only()
        .column(membership::Column::WorkspaceId)
        .column_as(membership::Column::Id.count(), "n")
        .filter(membership::Column::WorkspaceId.is_in(ids))
        .group_by(membership::Column::WorkspaceId)
        .into_model::<CountRow>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.workspace_id, u64::try_from(r.n).unwrap_or(0)))
        .collect())
}

/// One numbered page of workspaces whose name or slug contains `q`, with the total.
pub async fn list(
    conn: &impl ConnectionTrait,
    q: Option<&str>,
    sort: WorkspaceSort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<WorkspaceRow>, u64)> {
    let total = filtered(q).count(conn).await?;
    let find = match sort {
        WorkspaceSort::Newest => filtered(q).order_by_desc(workspace::Column::Id),
        WorkspaceSort::Oldest => filtered(q).order_by_asc(workspace::Column::Id),
        WorkspaceSort::Name => filtered(q)
            .order_by_asc(workspace::Column::Name)
            .order_by_asc(workspace::Column::Id),
    };
    let rows = find
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    let counts = member_counts(conn, rows.iter().map(|w| w.id).collect()).await?;
    Ok((
        rows.into_iter()
            .map(|w| WorkspaceRow {
                members: counts.get(&w.id).copied().unwrap_or(0),
                workspace: w,
            })
            .collect(),
        total,
    ))
}

/// One workspace as staff see it.
pub struct WorkspaceDetail {
    pub workspace: workspace::Model,
    pub members: Vec<Member>,
    pub pending_invitations: u64,
    pub active_api_tokens: u64,
}

impl WorkspaceDetail {
    pub fn owners(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.role == Role::Owner)
    }
}

/// One workspace as staff see it (`Scope::for_staff`): members, open invitations, live tokens.
pub async fn detail(
    conn: &impl ConnectionTrait,
    scope: &platform::Scope,
) -> Result<WorkspaceDetail> {
    let id = scope.workspace_id();
    let workspace = workspace::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let t = platform::db::now();
    let pending_invitations = invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(t))
        .count(conn)
        .await?;
    let active_api_tokens = api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(t)),
        )
        .count(conn)
        .await?;
    Ok(WorkspaceDetail {
        members: members_of(conn, scope).await?,
        workspace,
        pending_invitations,
        active_api_tokens,
    })
}

/// One workspace by id (any tenant; staff only), or 404.
pub async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<workspace::Model> {
    workspace::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The names of the given workspaces (those that exist), for staff lists of other features.
pub async fn names(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<HashMap<Uuid, String>> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect())
}

/// The user's role in the workspace; `None` when the user is not a member.
pub async fn role_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    workspace: Uuid,
) -> Result<Option<Role>> {
    membership::Entity::find()
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::WorkspaceId.eq(workspace))
        .one(conn)
        .await?
        .map(|m| super::accounts::parse_role(&m.role))
        .transpose()
}

/// The workspace directory other features reach through `platform::directory` (registered in
/// identity's `feature()`): they name and find workspaces without reading identity's tables.
pub struct DirectoryPort;

fn entry(w: workspace::Model) -> platform::directory::WorkspaceEntry {
    platform::directory::WorkspaceEntry {
        id: w.id,
        slug: w.slug,
        name: w.name,
        created_at: w.created_at,
    }
}

#[async_trait::async_trait]
impl platform::directory::WorkspaceDirectory for DirectoryPort {
    async fn find(
        &self,
        state: &platform::AppState,
        id: Uuid,
    ) -> Result<platform::directory::WorkspaceEntry> {
        Ok(entry(by_id(&state.db, id).await?))
    }

    async fn names(
        &self,
        state: &platform::AppState,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, String>> {
        names(&state.db, ids).await
    }

    async fn role_of(
        &self,
        state: &platform::AppState,
        user: Uuid,
        workspace: Uuid,
    ) -> Result<Option<Role>> {
        role_of(&state.db, user, workspace).await
    }

    async fn user_emails(
        &self,
        state: &platform::AppState,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, String>> {
        Ok(crate::model::user::Entity::find()
            .filter(crate::model::user::Column::Id.is_in(ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect())
    }
}
