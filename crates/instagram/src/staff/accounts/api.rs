//! `GET /api/v1/admin/instagram/accounts`: the Instagram accounts of every workspace for staff
//! tools (support and super admin), the same list as the page.

use axum::extract::State;
use chrono::{DateTime, Utc};
use platform::{
    AppState, Result,
    error::Problem,
    http::extract::{Json, PageNumber, Query},
    staff::Staff,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::service::staff_view;

#[derive(Deserialize, IntoParams)]
pub struct InstagramQuery {
    /// Part of the username.
    pub q: Option<String>,
    /// Page number (1–1,000,000, default 1); past the last page the list is empty.
    #[param(inline, nullable = false)]
    pub page: Option<PageNumber>,
}

#[derive(Serialize, ToSchema)]
pub struct InstagramAccountOut {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub workspace: String,
    pub username: String,
    /// `instagram_login`, `manual` or `demo`.
    pub kind: String,
    /// `graph`, `apify`, `demo` or `manual`.
    pub source: String,
    /// `active` or `reconnect_needed`.
    pub status: String,
    pub followers_count: Option<i64>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    pub last_refresh_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InstagramAccountPage {
    pub items: Vec<InstagramAccountOut>,
    pub total: u64,
    pub page: u64,
}

/// Instagram accounts of every workspace, newest first, 50 a page.
#[utoipa::path(get, path = "/api/v1/admin/instagram/accounts", tag = "admin", security(("bearer" = [])), params(InstagramQuery),
    responses((status = 200, body = InstagramAccountPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_instagram_accounts(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<InstagramQuery>,
) -> Result<Json<InstagramAccountPage>> {
    let page = PageNumber::or(q.page, 1);
    let (rows, total) = staff_view::list(&staff, &state, q.q.as_deref(), page).await?;
    Ok(Json(InstagramAccountPage {
        items: rows
            .into_iter()
            .map(|r| InstagramAccountOut {
                id: r.account.id,
                workspace_id: r.account.workspace_id,
                workspace: r.workspace_name,
                username: r.profile.username,
                kind: r.account.kind,
                source: r.profile.source,
                status: r.account.status,
                followers_count: r.profile.followers_count,
                fetched_at: r.profile.fetched_at,
                last_refresh_at: r.profile.last_refresh_at,
                last_refresh_error: r.profile.last_refresh_error,
            })
            .collect(),
        total,
        page,
    }))
}
