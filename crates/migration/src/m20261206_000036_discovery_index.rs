//! Creator discovery's search index (requirement 004): one row per public profile the platform
//! knows, with the figures search filters and sorts on already computed, and a full-text index
//! over its words. Derived from `ig_profiles`, `ig_posts`, `ig_profile_snapshots` and
//! `intel_post_analyses` by the discovery indexer; never edited by hand.
//!
//! - `disc_creators`: `id` is an integer key because SQLite's FTS5 table names its rows by an
//!   integer (`content_rowid`); `profile_id` is the profile. `pool` keeps live and demo apart.
//!   Btree indexes lead with `pool` on every column a filter or sort uses alone.
//! - `disc_creators_fts` (SQLite): an FTS5 table over the row's words (username, name, bio,
//!   recent captions), kept by triggers. PostgreSQL: a stored `tsvector` column with a GIN
//!   index. Both tokenise with no stemming (`unicode61` / the `simple` configuration), so a
//!   keyword matches the same rows on both. PostgreSQL's parser would keep `demo.food.lea`
//!   or `me@mail.example` whole (as a host or an email): punctuation becomes a space first,
//!   as FTS5's tokeniser treats it.
//! - Keyword searches with equality filters (category, language, location, the three flags)
//!   intersect them inside the text index, so only rows passing them are read and ranked:
//!   SQLite indexes a virtual column `search_facets` (one token per filter: a prefix and the
//!   value's bytes in hex, e.g. `xc666f6f64` for category `food`; see `search::facet`) as the
//!   FTS table's fifth column; PostgreSQL's GIN index covers those columns too through the
//!   `btree_gin` extension (contrib). Where the extension cannot be created (not installed,
//!   no privilege) the index is a plain GIN over the text vector: same answers, slower.
//! - `disc_creator_hashtags`: the hashtags a creator used, one row each, for the hashtag filter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "
    profile_id {uuid} NOT NULL UNIQUE,
    pool VARCHAR(8) NOT NULL,
    username VARCHAR(64) NOT NULL,
    username_lower VARCHAR(64) NOT NULL,
    full_name TEXT NULL,
    bio TEXT NULL,
    captions TEXT NOT NULL DEFAULT '',
    picture_url TEXT NULL,
    followers BIGINT NOT NULL DEFAULT 0,
    following BIGINT NULL,
    media_count BIGINT NULL,
    engagement_rate DOUBLE PRECISION NULL,
    growth_30d DOUBLE PRECISION NULL,
    growth_90d DOUBLE PRECISION NULL,
    category VARCHAR(40) NULL,
    categories {json} NOT NULL,
    language VARCHAR(8) NULL,
    location VARCHAR(80) NULL,
    is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    is_business BOOLEAN NOT NULL DEFAULT FALSE,
    has_email BOOLEAN NOT NULL DEFAULT FALSE,
    email TEXT NULL,
    last_post_at {ts} NULL,
    posts_counted INTEGER NOT NULL DEFAULT 0,
    source VARCHAR(16) NOT NULL,
    fetched_at {ts} NULL,
    indexed_at {ts} NOT NULL";

/// SQLite: the facet tokens of a row (`search::facet` writes the same for a filter).
/// Booleans are stored as 0 / 1.
const FACETS: &str = "search_facets TEXT GENERATED ALWAYS AS (
    'xc' || lower(hex(coalesce(category, ''))) || ' xg' || lower(hex(coalesce(language, ''))) ||
    ' xl' || lower(hex(coalesce(location, ''))) ||
    ' xv' || CASE WHEN is_verified THEN 1 ELSE 0 END ||
    ' xb' || CASE WHEN is_business THEN 1 ELSE 0 END ||
    ' xe' || CASE WHEN has_email THEN 1 ELSE 0 END) VIRTUAL";

/// PostgreSQL: the columns the text index covers beside the text vector with `btree_gin`.
const GIN_FILTERS: &str = "category, language, location, is_verified, is_business, has_email";

const INDEXES: &[(&str, &str)] = &[
    ("followers", "pool, followers"),
    ("engagement", "pool, engagement_rate"),
    ("growth30", "pool, growth_30d"),
    ("growth90", "pool, growth_90d"),
    ("category", "pool, category, followers"),
    ("language", "pool, language, followers"),
    ("location", "pool, location"),
    ("last_post", "pool, last_post_at"),
    ("username", "pool, username_lower"),
];

fn create_sql(backend: sea_orm::DbBackend) -> Vec<String> {
    let (id, uuid, json, ts) = match backend {
        sea_orm::DbBackend::Postgres => {
            ("id BIGSERIAL PRIMARY KEY", "UUID", "JSONB", "TIMESTAMPTZ")
        }
        // The type names sea-query gives these columns on SQLite, so values read back alike.
        _ => (
            "id INTEGER PRIMARY KEY AUTOINCREMENT",
            "uuid_text",
            "json_text",
            "timestamp_with_timezone_text",
        ),
    };
    let columns = COLUMNS
        .replace("{uuid}", uuid)
        .replace("{json}", json)
        .replace("{ts}", ts);
    let mut out = Vec::new();
    match backend {
        sea_orm::DbBackend::Postgres => out.push(format!(
            "CREATE TABLE disc_creators ({id},{columns},
             search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple',
               regexp_replace(coalesce(username, '') || ' ' || coalesce(full_name, '') || ' ' ||
               coalesce(bio, '') || ' ' || captions, '[[:punct:]]+', ' ', 'g'))) STORED)"
        )),
        _ => out.push(format!(
            "CREATE TABLE disc_creators ({id},{columns},\n    {FACETS})"
        )),
    }
    for (name, cols) in INDEXES {
        out.push(format!(
            "CREATE INDEX ix_disc_creators_{name} ON disc_creators ({cols})"
        ));
    }
    match backend {
        sea_orm::DbBackend::Postgres => {
            // A failed CREATE EXTENSION would abort the migration's transaction: the block
            // catches it (in its own subtransaction) and the index falls back to a plain GIN.
            out.push(
                "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS btree_gin; \
                 EXCEPTION WHEN OTHERS THEN \
                 RAISE NOTICE 'btree_gin unavailable (%): plain text index', SQLERRM; END $$"
                    .into(),
            );
            out.push(format!(
                "DO $$ BEGIN \
                 IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN \
                 CREATE INDEX ix_disc_creators_search ON disc_creators \
                 USING GIN (search_vector, {GIN_FILTERS}); \
                 ELSE CREATE INDEX ix_disc_creators_search ON disc_creators \
                 USING GIN (search_vector); END IF; END $$"
            ));
        }
        _ => {
            out.push(
                "CREATE VIRTUAL TABLE disc_creators_fts USING fts5(username, full_name, bio, \
                 captions, search_facets, content='disc_creators', content_rowid='id', \
                 tokenize='unicode61 remove_diacritics 0')"
                    .into(),
            );
            let new =
                "new.id, new.username, new.full_name, new.bio, new.captions, new.search_facets";
            let old = "'delete', old.id, old.username, old.full_name, old.bio, old.captions, \
                       old.search_facets";
            let cols = "rowid, username, full_name, bio, captions, search_facets";
            out.push(format!(
                "CREATE TRIGGER disc_creators_ai AFTER INSERT ON disc_creators BEGIN \
                 INSERT INTO disc_creators_fts({cols}) VALUES ({new}); END"
            ));
            out.push(format!(
                "CREATE TRIGGER disc_creators_ad AFTER DELETE ON disc_creators BEGIN \
                 INSERT INTO disc_creators_fts(disc_creators_fts, {cols}) VALUES ({old}); END"
            ));
            out.push(format!(
                "CREATE TRIGGER disc_creators_au AFTER UPDATE OF username, full_name, bio, \
                 captions, category, language, location, is_verified, is_business, has_email \
                 ON disc_creators BEGIN \
                 INSERT INTO disc_creators_fts(disc_creators_fts, {cols}) VALUES ({old}); \
                 INSERT INTO disc_creators_fts({cols}) VALUES ({new}); END"
            ));
        }
    }
    out.push(
        "CREATE TABLE disc_creator_hashtags (creator_id BIGINT NOT NULL \
         REFERENCES disc_creators(id) ON DELETE CASCADE, tag VARCHAR(100) NOT NULL, \
         uses INTEGER NOT NULL, PRIMARY KEY (creator_id, tag))"
            .into(),
    );
    out.push(
        "CREATE INDEX ix_disc_creator_hashtags_tag ON disc_creator_hashtags (tag, creator_id)"
            .into(),
    );
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for sql in create_sql(m.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("DROP TABLE IF EXISTS disc_creator_hashtags")
            .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Sqlite {
            conn.execute_unprepared("DROP TABLE IF EXISTS disc_creators_fts")
                .await?;
        }
        conn.execute_unprepared("DROP TABLE IF EXISTS disc_creators")
            .await?;
        Ok(())
    }
}
