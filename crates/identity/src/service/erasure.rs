//! Deleting a customer account for good (staff, on request — e.g. a GDPR erasure). One
//! transaction; the report says what was removed and what was anonymised:
//!
//! - removed: the account with its sessions, API tokens, 2FA secret and backup codes, sign-in
//!   links, Google link, memberships and daily activity (all by foreign-key cascade); the
//!   workspaces where it was the only member; mail to its address still in the outbox; its
//!   sign-in throttle counters; staff notifications about it;
//! - anonymised: activity-log entries it made or that name it — the entries stay (the log is
//!   append-only and keeps what happened), but the email address, IP address and browser are
//!   replaced;
//! - handed over: a workspace it owned alone with other members gets a new owner (the
//!   longest-standing member of the highest role), so no workspace is left without one.

use platform::{Result, Role, audit, db::begin_write, mail, notify, throttle};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{accounts::parse_role, directory};
use crate::model::{membership, user, workspace};

/// What a deletion did, to show the staff member and record in the activity log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ErasureReport {
    pub email: String,
    /// Workspaces deleted because the account was their only member.
    pub workspaces_deleted: Vec<String>,
    /// (workspace name, new owner's email).
    pub ownership_transferred: Vec<(String, String)>,
    pub outbox_mail_deleted: u64,
    pub notifications_deleted: u64,
    pub audit_entries_anonymised: u64,
}

impl ErasureReport {
    /// The sentences the back office shows after a deletion.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Removed the account {} with its sessions, API tokens, two-factor secret and backup codes, sign-in links, memberships and activity days.",
            self.email
        )];
        if !self.workspaces_deleted.is_empty() {
            lines.push(format!(
                "Removed {} workspace(s) it was the only member of: {}.",
                self.workspaces_deleted.len(),
                self.workspaces_deleted.join(", ")
            ));
        }
        for (ws, owner) in &self.ownership_transferred {
            lines.push(format!("Made {owner} the owner of {ws}."));
        }
        lines.push(format!(
            "Removed {} message(s) to this address from the mail outbox and {} staff notification(s) about it.",
            self.outbox_mail_deleted, self.notifications_deleted
        ));
        lines.push(format!(
            "Anonymised {} activity-log entries: they stay, with the email, IP address and browser replaced.",
            self.audit_entries_anonymised
        ));
        lines
    }
}

fn rank(role: Role) -> usize {
    Role::ALL
        .iter()
        .position(|r| *r == role)
        .unwrap_or(usize::MAX)
}

/// Deletes the account `id`. `confirm` must repeat its email address (any case).
pub async fn delete_user(
    db: &sea_orm::DatabaseConnection,
    id: Uuid,
    confirm: &str,
) -> Result<ErasureReport> {
    let user = directory::get(db, id).await?;
    if confirm.trim().to_lowercase() != user.email_lower {
        return Err(platform::Error::validation(
            "confirm",
            "Type the account's email address exactly to confirm",
        ));
    }
    let txn = begin_write(db).await?;
    let mut report = ErasureReport {
        email: user.email.clone(),
        workspaces_deleted: Vec::new(),
        ownership_transferred: Vec::new(),
        outbox_mail_deleted: 0,
        notifications_deleted: 0,
        audit_entries_anonymised: 0,
    };
    let own = membership::Entity::find()
        .filter(membership::Column::UserId.eq(id))
        .all(&txn)
        .await?;
    for m in own {
        let others = membership::Entity::find()
            .filter(membership::Column::WorkspaceId.eq(m.workspace_id))
            .filter(membership::Column::UserId.ne(id))
            .order_by_asc(membership::Column::CreatedAt)
            .all(&txn)
            .await?;
        let Some(ws) = workspace::Entity::find_by_id(m.workspace_id)
            .one(&txn)
            .await?
        else {
            continue;
        };
        if others.is_empty() {
            workspace::Entity::delete_by_id(ws.id).exec(&txn).await?;
            report.workspaces_deleted.push(ws.name);
            continue;
        }
        let is_owner = parse_role(&m.role)? == Role::Owner;
        let other_owner = others
            .iter()
            .any(|o| parse_role(&o.role).is_ok_and(|r| r == Role::Owner));
        if is_owner && !other_owner {
            // Stable: the earliest member among those of the best rank.
            let mut heir = others[0].clone();
            for o in &others {
                if rank(parse_role(&o.role)?) < rank(parse_role(&heir.role)?) {
                    heir = o.clone();
                }
            }
            let heir_email = user::Entity::find_by_id(heir.user_id)
                .one(&txn)
                .await?
                .map(|u| u.email)
                .unwrap_or_default();
            let mut active = heir.into_active_model();
            active.role = Set(Role::Owner.as_str().into());
            active.update(&txn).await?;
            report.ownership_transferred.push((ws.name, heir_email));
        }
    }
    report.outbox_mail_deleted = mail::forget_recipient(&txn, &user.email).await?;
    report.notifications_deleted = notify::forget_link(&txn, &format!("/admin/users/{id}")).await?;
    report.audit_entries_anonymised = audit::anonymise_person(
        &txn,
        id,
        &user.email,
        &format!("deleted user {}", &id.simple().to_string()[..8]),
    )
    .await?;
    throttle::forget_account(&txn, &user.email_lower).await?;
    user::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(report)
}
