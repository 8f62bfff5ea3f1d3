//! Indexes that keep the account pages and the comparison fast however many posts a profile
//! has (the aim: 100,000 posts on one account, pages under 20 ms):
//!
//! - `ix_ig_posts_profile_posted_counts` covers the period sums (posts by day, media type and
//!   source: count, likes + comments, newest fetch) — the database reads the index only,
//!   never a post row. It starts like `ix_ig_posts_profile_posted`, which it replaces.
//! - `ix_ig_posts_profile_interactions` serves "the period's posts with the most likes +
//!   comments" (`ORDER BY … LIMIT 9`) in index order. It is an expression index, written as
//!   SQL both databases accept; queries must spell the expression the same way
//!   (`instagram::service::figures::INTERACTIONS_SQL`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgPosts {
    Table,
    ProfileId,
    PostedAt,
    MediaType,
    Source,
    LikeCount,
    CommentsCount,
    FetchedAt,
}

const INTERACTIONS_INDEX: &str = "CREATE INDEX ix_ig_posts_profile_interactions ON ig_posts \
     (profile_id, (COALESCE(like_count, 0) + COALESCE(comments_count, 0)), posted_at)";

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
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_ig_posts_profile_posted")
                .table(IgPosts::Table)
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(INTERACTIONS_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_ig_posts_profile_interactions")
                .table(IgPosts::Table)
                .to_owned(),
        )
        .await?;
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
