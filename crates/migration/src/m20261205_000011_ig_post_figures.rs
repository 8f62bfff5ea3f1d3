//! An index that keeps the account pages and the comparison fast however many posts a
//! profile has (the aim: 100,000 posts on one account, pages under 20 ms at the 95th
//! percentile).
//!
//! `ix_ig_posts_profile_posted_counts` covers what the pages read of the posts of a period:
//! the sums by day, media type and source (count, likes + comments, newest fetch) and the
//! ids of the posts with the most likes + comments — the database reads the index only,
//! never a post row, then the few top posts by id. It starts like
//! `ix_ig_posts_profile_posted`, which it replaces (one index to keep up on every write, not
//! two).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgPosts {
    Table,
    Id,
    ProfileId,
    PostedAt,
    MediaType,
    Source,
    LikeCount,
    CommentsCount,
    FetchedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_ig_posts_profile_posted_counts")
                .table(IgPosts::Table)
                .col(IgPosts::ProfileId)
                .col(IgPosts::PostedAt)
                .col(IgPosts::MediaType)
                .col(IgPosts::Source)
                .col(IgPosts::LikeCount)
                .col(IgPosts::CommentsCount)
                .col(IgPosts::FetchedAt)
                .col(IgPosts::Id)
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_ig_posts_profile_posted")
                .table(IgPosts::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_ig_posts_profile_posted")
                .table(IgPosts::Table)
                .col(IgPosts::ProfileId)
                .col(IgPosts::PostedAt)
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_ig_posts_profile_posted_counts")
                .table(IgPosts::Table)
                .to_owned(),
        )
        .await
    }
}
