//! The database handle: SQLite (WAL, `synchronous=NORMAL`, `busy_timeout`, foreign keys) by
//! default, PostgreSQL when the URL says so. Options are set on the connect options, not by a
//! PRAGMA, because a PRAGMA sent through a pool reaches only one connection.

use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Config;

pub use sea_orm::DatabaseConnection as Db;

pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_url(&config.effective_database_url(), config.db_max_connections).await
}

pub async fn connect_url(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    opts.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .create_if_missing(true)
    });
    // Commits that enqueued wake this process's job workers at once (see `jobs::wake`).
    opts.map_sqlx_sqlite_pool_opts(|p| p.after_connect(crate::jobs::wake::watch_sqlite_commits));
    Database::connect(opts).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// `/readyz`: the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

pub fn is_sqlite(db: &DatabaseConnection) -> bool {
    matches!(db.get_database_backend(), sea_orm::DatabaseBackend::Sqlite)
}

/// A unique-constraint violation, on either backend (for turning duplicates into field errors).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Timestamps come back with nanoseconds on SQLite and microseconds on Postgres: everything we
/// write is truncated to microseconds so values compare equal after a round trip.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DurationRound::duration_trunc(now, chrono::Duration::microseconds(1)).unwrap_or(now)
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that reads first and writes later fails at once with "database is locked" if
/// another writer committed in between (WAL cannot upgrade a stale read snapshot, and
/// `busy_timeout` does not apply). Taking the write lock up front makes it wait its turn
/// instead. PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Which end of a time-ordered list comes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

impl Order {
    /// `oldest` (any case) or anything else (newest first), as list pages pass it.
    pub fn parse(raw: &str) -> Self {
        if raw.eq_ignore_ascii_case("oldest") {
            Order::OldestFirst
        } else {
            Order::NewestFirst
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Order::NewestFirst => "newest",
            Order::OldestFirst => "oldest",
        }
    }
}

/// One page of a list keyed by time-ordered UUIDv7 ids: `limit` rows after `cursor` (the last
/// id of the previous page) in `order`, and the cursor of the next page (`None` on the last).
/// Reads one row more than it returns to know whether another page exists.
pub async fn keyset_page<E, C>(
    conn: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    id: C,
    id_of: impl Fn(&E::Model) -> uuid::Uuid,
    order: Order,
    cursor: Option<uuid::Uuid>,
    limit: u64,
) -> Result<(Vec<E::Model>, Option<uuid::Uuid>), DbErr>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ColumnTrait,
{
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
    let mut select = match order {
        Order::NewestFirst => select.order_by_desc(id),
        Order::OldestFirst => select.order_by_asc(id),
    }
    .limit(limit + 1);
    if let Some(c) = cursor {
        select = match order {
            Order::NewestFirst => select.filter(id.lt(c)),
            Order::OldestFirst => select.filter(id.gt(c)),
        };
    }
    let mut rows = select.all(conn).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(&id_of)
    } else {
        None
    };
    Ok((rows, next))
}
