//! Invitations by email: a 7-day single-use link; accepting creates the account or links an
//! existing one (the invited address must be the account's).

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Origin, Permission, Result, Role, Scope,
    audit::{self, Event},
    authz::grantable_roles,
    crypto,
    db::now,
    mail,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{Email, accounts, members, sessions, workspaces};
use crate::{
    model::{invitation, membership, workspace},
    password,
};

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

fn view(i: &invitation::Model) -> Result<Invitation> {
    Ok(Invitation {
        id: i.id,
        email: i.email_lower.clone(),
        role: accounts::parse_role(&i.role)?,
        created_at: i.created_at,
        expires_at: i.expires_at,
    })
}

fn pending() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(invitation::Column::AcceptedAt.is_null())
        .add(invitation::Column::RevokedAt.is_null())
        .add(invitation::Column::ExpiresAt.gt(now()))
}

pub async fn pending_count(conn: &impl ConnectionTrait, scope: &Scope) -> Result<u64> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(pending())
        .count(conn)
        .await?)
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<Invitation>> {
    ctx.require(Permission::WorkspaceRead)?;
    invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(pending())
        .order_by_desc(invitation::Column::CreatedAt)
        .all(&state.db)
        .await?
        .iter()
        .map(view)
        .collect()
}

/// Invites an address with a role (at most the inviter's own rank; ownership only by transfer).
pub async fn invite(state: &AppState, ctx: &Ctx, email: &str, role: Role) -> Result<Invitation> {
    ctx.require(Permission::MembersInvite)?;
    let email = Email::parse("email", email).map_err(|e| Error::Validation(vec![e]))?;
    let actor = ctx.role().ok_or(Error::NotFound)?;
    if !grantable_roles(actor).contains(&role) {
        return Err(Error::validation(
            "role",
            format!("You cannot invite someone as {}", role.label()),
        ));
    }
    let ws = ctx.workspace()?.clone();
    if let Some(existing) = accounts::find_by_email(&state.db, &email.lower).await?
        && workspaces::membership_of(&state.db, ws.id, existing.id)
            .await?
            .is_some()
    {
        return Err(Error::validation(
            "email",
            "This person is already a member",
        ));
    }
    // Seats: members plus invitations still open (an invitation holds its seat until it is
    // accepted, revoked or expires; one to the same address is replaced, not added).
    let open_elsewhere = invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(ws.id))
        .filter(invitation::Column::EmailLower.ne(&email.lower))
        .filter(pending())
        .count(&state.db)
        .await?;
    let scope = Scope::of(ctx)?;
    let seats = members::count(&state.db, &scope).await? + open_elsewhere as i64;
    state
        .limits
        .check_addition(state, &scope, "seats", seats)
        .await?;
    let token = crypto::random_token().map_err(Error::internal)?;
    let txn = platform::db::begin_write(&state.db).await?;
    // A new invitation to the same address replaces the old one.
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(invitation::Column::WorkspaceId.eq(ws.id))
        .filter(invitation::Column::EmailLower.eq(&email.lower))
        .filter(pending())
        .exec(&txn)
        .await?;
    let t = now();
    let inv = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws.id),
        email_lower: Set(email.lower.clone()),
        role: Set(role.as_str().into()),
        token_hash: Set(crypto::token_hash(&token)),
        invited_by: Set(Some(ctx.user_id())),
        created_at: Set(t),
        expires_at: Set(t + super::INVITATION_TTL),
        accepted_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let url = super::link(state, &format!("/invitations/{token}"));
    mail::enqueue(
        &txn,
        &email.display,
        &format!("{} invited you to {} on {}", ctx.user.name, ws.name, state.platform_name()),
        &format!(
            "Hello,\n\n{} ({}) invited you to join the workspace \"{}\" as {}.\n\nAccept the invitation (valid for 7 days):\n\n{url}\n",
            ctx.user.name, ctx.user.email, ws.name, role.label()
        ),
    )
    .await?;
    audit::record(
        &txn,
        Event::new("member.invited")
            .by(ctx)
            .target("invitation", inv.id)
            .detail(serde_json::json!({ "email": email.lower, "role": role })),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    view(&inv)
}

/// An invitation of the scope's workspace (open or not); another workspace's is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<invitation::Model> {
    invitation::Entity::find_by_id(id)
        .filter(invitation::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn revoke(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::MembersInvite)?;
    let inv = find_in(&state.db, &Scope::of(ctx)?, id).await?;
    // Only an open invitation is revoked; an accepted or expired one is not found.
    let res = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(pending())
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &state.db,
        Event::new("member.invitation_revoked")
            .by(ctx)
            .target("invitation", id),
    )
    .await?;
    Ok(())
}

/// What the invitation page shows before accepting.
pub struct Preview {
    pub invitation: invitation::Model,
    pub workspace: workspace::Model,
    pub existing_account: bool,
}

pub async fn preview(state: &AppState, token: &str) -> Result<Preview> {
    let invitation = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(crypto::token_hash(token)))
        .filter(pending())
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            Error::InvalidLink(
                "This invitation has expired, was revoked or was already accepted.".into(),
            )
        })?;
    let workspace = workspace::Entity::find_by_id(invitation.workspace_id)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    let existing_account = accounts::find_by_email(&state.db, &invitation.email_lower)
        .await?
        .is_some();
    Ok(Preview {
        invitation,
        workspace,
        existing_account,
    })
}

/// Marks the invitation accepted (exactly once) and adds the membership.
async fn join(conn: &impl ConnectionTrait, inv: &invitation::Model, user_id: Uuid) -> Result<()> {
    let res = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(Error::InvalidLink(
            "This invitation was already accepted.".into(),
        ));
    }
    let already = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(inv.workspace_id))
        .filter(membership::Column::UserId.eq(user_id))
        .count(conn)
        .await?;
    if already == 0 {
        workspaces::add_member(
            conn,
            inv.workspace_id,
            user_id,
            accounts::parse_role(&inv.role)?,
        )
        .await?;
    }
    Ok(())
}

/// A signed-in user accepts; the invitation must be for their address.
pub async fn accept_signed_in(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
) -> Result<workspace::Model> {
    let p = preview(state, token).await?;
    if p.invitation.email_lower != ctx.user.email.to_lowercase() {
        return Err(Error::forbidden(format!(
            "This invitation is for {}. Sign in with that address to accept it.",
            p.invitation.email_lower
        )));
    }
    // The plan may have shrunk since the invitation was sent: a seat must still be free.
    // The invitation's token named the workspace: the server resolved it, not the caller.
    let scope = Scope::for_system(p.workspace.id);
    let seats = members::count(&state.db, &scope).await?;
    state
        .limits
        .check_addition(state, &scope, "seats", seats)
        .await?;
    let txn = platform::db::begin_write(&state.db).await?;
    join(&txn, &p.invitation, ctx.user_id()).await?;
    if let Some(session_id) = ctx.session_id() {
        sessions::set_workspace(&txn, session_id, p.workspace.id).await?;
    }
    audit::record(
        &txn,
        Event::new("member.joined")
            .by(ctx)
            .workspace(Some(p.workspace.id))
            .target("invitation", p.invitation.id),
    )
    .await?;
    txn.commit().await?;
    Ok(p.workspace)
}

/// Someone without an account accepts: the account is created (its email is proven by the
/// invitation mail) and signed in.
pub async fn accept_new_account(
    state: &AppState,
    origin: &Origin,
    token: &str,
    name: &str,
    password_plain: &str,
) -> Result<(sessions::Issued, workspace::Model)> {
    let p = preview(state, token).await?;
    if p.existing_account {
        return Err(Error::Conflict(
            "An account with this email exists: sign in to accept the invitation.".into(),
        ));
    }
    let mut problems = super::Problems::default();
    let name = problems.take(super::text("name", "Name", name, 100));
    problems.take_err(password::check_policy(
        "password",
        password_plain,
        &p.invitation.email_lower,
    ));
    problems.finish()?;
    let name = name.unwrap_or_default();
    // The invitation's token named the workspace: the server resolved it, not the caller.
    let scope = Scope::for_system(p.workspace.id);
    let seats = members::count(&state.db, &scope).await?;
    state
        .limits
        .check_addition(state, &scope, "seats", seats)
        .await?;
    let hash = password::hash(password_plain).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let email = Email {
        display: p.invitation.email_lower.clone(),
        lower: p.invitation.email_lower.clone(),
    };
    let (user, announcement) = accounts::new_user(&txn, &email, &name, Some(hash), true).await?;
    join(&txn, &p.invitation, user.id).await?;
    let issued = sessions::issue(
        &txn,
        user.id,
        Some(p.workspace.id),
        sessions::ACTIVE,
        origin,
    )
    .await?;
    audit::record(
        &txn,
        Event::new("member.joined")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .workspace(Some(p.workspace.id))
            .target("invitation", p.invitation.id),
    )
    .await?;
    txn.commit().await?;
    platform::notify::publish(&state.events, announcement).await;
    Ok((issued, p.workspace))
}
