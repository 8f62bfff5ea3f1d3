//! Posts on a campaign: attached by hand (a post of one of its creators, by link, shortcode
//! or id) or inserted by tracking (once per post).

use super::*;

/// What a post reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostRef {
    Id(Uuid),
    Shortcode(String),
}

/// Reads a post id, an Instagram link (`…/p/CODE/`, `/reel/`, `/reels/`, `/tv/`) or a bare
/// shortcode.
pub fn post_ref(raw: &str) -> Option<PostRef> {
    let raw = raw.trim();
    if raw.is_empty() || chars(raw) > POST_REF_MAX {
        return None;
    }
    if let Ok(id) = Uuid::parse_str(raw) {
        return Some(PostRef::Id(id));
    }
    let code_ok = |s: &str| {
        (5..=40).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if raw.contains('/') {
        let path = raw.split(['?', '#']).next().unwrap_or(raw);
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let at = parts
            .iter()
            .position(|p| matches!(*p, "p" | "reel" | "reels" | "tv"))?;
        let code = parts.get(at + 1)?;
        return code_ok(code).then(|| PostRef::Shortcode((*code).to_string()));
    }
    code_ok(raw).then(|| PostRef::Shortcode(raw.to_string()))
}

async fn creator_ids(conn: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<Uuid>> {
    Ok(campaign_creator::Entity::find()
        .select_only()
        .column(campaign_creator::Column::ProfileId)
        .filter(campaign_creator::Column::CampaignId.eq(campaign_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Attaches a post of one of the campaign's creators by hand.
pub async fn attach_post(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    reference: &str,
) -> Result<campaign_post::Model> {
    let Some(r) = post_ref(reference) else {
        return Err(Error::validation(
            "post",
            "paste the post's Instagram link or its shortcode",
        ));
    };
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let creators = creator_ids(&txn, id).await?;
    let found = match r {
        PostRef::Id(post_id) => instagram::service::pool::posts(&txn, &[post_id])
            .await?
            .into_iter()
            .find(|p| creators.contains(&p.profile_id)),
        PostRef::Shortcode(code) => {
            instagram::service::pool::post_by_shortcode(&txn, &creators, &code).await?
        }
    };
    let Some(p) = found else {
        return Err(Error::validation(
            "post",
            "no post of this campaign's creators with this link is known yet (add the creator first, or wait for their posts to be fetched)",
        ));
    };
    let exists = campaign_post::Entity::find()
        .filter(campaign_post::Column::CampaignId.eq(id))
        .filter(campaign_post::Column::PostId.eq(p.id))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(Error::Conflict(
            "This post is already on the campaign.".into(),
        ));
    }
    let row = campaign_post::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(id),
        profile_id: Set(p.profile_id),
        post_id: Set(p.id),
        how: Set("manual".into()),
        matched: Set(String::new()),
        added_by: Set(Some(ctx.user_id())),
        added_at: Set(platform::db::now()),
    }
    .insert(&txn)
    .await?;
    let who = username_of(&txn, p.profile_id).await?;
    log(
        &txn,
        id,
        Some(ctx),
        "post.attached",
        format!(
            "Attached a post by {who} posted {}",
            p.posted_at.format("%Y-%m-%d")
        ),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(row)
}

/// Inserts tracked posts; a post already on the campaign is left as it is.
pub(crate) async fn insert_tracked(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
    found: &[(post::Model, String)],
) -> Result<u64> {
    let mut added = 0;
    for (p, matched) in found {
        let n = campaign_post::Entity::insert(campaign_post::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(campaign_id),
            profile_id: Set(p.profile_id),
            post_id: Set(p.id),
            how: Set("tracked".into()),
            matched: Set(matched.chars().take(200).collect()),
            added_by: Set(None),
            added_at: Set(platform::db::now()),
        })
        .on_conflict(
            OnConflict::columns([
                campaign_post::Column::CampaignId,
                campaign_post::Column::PostId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        added += n;
    }
    Ok(added)
}

pub async fn detach_post(state: &AppState, ctx: &Ctx, id: Uuid, post_id: Uuid) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let row = campaign_post::Entity::find()
        .filter(campaign_post::Column::CampaignId.eq(id))
        .filter(campaign_post::Column::PostId.eq(post_id))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    campaign_post::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    let who = username_of(&txn, row.profile_id).await?;
    log(
        &txn,
        id,
        Some(ctx),
        "post.detached",
        format!("Removed a post by {who}"),
    )
    .await?;
    touch(&txn, c).await?;
    txn.commit().await?;
    Ok(())
}
