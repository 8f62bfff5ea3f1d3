//! The staff back office: staff web sessions (8 h, 30 min idle), backup codes, IP allow-lists
//! and invitations of staff; staff notifications (the bell); daily activity of customers (the
//! dashboard's active-user chart); indexes for the back office's filters.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    IpAllowlist,
    InviteTokenHash,
    InviteExpiresAt,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    Id,
    StaffId,
    TokenHash,
    State,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum StaffBackupCodes {
    Table,
    Id,
    StaffId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffNotifications {
    Table,
    Id,
    Kind,
    Audience,
    Title,
    Body,
    Link,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffNotificationReads {
    Table,
    StaffId,
    NotificationId,
    ReadAt,
}

#[derive(DeriveIden)]
enum UserActivityDays {
    Table,
    UserId,
    Day,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    TargetType,
    TargetId,
}

fn cascade(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            text_null(Staff::IpAllowlist),
            string_null(Staff::InviteTokenHash),
            timestamp_with_time_zone_null(Staff::InviteExpiresAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Staff::Table)
                    .add_column(&mut col)
                    .take(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ux_staff_invite_token")
                .table(Staff::Table)
                .col(Staff::InviteTokenHash)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StaffSessions::Table)
                .col(pk_uuid(StaffSessions::Id))
                .col(uuid(StaffSessions::StaffId))
                .col(string_uniq(StaffSessions::TokenHash))
                .col(string(StaffSessions::State))
                .col(timestamp_with_time_zone(StaffSessions::CreatedAt))
                .col(timestamp_with_time_zone(StaffSessions::LastSeenAt))
                .col(timestamp_with_time_zone(StaffSessions::ExpiresAt))
                .col(string_null(StaffSessions::Ip))
                .col(text_null(StaffSessions::UserAgent))
                .foreign_key(&mut cascade(
                    StaffSessions::Table,
                    StaffSessions::StaffId,
                    Staff::Table,
                    Staff::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_staff_sessions_staff")
                .table(StaffSessions::Table)
                .col(StaffSessions::StaffId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StaffBackupCodes::Table)
                .col(pk_uuid(StaffBackupCodes::Id))
                .col(uuid(StaffBackupCodes::StaffId))
                .col(string(StaffBackupCodes::CodeHash))
                .col(timestamp_with_time_zone_null(StaffBackupCodes::UsedAt))
                .col(timestamp_with_time_zone(StaffBackupCodes::CreatedAt))
                .foreign_key(&mut cascade(
                    StaffBackupCodes::Table,
                    StaffBackupCodes::StaffId,
                    Staff::Table,
                    Staff::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_staff_backup_codes_staff")
                .table(StaffBackupCodes::Table)
                .col(StaffBackupCodes::StaffId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StaffNotifications::Table)
                .col(pk_uuid(StaffNotifications::Id))
                .col(string(StaffNotifications::Kind))
                .col(string(StaffNotifications::Audience))
                .col(string(StaffNotifications::Title))
                .col(text(StaffNotifications::Body))
                .col(string_null(StaffNotifications::Link))
                .col(timestamp_with_time_zone(StaffNotifications::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_staff_notifications_created")
                .table(StaffNotifications::Table)
                .col(StaffNotifications::CreatedAt)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StaffNotificationReads::Table)
                .col(uuid(StaffNotificationReads::StaffId))
                .col(uuid(StaffNotificationReads::NotificationId))
                .col(timestamp_with_time_zone(StaffNotificationReads::ReadAt))
                .primary_key(
                    Index::create()
                        .col(StaffNotificationReads::StaffId)
                        .col(StaffNotificationReads::NotificationId),
                )
                .foreign_key(&mut cascade(
                    StaffNotificationReads::Table,
                    StaffNotificationReads::StaffId,
                    Staff::Table,
                    Staff::Id,
                ))
                .foreign_key(&mut cascade(
                    StaffNotificationReads::Table,
                    StaffNotificationReads::NotificationId,
                    StaffNotifications::Table,
                    StaffNotifications::Id,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserActivityDays::Table)
                .col(uuid(UserActivityDays::UserId))
                .col(date(UserActivityDays::Day))
                .primary_key(
                    Index::create()
                        .col(UserActivityDays::UserId)
                        .col(UserActivityDays::Day),
                )
                .foreign_key(&mut cascade(
                    UserActivityDays::Table,
                    UserActivityDays::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_user_activity_day")
                .table(UserActivityDays::Table)
                .col(UserActivityDays::Day)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_users_created")
                .table(Users::Table)
                .col(Users::CreatedAt)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_target")
                .table(AuditEvents::Table)
                .col(AuditEvents::TargetType)
                .col(AuditEvents::TargetId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserActivityDays::Table.into_iden(),
            StaffNotificationReads::Table.into_iden(),
            StaffNotifications::Table.into_iden(),
            StaffBackupCodes::Table.into_iden(),
            StaffSessions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_users_created")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_audit_target")
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ux_staff_invite_token")
                .table(Staff::Table)
                .to_owned(),
        )
        .await?;
        for col in [
            Staff::IpAllowlist,
            Staff::InviteTokenHash,
            Staff::InviteExpiresAt,
        ] {
            m.alter_table(Table::alter().table(Staff::Table).drop_column(col).take())
                .await?;
        }
        Ok(())
    }
}
