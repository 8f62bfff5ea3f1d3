//! A campaign's collaborators: members of its workspace.

use super::*;

/// Adds a member of the workspace as a collaborator.
pub async fn add_collaborator(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    user_id: Uuid,
) -> Result<collaborator::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    find_in(&state.db, &scope, id).await?;
    if state
        .directory
        .role_of(state, user_id, scope.workspace_id())
        .await?
        .is_none()
    {
        return Err(Error::validation(
            "user_id",
            "only members of this workspace can collaborate on its campaigns",
        ));
    }
    let email = state
        .directory
        .user_emails(state, vec![user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_else(|| "a member".into());
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let existing = collaborator::Entity::find_by_id((id, user_id))
        .one(&txn)
        .await?;
    if let Some(row) = existing {
        return Ok(row);
    }
    let n = collaborator::Entity::find()
        .filter(collaborator::Column::CampaignId.eq(id))
        .count(&txn)
        .await?;
    if n >= COLLABORATORS_MAX {
        return Err(Error::Conflict(format!(
            "A campaign can have up to {COLLABORATORS_MAX} collaborators."
        )));
    }
    let row = collaborator::ActiveModel {
        campaign_id: Set(id),
        user_id: Set(user_id),
        added_at: Set(platform::db::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "collaborator.added",
        format!("Added {email} as a collaborator"),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn remove_collaborator(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let row = collaborator::Entity::find_by_id((id, user_id))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    collaborator::Entity::delete_by_id((row.campaign_id, row.user_id))
        .exec(&txn)
        .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "collaborator.removed",
        "Removed a collaborator",
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(())
}
