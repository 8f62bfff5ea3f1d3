//! The activity log (`/api/v1/admin/audit`): read and export, never changed.

use axum::{extract::State, response::Response};
use chrono::{DateTime, Utc};
use platform::http::extract::{PageSize, Query};
use platform::{
    AppState, Result,
    audit::{self, AuditFilter},
    error::Problem,
    http::extract::Json,
    web::csv_export,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::customers::export_name;
use crate::service::activity;
use platform::staff::Staff;

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
    /// Kind of target: `user`, `staff`, `job`, …
    pub target_type: Option<String>,
    /// Exact target id.
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            workspace_id: self.workspace,
            target_type: self.target_type.clone(),
            target_id: self.target_id.clone(),
            ip: self.ip.clone(),
            since: self.since,
            until: self.until,
            order: platform::db::Order::parse(self.order.as_deref().unwrap_or("")),
        }
    }
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
    let (items, next) = activity::page(
        &staff,
        &state,
        &q.filter(),
        q.cursor,
        PageSize::or(q.limit, 50),
    )
    .await?;
    Ok(Json(AuditPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor: next,
    }))
}

/// The filtered activity log as CSV (streamed, newest first).
#[utoipa::path(get, path = "/api/v1/admin/audit/export", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn export_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response> {
    let body = activity::export(&staff, &state, q.filter()).await?;
    csv_export::response(&export_name("activity-log"), body).await
}
