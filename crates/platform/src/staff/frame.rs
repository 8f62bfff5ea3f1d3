//! The frame of every back-office page, whichever feature serves it: the platform's shell
//! (assets, flashes, title) plus the staff sidebar — navigation from every feature's staff
//! entries, filtered by role, the notification bell, who is signed in. Pages render it with
//! `{% extends "staff/layout.html" %}` and fields `shell` and `chrome`.
//!
//! The bell's notifications are the admin feature's: it provides them through the
//! [`BellSource`] port, so a feature's staff page needs no dependency on admin.

use std::sync::Arc;

use axum_extra::extract::cookie::CookieJar;

use super::{Staff, nav::StaffNavEntry};
use crate::{
    AppState,
    error::Result,
    web::{
        flash,
        shell::{Flash, NavGroup, Shell},
    },
};

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

/// The notification bell: unread count and the newest notifications of the staff member's
/// areas.
#[derive(Debug, Clone, Default)]
pub struct Bell {
    pub unread: u64,
    pub items: Vec<BellItem>,
}

/// Fills the bell of a staff member (the admin feature implements it).
#[async_trait::async_trait]
pub trait BellSource: Send + Sync {
    async fn bell(&self, state: &AppState, staff: &Staff) -> Result<Bell>;
}

/// A server without staff notifications: the bell stays empty.
pub struct NoBell;

#[async_trait::async_trait]
impl BellSource for NoBell {
    async fn bell(&self, _: &AppState, _: &Staff) -> Result<Bell> {
        Ok(Bell::default())
    }
}

/// What the features registered for the back office: its frame (sidebar, bell), the
/// dashboard's cards and figures, and their parts of the customer pages.
pub struct BackOffice {
    /// Every feature's sidebar entries, grouped and ordered.
    pub nav: Vec<StaffNavEntry>,
    pub bell: Arc<dyn BellSource>,
    /// Every feature's staff dashboard cards.
    pub cards: Vec<super::dashboard::DashboardCardFn>,
    /// Every feature's members of the dashboard's JSON answer.
    pub figures: Vec<super::dashboard::DashboardFigures>,
    /// Every feature's parts of the back office's workspace page.
    pub workspace_panels: Vec<super::panels::WorkspacePanelFn>,
    /// Every feature's parts beside a user's workspaces on the user page.
    pub membership_panels: Vec<super::panels::MembershipPanelFn>,
}

impl BackOffice {
    /// A back office with this sidebar and bell and nothing else registered.
    pub fn new(nav: Vec<StaffNavEntry>, bell: Option<Arc<dyn BellSource>>) -> Self {
        Self {
            nav: super::nav::sorted(nav),
            bell: bell.unwrap_or_else(|| Arc::new(NoBell)),
            cards: Vec::new(),
            figures: Vec::new(),
            workspace_panels: Vec::new(),
            membership_panels: Vec::new(),
        }
    }
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

/// The platform shell of a back-office page (no customer, no workspace).
pub fn shell(state: &AppState, title: &str, flashes: Vec<Flash>) -> Shell {
    Shell::anonymous(state.platform_name(), title, flashes)
}

/// The staff sidebar of `staff` on `path`.
pub async fn chrome(state: &AppState, staff: &Staff, path: &str) -> Result<Chrome> {
    Ok(Chrome {
        staff_name: staff.name.clone(),
        staff_email: staff.email.clone(),
        role_label: staff.role.label(),
        nav: super::nav::nav_for(&state.back_office.nav, staff.role, path),
        bell: state.back_office.bell.bell(state, staff).await?,
    })
}

/// Shell and staff sidebar of a signed-in page; takes the pending flashes.
pub async fn frame(
    state: &AppState,
    staff: &Staff,
    title: &str,
    path: &str,
    jar: CookieJar,
) -> Result<(CookieJar, Shell, Option<Chrome>)> {
    let (jar, flashes) = flash::take(jar);
    let chrome = chrome(state, staff, path).await?;
    Ok((jar, shell(state, title, flashes), Some(chrome)))
}
