//! `growthdeck backup PATH`: a consistent snapshot of the SQLite database (`VACUUM INTO`
//! reads one transaction's view, so the server may keep running).

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
    let target = path.to_string_lossy().replace('\'', "''");
    database
        .execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes)", path.display());
    Ok(())
}
