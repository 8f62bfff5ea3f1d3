//! The AI provider's tables (crate `ai`): the models staff enabled with their prices per
//! million tokens (the estimated cost of every call is read from here), one row per call to
//! the model server (who, which feature, tokens, latency, outcome, cost, credits — the meter
//! the back office and the workspace's budget read), each workspace's AI settings (monthly
//! budget in credits, preferred model, the month its 80 % warning went out), and the texts the
//! model wrote (the prompt as sent, the output, its state), which the features that asked for
//! them look up by their own reference.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AiModels {
    Table,
    Id,
    Model,
    Label,
    Enabled,
    InputMicrosPerMillion,
    OutputMicrosPerMillion,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AiCalls {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Feature,
    Model,
    PromptTokens,
    CompletionTokens,
    UsageEstimated,
    LatencyMs,
    FirstTokenMs,
    Attempts,
    Outcome,
    Error,
    CostMicros,
    Credits,
    GenerationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AiWorkspaceSettings {
    Table,
    WorkspaceId,
    MonthlyCredits,
    Model,
    WarnedPeriod,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AiGenerations {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Feature,
    Reference,
    Title,
    Messages,
    Model,
    Status,
    Output,
    Error,
    CallId,
    NextPath,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AiModels::Table)
                .col(pk_uuid(AiModels::Id))
                .col(string_len(AiModels::Model, 200).unique_key())
                .col(string_len(AiModels::Label, 200))
                .col(boolean(AiModels::Enabled))
                // US dollars in millionths per million tokens ($0.15 → 150000).
                .col(big_integer(AiModels::InputMicrosPerMillion))
                .col(big_integer(AiModels::OutputMicrosPerMillion))
                .col(uuid_null(AiModels::UpdatedBy))
                .col(timestamp_with_time_zone(AiModels::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AiCalls::Table)
                .col(pk_uuid(AiCalls::Id))
                // None: a call of the back office (the connection test).
                .col(uuid_null(AiCalls::WorkspaceId))
                .col(uuid_null(AiCalls::UserId))
                .col(string_len(AiCalls::Feature, 40))
                .col(string_len(AiCalls::Model, 200))
                .col(big_integer(AiCalls::PromptTokens))
                .col(big_integer(AiCalls::CompletionTokens))
                // The server sent no `usage`: the counts are estimated from the text's length.
                .col(boolean(AiCalls::UsageEstimated))
                .col(big_integer(AiCalls::LatencyMs))
                .col(big_integer_null(AiCalls::FirstTokenMs))
                .col(integer(AiCalls::Attempts))
                .col(string_len(AiCalls::Outcome, 24))
                .col(text_null(AiCalls::Error))
                .col(big_integer(AiCalls::CostMicros))
                .col(big_integer(AiCalls::Credits))
                .col(uuid_null(AiCalls::GenerationId))
                .col(timestamp_with_time_zone(AiCalls::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ai_calls_workspace_created")
                .table(AiCalls::Table)
                .col(AiCalls::WorkspaceId)
                .col(AiCalls::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ai_calls_created")
                .table(AiCalls::Table)
                .col(AiCalls::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AiWorkspaceSettings::Table)
                .col(pk_uuid(AiWorkspaceSettings::WorkspaceId))
                .col(big_integer_null(AiWorkspaceSettings::MonthlyCredits))
                .col(string_len_null(AiWorkspaceSettings::Model, 200))
                // "2026-12": the month whose 80 % warning went to staff.
                .col(string_len_null(AiWorkspaceSettings::WarnedPeriod, 7))
                .col(uuid_null(AiWorkspaceSettings::UpdatedBy))
                .col(timestamp_with_time_zone(AiWorkspaceSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AiGenerations::Table)
                .col(pk_uuid(AiGenerations::Id))
                .col(uuid(AiGenerations::WorkspaceId))
                .col(uuid_null(AiGenerations::UserId))
                .col(string_len(AiGenerations::Feature, 40))
                // The asking feature's own name for what the text is about ("audit:<id>").
                .col(string_len(AiGenerations::Reference, 120))
                .col(string_len(AiGenerations::Title, 200))
                .col(json(AiGenerations::Messages))
                .col(string_len(AiGenerations::Model, 200))
                .col(string_len(AiGenerations::Status, 16))
                .col(text(AiGenerations::Output))
                .col(text_null(AiGenerations::Error))
                .col(uuid_null(AiGenerations::CallId))
                .col(string_len_null(AiGenerations::NextPath, 300))
                .col(timestamp_with_time_zone(AiGenerations::CreatedAt))
                .col(timestamp_with_time_zone_null(AiGenerations::StartedAt))
                .col(timestamp_with_time_zone_null(AiGenerations::FinishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ai_generations_reference")
                .table(AiGenerations::Table)
                .col(AiGenerations::WorkspaceId)
                .col(AiGenerations::Feature)
                .col(AiGenerations::Reference)
                .col(AiGenerations::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AiGenerations::Table.into_iden(),
            AiWorkspaceSettings::Table.into_iden(),
            AiCalls::Table.into_iden(),
            AiModels::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
