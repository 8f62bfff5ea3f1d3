//! Admin API over customer accounts and the activity log (support and super_admin).

use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use identity::service::directory;
use platform::{AppState, Error, Result, audit, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{Staff, roles::StaffPermission};

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// active or blocked
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl From<identity::model::user::Model> for UserOut {
    fn from(u: identity::model::user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            status: u.status,
            created_at: u.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    /// Part of the email or name.
    pub q: Option<String>,
    /// active or blocked
    pub status: Option<String>,
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserOut>,
    pub next_cursor: Option<Uuid>,
}

/// Search customer accounts, newest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, body = UserPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<UserQuery>,
) -> Result<Json<UserPage>> {
    staff.require(StaffPermission::Customers)?;
    let page = directory::search(
        &state.db,
        q.q.as_deref(),
        q.status.as_deref(),
        q.cursor,
        q.limit.unwrap_or(50).clamp(1, 200),
    )
    .await?;
    Ok(Json(UserPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next,
    }))
}

fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

async fn set_status(
    state: &AppState,
    staff: &Staff,
    id: &str,
    status: &str,
    action: &'static str,
) -> Result<Json<UserOut>> {
    staff.require(StaffPermission::Customers)?;
    let user = directory::set_status(&state.db, parse_id(id)?, status).await?;
    audit::record(
        &state.db,
        staff
            .audit(action)
            .target("user", user.id)
            .detail(serde_json::json!({ "email": user.email })),
    )
    .await?;
    Ok(Json(user.into()))
}

/// Block a user: their sessions end and their API tokens stop at once.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/block", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn block_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserOut>> {
    set_status(&state, &staff, &id, directory::BLOCKED, "user.blocked").await
}

/// Unblock a user (they sign in again; their API tokens work again).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unblock", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn unblock_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserOut>> {
    set_status(&state, &staff, &id, directory::ACTIVE, "user.unblocked").await
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
    pub actor_user_id: Option<Uuid>,
    pub workspace_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<serde_json::Value>,
}

impl From<audit::AuditEvent> for AuditOut {
    fn from(e: audit::AuditEvent) -> Self {
        Self {
            id: e.id,
            created_at: e.created_at,
            action: e.action,
            actor: e.actor_label,
            actor_user_id: e.actor_user_id,
            workspace_id: e.workspace_id,
            target_type: e.target_type,
            target_id: e.target_id,
            ip: e.ip,
            request_id: e.request_id,
            detail: e.detail,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Part of the actor (email or `staff:…`).
    pub actor: Option<String>,
    /// Exact action, e.g. `auth.sign_in_failed`.
    pub action: Option<String>,
    pub workspace: Option<Uuid>,
    pub ip: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub cursor: Option<Uuid>,
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditOut>,
    pub next_cursor: Option<Uuid>,
}

/// The activity log (append-only: there is no route that changes it).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>> {
    staff.require(StaffPermission::ActivityLog)?;
    let filter = audit::AuditFilter {
        actor: q.actor,
        action: q.action,
        workspace_id: q.workspace,
        ip: q.ip,
        since: q.since,
        until: q.until,
    };
    let (items, next) = audit::search(
        &state.db,
        &filter,
        q.cursor,
        q.limit.unwrap_or(50).clamp(1, 200),
    )
    .await?;
    Ok(Json(AuditPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor: next,
    }))
}
