//! The `Authenticator` the platform's `Ctx` extractor calls: a bearer API token, else the
//! session cookie. Either one marks its user active today ([`activity`]).

use axum::http::{header, request::Parts};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Result,
    ctx::{Authenticator, CtxUser, CtxWorkspace, Principal},
    http::meta,
};

use crate::service::{activity, sessions, tokens, workspaces};

/// Cookie name: `__Host-` prefixed (Secure, path /, no domain) when served over https.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-gd_session"
    } else {
        "gd_session"
    }
}

/// Holds what it needs across requests: the users already recorded active today.
#[derive(Debug, Default)]
pub struct IdentityAuth {
    activity: activity::DailyActivity,
}

impl IdentityAuth {
    /// Daily activity is a statistic: failing to record it does not fail the request (the
    /// next request of the user tries again).
    async fn note_activity(&self, state: &AppState, ctx: Option<Ctx>) -> Option<Ctx> {
        if let Some(ctx) = &ctx
            && let Err(e) = self.activity.seen(&state.db, ctx.user_id()).await
        {
            tracing::warn!(user_id = %ctx.user_id(), error = %e, "daily activity not recorded");
        }
        ctx
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[async_trait::async_trait]
impl Authenticator for IdentityAuth {
    async fn workspaces_of(
        &self,
        state: &AppState,
        user_id: uuid::Uuid,
    ) -> Result<Vec<(uuid::Uuid, String, String)>> {
        Ok(
            crate::service::workspaces::list_for_user(&state.db, user_id)
                .await?
                .into_iter()
                .map(|(w, _)| (w.id, w.name, w.slug))
                .collect(),
        )
    }

    async fn authenticate(&self, state: &AppState, parts: &Parts) -> Result<Option<Ctx>> {
        let m = meta::current();
        if let Some(token) = bearer(parts) {
            let ctx = tokens::authenticate(state, token, &m.request_id, m.client_ip).await?;
            return Ok(self.note_activity(state, ctx).await);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(session_cookie_name(state)) else {
            return Ok(None);
        };
        let Some((session, user)) = sessions::resolve(state, cookie.value()).await? else {
            return Ok(None);
        };
        if session.state != sessions::ACTIVE {
            return Ok(None);
        }
        // The session's workspace if the user is still a member, else their first one.
        let mut workspace = match session.workspace_id {
            Some(ws) => workspaces::membership_of(&state.db, ws, user.id).await?,
            None => None,
        };
        if workspace.is_none() {
            workspace = workspaces::list_for_user(&state.db, user.id)
                .await?
                .into_iter()
                .next();
            if let Some((ws, _)) = &workspace {
                sessions::set_workspace(&state.db, session.id, ws.id).await?;
            }
        }
        let ctx = Ctx {
            user: CtxUser {
                id: user.id,
                email: user.email,
                name: user.name,
                two_factor: user.totp_enabled_at.is_some(),
            },
            workspace: workspace.map(|(w, r)| {
                (
                    CtxWorkspace {
                        id: w.id,
                        slug: w.slug,
                        name: w.name,
                    },
                    r,
                )
            }),
            principal: Principal::Session {
                session_id: session.id,
            },
            request_id: m.request_id,
            ip: m.client_ip,
        };
        Ok(self.note_activity(state, Some(ctx)).await)
    }
}
