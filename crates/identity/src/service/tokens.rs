//! Workspace API tokens: `gd_` + 43 random characters, shown once, stored as SHA-256 with a
//! visible prefix, optional expiry, last-used time, revocable. A token acts as the member who
//! made it, with that member's current role capped by its scope.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
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

pub async fn active_count(conn: &impl ConnectionTrait, scope: &Scope) -> Result<u64> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(api_token::Column::RevokedAt.is_null())
        .count(conn)
        .await?)
}

/// A token of the scope's workspace; another workspace's token is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<api_token::Model> {
    api_token::Entity::find_by_id(id)
        .filter(api_token::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Revokes a token of the caller's workspace; another workspace's token is not found.
pub async fn revoke(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::TokensManage)?;
    let token = find_in(&state.db, &Scope::of(ctx)?, id).await?;
    // Only a live token is revoked (a second revocation is not found, as before).
    let res = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(api_token::Column::Id.eq(token.id))
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
    let Some(row) = resolve(&state.db, &crypto::token_hash(secret)).await? else {
        return Ok(None);
    };
    let now_t = Utc::now();
    if row.revoked_at.is_some()
        || row.expires_at.is_some_and(|e| e <= now_t)
        || row.status != "active"
    {
        return Ok(None);
    }
    let (Some(scope), Some(role)) = (
        TokenScope::parse(&row.scope),
        platform::Role::parse(&row.role),
    ) else {
        return Ok(None);
    };
    // One write a minute per token at most: the hot path stays read-only.
    if row
        .last_used_at
        .is_none_or(|t| now_t - t > chrono::Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(api_token::Column::Id.eq(row.token_id))
            .exec(&state.db)
            .await?;
    }
    Ok(Some(Ctx {
        user: CtxUser {
            id: row.user_id,
            email: row.email,
            name: row.name,
            two_factor: row.totp_enabled_at.is_some(),
        },
        workspace: Some((
            CtxWorkspace {
                id: row.workspace_id,
                slug: row.slug,
                name: row.workspace_name,
            },
            role,
        )),
        principal: Principal::ApiToken {
            token_id: row.token_id,
            scope,
        },
        request_id: request_id.to_string(),
        ip,
    }))
}

/// A token with its member, that member's role in the token's workspace, and the workspace.
#[derive(Debug, sea_orm::FromQueryResult)]
struct TokenRow {
    token_id: Uuid,
    scope: String,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    email: String,
    name: String,
    status: String,
    totp_enabled_at: Option<DateTime<Utc>>,
    workspace_id: Uuid,
    slug: String,
    workspace_name: String,
    role: String,
}

/// Every bearer request resolves its token, so this is one query: the token joined to its
/// member (the inner join on memberships drops tokens of people who left the workspace).
async fn resolve(db: &sea_orm::DatabaseConnection, token_hash: &str) -> Result<Option<TokenRow>> {
    use crate::model::{membership, workspace};
    use sea_orm::{
        FromQueryResult,
        sea_query::{Alias, Condition, Expr, ExprTrait, Query},
    };
    let (t, u, m, w) = (
        api_token::Entity,
        user::Entity,
        membership::Entity,
        workspace::Entity,
    );
    let query = Query::select()
        .expr_as(
            Expr::col((t, api_token::Column::Id)),
            Alias::new("token_id"),
        )
        .column((t, api_token::Column::Scope))
        .column((t, api_token::Column::RevokedAt))
        .column((t, api_token::Column::ExpiresAt))
        .column((t, api_token::Column::LastUsedAt))
        .expr_as(Expr::col((u, user::Column::Id)), Alias::new("user_id"))
        .column((u, user::Column::Email))
        .column((u, user::Column::Name))
        .column((u, user::Column::Status))
        .column((u, user::Column::TotpEnabledAt))
        .expr_as(
            Expr::col((w, workspace::Column::Id)),
            Alias::new("workspace_id"),
        )
        .column((w, workspace::Column::Slug))
        .expr_as(
            Expr::col((w, workspace::Column::Name)),
            Alias::new("workspace_name"),
        )
        .column((m, membership::Column::Role))
        .from(t)
        .inner_join(
            u,
            Expr::col((u, user::Column::Id)).equals((t, api_token::Column::UserId)),
        )
        .inner_join(
            m,
            Condition::all()
                .add(
                    Expr::col((m, membership::Column::WorkspaceId))
                        .equals((t, api_token::Column::WorkspaceId)),
                )
                .add(
                    Expr::col((m, membership::Column::UserId))
                        .equals((t, api_token::Column::UserId)),
                ),
        )
        .inner_join(
            w,
            Expr::col((w, workspace::Column::Id)).equals((t, api_token::Column::WorkspaceId)),
        )
        .and_where(Expr::col((t, api_token::Column::TokenHash)).eq(token_hash))
        .to_owned();
    let statement = db.get_database_backend().build(&query);
    Ok(TokenRow::find_by_statement(statement).one(db).await?)
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
    let user = super::accounts::check_password(state, origin, email, password, None).await?;
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
