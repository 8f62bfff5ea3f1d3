//! The activity log as staff read it: every staff action and security event, filterable,
//! paged, exportable. Append-only: nothing here (or anywhere) edits or deletes an entry.

use platform::{
    AppState, Result,
    audit::{self, AuditEvent, AuditFilter},
    web::csv_export,
};
use uuid::Uuid;

use platform::staff::{Staff, StaffPermission};

pub async fn page(
    staff: &Staff,
    state: &AppState,
    filter: &AuditFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<AuditEvent>, Option<Uuid>)> {
    staff.require(StaffPermission::ActivityLog)?;
    audit::search(&state.db, filter, cursor, limit).await
}

/// The action names present, for the filter's choices.
pub async fn actions(staff: &Staff, state: &AppState) -> Result<Vec<String>> {
    staff.require(StaffPermission::ActivityLog)?;
    audit::actions(&state.db).await
}

pub const CSV: &[&str] = &[
    "id",
    "created_at",
    "action",
    "actor",
    "workspace_id",
    "target_type",
    "target_id",
    "ip",
    "request_id",
    "detail",
];

/// The filtered log as a streamed CSV, newest first; the export is itself logged.
pub async fn export(
    staff: &Staff,
    state: &AppState,
    filter: AuditFilter,
) -> Result<impl futures::Stream<Item = Result<bytes::Bytes>> + Send + 'static> {
    staff.require(StaffPermission::ActivityLog)?;
    audit::record(
        &state.db,
        staff
            .audit("activity_log.exported")
            .detail(serde_json::json!({
                "actor": filter.actor, "action": filter.action, "ip": filter.ip,
                "target_type": filter.target_type, "target_id": filter.target_id,
                "since": filter.since, "until": filter.until,
            })),
    )
    .await?;
    let db = state.db.clone();
    Ok(csv_export::stream(CSV, move |cursor: Option<Uuid>| {
        let db = db.clone();
        let filter = filter.clone();
        async move {
            let (events, next) = audit::search(&db, &filter, cursor, csv_export::BATCH).await?;
            let rows = events
                .into_iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        e.created_at.to_rfc3339(),
                        e.action,
                        e.actor_label,
                        e.workspace_id.map(|w| w.to_string()).unwrap_or_default(),
                        e.target_type.unwrap_or_default(),
                        e.target_id.unwrap_or_default(),
                        e.ip.unwrap_or_default(),
                        e.request_id.unwrap_or_default(),
                        e.detail.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            Ok((rows, next))
        }
    }))
}
