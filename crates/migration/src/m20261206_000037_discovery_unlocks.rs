//! Discovery's paid actions and their trail.
//!
//! - `disc_unlocks`: what a workspace unlocked, for good and for the whole team: a creator's
//!   full analytics (`kind = profile`) or contact email (`kind = email`). One row per
//!   (workspace, creator, kind), unique, so parallel unlocks of one creator make one row: the
//!   request that inserted it (`state = pending`) is the one that pays; it turns `unlocked`
//!   when the credits were captured, or is deleted when the charge failed.
//! - `disc_exports`: every export (who, what, which format, how many rows, when), the
//!   data-protection trail.
//! - `disc_saved_searches`: a user's named searches (the query string), optionally shared with
//!   the team; `disc_recent_searches`: the last searches of each user.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DiscUnlocks {
    Table,
    Id,
    WorkspaceId,
    ProfileId,
    Kind,
    State,
    Cost,
    ReservationId,
    UnlockedBy,
    CreatedAt,
    UnlockedAt,
}

#[derive(DeriveIden)]
enum DiscExports {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Kind,
    SubjectId,
    Name,
    Format,
    Rows,
    State,
    Cost,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum DiscSavedSearches {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Name,
    Query,
    Shared,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum DiscRecentSearches {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Query,
    Results,
    SearchedAt,
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).take();
    for col in cols {
        stmt.col(col);
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DiscUnlocks::Table)
                .col(pk_uuid(DiscUnlocks::Id))
                .col(uuid(DiscUnlocks::WorkspaceId))
                .col(uuid(DiscUnlocks::ProfileId))
                .col(string_len(DiscUnlocks::Kind, 16))
                .col(string_len(DiscUnlocks::State, 16))
                .col(big_integer(DiscUnlocks::Cost).default(0))
                .col(uuid_null(DiscUnlocks::ReservationId))
                .col(uuid_null(DiscUnlocks::UnlockedBy))
                .col(timestamp_with_time_zone(DiscUnlocks::CreatedAt))
                .col(timestamp_with_time_zone_null(DiscUnlocks::UnlockedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_unlocks_workspace_profile_kind",
                DiscUnlocks::Table,
                vec![
                    DiscUnlocks::WorkspaceId.into_iden(),
                    DiscUnlocks::ProfileId.into_iden(),
                    DiscUnlocks::Kind.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_unlocks_workspace_kind_at",
            DiscUnlocks::Table,
            vec![
                DiscUnlocks::WorkspaceId.into_iden(),
                DiscUnlocks::Kind.into_iden(),
                DiscUnlocks::UnlockedAt.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscExports::Table)
                .col(pk_uuid(DiscExports::Id))
                .col(uuid(DiscExports::WorkspaceId))
                .col(uuid_null(DiscExports::UserId))
                .col(string_len(DiscExports::Kind, 24))
                .col(uuid_null(DiscExports::SubjectId))
                .col(string_len(DiscExports::Name, 200))
                .col(string_len(DiscExports::Format, 8))
                .col(big_integer_null(DiscExports::Rows))
                .col(string_len(DiscExports::State, 16))
                .col(big_integer(DiscExports::Cost).default(0))
                .col(timestamp_with_time_zone(DiscExports::CreatedAt))
                .col(timestamp_with_time_zone_null(DiscExports::FinishedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_exports_workspace_at",
            DiscExports::Table,
            vec![
                DiscExports::WorkspaceId.into_iden(),
                DiscExports::CreatedAt.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscSavedSearches::Table)
                .col(pk_uuid(DiscSavedSearches::Id))
                .col(uuid(DiscSavedSearches::WorkspaceId))
                .col(uuid(DiscSavedSearches::UserId))
                .col(string_len(DiscSavedSearches::Name, 80))
                .col(text(DiscSavedSearches::Query))
                .col(boolean(DiscSavedSearches::Shared).default(false))
                .col(timestamp_with_time_zone(DiscSavedSearches::CreatedAt))
                .col(timestamp_with_time_zone_null(DiscSavedSearches::LastUsedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_saved_searches_workspace",
            DiscSavedSearches::Table,
            vec![
                DiscSavedSearches::WorkspaceId.into_iden(),
                DiscSavedSearches::UserId.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscRecentSearches::Table)
                .col(pk_uuid(DiscRecentSearches::Id))
                .col(uuid(DiscRecentSearches::WorkspaceId))
                .col(uuid(DiscRecentSearches::UserId))
                .col(text(DiscRecentSearches::Query))
                .col(big_integer_null(DiscRecentSearches::Results))
                .col(timestamp_with_time_zone(DiscRecentSearches::SearchedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_recent_searches_user_at",
            DiscRecentSearches::Table,
            vec![
                DiscRecentSearches::WorkspaceId.into_iden(),
                DiscRecentSearches::UserId.into_iden(),
                DiscRecentSearches::SearchedAt.into_iden(),
            ],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            DiscRecentSearches::Table.into_iden(),
            DiscSavedSearches::Table.into_iden(),
            DiscExports::Table.into_iden(),
            DiscUnlocks::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
