//! The back office's sidebar as the features register it: each feature names its staff
//! screens (group, label, path, icon, the permission that reaches them); the sidebar shows a
//! staff member the entries their role reaches, grouped in a fixed order.

use crate::web::{
    icons::Icon,
    shell::{NavGroup, NavLink},
};

use super::{StaffPermission, StaffRole, staff_has};

/// A heading of the staff sidebar, in the order the sidebar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StaffGroup {
    Overview,
    Customers,
    Money,
    Operations,
    System,
}

impl StaffGroup {
    pub fn label(self) -> &'static str {
        match self {
            StaffGroup::Overview => "Overview",
            StaffGroup::Customers => "Customers",
            StaffGroup::Money => "Money",
            StaffGroup::Operations => "Operations",
            StaffGroup::System => "System",
        }
    }
}

/// One staff screen in the sidebar.
#[derive(Debug, Clone, Copy)]
pub struct StaffNavEntry {
    pub group: StaffGroup,
    /// Position inside the group (features leave gaps so others can slot in).
    pub order: u16,
    pub label: &'static str,
    pub path: &'static str,
    pub icon: Icon,
    /// A role without it does not see the entry (and the page answers 403).
    pub permission: StaffPermission,
}

/// Every feature's entries, grouped then ordered within the group.
pub fn sorted(mut entries: Vec<StaffNavEntry>) -> Vec<StaffNavEntry> {
    entries.sort_by_key(|e| (e.group, e.order));
    entries
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

/// The sidebar of a staff member of `role` on `path`: the entries the role reaches (`entries`
/// already sorted), a group with none left out.
pub fn nav_for(entries: &[StaffNavEntry], role: StaffRole, path: &str) -> Vec<NavGroup> {
    let mut groups: Vec<NavGroup> = Vec::new();
    for entry in entries.iter().filter(|e| staff_has(role, e.permission)) {
        let link = NavLink {
            label: entry.label.to_string(),
            href: entry.path.to_string(),
            active: is_active(path, entry.path),
            icon: entry.icon.svg(),
        };
        let group = entry.group.label();
        match groups.iter_mut().find(|g| g.label == group) {
            Some(g) => g.links.push(link),
            None => groups.push(NavGroup {
                label: group,
                links: vec![link],
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(group: StaffGroup, order: u16, label: &'static str) -> StaffNavEntry {
        StaffNavEntry {
            group,
            order,
            label,
            path: "/admin/x",
            icon: Icon::List,
            permission: StaffPermission::System,
        }
    }

    #[test]
    fn groups_keep_their_order_whichever_feature_registers_first() {
        let entries = sorted(vec![
            entry(StaffGroup::System, 10, "Staff"),
            entry(StaffGroup::Money, 10, "Billing"),
            entry(StaffGroup::Overview, 10, "Dashboard"),
            entry(StaffGroup::System, 5, "First"),
        ]);
        let groups = nav_for(&entries, StaffRole::SuperAdmin, "/admin");
        let labels: Vec<_> = groups.iter().map(|g| g.label).collect();
        assert_eq!(labels, ["Overview", "Money", "System"]);
        let system: Vec<_> = groups[2].links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(system, ["First", "Staff"]);
    }

    #[test]
    fn dashboard_is_active_only_on_itself() {
        assert!(is_active("/admin", "/admin"));
        assert!(!is_active("/admin/users", "/admin"));
        assert!(is_active("/admin/users/x", "/admin/users"));
        assert!(!is_active("/admin/usersx", "/admin/users"));
    }
}
