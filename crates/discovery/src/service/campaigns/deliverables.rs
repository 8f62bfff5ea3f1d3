//! What each creator delivers and the campaign's milestones, each with a due date and done.

use super::*;

pub async fn add_deliverable(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    kind: &str,
    due_on: NaiveDate,
) -> Result<deliverable::Model> {
    let kind = kind.trim().to_ascii_lowercase();
    if !DELIVERABLE_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(Error::validation("kind", "post, reel, story or other"));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    entry_of(&txn, id, profile_id)
        .await
        .map_err(|_| Error::validation("profile_id", "this creator is not on the campaign"))?;
    let n = deliverable::Entity::find()
        .filter(deliverable::Column::CampaignId.eq(id))
        .count(&txn)
        .await?;
    if n >= DELIVERABLES_MAX {
        return Err(Error::Conflict(format!(
            "A campaign can have up to {DELIVERABLES_MAX} deliverables."
        )));
    }
    let who = username_of(&txn, profile_id).await?;
    let row = deliverable::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(id),
        profile_id: Set(profile_id),
        kind: Set(kind.clone()),
        due_on: Set(due_on),
        done: Set(false),
        done_at: Set(None),
        created_at: Set(platform::db::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "deliverable.added",
        format!(
            "Added a {} by {who}, due {due_on}",
            kind_label(&kind).to_lowercase()
        ),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

async fn deliverable_in(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
    deliverable_id: Uuid,
) -> Result<deliverable::Model> {
    deliverable::Entity::find_by_id(deliverable_id)
        .filter(deliverable::Column::CampaignId.eq(campaign_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn set_deliverable_done(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    deliverable_id: Uuid,
    done: bool,
) -> Result<deliverable::Model> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let d = deliverable_in(&txn, id, deliverable_id).await?;
    if d.done == done {
        return Ok(d);
    }
    let who = username_of(&txn, d.profile_id).await?;
    let kind = kind_label(&d.kind).to_lowercase();
    let mut a = d.into_active_model();
    a.done = Set(done);
    a.done_at = Set(done.then(platform::db::now));
    let row = a.update(&txn).await?;
    let line = if done {
        format!("Marked the {kind} by {who} done")
    } else {
        format!("Marked the {kind} by {who} not done")
    };
    log(&txn, id, Some(ctx), "deliverable.done", line).await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete_deliverable(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    deliverable_id: Uuid,
) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let d = deliverable_in(&txn, id, deliverable_id).await?;
    let who = username_of(&txn, d.profile_id).await?;
    deliverable::Entity::delete_by_id(d.id).exec(&txn).await?;
    log(
        &txn,
        id,
        Some(ctx),
        "deliverable.deleted",
        format!("Deleted a {} by {who}", kind_label(&d.kind).to_lowercase()),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn add_milestone(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    name: &str,
    due_on: NaiveDate,
) -> Result<milestone::Model> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(Error::validation("name", "enter a name"));
    }
    if chars(&name) > MILESTONE_NAME_MAX {
        return Err(Error::validation(
            "name",
            format!("at most {MILESTONE_NAME_MAX} characters"),
        ));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let n = milestone::Entity::find()
        .filter(milestone::Column::CampaignId.eq(id))
        .count(&txn)
        .await?;
    if n >= MILESTONES_MAX {
        return Err(Error::Conflict(format!(
            "A campaign can have up to {MILESTONES_MAX} milestones."
        )));
    }
    let row = milestone::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(id),
        name: Set(name.clone()),
        due_on: Set(due_on),
        done: Set(false),
        done_at: Set(None),
        created_at: Set(platform::db::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "milestone.added",
        format!("Added the milestone “{name}”, due {due_on}"),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

async fn milestone_in(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
    milestone_id: Uuid,
) -> Result<milestone::Model> {
    milestone::Entity::find_by_id(milestone_id)
        .filter(milestone::Column::CampaignId.eq(campaign_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn set_milestone_done(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    milestone_id: Uuid,
    done: bool,
) -> Result<milestone::Model> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let m = milestone_in(&txn, id, milestone_id).await?;
    if m.done == done {
        return Ok(m);
    }
    let name = m.name.clone();
    let mut a = m.into_active_model();
    a.done = Set(done);
    a.done_at = Set(done.then(platform::db::now));
    let row = a.update(&txn).await?;
    let line = if done {
        format!("Reached the milestone “{name}”")
    } else {
        format!("Marked the milestone “{name}” not reached")
    };
    log(&txn, id, Some(ctx), "milestone.done", line).await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete_milestone(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    milestone_id: Uuid,
) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let m = milestone_in(&txn, id, milestone_id).await?;
    milestone::Entity::delete_by_id(m.id).exec(&txn).await?;
    log(
        &txn,
        id,
        Some(ctx),
        "milestone.deleted",
        format!("Deleted the milestone “{}”", m.name),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(())
}
