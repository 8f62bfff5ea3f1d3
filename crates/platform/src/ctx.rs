//! `Ctx`: who is calling (a signed-in user or an API token), in which workspace, with which role.
//! Every service fn takes `&Ctx`; tenant queries filter by `ctx.workspace_id()?`.
//!
//! The platform defines the context and the extractor; resolving a session cookie or a bearer
//! token into a `Ctx` is the identity feature's job, plugged in as an [`Authenticator`].

use std::net::IpAddr;

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts, Request, State},
    http::{header::AUTHORIZATION, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    authz::{Permission, Role, role_has},
    error::{Error, Result},
    http::meta,
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(TokenScope::Read),
            "read_write" => Some(TokenScope::ReadWrite),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A browser session (cookie).
    Session { session_id: Uuid },
    /// A workspace API token (bearer).
    ApiToken { token_id: Uuid, scope: TokenScope },
}

#[derive(Debug, Clone)]
pub struct CtxUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub two_factor: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtxWorkspace {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: CtxUser,
    /// The current workspace and the caller's role in it; `None` for a user without any.
    pub workspace: Option<(CtxWorkspace, Role)>,
    pub principal: Principal,
    pub request_id: String,
    pub ip: Option<IpAddr>,
}

impl Ctx {
    pub fn user_id(&self) -> Uuid {
        self.user.id
    }

    /// The tenant every workspace query filters by.
    pub fn workspace_id(&self) -> Result<Uuid> {
        self.workspace
            .as_ref()
            .map(|(w, _)| w.id)
            .ok_or(Error::NotFound)
    }

    pub fn workspace(&self) -> Result<&CtxWorkspace> {
        self.workspace
            .as_ref()
            .map(|(w, _)| w)
            .ok_or(Error::NotFound)
    }

    pub fn role(&self) -> Option<Role> {
        self.workspace.as_ref().map(|(_, r)| *r)
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::Session { session_id } => Some(session_id),
            Principal::ApiToken { .. } => None,
        }
    }

    pub fn is_api_token(&self) -> bool {
        matches!(self.principal, Principal::ApiToken { .. })
    }

    /// The caller's role grants `permission` and, for a read-only token, it is a read.
    pub fn can(&self, permission: Permission) -> bool {
        let Some(role) = self.role() else {
            return false;
        };
        if let Principal::ApiToken {
            scope: TokenScope::Read,
            ..
        } = self.principal
            && !permission.is_read()
        {
            return false;
        }
        role_has(role, permission)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.workspace.is_none() {
            return Err(Error::NotFound);
        }
        if self.can(permission) {
            return Ok(());
        }
        if let Principal::ApiToken {
            scope: TokenScope::Read,
            ..
        } = self.principal
        {
            return Err(Error::forbidden("This API token is read-only"));
        }
        Err(Error::forbidden(
            "Your role in this workspace does not allow this",
        ))
    }

    /// Account-level actions (password, 2FA, sessions) are for the person, in a browser session:
    /// an API token may not change its owner's credentials — except the documented 2FA API.
    pub fn require_session(&self) -> Result<()> {
        match self.principal {
            Principal::Session { .. } => Ok(()),
            Principal::ApiToken { .. } => Err(Error::forbidden("Use a signed-in session for this")),
        }
    }
}

/// Resolves the request's credentials into a `Ctx` (identity implements it).
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync {
    /// `Ok(None)`: no credentials, or credentials that are not valid any more.
    async fn authenticate(&self, state: &AppState, parts: &Parts) -> Result<Option<Ctx>>;

    /// The workspaces a user belongs to, as (id, name, slug), for the page shell's switcher.
    async fn workspaces_of(
        &self,
        _state: &AppState,
        _user_id: Uuid,
    ) -> Result<Vec<(Uuid, String, String)>> {
        Ok(Vec::new())
    }
}

/// A stub for binaries and tests that mount no identity feature: nobody is signed in.
pub struct NoAuthenticator;

#[async_trait::async_trait]
impl Authenticator for NoAuthenticator {
    async fn authenticate(&self, _: &AppState, _: &Parts) -> Result<Option<Ctx>> {
        Ok(None)
    }
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Ctx>> {
    if let Some(ctx) = parts.extensions.get::<Ctx>() {
        return Ok(Some(ctx.clone()));
    }
    let ctx = state.auth.authenticate(state, parts).await?;
    if let Some(ctx) = &ctx {
        parts.extensions.insert(ctx.clone());
    }
    Ok(ctx)
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        resolve(parts, state).await?.ok_or(Error::Unauthorized)
    }
}

impl OptionalFromRequestParts<AppState> for Ctx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>> {
        resolve(parts, state).await
    }
}

/// Token scope, enforced in one place: a request that changes something (any method but GET,
/// HEAD and OPTIONS) and carries a read-only API token is refused here, before any handler
/// runs, whatever the handler asks of its `Ctx` and in whichever order it extracts. Requests
/// without an `Authorization` header (browser sessions, which have no scope) pass untouched;
/// the context resolved here is kept in the request for the handler's `Ctx` extractor.
pub async fn token_scope_guard(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method().is_safe() || !req.headers().contains_key(AUTHORIZATION) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    match resolve(&mut parts, &state).await {
        Ok(Some(Ctx {
            principal:
                Principal::ApiToken {
                    scope: TokenScope::Read,
                    ..
                },
            ..
        })) => Error::forbidden("This API token is read-only").into_response(),
        // A credential that resolves to nothing is the handler's 401 to give; a failed look-up
        // is answered as the error it is.
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

/// The request id and client IP, for code paths that have no `Ctx` (sign-in, sign-up).
#[derive(Debug, Clone)]
pub struct Origin {
    pub request_id: String,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn current(user_agent: Option<String>) -> Self {
        let m = meta::current();
        Self {
            request_id: m.request_id,
            ip: m.client_ip,
            user_agent,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ua = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        Ok(Origin::current(ua))
    }
}
