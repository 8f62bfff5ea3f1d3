//! Staff management for staff tools (super admin): the members, invitations, roles, IP
//! allow-lists, 2FA resets, disabling — the Staff page's operations.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::http::extract::Path;
use platform::{AppState, Error, Result, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::operations::parse_id;
use crate::{model::staff, service::staff as members};
use platform::staff::{Staff, StaffRole};

#[derive(Serialize, ToSchema)]
pub struct StaffOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    /// active, disabled or invited
    pub status: String,
    /// Whether an authenticator is confirmed (otherwise the next sign-in enrols one).
    pub two_factor: bool,
    /// CIDRs this member may sign in from; empty: anywhere.
    pub ip_allowlist: Vec<String>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<staff::Model> for StaffOut {
    type Error = Error;

    fn try_from(m: staff::Model) -> Result<Self> {
        Ok(Self {
            role: StaffRole::parse(&m.role).ok_or_else(|| Error::internal("unknown staff role"))?,
            two_factor: m.totp_confirmed_at.is_some(),
            ip_allowlist: m
                .ip_allowlist
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect(),
            id: m.id,
            email: m.email,
            name: m.name,
            status: m.status,
            last_sign_in_at: m.last_sign_in_at,
            created_at: m.created_at,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffOut>,
}

/// Every staff member, by email.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffList), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_staff(State(state): State<AppState>, staff: Staff) -> Result<Json<StaffList>> {
    let items = members::list(&staff, &state.db)
        .await?
        .into_iter()
        .map(StaffOut::try_from)
        .collect::<Result<_>>()?;
    Ok(Json(StaffList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteStaff {
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub role: StaffRole,
}

/// Invite a staff member: a mail with a link (3 days, single use) to set a password; their
/// first sign-in enrols an authenticator.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = [])), request_body = InviteStaff,
    responses((status = 201, body = StaffOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn invite_staff(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<InviteStaff>,
) -> Result<Response> {
    let member = members::invite(&staff, &state, &req.email, &req.name, req.role).await?;
    Ok((StatusCode::CREATED, Json(StaffOut::try_from(member)?)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct StaffDetailOut {
    #[serde(flatten)]
    pub member: StaffOut,
    pub backup_codes_left: u64,
    pub sessions: u64,
}

/// One staff member.
#[utoipa::path(get, path = "/api/v1/admin/staff/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffDetailOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn get_staff(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<StaffDetailOut>> {
    let d = members::detail(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(StaffDetailOut {
        member: d.member.try_into()?,
        backup_codes_left: d.backup_codes_left,
        sessions: d.sessions,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: StaffRole,
}

/// Change a member's role (their sessions and tokens end; the last super admin stays one).
#[utoipa::path(put, path = "/api/v1/admin/staff/{id}/role", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = RoleChange,
    responses((status = 200, body = StaffOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn change_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<RoleChange>,
) -> Result<Json<StaffOut>> {
    let member = members::change_role(&staff, &state, parse_id(&id)?, req.role).await?;
    Ok(Json(member.try_into()?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowlistChange {
    /// Addresses or CIDRs; empty: anywhere.
    pub ip_allowlist: Vec<String>,
}

/// Replace a member's IP allow-list.
#[utoipa::path(put, path = "/api/v1/admin/staff/{id}/allowlist", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AllowlistChange,
    responses((status = 200, body = StaffOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_allowlist(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<AllowlistChange>,
) -> Result<Json<StaffOut>> {
    let member =
        members::set_allowlist(&staff, &state, parse_id(&id)?, &req.ip_allowlist.join("\n"))
            .await?;
    Ok(Json(member.try_into()?))
}

/// Remove a member's authenticator and backup codes (they enrol again at their next sign-in).
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/reset-2fa", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffOut), (status = 404, body = Problem)))]
pub async fn reset_two_factor(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<StaffOut>> {
    let member = members::reset_two_factor(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(member.try_into()?))
}

/// Disable a member: their sessions and tokens stop at once.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/disable", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn disable_staff(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<StaffOut>> {
    let member = members::set_disabled(&staff, &state, parse_id(&id)?, true).await?;
    Ok(Json(member.try_into()?))
}

/// Enable a disabled member again.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/enable", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn enable_staff(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<StaffOut>> {
    let member = members::set_disabled(&staff, &state, parse_id(&id)?, false).await?;
    Ok(Json(member.try_into()?))
}
