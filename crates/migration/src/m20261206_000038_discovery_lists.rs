//! Discovery's favourites and lists (requirement 004, issue 17): creators a person stars, and
//! lists of creators a workspace's team builds together.
//!
//! - `disc_favourites`: one row per (workspace, user, profile): a person's stars, per workspace.
//! - `disc_lists`: a team's list; `name_lower` is unique per workspace; `entry_count` is kept
//!   by the statements that add and remove entries (the 5,000-entry limit reads it);
//!   `visibility` is `workspace` (every member may read) or `private` (its owner, workspace
//!   owners and admins, and its collaborators); `tag_scheme` is the JSON array of tags its
//!   entries are meant to use (suggested, copied into templates).
//! - `disc_list_entries`: a creator (`profile_id` of the shared pool) on a list, with a note and
//!   tags; one row per (list, profile).
//! - `disc_list_collaborators`: a member given `view` or `edit` on one list.
//! - `disc_list_activity`: who did what to a list, when (kept while the list exists).
//! - `disc_list_templates`: a saved description and tag scheme to start new lists from.
//!
//! Every table carries `workspace_id`: every query filters by it. Children of a list go with
//! it (`ON DELETE CASCADE`, and the service deletes them in the same transaction too).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DiscFavourites {
    Table,
    Id,
    WorkspaceId,
    UserId,
    ProfileId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscLists {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameLower,
    Description,
    Visibility,
    TagScheme,
    OwnerId,
    EntryCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiscListEntries {
    Table,
    Id,
    WorkspaceId,
    ListId,
    ProfileId,
    Note,
    Tags,
    AddedBy,
    AddedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiscListCollaborators {
    Table,
    Id,
    WorkspaceId,
    ListId,
    UserId,
    Access,
    AddedBy,
    AddedAt,
}

#[derive(DeriveIden)]
enum DiscListActivity {
    Table,
    Id,
    WorkspaceId,
    ListId,
    ActorId,
    ActorLabel,
    Action,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum DiscListTemplates {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameLower,
    Description,
    TagScheme,
    CreatedBy,
    CreatedAt,
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.take()
}

fn to_list(name: &str, from: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(from)
        .from_col(Alias::new("list_id"))
        .to_tbl(DiscLists::Table)
        .to_col(DiscLists::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DiscFavourites::Table)
                .col(pk_uuid(DiscFavourites::Id))
                .col(uuid(DiscFavourites::WorkspaceId))
                .col(uuid(DiscFavourites::UserId))
                .col(uuid(DiscFavourites::ProfileId))
                .col(timestamp_with_time_zone(DiscFavourites::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_favourites_user_profile",
                DiscFavourites::Table,
                vec![
                    DiscFavourites::WorkspaceId.into_iden(),
                    DiscFavourites::UserId.into_iden(),
                    DiscFavourites::ProfileId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscLists::Table)
                .col(pk_uuid(DiscLists::Id))
                .col(uuid(DiscLists::WorkspaceId))
                .col(string_len(DiscLists::Name, 80))
                .col(string_len(DiscLists::NameLower, 80))
                .col(text(DiscLists::Description).default(""))
                .col(string_len(DiscLists::Visibility, 16).default("workspace"))
                .col(json(DiscLists::TagScheme))
                .col(uuid(DiscLists::OwnerId))
                .col(integer(DiscLists::EntryCount).default(0))
                .col(timestamp_with_time_zone(DiscLists::CreatedAt))
                .col(timestamp_with_time_zone(DiscLists::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_lists_workspace_name",
                DiscLists::Table,
                vec![
                    DiscLists::WorkspaceId.into_iden(),
                    DiscLists::NameLower.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscListEntries::Table)
                .col(pk_uuid(DiscListEntries::Id))
                .col(uuid(DiscListEntries::WorkspaceId))
                .col(uuid(DiscListEntries::ListId))
                .col(uuid(DiscListEntries::ProfileId))
                .col(text(DiscListEntries::Note).default(""))
                .col(json(DiscListEntries::Tags))
                .col(uuid_null(DiscListEntries::AddedBy))
                .col(timestamp_with_time_zone(DiscListEntries::AddedAt))
                .col(timestamp_with_time_zone(DiscListEntries::UpdatedAt))
                .foreign_key(&mut to_list(
                    "fk_disc_list_entries_list",
                    DiscListEntries::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_list_entries_list_profile",
                DiscListEntries::Table,
                vec![
                    DiscListEntries::ListId.into_iden(),
                    DiscListEntries::ProfileId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscListCollaborators::Table)
                .col(pk_uuid(DiscListCollaborators::Id))
                .col(uuid(DiscListCollaborators::WorkspaceId))
                .col(uuid(DiscListCollaborators::ListId))
                .col(uuid(DiscListCollaborators::UserId))
                .col(string_len(DiscListCollaborators::Access, 8))
                .col(uuid_null(DiscListCollaborators::AddedBy))
                .col(timestamp_with_time_zone(DiscListCollaborators::AddedAt))
                .foreign_key(&mut to_list(
                    "fk_disc_list_collaborators_list",
                    DiscListCollaborators::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_list_collaborators_list_user",
                DiscListCollaborators::Table,
                vec![
                    DiscListCollaborators::ListId.into_iden(),
                    DiscListCollaborators::UserId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscListActivity::Table)
                .col(pk_uuid(DiscListActivity::Id))
                .col(uuid(DiscListActivity::WorkspaceId))
                .col(uuid(DiscListActivity::ListId))
                .col(uuid_null(DiscListActivity::ActorId))
                .col(string_len(DiscListActivity::ActorLabel, 200))
                .col(string_len(DiscListActivity::Action, 24))
                .col(text(DiscListActivity::Detail).default(""))
                .col(timestamp_with_time_zone(DiscListActivity::At))
                .foreign_key(&mut to_list(
                    "fk_disc_list_activity_list",
                    DiscListActivity::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ix_disc_list_activity_list_at",
                DiscListActivity::Table,
                vec![
                    DiscListActivity::ListId.into_iden(),
                    DiscListActivity::At.into_iden(),
                ],
            )
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscListTemplates::Table)
                .col(pk_uuid(DiscListTemplates::Id))
                .col(uuid(DiscListTemplates::WorkspaceId))
                .col(string_len(DiscListTemplates::Name, 80))
                .col(string_len(DiscListTemplates::NameLower, 80))
                .col(text(DiscListTemplates::Description).default(""))
                .col(json(DiscListTemplates::TagScheme))
                .col(uuid_null(DiscListTemplates::CreatedBy))
                .col(timestamp_with_time_zone(DiscListTemplates::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_list_templates_workspace_name",
                DiscListTemplates::Table,
                vec![
                    DiscListTemplates::WorkspaceId.into_iden(),
                    DiscListTemplates::NameLower.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DiscListActivity::Table.into_iden(),
            DiscListCollaborators::Table.into_iden(),
            DiscListEntries::Table.into_iden(),
            DiscLists::Table.into_iden(),
            DiscListTemplates::Table.into_iden(),
            DiscFavourites::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
