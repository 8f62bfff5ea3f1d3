//! `Scope`: the one workspace a service call may read and write.
//!
//! Invariant: a service that touches tenant data takes a `&Scope` (or the caller's `&Ctx`),
//! never a bare workspace `Uuid`, and filters every query by [`Scope::workspace_id`]. A handler
//! cannot turn an id it parsed from a path, a form or a JSON body into a scope: the only
//! constructors are named after who is acting, so forgetting tenancy does not compile and a
//! search for `Scope::for_` lists every place that acts on a workspace other than the
//! caller's own.
//!
//! - [`Scope::of`]: the signed-in caller's current workspace (a customer request). The
//!   ordinary way in; it is not found when the caller has no workspace.
//! - [`Scope::for_staff`]: a staff member acting on a customer's workspace (back office). It
//!   needs the resolved [`Staff`] principal, so only a staff route can call it.
//! - [`Scope::for_job`]: a background job acting on a workspace: one named in its payload
//!   (enqueued by a service that held a scope itself) or one its sweep found in the data.
//! - [`Scope::for_system`]: a workspace the server resolved from a verified reference rather
//!   than from a member's session: start-up and CLI work, a signed Stripe webhook's customer,
//!   an invitation token being accepted.
//!
//! - [`Scope::for_worker`]: the workspace of an automation worker that presented its own
//!   token (the fleet's worker API); the token's row names the workspace.
//!
//! Tests build one with `Scope::for_test` (only with the `testkit` cargo feature, never in
//! the release binary).

use uuid::Uuid;

use crate::{Ctx, Result, staff::Staff};

/// A workspace a service call is confined to. See the module documentation for who may make
/// one and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    workspace_id: Uuid,
}

impl Scope {
    /// The caller's current workspace; not found for a user without one.
    pub fn of(ctx: &Ctx) -> Result<Scope> {
        Ok(Scope {
            workspace_id: ctx.workspace_id()?,
        })
    }

    /// A staff member acting on a customer's workspace. The staff member's permission for the
    /// action is the caller's to check (`staff.require(...)`); this names the crossing.
    pub fn for_staff(_staff: &Staff, workspace_id: Uuid) -> Scope {
        Scope { workspace_id }
    }

    /// A workspace a job acts on: named in its payload or found by its sweep.
    pub fn for_job(workspace_id: Uuid) -> Scope {
        Scope { workspace_id }
    }

    /// A workspace the server resolved itself from a verified reference (start-up, CLI,
    /// signed webhooks, invitation tokens), with no member's session behind it.
    pub fn for_system(workspace_id: Uuid) -> Scope {
        Scope { workspace_id }
    }

    /// The workspace of an automation worker, resolved from the worker's own (hashed) token.
    pub fn for_worker(workspace_id: Uuid) -> Scope {
        Scope { workspace_id }
    }

    /// Any workspace, for tests that set up data directly.
    #[cfg(feature = "testkit")]
    pub fn for_test(workspace_id: Uuid) -> Scope {
        Scope { workspace_id }
    }

    /// The tenant every query of this call filters by.
    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }
}
