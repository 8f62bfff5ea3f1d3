//! A fresh PostgreSQL database for one bench run, made from an admin URL and dropped after.

use anyhow::Result;
use sea_orm::{ConnectionTrait, DatabaseConnection};

pub struct ScratchDb {
    admin: DatabaseConnection,
    name: String,
    /// The new database's URL.
    pub url: String,
}

impl ScratchDb {
    pub async fn create(admin_url: &str) -> Result<Self> {
        let admin = platform::db::connect_url(admin_url, 2).await?;
        let name = format!("gd_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(ScratchDb {
            admin,
            name,
            url: url.to_string(),
        })
    }

    /// Drops the database (closing whatever still uses it).
    pub async fn drop(self) -> Result<()> {
        self.admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await?;
        Ok(())
    }
}
