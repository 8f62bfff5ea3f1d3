//! The Instagram data layer: public profiles (a cache shared by all workspaces; demo profiles
//! in a pool of their own, so made-up data never mixes with real data), connected
//! accounts (workspace-owned, with their sealed tokens and private insights), tracked profiles,
//! daily snapshots, posts with their public counts over time, comments, and the media proxy's
//! files.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgProfiles {
    Table,
    Id,
    Pool,
    Username,
    UsernameLower,
    IgUserId,
    FullName,
    Biography,
    Website,
    PictureUrl,
    FollowersCount,
    FollowsCount,
    MediaCount,
    IsVerified,
    IsBusiness,
    Source,
    FetchedAt,
    MediaCursor,
    LastRefreshAt,
    LastRefreshError,
    NextRefreshAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IgAccounts {
    Table,
    Id,
    WorkspaceId,
    ProfileId,
    Kind,
    Source,
    Status,
    IgUserId,
    AccessToken,
    TokenExpiresAt,
    TokenRefreshedAt,
    Scopes,
    LastRefreshAt,
    LastRefreshError,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IgTrackedProfiles {
    Table,
    Id,
    WorkspaceId,
    ProfileId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IgProfileSnapshots {
    Table,
    ProfileId,
    Day,
    FollowersCount,
    FollowsCount,
    MediaCount,
    Source,
    FetchedAt,
}

#[derive(DeriveIden)]
enum IgPosts {
    Table,
    Id,
    ProfileId,
    IgMediaId,
    Shortcode,
    Caption,
    MediaType,
    ProductType,
    Permalink,
    PostedAt,
    LikeCount,
    CommentsCount,
    ViewCount,
    MediaUrl,
    ThumbnailUrl,
    Source,
    FetchedAt,
}

#[derive(DeriveIden)]
enum IgPostSnapshots {
    Table,
    PostId,
    Day,
    LikeCount,
    CommentsCount,
    ViewCount,
    Source,
}

#[derive(DeriveIden)]
enum IgPostInsights {
    Table,
    AccountId,
    PostId,
    Day,
    Views,
    Reach,
    Saved,
    Shares,
    TotalInteractions,
    Source,
    FetchedAt,
}

#[derive(DeriveIden)]
enum IgAccountInsights {
    Table,
    AccountId,
    Day,
    Views,
    Reach,
    AccountsEngaged,
    FollowerCount,
    OnlineFollowers,
    Source,
    FetchedAt,
}

#[derive(DeriveIden)]
enum IgComments {
    Table,
    Id,
    PostId,
    IgCommentId,
    Username,
    Text,
    LikeCount,
    PostedAt,
    Source,
    FetchedAt,
}

#[derive(DeriveIden)]
enum IgMediaFiles {
    Table,
    Id,
    UrlHash,
    SourceUrl,
    ContentType,
    Bytes,
    Status,
    Error,
    FetchedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
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

fn index(
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).take();
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IgProfiles::Table)
                .col(pk_uuid(IgProfiles::Id))
                .col(string(IgProfiles::Pool))
                .col(string(IgProfiles::Username))
                .col(string(IgProfiles::UsernameLower))
                .col(string_null(IgProfiles::IgUserId))
                .col(string_null(IgProfiles::FullName))
                .col(text_null(IgProfiles::Biography))
                .col(string_null(IgProfiles::Website))
                .col(text_null(IgProfiles::PictureUrl))
                .col(big_integer_null(IgProfiles::FollowersCount))
                .col(big_integer_null(IgProfiles::FollowsCount))
                .col(big_integer_null(IgProfiles::MediaCount))
                .col(boolean_null(IgProfiles::IsVerified))
                .col(boolean_null(IgProfiles::IsBusiness))
                .col(string(IgProfiles::Source))
                .col(timestamp_with_time_zone_null(IgProfiles::FetchedAt))
                .col(text_null(IgProfiles::MediaCursor))
                .col(timestamp_with_time_zone_null(IgProfiles::LastRefreshAt))
                .col(text_null(IgProfiles::LastRefreshError))
                .col(timestamp_with_time_zone_null(IgProfiles::NextRefreshAt))
                .col(timestamp_with_time_zone(IgProfiles::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_ig_profiles_pool_username",
            IgProfiles::Table,
            vec![
                IgProfiles::Pool.into_iden(),
                IgProfiles::UsernameLower.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_ig_profiles_next_refresh",
            IgProfiles::Table,
            vec![IgProfiles::NextRefreshAt.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IgAccounts::Table)
                .col(pk_uuid(IgAccounts::Id))
                .col(uuid(IgAccounts::WorkspaceId))
                .col(uuid(IgAccounts::ProfileId))
                .col(string(IgAccounts::Kind))
                .col(string(IgAccounts::Source))
                .col(string(IgAccounts::Status))
                .col(string_null(IgAccounts::IgUserId))
                .col(text_null(IgAccounts::AccessToken))
                .col(timestamp_with_time_zone_null(IgAccounts::TokenExpiresAt))
                .col(timestamp_with_time_zone_null(IgAccounts::TokenRefreshedAt))
                .col(string_null(IgAccounts::Scopes))
                .col(timestamp_with_time_zone_null(IgAccounts::LastRefreshAt))
                .col(text_null(IgAccounts::LastRefreshError))
                .col(uuid_null(IgAccounts::CreatedBy))
                .col(timestamp_with_time_zone(IgAccounts::CreatedAt))
                .col(timestamp_with_time_zone(IgAccounts::UpdatedAt))
                .foreign_key(&mut cascade(
                    IgAccounts::Table,
                    IgAccounts::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                ))
                .foreign_key(&mut cascade(
                    IgAccounts::Table,
                    IgAccounts::ProfileId,
                    IgProfiles::Table,
                    IgProfiles::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_ig_accounts_workspace_profile",
            IgAccounts::Table,
            vec![
                IgAccounts::WorkspaceId.into_iden(),
                IgAccounts::ProfileId.into_iden(),
            ],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IgTrackedProfiles::Table)
                .col(pk_uuid(IgTrackedProfiles::Id))
                .col(uuid(IgTrackedProfiles::WorkspaceId))
                .col(uuid(IgTrackedProfiles::ProfileId))
                .col(string_null(IgTrackedProfiles::Note))
                .col(timestamp_with_time_zone(IgTrackedProfiles::CreatedAt))
                .foreign_key(&mut cascade(
                    IgTrackedProfiles::Table,
                    IgTrackedProfiles::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                ))
                .foreign_key(&mut cascade(
                    IgTrackedProfiles::Table,
                    IgTrackedProfiles::ProfileId,
                    IgProfiles::Table,
                    IgProfiles::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_ig_tracked_workspace_profile",
            IgTrackedProfiles::Table,
            vec![
                IgTrackedProfiles::WorkspaceId.into_iden(),
                IgTrackedProfiles::ProfileId.into_iden(),
            ],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IgProfileSnapshots::Table)
                .col(uuid(IgProfileSnapshots::ProfileId))
                .col(date(IgProfileSnapshots::Day))
                .col(big_integer_null(IgProfileSnapshots::FollowersCount))
                .col(big_integer_null(IgProfileSnapshots::FollowsCount))
                .col(big_integer_null(IgProfileSnapshots::MediaCount))
                .col(string(IgProfileSnapshots::Source))
                .col(timestamp_with_time_zone(IgProfileSnapshots::FetchedAt))
                .primary_key(
                    Index::create()
                        .col(IgProfileSnapshots::ProfileId)
                        .col(IgProfileSnapshots::Day),
                )
                .foreign_key(&mut cascade(
                    IgProfileSnapshots::Table,
                    IgProfileSnapshots::ProfileId,
                    IgProfiles::Table,
                    IgProfiles::Id,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IgPosts::Table)
                .col(pk_uuid(IgPosts::Id))
                .col(uuid(IgPosts::ProfileId))
                .col(string(IgPosts::IgMediaId))
                .col(string_null(IgPosts::Shortcode))
                .col(text_null(IgPosts::Caption))
                .col(string(IgPosts::MediaType))
                .col(string_null(IgPosts::ProductType))
                .col(text_null(IgPosts::Permalink))
                .col(timestamp_with_time_zone(IgPosts::PostedAt))
                .col(big_integer_null(IgPosts::LikeCount))
                .col(big_integer_null(IgPosts::CommentsCount))
                .col(big_integer_null(IgPosts::ViewCount))
                .col(text_null(IgPosts::MediaUrl))
                .col(text_null(IgPosts::ThumbnailUrl))
                .col(string(IgPosts::Source))
                .col(timestamp_with_time_zone(IgPosts::FetchedAt))
                .foreign_key(&mut cascade(
                    IgPosts::Table,
                    IgPosts::ProfileId,
                    IgProfiles::Table,
                    IgProfiles::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_ig_posts_profile_media",
            IgPosts::Table,
            vec![
                IgPosts::ProfileId.into_iden(),
                IgPosts::IgMediaId.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_ig_posts_profile_posted",
            IgPosts::Table,
            vec![
                IgPosts::ProfileId.into_iden(),
                IgPosts::PostedAt.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IgPostSnapshots::Table)
                .col(uuid(IgPostSnapshots::PostId))
                .col(date(IgPostSnapshots::Day))
                .col(big_integer_null(IgPostSnapshots::LikeCount))
                .col(big_integer_null(IgPostSnapshots::CommentsCount))
                .col(big_integer_null(IgPostSnapshots::ViewCount))
                .col(string(IgPostSnapshots::Source))
                .primary_key(
                    Index::create()
                        .col(IgPostSnapshots::PostId)
                        .col(IgPostSnapshots::Day),
                )
                .foreign_key(&mut cascade(
                    IgPostSnapshots::Table,
                    IgPostSnapshots::PostId,
                    IgPosts::Table,
                    IgPosts::Id,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IgPostInsights::Table)
                .col(uuid(IgPostInsights::AccountId))
                .col(uuid(IgPostInsights::PostId))
                .col(date(IgPostInsights::Day))
                .col(big_integer_null(IgPostInsights::Views))
                .col(big_integer_null(IgPostInsights::Reach))
                .col(big_integer_null(IgPostInsights::Saved))
                .col(big_integer_null(IgPostInsights::Shares))
                .col(big_integer_null(IgPostInsights::TotalInteractions))
                .col(string(IgPostInsights::Source))
                .col(timestamp_with_time_zone(IgPostInsights::FetchedAt))
                .primary_key(
                    Index::create()
                        .col(IgPostInsights::AccountId)
                        .col(IgPostInsights::PostId)
                        .col(IgPostInsights::Day),
                )
                .foreign_key(&mut cascade(
                    IgPostInsights::Table,
                    IgPostInsights::AccountId,
                    IgAccounts::Table,
                    IgAccounts::Id,
                ))
                .foreign_key(&mut cascade(
                    IgPostInsights::Table,
                    IgPostInsights::PostId,
                    IgPosts::Table,
                    IgPosts::Id,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IgAccountInsights::Table)
                .col(uuid(IgAccountInsights::AccountId))
                .col(date(IgAccountInsights::Day))
                .col(big_integer_null(IgAccountInsights::Views))
                .col(big_integer_null(IgAccountInsights::Reach))
                .col(big_integer_null(IgAccountInsights::AccountsEngaged))
                .col(big_integer_null(IgAccountInsights::FollowerCount))
                .col(json_null(IgAccountInsights::OnlineFollowers))
                .col(string(IgAccountInsights::Source))
                .col(timestamp_with_time_zone(IgAccountInsights::FetchedAt))
                .primary_key(
                    Index::create()
                        .col(IgAccountInsights::AccountId)
                        .col(IgAccountInsights::Day),
                )
                .foreign_key(&mut cascade(
                    IgAccountInsights::Table,
                    IgAccountInsights::AccountId,
                    IgAccounts::Table,
                    IgAccounts::Id,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IgComments::Table)
                .col(pk_uuid(IgComments::Id))
                .col(uuid(IgComments::PostId))
                .col(string(IgComments::IgCommentId))
                .col(string_null(IgComments::Username))
                .col(text(IgComments::Text))
                .col(big_integer_null(IgComments::LikeCount))
                .col(timestamp_with_time_zone_null(IgComments::PostedAt))
                .col(string(IgComments::Source))
                .col(timestamp_with_time_zone(IgComments::FetchedAt))
                .foreign_key(&mut cascade(
                    IgComments::Table,
                    IgComments::PostId,
                    IgPosts::Table,
                    IgPosts::Id,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_ig_comments_post_comment",
            IgComments::Table,
            vec![
                IgComments::PostId.into_iden(),
                IgComments::IgCommentId.into_iden(),
            ],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IgMediaFiles::Table)
                .col(pk_uuid(IgMediaFiles::Id))
                .col(string_uniq(IgMediaFiles::UrlHash))
                .col(text(IgMediaFiles::SourceUrl))
                .col(string_null(IgMediaFiles::ContentType))
                .col(big_integer_null(IgMediaFiles::Bytes))
                .col(string(IgMediaFiles::Status))
                .col(text_null(IgMediaFiles::Error))
                .col(timestamp_with_time_zone_null(IgMediaFiles::FetchedAt))
                .col(timestamp_with_time_zone(IgMediaFiles::CreatedAt))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IgMediaFiles::Table.into_iden(),
            IgComments::Table.into_iden(),
            IgAccountInsights::Table.into_iden(),
            IgPostInsights::Table.into_iden(),
            IgPostSnapshots::Table.into_iden(),
            IgPosts::Table.into_iden(),
            IgProfileSnapshots::Table.into_iden(),
            IgTrackedProfiles::Table.into_iden(),
            IgAccounts::Table.into_iden(),
            IgProfiles::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
