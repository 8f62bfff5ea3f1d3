//! Workspace API tokens: `gd_` + 43 random characters, shown once, stored as SHA-256 with a
//! visible prefix, optional expiry, last-used time, revocable. A token acts as the member who
//! made it, with that member's current role capped by its scope.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result,
    audit::{self, Event},
    crypto,
    ctx::{CtxUser, CtxWorkspace, Principal, TokenScope},
    db::now,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{text, workspaces};
use crate::model::{api_token, user};

pub const PREFIX: &str = "gd_";

pub struct NewToken {
    pub name: String,
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a token for `user_id` in `workspace_id` (no permission check: callers do that).
pub async fn mint(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    new: &NewToken,
) -> Result<(api_token::Model, String)> {
    let secret = format!(
        "{PREFIX}{}",
        crypto::random_token().map_err(Error::internal)?
    );
    let model = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(user_id),
        name: Set(new.name.clone()),
        prefix: Set(secret.chars().take(PREFIX.len() + 8).collect()),
        token_hash: Set(crypto::token_hash(&secret)),
        scope: Set(new.scope.as_str().into()),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        created_at: Set(now()),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok((model, secret))
}

pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    new: NewToken,
) -> Result<(api_token::Model, String)> {
    ctx.require(Permission::TokensManage)?;
    let name = text("name", "Name", &new.name, 100).map_err(|e| Error::Validation(vec![e]))?;
    if let Some(at) = new.expires_at
        && at <= Utc::now()
    {
        return Err(Error::validation(
            "expires_at",
            "The expiry must be in the future",
        ));
    }
    let new = NewToken { name, ..new };
    let (model, secret) = mint(&state.db, ctx.workspace_id()?, ctx.user_id(), &new).await?;
    audit::record(
        &state.db,
        Event::new("token.created")
            .by(ctx)
            .target("api_token", model.id)
            .detail(serde_json::json!({ "name": model.name, "scope": model.scope })),
    )
    .await?;
    Ok((model, secret))
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<api_token::Model>> {
    ctx.require(Permission::TokensRead)?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

pub async fn active_count(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<u64> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(workspace_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .count(conn)
        .await?)
}

/// Revokes a token of the caller's workspace; another workspace's token is not found.
pub async fn revoke(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::TokensManage)?;
    let res = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &state.db,
        Event::new("token.revoked").by(ctx).target("api_token", id),
    )
    .await?;
    Ok(())
}

/// Resolves a bearer token into a context (`None`: unknown, revoked, expired, or its member
/// has left the workspace or is blocked).
pub async fn authenticate(
    state: &AppState,
    secret: &str,
    request_id: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Option<Ctx>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::token_hash(secret)))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let now_t = Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now_t) {
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(token.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.status == "active")
    else {
        return Ok(None);
    };
    let Some((ws, role)) =
        workspaces::membership_of(&state.db, token.workspace_id, user.id).await?
    else {
        return Ok(None);
    };
    let Some(scope) = TokenScope::parse(&token.scope) else {
        return Ok(None);
    };
    // One write a minute per token at most: the hot path stays read-only.
    if token
        .last_used_at
        .is_none_or(|t| now_t - t > chrono::Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(api_token::Column::Id.eq(token.id))
            .exec(&state.db)
            .await?;
    }
    Ok(Some(Ctx {
        user: CtxUser {
            id: user.id,
            email: user.email,
            name: user.name,
            two_factor: user.totp_enabled_at.is_some(),
        },
        workspace: Some((
            CtxWorkspace {
                id: ws.id,
                slug: ws.slug,
                name: ws.name,
            },
            role,
        )),
        principal: Principal::ApiToken {
            token_id: token.id,
            scope,
        },
        request_id: request_id.to_string(),
        ip,
    }))
}

/// What `POST /api/v1/auth/token` hands out.
pub struct SignInToken {
    pub token: api_token::Model,
    pub secret: String,
    pub workspace: crate::model::workspace::Model,
}

/// Credentials (and the second factor when 2FA is on) for a read-write token of one workspace
/// (`workspace_slug`, else the user's first), valid 30 days. Throttled like the sign-in form.
pub async fn sign_in(
    state: &AppState,
    origin: &platform::Origin,
    email: &str,
    password: &str,
    otp: Option<&str>,
    workspace_slug: Option<&str>,
) -> Result<SignInToken> {
    let user = super::accounts::check_password(state, origin, email, password).await?;
    if user.totp_enabled_at.is_some() {
        let code = otp
            .filter(|c| !c.trim().is_empty())
            .ok_or(Error::OtpRequired)?;
        super::two_factor::verify_code(state, origin, &user, code).await?;
    }
    let (workspace, _) = match workspace_slug {
        Some(slug) => workspaces::by_slug_for_user(&state.db, user.id, slug).await?,
        None => workspaces::list_for_user(&state.db, user.id)
            .await?
            .into_iter()
            .next()
            .ok_or(Error::NotFound)?,
    };
    let new = NewToken {
        name: format!("API sign-in {}", Utc::now().format("%Y-%m-%d %H:%M")),
        scope: TokenScope::ReadWrite,
        expires_at: Some(now() + super::API_SIGN_IN_TTL),
    };
    let (token, secret) = mint(&state.db, workspace.id, user.id, &new).await?;
    audit::record(
        &state.db,
        Event::new("auth.token_issued")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .workspace(Some(workspace.id))
            .target("api_token", token.id),
    )
    .await?;
    Ok(SignInToken {
        token,
        secret,
        workspace,
    })
}
