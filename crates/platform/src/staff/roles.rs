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
    /// The dashboard's platform totals and charts, and the notification bell.
    Dashboard,
    /// The job queue: list, retry, discard.
    Jobs,
    /// Customers: users, workspaces, connected accounts.
    Customers,
    /// The activity log.
    ActivityLog,
    /// The mail outbox: what was sent or failed, and retrying it.
    Outbox,
    /// Subscriptions, plans, revenue.
    Billing,
    /// Staff accounts and system settings.
    System,
    /// API clients of the social-data service: their keys, tiers and usage.
    DataService,
}

/// (permission, what it allows, roles holding it).
pub const STAFF_PERMISSIONS: &[(StaffPermission, &str, &[StaffRole])] = {
    use StaffRole::*;
    &[
        (
            StaffPermission::Dashboard,
            "The dashboard and live notifications of their areas",
            &[SuperAdmin, Support, Finance],
        ),
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
            StaffPermission::Outbox,
            "The mail outbox, and sending failed mail again",
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
        (
            StaffPermission::DataService,
            "API clients of the social-data service",
            &[SuperAdmin, Support],
        ),
    ]
};

impl StaffPermission {
    /// The name a staff notification's audience is stored under (`platform::notify`).
    pub fn as_str(&self) -> &'static str {
        match self {
            StaffPermission::Dashboard => "dashboard",
            StaffPermission::Jobs => "jobs",
            StaffPermission::Customers => "customers",
            StaffPermission::ActivityLog => "activity_log",
            StaffPermission::Outbox => "outbox",
            StaffPermission::Billing => "billing",
            StaffPermission::System => "system",
            StaffPermission::DataService => "data_service",
        }
    }

    /// Every permission of a role (what its navigation and notifications cover).
    pub fn of(role: StaffRole) -> Vec<StaffPermission> {
        STAFF_PERMISSIONS
            .iter()
            .filter(|(_, _, roles)| roles.contains(&role))
            .map(|(p, _, _)| *p)
            .collect()
    }
}

impl StaffRole {
    pub fn label(&self) -> &'static str {
        match self {
            StaffRole::SuperAdmin => "Super admin",
            StaffRole::Support => "Support",
            StaffRole::Finance => "Finance",
        }
    }
}

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
