//! Managed accounts: the scoped finder every id-taking route uses, the sealing of the
//! passwords they hold, and the lists the pages show. Passwords are sealed with the platform
//! key (AEAD, purpose-bound) and opened only for the worker API and an owner's audited reveal.

use platform::{AppState, Error, Result, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::model::account;

/// The AEAD purpose the fleet's secrets are sealed under (a ciphertext of another feature
/// cannot be opened as one of these).
const PURPOSE: &str = "fleet-secret";

/// The account with this id in the scope's workspace; another workspace's is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Seals a password (account, e-mail or proxy) for storage.
pub fn seal(state: &AppState, plaintext: &str) -> Result<String> {
    state
        .keys
        .encrypt_str(PURPOSE, plaintext)
        .map_err(|_| Error::internal("a fleet secret could not be sealed"))
}

/// Opens a sealed password.
pub fn open(state: &AppState, ciphertext: &str) -> Result<String> {
    state
        .keys
        .decrypt_str(PURPOSE, ciphertext)
        .map_err(|_| Error::internal("a fleet secret could not be opened"))
}

/// A page of the workspace's accounts, newest first, optionally in one state and/or matching
/// a username prefix.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    state: Option<&str>,
    search: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<account::Model>> {
    let mut q =
        account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(s) = state {
        q = q.filter(account::Column::State.eq(s));
    }
    let search = search.trim().to_lowercase();
    if !search.is_empty() {
        q = q.filter(account::Column::UsernameLower.starts_with(&search));
    }
    Ok(q.order_by_desc(account::Column::CreatedAt)
        .order_by_desc(account::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}
