//! Staff roles and what they reach: the one table the back office checks (and shows).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    SuperAdmin,
    Support,
    Finance,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [
        StaffRole::SuperAdmin,
        StaffRole::Support,
        StaffRole::Finance,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            StaffRole::SuperAdmin => "super_admin",
            StaffRole::Support => "support",
            StaffRole::Finance => "finance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffPermission {
    /// The job queue: list, retry, discard.
    Jobs,
    /// Customers: users, workspaces, connected accounts.
    Customers,
    /// The activity log.
    ActivityLog,
    /// Subscriptions, plans, revenue.
    Billing,
    /// Staff accounts and system settings.
    System,
}

/// (permission, what it allows, roles holding it).
pub const STAFF_PERMISSIONS: &[(StaffPermission, &str, &[StaffRole])] = {
    use StaffRole::*;
    &[
        (
            StaffPermission::Jobs,
            "Inspect, retry and discard background jobs",
            &[SuperAdmin],
        ),
        (
            StaffPermission::Customers,
            "Users, workspaces and their accounts",
            &[SuperAdmin, Support],
        ),
        (
            StaffPermission::ActivityLog,
            "Read the activity log",
            &[SuperAdmin, Support],
        ),
        (
            StaffPermission::Billing,
            "Subscriptions, plans and revenue",
            &[SuperAdmin, Finance],
        ),
        (
            StaffPermission::System,
            "Staff management and system settings",
            &[SuperAdmin],
        ),
    ]
};

pub fn staff_has(role: StaffRole, permission: StaffPermission) -> bool {
    STAFF_PERMISSIONS
        .iter()
        .any(|(p, _, roles)| *p == permission && roles.contains(&role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn super_admin_reaches_everything_and_the_others_their_area() {
        for (p, _, _) in STAFF_PERMISSIONS {
            assert!(staff_has(StaffRole::SuperAdmin, *p));
        }
        assert!(staff_has(StaffRole::Support, StaffPermission::Customers));
        assert!(!staff_has(StaffRole::Support, StaffPermission::Billing));
        assert!(staff_has(StaffRole::Finance, StaffPermission::Billing));
        assert!(!staff_has(StaffRole::Finance, StaffPermission::Jobs));
    }
}
