//! Workspaces (tenants): creation, the user's list, switching.

use platform::{
    AppState, Ctx, Error, Result, Role,
    audit::{self, Event},
    db::now,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::{accounts::parse_role, sessions, slugify, text};
use crate::model::{membership, user, workspace};

/// A slug not yet taken: `acme`, else `acme-2`, `acme-3`, …, else a random suffix.
async fn free_slug(conn: &impl ConnectionTrait, name: &str) -> Result<String> {
    let base = slugify(name);
    for n in 1..=20 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = workspace::Entity::find()
            .filter(workspace::Column::Slug.eq(&candidate))
            .count(conn)
            .await?
            > 0;
        if !taken {
            return Ok(candidate);
        }
    }
    let suffix = hex::encode(platform::crypto::random_bytes::<3>().map_err(Error::internal)?);
    Ok(format!("{base}-{suffix}"))
}

/// Creates a workspace with `owner` as its owner (inside the caller's transaction).
pub async fn create_in(
    conn: &impl ConnectionTrait,
    owner: &user::Model,
    name: &str,
) -> Result<workspace::Model> {
    let t = now();
    let ws = workspace::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(free_slug(conn, name).await?),
        name: Set(name.to_string()),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    add_member(conn, ws.id, owner.id, Role::Owner).await?;
    Ok(ws)
}

pub async fn add_member(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<membership::Model> {
    Ok(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(user_id),
        role: Set(role.as_str().into()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?)
}

/// A signed-in user creates another workspace and switches to it.
pub async fn create(state: &AppState, ctx: &Ctx, name: &str) -> Result<workspace::Model> {
    let name =
        text("name", "Workspace name", name, NAME_MAX).map_err(|e| Error::Validation(vec![e]))?;
    let owner = super::accounts::find_user(&state.db, ctx.user_id()).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let ws = create_in(&txn, &owner, &name).await?;
    if let Some(session_id) = ctx.session_id() {
        sessions::set_workspace(&txn, session_id, ws.id).await?;
    }
    audit::record(
        &txn,
        Event::new("workspace.created")
            .by(ctx)
            .workspace(Some(ws.id))
            .target("workspace", ws.id),
    )
    .await?;
    txn.commit().await?;
    Ok(ws)
}

/// The user's workspaces with their role, oldest membership first.
pub async fn list_for_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<(workspace::Model, Role)>> {
    memberships(conn, user_id, None).await
}

/// A workspace joined to the user's membership in it (one query: this runs on every page).
#[derive(Debug, sea_orm::FromQueryResult)]
struct MembershipRow {
    id: Uuid,
    slug: String,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    role: String,
}

async fn memberships(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    only: Option<Uuid>,
) -> Result<Vec<(workspace::Model, Role)>> {
    use sea_orm::{
        FromQueryResult,
        sea_query::{Condition, Expr, ExprTrait, Order, Query},
    };
    let (m, w) = (membership::Entity, workspace::Entity);
    let mut query = Query::select()
        .columns([
            (w, workspace::Column::Id),
            (w, workspace::Column::Slug),
            (w, workspace::Column::Name),
            (w, workspace::Column::CreatedAt),
            (w, workspace::Column::UpdatedAt),
        ])
        .column((m, membership::Column::Role))
        .from(m)
        .inner_join(
            w,
            Expr::col((w, workspace::Column::Id)).equals((m, membership::Column::WorkspaceId)),
        )
        .and_where(Expr::col((m, membership::Column::UserId)).eq(user_id))
        .order_by((m, membership::Column::CreatedAt), Order::Asc)
        .to_owned();
    if let Some(workspace_id) = only {
        query.cond_where(
            Condition::all().add(Expr::col((m, membership::Column::WorkspaceId)).eq(workspace_id)),
        );
    }
    let rows = MembershipRow::find_by_statement(conn.get_database_backend().build(&query))
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            let role = parse_role(&r.role)?;
            let ws = workspace::Model {
                id: r.id,
                slug: r.slug,
                name: r.name,
                created_at: r.created_at,
                updated_at: r.updated_at,
            };
            Ok((ws, role))
        })
        .collect()
}

pub async fn first_for_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<workspace::Model>> {
    Ok(list_for_user(conn, user_id)
        .await?
        .into_iter()
        .next()
        .map(|(w, _)| w))
}

/// The membership of a user in a workspace, if any.
pub async fn membership_of(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(workspace::Model, Role)>> {
    Ok(memberships(conn, user_id, Some(workspace_id))
        .await?
        .into_iter()
        .next())
}

pub async fn by_slug_for_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    slug: &str,
) -> Result<(workspace::Model, Role)> {
    list_for_user(conn, user_id)
        .await?
        .into_iter()
        .find(|(w, _)| w.slug == slug)
        .ok_or(Error::NotFound)
}

/// Switches the session's current workspace; a workspace the user is not in is not found.
pub async fn switch(state: &AppState, ctx: &Ctx, slug: &str) -> Result<workspace::Model> {
    let session_id = ctx
        .session_id()
        .ok_or_else(|| Error::forbidden("API tokens belong to one workspace"))?;
    let (ws, _) = by_slug_for_user(&state.db, ctx.user_id(), slug).await?;
    sessions::set_workspace(&state.db, session_id, ws.id).await?;
    Ok(ws)
}

/// What the workspace settings page counts, all counted now from the database.
pub struct WorkspaceFigures {
    pub members: u64,
    pub pending_invitations: u64,
    pub active_tokens: u64,
}

pub async fn figures(state: &AppState, ctx: &Ctx) -> Result<WorkspaceFigures> {
    ctx.require(platform::Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    let members = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(ws))
        .count(&state.db)
        .await?;
    let scope = platform::Scope::of(ctx)?;
    let pending_invitations = super::invitations::pending_count(&state.db, &scope).await?;
    let active_tokens = super::tokens::active_count(&state.db, &scope).await?;
    Ok(WorkspaceFigures {
        members,
        pending_invitations,
        active_tokens,
    })
}

/// The caller's current workspace.
pub async fn current(state: &AppState, ctx: &Ctx) -> Result<workspace::Model> {
    ctx.require(platform::Permission::WorkspaceRead)?;
    workspace::Entity::find_by_id(ctx.workspace_id()?)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)
}

/// The longest workspace name.
pub const NAME_MAX: usize = 100;

/// Renames the caller's workspace (owners and admins). The slug stays: scripts and the
/// command line (`growthdeck demo --workspace SLUG`) name the workspace by it.
pub async fn rename(state: &AppState, ctx: &Ctx, name: &str) -> Result<workspace::Model> {
    ctx.require(platform::Permission::WorkspaceSettings)?;
    let name =
        text("name", "Workspace name", name, NAME_MAX).map_err(|e| Error::Validation(vec![e]))?;
    let id = ctx.workspace_id()?;
    let txn = platform::db::begin_write(&state.db).await?;
    let current = workspace::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if current.name == name {
        return Ok(current);
    }
    let from = current.name.clone();
    let mut active: workspace::ActiveModel = current.into();
    active.name = Set(name.clone());
    active.updated_at = Set(now());
    let saved = active.update(&txn).await?;
    audit::record(
        &txn,
        Event::new("workspace.renamed")
            .by(ctx)
            .target("workspace", id)
            .detail(serde_json::json!({ "from": from, "to": name })),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A workspace by its slug, for operators (the command line); no membership check.
pub async fn find_by_slug(conn: &impl ConnectionTrait, slug: &str) -> Result<workspace::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    workspace::Entity::find()
        .filter(workspace::Column::Slug.eq(slug.trim()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}
