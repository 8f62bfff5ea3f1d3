//! The content engine's tables: each own account's brand voice (tone, words to use and to
//! avoid, emoji policy, language), which grounds every text the AI writes for it, and the
//! content library: captions, hashtag sets, post ideas and bios kept by the team — written by
//! hand or kept from an AI text (then marked AI-written, with the text's id and whether it
//! was edited), optionally scheduled into the planner's calendar.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelBrandVoices {
    Table,
    Id,
    WorkspaceId,
    SubjectKind,
    SubjectId,
    Tone,
    WordsUse,
    WordsAvoid,
    EmojiPolicy,
    Language,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntelContentItems {
    Table,
    Id,
    WorkspaceId,
    SubjectKind,
    SubjectId,
    Kind,
    Title,
    Body,
    AiGenerationId,
    AiWritten,
    Edited,
    CalendarItemId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IntelBrandVoices::Table)
                .col(pk_uuid(IntelBrandVoices::Id))
                .col(uuid(IntelBrandVoices::WorkspaceId))
                .col(string_len(IntelBrandVoices::SubjectKind, 16))
                .col(uuid(IntelBrandVoices::SubjectId))
                .col(string_len(IntelBrandVoices::Tone, 200))
                .col(string_len(IntelBrandVoices::WordsUse, 500))
                .col(string_len(IntelBrandVoices::WordsAvoid, 500))
                // `none`, `few`, `many`.
                .col(string_len(IntelBrandVoices::EmojiPolicy, 8))
                // A language code (`en`); empty: the account's own main language.
                .col(string_len(IntelBrandVoices::Language, 16))
                .col(uuid_null(IntelBrandVoices::UpdatedBy))
                .col(timestamp_with_time_zone(IntelBrandVoices::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_intel_brand_voices_subject")
                .table(IntelBrandVoices::Table)
                .col(IntelBrandVoices::WorkspaceId)
                .col(IntelBrandVoices::SubjectKind)
                .col(IntelBrandVoices::SubjectId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntelContentItems::Table)
                .col(pk_uuid(IntelContentItems::Id))
                .col(uuid(IntelContentItems::WorkspaceId))
                .col(string_len(IntelContentItems::SubjectKind, 16))
                .col(uuid(IntelContentItems::SubjectId))
                // `caption`, `hashtags`, `post_ideas`, `bio`.
                .col(string_len(IntelContentItems::Kind, 16))
                .col(string_len(IntelContentItems::Title, 200))
                .col(text(IntelContentItems::Body))
                .col(uuid_null(IntelContentItems::AiGenerationId))
                .col(boolean(IntelContentItems::AiWritten))
                .col(boolean(IntelContentItems::Edited))
                .col(uuid_null(IntelContentItems::CalendarItemId))
                .col(uuid_null(IntelContentItems::CreatedBy))
                .col(timestamp_with_time_zone(IntelContentItems::CreatedAt))
                .col(timestamp_with_time_zone(IntelContentItems::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_content_items_subject")
                .table(IntelContentItems::Table)
                .col(IntelContentItems::WorkspaceId)
                .col(IntelContentItems::SubjectKind)
                .col(IntelContentItems::SubjectId)
                .col(IntelContentItems::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IntelContentItems::Table.into_iden(),
            IntelBrandVoices::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
