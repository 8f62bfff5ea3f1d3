//! Who may use proposals: locked for every workspace, whatever its plan, until a super admin
//! of the platform unlocks the feature for that workspace (requirement 004: "only superadmin
//! can unlock proposals for specific teams"). The plan's `proposals` flag is not consulted:
//! the unlock alone decides, so an agency client on any plan can be let in and nobody gets in
//! by buying a plan. Unlocking and locking again are audited in the workspace's log.

use platform::{
    AppState, Error, Result, Scope, audit,
    db::now,
    staff::{Staff, StaffRole},
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::model::proposals::access;

/// What a locked workspace is told (403): who unlocks proposals.
pub const LOCKED: &str = "Proposals are locked for this workspace. Only a super admin of this \
    platform can unlock them for a workspace: ask the platform's support team to unlock \
    proposals for you.";

pub fn locked() -> Error {
    Error::forbidden(LOCKED)
}

pub async fn of(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Option<access::Model>> {
    Ok(access::Entity::find_by_id(workspace_id).one(conn).await?)
}

pub async fn is_unlocked(conn: &impl ConnectionTrait, scope: &Scope) -> Result<bool> {
    Ok(of(conn, scope.workspace_id()).await?.is_some())
}

/// Whether this staff member may unlock or lock proposals (super admins only).
pub fn may_change(staff: &Staff) -> bool {
    staff.role == StaffRole::SuperAdmin
}

/// Unlocks (`true`) or locks again (`false`) proposals for a workspace. Only a super admin;
/// an unknown workspace is not found. Returns whether anything changed.
pub async fn set(
    state: &AppState,
    staff: &Staff,
    workspace_id: Uuid,
    unlocked: bool,
) -> Result<bool> {
    if !may_change(staff) {
        return Err(Error::forbidden(
            "Only a super admin can unlock or lock proposals for a workspace",
        ));
    }
    // Names the crossing into the customer's workspace; the permission was checked above.
    let scope = Scope::for_staff(staff, workspace_id);
    state.directory.find(state, scope.workspace_id()).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let current = of(&txn, workspace_id).await?;
    let changed = match (current.is_some(), unlocked) {
        (false, true) => {
            access::Entity::insert(access::ActiveModel {
                workspace_id: Set(workspace_id),
                unlocked_by: Set(staff.email.chars().take(254).collect()),
                unlocked_at: Set(now()),
            })
            .exec_without_returning(&txn)
            .await?;
            true
        }
        (true, false) => {
            access::Entity::delete_by_id(workspace_id)
                .exec(&txn)
                .await?;
            true
        }
        _ => false,
    };
    if changed {
        let action = if unlocked {
            "discovery.proposals_unlocked"
        } else {
            "discovery.proposals_locked"
        };
        audit::record(
            &txn,
            staff
                .audit(action)
                .workspace(Some(workspace_id))
                .target("workspace", workspace_id),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}
