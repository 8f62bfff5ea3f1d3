//! A subject's playbook: the lessons its concluded tests left, newest first, each with the
//! test it came from, the outcome, who wrote it and when.

use platform::Result;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{model::ab_tests::lesson, service::planner::SubjectKey};

pub async fn of_subject(db: &impl ConnectionTrait, key: &SubjectKey) -> Result<Vec<lesson::Model>> {
    Ok(lesson::Entity::find()
        .filter(lesson::Column::WorkspaceId.eq(key.workspace_id))
        .filter(lesson::Column::SubjectKind.eq(key.kind))
        .filter(lesson::Column::SubjectId.eq(key.id))
        .order_by_desc(lesson::Column::CreatedAt)
        .order_by_desc(lesson::Column::Id)
        .all(db)
        .await?)
}
