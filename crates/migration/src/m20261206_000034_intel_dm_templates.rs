//! The intelligence feature's DM templates: texts an agency keeps for Instagram direct messages,
//! shared by the whole workspace (not per account). A template has a category from a fixed list,
//! a body with `{variables}`, its custom variables with their defaults (JSON), how often it was
//! copied, and — when an AI draft was kept as the template — the AI feature's generation it came
//! from (that feature's table is not referenced: the id is kept as the mark "AI-written").
//!
//! Names are unique within a workspace regardless of case (`name_lower`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelDmTemplates {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameLower,
    Category,
    Body,
    Variables,
    UsageCount,
    LastUsedAt,
    AiGenerationId,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IntelDmTemplates::Table)
                .col(pk_uuid(IntelDmTemplates::Id))
                .col(uuid(IntelDmTemplates::WorkspaceId))
                .col(string_len(IntelDmTemplates::Name, 120))
                .col(string_len(IntelDmTemplates::NameLower, 120))
                .col(string_len(IntelDmTemplates::Category, 32))
                .col(text(IntelDmTemplates::Body))
                .col(json(IntelDmTemplates::Variables))
                .col(big_integer(IntelDmTemplates::UsageCount).default(0))
                .col(timestamp_with_time_zone_null(IntelDmTemplates::LastUsedAt))
                .col(uuid_null(IntelDmTemplates::AiGenerationId))
                .col(uuid_null(IntelDmTemplates::CreatedBy))
                .col(uuid_null(IntelDmTemplates::UpdatedBy))
                .col(timestamp_with_time_zone(IntelDmTemplates::CreatedAt))
                .col(timestamp_with_time_zone(IntelDmTemplates::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_intel_dm_templates_workspace_name")
                .table(IntelDmTemplates::Table)
                .col(IntelDmTemplates::WorkspaceId)
                .col(IntelDmTemplates::NameLower)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_dm_templates_workspace_category")
                .table(IntelDmTemplates::Table)
                .col(IntelDmTemplates::WorkspaceId)
                .col(IntelDmTemplates::Category)
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IntelDmTemplates::Table).take())
            .await
    }
}
