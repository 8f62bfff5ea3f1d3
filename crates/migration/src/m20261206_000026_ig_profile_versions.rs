//! `ig_profile_versions`: one counter per profile that the database raises whenever something
//! a profile's figures are read from changes — one of its posts (inserted, updated, deleted:
//! which also moves its `ig_post_days`) or one of its daily snapshots. The pages keep a
//! profile's figures in memory with the version they were read at and read them again only
//! when the version moved (`instagram::service::figures`), so a repeat view of a year of a
//! 100,000-post account is one primary-key read, not some 1,500 rows; every process of a
//! scaled-out install sees every other's writes through the same counter.
//!
//! Kept by row triggers, whoever writes — a refresh, a profile's removal cascading to its
//! posts, SQL by hand. A new profile gets its row from a trigger on `ig_profiles` (and the
//! migration fills the profiles already there); a removed profile's row leaves with it.
//!
//! Lock order on PostgreSQL: the post trigger raises the version before `ig_posts_days`
//! moves the day's sums (triggers of one event fire in name order, and `ig_posts_data_version`
//! sorts before `ig_posts_days`), so two transactions writing one profile's posts queue on
//! its version row first and never hold each other's day rows crosswise.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IgProfileVersions {
    Table,
    ProfileId,
    Version,
}

const SQLITE_UP: &str = r#"
CREATE TRIGGER ig_profiles_version_insert AFTER INSERT ON ig_profiles BEGIN
    INSERT OR IGNORE INTO ig_profile_versions (profile_id, version) VALUES (NEW.id, 0);
END;
CREATE TRIGGER ig_profiles_version_delete AFTER DELETE ON ig_profiles BEGIN
    DELETE FROM ig_profile_versions WHERE profile_id = OLD.id;
END;
CREATE TRIGGER ig_posts_data_version_insert AFTER INSERT ON ig_posts BEGIN
    UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = NEW.profile_id;
END;
CREATE TRIGGER ig_posts_data_version_update AFTER UPDATE ON ig_posts BEGIN
    UPDATE ig_profile_versions SET version = version + 1
    WHERE profile_id = OLD.profile_id OR profile_id = NEW.profile_id;
END;
CREATE TRIGGER ig_posts_data_version_delete AFTER DELETE ON ig_posts BEGIN
    UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = OLD.profile_id;
END;
CREATE TRIGGER ig_profile_snapshots_version_insert AFTER INSERT ON ig_profile_snapshots BEGIN
    UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = NEW.profile_id;
END;
CREATE TRIGGER ig_profile_snapshots_version_update AFTER UPDATE ON ig_profile_snapshots BEGIN
    UPDATE ig_profile_versions SET version = version + 1
    WHERE profile_id = OLD.profile_id OR profile_id = NEW.profile_id;
END;
CREATE TRIGGER ig_profile_snapshots_version_delete AFTER DELETE ON ig_profile_snapshots BEGIN
    UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = OLD.profile_id;
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS ig_profiles_version_insert;
DROP TRIGGER IF EXISTS ig_profiles_version_delete;
DROP TRIGGER IF EXISTS ig_posts_data_version_insert;
DROP TRIGGER IF EXISTS ig_posts_data_version_update;
DROP TRIGGER IF EXISTS ig_posts_data_version_delete;
DROP TRIGGER IF EXISTS ig_profile_snapshots_version_insert;
DROP TRIGGER IF EXISTS ig_profile_snapshots_version_update;
DROP TRIGGER IF EXISTS ig_profile_snapshots_version_delete;
"#;

const POSTGRES_UP: &str = r#"
CREATE FUNCTION ig_profile_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = OLD.profile_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.profile_id IS DISTINCT FROM OLD.profile_id) THEN
        UPDATE ig_profile_versions SET version = version + 1 WHERE profile_id = NEW.profile_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION ig_profile_version_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ig_profile_versions (profile_id, version) VALUES (NEW.id, 0)
        ON CONFLICT (profile_id) DO NOTHING;
    ELSE
        DELETE FROM ig_profile_versions WHERE profile_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ig_profiles_version AFTER INSERT OR DELETE ON ig_profiles
FOR EACH ROW EXECUTE FUNCTION ig_profile_version_keep();
CREATE TRIGGER ig_posts_data_version AFTER INSERT OR UPDATE OR DELETE ON ig_posts
FOR EACH ROW EXECUTE FUNCTION ig_profile_version_bump();
CREATE TRIGGER ig_profile_snapshots_version AFTER INSERT OR UPDATE OR DELETE ON ig_profile_snapshots
FOR EACH ROW EXECUTE FUNCTION ig_profile_version_bump();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS ig_profiles_version ON ig_profiles;
DROP TRIGGER IF EXISTS ig_posts_data_version ON ig_posts;
DROP TRIGGER IF EXISTS ig_profile_snapshots_version ON ig_profile_snapshots;
DROP FUNCTION IF EXISTS ig_profile_version_bump();
DROP FUNCTION IF EXISTS ig_profile_version_keep();
"#;

const BACKFILL: &str =
    "INSERT INTO ig_profile_versions (profile_id, version) SELECT id, 0 FROM ig_profiles";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IgProfileVersions::Table)
                // No foreign key: the row leaves with its profile through a trigger, and the
                // posts' cascade may raise it midway (a key would refuse that on SQLite).
                .col(pk_uuid(IgProfileVersions::ProfileId))
                .col(big_integer(IgProfileVersions::Version))
                .take(),
        )
        .await?;
        let conn = m.get_connection();
        let up = match m.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        conn.execute_unprepared(up).await?;
        conn.execute_unprepared(BACKFILL).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let down = match m.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        m.get_connection().execute_unprepared(down).await?;
        m.drop_table(Table::drop().table(IgProfileVersions::Table).to_owned())
            .await
    }
}
