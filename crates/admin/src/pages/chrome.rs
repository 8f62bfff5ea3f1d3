//! The back office's part of the staff frame: its own sidebar entries and the notification
//! bell it fills for every feature's staff pages. The frame itself (shell, sidebar, bell,
//! `staff/layout.html`) is the platform's (`platform::staff::frame`).

use platform::{
    AppState, Result,
    staff::{Bell, BellItem, BellSource, Staff, StaffGroup, StaffNavEntry, StaffPermission},
    web::shell::Icon,
};

pub use platform::staff::frame::{Chrome, frame, shell};

use crate::service::notifications;

/// The back office's own entries of the staff sidebar (features add theirs beside them).
pub fn nav() -> Vec<StaffNavEntry> {
    let entry = |group, order, label, path, icon, permission| StaffNavEntry {
        group,
        order,
        label,
        path,
        icon,
        permission,
    };
    use StaffGroup as G;
    use StaffPermission as P;
    vec![
        entry(
            G::Overview,
            10,
            "Dashboard",
            "/admin",
            Icon::Dashboard,
            P::Dashboard,
        ),
        entry(
            G::Customers,
            10,
            "Users",
            "/admin/users",
            Icon::User,
            P::Customers,
        ),
        entry(
            G::Customers,
            20,
            "Workspaces",
            "/admin/workspaces",
            Icon::Building,
            P::Customers,
        ),
        entry(
            G::Operations,
            10,
            "Activity log",
            "/admin/activity",
            Icon::List,
            P::ActivityLog,
        ),
        entry(
            G::Operations,
            20,
            "Mail outbox",
            "/admin/outbox",
            Icon::Mail,
            P::Outbox,
        ),
        entry(
            G::Operations,
            30,
            "Jobs",
            "/admin/jobs",
            Icon::Clock,
            P::Jobs,
        ),
        entry(
            G::System,
            10,
            "Staff",
            "/admin/staff",
            Icon::Users,
            P::System,
        ),
        entry(
            G::System,
            20,
            "Settings",
            "/admin/settings",
            Icon::Settings,
            P::System,
        ),
    ]
}

/// How many notifications the bell lists.
const BELL_ITEMS: u64 = 8;

pub async fn bell(state: &AppState, staff: &Staff) -> Result<Bell> {
    let page = notifications::page(staff, state, false, None, BELL_ITEMS).await?;
    Ok(Bell {
        unread: page.unread,
        items: page
            .items
            .into_iter()
            .map(|s| BellItem {
                id: s.notification.id.to_string(),
                title: s.notification.title,
                body: s.notification.body,
                link: s.notification.link.unwrap_or_default(),
                when: s.notification.created_at.format("%b %d, %H:%M").to_string(),
                read: s.read,
            })
            .collect(),
    })
}

/// The bell of every staff page: the staff member's notifications (the admin feature's).
pub struct AdminBell;

#[async_trait::async_trait]
impl BellSource for AdminBell {
    async fn bell(&self, state: &AppState, staff: &Staff) -> Result<Bell> {
        bell(state, staff).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform::staff::{StaffRole, nav::nav_for};

    /// The sidebar as the binary assembles it: the back office's entries, instagram's and
    /// billing's.
    fn sidebar(role: StaffRole) -> Vec<platform::web::shell::NavGroup> {
        let mut entries = nav();
        entries.extend(instagram::staff::nav());
        entries.push(StaffNavEntry {
            group: StaffGroup::Money,
            order: 10,
            label: "Billing",
            path: "/admin/billing",
            icon: Icon::Card,
            permission: StaffPermission::Billing,
        });
        nav_for(&platform::staff::nav::sorted(entries), role, "/admin")
    }

    #[test]
    fn navigation_follows_the_role() {
        let labels = |role| {
            sidebar(role)
                .into_iter()
                .flat_map(|g| g.links)
                .map(|l| l.label)
                .collect::<Vec<_>>()
        };
        assert!(labels(StaffRole::SuperAdmin).contains(&"Settings".to_string()));
        assert!(!labels(StaffRole::Support).contains(&"Settings".to_string()));
        assert!(labels(StaffRole::Support).contains(&"Users".to_string()));
        assert!(!labels(StaffRole::Finance).contains(&"Users".to_string()));
        assert!(labels(StaffRole::Finance).contains(&"Dashboard".to_string()));
        assert_eq!(
            labels(StaffRole::SuperAdmin),
            [
                "Dashboard",
                "Users",
                "Workspaces",
                "Instagram",
                "Billing",
                "Activity log",
                "Mail outbox",
                "Jobs",
                "API clients",
                "Staff",
                "Settings"
            ]
        );
        let groups = |role| {
            sidebar(role)
                .into_iter()
                .map(|g| g.label)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            groups(StaffRole::SuperAdmin),
            ["Overview", "Customers", "Money", "Operations", "System"]
        );
        assert!(!groups(StaffRole::Support).contains(&"System"));
    }
}
