//! The workspace directory as a port: a feature that shows or checks workspaces it does not
//! own (a staff list naming each row's workspace, a staff page about one workspace) asks here,
//! without reading the feature that owns workspaces. Identity provides the implementation
//! through its `Feature`; a server without it (or a test that does not mount it) knows no
//! workspace.
//!
//! Deliberately cross-tenant: callers are staff screens and jobs, after their own checks.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{AppState, Error, Result, authz::Role};

/// A workspace as other features see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceEntry {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait WorkspaceDirectory: Send + Sync {
    /// The workspace with this id; `Error::NotFound` when there is none.
    async fn find(&self, state: &AppState, id: Uuid) -> Result<WorkspaceEntry>;

    /// The names of the given workspaces, by id (those that exist).
    async fn names(&self, state: &AppState, ids: Vec<Uuid>) -> Result<HashMap<Uuid, String>>;

    /// The user's role in the workspace; `None` when the user is not a member (or either
    /// does not exist).
    async fn role_of(&self, state: &AppState, user: Uuid, workspace: Uuid) -> Result<Option<Role>>;

    /// The email addresses of the given users, by id (those that exist): staff screens name
    /// people by them (the AI usage page's top users).
    async fn user_emails(&self, _: &AppState, _: Vec<Uuid>) -> Result<HashMap<Uuid, String>> {
        Ok(HashMap::new())
    }
}

/// No feature owns workspaces: none exists.
pub struct NoDirectory;

#[async_trait::async_trait]
impl WorkspaceDirectory for NoDirectory {
    async fn find(&self, _: &AppState, _: Uuid) -> Result<WorkspaceEntry> {
        Err(Error::NotFound)
    }

    async fn names(&self, _: &AppState, _: Vec<Uuid>) -> Result<HashMap<Uuid, String>> {
        Ok(HashMap::new())
    }

    async fn role_of(&self, _: &AppState, _: Uuid, _: Uuid) -> Result<Option<Role>> {
        Ok(None)
    }
}

/// The directory of a server without a workspace-owning feature.
pub fn empty() -> Arc<dyn WorkspaceDirectory> {
    Arc::new(NoDirectory)
}
