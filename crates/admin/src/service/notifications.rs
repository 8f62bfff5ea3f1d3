//! A staff member's notifications: those addressed to the areas their role covers.

use platform::{AppState, Result, notify};
use uuid::Uuid;

use platform::staff::{Staff, StaffPermission};

/// The notification audiences a role sees: the names of its permissions.
pub fn audiences(staff: &Staff) -> Vec<&'static str> {
    StaffPermission::of(staff.role)
        .into_iter()
        .map(|p| p.as_str())
        .collect()
}

pub struct NotificationPage {
    pub items: Vec<notify::Seen>,
    pub unread: u64,
    pub next: Option<Uuid>,
}

pub async fn page(
    staff: &Staff,
    state: &AppState,
    unread_only: bool,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<NotificationPage> {
    let audiences = audiences(staff);
    let (items, next) =
        notify::page(&state.db, staff.id, &audiences, unread_only, cursor, limit).await?;
    Ok(NotificationPage {
        items,
        unread: notify::unread_count(&state.db, staff.id, &audiences).await?,
        next,
    })
}

/// Marks one read; returns the unread count left.
pub async fn mark_read(staff: &Staff, state: &AppState, id: Uuid) -> Result<u64> {
    let audiences = audiences(staff);
    notify::mark_read(&state.db, staff.id, &audiences, id).await?;
    notify::unread_count(&state.db, staff.id, &audiences).await
}

/// Marks all read; returns the unread count left (0).
pub async fn mark_all_read(staff: &Staff, state: &AppState) -> Result<u64> {
    let audiences = audiences(staff);
    notify::mark_all_read(&state.db, staff.id, &audiences).await?;
    notify::unread_count(&state.db, staff.id, &audiences).await
}
