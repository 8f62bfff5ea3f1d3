//! `Staff`: who is acting in the back office, beside [`crate::Ctx`] for customers. Every
//! feature's staff screens take it: the staff API from a live staff token
//! (`Authorization: Bearer gds_…`), the back-office pages from the staff session cookie
//! ([`StaffPage`]). Resolving either credential is the admin feature's job, plugged in as a
//! [`StaffAuthenticator`] (as identity provides the customer `Authenticator`). A customer's
//! session or token is not a staff credential: the API answers 401 and the pages send the
//! browser to the staff sign-in, never data.

pub mod dashboard;
pub mod frame;
pub mod nav;
pub mod pager;
pub mod panels;
pub mod roles;
pub mod routes;

pub use frame::{BackOffice, Bell, BellItem, BellSource, Chrome, frame};
pub use nav::{StaffGroup, StaffNavEntry};
pub use pager::{Pager, with_query};
pub use roles::{STAFF_PERMISSIONS, StaffPermission, StaffRole, staff_has};
pub use routes::StaffRoutes;

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use uuid::Uuid;

use crate::{
    AppState,
    error::{Error, Result},
    http::meta,
};

#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    pub request_id: String,
    pub ip: Option<std::net::IpAddr>,
    /// The web session acting (`None` for an API token).
    pub session_id: Option<Uuid>,
}

impl Staff {
    /// A staff member acting in the current request (its id and client IP).
    pub fn in_request(
        id: Uuid,
        email: String,
        name: String,
        role: StaffRole,
        session_id: Option<Uuid>,
    ) -> Self {
        let m = meta::current();
        Staff {
            id,
            email,
            name,
            role,
            request_id: m.request_id,
            ip: m.client_ip,
            session_id,
        }
    }

    pub fn can(&self, permission: StaffPermission) -> bool {
        staff_has(self.role, permission)
    }

    pub fn require(&self, permission: StaffPermission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::forbidden("Your staff role does not include this"))
        }
    }

    /// The actor of audit events written by staff.
    pub fn audit(&self, action: &'static str) -> crate::audit::Event {
        let mut event =
            crate::audit::Event::new(action).actor(None, format!("staff:{}", self.email));
        event.ip = self.ip.map(|ip| ip.to_string());
        event.request_id = Some(self.request_id.clone());
        event
    }

    /// The request's origin, for services shared with sign-in flows.
    pub fn origin(&self) -> crate::Origin {
        crate::Origin {
            request_id: self.request_id.clone(),
            ip: self.ip,
            user_agent: None,
        }
    }
}

/// Resolves staff credentials (the admin feature implements it).
#[async_trait::async_trait]
pub trait StaffAuthenticator: Send + Sync {
    /// A live staff API token (`None`: unknown, expired, revoked, or not allowed from here).
    async fn resolve_token(&self, state: &AppState, token: &str) -> Result<Option<Staff>>;

    /// The staff web session of this request's cookies (`None`: none, ended, or not allowed
    /// from this address).
    async fn resolve_session(&self, state: &AppState, parts: &Parts) -> Result<Option<Staff>>;
}

/// A server without a back office: nobody is staff.
pub struct NoStaff;

#[async_trait::async_trait]
impl StaffAuthenticator for NoStaff {
    async fn resolve_token(&self, _: &AppState, _: &str) -> Result<Option<Staff>> {
        Ok(None)
    }

    async fn resolve_session(&self, _: &AppState, _: &Parts) -> Result<Option<Staff>> {
        Ok(None)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_string())
            .ok_or(Error::Unauthorized)?;
        state
            .staff_auth
            .resolve_token(state, &token)
            .await?
            .ok_or(Error::Unauthorized)
    }
}

/// A staff member signed in to the back office in this browser (an active session).
#[derive(Debug, Clone)]
pub struct StaffPage(pub Staff);

/// Where an anonymous page request goes: the staff sign-in, back to this page afterwards.
pub fn to_sign_in(parts_path: &str) -> Response {
    let target = format!(
        "/admin/login?next={}",
        crate::web::forms::encode(parts_path)
    );
    if meta::current().is_htmx {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            response.headers_mut().insert("hx-redirect", v);
        }
        return response;
    }
    Redirect::to(&target).into_response()
}

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/admin".into());
        match state.staff_auth.resolve_session(state, parts).await {
            Ok(Some(staff)) => Ok(StaffPage(staff)),
            Ok(None) => Err(to_sign_in(&path)),
            Err(e) => Err(e.into_response()),
        }
    }
}
