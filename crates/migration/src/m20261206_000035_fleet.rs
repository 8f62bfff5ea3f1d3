//! The account fleet (requirement 002): Instagram accounts an agency operates through external
//! automation workers, their proxies, personas ("models") with content pools, the warm-up and
//! cleanup tasks the workers claim, and the timeline of everything that happened.
//!
//! - `fleet_settings`: one row per workspace that changed a default (steps, retries, lease,
//!   time zone, the proxy check URL).
//! - `fleet_accounts`: a managed account; passwords are ciphertexts of the platform key.
//!   `username_lower` is unique per workspace (duplicates are refused on import).
//! - `fleet_proxies`: `account_count` is kept by the same statements that assign, so a
//!   conditional `account_count < max_accounts` update enforces capacity under concurrency.
//! - `fleet_tasks`: one row per attempt of a step (the requirement's `WarmupStepLog`): claimed
//!   atomically by one worker under a lease; a retry is a new row.
//! - `fleet_events`: the timeline (state transitions with who and why, proxy changes,
//!   reveals, tests).
//! - `fleet_images` + `fleet_image_data` (bytes kept apart so lists never read them),
//!   `fleet_texts`: content pools of a persona, or the workspace's generic pools (no persona).
//! - `fleet_workers`: automation workers with hashed bearer tokens.
//! - `fleet_imports` + `fleet_import_issues`: uploads with progress and their rejected lines.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FleetSettings {
    Table,
    WorkspaceId,
    Steps,
    MaxRetries,
    RetryBackoffSecs,
    LeaseSecs,
    TimeZone,
    ProxyCheckUrl,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FleetPersonas {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameLower,
    Location,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FleetProxies {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Host,
    Port,
    Username,
    PasswordEnc,
    Provider,
    Location,
    MonthlyCostMinor,
    Currency,
    Status,
    MaxAccounts,
    AccountCount,
    LastTestedAt,
    LastTestOk,
    LastLatencyMs,
    LastTestError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FleetAccounts {
    Table,
    Id,
    WorkspaceId,
    Username,
    UsernameLower,
    PasswordEnc,
    Email,
    EmailPasswordEnc,
    Extra,
    State,
    WarmupStep,
    WarmupStartedAt,
    WarmupCompletedAt,
    PersonaId,
    AssignedToPersonaAt,
    ProxyId,
    ProxyAssignedAt,
    LastWorkerId,
    LastWorkerActionAt,
    RequiresHumanReview,
    LastErrorMessage,
    LastErrorAt,
    RetryCount,
    ImportId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FleetEvents {
    Table,
    Id,
    WorkspaceId,
    AccountId,
    ProxyId,
    Kind,
    FromState,
    ToState,
    ActorKind,
    ActorId,
    ActorLabel,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum FleetTasks {
    Table,
    Id,
    WorkspaceId,
    AccountId,
    Kind,
    StepNumber,
    StepName,
    StepLabel,
    ImageKind,
    TextKind,
    Status,
    DueAt,
    RetryCount,
    WorkerId,
    WorkerSessionId,
    LeaseExpiresAt,
    Claims,
    StartedAt,
    CompletedAt,
    ContentUsed,
    ErrorMessage,
    ErrorDetails,
    ExecutionTimeMs,
    InstagramResponse,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FleetWorkers {
    Table,
    Id,
    WorkspaceId,
    Name,
    TokenHash,
    TokenPrefix,
    Status,
    CurrentTaskId,
    LastSeenAt,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum FleetImages {
    Table,
    Id,
    WorkspaceId,
    PersonaId,
    Kind,
    Mime,
    ByteSize,
    Sha256,
    Filename,
    TextContent,
    IsTemplate,
    OrderPriority,
    UsageCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FleetImageData {
    Table,
    ImageId,
    Bytes,
}

#[derive(DeriveIden)]
enum FleetTexts {
    Table,
    Id,
    WorkspaceId,
    PersonaId,
    Kind,
    TextContent,
    UsageCount,
    IsTemplate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FleetImports {
    Table,
    Id,
    WorkspaceId,
    Filename,
    Status,
    TotalBytes,
    ProcessedBytes,
    Lines,
    Inserted,
    Duplicates,
    Invalid,
    Error,
    CreatedBy,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum FleetImportIssues {
    Table,
    Id,
    ImportId,
    WorkspaceId,
    LineNo,
    Username,
    Outcome,
    Message,
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FleetSettings::Table)
                .col(pk_uuid(FleetSettings::WorkspaceId))
                .col(json(FleetSettings::Steps))
                .col(integer(FleetSettings::MaxRetries))
                .col(integer(FleetSettings::RetryBackoffSecs))
                .col(integer(FleetSettings::LeaseSecs))
                .col(string_len(FleetSettings::TimeZone, 64))
                .col(string_len(FleetSettings::ProxyCheckUrl, 500))
                .col(timestamp_with_time_zone(FleetSettings::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FleetPersonas::Table)
                .col(pk_uuid(FleetPersonas::Id))
                .col(uuid(FleetPersonas::WorkspaceId))
                .col(string_len(FleetPersonas::Name, 80))
                .col(string_len(FleetPersonas::NameLower, 80))
                .col(string_len(FleetPersonas::Location, 80).default(""))
                .col(text(FleetPersonas::Notes).default(""))
                .col(uuid_null(FleetPersonas::CreatedBy))
                .col(timestamp_with_time_zone(FleetPersonas::CreatedAt))
                .col(timestamp_with_time_zone(FleetPersonas::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_fleet_personas_workspace_name",
                FleetPersonas::Table,
                vec![
                    FleetPersonas::WorkspaceId.into_iden(),
                    FleetPersonas::NameLower.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FleetProxies::Table)
                .col(pk_uuid(FleetProxies::Id))
                .col(uuid(FleetProxies::WorkspaceId))
                .col(string_len(FleetProxies::Kind, 8))
                .col(string_len(FleetProxies::Host, 255))
                .col(integer(FleetProxies::Port))
                .col(string_len(FleetProxies::Username, 255).default(""))
                .col(text_null(FleetProxies::PasswordEnc))
                .col(string_len(FleetProxies::Provider, 80).default(""))
                .col(string_len(FleetProxies::Location, 80).default(""))
                .col(big_integer(FleetProxies::MonthlyCostMinor).default(0))
                .col(string_len(FleetProxies::Currency, 3).default("USD"))
                .col(string_len(FleetProxies::Status, 16))
                .col(integer(FleetProxies::MaxAccounts).default(3))
                .col(integer(FleetProxies::AccountCount).default(0))
                .col(timestamp_with_time_zone_null(FleetProxies::LastTestedAt))
                .col(boolean_null(FleetProxies::LastTestOk))
                .col(integer_null(FleetProxies::LastLatencyMs))
                .col(string_len_null(FleetProxies::LastTestError, 500))
                .col(timestamp_with_time_zone(FleetProxies::CreatedAt))
                .col(timestamp_with_time_zone(FleetProxies::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_fleet_proxies_endpoint",
                FleetProxies::Table,
                vec![
                    FleetProxies::WorkspaceId.into_iden(),
                    FleetProxies::Host.into_iden(),
                    FleetProxies::Port.into_iden(),
                    FleetProxies::Username.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FleetAccounts::Table)
                .col(pk_uuid(FleetAccounts::Id))
                .col(uuid(FleetAccounts::WorkspaceId))
                .col(string_len(FleetAccounts::Username, 30))
                .col(string_len(FleetAccounts::UsernameLower, 30))
                .col(text(FleetAccounts::PasswordEnc))
                .col(string_len(FleetAccounts::Email, 254).default(""))
                .col(text_null(FleetAccounts::EmailPasswordEnc))
                .col(json(FleetAccounts::Extra))
                .col(string_len(FleetAccounts::State, 16))
                .col(integer_null(FleetAccounts::WarmupStep))
                .col(timestamp_with_time_zone_null(
                    FleetAccounts::WarmupStartedAt,
                ))
                .col(timestamp_with_time_zone_null(
                    FleetAccounts::WarmupCompletedAt,
                ))
                .col(uuid_null(FleetAccounts::PersonaId))
                .col(timestamp_with_time_zone_null(
                    FleetAccounts::AssignedToPersonaAt,
                ))
                .col(uuid_null(FleetAccounts::ProxyId))
                .col(timestamp_with_time_zone_null(
                    FleetAccounts::ProxyAssignedAt,
                ))
                .col(uuid_null(FleetAccounts::LastWorkerId))
                .col(timestamp_with_time_zone_null(
                    FleetAccounts::LastWorkerActionAt,
                ))
                .col(boolean(FleetAccounts::RequiresHumanReview).default(false))
                .col(text_null(FleetAccounts::LastErrorMessage))
                .col(timestamp_with_time_zone_null(FleetAccounts::LastErrorAt))
                .col(integer(FleetAccounts::RetryCount).default(0))
                .col(uuid_null(FleetAccounts::ImportId))
                .col(timestamp_with_time_zone(FleetAccounts::CreatedAt))
                .col(timestamp_with_time_zone(FleetAccounts::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_fleet_accounts_workspace_username",
                FleetAccounts::Table,
                vec![
                    FleetAccounts::WorkspaceId.into_iden(),
                    FleetAccounts::UsernameLower.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;
        for (name, col) in [
            ("ix_fleet_accounts_state", FleetAccounts::State),
            ("ix_fleet_accounts_persona", FleetAccounts::PersonaId),
            ("ix_fleet_accounts_proxy", FleetAccounts::ProxyId),
        ] {
            m.create_index(index(
                name,
                FleetAccounts::Table,
                vec![FleetAccounts::WorkspaceId.into_iden(), col.into_iden()],
            ))
            .await?;
        }

        m.create_table(
            Table::create()
                .table(FleetEvents::Table)
                .col(pk_uuid(FleetEvents::Id))
                .col(uuid(FleetEvents::WorkspaceId))
                .col(uuid_null(FleetEvents::AccountId))
                .col(uuid_null(FleetEvents::ProxyId))
                .col(string_len(FleetEvents::Kind, 24))
                .col(string_len_null(FleetEvents::FromState, 16))
                .col(string_len_null(FleetEvents::ToState, 16))
                .col(string_len(FleetEvents::ActorKind, 8))
                .col(uuid_null(FleetEvents::ActorId))
                .col(string_len(FleetEvents::ActorLabel, 160))
                .col(text(FleetEvents::Reason))
                .col(timestamp_with_time_zone(FleetEvents::At))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_events_account",
            FleetEvents::Table,
            vec![
                FleetEvents::AccountId.into_iden(),
                FleetEvents::At.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_fleet_events_proxy",
            FleetEvents::Table,
            vec![
                FleetEvents::ProxyId.into_iden(),
                FleetEvents::At.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_fleet_events_workspace_at",
            FleetEvents::Table,
            vec![
                FleetEvents::WorkspaceId.into_iden(),
                FleetEvents::At.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(FleetTasks::Table)
                .col(pk_uuid(FleetTasks::Id))
                .col(uuid(FleetTasks::WorkspaceId))
                .col(uuid(FleetTasks::AccountId))
                .col(string_len(FleetTasks::Kind, 8))
                .col(integer(FleetTasks::StepNumber))
                .col(string_len(FleetTasks::StepName, 40))
                .col(string_len(FleetTasks::StepLabel, 80))
                .col(string_len_null(FleetTasks::ImageKind, 16))
                .col(string_len_null(FleetTasks::TextKind, 16))
                .col(string_len(FleetTasks::Status, 16))
                .col(timestamp_with_time_zone(FleetTasks::DueAt))
                .col(integer(FleetTasks::RetryCount).default(0))
                .col(uuid_null(FleetTasks::WorkerId))
                .col(string_len_null(FleetTasks::WorkerSessionId, 100))
                .col(timestamp_with_time_zone_null(FleetTasks::LeaseExpiresAt))
                .col(integer(FleetTasks::Claims).default(0))
                .col(timestamp_with_time_zone_null(FleetTasks::StartedAt))
                .col(timestamp_with_time_zone_null(FleetTasks::CompletedAt))
                .col(json_null(FleetTasks::ContentUsed))
                .col(text_null(FleetTasks::ErrorMessage))
                .col(json_null(FleetTasks::ErrorDetails))
                .col(big_integer_null(FleetTasks::ExecutionTimeMs))
                .col(json_null(FleetTasks::InstagramResponse))
                .col(timestamp_with_time_zone(FleetTasks::CreatedAt))
                .col(timestamp_with_time_zone(FleetTasks::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_tasks_claim",
            FleetTasks::Table,
            vec![
                FleetTasks::WorkspaceId.into_iden(),
                FleetTasks::Status.into_iden(),
                FleetTasks::DueAt.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_fleet_tasks_account",
            FleetTasks::Table,
            vec![
                FleetTasks::AccountId.into_iden(),
                FleetTasks::CreatedAt.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_fleet_tasks_worker",
            FleetTasks::Table,
            vec![
                FleetTasks::WorkerId.into_iden(),
                FleetTasks::Status.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(FleetWorkers::Table)
                .col(pk_uuid(FleetWorkers::Id))
                .col(uuid(FleetWorkers::WorkspaceId))
                .col(string_len(FleetWorkers::Name, 80))
                .col(string_len(FleetWorkers::TokenHash, 64))
                .col(string_len(FleetWorkers::TokenPrefix, 16))
                .col(string_len(FleetWorkers::Status, 24).default("offline"))
                .col(uuid_null(FleetWorkers::CurrentTaskId))
                .col(timestamp_with_time_zone_null(FleetWorkers::LastSeenAt))
                .col(uuid_null(FleetWorkers::CreatedBy))
                .col(timestamp_with_time_zone(FleetWorkers::CreatedAt))
                .col(timestamp_with_time_zone_null(FleetWorkers::RevokedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_fleet_workers_token",
                FleetWorkers::Table,
                vec![FleetWorkers::TokenHash.into_iden()],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_workers_workspace",
            FleetWorkers::Table,
            vec![FleetWorkers::WorkspaceId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(FleetImages::Table)
                .col(pk_uuid(FleetImages::Id))
                .col(uuid(FleetImages::WorkspaceId))
                .col(uuid_null(FleetImages::PersonaId))
                .col(string_len(FleetImages::Kind, 16))
                .col(string_len(FleetImages::Mime, 32))
                .col(big_integer(FleetImages::ByteSize))
                .col(string_len(FleetImages::Sha256, 64))
                .col(string_len(FleetImages::Filename, 200).default(""))
                .col(text_null(FleetImages::TextContent))
                .col(boolean(FleetImages::IsTemplate).default(false))
                .col(integer(FleetImages::OrderPriority).default(0))
                .col(big_integer(FleetImages::UsageCount).default(0))
                .col(timestamp_with_time_zone(FleetImages::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_images_pool",
            FleetImages::Table,
            vec![
                FleetImages::WorkspaceId.into_iden(),
                FleetImages::PersonaId.into_iden(),
                FleetImages::Kind.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(FleetImageData::Table)
                .col(pk_uuid(FleetImageData::ImageId))
                .col(blob(FleetImageData::Bytes))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FleetTexts::Table)
                .col(pk_uuid(FleetTexts::Id))
                .col(uuid(FleetTexts::WorkspaceId))
                .col(uuid_null(FleetTexts::PersonaId))
                .col(string_len(FleetTexts::Kind, 16))
                .col(text(FleetTexts::TextContent))
                .col(big_integer(FleetTexts::UsageCount).default(0))
                .col(boolean(FleetTexts::IsTemplate).default(false))
                .col(timestamp_with_time_zone(FleetTexts::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_texts_pool",
            FleetTexts::Table,
            vec![
                FleetTexts::WorkspaceId.into_iden(),
                FleetTexts::PersonaId.into_iden(),
                FleetTexts::Kind.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(FleetImports::Table)
                .col(pk_uuid(FleetImports::Id))
                .col(uuid(FleetImports::WorkspaceId))
                .col(string_len(FleetImports::Filename, 200))
                .col(string_len(FleetImports::Status, 16))
                .col(big_integer(FleetImports::TotalBytes).default(0))
                .col(big_integer(FleetImports::ProcessedBytes).default(0))
                .col(big_integer(FleetImports::Lines).default(0))
                .col(big_integer(FleetImports::Inserted).default(0))
                .col(big_integer(FleetImports::Duplicates).default(0))
                .col(big_integer(FleetImports::Invalid).default(0))
                .col(text_null(FleetImports::Error))
                .col(uuid_null(FleetImports::CreatedBy))
                .col(timestamp_with_time_zone(FleetImports::CreatedAt))
                .col(timestamp_with_time_zone_null(FleetImports::FinishedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_imports_workspace",
            FleetImports::Table,
            vec![
                FleetImports::WorkspaceId.into_iden(),
                FleetImports::CreatedAt.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(FleetImportIssues::Table)
                .col(pk_uuid(FleetImportIssues::Id))
                .col(uuid(FleetImportIssues::ImportId))
                .col(uuid(FleetImportIssues::WorkspaceId))
                .col(big_integer(FleetImportIssues::LineNo))
                .col(string_len(FleetImportIssues::Username, 100).default(""))
                .col(string_len(FleetImportIssues::Outcome, 16))
                .col(string_len(FleetImportIssues::Message, 300))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_fleet_import_issues_import",
            FleetImportIssues::Table,
            vec![
                FleetImportIssues::ImportId.into_iden(),
                FleetImportIssues::LineNo.into_iden(),
            ],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            FleetImportIssues::Table.into_iden(),
            FleetImports::Table.into_iden(),
            FleetTexts::Table.into_iden(),
            FleetImageData::Table.into_iden(),
            FleetImages::Table.into_iden(),
            FleetWorkers::Table.into_iden(),
            FleetTasks::Table.into_iden(),
            FleetEvents::Table.into_iden(),
            FleetAccounts::Table.into_iden(),
            FleetProxies::Table.into_iden(),
            FleetPersonas::Table.into_iden(),
            FleetSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
