//! Members of the caller's workspace: list, change role, remove (or leave), transfer ownership.
//! The last owner can neither leave nor be demoted; nobody acts on a member above their rank.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Role, Scope,
    audit::{self, Event},
    authz::grantable_roles,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::accounts::parse_role;
use crate::model::{api_token, membership, session, user};

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub two_factor: bool,
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<Member>> {
    ctx.require(Permission::WorkspaceRead)?;
    members_of(&state.db, &Scope::of(ctx)?).await
}

/// How many members a workspace has (its seats in use).
pub async fn count(conn: &impl ConnectionTrait, scope: &Scope) -> Result<i64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(scope.workspace_id()))
        .count(conn)
        .await? as i64)
}

/// The members of one workspace, longest-standing first. Callers decide who may ask: the
/// workspace's own members (`list`) or staff (the back office's workspace page).
pub async fn members_of(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Member>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(membership::Column::CreatedAt)
        .all(conn)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id).collect::<Vec<_>>()))
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        if let Some(u) = users.iter().find(|u| u.id == m.user_id) {
            out.push(Member {
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: parse_role(&m.role)?,
                joined_at: m.created_at,
                two_factor: u.totp_enabled_at.is_some(),
            });
        }
    }
    Ok(out)
}

/// The membership row of `user_id` in the scope's workspace; another workspace's member is 404.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    user_id: Uuid,
) -> Result<membership::Model> {
    membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(membership::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

async fn owner_count(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?)
}

fn actor_role(ctx: &Ctx) -> Result<Role> {
    ctx.role().ok_or(Error::NotFound)
}

pub async fn change_role(state: &AppState, ctx: &Ctx, user_id: Uuid, role: Role) -> Result<Member> {
    ctx.require(Permission::MembersManage)?;
    let actor = actor_role(ctx)?;
    let ws = ctx.workspace_id()?;
    let txn = platform::db::begin_write(&state.db).await?;
    let m = find_in(&txn, &Scope::of(ctx)?, user_id).await?;
    let current = parse_role(&m.role)?;
    if current.rank() > actor.rank() {
        return Err(Error::forbidden(
            "You cannot change the role of someone above your own role",
        ));
    }
    // Owners may make other owners; everyone else grants at most their own rank, never owner.
    let allowed = actor == Role::Owner || grantable_roles(actor).contains(&role);
    if !allowed {
        return Err(Error::forbidden(format!(
            "You cannot grant the {} role",
            role.label()
        )));
    }
    if current == Role::Owner && role != Role::Owner && owner_count(&txn, ws).await? <= 1 {
        return Err(Error::Conflict(
            "The last owner cannot be demoted. Transfer ownership first.".into(),
        ));
    }
    let mut active = m.into_active_model();
    active.role = Set(role.as_str().into());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Event::new("member.role_changed")
            .by(ctx)
            .target("user", user_id)
            .detail(serde_json::json!({ "from": current, "to": role })),
    )
    .await?;
    txn.commit().await?;
    list(state, ctx)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .ok_or(Error::NotFound)
}

/// Removes a member; removing oneself is leaving. Their API tokens in this workspace stop.
pub async fn remove(state: &AppState, ctx: &Ctx, user_id: Uuid) -> Result<()> {
    let leaving = user_id == ctx.user_id();
    if !leaving {
        ctx.require(Permission::MembersManage)?;
    }
    let ws = ctx.workspace_id()?;
    let txn = platform::db::begin_write(&state.db).await?;
    let m = find_in(&txn, &Scope::of(ctx)?, user_id).await?;
    let role = parse_role(&m.role)?;
    if !leaving && role.rank() > actor_role(ctx)?.rank() {
        return Err(Error::forbidden(
            "You cannot remove someone above your own role",
        ));
    }
    if role == Role::Owner && owner_count(&txn, ws).await? <= 1 {
        return Err(Error::Conflict(
            "The last owner cannot leave or be removed. Transfer ownership first.".into(),
        ));
    }
    membership::Entity::delete_by_id(m.id).exec(&txn).await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::WorkspaceId.eq(ws))
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    session::Entity::update_many()
        .col_expr(
            session::Column::WorkspaceId,
            sea_orm::sea_query::Expr::value(Option::<Uuid>::None),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Event::new(if leaving {
            "member.left"
        } else {
            "member.removed"
        })
        .by(ctx)
        .target("user", user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes another member an owner and the caller an admin.
pub async fn transfer_ownership(state: &AppState, ctx: &Ctx, to_user_id: Uuid) -> Result<()> {
    ctx.require(Permission::OwnershipTransfer)?;
    if to_user_id == ctx.user_id() {
        return Err(Error::validation("user_id", "Choose another member"));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    let target = find_in(&txn, &Scope::of(ctx)?, to_user_id).await?;
    let me = find_in(&txn, &Scope::of(ctx)?, ctx.user_id()).await?;
    let mut t = target.into_active_model();
    t.role = Set(Role::Owner.as_str().into());
    t.update(&txn).await?;
    let mut m = me.into_active_model();
    m.role = Set(Role::Admin.as_str().into());
    m.update(&txn).await?;
    audit::record(
        &txn,
        Event::new("workspace.ownership_transferred")
            .by(ctx)
            .target("user", to_user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
