//! The declared system settings: keys, groups, checks, configuration defaults, and how a
//! saved value is written (sealed when secret).

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::{config::Config, crypto::Keyring, error::Result};

use super::{delete, set};

/// Row keys of system settings start with this, so they never collide with other state.
pub const SYSTEM_PREFIX: &str = "system.";
/// How stale a node's view of the saved settings may get.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

pub const PLATFORM_NAME: &str = "platform_name";
pub const SUPPORT_EMAIL: &str = "support_email";
pub const DEFAULT_AI_MODEL: &str = "default_ai_model";
pub const OPENAI_BASE_URL: &str = "openai_base_url";
pub const OPENAI_API_KEY: &str = "openai_api_key";
pub const MAIL_FROM: &str = "mail_from";
pub const SMTP_URL: &str = "smtp_url";
pub const RESEND_API_KEY: &str = "resend_api_key";

/// A group of system settings as `/admin/settings` shows it (a block with its fields, set-up
/// steps and test buttons). Platform declares its own groups here; a feature declares its
/// own as a constant beside its settings (billing's `STRIPE`), so this list names no feature.
/// Groups are shown in `order`; their id is the page anchor (`#group-stripe`) and the API's
/// `group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingGroup {
    id: &'static str,
    label: &'static str,
    order: u16,
}

impl SettingGroup {
    pub const fn new(id: &'static str, label: &'static str, order: u16) -> Self {
        Self { id, label, order }
    }

    pub const GENERAL: SettingGroup = SettingGroup::new("general", "General", 10);
    pub const AI: SettingGroup = SettingGroup::new("ai", "AI", 20);
    pub const MAIL: SettingGroup = SettingGroup::new("mail", "Mail", 40);

    pub fn as_str(&self) -> &'static str {
        self.id
    }

    pub fn label(&self) -> &'static str {
        self.label
    }

    pub fn order(&self) -> u16 {
        self.order
    }
}

impl Serialize for SettingGroup {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

impl utoipa::PartialSchema for SettingGroup {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "The settings group: general, ai, mail, and the groups of the mounted features (stripe, meta, apify, manychat).",
            ))
            .examples(["stripe"])
            .into()
    }
}

impl utoipa::ToSchema for SettingGroup {}

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
    /// For a base URL: the secrets sent to it. Changing the URL clears them (they are entered
    /// again with the new URL), and a configured secret is never sent to a URL saved here.
    pub sends: &'static [&'static str],
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
    /// A key, token or name (no spaces, at most 255 characters) a feature declares; its
    /// configured value is `config_default`'s.
    pub const fn token(
        key: &'static str,
        label: &'static str,
        group: SettingGroup,
        hint: &'static str,
        config_default: fn(&Config) -> Option<String>,
    ) -> Self {
        Self {
            key,
            label,
            group,
            secret: false,
            hint,
            kind: Kind::Token,
            max_len: 255,
            prefixes: &[],
            sends: &[],
            config_default,
        }
    }

    /// Stored encrypted, shown masked, never returned.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Only digits, at most `max_len` of them (numeric app ids).
    pub const fn digits(mut self, max_len: usize) -> Self {
        self.kind = Kind::Digits;
        self.max_len = max_len;
        self
    }

    /// Vendor key formats the value must start with.
    pub const fn prefixes(mut self, prefixes: &'static [&'static str]) -> Self {
        self.prefixes = prefixes;
        self
    }

    /// The configured value (file, environment or built-in default).
    pub fn config_value(&self, config: &Config) -> Option<String> {
        (self.config_default)(config).filter(|v| !v.is_empty())
    }

    /// The longest value accepted (the form's `maxlength`).
    pub fn max_len(&self) -> usize {
        self.max_len
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

/// Platform's own system settings, in the order the back office shows them (features declare
/// theirs through `Feature::settings`; [`SystemSettings::declared`] holds them all).
pub const SYSTEM_SETTINGS: &[SystemSetting] = &[
    SystemSetting {
        key: PLATFORM_NAME,
        label: "Platform name",
        group: SettingGroup::GENERAL,
        secret: false,
        hint: "Shown in the page header, page titles and mail subjects.",
        kind: Kind::Text,
        max_len: 60,
        prefixes: &[],
        sends: &[],
        config_default: |c| some(&c.platform_name),
    },
    SystemSetting {
        key: SUPPORT_EMAIL,
        label: "Support email",
        group: SettingGroup::GENERAL,
        secret: false,
        hint: "Where customers are told to write for help.",
        kind: Kind::Email,
        max_len: 254,
        prefixes: &[],
        sends: &[],
        config_default: |c| c.support_email.clone(),
    },
    SystemSetting {
        key: DEFAULT_AI_MODEL,
        label: "Default AI model",
        group: SettingGroup::AI,
        secret: false,
        hint: "The model used when a feature does not choose one, e.g. gpt-4o-mini.",
        kind: Kind::Token,
        max_len: 100,
        prefixes: &[],
        sends: &[],
        config_default: |c| some(&c.default_ai_model),
    },
    SystemSetting {
        key: OPENAI_BASE_URL,
        label: "OpenAI-compatible base URL",
        group: SettingGroup::AI,
        secret: false,
        hint: "The API base that /models and /chat/completions are under, e.g. https://api.openai.com/v1. Changing it clears the saved API key: enter the key again with the new URL.",
        kind: Kind::HttpUrl,
        max_len: 500,
        prefixes: &[],
        sends: &[OPENAI_API_KEY],
        config_default: |c| some(&c.openai_base_url),
    },
    SystemSetting {
        key: OPENAI_API_KEY,
        label: "OpenAI-compatible API key",
        group: SettingGroup::AI,
        secret: true,
        hint: "Sent as a bearer token to the base URL above.",
        kind: Kind::Token,
        max_len: 500,
        prefixes: &[],
        sends: &[],
        config_default: |c| c.openai_api_key.clone(),
    },
    SystemSetting {
        key: MAIL_FROM,
        label: "Sender",
        group: SettingGroup::MAIL,
        secret: false,
        hint: "From address of outgoing mail, e.g. Growthdeck <no-reply@example.com>.",
        kind: Kind::Mailbox,
        max_len: 300,
        prefixes: &[],
        sends: &[],
        config_default: |c| some(&c.mail_from),
    },
    SystemSetting {
        key: SMTP_URL,
        label: "SMTP URL",
        group: SettingGroup::MAIL,
        secret: true,
        hint: "smtps://user:password@host:465 (TLS), smtp://user:password@host:587?tls=required (STARTTLS) or smtp://host:25. Used before Resend when both are set.",
        kind: Kind::SmtpUrl,
        max_len: 1000,
        prefixes: &[],
        sends: &[],
        config_default: |c| c.smtp_url.clone(),
    },
    SystemSetting {
        key: RESEND_API_KEY,
        label: "Resend API key",
        group: SettingGroup::MAIL,
        secret: true,
        hint: "re_…; mail goes through Resend's API when no SMTP URL is set.",
        kind: Kind::Token,
        max_len: 255,
        prefixes: &[],
        sends: &[],
        config_default: |c| c.resend_api_key.clone(),
    },
];

/// Platform's settings and the features' in one list, each group's together in group order
/// (within a group: platform's, then the features' in feature order).
pub fn declare(
    features: impl IntoIterator<Item = &'static SystemSetting>,
) -> Vec<&'static SystemSetting> {
    let mut all: Vec<&'static SystemSetting> = SYSTEM_SETTINGS.iter().chain(features).collect();
    all.sort_by_key(|s| s.group.order());
    all
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
