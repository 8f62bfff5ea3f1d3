//! The texts of a profile's posts and comments, for features that analyse them
//! (intelligence): what they need of each, read here so they never read this feature's tables.
//! Profiles are shared between workspaces (a public profile is stored once), so these take a
//! profile id the caller already reached through its scope, a job payload or a follow-up.

use chrono::{DateTime, Utc};
use platform::{Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::model::{account, comment, post, tracked};

/// A post's caption and what an analysis records with it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct PostText {
    pub id: Uuid,
    pub caption: Option<String>,
    pub media_type: String,
    pub posted_at: DateTime<Utc>,
    /// Where the post came from (`graph`, `apify`, `demo`): results derived from it say so.
    pub source: String,
}

/// A stored comment's text.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct CommentText {
    pub id: Uuid,
    pub post_id: Uuid,
    pub text: String,
    pub posted_at: Option<DateTime<Utc>>,
    pub source: String,
}

/// Every post of a profile, newest first.
pub async fn posts_of(db: &impl ConnectionTrait, profile_id: Uuid) -> Result<Vec<PostText>> {
    Ok(post::Entity::find()
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::Caption,
            post::Column::MediaType,
            post::Column::PostedAt,
            post::Column::Source,
        ])
        .filter(post::Column::ProfileId.eq(profile_id))
        .order_by_desc(post::Column::PostedAt)
        .into_model::<PostText>()
        .all(db)
        .await?)
}

/// Every stored comment on a profile's posts.
pub async fn comments_of(db: &impl ConnectionTrait, profile_id: Uuid) -> Result<Vec<CommentText>> {
    let post_ids = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::ProfileId.eq(profile_id))
        .into_query();
    Ok(comment::Entity::find()
        .select_only()
        .columns([
            comment::Column::Id,
            comment::Column::PostId,
            comment::Column::Text,
            comment::Column::PostedAt,
            comment::Column::Source,
        ])
        .filter(comment::Column::PostId.in_subquery(post_ids))
        .into_model::<CommentText>()
        .all(db)
        .await?)
}

/// The profiles a workspace follows: its accounts' and its tracked profiles' (each once).
pub async fn profiles_in(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = account::Entity::find()
        .select_only()
        .column(account::Column::ProfileId)
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .into_tuple()
        .all(db)
        .await?;
    let tracked: Vec<Uuid> = tracked::Entity::find()
        .select_only()
        .column(tracked::Column::ProfileId)
        .filter(tracked::Column::WorkspaceId.eq(scope.workspace_id()))
        .into_tuple()
        .all(db)
        .await?;
    for id in tracked {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Every profile any workspace follows (`growthdeck analyze --all`).
pub async fn all_followed(db: &impl ConnectionTrait) -> Result<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = account::Entity::find()
        .select_only()
        .column(account::Column::ProfileId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let tracked: Vec<Uuid> = tracked::Entity::find()
        .select_only()
        .column(tracked::Column::ProfileId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(tracked);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
