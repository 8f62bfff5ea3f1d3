//! `Staff`: who is acting in the back office. The admin API takes it from a live staff token
//! (`Authorization: Bearer gds_…`); the back-office pages take it from the staff session
//! cookie ([`StaffPage`]). A customer's session or token is not a staff credential: the API
//! answers 401 and the pages send the browser to the staff sign-in, never data.

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::{AppState, Error, Result, http::meta};
use uuid::Uuid;

use crate::{
    model::staff,
    roles::{StaffPermission, StaffRole, staff_has},
    service::{allowlist, sessions, sign_in},
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
    fn from_member(member: staff::Model, role: StaffRole, session_id: Option<Uuid>) -> Self {
        let m = meta::current();
        Staff {
            id: member.id,
            email: member.email,
            name: member.name,
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
    pub fn audit(&self, action: &'static str) -> platform::audit::Event {
        let mut event =
            platform::audit::Event::new(action).actor(None, format!("staff:{}", self.email));
        event.ip = self.ip.map(|ip| ip.to_string());
        event.request_id = Some(self.request_id.clone());
        event
    }

    /// The request's origin, for services shared with sign-in flows.
    pub fn origin(&self) -> platform::Origin {
        platform::Origin {
            request_id: self.request_id.clone(),
            ip: self.ip,
            user_agent: None,
        }
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
        let (member, role) = sign_in::resolve_token(&state.db, &token, meta::current().client_ip)
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Staff::from_member(member, role, None))
    }
}

/// The staff session cookie: `__Host-` prefixed (Secure, path /, no domain) over https.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-gd_staff"
    } else {
        "gd_staff"
    }
}

/// A staff member signed in to the back office in this browser (an active session).
#[derive(Debug, Clone)]
pub struct StaffPage(pub Staff);

/// Where an anonymous page request goes: the staff sign-in, back to this page afterwards.
pub fn to_sign_in(parts_path: &str) -> Response {
    let target = format!(
        "/admin/login?next={}",
        platform::web::forms::encode(parts_path)
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
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(session_cookie_name(state)) else {
            return Err(to_sign_in(&path));
        };
        let resolved = sessions::resolve(&state.db, cookie.value())
            .await
            .map_err(IntoResponse::into_response)?;
        let ip = meta::current().client_ip;
        match resolved {
            Some((session, member))
                if session.state == sessions::ACTIVE
                    && allowlist::allows(member.ip_allowlist.as_deref(), ip) =>
            {
                let role = StaffRole::parse(&member.role)
                    .ok_or_else(|| Error::internal("unknown staff role").into_response())?;
                Ok(StaffPage(Staff::from_member(
                    member,
                    role,
                    Some(session.id),
                )))
            }
            _ => Err(to_sign_in(&path)),
        }
    }
}
