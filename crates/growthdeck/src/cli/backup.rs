//! `growthdeck backup PATH`: a consistent snapshot of the SQLite database (`VACUUM INTO`
//! reads one transaction's view, so the server may keep running), readable by its owner only.

use platform::Config;
use sea_orm::ConnectionTrait;

pub async fn run(config: Config, path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file", path.display());
    }
    let database = platform::db::connect(&config).await?;
    if !platform::db::is_sqlite(&database) {
        anyhow::bail!(
            "backup snapshots the SQLite database; on PostgreSQL use pg_dump (see docs/operations.md)"
        );
    }
    // `VACUUM INTO` fills an empty file: made first, it keeps the private mode (0600) a
    // backup of the database must have (SQLite would create it 0644 under the usual umask).
    platform::db::private_new_file(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    let target = path.to_string_lossy().replace('\'', "''");
    if let Err(e) = database
        .execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
    {
        let _ = std::fs::remove_file(path);
        return Err(e.into());
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes)", path.display());
    Ok(())
}
