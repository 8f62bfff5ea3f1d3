//! Instagram Login attempts: the `state` of each "connect with Instagram", bound to the person
//! and workspace that started it, used once, valid for ten minutes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgOauthStates {
    Table,
    Id,
    StateHash,
    UserId,
    WorkspaceId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IgOauthStates::Table)
                .col(pk_uuid(IgOauthStates::Id))
                .col(string_uniq(IgOauthStates::StateHash))
                .col(uuid(IgOauthStates::UserId))
                .col(uuid(IgOauthStates::WorkspaceId))
                .col(timestamp_with_time_zone(IgOauthStates::CreatedAt))
                .col(timestamp_with_time_zone(IgOauthStates::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(IgOauthStates::Table, IgOauthStates::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(IgOauthStates::Table, IgOauthStates::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IgOauthStates::Table).take())
            .await
    }
}
