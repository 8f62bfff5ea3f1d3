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

/// How much of a SQLite database file reads map: SQLite's own limit on 64-bit systems (it
/// clamps a larger value to it). Address space, not memory: the mapped pages are the operating
/// system's page cache, shared by every connection. SQLite writes through the file. It was
/// 256 MiB; a search over a million creators (a 1.6 GB file) then read most of its pages with
/// a system call each (docs/discovery.md, Performance).
const MMAP_SIZE: u64 = 0x7fff_0000;

/// `%text%` for LIKE with the searcher's `%`, `_` and `\` taken literally.
pub fn contains_pattern(text: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    // SQLite has no default escape character: declare it.
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Prepared statements kept per connection. Set-based statements vary their text with the
/// number of rows they name (padded to a few sizes, see [`padded`]); sqlx's default of 100 would
/// evict them between batches and prepare them again (about 0.1 ms each on SQLite).
const STATEMENT_CACHE: usize = 500;

pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_url(&config.effective_database_url(), config.db_max_connections).await
}

pub async fn connect_url(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_path(url) {
        private_database_file(&path)
            .map_err(|e| DbErr::Custom(format!("database file {}: {e}", path.display())))?;
    }
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
            // Reads come straight from the operating system's page cache, shared by every
            // connection, instead of each connection's own 2 MB cache copying pages in with a
            // read call each (a year of a large account's figures touches many pages).
            .pragma("mmap_size", MMAP_SIZE.to_string())
            .statement_cache_capacity(STATEMENT_CACHE)
    });
    let plain = loopback_without_tls_choice(url, std::env::var_os("PGSSLMODE").is_some());
    opts.map_sqlx_postgres_opts(move |o| {
        let o = o.statement_cache_capacity(STATEMENT_CACHE);
        if plain {
            o.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable)
        } else {
            o
        }
    });
    // Commits that enqueued wake this process's job workers at once (see `jobs::wake`).
    opts.map_sqlx_sqlite_pool_opts(|p| p.after_connect(crate::jobs::wake::watch_sqlite_commits));
    Database::connect(opts).await
}

/// Whether a PostgreSQL URL names a server on this machine and says nothing about TLS (no
/// `sslmode` in the URL, no `PGSSLMODE`). Such connections go without TLS: encrypting traffic
/// that never leaves the machine protects nothing, and under the worker API's load the
/// handshake-free plain connection carries about 15 % more claims per second (TLS cost both
/// processes CPU on every statement; docs/operations.md). Naming `sslmode` keeps it as asked,
/// for a server whose `pg_hba.conf` demands TLS even on loopback.
fn loopback_without_tls_choice(raw: &str, env_sslmode: bool) -> bool {
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    if !matches!(url.scheme(), "postgres" | "postgresql")
        || url
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("sslmode"))
        || env_sslmode
    {
        return false;
    }
    let host_param = url
        .query_pairs()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.into_owned());
    match (url.host(), host_param) {
        // A Unix socket directory (`?host=/run/postgresql`) never has TLS anyway.
        (_, Some(h)) => h.starts_with('/') || is_loopback_name(&h),
        (Some(url::Host::Ipv4(ip)), None) => ip.is_loopback(),
        (Some(url::Host::Ipv6(ip)), None) => ip.is_loopback(),
        (Some(url::Host::Domain(name)), None) => is_loopback_name(name),
        (None, None) => false,
    }
}

fn is_loopback_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

// ---- file modes -------------------------------------------------------------------------------
//
// The data directory holds the database, the platform key, backups and the media cache: none
// of it is for other users of the machine. Directories are 0700 and files 0600 whatever the
// umask; SQLite creates `-wal` and `-shm` with the mode of the database file.

/// The file of a `sqlite:` URL (`None` for PostgreSQL and in-memory databases).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    // sqlx percent-decodes the path the same way.
    let decoded = urlencoding::decode(path).ok()?;
    Some(std::path::PathBuf::from(decoded.into_owned()))
}

/// Creates the data directory (and its `media` cache directory) readable by this user only,
/// or tightens them when they exist.
pub fn prepare_data_dir(dir: &std::path::Path) -> std::io::Result<()> {
    private_dir(dir)?;
    private_dir(&dir.join("media"))
}

/// A directory only its owner may enter (0700), created (with its parents) if missing.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        tighten(dir, 0o700, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates the database file empty with mode 0600 before SQLite opens it (SQLite would create
/// it 0644 under the usual umask), or tightens an existing one and its `-wal` / `-shm`.
fn private_database_file(path: &std::path::Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        private_dir(parent)?;
    }
    match private_new_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                let file = std::path::PathBuf::from(name);
                if file.exists() {
                    private_file(&file)?;
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Creates a new file readable and writable by its owner only (fails if it exists).
pub fn private_new_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Tightens an existing file to 0600.
pub fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tighten(path, 0o600, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(unix)]
fn tighten(
    path: &std::path::Path,
    wanted: u32,
    permissions: std::fs::Permissions,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != wanted {
        std::fs::set_permissions(path, permissions)?;
        tracing::info!(path = %path.display(), from = format!("{mode:o}"), to = format!("{wanted:o}"), "tightened file permissions");
    }
    Ok(())
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

/// `COALESCE(col, col) = value`: the same test as `col = value`, written so that SQLite's
/// planner does not pick an index on `col` for it. Beside `id IN (…)` on a primary key,
/// SQLite without statistics (before any `ANALYZE`) rates an equality on an indexed
/// `workspace_id` as cheaper than the ids' lookups and walks every row of the workspace
/// instead; PostgreSQL plans both forms alike. Use it for the workspace filter of a query
/// that names its rows by id.
pub fn eq_beside_ids<C>(col: C, value: impl Into<sea_orm::Value>) -> sea_orm::sea_query::SimpleExpr
where
    C: sea_orm::sea_query::IntoColumnRef + Clone,
{
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    Expr::from(Func::coalesce([Expr::col(col.clone()), Expr::col(col)])).eq(value.into())
}

/// The items of an `IN (…)` list or the arms of a `CASE`, padded by repeating the last one to
/// the next power of two. A statement's text then takes one of a few shapes whatever the
/// batch size, so each connection prepares it once and reuses it; a repeated id or arm
/// changes nothing a statement selects or sets.
pub fn padded<T: Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.into_iter().collect();
    if let Some(last) = v.last().cloned() {
        let size = v.len().next_power_of_two();
        v.resize(size, last);
    }
    v
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

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///srv/gd/growthdeck.db?mode=rwc"),
            Some("/srv/gd/growthdeck.db".into())
        );
        assert_eq!(sqlite_path("sqlite:data/x.db"), Some("data/x.db".into()));
        assert_eq!(
            sqlite_path("sqlite://my%20data/x.db"),
            Some("my data/x.db".into())
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/gd"), None);
    }

    /// Under the usual umask (022) the data directory, the database and its WAL files would be
    /// readable by every user of the machine.
    #[tokio::test]
    async fn data_directory_and_database_files_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        prepare_data_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("media")), 0o700);
        let file = dir.join("growthdeck.db");
        let db = connect_url(&format!("sqlite://{}?mode=rwc", file.display()), 2)
            .await
            .unwrap();
        db.execute_unprepared("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
            assert!(path.exists(), "{}", path.display());
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        db.close().await.unwrap();

        // An existing installation made under the old rules is tightened at the next start.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare_data_dir(&dir).unwrap();
        let db = connect_url(&format!("sqlite://{}?mode=rwc", file.display()), 2)
            .await
            .unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        db.close().await.unwrap();
    }
}

/// Completes a SeaORM entity module that has no relations: `platform::no_relations!();` after
/// its `Model`.
#[macro_export]
macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

#[cfg(test)]
mod tls_choice_tests {
    use super::loopback_without_tls_choice as plain;

    #[test]
    fn loopback_servers_without_an_sslmode_go_without_tls() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgresql://u:p@localhost/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@127.0.0.2/db",
            "postgres:///db?host=/run/postgresql",
        ] {
            assert!(plain(url, false), "{url}");
        }
    }

    #[test]
    fn other_servers_and_explicit_choices_keep_the_drivers_default() {
        for url in [
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@localhost/db?SSLMODE=prefer",
            "sqlite:///tmp/x.db?mode=rwc",
            "not a url",
        ] {
            assert!(!plain(url, false), "{url}");
        }
        assert!(!plain("postgres://u@127.0.0.1/db", true), "PGSSLMODE set");
    }
}
