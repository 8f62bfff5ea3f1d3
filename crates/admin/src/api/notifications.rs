//! The caller's staff notifications (what the bell shows): list, mark one or all read.

use axum::extract::State;
use chrono::{DateTime, Utc};
use platform::http::extract::{PageSize, Path, Query};
use platform::{AppState, Result, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::operations::parse_id;
use crate::service::notifications;
use platform::staff::Staff;

#[derive(Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub cursor: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[param(inline, nullable = false)]
    pub limit: Option<PageSize>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: Uuid,
    /// `user.signed_up`, `job.dead`, …
    pub kind: String,
    /// The area it belongs to (`customers`, `jobs`, …).
    pub audience: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationOut>,
    /// Unread notifications of the caller's areas.
    pub unread: u64,
    pub next_cursor: Option<Uuid>,
}

/// The caller's notifications (of their role's areas), newest first.
#[utoipa::path(get, path = "/api/v1/admin/notifications", tag = "admin", security(("bearer" = [])), params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = Problem)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<NotificationPage>> {
    let page = notifications::page(
        &staff,
        &state,
        q.unread.unwrap_or(false),
        q.cursor,
        PageSize::or(q.limit, 50),
    )
    .await?;
    Ok(Json(NotificationPage {
        items: page
            .items
            .into_iter()
            .map(|s| NotificationOut {
                id: s.notification.id,
                kind: s.notification.kind,
                audience: s.notification.audience,
                title: s.notification.title,
                body: s.notification.body,
                link: s.notification.link,
                read: s.read,
                created_at: s.notification.created_at,
            })
            .collect(),
        unread: page.unread,
        next_cursor: page.next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Unread {
    pub unread: u64,
}

/// Mark one notification read.
#[utoipa::path(post, path = "/api/v1/admin/notifications/{id}/read", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Unread), (status = 404, body = Problem)))]
pub async fn mark_read(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<Unread>> {
    let unread = notifications::mark_read(&staff, &state, parse_id(&id)?).await?;
    Ok(Json(Unread { unread }))
}

/// Mark every notification of the caller's areas read.
#[utoipa::path(post, path = "/api/v1/admin/notifications/read-all", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Unread)))]
pub async fn mark_all_read(State(state): State<AppState>, staff: Staff) -> Result<Json<Unread>> {
    let unread = notifications::mark_all_read(&staff, &state).await?;
    Ok(Json(Unread { unread }))
}
