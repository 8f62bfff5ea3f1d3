//! PostgreSQL: the engagement and 30-day growth indexes of creator search in the order search
//! sorts by, `DESC NULLS LAST` (creators without the figure last). The plain indexes, walked
//! backward, give `DESC NULLS FIRST`, which that order cannot use: a search sorted by
//! engagement read and sorted every creator passing its filters (2.2 s over a million; 1.4 ms
//! with the index in this order). The indexes serve the range filters as before.
//!
//! SQLite needs nothing: it sorts NULL below every value, so a plain index walked backward is
//! already that order (`search::run` writes a plain `DESC` there).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, column) pairs made again.
const SORTED: &[(&str, &str)] = &[
    ("ix_disc_creators_engagement", "engagement_rate"),
    ("ix_disc_creators_growth30", "growth_30d"),
];

fn statements(order: &str) -> Vec<String> {
    SORTED
        .iter()
        .flat_map(|(index, column)| {
            [
                format!("DROP INDEX IF EXISTS {index}"),
                format!("CREATE INDEX {index} ON disc_creators (pool, {column}{order})"),
            ]
        })
        .collect()
}

/// Runs `statements(order)` on PostgreSQL; nothing elsewhere.
async fn make(m: &SchemaManager<'_>, order: &str) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    for sql in statements(order) {
        m.get_connection().execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        make(m, " DESC NULLS LAST").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        make(m, "").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_made_in_the_search_order() {
        assert_eq!(
            statements(" DESC NULLS LAST")[1],
            "CREATE INDEX ix_disc_creators_engagement ON disc_creators \
             (pool, engagement_rate DESC NULLS LAST)"
        );
        assert_eq!(statements("").len(), 4);
    }
}
