//! The creators on a campaign: added from the creator index, moved one status step at a time,
//! their fees, removed with their deliverables and posts.

use super::*;

/// The indexed creators among these profiles, by profile id.
pub async fn creators_known(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
) -> Result<HashMap<Uuid, creator::Model>> {
    if profile_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(creator::Entity::find()
        .filter(creator::Column::ProfileId.is_in(profile_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.profile_id, c))
        .collect())
}

/// The creator of the index with this username (`@` optional): a real profile before a demo
/// one of the same name.
pub async fn creator_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<creator::Model>> {
    let u = username.trim().trim_start_matches('@').to_lowercase();
    if u.is_empty() || chars(&u) > USERNAME_MAX {
        return Ok(None);
    }
    Ok(creator::Entity::find()
        .filter(creator::Column::UsernameLower.eq(u))
        .order_by_desc(creator::Column::Pool.eq("live"))
        .one(conn)
        .await?)
}

/// Adds a creator of the index at `shortlisted` with a fee (minor units).
pub async fn add_creator(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    fee_minor: i64,
) -> Result<campaign_creator::Model> {
    let fee = amount("fee_minor", fee_minor).map_err(|f| Error::Validation(vec![f]))?;
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let Some(who) = creators_known(&txn, &[profile_id])
        .await?
        .remove(&profile_id)
    else {
        return Err(Error::validation(
            "profile_id",
            "no creator with this id is in the creator index",
        ));
    };
    let on = campaign_creator::Entity::find()
        .filter(campaign_creator::Column::CampaignId.eq(id))
        .count(&txn)
        .await?;
    if on >= CREATORS_MAX {
        return Err(Error::Conflict(format!(
            "A campaign can have up to {CREATORS_MAX} creators."
        )));
    }
    if entry_of(&txn, id, profile_id).await.is_ok() {
        return Err(Error::Conflict(format!(
            "@{} is already on this campaign.",
            who.username
        )));
    }
    let t = platform::db::now();
    let row = campaign_creator::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(id),
        profile_id: Set(profile_id),
        status: Set(Status::Shortlisted.as_str().into()),
        fee_minor: Set(fee),
        added_at: Set(t),
        status_changed_at: Set(t),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "creator.added",
        format!("Shortlisted @{}", who.username),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

pub(crate) async fn username_of(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<String> {
    Ok(creators_known(conn, &[profile_id])
        .await?
        .remove(&profile_id)
        .map_or_else(|| "a creator".to_string(), |c| format!("@{}", c.username)))
}

/// Moves a creator one step (forward or back) and/or changes its fee.
pub async fn update_creator(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    status: Option<Status>,
    fee_minor: Option<i64>,
) -> Result<campaign_creator::Model> {
    let fee = fee_minor
        .map(|f| amount("fee_minor", f))
        .transpose()
        .map_err(|f| Error::Validation(vec![f]))?;
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let entry = entry_of(&txn, id, profile_id).await?;
    let who = username_of(&txn, profile_id).await?;
    let from = status_of(&entry);
    let mut lines = Vec::new();
    let mut a = entry.clone().into_active_model();
    if let Some(to) = status
        && to != from
    {
        if !from.can_move_to(to) {
            let (back, forward) = from.neighbours();
            let allowed: Vec<&str> = [back, forward]
                .into_iter()
                .flatten()
                .map(Status::label)
                .collect();
            return Err(Error::Conflict(format!(
                "{who} is {}: a creator moves one step at a time, so the next status can only be {}, not {}.",
                from.label(),
                allowed.join(" or "),
                to.label()
            )));
        }
        a.status = Set(to.as_str().into());
        a.status_changed_at = Set(platform::db::now());
        lines.push((
            "creator.status",
            format!("Moved {who} from {} to {}", from.label(), to.label()),
        ));
    }
    if let Some(f) = fee
        && f != entry.fee_minor
    {
        a.fee_minor = Set(f);
        lines.push((
            "creator.fee",
            format!(
                "Set the fee of {who} to {}",
                platform::web::format::money(f, &c.currency)
            ),
        ));
    }
    if lines.is_empty() {
        return Ok(entry);
    }
    let row = a.update(&txn).await?;
    for (action, line) in lines {
        log(&txn, id, Some(ctx), action, line).await?;
    }
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

/// Takes a creator off the campaign with its deliverables and posts.
pub async fn remove_creator(state: &AppState, ctx: &Ctx, id: Uuid, profile_id: Uuid) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let entry = entry_of(&txn, id, profile_id).await?;
    let who = username_of(&txn, profile_id).await?;
    deliverable::Entity::delete_many()
        .filter(deliverable::Column::CampaignId.eq(id))
        .filter(deliverable::Column::ProfileId.eq(profile_id))
        .exec(&txn)
        .await?;
    campaign_post::Entity::delete_many()
        .filter(campaign_post::Column::CampaignId.eq(id))
        .filter(campaign_post::Column::ProfileId.eq(profile_id))
        .exec(&txn)
        .await?;
    campaign_creator::Entity::delete_by_id(entry.id)
        .exec(&txn)
        .await?;
    log(
        &txn,
        id,
        Some(ctx),
        "creator.removed",
        format!("Removed {who} with their deliverables and posts"),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(())
}
