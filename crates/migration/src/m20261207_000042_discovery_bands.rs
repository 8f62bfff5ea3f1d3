//! Range filters inside creator search's text index: "band" tokens, so a keyword search with
//! ranges (followers at least, engagement at least, growth at least, posted within) reads
//! only the rows near the answer instead of every row holding the keyword.
//!
//! A row carries one token per threshold its figure reaches: followers 35,000 carries `bf1000`,
//! `bf2000`, `bf5000`, `bf10000` and `bf20000`; engagement 2.4 % carries `be5` … `be20`
//! (tenths of a percent); growth over 30 / 90 days `bg…` / `bh…` (`m` before a negative
//! threshold: `bgm5` is −5 %); and the week of its last post `bw…` (whole weeks since
//! 1970-01-01, UTC). A search for followers ≥ 25,000 asks for `bf20000` beside the words, so
//! the index intersects it with them; the exact comparison stays in the query, so the tokens
//! can only narrow to the same answer (`discovery::service::search::bands`).
//!
//! - SQLite: a virtual generated column `search_bands` with those tokens, indexed as the FTS5
//!   table's sixth column. The FTS table is made again with it (its triggers too: a change of
//!   a figure now indexes the row again) and rebuilt from `disc_creators`.
//! - PostgreSQL: `disc_creator_bands(…)` (an immutable function of the row's figures giving a
//!   `tsvector`) joins the text vector and the equality columns in the GIN index, which is
//!   made again. Nothing is stored in the row: the index holds the tokens.
//!
//! Why not the btrees: a range that a third or half of the creators pass is a long list to
//! intersect (PostgreSQL chose to: 270,000 index entries for 10,000 keyword matches), and
//! reading each keyword match's row to test it is the larger cost of the search on both
//! databases (docs/discovery.md, Performance).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Followers thresholds (at least).
pub const FOLLOWERS: &[i64] = &[
    1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000,
    5_000_000, 10_000_000,
];
/// Engagement rate thresholds in tenths of a percent (at least): 0.5 % … 20 %.
pub const ENGAGEMENT_TENTHS: &[i64] = &[5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200];
/// Growth thresholds in percent (at least), for 30 and for 90 days.
pub const GROWTH: &[i64] = &[
    -20, -10, -5, -2, 0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100,
];
/// Seconds in a week: the last post's token names its week.
pub const WEEK_SECONDS: i64 = 604_800;

/// A growth threshold as a token's suffix (`m5` for −5).
pub fn signed(t: i64) -> String {
    if t < 0 {
        format!("m{}", -t)
    } else {
        t.to_string()
    }
}

/// Each threshold as the value a figure must reach and the token a row reaching it carries.
fn reached(prefix: &str, thresholds: &[i64], scale: f64) -> Vec<(f64, String)> {
    thresholds
        .iter()
        .map(|t| (*t as f64 / scale, format!("{prefix}{}", signed(*t))))
        .collect()
}

/// `CASE WHEN … THEN ' token' ELSE '' END` pieces, one per threshold (SQLite).
fn sqlite_cases(column: &str, prefix: &str, thresholds: &[i64], scale: f64) -> Vec<String> {
    reached(prefix, thresholds, scale)
        .into_iter()
        .map(|(at, token)| format!("CASE WHEN {column} >= {at} THEN ' {token}' ELSE '' END"))
        .collect()
}

/// The SQLite column: the row's band tokens, space separated.
fn sqlite_column() -> String {
    let mut parts = Vec::new();
    parts.extend(sqlite_cases("followers", "bf", FOLLOWERS, 1.0));
    parts.extend(sqlite_cases(
        "engagement_rate",
        "be",
        ENGAGEMENT_TENTHS,
        10.0,
    ));
    parts.extend(sqlite_cases("growth_30d", "bg", GROWTH, 1.0));
    parts.extend(sqlite_cases("growth_90d", "bh", GROWTH, 1.0));
    parts.push(format!(
        "coalesce(' bw' || CAST(unixepoch(last_post_at) / {WEEK_SECONDS} AS INTEGER), '')"
    ));
    format!(
        "ALTER TABLE disc_creators ADD COLUMN search_bands TEXT GENERATED ALWAYS AS ({}) VIRTUAL",
        parts.join(" || ")
    )
}

/// The PostgreSQL function: the same tokens as a `tsvector`.
fn postgres_function() -> String {
    let cases = |column: &str, prefix: &str, thresholds: &[i64], scale: f64| {
        reached(prefix, thresholds, scale)
            .into_iter()
            .map(|(at, token)| format!("CASE WHEN {column} >= {at} THEN '{token}' END"))
            .collect::<Vec<_>>()
    };
    let mut parts = Vec::new();
    parts.extend(cases("followers", "bf", FOLLOWERS, 1.0));
    parts.extend(cases("engagement", "be", ENGAGEMENT_TENTHS, 10.0));
    parts.extend(cases("growth_30d", "bg", GROWTH, 1.0));
    parts.extend(cases("growth_90d", "bh", GROWTH, 1.0));
    parts.push(format!(
        "'bw' || floor(extract(epoch FROM last_post_at) / {WEEK_SECONDS})::bigint"
    ));
    format!(
        "CREATE OR REPLACE FUNCTION disc_creator_bands(followers BIGINT, engagement DOUBLE \
         PRECISION, growth_30d DOUBLE PRECISION, growth_90d DOUBLE PRECISION, last_post_at \
         TIMESTAMPTZ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
         SELECT array_to_tsvector(array_remove(ARRAY[{}]::text[], NULL)) $$",
        parts.join(", ")
    )
}

/// The expression the PostgreSQL index holds and the search asks (they must be written alike).
pub const POSTGRES_BANDS: &str =
    "disc_creator_bands(followers, engagement_rate, growth_30d, growth_90d, last_post_at)";

const FTS_COLUMNS: &str = "rowid, username, full_name, bio, captions, search_facets, search_bands";

fn sqlite_fts(with_bands: bool) -> Vec<String> {
    let (columns, update_of) = if with_bands {
        (
            FTS_COLUMNS.to_string(),
            "username, full_name, bio, captions, category, language, location, is_verified, \
             is_business, has_email, followers, engagement_rate, growth_30d, growth_90d, \
             last_post_at",
        )
    } else {
        (
            FTS_COLUMNS.replace(", search_bands", ""),
            "username, full_name, bio, captions, category, language, location, is_verified, \
             is_business, has_email",
        )
    };
    let names = columns.trim_start_matches("rowid, ");
    let new = columns.replace("rowid", "new.id").replace(", ", ", new.");
    let old = columns.replace("rowid", "old.id").replace(", ", ", old.");
    vec![
        "DROP TRIGGER IF EXISTS disc_creators_ai".into(),
        "DROP TRIGGER IF EXISTS disc_creators_ad".into(),
        "DROP TRIGGER IF EXISTS disc_creators_au".into(),
        "DROP TABLE IF EXISTS disc_creators_fts".into(),
        format!(
            "CREATE VIRTUAL TABLE disc_creators_fts USING fts5({names}, \
             content='disc_creators', content_rowid='id', \
             tokenize='unicode61 remove_diacritics 0')"
        ),
        format!(
            "CREATE TRIGGER disc_creators_ai AFTER INSERT ON disc_creators BEGIN \
             INSERT INTO disc_creators_fts({columns}) VALUES ({new}); END"
        ),
        format!(
            "CREATE TRIGGER disc_creators_ad AFTER DELETE ON disc_creators BEGIN \
             INSERT INTO disc_creators_fts(disc_creators_fts, {columns}) \
             VALUES ('delete', {old}); END"
        ),
        format!(
            "CREATE TRIGGER disc_creators_au AFTER UPDATE OF {update_of} ON disc_creators BEGIN \
             INSERT INTO disc_creators_fts(disc_creators_fts, {columns}) \
             VALUES ('delete', {old}); \
             INSERT INTO disc_creators_fts({columns}) VALUES ({new}); END"
        ),
        "INSERT INTO disc_creators_fts(disc_creators_fts) VALUES ('rebuild')".into(),
    ]
}

const GIN_FILTERS: &str = "category, language, location, is_verified, is_business, has_email";

fn postgres_index(with_bands: bool) -> String {
    let bands = if with_bands {
        format!(", {POSTGRES_BANDS}")
    } else {
        String::new()
    };
    format!(
        "DO $$ BEGIN DROP INDEX IF EXISTS ix_disc_creators_search; \
         IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN \
         CREATE INDEX ix_disc_creators_search ON disc_creators \
         USING GIN (search_vector{bands}, {GIN_FILTERS}); \
         ELSE CREATE INDEX ix_disc_creators_search ON disc_creators \
         USING GIN (search_vector{bands}); END IF; END $$"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on every database, so on SQLite one connection runs every statement.
    /// It drops and makes again objects of the same names: another pooled connection, its
    /// schema read before the drop, refused the new trigger as "already exists" (SQLite checks
    /// a name when it prepares a statement, before it notices the schema changed).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let statements = match m.get_database_backend() {
            // ANALYZE gathers the index expression's statistics, which the planner weighs the
            // tokens by.
            sea_orm::DbBackend::Postgres => vec![
                postgres_function(),
                postgres_index(true),
                "ANALYZE disc_creators".into(),
            ],
            _ => {
                let mut out = vec![sqlite_column()];
                out.extend(sqlite_fts(true));
                out
            }
        };
        for sql in statements {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let statements = match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => vec![
                postgres_index(false),
                "DROP FUNCTION IF EXISTS disc_creator_bands(BIGINT, DOUBLE PRECISION, \
                 DOUBLE PRECISION, DOUBLE PRECISION, TIMESTAMPTZ)"
                    .into(),
            ],
            _ => {
                // The FTS table names the column: it goes first.
                let mut out = sqlite_fts(false);
                out.push("ALTER TABLE disc_creators DROP COLUMN search_bands".into());
                out
            }
        };
        for sql in statements {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_name_every_column_with_its_row() {
        let sql = sqlite_fts(true).join("\n");
        assert!(sql.contains(
            "VALUES (new.id, new.username, new.full_name, new.bio, new.captions, \
             new.search_facets, new.search_bands)"
        ));
        assert!(sql.contains("VALUES ('delete', old.id, old.username"));
        assert!(!sqlite_fts(false).join("\n").contains("search_bands"));
    }

    #[test]
    fn thresholds_are_written_exactly() {
        assert!(sqlite_column().contains("CASE WHEN engagement_rate >= 1.5 THEN ' be15'"));
        assert!(sqlite_column().contains("CASE WHEN growth_30d >= -5 THEN ' bgm5'"));
        assert!(postgres_function().contains("CASE WHEN followers >= 1000000 THEN 'bf1000000'"));
    }
}
