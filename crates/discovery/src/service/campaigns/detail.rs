//! Everything a campaign's page and API show, loaded at once.

use super::*;

/// A creator on the campaign with the index's row (absent if the profile left the index).
#[derive(Debug, Clone)]
pub struct CreatorOn {
    pub entry: campaign_creator::Model,
    pub creator: Option<creator::Model>,
}

impl CreatorOn {
    pub fn username(&self) -> String {
        self.creator
            .as_ref()
            .map_or_else(|| "unknown creator".into(), |c| c.username.clone())
    }
}

/// A post on the campaign with the post as the pool has it.
#[derive(Debug, Clone)]
pub struct PostOn {
    pub entry: campaign_post::Model,
    pub post: Option<post::Model>,
}

/// Everything a campaign's page shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub campaign: campaign::Model,
    pub creators: Vec<CreatorOn>,
    pub deliverables: Vec<deliverable::Model>,
    pub milestones: Vec<milestone::Model>,
    pub posts: Vec<PostOn>,
    /// Collaborators with their email addresses.
    pub collaborators: Vec<(collaborator::Model, String)>,
    /// Newest first, at most [`ACTIVITY_SHOWN`].
    pub activity: Vec<activity::Model>,
}

impl Detail {
    pub fn creator(&self, profile_id: Uuid) -> Option<&CreatorOn> {
        self.creators
            .iter()
            .find(|c| c.entry.profile_id == profile_id)
    }
}

pub async fn detail(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Detail> {
    let c = readable(state, ctx, id).await?;
    load(&state.db, state, c).await
}

pub(crate) async fn load(
    conn: &impl ConnectionTrait,
    state: &AppState,
    c: campaign::Model,
) -> Result<Detail> {
    let id = c.id;
    let entries = campaign_creator::Entity::find()
        .filter(campaign_creator::Column::CampaignId.eq(id))
        .order_by_asc(campaign_creator::Column::AddedAt)
        .all(conn)
        .await?;
    let mut known = creators_known(
        conn,
        &entries.iter().map(|e| e.profile_id).collect::<Vec<_>>(),
    )
    .await?;
    let creators = entries
        .into_iter()
        .map(|entry| CreatorOn {
            creator: known.remove(&entry.profile_id),
            entry,
        })
        .collect();
    let deliverables = deliverable::Entity::find()
        .filter(deliverable::Column::CampaignId.eq(id))
        .order_by_asc(deliverable::Column::DueOn)
        .order_by_asc(deliverable::Column::CreatedAt)
        .all(conn)
        .await?;
    let milestones = milestone::Entity::find()
        .filter(milestone::Column::CampaignId.eq(id))
        .order_by_asc(milestone::Column::DueOn)
        .order_by_asc(milestone::Column::CreatedAt)
        .all(conn)
        .await?;
    let entries = campaign_post::Entity::find()
        .filter(campaign_post::Column::CampaignId.eq(id))
        .order_by_asc(campaign_post::Column::AddedAt)
        .all(conn)
        .await?;
    let mut posts: HashMap<Uuid, post::Model> = instagram::service::pool::posts(
        conn,
        &entries.iter().map(|e| e.post_id).collect::<Vec<_>>(),
    )
    .await?
    .into_iter()
    .map(|p| (p.id, p))
    .collect();
    let mut posts: Vec<PostOn> = entries
        .into_iter()
        .map(|entry| PostOn {
            post: posts.remove(&entry.post_id),
            entry,
        })
        .collect();
    posts.sort_by_key(|p| p.post.as_ref().map(|p| p.posted_at));
    let collaborators = collaborator::Entity::find()
        .filter(collaborator::Column::CampaignId.eq(id))
        .order_by_asc(collaborator::Column::AddedAt)
        .all(conn)
        .await?;
    let emails = if collaborators.is_empty() {
        HashMap::new()
    } else {
        state
            .directory
            .user_emails(state, collaborators.iter().map(|c| c.user_id).collect())
            .await?
    };
    let collaborators = collaborators
        .into_iter()
        .map(|c| {
            let email = emails
                .get(&c.user_id)
                .cloned()
                .unwrap_or_else(|| "a former member".into());
            (c, email)
        })
        .collect();
    let activity = activity::Entity::find()
        .filter(activity::Column::CampaignId.eq(id))
        .order_by_desc(activity::Column::At)
        .order_by_desc(activity::Column::Id)
        .limit(ACTIVITY_SHOWN)
        .all(conn)
        .await?;
    Ok(Detail {
        campaign: c,
        creators,
        deliverables,
        milestones,
        posts,
        collaborators,
        activity,
    })
}
