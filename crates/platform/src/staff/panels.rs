//! What a feature shows on the back office's pages about one customer — the workspace page
//! (`/admin/workspaces/{id}`) and the user page (`/admin/users/{id}`), both the admin
//! feature's — without admin knowing the feature. Billing adds a workspace's credits and a
//! link to its subscription there, and a change-of-plan form beside each workspace a user
//! owns; the form posts to billing's own route.
//!
//! Panels are trusted markup from the feature's templates, rendered for one staff member: a
//! role outside the feature's area gets nothing.

use std::collections::HashMap;

use futures::future::BoxFuture;
use uuid::Uuid;

use super::Staff;
use crate::{AppState, Result, authz::Role};

/// A link in the head of the workspace page (`Billing` → the subscription).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelLink {
    pub label: String,
    pub href: String,
}

/// A feature's part of the workspace page: links in its head and sections in its body.
#[derive(Debug, Clone, Default)]
pub struct WorkspacePanel {
    pub links: Vec<PanelLink>,
    pub html: String,
}

/// Renders a feature's part of the page about workspace `id`; its forms return to `back`.
pub type WorkspacePanelFn =
    fn(AppState, Staff, Uuid, String) -> BoxFuture<'static, Result<WorkspacePanel>>;

/// One of a user's workspaces, as the user page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub workspace_id: Uuid,
    pub role: Role,
}

/// Renders a feature's part beside each of user `id`'s workspaces (by workspace id; a
/// workspace without an entry shows nothing of the feature).
pub type MembershipPanelFn =
    fn(AppState, Staff, Uuid, Vec<Membership>) -> BoxFuture<'static, Result<HashMap<Uuid, String>>>;

/// Every feature's part of the workspace page, in the features' order.
pub async fn workspace(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    back: &str,
) -> Result<WorkspacePanel> {
    let mut all = WorkspacePanel::default();
    for panel in &state.back_office.workspace_panels {
        let WorkspacePanel { links, html } =
            panel(state.clone(), staff.clone(), id, back.to_string()).await?;
        all.links.extend(links);
        all.html.push_str(&html);
    }
    Ok(all)
}

/// Every feature's part beside each of a user's workspaces, in the features' order.
pub async fn memberships(
    state: &AppState,
    staff: &Staff,
    user: Uuid,
    memberships: &[Membership],
) -> Result<HashMap<Uuid, String>> {
    let mut all: HashMap<Uuid, String> = HashMap::new();
    for panel in &state.back_office.membership_panels {
        for (ws, html) in panel(state.clone(), staff.clone(), user, memberships.to_vec()).await? {
            all.entry(ws).or_default().push_str(&html);
        }
    }
    Ok(all)
}
