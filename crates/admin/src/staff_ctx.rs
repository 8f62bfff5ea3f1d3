//! `Staff`: the extractor of every admin route. Only a live staff token (`gds_…`) passes;
//! a customer's session or token is not a staff credential and gets 401, never data.

use axum::{extract::FromRequestParts, http::request::Parts};
use platform::{AppState, Error, Result, http::meta};
use uuid::Uuid;

use crate::{
    roles::{StaffPermission, StaffRole, staff_has},
    service,
};

#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub role: StaffRole,
    pub request_id: String,
    pub ip: Option<std::net::IpAddr>,
}

impl Staff {
    pub fn require(&self, permission: StaffPermission) -> Result<()> {
        if staff_has(self.role, permission) {
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
        let (member, role) = service::resolve_token(&state.db, &token)
            .await?
            .ok_or(Error::Unauthorized)?;
        let m = meta::current();
        Ok(Staff {
            id: member.id,
            email: member.email,
            role,
            request_id: m.request_id,
            ip: m.client_ip,
        })
    }
}
