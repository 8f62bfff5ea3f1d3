//! Platform-wide key/value settings (`platform_settings`): small first-run state, and the
//! *system settings* a super admin edits in the back office.
//!
//! System settings are one declared list ([`SYSTEM_SETTINGS`]): each names its group, whether
//! it is a secret, how a value is checked and how its configuration default is read. A saved
//! value (row `system.<key>`) wins over the configuration; clearing it brings the configured
//! value back. Secrets are sealed with the platform key (purpose `setting:<key>`), so a copied
//! database alone does not give them away, and nothing here logs a value.
//!
//! Consumers read the *effective* value through [`SystemSettings`], a cache in `AppState`:
//! it is re-read from the database at most every [`REFRESH_EVERY`] (so every node of a
//! scaled-out deployment converges without a restart) and at once on the node that saved.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, Set, entity::prelude::*, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};

use crate::{config::Config, crypto::Keyring, error::Result};

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

// ---- the declared system settings -----------------------------------------------------------

/// Row keys of system settings start with this, so they never collide with other state.
pub const SYSTEM_PREFIX: &str = "system.";
/// How stale a node's view of the saved settings may get.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

pub const PLATFORM_NAME: &str = "platform_name";
pub const SUPPORT_EMAIL: &str = "support_email";
pub const DEFAULT_AI_MODEL: &str = "default_ai_model";
pub const OPENAI_BASE_URL: &str = "openai_base_url";
pub const OPENAI_API_KEY: &str = "openai_api_key";
pub const STRIPE_PUBLISHABLE_KEY: &str = "stripe_publishable_key";
pub const STRIPE_SECRET_KEY: &str = "stripe_secret_key";
pub const STRIPE_WEBHOOK_SECRET: &str = "stripe_webhook_secret";
pub const MAIL_FROM: &str = "mail_from";
pub const SMTP_URL: &str = "smtp_url";
pub const RESEND_API_KEY: &str = "resend_api_key";
pub const META_APP_ID: &str = "meta_app_id";
pub const META_APP_SECRET: &str = "meta_app_secret";
pub const APIFY_TOKEN: &str = "apify_token";
pub const MANYCHAT_API_KEY: &str = "manychat_api_key";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingGroup {
    General,
    Ai,
    Stripe,
    Mail,
    Meta,
    Apify,
    Manychat,
}

impl SettingGroup {
    pub const ALL: [SettingGroup; 7] = [
        SettingGroup::General,
        SettingGroup::Ai,
        SettingGroup::Stripe,
        SettingGroup::Mail,
        SettingGroup::Meta,
        SettingGroup::Apify,
        SettingGroup::Manychat,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SettingGroup::General => "general",
            SettingGroup::Ai => "ai",
            SettingGroup::Stripe => "stripe",
            SettingGroup::Mail => "mail",
            SettingGroup::Meta => "meta",
            SettingGroup::Apify => "apify",
            SettingGroup::Manychat => "manychat",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SettingGroup::General => "General",
            SettingGroup::Ai => "AI",
            SettingGroup::Stripe => "Stripe",
            SettingGroup::Mail => "Mail",
            SettingGroup::Meta => "Meta",
            SettingGroup::Apify => "Apify",
            SettingGroup::Manychat => "Manychat",
        }
    }
}

/// Where an effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// Saved in the back office (overrides the configuration).
    Saved,
    /// The configuration (file, environment or built-in default); may be unset.
    Config,
}

/// How a value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text on one line.
    Text,
    Email,
    /// `http://` or `https://` with a host.
    HttpUrl,
    /// `smtp://…` or `smtps://…` that the mailer can use.
    SmtpUrl,
    /// `Name <address>` or a bare address.
    Mailbox,
    /// A key, token or name: no spaces.
    Token,
    Digits,
}

/// One system setting.
pub struct SystemSetting {
    pub key: &'static str,
    pub label: &'static str,
    pub group: SettingGroup,
    /// Stored encrypted, shown masked, never returned.
    pub secret: bool,
    pub hint: &'static str,
    kind: Kind,
    max_len: usize,
    /// Vendor key formats the value must start with (empty: any). Stripe's prefixes tell a
    /// secret key from a publishable one, so a secret is never put where browsers see it.
    prefixes: &'static [&'static str],
    config_default: fn(&Config) -> Option<String>,
}

impl std::fmt::Debug for SystemSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemSetting")
            .field("key", &self.key)
            .finish()
    }
}

impl SystemSetting {
    /// The configured value (file, environment or built-in default).
    pub fn config_value(&self, config: &Config) -> Option<String> {
        (self.config_default)(config).filter(|v| !v.is_empty())
    }

    /// The row key in `platform_settings`.
    pub fn row_key(&self) -> String {
        format!("{SYSTEM_PREFIX}{}", self.key)
    }

    /// The encryption purpose of a secret's value: a ciphertext moved to another key does not open.
    pub fn purpose(&self) -> String {
        format!("setting:{}", self.key)
    }

    /// The value as stored (trimmed), or what is wrong with it.
    pub fn validate(&self, raw: &str) -> std::result::Result<String, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(format!("{} cannot be empty", self.label));
        }
        if value.chars().count() > self.max_len {
            return Err(format!(
                "{} is longer than {} characters",
                self.label, self.max_len
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(format!("{} must be on one line", self.label));
        }
        if !self.prefixes.is_empty() && !self.prefixes.iter().any(|p| value.starts_with(p)) {
            return Err(format!(
                "{} starts with {}",
                self.label,
                self.prefixes.join(" or ")
            ));
        }
        match self.kind {
            Kind::Text => {}
            Kind::Token => {
                if value.chars().any(char::is_whitespace) {
                    return Err(format!("{} cannot contain spaces", self.label));
                }
            }
            Kind::Digits => {
                if !value.chars().all(|c| c.is_ascii_digit()) {
                    return Err(format!("{} is a number", self.label));
                }
            }
            Kind::Email => {
                if !email_address::EmailAddress::is_valid(value) {
                    return Err("Enter a valid email address".into());
                }
            }
            Kind::Mailbox => {
                if value.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(
                        "Enter an address, or a name and address: Growthdeck <no-reply@example.com>"
                            .into(),
                    );
                }
            }
            Kind::HttpUrl => check_http_url(value).map_err(|m| format!("{}: {m}", self.label))?,
            Kind::SmtpUrl => check_smtp_url(value)?,
        }
        Ok(value.to_string())
    }
}

/// An `http(s)://` URL with a host (base URLs of outside APIs).
pub fn check_http_url(value: &str) -> std::result::Result<(), String> {
    let url = url::Url::parse(value).map_err(|_| "enter a full URL, e.g. https://…".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the URL must start with https:// or http://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL needs a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the URL cannot have a query or fragment".into());
    }
    Ok(())
}

/// An SMTP URL the mailer accepts. The messages never repeat the URL: it holds a password.
fn check_smtp_url(value: &str) -> std::result::Result<(), String> {
    let url = url::Url::parse(value).map_err(|_| {
        "Enter an SMTP URL: smtps://user:password@host:465 or smtp://host:25".to_string()
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err("The SMTP URL starts with smtp:// or smtps://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The SMTP URL needs a host".into());
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(value).map_err(|_| {
        "The SMTP URL is not usable (for STARTTLS add ?tls=required, for TLS use smtps://)"
            .to_string()
    })?;
    Ok(())
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// Every system setting, in the order the back office shows them.
pub const SYSTEM_SETTINGS: &[SystemSetting] = &[
    SystemSetting {
        key: PLATFORM_NAME,
        label: "Platform name",
        group: SettingGroup::General,
        secret: false,
        hint: "Shown in the page header, page titles and mail subjects.",
        kind: Kind::Text,
        max_len: 60,
        prefixes: &[],
        config_default: |c| some(&c.platform_name),
    },
    SystemSetting {
        key: SUPPORT_EMAIL,
        label: "Support email",
        group: SettingGroup::General,
        secret: false,
        hint: "Where customers are told to write for help.",
        kind: Kind::Email,
        max_len: 254,
        prefixes: &[],
        config_default: |c| c.support_email.clone(),
    },
    SystemSetting {
        key: DEFAULT_AI_MODEL,
        label: "Default AI model",
        group: SettingGroup::Ai,
        secret: false,
        hint: "The model used when a feature does not choose one, e.g. gpt-4o-mini.",
        kind: Kind::Token,
        max_len: 100,
        prefixes: &[],
        config_default: |c| some(&c.default_ai_model),
    },
    SystemSetting {
        key: OPENAI_BASE_URL,
        label: "OpenAI-compatible base URL",
        group: SettingGroup::Ai,
        secret: false,
        hint: "The API base that /models and /chat/completions are under, e.g. https://api.openai.com/v1.",
        kind: Kind::HttpUrl,
        max_len: 500,
        prefixes: &[],
        config_default: |c| some(&c.openai_base_url),
    },
    SystemSetting {
        key: OPENAI_API_KEY,
        label: "OpenAI-compatible API key",
        group: SettingGroup::Ai,
        secret: true,
        hint: "Sent as a bearer token to the base URL above.",
        kind: Kind::Token,
        max_len: 500,
        prefixes: &[],
        config_default: |c| c.openai_api_key.clone(),
    },
    SystemSetting {
        key: STRIPE_PUBLISHABLE_KEY,
        label: "Stripe publishable key",
        group: SettingGroup::Stripe,
        secret: false,
        hint: "pk_live_… or pk_test_…; the only Stripe key browsers see.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &["pk_"],
        config_default: |c| c.stripe_publishable_key.clone(),
    },
    SystemSetting {
        key: STRIPE_SECRET_KEY,
        label: "Stripe secret key",
        group: SettingGroup::Stripe,
        secret: true,
        hint: "sk_… or a restricted key rk_….",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &["sk_", "rk_"],
        config_default: |c| c.stripe_secret_key.clone(),
    },
    SystemSetting {
        key: STRIPE_WEBHOOK_SECRET,
        label: "Stripe webhook signing secret",
        group: SettingGroup::Stripe,
        secret: true,
        hint: "whsec_… from the webhook endpoint in Stripe's dashboard.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &["whsec_"],
        config_default: |c| c.stripe_webhook_secret.clone(),
    },
    SystemSetting {
        key: MAIL_FROM,
        label: "Sender",
        group: SettingGroup::Mail,
        secret: false,
        hint: "From address of outgoing mail, e.g. Growthdeck <no-reply@example.com>.",
        kind: Kind::Mailbox,
        max_len: 300,
        prefixes: &[],
        config_default: |c| some(&c.mail_from),
    },
    SystemSetting {
        key: SMTP_URL,
        label: "SMTP URL",
        group: SettingGroup::Mail,
        secret: true,
        hint: "smtps://user:password@host:465 (TLS), smtp://user:password@host:587?tls=required (STARTTLS) or smtp://host:25. Used before Resend when both are set.",
        kind: Kind::SmtpUrl,
        max_len: 1000,
        prefixes: &[],
        config_default: |c| c.smtp_url.clone(),
    },
    SystemSetting {
        key: RESEND_API_KEY,
        label: "Resend API key",
        group: SettingGroup::Mail,
        secret: true,
        hint: "re_…; mail goes through Resend's API when no SMTP URL is set.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &[],
        config_default: |c| c.resend_api_key.clone(),
    },
    SystemSetting {
        key: META_APP_ID,
        label: "Meta app ID",
        group: SettingGroup::Meta,
        secret: false,
        hint: "The numeric app ID from Meta's developer dashboard.",
        kind: Kind::Digits,
        max_len: 32,
        prefixes: &[],
        config_default: |c| c.meta_app_id.clone(),
    },
    SystemSetting {
        key: META_APP_SECRET,
        label: "Meta app secret",
        group: SettingGroup::Meta,
        secret: true,
        hint: "Signs webhook payloads and exchanges tokens.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &[],
        config_default: |c| c.meta_app_secret.clone(),
    },
    SystemSetting {
        key: APIFY_TOKEN,
        label: "Apify API token",
        group: SettingGroup::Apify,
        secret: true,
        hint: "apify_api_… from Apify's Settings → Integrations.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &[],
        config_default: |c| c.apify_token.clone(),
    },
    SystemSetting {
        key: MANYCHAT_API_KEY,
        label: "Manychat API key",
        group: SettingGroup::Manychat,
        secret: true,
        hint: "<page id>:<key> from Manychat's Settings → API.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &[],
        config_default: |c| c.manychat_api_key.clone(),
    },
];

/// The declared setting named `key`.
pub fn system_setting(key: &str) -> Option<&'static SystemSetting> {
    SYSTEM_SETTINGS.iter().find(|s| s.key == key)
}

/// A secret as the back office shows it: its last four characters, so two secrets can be
/// told apart; short secrets show nothing.
pub fn mask_secret(secret: &str) -> String {
    let count = secret.chars().count();
    if count <= 8 {
        return "••••".into();
    }
    let tail: String = secret.chars().skip(count - 4).collect();
    format!("••••{tail}")
}

/// Saves a (validated) value of a system setting, sealing secrets.
pub async fn save_system(
    conn: &impl ConnectionTrait,
    keys: &Keyring,
    setting: &SystemSetting,
    value: &str,
) -> Result<()> {
    let stored = if setting.secret {
        keys.encrypt_str(&setting.purpose(), value)
            .map_err(crate::Error::internal)?
    } else {
        value.to_string()
    };
    set(conn, &setting.row_key(), &stored).await
}

/// Removes the saved value of a system setting; the configuration applies again.
pub async fn clear_system(conn: &impl ConnectionTrait, setting: &SystemSetting) -> Result<bool> {
    delete(conn, &setting.row_key()).await
}

// ---- the runtime view -----------------------------------------------------------------------

/// A saved value (secrets opened).
#[derive(Clone)]
struct Saved {
    value: String,
    updated_at: DateTime<Utc>,
}

#[derive(Default)]
struct Snapshot {
    loaded_at: Option<Instant>,
    saved: HashMap<&'static str, Saved>,
}

/// One setting's effective value, for the back office. `Debug` never prints a secret.
#[derive(Clone)]
pub struct Effective {
    pub setting: &'static SystemSetting,
    /// Plain text, secrets included: mask before showing ([`mask_secret`]).
    pub value: Option<String>,
    pub source: SettingSource,
    /// When the saved value was written (`None` for configuration).
    pub updated_at: Option<DateTime<Utc>>,
    /// What applies once the saved value is cleared (plain text, secrets included).
    pub config_value: Option<String>,
}

impl std::fmt::Debug for Effective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| match v {
            Some(v) if self.setting.secret => Some(mask_secret(v)),
            other => other.clone(),
        };
        f.debug_struct("Effective")
            .field("key", &self.setting.key)
            .field("value", &shown(&self.value))
            .field("source", &self.source)
            .finish()
    }
}

/// The effective system settings of this node: saved values over the configuration, cached
/// and refreshed from the database (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct SystemSettings {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<Config>,
    db: DatabaseConnection,
    keys: Arc<Keyring>,
    max_age: Duration,
    snapshot: RwLock<Arc<Snapshot>>,
    /// One reload at a time; callers arriving meanwhile use the values they have.
    reloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SystemSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemSettings")
            .field("saved", &self.snapshot().saved.len())
            .finish()
    }
}

impl SystemSettings {
    /// A view that has not read the database yet (configuration only until [`Self::reload`]).
    pub fn new(config: Arc<Config>, db: DatabaseConnection, keys: Arc<Keyring>) -> Self {
        Self::with_max_age(config, db, keys, REFRESH_EVERY)
    }

    /// Like [`Self::new`] with another refresh period (tests of convergence across nodes).
    pub fn with_max_age(
        config: Arc<Config>,
        db: DatabaseConnection,
        keys: Arc<Keyring>,
        max_age: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                db,
                keys,
                max_age,
                snapshot: RwLock::new(Arc::new(Snapshot::default())),
                reloading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.inner.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, snapshot: Snapshot) {
        let mut slot = match self.inner.snapshot.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Arc::new(snapshot);
    }

    fn is_stale(&self) -> bool {
        self.snapshot()
            .loaded_at
            .is_none_or(|at| at.elapsed() >= self.inner.max_age)
    }

    /// Reads every saved system setting now (after a save, and for the back office's page).
    pub async fn reload(&self) -> Result<()> {
        let _one = self.inner.reloading.lock().await;
        self.load().await
    }

    async fn load(&self) -> Result<()> {
        let rows = entity::Entity::find()
            .filter(entity::Column::Key.starts_with(SYSTEM_PREFIX))
            .all(&self.inner.db)
            .await?;
        let mut saved = HashMap::new();
        for row in rows {
            let Some(setting) = row.key.strip_prefix(SYSTEM_PREFIX).and_then(system_setting) else {
                continue;
            };
            let value = if setting.secret {
                match self.inner.keys.decrypt_str(&setting.purpose(), &row.value) {
                    Ok(v) => v,
                    Err(e) => {
                        // Sealed with a key this node does not have: the configuration applies
                        // until a super admin saves the secret again.
                        tracing::warn!(setting = setting.key, error = %e, "saved secret does not open; using the configured value");
                        continue;
                    }
                }
            } else {
                row.value
            };
            saved.insert(
                setting.key,
                Saved {
                    value,
                    updated_at: row.updated_at,
                },
            );
        }
        self.replace(Snapshot {
            loaded_at: Some(Instant::now()),
            saved,
        });
        Ok(())
    }

    /// Reloads when the view is older than the refresh period. A failed read keeps the values
    /// it had (and tries again after another period) rather than failing the caller.
    pub async fn refresh_if_stale(&self) {
        if !self.is_stale() {
            return;
        }
        let Ok(_one) = self.inner.reloading.try_lock() else {
            return;
        };
        if !self.is_stale() {
            return;
        }
        if let Err(e) = self.load().await {
            tracing::warn!(error = %e, "reading system settings failed; keeping the previous values");
            let previous = self.snapshot();
            self.replace(Snapshot {
                loaded_at: Some(Instant::now()),
                saved: previous.saved.clone(),
            });
        }
    }

    /// The effective value now, without touching the database (what the last refresh saw).
    pub fn cached(&self, key: &str) -> Option<String> {
        let setting = system_setting(key)?;
        match self.snapshot().saved.get(setting.key) {
            Some(saved) => Some(saved.value.clone()),
            None => setting.config_value(&self.inner.config),
        }
    }

    /// The effective value, refreshed first when stale.
    pub async fn get(&self, key: &str) -> Option<String> {
        self.refresh_if_stale().await;
        self.cached(key)
    }

    /// Every setting with its effective value and source, in declared order.
    pub fn entries(&self) -> Vec<Effective> {
        let snapshot = self.snapshot();
        SYSTEM_SETTINGS
            .iter()
            .map(|setting| {
                let config_value = setting.config_value(&self.inner.config);
                match snapshot.saved.get(setting.key) {
                    Some(saved) => Effective {
                        setting,
                        value: Some(saved.value.clone()),
                        source: SettingSource::Saved,
                        updated_at: Some(saved.updated_at),
                        config_value,
                    },
                    None => Effective {
                        setting,
                        value: config_value.clone(),
                        source: SettingSource::Config,
                        updated_at: None,
                        config_value,
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            STRIPE_PUBLISHABLE_KEY,
            STRIPE_SECRET_KEY,
            STRIPE_WEBHOOK_SECRET,
            MAIL_FROM,
            SMTP_URL,
            RESEND_API_KEY,
            META_APP_ID,
            META_APP_SECRET,
            APIFY_TOKEN,
            MANYCHAT_API_KEY,
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
        assert!(get(STRIPE_SECRET_KEY).validate("sk_test_123").is_ok());
        assert!(get(STRIPE_SECRET_KEY).validate("pk_test_123").is_err());
        assert!(get(STRIPE_PUBLISHABLE_KEY).validate("sk_live_123").is_err());
        assert!(get(STRIPE_WEBHOOK_SECRET).validate("whsec_abc").is_ok());
        assert!(get(META_APP_ID).validate("1234567890").is_ok());
        assert!(get(META_APP_ID).validate("12ab").is_err());
        assert!(get(APIFY_TOKEN).validate("has space").is_err());
    }

    #[test]
    fn masks_keep_the_last_four_of_long_secrets_only() {
        assert_eq!(mask_secret("sk_test_abcdefgh1234"), "••••1234");
        assert_eq!(mask_secret("short"), "••••");
        assert_eq!(mask_secret("12345678"), "••••");
    }
}
