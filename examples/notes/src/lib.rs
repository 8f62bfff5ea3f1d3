//! Notes: the example feature of `docs/architecture.md`. A workspace keeps short notes (one
//! customer API with a scoped finder), staff see how many there are (one back-office page),
//! a job prunes notes older than a year, and `migration` creates the table. It is not in the
//! binary: the workspace compiles and tests it so that the example stays true. To start a
//! feature, copy this crate, move `migration.rs` into `crates/migration/src/` (listed in its
//! `Migrator`), and add `yourfeature::feature(),` to the binary's `features()`.

pub mod api;
pub mod migration;
pub mod model;
pub mod staff;

use platform::jobs::{Job, JobError, JobMeta};
use platform::{AppState, Error, Result, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use model::note;

/// Everything this feature contributes to the product (the binary's list would hold it).
pub fn feature() -> platform::Feature {
    platform::Feature::new("notes")
        .api(api::openapi_router())
        .staff_routes(staff::routes())
        .staff_nav(staff::nav())
        .jobs(|registry| registry.register::<PruneNotes>())
}

/// The longest note, in characters.
pub const MAX_TEXT: usize = 2000;

/// Scoped finder: a note of the caller's workspace; another workspace's is not found.
pub async fn find_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<note::Model> {
    note::Entity::find_by_id(id)
        .filter(note::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Keeps a new note in the scope's workspace.
pub async fn create(conn: &impl ConnectionTrait, scope: &Scope, text: &str) -> Result<note::Model> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(Error::validation(
            "text",
            format!("Write a note of 1 to {MAX_TEXT} characters"),
        ));
    }
    let row = note::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        workspace_id: sea_orm::Set(scope.workspace_id()),
        text: sea_orm::Set(text.to_string()),
        created_at: sea_orm::Set(chrono::Utc::now()),
    };
    Ok(note::Entity::insert(row).exec_with_returning(conn).await?)
}

/// How many notes every workspace keeps (the staff page's figure; cross-tenant by design).
pub async fn total(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(note::Entity::find().count(conn).await?)
}

/// Removes a note of the scope's workspace (another workspace's is not found).
pub async fn delete_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<()> {
    let row = find_in(conn, scope, id).await?;
    note::Entity::delete_by_id(row.id).exec(conn).await?;
    Ok(())
}

/// Deletes every workspace's notes older than a year (a job: cross-tenant by design, so it
/// names no scope).
#[derive(Debug, Serialize, Deserialize)]
pub struct PruneNotes;

impl Job for PruneNotes {
    const KIND: &'static str = "notes.prune";

    async fn run(self, state: AppState, _: JobMeta) -> Result<(), JobError> {
        let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
        note::Entity::delete_many()
            .filter(note::Column::CreatedAt.lt(year_ago))
            .exec(&state.db)
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}
