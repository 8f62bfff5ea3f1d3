//! The platform's staff: separate principals from customers, and their API tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    Email,
    EmailLower,
    Name,
    PasswordHash,
    Role,
    Status,
    TotpSecret,
    TotpConfirmedAt,
    TotpLastStep,
    LastSignInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffTokens {
    Table,
    Id,
    StaffId,
    Prefix,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Staff::Table)
                .col(pk_uuid(Staff::Id))
                .col(string(Staff::Email))
                .col(string_uniq(Staff::EmailLower))
                .col(string(Staff::Name))
                .col(text(Staff::PasswordHash))
                .col(string(Staff::Role))
                .col(string(Staff::Status).default("active"))
                .col(text_null(Staff::TotpSecret))
                .col(timestamp_with_time_zone_null(Staff::TotpConfirmedAt))
                .col(big_integer_null(Staff::TotpLastStep))
                .col(timestamp_with_time_zone_null(Staff::LastSignInAt))
                .col(timestamp_with_time_zone(Staff::CreatedAt))
                .col(timestamp_with_time_zone(Staff::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StaffTokens::Table)
                .col(pk_uuid(StaffTokens::Id))
                .col(uuid(StaffTokens::StaffId))
                .col(string(StaffTokens::Prefix))
                .col(string_uniq(StaffTokens::TokenHash))
                .col(timestamp_with_time_zone(StaffTokens::CreatedAt))
                .col(timestamp_with_time_zone(StaffTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(StaffTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(StaffTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffTokens::Table, StaffTokens::StaffId)
                        .to(Staff::Table, Staff::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StaffTokens::Table).take())
            .await?;
        m.drop_table(Table::drop().table(Staff::Table).take()).await
    }
}
