//! Platform-wide key/value settings (`platform_settings`): small first-run state, and the
//! *system settings* a super admin edits in the back office.
//!
//! System settings are declared lists (platform's [`SYSTEM_SETTINGS`], and each feature's through
//! `Feature::settings`, joined by [`declare`]): each names its group, whether
//! it is a secret, how a value is checked and how its configuration default is read. A saved
//! value (row `system.<key>`) wins over the configuration; clearing it brings the configured
//! value back. Secrets are sealed with the platform key (purpose `setting:<key>`), so a copied
//! database alone does not give them away, and nothing here logs a value.
//!
//! Consumers read the *effective* value through [`SystemSettings`], a cache in `AppState`:
//! it is re-read from the database at most every [`REFRESH_EVERY`] (so every node of a
//! scaled-out deployment converges without a restart) and at once on the node that saved.

mod declared;
pub mod integration;
mod runtime;

pub use declared::*;
pub use runtime::*;

use sea_orm::{ConnectionTrait, Set, entity::prelude::*, sea_query::OnConflict};

use crate::error::Result;
pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "platform_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>> {
    Ok(entity::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
        .map(|m| m.value))
}

pub async fn set(conn: &impl ConnectionTrait, key: &str, value: &str) -> Result<()> {
    entity::Entity::insert(entity::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.to_string()),
        updated_at: Set(crate::db::now()),
    })
    .on_conflict(
        OnConflict::column(entity::Column::Key)
            .update_columns([entity::Column::Value, entity::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// Removes a key; `true` when there was one.
pub async fn delete(conn: &impl ConnectionTrait, key: &str) -> Result<bool> {
    let result = entity::Entity::delete_by_id(key.to_string())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system_setting(key: &str) -> Option<&'static SystemSetting> {
        SYSTEM_SETTINGS.iter().find(|s| s.key == key)
    }

    #[test]
    fn keys_are_declared_once_and_consumers_name_declared_keys() {
        let mut keys: Vec<&str> = SYSTEM_SETTINGS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "duplicate key");
        for key in [
            PLATFORM_NAME,
            SUPPORT_EMAIL,
            DEFAULT_AI_MODEL,
            OPENAI_BASE_URL,
            OPENAI_API_KEY,
            MAIL_FROM,
            SMTP_URL,
            RESEND_API_KEY,
        ] {
            assert!(system_setting(key).is_some(), "{key}");
        }
        // Every secret setting is also a secret of the configuration (masked by `config check`,
        // readable from *_FILE).
        for s in SYSTEM_SETTINGS.iter().filter(|s| s.secret) {
            assert!(crate::config::SECRET_KEYS.contains(&s.key), "{}", s.key);
        }
    }

    #[test]
    fn values_are_checked() {
        let get = |k| system_setting(k).unwrap();
        assert_eq!(
            get(PLATFORM_NAME).validate("  Acme Growth ").unwrap(),
            "Acme Growth"
        );
        assert!(get(PLATFORM_NAME).validate("").is_err());
        assert!(get(PLATFORM_NAME).validate(&"x".repeat(61)).is_err());
        assert!(get(PLATFORM_NAME).validate("two\nlines").is_err());
        assert!(get(SUPPORT_EMAIL).validate("help@example.com").is_ok());
        assert!(get(SUPPORT_EMAIL).validate("not an email").is_err());
        assert!(
            get(OPENAI_BASE_URL)
                .validate("https://llm.local/v1")
                .is_ok()
        );
        assert!(get(OPENAI_BASE_URL).validate("ftp://llm.local").is_err());
        assert!(get(OPENAI_BASE_URL).validate("llm.local/v1").is_err());
        assert!(
            get(SMTP_URL)
                .validate("smtps://u:p@mail.example.com:465")
                .is_ok()
        );
        assert!(
            get(SMTP_URL)
                .validate("smtp://mail.example.com:587?tls=required")
                .is_ok()
        );
        let wrong = get(SMTP_URL)
            .validate("https://u:hunter2@mail.example.com")
            .unwrap_err();
        assert!(!wrong.contains("hunter2"), "the message never repeats it");
        assert!(get(SMTP_URL).validate("smtp://mail:25?tls=bogus").is_err());
        assert!(get(MAIL_FROM).validate("Acme <no-reply@acme.test>").is_ok());
        assert!(get(MAIL_FROM).validate("Acme no-reply").is_err());
    }

    #[test]
    fn masks_keep_the_last_four_of_long_secrets_only() {
        assert_eq!(mask_secret("sk_test_abcdefgh1234"), "••••1234");
        assert_eq!(mask_secret("short"), "••••");
        assert_eq!(mask_secret("12345678"), "••••");
    }
}
