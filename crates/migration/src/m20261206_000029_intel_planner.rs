//! The intelligence feature's planner: per subject (an own account or a tracked profile, named
//! by its kind and its id in its own list) the time zone its best times and days are read in,
//! a growth goal, the generated daily tasks (one row per task, unique by a stable key within
//! the day, so generating a day twice adds nothing; a second table marks the days generated),
//! the planned posts of its calendar, and each member's secret calendar-feed token (stored as
//! its SHA-256, revocable).
//!
//! Subjects belong to the instagram feature, whose tables this one does not reference: a row of
//! a removed account is unreachable (every read goes through the account or tracked profile of
//! the caller's workspace) and is left behind rather than cascaded from another feature.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelSubjectSettings {
    Table,
    Id,
    TimeZone,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntelGrowthPlans {
    Table,
    Id,
    TargetFollowers,
    TargetDate,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntelTaskDays {
    Table,
    Day,
    TimeZone,
    GeneratedAt,
}

#[derive(DeriveIden)]
enum IntelTasks {
    Table,
    Id,
    Day,
    Key,
    Kind,
    Title,
    Detail,
    Link,
    SlotAt,
    Position,
    DoneAt,
    DoneBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IntelCalendarItems {
    Table,
    Id,
    Title,
    Note,
    SlotAt,
    MediaType,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntelCalendarFeeds {
    Table,
    Id,
    WorkspaceId,
    UserId,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// The columns naming a subject, shared by the per-subject tables.
#[derive(DeriveIden)]
enum Named {
    #[sea_orm(iden = "workspace_id")]
    WorkspaceId,
    #[sea_orm(iden = "subject_kind")]
    SubjectKind,
    #[sea_orm(iden = "subject_id")]
    SubjectId,
}

fn subject(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(uuid(Named::WorkspaceId))
        .col(string_len(Named::SubjectKind, 16))
        .col(uuid(Named::SubjectId))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut settings = Table::create();
        settings
            .table(IntelSubjectSettings::Table)
            .col(pk_uuid(IntelSubjectSettings::Id));
        subject(&mut settings)
            .col(string_len(IntelSubjectSettings::TimeZone, 64))
            .col(uuid_null(IntelSubjectSettings::UpdatedBy))
            .col(timestamp_with_time_zone(IntelSubjectSettings::UpdatedAt));
        m.create_table(settings.take()).await?;
        m.create_index(
            Index::create()
                .name("ux_intel_subject_settings_subject")
                .table(IntelSubjectSettings::Table)
                .col(Named::WorkspaceId)
                .col(Named::SubjectKind)
                .col(Named::SubjectId)
                .unique()
                .take(),
        )
        .await?;

        let mut plans = Table::create();
        plans
            .table(IntelGrowthPlans::Table)
            .col(pk_uuid(IntelGrowthPlans::Id));
        subject(&mut plans)
            .col(big_integer(IntelGrowthPlans::TargetFollowers))
            .col(date(IntelGrowthPlans::TargetDate))
            .col(uuid_null(IntelGrowthPlans::CreatedBy))
            .col(timestamp_with_time_zone(IntelGrowthPlans::CreatedAt))
            .col(timestamp_with_time_zone(IntelGrowthPlans::UpdatedAt));
        m.create_table(plans.take()).await?;
        m.create_index(
            Index::create()
                .name("ux_intel_growth_plans_subject")
                .table(IntelGrowthPlans::Table)
                .col(Named::WorkspaceId)
                .col(Named::SubjectKind)
                .col(Named::SubjectId)
                .unique()
                .take(),
        )
        .await?;

        let mut days = Table::create();
        days.table(IntelTaskDays::Table);
        subject(&mut days)
            .col(date(IntelTaskDays::Day))
            .col(string_len(IntelTaskDays::TimeZone, 64))
            .col(timestamp_with_time_zone(IntelTaskDays::GeneratedAt))
            .primary_key(
                Index::create()
                    .col(Named::WorkspaceId)
                    .col(Named::SubjectKind)
                    .col(Named::SubjectId)
                    .col(IntelTaskDays::Day),
            );
        m.create_table(days.take()).await?;

        let mut tasks = Table::create();
        tasks.table(IntelTasks::Table).col(pk_uuid(IntelTasks::Id));
        subject(&mut tasks)
            .col(date(IntelTasks::Day))
            .col(string_len(IntelTasks::Key, 200))
            .col(string_len(IntelTasks::Kind, 32))
            .col(string(IntelTasks::Title))
            .col(text(IntelTasks::Detail))
            .col(text_null(IntelTasks::Link))
            .col(timestamp_with_time_zone_null(IntelTasks::SlotAt))
            .col(integer(IntelTasks::Position))
            .col(timestamp_with_time_zone_null(IntelTasks::DoneAt))
            .col(uuid_null(IntelTasks::DoneBy))
            .col(timestamp_with_time_zone(IntelTasks::CreatedAt));
        m.create_table(tasks.take()).await?;
        m.create_index(
            Index::create()
                .name("ux_intel_tasks_subject_day_key")
                .table(IntelTasks::Table)
                .col(Named::WorkspaceId)
                .col(Named::SubjectKind)
                .col(Named::SubjectId)
                .col(IntelTasks::Day)
                .col(IntelTasks::Key)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_tasks_workspace_day")
                .table(IntelTasks::Table)
                .col(Named::WorkspaceId)
                .col(IntelTasks::Day)
                .take(),
        )
        .await?;

        let mut items = Table::create();
        items
            .table(IntelCalendarItems::Table)
            .col(pk_uuid(IntelCalendarItems::Id));
        subject(&mut items)
            .col(string(IntelCalendarItems::Title))
            .col(text(IntelCalendarItems::Note))
            .col(timestamp_with_time_zone(IntelCalendarItems::SlotAt))
            .col(string_len(IntelCalendarItems::MediaType, 16))
            .col(uuid_null(IntelCalendarItems::CreatedBy))
            .col(timestamp_with_time_zone(IntelCalendarItems::CreatedAt))
            .col(timestamp_with_time_zone(IntelCalendarItems::UpdatedAt));
        m.create_table(items.take()).await?;
        m.create_index(
            Index::create()
                .name("ix_intel_calendar_items_workspace_slot")
                .table(IntelCalendarItems::Table)
                .col(Named::WorkspaceId)
                .col(IntelCalendarItems::SlotAt)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntelCalendarFeeds::Table)
                .col(pk_uuid(IntelCalendarFeeds::Id))
                .col(uuid(IntelCalendarFeeds::WorkspaceId))
                .col(uuid(IntelCalendarFeeds::UserId))
                .col(string_len_uniq(IntelCalendarFeeds::TokenHash, 64))
                .col(string_len(IntelCalendarFeeds::Prefix, 16))
                .col(timestamp_with_time_zone(IntelCalendarFeeds::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    IntelCalendarFeeds::LastUsedAt,
                ))
                .col(timestamp_with_time_zone_null(IntelCalendarFeeds::RevokedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_calendar_feeds_member")
                .table(IntelCalendarFeeds::Table)
                .col(IntelCalendarFeeds::WorkspaceId)
                .col(IntelCalendarFeeds::UserId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IntelCalendarFeeds::Table.into_iden(),
            IntelCalendarItems::Table.into_iden(),
            IntelTasks::Table.into_iden(),
            IntelTaskDays::Table.into_iden(),
            IntelGrowthPlans::Table.into_iden(),
            IntelSubjectSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
