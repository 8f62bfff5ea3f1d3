//! `POST /api/v1/admin/auth/token`: staff sign-in for the admin API.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{AppState, Origin, Result, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service;
use platform::staff::StaffRole;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffTokenRequest {
    pub email: String,
    pub password: String,
    /// Current TOTP code (mandatory for staff).
    pub otp: String,
    /// The deployment's access code, when `GROWTHDECK_ADMIN_ACCESS_CODE` is set.
    pub access_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffTokenResponse {
    /// Bearer token (`gds_…`), shown once, valid 8 hours.
    pub token: String,
    pub role: StaffRole,
    pub expires_at: DateTime<Utc>,
}

/// Staff sign-in for the admin API: password, TOTP and (if set) the access code.
#[utoipa::path(post, path = "/api/v1/admin/auth/token", tag = "admin", request_body = StaffTokenRequest,
    responses((status = 201, body = StaffTokenResponse), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn issue_token(
    State(state): State<AppState>,
    origin: Origin,
    Json(req): Json<StaffTokenRequest>,
) -> Result<Response> {
    let issued = service::sign_in(
        &state,
        &origin,
        &req.email,
        &req.password,
        &req.otp,
        req.access_code.as_deref(),
    )
    .await?;
    let body = StaffTokenResponse {
        token: issued.token,
        role: issued.role,
        expires_at: issued.expires_at,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
