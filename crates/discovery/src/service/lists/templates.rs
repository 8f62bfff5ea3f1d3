//! List templates: a saved name, description and tag scheme (the tags a list's creators are
//! meant to carry) to start new lists from; never creators. Any member who can write may save
//! and use them; the one who saved a template, and the workspace's owners and admins, delete it.

use platform::{AppState, Ctx, Error, Permission, Result, authz::Role, db::now};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{Access, find_for, name_of, record, tags, tags_of};
use crate::model::lists::{entry, template};

/// Templates per workspace.
pub const TEMPLATES_MAX: u64 = 100;

/// A template of the caller's workspace.
pub(super) async fn find_template(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
) -> Result<template::Model> {
    ctx.require(Permission::WorkspaceRead)?;
    template::Entity::find_by_id(id)
        .filter(template::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The workspace's templates, by name.
pub async fn templates(state: &AppState, ctx: &Ctx) -> Result<Vec<template::Model>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .order_by_asc(template::Column::NameLower)
        .all(&state.db)
        .await?)
}

/// Saves a list as a template named `name`: its description, and its tag scheme together
/// with every tag its creators carry.
pub async fn save_as_template(
    state: &AppState,
    ctx: &Ctx,
    list_id: Uuid,
    name: &str,
) -> Result<template::Model> {
    let l = find_for(&state.db, ctx, list_id, Access::Edit).await?;
    let mut errors = Vec::new();
    let name = name_of("name", name, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let mut scheme = tags(&l.tag_scheme);
    for e in entry::Entity::find()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::ListId.eq(l.id))
        .all(&state.db)
        .await?
    {
        for t in tags(&e.tags) {
            if !scheme.iter().any(|s| s.eq_ignore_ascii_case(&t)) {
                scheme.push(t);
            }
        }
    }
    // A scheme is at most as long as one creator's tags may be: the most used first would
    // need counting; the list's own scheme comes first, then tags in the order found.
    scheme.truncate(super::TAGS_MAX);
    let scheme = tags_of("tag_scheme", &scheme, &mut errors);
    let txn = platform::db::begin_write(&state.db).await?;
    let count = template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(l.workspace_id))
        .count(&txn)
        .await?;
    if count >= TEMPLATES_MAX {
        return Err(Error::Conflict(format!(
            "This workspace has {TEMPLATES_MAX} list templates, the most it can have. Delete one first."
        )));
    }
    let lower = name.to_lowercase();
    let taken = template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(l.workspace_id))
        .filter(template::Column::NameLower.eq(lower.clone()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(Error::validation(
            "name",
            "Another template of this workspace already has this name",
        ));
    }
    let t = template::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(l.workspace_id),
        name: Set(name.clone()),
        name_lower: Set(lower),
        description: Set(l.description.clone()),
        tag_scheme: Set(serde_json::Value::from(scheme)),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        ctx,
        &l,
        "templated",
        format!("saved as the template “{name}”"),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

/// Deletes a template (lists made from it stay as they are).
pub async fn delete_template(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<template::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let t = find_template(&state.db, ctx, id).await?;
    let may = matches!(ctx.role(), Some(Role::Owner | Role::Admin))
        || t.created_by == Some(ctx.user_id());
    if !may {
        return Err(Error::forbidden(
            "Only who saved this template and the workspace's owners and admins can delete it",
        ));
    }
    template::Entity::delete_many()
        .filter(template::Column::WorkspaceId.eq(t.workspace_id))
        .filter(template::Column::Id.eq(t.id))
        .exec(&state.db)
        .await?;
    Ok(t)
}
