//! Proposal templates: a proposal's message, currency and creator slots (each slot the
//! deliverables and fee of one position on the shortlist, without the creator) saved under a
//! name, to start new proposals from. A proposal started from a template takes its message and
//! currency, and each creator added takes the next slot's terms unless others are given.

use platform::{Ctx, Error, Permission, Result, Scope, audit, db::now};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CREATORS_MAX, find_in as proposal_in, line, scope};
use crate::model::proposals::{proposal_creator, template};

pub const NAME_MAX: usize = 120;
/// Templates one workspace keeps.
pub const TEMPLATES_MAX: u64 = 200;

/// One position of a template's shortlist: what the creator there delivers and for what fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiscoveryProposalSlot)]
pub struct Slot {
    pub deliverables: String,
    /// Minor units of the template's currency.
    pub fee_minor: i64,
}

/// A template's slots (a malformed stored value reads as none).
pub fn slots(t: &template::Model) -> Vec<Slot> {
    serde_json::from_value(t.slots.clone()).unwrap_or_default()
}

pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<template::Model> {
    template::Entity::find_by_id(id)
        .filter(template::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn list(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<template::Model>> {
    Ok(template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(template::Column::Name)
        .order_by_asc(template::Column::Id)
        .all(conn)
        .await?)
}

pub async fn get(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<template::Model> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    find_in(&state.db, &scope, id).await
}

/// Saves proposal `id` as a template named `name`.
pub async fn save(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    name: &str,
) -> Result<template::Model> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let mut e = Vec::new();
    let name = line("name", "template's name", name, NAME_MAX, &mut e);
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let p = proposal_in(&state.db, &scope, id).await?;
    let kept = template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(scope.workspace_id()))
        .count(&state.db)
        .await?;
    if kept >= TEMPLATES_MAX {
        return Err(Error::Conflict(format!(
            "A workspace keeps at most {TEMPLATES_MAX} templates. Delete some first."
        )));
    }
    let slots: Vec<Slot> = proposal_creator::Entity::find()
        .filter(proposal_creator::Column::ProposalId.eq(p.id))
        .filter(proposal_creator::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(proposal_creator::Column::Position)
        .all(&state.db)
        .await?
        .into_iter()
        .take(CREATORS_MAX)
        .map(|r| Slot {
            deliverables: r.deliverables,
            fee_minor: r.fee_minor,
        })
        .collect();
    let row = template::Model {
        id: Uuid::now_v7(),
        workspace_id: scope.workspace_id(),
        name,
        message: p.message.clone(),
        currency: p.currency.clone(),
        slots: serde_json::to_value(&slots).map_err(Error::internal)?,
        created_by: Some(ctx.user_id()),
        created_at: now(),
    };
    let txn = platform::db::begin_write(&state.db).await?;
    template::Entity::insert(template::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(row.workspace_id),
        name: Set(row.name.clone()),
        message: Set(row.message.clone()),
        currency: Set(row.currency.clone()),
        slots: Set(row.slots.clone()),
        created_by: Set(row.created_by),
        created_at: Set(row.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_template_saved")
            .by(ctx)
            .target("proposal_template", row.id)
            .detail(serde_json::json!({ "name": row.name, "proposal": p.id })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let t = find_in(&state.db, &scope, id).await?;
    template::Entity::delete_by_id(t.id).exec(&state.db).await?;
    Ok(())
}
