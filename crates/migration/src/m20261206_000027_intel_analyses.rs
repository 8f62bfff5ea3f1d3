//! The intelligence feature's post and comment analyses: one row per post (and per stored
//! comment) with its language, sentiment and category, the method version that produced them
//! a hash of the text they were computed from and its length in characters (trimmed) — a new method version or an edited caption
//! makes the row stale and the next analysis run replaces it. `analysis_raw` keeps the evidence
//! (matched hashtags and words, the reason a sentiment was not analysed, the methods).
//!
//! Rows leave with their post or comment (cascade). `profile_id` and `posted_at` are copied
//! from the post so a profile's figures (distribution, sentiment over time) read this table
//! alone, over `(profile_id, posted_at)`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelPostAnalyses {
    Table,
    PostId,
    ProfileId,
    PostedAt,
    MediaType,
    Source,
}

#[derive(DeriveIden)]
enum IntelCommentAnalyses {
    Table,
    CommentId,
    PostId,
    ProfileId,
    PostedAt,
    Source,
}

#[derive(DeriveIden)]
enum Result_ {
    #[sea_orm(iden = "text_hash")]
    TextHash,
    #[sea_orm(iden = "text_chars")]
    TextChars,
    #[sea_orm(iden = "method_version")]
    MethodVersion,
    #[sea_orm(iden = "language")]
    Language,
    #[sea_orm(iden = "language_confidence")]
    LanguageConfidence,
    #[sea_orm(iden = "sentiment")]
    Sentiment,
    #[sea_orm(iden = "sentiment_score")]
    SentimentScore,
    #[sea_orm(iden = "sentiment_confidence")]
    SentimentConfidence,
    #[sea_orm(iden = "sentiment_method")]
    SentimentMethod,
    #[sea_orm(iden = "category")]
    Category,
    #[sea_orm(iden = "category_confidence")]
    CategoryConfidence,
    #[sea_orm(iden = "analysis_raw")]
    AnalysisRaw,
    #[sea_orm(iden = "analysed_at")]
    AnalysedAt,
}

#[derive(DeriveIden)]
enum IgPosts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IgComments {
    Table,
    Id,
}

/// The result columns both tables share.
fn results(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(string(Result_::TextHash))
        .col(integer(Result_::TextChars))
        .col(integer(Result_::MethodVersion))
        .col(string_null(Result_::Language))
        .col(double_null(Result_::LanguageConfidence))
        .col(string(Result_::Sentiment))
        .col(double_null(Result_::SentimentScore))
        .col(double_null(Result_::SentimentConfidence))
        .col(string_null(Result_::SentimentMethod))
        .col(string_null(Result_::Category))
        .col(double_null(Result_::CategoryConfidence))
        .col(json(Result_::AnalysisRaw))
        .col(timestamp_with_time_zone(Result_::AnalysedAt))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut posts = Table::create();
        posts
            .table(IntelPostAnalyses::Table)
            .col(pk_uuid(IntelPostAnalyses::PostId))
            .col(uuid(IntelPostAnalyses::ProfileId))
            .col(timestamp_with_time_zone(IntelPostAnalyses::PostedAt))
            .col(string(IntelPostAnalyses::MediaType))
            .col(string(IntelPostAnalyses::Source));
        results(&mut posts).foreign_key(
            ForeignKey::create()
                .from(IntelPostAnalyses::Table, IntelPostAnalyses::PostId)
                .to(IgPosts::Table, IgPosts::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
        m.create_table(posts.take()).await?;
        m.create_index(
            Index::create()
                .name("ix_intel_post_analyses_profile_posted")
                .table(IntelPostAnalyses::Table)
                .col(IntelPostAnalyses::ProfileId)
                .col(IntelPostAnalyses::PostedAt)
                .take(),
        )
        .await?;

        let mut comments = Table::create();
        comments
            .table(IntelCommentAnalyses::Table)
            .col(pk_uuid(IntelCommentAnalyses::CommentId))
            .col(uuid(IntelCommentAnalyses::PostId))
            .col(uuid(IntelCommentAnalyses::ProfileId))
            .col(timestamp_with_time_zone_null(
                IntelCommentAnalyses::PostedAt,
            ))
            .col(string(IntelCommentAnalyses::Source));
        results(&mut comments).foreign_key(
            ForeignKey::create()
                .from(IntelCommentAnalyses::Table, IntelCommentAnalyses::CommentId)
                .to(IgComments::Table, IgComments::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
        m.create_table(comments.take()).await?;
        m.create_index(
            Index::create()
                .name("ix_intel_comment_analyses_profile")
                .table(IntelCommentAnalyses::Table)
                .col(IntelCommentAnalyses::ProfileId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IntelCommentAnalyses::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(IntelPostAnalyses::Table).to_owned())
            .await
    }
}
