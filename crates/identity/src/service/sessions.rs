//! Server-side sessions. The cookie holds a 256-bit random token; the table holds its SHA-256.
//! Absolute lifetime of 7 days; a new token at every sign-in (rotation); listable and revocable.

use chrono::Utc;
use platform::{AppState, Error, Origin, Result, crypto, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::model::{session, user};

pub const ACTIVE: &str = "active";
pub const MFA_PENDING: &str = "mfa_pending";

/// A session just created: the cookie value is only ever in this struct.
pub struct Issued {
    pub token: String,
    pub session: session::Model,
}

pub async fn issue(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    workspace_id: Option<Uuid>,
    state: &str,
    origin: &Origin,
) -> Result<Issued> {
    let token = crypto::random_token().map_err(Error::internal)?;
    let t = now();
    let ttl = if state == MFA_PENDING {
        super::MFA_PENDING_TTL
    } else {
        super::SESSION_TTL
    };
    let session = session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(crypto::token_hash(&token)),
        user_id: Set(user_id),
        workspace_id: Set(workspace_id),
        state: Set(state.to_string()),
        created_at: Set(t),
        last_seen_at: Set(t),
        expires_at: Set(t + ttl),
        ip: Set(origin.ip.map(|ip| ip.to_string())),
        user_agent: Set(origin.user_agent.clone()),
    }
    .insert(conn)
    .await?;
    Ok(Issued { token, session })
}

/// The live session and its (active) user for a cookie value.
pub async fn resolve(
    state: &AppState,
    token: &str,
) -> Result<Option<(session::Model, user::Model)>> {
    let Some(s) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(crypto::token_hash(token)))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if s.expires_at <= Utc::now() {
        session::Entity::delete_by_id(s.id).exec(&state.db).await?;
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(&state.db).await? else {
        return Ok(None);
    };
    if u.status != "active" {
        return Ok(None);
    }
    // Writing on every request would serialise readers on SQLite; a minute's precision is
    // enough for "last seen".
    if Utc::now() - s.last_seen_at > chrono::Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(session::Column::Id.eq(s.id))
            .exec(&state.db)
            .await?;
    }
    Ok(Some((s, u)))
}

pub async fn list(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<session::Model>> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::State.eq(ACTIVE))
        .filter(session::Column::ExpiresAt.gt(now()))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await?)
}

/// Ends one of the user's own sessions (another user's id is not found).
pub async fn revoke(conn: &impl ConnectionTrait, user_id: Uuid, session_id: Uuid) -> Result<()> {
    let res = session::Entity::delete_many()
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Ends every session of the user except `keep` (returns how many ended).
pub async fn revoke_others(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

pub async fn delete_by_token(conn: &impl ConnectionTrait, token: &str) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(crypto::token_hash(token)))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_workspace(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    workspace_id: Uuid,
) -> Result<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::WorkspaceId,
            sea_orm::sea_query::Expr::value(workspace_id),
        )
        .filter(session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The signed-in user ends one of their other sessions (audited).
pub async fn revoke_own(state: &AppState, ctx: &platform::Ctx, session_id: Uuid) -> Result<()> {
    ctx.require_session()?;
    revoke(&state.db, ctx.user_id(), session_id).await?;
    platform::audit::record(
        &state.db,
        platform::audit::Event::new("session.revoked")
            .by(ctx)
            .target("session", session_id),
    )
    .await
}

/// "Sign out everywhere else" (audited); returns how many sessions ended. Every remembered
/// device is forgotten too: a lost laptop must not keep its way past the lock-out.
pub async fn revoke_all_but_current(state: &AppState, ctx: &platform::Ctx) -> Result<u64> {
    ctx.require_session()?;
    let ended = revoke_others(&state.db, ctx.user_id(), ctx.session_id()).await?;
    super::devices::forget_all(&state.db, ctx.user_id()).await?;
    platform::audit::record(
        &state.db,
        platform::audit::Event::new("session.revoked_others")
            .by(ctx)
            .detail(serde_json::json!({ "count": ended })),
    )
    .await?;
    Ok(ended)
}
