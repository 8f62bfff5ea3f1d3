//! `ig_post_days`: the posts of each profile summed per UTC day, media type and source — what
//! the account pages, the comparison and the home read instead of the posts themselves, so a
//! year of a 100,000-post account is some 1,100 rows, not 20,000 index entries grouped on
//! every request.
//!
//! Per group: `posts` (every post), `rated` (posts with known likes or comments),
//! `interactions` (likes + comments, unknown counted as none), `top_interactions` (the most of
//! one post: lets the top posts be looked for on the few days that can hold them) and
//! `fetched_at` (the newest fetch).
//!
//! The database keeps it: row triggers on `ig_posts` (insert, delete, and updates of the
//! columns summed) add and subtract each post, whoever writes it — a refresh, a deletion
//! cascading from its profile, an operator's SQL. Counts move by deltas, which commute, so
//! concurrent writers on PostgreSQL serialise on the group's row and stay exact; the two
//! maxima are read again from the group's posts when a post leaves the group. A group whose
//! last post left is deleted. Triggers are the one place SeaQuery cannot say: written once per
//! backend, both tested by the instagram suite (`post_days` compares the table with the posts
//! summed directly).
//!
//! The day is the UTC calendar day of `posted_at`: `date` on PostgreSQL; on SQLite the first
//! ten characters of the stored RFC 3339 text, which is always written in UTC.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgPostDays {
    Table,
    ProfileId,
    Day,
    MediaType,
    Source,
    Posts,
    Rated,
    Interactions,
    TopInteractions,
    FetchedAt,
}

const SQLITE_UP: &str = r#"
CREATE TRIGGER ig_posts_days_insert AFTER INSERT ON ig_posts BEGIN
    INSERT INTO ig_post_days
        (profile_id, day, media_type, source, posts, rated, interactions, top_interactions, fetched_at)
    VALUES (
        NEW.profile_id, substr(NEW.posted_at, 1, 10), NEW.media_type, NEW.source, 1,
        CASE WHEN NEW.like_count IS NOT NULL OR NEW.comments_count IS NOT NULL THEN 1 ELSE 0 END,
        COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
        COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
        NEW.fetched_at)
    ON CONFLICT (profile_id, day, media_type, source) DO UPDATE SET
        posts = posts + 1,
        rated = rated + excluded.rated,
        interactions = interactions + excluded.interactions,
        top_interactions = MAX(COALESCE(top_interactions, excluded.top_interactions), excluded.top_interactions),
        fetched_at = MAX(COALESCE(fetched_at, excluded.fetched_at), excluded.fetched_at);
END;

CREATE TRIGGER ig_posts_days_delete AFTER DELETE ON ig_posts BEGIN
    UPDATE ig_post_days SET
        posts = posts - 1,
        rated = rated - CASE WHEN OLD.like_count IS NOT NULL OR OLD.comments_count IS NOT NULL THEN 1 ELSE 0 END,
        interactions = interactions - (COALESCE(OLD.like_count, 0) + COALESCE(OLD.comments_count, 0))
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source;
    DELETE FROM ig_post_days
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source AND posts <= 0;
    UPDATE ig_post_days SET
        top_interactions = (SELECT MAX(COALESCE(p.like_count, 0) + COALESCE(p.comments_count, 0))
            FROM ig_posts p WHERE p.profile_id = OLD.profile_id
                AND p.posted_at >= substr(OLD.posted_at, 1, 10)
                AND p.posted_at < date(substr(OLD.posted_at, 1, 10), '+1 day')
                AND p.media_type = OLD.media_type AND p.source = OLD.source),
        fetched_at = (SELECT MAX(p.fetched_at)
            FROM ig_posts p WHERE p.profile_id = OLD.profile_id
                AND p.posted_at >= substr(OLD.posted_at, 1, 10)
                AND p.posted_at < date(substr(OLD.posted_at, 1, 10), '+1 day')
                AND p.media_type = OLD.media_type AND p.source = OLD.source)
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source;
END;

CREATE TRIGGER ig_posts_days_update
AFTER UPDATE OF profile_id, posted_at, media_type, source, like_count, comments_count, fetched_at
ON ig_posts BEGIN
    UPDATE ig_post_days SET
        posts = posts - 1,
        rated = rated - CASE WHEN OLD.like_count IS NOT NULL OR OLD.comments_count IS NOT NULL THEN 1 ELSE 0 END,
        interactions = interactions - (COALESCE(OLD.like_count, 0) + COALESCE(OLD.comments_count, 0))
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source;
    DELETE FROM ig_post_days
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source AND posts <= 0;
    UPDATE ig_post_days SET
        top_interactions = (SELECT MAX(COALESCE(p.like_count, 0) + COALESCE(p.comments_count, 0))
            FROM ig_posts p WHERE p.profile_id = OLD.profile_id
                AND p.posted_at >= substr(OLD.posted_at, 1, 10)
                AND p.posted_at < date(substr(OLD.posted_at, 1, 10), '+1 day')
                AND p.media_type = OLD.media_type AND p.source = OLD.source
                AND p.id <> NEW.id),
        fetched_at = (SELECT MAX(p.fetched_at)
            FROM ig_posts p WHERE p.profile_id = OLD.profile_id
                AND p.posted_at >= substr(OLD.posted_at, 1, 10)
                AND p.posted_at < date(substr(OLD.posted_at, 1, 10), '+1 day')
                AND p.media_type = OLD.media_type AND p.source = OLD.source
                AND p.id <> NEW.id)
    WHERE profile_id = OLD.profile_id AND day = substr(OLD.posted_at, 1, 10)
        AND media_type = OLD.media_type AND source = OLD.source;
    INSERT INTO ig_post_days
        (profile_id, day, media_type, source, posts, rated, interactions, top_interactions, fetched_at)
    VALUES (
        NEW.profile_id, substr(NEW.posted_at, 1, 10), NEW.media_type, NEW.source, 1,
        CASE WHEN NEW.like_count IS NOT NULL OR NEW.comments_count IS NOT NULL THEN 1 ELSE 0 END,
        COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
        COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
        NEW.fetched_at)
    ON CONFLICT (profile_id, day, media_type, source) DO UPDATE SET
        posts = posts + 1,
        rated = rated + excluded.rated,
        interactions = interactions + excluded.interactions,
        top_interactions = MAX(COALESCE(top_interactions, excluded.top_interactions), excluded.top_interactions),
        fetched_at = MAX(COALESCE(fetched_at, excluded.fetched_at), excluded.fetched_at);
END;
"#;

const SQLITE_BACKFILL: &str = r#"
INSERT INTO ig_post_days
    (profile_id, day, media_type, source, posts, rated, interactions, top_interactions, fetched_at)
SELECT profile_id, substr(posted_at, 1, 10), media_type, source, COUNT(*),
    COUNT(CASE WHEN like_count IS NOT NULL OR comments_count IS NOT NULL THEN 1 END),
    COALESCE(SUM(COALESCE(like_count, 0) + COALESCE(comments_count, 0)), 0),
    MAX(COALESCE(like_count, 0) + COALESCE(comments_count, 0)),
    MAX(fetched_at)
FROM ig_posts
GROUP BY profile_id, substr(posted_at, 1, 10), media_type, source;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS ig_posts_days_insert;
DROP TRIGGER IF EXISTS ig_posts_days_delete;
DROP TRIGGER IF EXISTS ig_posts_days_update;
"#;

const POSTGRES_UP: &str = r#"
CREATE FUNCTION ig_posts_days_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_day date;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_day := (OLD.posted_at AT TIME ZONE 'UTC')::date;
        UPDATE ig_post_days d SET
            posts = d.posts - 1,
            rated = d.rated - CASE WHEN OLD.like_count IS NOT NULL OR OLD.comments_count IS NOT NULL THEN 1 ELSE 0 END,
            interactions = d.interactions - (COALESCE(OLD.like_count, 0) + COALESCE(OLD.comments_count, 0))
        WHERE d.profile_id = OLD.profile_id AND d.day = old_day
            AND d.media_type = OLD.media_type AND d.source = OLD.source;
        DELETE FROM ig_post_days d
        WHERE d.profile_id = OLD.profile_id AND d.day = old_day
            AND d.media_type = OLD.media_type AND d.source = OLD.source AND d.posts <= 0;
        UPDATE ig_post_days d SET (top_interactions, fetched_at) = (
            SELECT MAX(COALESCE(p.like_count, 0) + COALESCE(p.comments_count, 0)), MAX(p.fetched_at)
            FROM ig_posts p WHERE p.profile_id = OLD.profile_id
                AND p.posted_at >= old_day::timestamp AT TIME ZONE 'UTC'
                AND p.posted_at < (old_day + 1)::timestamp AT TIME ZONE 'UTC'
                AND p.media_type = OLD.media_type AND p.source = OLD.source
                AND (TG_OP = 'DELETE' OR p.id <> NEW.id))
        WHERE d.profile_id = OLD.profile_id AND d.day = old_day
            AND d.media_type = OLD.media_type AND d.source = OLD.source;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO ig_post_days AS d
            (profile_id, day, media_type, source, posts, rated, interactions, top_interactions, fetched_at)
        VALUES (
            NEW.profile_id, (NEW.posted_at AT TIME ZONE 'UTC')::date, NEW.media_type, NEW.source, 1,
            CASE WHEN NEW.like_count IS NOT NULL OR NEW.comments_count IS NOT NULL THEN 1 ELSE 0 END,
            COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
            COALESCE(NEW.like_count, 0) + COALESCE(NEW.comments_count, 0),
            NEW.fetched_at)
        ON CONFLICT (profile_id, day, media_type, source) DO UPDATE SET
            posts = d.posts + 1,
            rated = d.rated + EXCLUDED.rated,
            interactions = d.interactions + EXCLUDED.interactions,
            top_interactions = GREATEST(d.top_interactions, EXCLUDED.top_interactions),
            fetched_at = GREATEST(d.fetched_at, EXCLUDED.fetched_at);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ig_posts_days
AFTER INSERT OR DELETE
    OR UPDATE OF profile_id, posted_at, media_type, source, like_count, comments_count, fetched_at
ON ig_posts FOR EACH ROW EXECUTE FUNCTION ig_posts_days_sync();
"#;

const POSTGRES_BACKFILL: &str = r#"
INSERT INTO ig_post_days
    (profile_id, day, media_type, source, posts, rated, interactions, top_interactions, fetched_at)
SELECT profile_id, (posted_at AT TIME ZONE 'UTC')::date, media_type, source, COUNT(*),
    COUNT(CASE WHEN like_count IS NOT NULL OR comments_count IS NOT NULL THEN 1 END),
    COALESCE(SUM(COALESCE(like_count, 0) + COALESCE(comments_count, 0)), 0),
    MAX(COALESCE(like_count, 0) + COALESCE(comments_count, 0)),
    MAX(fetched_at)
FROM ig_posts
GROUP BY profile_id, (posted_at AT TIME ZONE 'UTC')::date, media_type, source;
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS ig_posts_days ON ig_posts;
DROP FUNCTION IF EXISTS ig_posts_days_sync();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IgPostDays::Table)
                .col(uuid(IgPostDays::ProfileId))
                .col(date(IgPostDays::Day))
                .col(string(IgPostDays::MediaType))
                .col(string(IgPostDays::Source))
                .col(big_integer(IgPostDays::Posts))
                .col(big_integer(IgPostDays::Rated))
                .col(big_integer(IgPostDays::Interactions))
                .col(big_integer_null(IgPostDays::TopInteractions))
                .col(timestamp_with_time_zone_null(IgPostDays::FetchedAt))
                // No foreign key to the profile: its posts leave with it (cascade), and
                // their triggers empty its days; a key would refuse those updates midway.
                .primary_key(
                    Index::create()
                        .col(IgPostDays::ProfileId)
                        .col(IgPostDays::Day)
                        .col(IgPostDays::MediaType)
                        .col(IgPostDays::Source),
                )
                .take(),
        )
        .await?;
        let conn = m.get_connection();
        let (up, backfill) = match m.get_database_backend() {
            DatabaseBackend::Postgres => (POSTGRES_UP, POSTGRES_BACKFILL),
            _ => (SQLITE_UP, SQLITE_BACKFILL),
        };
        conn.execute_unprepared(up).await?;
        conn.execute_unprepared(backfill).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let down = match m.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        m.get_connection().execute_unprepared(down).await?;
        m.drop_table(Table::drop().table(IgPostDays::Table).to_owned())
            .await
    }
}
