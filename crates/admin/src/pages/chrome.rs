//! The frame of every back-office page: the platform's shell (assets, flashes, title) plus the
//! staff header — navigation filtered by role, the notification bell, who is signed in.

use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    web::{
        assets, flash,
        shell::{NavLink, Shell},
    },
};

use crate::{
    Staff,
    roles::{StaffPermission, StaffRole},
    service::notifications,
};

/// The back office's navigation: (label, path, permission that reaches it).
pub const NAV: &[(&str, &str, StaffPermission)] = &[
    ("Dashboard", "/admin", StaffPermission::Dashboard),
    ("Users", "/admin/users", StaffPermission::Customers),
    (
        "Workspaces",
        "/admin/workspaces",
        StaffPermission::Customers,
    ),
    ("Instagram", "/admin/instagram", StaffPermission::Customers),
    (
        "Activity log",
        "/admin/activity",
        StaffPermission::ActivityLog,
    ),
    ("Mail outbox", "/admin/outbox", StaffPermission::Outbox),
    ("Jobs", "/admin/jobs", StaffPermission::Jobs),
    (
        "API clients",
        "/admin/api-clients",
        StaffPermission::DataService,
    ),
    ("Billing", "/admin/billing", StaffPermission::Billing),
    ("Staff", "/admin/staff", StaffPermission::System),
    ("Settings", "/admin/settings", StaffPermission::System),
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

/// The staff header.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub staff_name: String,
    pub staff_email: String,
    pub role_label: &'static str,
    pub nav: Vec<NavLink>,
    pub bell: Bell,
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

pub fn nav_for(role: StaffRole, path: &str) -> Vec<NavLink> {
    NAV.iter()
        .filter(|(_, _, p)| crate::roles::staff_has(role, *p))
        .map(|(label, href, _)| NavLink {
            label: (*label).to_string(),
            href: (*href).to_string(),
            active: is_active(path, href),
        })
        .collect()
}

/// The platform shell of a back-office page (no customer, no workspace).
pub fn shell(state: &AppState, title: &str, flashes: Vec<platform::web::shell::Flash>) -> Shell {
    Shell {
        title: title.to_string(),
        platform_name: state.platform_name(),
        user: None,
        workspaces: Vec::new(),
        nav: Vec::new(),
        flashes,
        banners: Vec::new(),
        assets: assets::assets(),
    }
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
                .map(|l| l.label)
                .collect::<Vec<_>>()
        };
        assert!(labels(StaffRole::SuperAdmin).contains(&"Settings".to_string()));
        assert!(!labels(StaffRole::Support).contains(&"Settings".to_string()));
        assert!(labels(StaffRole::Support).contains(&"Users".to_string()));
        assert!(!labels(StaffRole::Finance).contains(&"Users".to_string()));
        assert!(labels(StaffRole::Finance).contains(&"Dashboard".to_string()));
    }

    #[test]
    fn dashboard_is_active_only_on_itself() {
        assert!(is_active("/admin", "/admin"));
        assert!(!is_active("/admin/users", "/admin"));
        assert!(is_active("/admin/users/x", "/admin/users"));
    }
}
