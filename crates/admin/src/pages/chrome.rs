//! The frame of every back-office page: the platform's shell (assets, flashes, title) plus the
//! staff sidebar — navigation grouped and filtered by role, the notification bell, who is
//! signed in.

use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    web::{
        flash,
        shell::{Icon, NavGroup, NavLink, Shell},
    },
};

use crate::service::notifications;
use platform::staff::{Staff, StaffPermission, StaffRole};

/// The back office's navigation, by group: (group, label, path, icon, permission that
/// reaches it). A staff member sees the entries their role reaches; a group with none is
/// left out.
pub const NAV: &[(&str, &str, &str, Icon, StaffPermission)] = &[
    (
        "Overview",
        "Dashboard",
        "/admin",
        Icon::Dashboard,
        StaffPermission::Dashboard,
    ),
    (
        "Customers",
        "Users",
        "/admin/users",
        Icon::User,
        StaffPermission::Customers,
    ),
    (
        "Customers",
        "Workspaces",
        "/admin/workspaces",
        Icon::Building,
        StaffPermission::Customers,
    ),
    (
        "Customers",
        "Instagram",
        "/admin/instagram",
        Icon::Camera,
        StaffPermission::Customers,
    ),
    (
        "Money",
        "Billing",
        "/admin/billing",
        Icon::Card,
        StaffPermission::Billing,
    ),
    (
        "Operations",
        "Activity log",
        "/admin/activity",
        Icon::List,
        StaffPermission::ActivityLog,
    ),
    (
        "Operations",
        "Mail outbox",
        "/admin/outbox",
        Icon::Mail,
        StaffPermission::Outbox,
    ),
    (
        "Operations",
        "Jobs",
        "/admin/jobs",
        Icon::Clock,
        StaffPermission::Jobs,
    ),
    (
        "Operations",
        "API clients",
        "/admin/api-clients",
        Icon::Plug,
        StaffPermission::DataService,
    ),
    (
        "System",
        "Staff",
        "/admin/staff",
        Icon::Users,
        StaffPermission::System,
    ),
    (
        "System",
        "Settings",
        "/admin/settings",
        Icon::Settings,
        StaffPermission::System,
    ),
];

/// How many notifications the bell lists.
const BELL_ITEMS: u64 = 8;

/// A notification in the bell's list.
#[derive(Debug, Clone)]
pub struct BellItem {
    pub id: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub when: String,
    pub read: bool,
}

#[derive(Debug, Clone)]
pub struct Bell {
    pub unread: u64,
    pub items: Vec<BellItem>,
}

/// The staff sidebar.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub staff_name: String,
    pub staff_email: String,
    pub role_label: &'static str,
    pub nav: Vec<NavGroup>,
    pub bell: Bell,
}

impl Chrome {
    /// The first letter of the staff member's name, for the avatar of the account menu.
    pub fn initial(&self) -> String {
        self.staff_name
            .chars()
            .chain(self.staff_email.chars())
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_else(|| "?".into())
    }
}

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

fn is_active(path: &str, href: &str) -> bool {
    if href == "/admin" {
        return path == "/admin";
    }
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'))
}

pub fn nav_for(role: StaffRole, path: &str) -> Vec<NavGroup> {
    let mut groups: Vec<NavGroup> = Vec::new();
    for (group, label, href, icon, permission) in NAV {
        if !platform::staff::staff_has(role, *permission) {
            continue;
        }
        let link = NavLink {
            label: (*label).to_string(),
            href: (*href).to_string(),
            active: is_active(path, href),
            icon: icon.svg(),
        };
        match groups.iter_mut().find(|g| g.label == *group) {
            Some(g) => g.links.push(link),
            None => groups.push(NavGroup {
                label: group,
                links: vec![link],
            }),
        }
    }
    groups
}

/// The platform shell of a back-office page (no customer, no workspace).
pub fn shell(state: &AppState, title: &str, flashes: Vec<platform::web::shell::Flash>) -> Shell {
    Shell::anonymous(state.platform_name(), title, flashes)
}

/// Shell and staff header of a signed-in page; takes the pending flashes.
pub async fn frame(
    state: &AppState,
    staff: &Staff,
    title: &str,
    path: &str,
    jar: CookieJar,
) -> Result<(CookieJar, Shell, Option<Chrome>)> {
    let (jar, flashes) = flash::take(jar);
    let chrome = Chrome {
        staff_name: staff.name.clone(),
        staff_email: staff.email.clone(),
        role_label: staff.role.label(),
        nav: nav_for(staff.role, path),
        bell: bell(state, staff).await?,
    };
    Ok((jar, shell(state, title, flashes), Some(chrome)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_follows_the_role() {
        let labels = |role| {
            nav_for(role, "/admin")
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
        let groups = |role| {
            nav_for(role, "/admin")
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

    #[test]
    fn dashboard_is_active_only_on_itself() {
        assert!(is_active("/admin", "/admin"));
        assert!(!is_active("/admin/users", "/admin"));
        assert!(is_active("/admin/users/x", "/admin/users"));
    }
}
