//! Sign-in hardening: a throttle bucket's growing delay (`auth_throttle.locked_until`), and
//! remembered devices — a browser that signed in before carries a random token (its SHA-256
//! here) that lets its user past an account's lock-out, since an attacker who only knows the
//! address cannot have it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    LockedUntil,
}

#[derive(DeriveIden)]
enum RememberedDevices {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    UserAgent,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuthThrottle::Table)
                .add_column(timestamp_with_time_zone_null(AuthThrottle::LockedUntil))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RememberedDevices::Table)
                .col(pk_uuid(RememberedDevices::Id))
                .col(string_uniq(RememberedDevices::TokenHash))
                .col(uuid(RememberedDevices::UserId))
                .col(timestamp_with_time_zone(RememberedDevices::CreatedAt))
                .col(timestamp_with_time_zone(RememberedDevices::LastUsedAt))
                .col(timestamp_with_time_zone(RememberedDevices::ExpiresAt))
                .col(text_null(RememberedDevices::UserAgent))
                .foreign_key(
                    ForeignKey::create()
                        .from(RememberedDevices::Table, RememberedDevices::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_remembered_devices_user")
                .table(RememberedDevices::Table)
                .col(RememberedDevices::UserId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RememberedDevices::Table).take())
            .await?;
        m.alter_table(
            Table::alter()
                .table(AuthThrottle::Table)
                .drop_column(AuthThrottle::LockedUntil)
                .take(),
        )
        .await
    }
}
