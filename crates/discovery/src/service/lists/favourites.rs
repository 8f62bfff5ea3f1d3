//! Favourites: creators a person stars, per workspace. Nobody else sees them, not even the
//! workspace's owner: they are a person's shortlist, not the team's (lists are the team's).

use std::collections::HashSet;

use platform::{AppState, Ctx, Error, Permission, Result, db::now};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::creators_by_id;
use crate::model::{creator, lists::favourite};

/// Favourites per person and workspace.
pub const FAVOURITES_MAX: u64 = 5_000;

/// The caller's favourites, newest first, with their index rows (a creator that left the
/// index is left out).
pub async fn favourites(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Vec<(favourite::Model, creator::Model)>> {
    ctx.require(Permission::WorkspaceRead)?;
    let rows = favourite::Entity::find()
        .filter(favourite::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(favourite::Column::UserId.eq(ctx.user_id()))
        .order_by_desc(favourite::Column::Id)
        .limit(FAVOURITES_MAX)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|f| f.profile_id).collect();
    let mut found = creators_by_id(&state.db, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|f| found.remove(&f.profile_id).map(|c| (f, c)))
        .collect())
}

/// Which of `profile_ids` the caller starred.
pub async fn favourite_set(
    state: &AppState,
    ctx: &Ctx,
    profile_ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    ctx.require(Permission::WorkspaceRead)?;
    let mut out = HashSet::new();
    for chunk in profile_ids.chunks(500) {
        out.extend(
            favourite::Entity::find()
                .select_only()
                .column(favourite::Column::ProfileId)
                .filter(favourite::Column::WorkspaceId.eq(ctx.workspace_id()?))
                .filter(favourite::Column::UserId.eq(ctx.user_id()))
                .filter(favourite::Column::ProfileId.is_in(chunk.to_vec()))
                .into_tuple::<Uuid>()
                .all(&state.db)
                .await?,
        );
    }
    Ok(out)
}

/// Stars a creator of the index; `true` if it was not starred before.
pub async fn favourite(
    state: &AppState,
    ctx: &Ctx,
    profile_id: Uuid,
) -> Result<(bool, creator::Model)> {
    ctx.require(Permission::WorkspaceWrite)?;
    let ws = ctx.workspace_id()?;
    let c = crate::service::lookalikes::creator_of(&state.db, profile_id).await?;
    if !favourite_set(state, ctx, &[profile_id]).await?.is_empty() {
        return Ok((false, c));
    }
    let count = favourite::Entity::find()
        .filter(favourite::Column::WorkspaceId.eq(ws))
        .filter(favourite::Column::UserId.eq(ctx.user_id()))
        .count(&state.db)
        .await?;
    if count >= FAVOURITES_MAX {
        return Err(Error::Conflict(
            "You have 5,000 favourites, the most there can be. Remove some, or keep creators in a list."
                .into(),
        ));
    }
    let inserted = favourite::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        user_id: Set(ctx.user_id()),
        profile_id: Set(profile_id),
        created_at: Set(now()),
    }
    .insert(&state.db)
    .await;
    match inserted {
        Ok(_) => Ok((true, c)),
        // Starred twice at once (a double click): the other request won.
        Err(e) if platform::db::is_unique_violation(&e) => Ok((false, c)),
        Err(e) => Err(e.into()),
    }
}

/// Un-stars a creator; `true` if it was starred.
pub async fn unfavourite(state: &AppState, ctx: &Ctx, profile_id: Uuid) -> Result<bool> {
    ctx.require(Permission::WorkspaceWrite)?;
    let gone = favourite::Entity::delete_many()
        .filter(favourite::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(favourite::Column::UserId.eq(ctx.user_id()))
        .filter(favourite::Column::ProfileId.eq(profile_id))
        .exec(&state.db)
        .await?;
    Ok(gone.rows_affected > 0)
}
