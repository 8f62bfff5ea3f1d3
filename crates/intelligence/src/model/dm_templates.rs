//! The DM templates' table (migration `m20261206_000034_intel_dm_templates`): workspace-wide
//! texts for Instagram direct messages.

/// A DM template of a workspace.
pub mod template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intel_dm_templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        /// The name in lower case: unique within the workspace.
        pub name_lower: String,
        /// One of `service::dm_templates::Category`'s values.
        pub category: String,
        pub body: String,
        /// The custom variables: `[{"name": "discount", "default": "10 %"}]`.
        pub variables: Json,
        /// Times the text was copied from a page or counted through the API.
        pub usage_count: i64,
        pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
        /// The AI feature's generation this template was kept from: the text is AI-written.
        pub ai_generation_id: Option<Uuid>,
        pub created_by: Option<Uuid>,
        pub updated_by: Option<Uuid>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}
