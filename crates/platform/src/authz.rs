//! Roles and permissions: the one table that says who may do what in a workspace.
//! Services ask `ctx.require(Permission::…)?`; the members page renders `PERMISSION_TABLE`.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Manager,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Member,
        Role::Viewer,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Higher is more powerful; an actor may not act on a member above its own rank.
    pub fn rank(&self) -> u8 {
        match self {
            Role::Owner => 5,
            Role::Admin => 4,
            Role::Manager => 3,
            Role::Member => 2,
            Role::Viewer => 1,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the workspace, its home figures and its members.
    WorkspaceRead,
    /// Create and change the workspace's data (accounts, content… in later features).
    WorkspaceWrite,
    /// Rename the workspace.
    WorkspaceSettings,
    /// Read the workspace's audit log.
    AuditRead,
    /// Invite people and revoke invitations.
    MembersInvite,
    /// Change roles and remove members (never above one's own rank).
    MembersManage,
    /// Hand the workspace to another member.
    OwnershipTransfer,
    /// See the workspace's API tokens (never their secrets).
    TokensRead,
    /// Create and revoke API tokens.
    TokensManage,
    /// Change the plan, buy credits, open the payment portal.
    BillingManage,
}

impl Permission {
    /// A read-only API token may use exactly these.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Permission::WorkspaceRead | Permission::AuditRead | Permission::TokensRead
        )
    }
}

/// (permission, what it allows, roles holding it) — the single source of truth.
pub const PERMISSION_TABLE: &[(Permission, &str, &[Role])] = {
    use Role::*;
    &[
        (
            Permission::WorkspaceRead,
            "See the workspace and its members",
            &[Owner, Admin, Manager, Member, Viewer],
        ),
        (
            Permission::WorkspaceWrite,
            "Create and change workspace data",
            &[Owner, Admin, Manager, Member],
        ),
        (
            Permission::AuditRead,
            "Read the activity log",
            &[Owner, Admin, Manager],
        ),
        (
            Permission::TokensRead,
            "See API tokens",
            &[Owner, Admin, Manager],
        ),
        (
            Permission::TokensManage,
            "Create and revoke API tokens",
            &[Owner, Admin],
        ),
        (
            Permission::MembersInvite,
            "Invite people",
            &[Owner, Admin, Manager],
        ),
        (
            Permission::MembersManage,
            "Change roles and remove members",
            &[Owner, Admin],
        ),
        (
            Permission::WorkspaceSettings,
            "Rename the workspace",
            &[Owner, Admin],
        ),
        (
            Permission::OwnershipTransfer,
            "Transfer ownership",
            &[Owner],
        ),
        (
            Permission::BillingManage,
            "Change the plan, buy credits and manage payment",
            &[Owner, Admin],
        ),
    ]
};

pub fn role_has(role: Role, permission: Permission) -> bool {
    PERMISSION_TABLE
        .iter()
        .any(|(p, _, roles)| *p == permission && roles.contains(&role))
}

/// Roles a given role may grant when inviting or changing roles: never above its own rank,
/// and ownership only through a transfer.
pub fn grantable_roles(actor: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Owner && r.rank() <= actor.rank())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_the_table_once() {
        use Permission::*;
        for p in [
            WorkspaceRead,
            WorkspaceWrite,
            WorkspaceSettings,
            AuditRead,
            MembersInvite,
            MembersManage,
            OwnershipTransfer,
            TokensRead,
            TokensManage,
            BillingManage,
        ] {
            assert_eq!(
                PERMISSION_TABLE.iter().filter(|(q, _, _)| *q == p).count(),
                1,
                "{p:?}"
            );
        }
    }

    #[test]
    fn owner_can_everything_viewer_only_reads() {
        for (p, _, _) in PERMISSION_TABLE {
            assert!(role_has(Role::Owner, *p));
        }
        assert!(role_has(Role::Viewer, Permission::WorkspaceRead));
        assert!(!role_has(Role::Viewer, Permission::WorkspaceWrite));
        assert!(!role_has(Role::Admin, Permission::OwnershipTransfer));
    }

    #[test]
    fn grants_stay_below_rank() {
        assert_eq!(
            grantable_roles(Role::Manager),
            vec![Role::Manager, Role::Member, Role::Viewer]
        );
        assert!(!grantable_roles(Role::Owner).contains(&Role::Owner));
    }
}
