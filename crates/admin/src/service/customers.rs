//! What staff do with customer accounts and workspaces (support and super admin): find them,
//! look at one, block or unblock, sign them out, send a reset link, delete for good, export.
//! Each action checks the permission first and lands in the activity log.

use identity::service::{
    accounts, directory,
    directory::{UserDetail, UserFilter, UserSort},
    erasure::{self, ErasureReport},
    workspace_directory::{self, WorkspaceDetail, WorkspaceRow, WorkspaceSort},
};
use platform::{AppState, Result, audit, web::csv_export};
use uuid::Uuid;

use platform::staff::{Staff, StaffPermission};

/// Rows per page of the back-office lists.
pub const PER_PAGE: u64 = 50;

pub async fn search_users(
    staff: &Staff,
    state: &AppState,
    filter: &UserFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<directory::UserPage> {
    staff.require(StaffPermission::Customers)?;
    directory::search(&state.db, filter, cursor, limit).await
}

pub async fn list_users(
    staff: &Staff,
    state: &AppState,
    filter: &UserFilter,
    sort: UserSort,
    page: u64,
) -> Result<(Vec<identity::model::user::Model>, u64)> {
    staff.require(StaffPermission::Customers)?;
    directory::list(&state.db, filter, sort, page, PER_PAGE).await
}

/// One account with its recent activity-log trail.
pub async fn user(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
) -> Result<(UserDetail, Vec<audit::AuditEvent>)> {
    staff.require(StaffPermission::Customers)?;
    let detail = directory::detail(&state.db, id).await?;
    let trail = audit::trail(&state.db, "user", &id.to_string(), Some(id), 50).await?;
    Ok((detail, trail))
}

pub async fn set_blocked(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    blocked: bool,
) -> Result<identity::model::user::Model> {
    staff.require(StaffPermission::Customers)?;
    let (status, action) = if blocked {
        (directory::BLOCKED, "user.blocked")
    } else {
        (directory::ACTIVE, "user.unblocked")
    };
    let txn = platform::db::begin_write(&state.db).await?;
    let user = directory::set_status(&txn, id, status).await?;
    audit::record(
        &txn,
        staff
            .audit(action)
            .target("user", user.id)
            .detail(serde_json::json!({ "email": user.email })),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Ends the user's browser sessions; returns how many ended.
pub async fn sign_out(staff: &Staff, state: &AppState, id: Uuid) -> Result<u64> {
    staff.require(StaffPermission::Customers)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let ended = directory::sign_out_everywhere(&txn, id).await?;
    audit::record(
        &txn,
        staff
            .audit("user.signed_out_by_staff")
            .target("user", id)
            .detail(serde_json::json!({ "sessions": ended })),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Mails the user a password-reset link (1 hour, single use).
pub async fn send_reset_link(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
) -> Result<identity::model::user::Model> {
    staff.require(StaffPermission::Customers)?;
    let event = staff.audit("user.reset_link_sent").target("user", id);
    accounts::send_reset_link_for(state, id, event).await
}

/// Deletes the account for good once `confirm` repeats its email; says what was removed and
/// what anonymised. The log entry keeps the counts, not the address.
pub async fn delete_user(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    confirm: &str,
) -> Result<ErasureReport> {
    staff.require(StaffPermission::Customers)?;
    let report = erasure::delete_user(&state.db, id, confirm).await?;
    audit::record(
        &state.db,
        staff
            .audit("user.deleted")
            .target("user", id)
            .detail(serde_json::json!({
                "workspaces_deleted": report.workspaces_deleted.len(),
                "ownership_transferred": report.ownership_transferred.len(),
                "outbox_mail_deleted": report.outbox_mail_deleted,
                "audit_entries_anonymised": report.audit_entries_anonymised,
            })),
    )
    .await?;
    Ok(report)
}

/// The columns of the users export.
pub const USERS_CSV: &[&str] = &[
    "id",
    "email",
    "name",
    "status",
    "email_verified_at",
    "two_factor",
    "created_at",
];

/// The filtered users as a streamed CSV (newest first), read in batches of
/// [`csv_export::BATCH`]. The export itself is in the activity log.
pub async fn export_users(
    staff: &Staff,
    state: &AppState,
    filter: UserFilter,
) -> Result<impl futures::Stream<Item = Result<bytes::Bytes>> + Send + 'static> {
    staff.require(StaffPermission::Customers)?;
    directory::check(&filter)?;
    audit::record(
        &state.db,
        staff.audit("users.exported").detail(serde_json::json!({
            "q": filter.q, "status": filter.status,
            "created_from": filter.created_from, "created_to": filter.created_to,
        })),
    )
    .await?;
    let db = state.db.clone();
    Ok(csv_export::stream(
        USERS_CSV,
        move |cursor: Option<Uuid>| {
            let db = db.clone();
            let filter = filter.clone();
            async move {
                let page = directory::search(&db, &filter, cursor, csv_export::BATCH).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|u| {
                        vec![
                            u.id.to_string(),
                            u.email,
                            u.name,
                            u.status,
                            u.email_verified_at
                                .map(|t| t.to_rfc3339())
                                .unwrap_or_default(),
                            u.totp_enabled_at.is_some().to_string(),
                            u.created_at.to_rfc3339(),
                        ]
                    })
                    .collect();
                Ok((rows, page.next))
            }
        },
    ))
}

pub async fn list_workspaces(
    staff: &Staff,
    state: &AppState,
    q: Option<&str>,
    sort: WorkspaceSort,
    page: u64,
) -> Result<(Vec<WorkspaceRow>, u64)> {
    staff.require(StaffPermission::Customers)?;
    workspace_directory::list(&state.db, q, sort, page, PER_PAGE).await
}

pub async fn workspace(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
) -> Result<(WorkspaceDetail, Vec<audit::AuditEvent>)> {
    staff.require(StaffPermission::Customers)?;
    let detail =
        workspace_directory::detail(&state.db, &platform::Scope::for_staff(staff, id)).await?;
    let filter = audit::AuditFilter {
        workspace_id: Some(id),
        ..Default::default()
    };
    let (trail, _) = audit::search(&state.db, &filter, None, 30).await?;
    Ok((detail, trail))
}
