//! The intelligence feature's A/B tests: a test of a subject (an own account or a tracked
//! profile, named by kind and id within the workspace) compares two or more variants of one
//! thing over the posts a member tags as belonging to a variant; the first variant is the
//! control. A concluded test leaves a lesson in the subject's playbook, which keeps the
//! test's name so the lesson still reads when the test is removed.
//!
//! Posts belong to the instagram feature, whose tables this one does not reference: a tag of a
//! post that is gone is simply not found among the subject's posts when results are computed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelAbTests {
    Table,
    Id,
    Name,
    Dimension,
    Metric,
    Hypothesis,
    Status,
    WinnerVariantId,
    ConcludedAt,
    ConcludedBy,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntelAbVariants {
    Table,
    Id,
    WorkspaceId,
    TestId,
    Name,
    Position,
}

#[derive(DeriveIden)]
enum IntelAbPosts {
    Table,
    Id,
    WorkspaceId,
    TestId,
    VariantId,
    PostId,
    TaggedBy,
    TaggedAt,
}

#[derive(DeriveIden)]
enum IntelPlaybookLessons {
    Table,
    Id,
    TestId,
    TestName,
    Verdict,
    Lesson,
    CreatedBy,
    CreatedByName,
    CreatedAt,
}

/// The columns naming a subject (as in the planner's tables).
#[derive(DeriveIden)]
enum Named {
    #[sea_orm(iden = "workspace_id")]
    WorkspaceId,
    #[sea_orm(iden = "subject_kind")]
    SubjectKind,
    #[sea_orm(iden = "subject_id")]
    SubjectId,
}

fn subject(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(uuid(Named::WorkspaceId))
        .col(string_len(Named::SubjectKind, 16))
        .col(uuid(Named::SubjectId))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut tests = Table::create();
        tests
            .table(IntelAbTests::Table)
            .col(pk_uuid(IntelAbTests::Id));
        subject(&mut tests)
            .col(string_len(IntelAbTests::Name, 120))
            .col(string_len(IntelAbTests::Dimension, 32))
            .col(string_len(IntelAbTests::Metric, 32))
            .col(text(IntelAbTests::Hypothesis))
            .col(string_len(IntelAbTests::Status, 16))
            .col(uuid_null(IntelAbTests::WinnerVariantId))
            .col(timestamp_with_time_zone_null(IntelAbTests::ConcludedAt))
            .col(uuid_null(IntelAbTests::ConcludedBy))
            .col(uuid_null(IntelAbTests::CreatedBy))
            .col(timestamp_with_time_zone(IntelAbTests::CreatedAt))
            .col(timestamp_with_time_zone(IntelAbTests::UpdatedAt));
        m.create_table(tests.take()).await?;
        m.create_index(
            Index::create()
                .name("ix_intel_ab_tests_subject")
                .table(IntelAbTests::Table)
                .col(Named::WorkspaceId)
                .col(Named::SubjectKind)
                .col(Named::SubjectId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntelAbVariants::Table)
                .col(pk_uuid(IntelAbVariants::Id))
                .col(uuid(IntelAbVariants::WorkspaceId))
                .col(uuid(IntelAbVariants::TestId))
                .col(string_len(IntelAbVariants::Name, 60))
                // 0 is the control.
                .col(integer(IntelAbVariants::Position))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_intel_ab_variants_test")
                        .from(IntelAbVariants::Table, IntelAbVariants::TestId)
                        .to(IntelAbTests::Table, IntelAbTests::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_intel_ab_variants_test_position")
                .table(IntelAbVariants::Table)
                .col(IntelAbVariants::TestId)
                .col(IntelAbVariants::Position)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntelAbPosts::Table)
                .col(pk_uuid(IntelAbPosts::Id))
                .col(uuid(IntelAbPosts::WorkspaceId))
                .col(uuid(IntelAbPosts::TestId))
                .col(uuid(IntelAbPosts::VariantId))
                .col(uuid(IntelAbPosts::PostId))
                .col(uuid_null(IntelAbPosts::TaggedBy))
                .col(timestamp_with_time_zone(IntelAbPosts::TaggedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_intel_ab_posts_test")
                        .from(IntelAbPosts::Table, IntelAbPosts::TestId)
                        .to(IntelAbTests::Table, IntelAbTests::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_intel_ab_posts_variant")
                        .from(IntelAbPosts::Table, IntelAbPosts::VariantId)
                        .to(IntelAbVariants::Table, IntelAbVariants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // A post is in one variant of a test at most.
        m.create_index(
            Index::create()
                .name("ux_intel_ab_posts_test_post")
                .table(IntelAbPosts::Table)
                .col(IntelAbPosts::TestId)
                .col(IntelAbPosts::PostId)
                .unique()
                .take(),
        )
        .await?;

        let mut lessons = Table::create();
        lessons
            .table(IntelPlaybookLessons::Table)
            .col(pk_uuid(IntelPlaybookLessons::Id));
        subject(&mut lessons)
            // No foreign key: the lesson outlives its test (the name is kept beside it).
            .col(uuid_null(IntelPlaybookLessons::TestId))
            .col(string_len(IntelPlaybookLessons::TestName, 120))
            .col(text(IntelPlaybookLessons::Verdict))
            .col(text(IntelPlaybookLessons::Lesson))
            .col(uuid_null(IntelPlaybookLessons::CreatedBy))
            // Who wrote it, as named then (the playbook says who without a member look-up).
            .col(string_len(IntelPlaybookLessons::CreatedByName, 200))
            .col(timestamp_with_time_zone(IntelPlaybookLessons::CreatedAt));
        m.create_table(lessons.take()).await?;
        m.create_index(
            Index::create()
                .name("ix_intel_playbook_lessons_subject")
                .table(IntelPlaybookLessons::Table)
                .col(Named::WorkspaceId)
                .col(Named::SubjectKind)
                .col(Named::SubjectId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IntelPlaybookLessons::Table.into_iden(),
            IntelAbPosts::Table.into_iden(),
            IntelAbVariants::Table.into_iden(),
            IntelAbTests::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
