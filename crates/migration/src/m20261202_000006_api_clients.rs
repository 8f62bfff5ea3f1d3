//! The public social-data API's clients: companies a staff member signs up, each on a tier
//! (requests per minute and per month, endpoints allowed) with optional per-client overrides;
//! their keys (SHA-256 hashes only, a visible prefix, an expiry that gives a rotated key its
//! overlap, revocation); and the requests of each key per UTC day (usage, quotas, charts).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    Name,
    Tier,
    RequestsPerMinute,
    RequestsPerMonth,
    Endpoints,
    Status,
    CreatedAt,
    UpdatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    ClientId,
    Prefix,
    KeyHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum ApiUsage {
    Table,
    KeyId,
    Day,
    ClientId,
    Requests,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiClients::Table)
                .col(pk_uuid(ApiClients::Id))
                .col(string(ApiClients::Name))
                .col(string(ApiClients::Tier))
                .col(big_integer_null(ApiClients::RequestsPerMinute))
                .col(big_integer_null(ApiClients::RequestsPerMonth))
                .col(string_null(ApiClients::Endpoints))
                .col(string(ApiClients::Status))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(pk_uuid(ApiKeys::Id))
                .col(uuid(ApiKeys::ClientId))
                .col(string(ApiKeys::Prefix))
                .col(string(ApiKeys::KeyHash))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiKeys::Table, ApiKeys::ClientId)
                        .to(ApiClients::Table, ApiClients::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // Every authenticated request looks its key up by hash.
        m.create_index(
            Index::create()
                .name("ux_api_keys_hash")
                .table(ApiKeys::Table)
                .col(ApiKeys::KeyHash)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_keys_client")
                .table(ApiKeys::Table)
                .col(ApiKeys::ClientId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiUsage::Table)
                .col(uuid(ApiUsage::KeyId))
                .col(date(ApiUsage::Day))
                // The key's client, kept on the row: the monthly quota sums a client's keys.
                .col(uuid(ApiUsage::ClientId))
                .col(big_integer(ApiUsage::Requests))
                .primary_key(Index::create().col(ApiUsage::KeyId).col(ApiUsage::Day))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiUsage::Table, ApiUsage::KeyId)
                        .to(ApiKeys::Table, ApiKeys::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_usage_client_day")
                .table(ApiUsage::Table)
                .col(ApiUsage::ClientId)
                .col(ApiUsage::Day)
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiUsage::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            ApiClients::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
