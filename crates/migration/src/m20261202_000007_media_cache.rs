//! The media proxy's bookkeeping on `ig_media_files`: the content hash of the stored image (its
//! ETag and its file name in the disk cache), and for a failed fetch how it failed and when it
//! may be tried again (a failure is remembered, not retried on every hit).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgMediaFiles {
    Table,
    Sha256,
    Failure,
    RetryAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for mut col in [
            string_null(IgMediaFiles::Sha256),
            string_null(IgMediaFiles::Failure),
            timestamp_with_time_zone_null(IgMediaFiles::RetryAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(IgMediaFiles::Table)
                    .add_column(&mut col)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            IgMediaFiles::Sha256,
            IgMediaFiles::Failure,
            IgMediaFiles::RetryAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(IgMediaFiles::Table)
                    .drop_column(col)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
