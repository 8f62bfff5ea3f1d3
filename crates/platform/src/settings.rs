//! Small platform-wide key/value settings (first-run state; system settings later).

use sea_orm::{ConnectionTrait, Set, entity::prelude::*, sea_query::OnConflict};

use crate::error::Result;

pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "platform_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>> {
    Ok(entity::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
        .map(|m| m.value))
}

pub async fn set(conn: &impl ConnectionTrait, key: &str, value: &str) -> Result<()> {
    entity::Entity::insert(entity::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.to_string()),
        updated_at: Set(crate::db::now()),
    })
    .on_conflict(
        OnConflict::column(entity::Column::Key)
            .update_columns([entity::Column::Value, entity::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}
