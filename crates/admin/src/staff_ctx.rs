//! The back office's [`StaffAuthenticator`]: staff tokens (`gds_…`) and staff web sessions
//! resolved against this crate's tables; the `Staff` principal itself lives in
//! `platform::staff`, so every feature's staff screens can take it.

use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Error, Result,
    http::meta,
    staff::{Staff, StaffAuthenticator, StaffRole},
};

use crate::{
    model::staff,
    service::{allowlist, sessions, sign_in},
};

/// The staff session cookie: `__Host-` prefixed (Secure, path /, no domain) over https.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-gd_staff"
    } else {
        "gd_staff"
    }
}

fn acting(member: staff::Model, role: StaffRole, session_id: Option<uuid::Uuid>) -> Staff {
    Staff::in_request(member.id, member.email, member.name, role, session_id)
}

#[derive(Default)]
pub struct AdminStaffAuth;

#[async_trait::async_trait]
impl StaffAuthenticator for AdminStaffAuth {
    async fn resolve_token(&self, state: &AppState, token: &str) -> Result<Option<Staff>> {
        Ok(
            sign_in::resolve_token(&state.db, token, meta::current().client_ip)
                .await?
                .map(|(member, role)| acting(member, role, None)),
        )
    }

    async fn resolve_session(&self, state: &AppState, parts: &Parts) -> Result<Option<Staff>> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(session_cookie_name(state)) else {
            return Ok(None);
        };
        let ip = meta::current().client_ip;
        match sessions::resolve(&state.db, cookie.value()).await? {
            Some((session, member))
                if session.state == sessions::ACTIVE
                    && allowlist::allows(member.ip_allowlist.as_deref(), ip) =>
            {
                let role = StaffRole::parse(&member.role)
                    .ok_or_else(|| Error::internal("unknown staff role"))?;
                Ok(Some(acting(member, role, Some(session.id))))
            }
            _ => Ok(None),
        }
    }
}
