//! The demo generator was replaced (coherent personas, engagement by follower tier, a year of
//! daily history, pictures, no links to instagram.com). Demo data stored by the old generator
//! would stay beside the new one forever — its posts under other ids, captions of another
//! niche, `instagram.com/p/…` permalinks that lead nowhere, a single dot of history — since a
//! refresh never rewrites the past. So the demo pool's history is dropped once here and the
//! profiles are marked never fetched: their next refresh (due at once) regenerates them, year
//! of history included. Only generated data is touched: the live pool, accounts, tracked
//! profiles and workspaces stay as they are.

use sea_orm_migration::{
    prelude::*,
    sea_orm::prelude::{ChronoDateTimeUtc, ChronoUtc},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgProfiles {
    Table,
    Id,
    Pool,
    PictureUrl,
    FetchedAt,
    MediaCursor,
    NextRefreshAt,
}

#[derive(DeriveIden)]
enum IgPosts {
    Table,
    Id,
    ProfileId,
}

#[derive(DeriveIden)]
enum IgPostSnapshots {
    Table,
    PostId,
}

#[derive(DeriveIden)]
enum IgPostInsights {
    Table,
    PostId,
}

#[derive(DeriveIden)]
enum IgComments {
    Table,
    PostId,
}

#[derive(DeriveIden)]
enum IgProfileSnapshots {
    Table,
    ProfileId,
}

#[derive(DeriveIden)]
enum IgAccountInsights {
    Table,
    Source,
}

fn demo_profiles() -> SelectStatement {
    Query::select()
        .column(IgProfiles::Id)
        .from(IgProfiles::Table)
        .and_where(Expr::col(IgProfiles::Pool).eq("demo"))
        .to_owned()
}

fn demo_posts() -> SelectStatement {
    Query::select()
        .column(IgPosts::Id)
        .from(IgPosts::Table)
        .and_where(Expr::col(IgPosts::ProfileId).in_subquery(demo_profiles()))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Children first: this does not rely on foreign keys cascading.
        m.exec_stmt(
            Query::delete()
                .from_table(IgPostSnapshots::Table)
                .and_where(Expr::col(IgPostSnapshots::PostId).in_subquery(demo_posts()))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(IgPostInsights::Table)
                .and_where(Expr::col(IgPostInsights::PostId).in_subquery(demo_posts()))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(IgComments::Table)
                .and_where(Expr::col(IgComments::PostId).in_subquery(demo_posts()))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(IgPosts::Table)
                .and_where(Expr::col(IgPosts::ProfileId).in_subquery(demo_profiles()))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(IgProfileSnapshots::Table)
                .and_where(Expr::col(IgProfileSnapshots::ProfileId).in_subquery(demo_profiles()))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(IgAccountInsights::Table)
                .and_where(Expr::col(IgAccountInsights::Source).eq("demo"))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(IgProfiles::Table)
                .values([
                    (IgProfiles::PictureUrl, Option::<String>::None.into()),
                    (
                        IgProfiles::FetchedAt,
                        Option::<ChronoDateTimeUtc>::None.into(),
                    ),
                    (IgProfiles::MediaCursor, Option::<String>::None.into()),
                    // Due at once (a value, so both databases store their usual format).
                    (IgProfiles::NextRefreshAt, ChronoUtc::now().into()),
                ])
                .and_where(Expr::col(IgProfiles::Pool).eq("demo"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Generated data: the next refresh makes it again; there is nothing to restore.
        Ok(())
    }
}
