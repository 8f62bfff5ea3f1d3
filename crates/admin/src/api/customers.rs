//! Customer accounts and workspaces for staff tools (support and super admin): the same
//! service fns as the back-office pages.

use axum::{extract::State, response::Response};
use chrono::{DateTime, Utc};
use identity::service::directory::UserFilter;
use platform::http::extract::{PageNumber, PageSize, Path, Query};
use platform::{
    AppState, Error, Result,
    error::Problem,
    http::extract::Json,
    web::{
        csv_export,
        forms::{day_end, day_start},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::activity::AuditOut;
use crate::service::customers;
use platform::staff::Staff;

#[derive(Serialize, ToSchema)]
#[schema(as = CustomerUser)]
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
    /// Created on or after this day (`YYYY-MM-DD`, UTC).
    pub created_from: Option<String>,
    /// Created on or before this day (`YYYY-MM-DD`, UTC).
    pub created_to: Option<String>,
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

impl UserQuery {
    fn filter(&self) -> Result<UserFilter> {
        Ok(UserFilter {
            q: self.q.clone(),
            status: self.status.clone().filter(|s| !s.is_empty()),
            created_from: day_start("created_from", self.created_from.as_deref().unwrap_or(""))?,
            created_to: day_end("created_to", self.created_to.as_deref().unwrap_or(""))?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserOut>,
    pub next_cursor: Option<Uuid>,
}

/// Search customer accounts, newest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, body = UserPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<UserQuery>,
) -> Result<Json<UserPage>> {
    let page = customers::search_users(
        &staff,
        &state,
        &q.filter()?,
        q.cursor,
        PageSize::or(q.limit, 50),
    )
    .await?;
    Ok(Json(UserPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next,
    }))
}

/// The filtered users as CSV (streamed; `id,email,name,status,email_verified_at,two_factor,created_at`).
#[utoipa::path(get, path = "/api/v1/admin/users/export", tag = "admin", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn export_users(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<UserQuery>,
) -> Result<Response> {
    let body = customers::export_users(&staff, &state, q.filter()?).await?;
    csv_export::response(&export_name("users"), body).await
}

pub fn export_name(what: &str) -> String {
    format!("{what}-{}.csv", Utc::now().format("%Y-%m-%d"))
}

fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

#[derive(Serialize, ToSchema)]
pub struct MembershipOut {
    pub workspace_id: Uuid,
    pub workspace: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserDetailOut {
    #[serde(flatten)]
    pub user: UserOut,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub two_factor: bool,
    pub backup_codes_left: u64,
    pub active_api_tokens: u64,
    pub workspaces: Vec<MembershipOut>,
    pub sessions: Vec<SessionOut>,
    /// The newest activity-log entries by or about the user.
    pub audit: Vec<AuditOut>,
}

/// One customer account: workspaces, sessions, 2FA state, recent activity.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDetailOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserDetailOut>> {
    let (d, trail) = customers::user(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(UserDetailOut {
        email_verified_at: d.user.email_verified_at,
        two_factor: d.user.totp_enabled_at.is_some(),
        backup_codes_left: d.backup_codes_left,
        active_api_tokens: d.active_api_tokens,
        workspaces: d
            .workspaces
            .into_iter()
            .map(|(w, r)| MembershipOut {
                workspace_id: w.id,
                workspace: w.name,
                role: r.as_str().into(),
            })
            .collect(),
        sessions: d
            .sessions
            .into_iter()
            .map(|s| SessionOut {
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect(),
        audit: trail.into_iter().map(Into::into).collect(),
        user: d.user.into(),
    }))
}

/// Block a user: their sessions end and their API tokens stop at once.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/block", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn block_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserOut>> {
    let user = customers::set_blocked(&staff, &state, parse_id(&id)?, true).await?;
    Ok(Json(user.into()))
}

/// Unblock a user (they sign in again; their API tokens work again).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unblock", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn unblock_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserOut>> {
    let user = customers::set_blocked(&staff, &state, parse_id(&id)?, false).await?;
    Ok(Json(user.into()))
}

#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    /// Browser sessions ended (API tokens are unaffected; block the user to stop those).
    pub sessions_ended: u64,
}

/// Sign a user out of every browser session.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/sign-out", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SignedOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn sign_out_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<SignedOut>> {
    let sessions_ended = customers::sign_out(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(SignedOut { sessions_ended }))
}

/// Mail the user a password-reset link (valid 1 hour, single use).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password-reset", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem), (status = 409, body = Problem, description = "the account is blocked")))]
pub async fn reset_user_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<UserOut>> {
    let user = customers::send_reset_link(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteUser {
    /// The account's email address, typed again to confirm.
    pub confirm: String,
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// What was removed and what anonymised, in sentences.
    pub report: Vec<String>,
    pub workspaces_deleted: Vec<String>,
    pub audit_entries_anonymised: u64,
}

/// Delete a customer account for good (typed confirmation). Personal data is removed, or
/// anonymised where the activity log keeps the entry; the answer says which.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DeleteUser,
    responses((status = 200, body = Deleted), (status = 404, body = Problem), (status = 422, body = Problem, description = "confirmation does not match")))]
pub async fn delete_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<DeleteUser>,
) -> Result<Json<Deleted>> {
    let report = customers::delete_user(&staff, &state, parse_id(&id)?, &req.confirm).await?;
    Ok(Json(Deleted {
        report: report.lines(),
        workspaces_deleted: report.workspaces_deleted,
        audit_entries_anonymised: report.audit_entries_anonymised,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct WorkspaceQuery {
    /// Part of the name or slug.
    pub q: Option<String>,
    /// newest (default), oldest or name
    pub sort: Option<String>,
    /// Page number (1–1,000,000, default 1); past the last page the list is empty.
    #[param(inline, nullable = false)]
    pub page: Option<PageNumber>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CustomerWorkspace)]
pub struct WorkspaceOut {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub members: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspacePage {
    pub items: Vec<WorkspaceOut>,
    pub total: u64,
    pub page: u64,
}

fn sort_of(raw: Option<&str>) -> Result<identity::service::workspace_directory::WorkspaceSort> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(Default::default()),
        Some(s) => identity::service::workspace_directory::WorkspaceSort::parse(s)
            .ok_or_else(|| Error::validation("sort", "Sort by newest, oldest or name")),
    }
}

/// Workspaces (tenants), 50 a page.
#[utoipa::path(get, path = "/api/v1/admin/workspaces", tag = "admin", security(("bearer" = [])), params(WorkspaceQuery),
    responses((status = 200, body = WorkspacePage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_workspaces(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<WorkspaceQuery>,
) -> Result<Json<WorkspacePage>> {
    let page = PageNumber::or(q.page, 1);
    let (rows, total) = customers::list_workspaces(
        &staff,
        &state,
        q.q.as_deref(),
        sort_of(q.sort.as_deref())?,
        page,
    )
    .await?;
    Ok(Json(WorkspacePage {
        items: rows
            .into_iter()
            .map(|r| WorkspaceOut {
                id: r.workspace.id,
                name: r.workspace.name,
                slug: r.workspace.slug,
                members: r.members,
                created_at: r.workspace.created_at,
            })
            .collect(),
        total,
        page,
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CustomerWorkspaceMember)]
pub struct MemberOut {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

/// One workspace with its members. Not `WorkspaceOut` flattened: its `members` count and this
/// `members` list would be one JSON key twice.
#[derive(Serialize, ToSchema)]
#[schema(as = CustomerWorkspaceDetail)]
pub struct WorkspaceDetailOut {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<MemberOut>,
    pub pending_invitations: u64,
    pub active_api_tokens: u64,
}

/// One workspace: members, owner, usage.
#[utoipa::path(get, path = "/api/v1/admin/workspaces/{id}", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = WorkspaceDetailOut), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn get_workspace(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<WorkspaceDetailOut>> {
    let (d, _) = customers::workspace(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(WorkspaceDetailOut {
        id: d.workspace.id,
        name: d.workspace.name,
        slug: d.workspace.slug,
        created_at: d.workspace.created_at,
        members: d
            .members
            .into_iter()
            .map(|m| MemberOut {
                user_id: m.user_id,
                email: m.email,
                name: m.name,
                role: m.role.as_str().into(),
                joined_at: m.joined_at,
            })
            .collect(),
        pending_invitations: d.pending_invitations,
        active_api_tokens: d.active_api_tokens,
    }))
}
