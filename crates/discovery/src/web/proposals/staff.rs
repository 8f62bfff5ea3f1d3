//! The back office's part of proposals: whether a workspace's proposals are unlocked, on the
//! workspace page (`/admin/workspaces/{id}`), with the form a super admin unlocks or locks
//! them with (`POST /admin/workspaces/{id}/proposals-access`), and the same through the staff
//! API (`/api/v1/admin/discovery/proposal-access/{workspace_id}`). Other staff roles see the
//! state; changing it is refused (403) for them.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, Result,
    error::Problem,
    http::extract::{Form, Json, Path},
    openapi::ApiRouter,
    staff::{Staff, StaffPage, StaffPermission, StaffRoutes, panels::WorkspacePanel},
    web::forms::{after_action, fmt_time, parse_id, safe_next},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::service::proposals::access;

pub fn routes() -> StaffRoutes {
    StaffRoutes::new().route(
        "/admin/workspaces/{id}/proposals-access",
        axum::routing::post(change),
    )
}

pub fn api() -> ApiRouter<AppState> {
    ApiRouter::new().routes(routes!(read, set))
}

#[derive(Template)]
#[template(path = "discovery/proposals/_staff_access.html")]
struct Section {
    workspace_id: Uuid,
    unlocked: bool,
    unlocked_by: String,
    unlocked_at: String,
    may_change: bool,
    back: String,
}

/// The workspace page's proposals section (for staff who see customers).
pub async fn workspace_panel(
    state: &AppState,
    staff: &Staff,
    workspace_id: Uuid,
    back: String,
) -> Result<WorkspacePanel> {
    if !staff.can(StaffPermission::Customers) {
        return Ok(WorkspacePanel::default());
    }
    let row = access::of(&state.db, workspace_id).await?;
    let html = Section {
        workspace_id,
        unlocked: row.is_some(),
        unlocked_by: row
            .as_ref()
            .map(|r| r.unlocked_by.clone())
            .unwrap_or_default(),
        unlocked_at: row
            .as_ref()
            .map(|r| fmt_time(&r.unlocked_at))
            .unwrap_or_default(),
        may_change: access::may_change(staff),
        back,
    }
    .render()
    .map_err(|e| Error::internal(format!("render: {e}")))?;
    Ok(WorkspacePanel {
        links: Vec::new(),
        html,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccessForm {
    unlocked: String,
    back: String,
}

async fn change(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<AccessForm>,
) -> Result<Response> {
    let ws = parse_id(&id)?;
    if !access::may_change(&staff) {
        return Err(Error::forbidden(
            "Only a super admin can unlock or lock proposals for a workspace",
        ));
    }
    let back = safe_next(&form.back, &format!("/admin/workspaces/{ws}"));
    let unlocked = form.unlocked == "true";
    let outcome = access::set(&state, &staff, ws, unlocked).await;
    after_action(jar, &back, outcome, |_| {
        if unlocked {
            "Proposals are unlocked for this workspace.".into()
        } else {
            "Proposals are locked for this workspace again.".into()
        }
    })
}

/// Whether a workspace's proposals are unlocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryStaffProposalAccess {
    pub workspace_id: Uuid,
    pub unlocked: bool,
    pub unlocked_by: Option<String>,
    pub unlocked_at: Option<DateTime<Utc>>,
}

async fn status(state: &AppState, ws: Uuid) -> Result<DiscoveryStaffProposalAccess> {
    let row = access::of(&state.db, ws).await?;
    Ok(DiscoveryStaffProposalAccess {
        workspace_id: ws,
        unlocked: row.is_some(),
        unlocked_by: row.as_ref().map(|r| r.unlocked_by.clone()),
        unlocked_at: row.map(|r| r.unlocked_at),
    })
}

/// Whether proposals are unlocked for a workspace (staff who see customers).
#[utoipa::path(get, path = "/api/v1/admin/discovery/proposal-access/{workspace_id}", tag = "admin",
    params(("workspace_id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryStaffProposalAccess), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn read(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryStaffProposalAccess>> {
    staff.require(StaffPermission::Customers)?;
    let ws = parse_id(&id)?;
    state.directory.find(&state, ws).await?;
    Ok(Json(status(&state, ws).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryStaffProposalAccessIn {
    pub unlocked: bool,
}

/// Unlock or lock again proposals for a workspace (super admins only; audited).
#[utoipa::path(put, path = "/api/v1/admin/discovery/proposal-access/{workspace_id}", tag = "admin",
    params(("workspace_id" = Uuid, Path)), request_body = DiscoveryStaffProposalAccessIn,
    responses((status = 200, body = DiscoveryStaffProposalAccess), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryStaffProposalAccessIn>,
) -> Result<Json<DiscoveryStaffProposalAccess>> {
    let ws = parse_id(&id)?;
    access::set(&state, &staff, ws, body.unlocked).await?;
    Ok(Json(status(&state, ws).await?))
}
