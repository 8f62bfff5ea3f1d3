//! Configuration: defaults < `growthdeck.toml` < `GROWTHDECK_*` environment variables.
//!
//! Every key has the same name in the TOML file as in the environment, lower-cased and without
//! the prefix (`GROWTHDECK_PUBLIC_URL` ⇔ `public_url = "…"`). Secrets may also be read from a file
//! named by `<KEY>_FILE` (e.g. `GROWTHDECK_SMTP_URL_FILE=/run/secrets/smtp`), as container
//! platforms mount them.
//!
//! Platform's own keys are the fields of [`Config`]; a feature declares its keys itself
//! ([`ConfigKey`], registered through `Feature::config`) and reads them with [`Config::get`].

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

#[path = "config_keys.rs"]
mod keys;
pub use keys::{ConfigKey, FeatureValues, Key};

/// Platform's keys whose values are secrets (a feature marks its own: [`ConfigKey::secret`]): masked by `config check`, readable from `*_FILE`.
pub const SECRET_KEYS: &[&str] = &[
    "smtp_url",
    "oauth_google_client_secret",
    "database_url",
    "redis_url",
    "resend_api_key",
    "admin_access_code",
    "openai_api_key",
    "metrics_token",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Address of a separate listener that serves only `GET /metrics` (unset: none). Bind it
    /// to an address only the Prometheus scraper reaches.
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token that `GET /metrics` requires (on the metrics listener, and on the public
    /// one, which serves `/metrics` only when this is set). Unset: the public listener answers
    /// 404 and the metrics listener asks for nothing.
    pub metrics_token: Option<String>,
    /// Directory for the SQLite database, the platform key and backups.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `<data_dir>/growthdeck.db`.
    pub database_url: Option<String>,
    /// Base URL used in links sent by mail (and to decide on `Secure`/`__Host-` cookies and HSTS).
    pub public_url: Option<String>,
    /// `smtp://user:pass@host:port` or `smtps://…`; unset: mail stays in the outbox.
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    pub mail_from: String,
    /// `tracing` filter, e.g. `info,growthdeck=debug`.
    pub log: String,
    /// Force log format: `json` or `pretty`; default: pretty on a terminal, JSON otherwise.
    pub log_format: Option<String>,
    /// Shown in the page header and in mail.
    pub platform_name: String,
    pub oauth_google_client_id: Option<String>,
    pub oauth_google_client_secret: Option<String>,
    /// Issuer of Google's OpenID Connect discovery document (tests point this at a local server).
    pub oauth_google_issuer: String,
    pub redis_url: Option<String>,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// Maximum database connections in the pool.
    pub db_max_connections: u32,
    /// Failed attempts (sign-in, 2FA, reset) allowed per account from one client IP (or one
    /// remembered device) within the throttle window; after the fifth, each failure makes the
    /// next attempt wait longer (2 s, 4 s, 8 s …). Also the per-account limit of mailed-link
    /// requests.
    pub throttle_account_attempts: u32,
    /// Failed attempts allowed per account from all client IPs together within the window
    /// (the looser ceiling against guessing spread over many addresses).
    pub throttle_account_ceiling: u32,
    /// Failed attempts allowed per client IP within the throttle window.
    pub throttle_ip_attempts: u32,
    /// Sign-ups allowed per client IP within the throttle window.
    pub throttle_signup_attempts: u32,
    /// Length of the throttle window, in seconds.
    pub throttle_window_secs: u64,
    /// Trust `X-Forwarded-For` for the client IP (only behind your own proxy).
    pub trust_forwarded_for: bool,
    /// Job queues this node works and how many jobs of each run at once.
    pub jobs_queues: BTreeMap<String, usize>,
    /// A claimed job's lease; a worker that stops renewing it loses the job after this long.
    pub jobs_lease_secs: u64,
    /// How often idle workers look for due jobs (enqueues on this node wake them at once).
    pub jobs_poll_ms: u64,
    /// On shutdown, how long running jobs may take to finish before they are released.
    pub jobs_shutdown_grace_secs: u64,
    /// Overrides of the cron schedules declared in code: name → expression, or `"off"`.
    pub cron: BTreeMap<String, String>,
    /// Send mail through the Resend HTTP API (when no `smtp_url` is set).
    pub resend_api_key: Option<String>,
    /// Resend's API base (tests point it at a local server).
    pub resend_api_base: String,
    /// When set, staff sign-in also asks for this deployment-wide access code.
    pub admin_access_code: Option<String>,
    // Integrations. A super admin may override each of the following in the back office's
    // system settings (saved values win over these); the `*_api_base` keys are config-only.
    /// Where customers are told to write for help.
    pub support_email: Option<String>,
    /// The model used when a feature does not choose one.
    pub default_ai_model: String,
    /// Base of an OpenAI-compatible API (`…/models`, `…/chat/completions`).
    pub openai_base_url: String,
    pub openai_api_key: Option<String>,
    /// The values of the keys features declare (see [`ConfigKey`]).
    #[serde(skip)]
    pub features: FeatureValues,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            metrics_token: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            smtp_url: None,
            mail_from: "Growthdeck <no-reply@localhost>".into(),
            log: "info".into(),
            log_format: None,
            platform_name: "Growthdeck".into(),
            oauth_google_client_id: None,
            oauth_google_client_secret: None,
            oauth_google_issuer: "https://accounts.google.com".into(),
            redis_url: None,
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            db_max_connections: 10,
            throttle_account_attempts: 10,
            throttle_account_ceiling: 100,
            throttle_ip_attempts: 50,
            throttle_signup_attempts: 10,
            throttle_window_secs: 900,
            trust_forwarded_for: false,
            // Instagram refreshes run on one queue per source: their concurrency limits are
            // the per-source limits (Apify runs are slow and billed; the demo source is cheap).
            jobs_queues: BTreeMap::from([
                ("default".to_string(), 10),
                ("mail".to_string(), 4),
                ("ig_demo".to_string(), 4),
                ("ig_apify".to_string(), 2),
                ("ig_graph".to_string(), 4),
            ]),
            jobs_lease_secs: 30,
            jobs_poll_ms: 250,
            jobs_shutdown_grace_secs: 20,
            cron: BTreeMap::new(),
            resend_api_key: None,
            resend_api_base: "https://api.resend.com".into(),
            admin_access_code: None,
            support_email: None,
            default_ai_model: "gpt-4o-mini".into(),
            openai_base_url: "https://api.openai.com/v1".into(),
            openai_api_key: None,
            features: FeatureValues::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration: cannot read {path}: {source}")]
    SecretFile {
        path: String,
        source: std::io::Error,
    },
}

impl Config {
    /// Loads defaults < TOML file (`GROWTHDECK_CONFIG` or `./growthdeck.toml`) < environment,
    /// platform's keys only.
    pub fn load() -> Result<Self, ConfigError> {
        Ok(Self::load_with_warnings()?.0)
    }

    /// Like [`Config::load`], also naming keys it did not recognise (a typo in the TOML file or
    /// an unknown `GROWTHDECK_*` variable), which the binary logs as warnings.
    pub fn load_with_warnings() -> Result<(Self, Vec<String>), ConfigError> {
        Self::load_declared(&[])
    }

    /// Loads platform's keys and the keys the features declare (`Feature::config`), naming the
    /// keys none of them declares.
    pub fn load_declared(declared: &[ConfigKey]) -> Result<(Self, Vec<String>), ConfigError> {
        let file = std::env::var("GROWTHDECK_CONFIG").unwrap_or_else(|_| "growthdeck.toml".into());
        let figment = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&file))
            .merge(secret_files(declared)?)
            .merge(Env::prefixed("GROWTHDECK_").filter(|k| is_config_env_key(k.as_str())));
        let warnings = unknown_keys(&figment, &file, declared);
        Ok((Self::from_figment(figment, declared)?, warnings))
    }

    pub fn from_figment(figment: Figment, declared: &[ConfigKey]) -> Result<Self, ConfigError> {
        let mut config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        for key in declared {
            let value = key
                .read(&figment)
                .map_err(ConfigError::Invalid)?
                .unwrap_or_else(|| key.default.clone());
            config.features.insert(key, value);
        }
        for key in declared {
            key.check_relation(&config).map_err(ConfigError::Invalid)?;
        }
        Ok(config)
    }

    /// The value of a key a feature declares: configured, or the key's default.
    pub fn get<T: DeserializeOwned>(&self, key: &Key<T>) -> T {
        self.features.get(key)
    }

    /// Sets a declared key (tests, and a node built from another's configuration).
    pub fn set<T: Serialize>(&mut self, key: &Key<T>, value: T) {
        self.features.set(key, value);
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::Invalid(format!("public_url {url:?}: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError::Invalid(
                    "public_url must be http(s)://…".into(),
                ));
            }
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(
                "database_url must start with sqlite: or postgres://".into(),
            ));
        }
        for (key, url) in [
            ("openai_base_url", &self.openai_base_url),
            ("resend_api_base", &self.resend_api_base),
        ] {
            crate::settings::check_http_url(url)
                .map_err(|m| ConfigError::Invalid(format!("{key} {url:?}: {m}")))?;
        }
        if self.throttle_account_ceiling < self.throttle_account_attempts {
            return Err(ConfigError::Invalid(
                "throttle_account_ceiling must be at least throttle_account_attempts".into(),
            ));
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.len() < 16 || t.chars().any(char::is_whitespace))
        {
            return Err(ConfigError::Invalid(
                "metrics_token must be at least 16 characters without spaces".into(),
            ));
        }
        if self.body_limit_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "body_limit_bytes must be at least 1024".into(),
            ));
        }
        Ok(())
    }

    /// The database URL in effect: configured, or the SQLite file in the data directory.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("growthdeck.db").display()
            ),
        }
    }

    /// Base URL for links in mail and the first-run link.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Served over https: `__Host-` cookies with `Secure`, and HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn google_oauth_enabled(&self) -> bool {
        self.oauth_google_client_id.is_some() && self.oauth_google_client_secret.is_some()
    }

    /// The effective configuration as TOML-like lines, secrets masked (for `config check`).
    pub fn masked_lines(&self) -> Vec<String> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut all: BTreeMap<&str, (&serde_json::Value, bool)> = BTreeMap::new();
        if let Some(map) = value.as_object() {
            for (key, v) in map {
                all.insert(key, (v, SECRET_KEYS.contains(&key.as_str())));
            }
        }
        for (key, v, secret) in self.features.entries() {
            all.insert(key, (v, secret));
        }
        all.into_iter()
            .map(|(key, (v, secret))| {
                let shown = match v {
                    serde_json::Value::Null => "(unset)".to_string(),
                    _ if secret => mask(&v.to_string()),
                    other => other.to_string(),
                };
                format!("{key} = {shown}")
            })
            .collect()
    }
}

/// Keeps the last four characters, as the admin settings do, so an operator can tell two
/// secrets apart without seeing either.
pub fn mask(secret: &str) -> String {
    let trimmed = secret.trim_matches('"');
    let tail: String = trimmed
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if trimmed.chars().count() <= 8 {
        "\"••••\"".into()
    } else {
        format!("\"••••{tail}\"")
    }
}

/// Environment keys that are not configuration: the config file path, `*_FILE` indirections
/// and the test suite's own variables.
fn is_config_env_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key != "config" && !key.ends_with("_file") && !key.starts_with("test_")
}

fn known_keys() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn unknown_keys(figment: &Figment, file: &str, declared: &[ConfigKey]) -> Vec<String> {
    let mut known = known_keys();
    known.extend(declared.iter().map(|k| k.name.to_string()));
    let mut warnings = Vec::new();
    if let Ok(value) = figment.find_value("")
        && let Some(dict) = value.into_dict()
    {
        for key in dict.keys() {
            if !known.iter().any(|k| k == key) {
                warnings.push(format!(
                    "unknown configuration key `{key}` (from {file} or GROWTHDECK_* environment) is ignored"
                ));
            }
        }
    }
    warnings
}

/// `GROWTHDECK_<KEY>_FILE=/path` for each secret key: the file's trimmed content becomes `<key>`.
fn secret_files(
    declared: &[ConfigKey],
) -> Result<Serialized<serde_json::Map<String, serde_json::Value>>, ConfigError> {
    let mut map = serde_json::Map::new();
    let declared_secrets = declared.iter().filter(|k| k.secret).map(|k| &k.name);
    for key in SECRET_KEYS.iter().chain(declared_secrets) {
        let var = format!("GROWTHDECK_{}_FILE", key.to_uppercase());
        if let Ok(path) = std::env::var(&var) {
            let content =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::SecretFile {
                    path: path.clone(),
                    source,
                })?;
            map.insert(
                (*key).to_string(),
                serde_json::Value::String(content.trim().to_string()),
            );
        }
    }
    Ok(Serialized::defaults(map))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail fixes the error type
mod tests {
    use super::*;

    #[test]
    fn env_overrides_toml_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "growthdeck.toml",
                "listen = \"127.0.0.1:9000\"\nplatform_name = \"Toml\"",
            )?;
            jail.set_env("GROWTHDECK_PLATFORM_NAME", "Env");
            let config = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9000);
            assert_eq!(config.platform_name, "Env");
            assert_eq!(config.log, "info");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_reported() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("growthdeck.toml", "lisen = \"127.0.0.1:9000\"")?;
            jail.set_env("GROWTHDECK_TEST_DATABASE_URL", "postgres://ignored");
            let (config, warnings) = Config::load_with_warnings().map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 8080);
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(warnings[0].contains("lisen"));
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GROWTHDECK_LISTEN", "not an address");
            assert!(Config::load().is_err());
            jail.set_env("GROWTHDECK_LISTEN", "127.0.0.1:1");
            jail.set_env("GROWTHDECK_DATABASE_URL", "mysql://x");
            assert!(Config::load().is_err());
            jail.set_env("GROWTHDECK_DATABASE_URL", "sqlite://x.db");
            jail.set_env("GROWTHDECK_OPENAI_BASE_URL", "ftp://llm.local");
            assert!(Config::load().is_err());
            jail.set_env("GROWTHDECK_OPENAI_BASE_URL", "http://llm.local:8000/v1");
            assert!(Config::load().is_ok());
            Ok(())
        });
    }

    const GRACE: Key<i64> = Key::new("feature_grace_days", || 7);
    const TOKEN: Key<Option<String>> = Key::new("feature_token", || None);

    fn declared() -> Vec<ConfigKey> {
        vec![
            ConfigKey::of(&GRACE).check(|d: &i64| {
                if (0..=90).contains(d) {
                    Ok(())
                } else {
                    Err("feature_grace_days must be between 0 and 90".into())
                }
            }),
            ConfigKey::of(&TOKEN).secret(),
        ]
    }

    #[test]
    fn keys_a_feature_declares_load_like_platforms_own() {
        figment::Jail::expect_with(|jail| {
            let (config, warnings) =
                Config::load_declared(&declared()).map_err(|e| e.to_string())?;
            assert_eq!(config.get(&GRACE), 7, "the declared default");
            assert_eq!(config.get(&TOKEN), None);
            assert!(warnings.is_empty(), "{warnings:?}");

            jail.create_file("growthdeck.toml", "feature_grace_days = 3")?;
            jail.create_file("token", "tok_secret_value_1234\n")?;
            jail.set_env("GROWTHDECK_FEATURE_TOKEN_FILE", "token");
            let (config, warnings) =
                Config::load_declared(&declared()).map_err(|e| e.to_string())?;
            assert_eq!(config.get(&GRACE), 3);
            assert_eq!(config.get(&TOKEN).as_deref(), Some("tok_secret_value_1234"));
            assert!(warnings.is_empty(), "{warnings:?}");
            let lines = config.masked_lines().join("\n");
            assert!(lines.contains("feature_grace_days = 3"), "{lines}");
            assert!(lines.contains("feature_token = \"••••1234\""), "{lines}");

            jail.set_env("GROWTHDECK_FEATURE_GRACE_DAYS", "91");
            let err = Config::load_declared(&declared()).unwrap_err().to_string();
            assert!(err.contains("between 0 and 90"), "{err}");
            jail.set_env("GROWTHDECK_FEATURE_GRACE_DAYS", "soon");
            assert!(Config::load_declared(&declared()).is_err());

            // Without the declaration the key is unknown (a typo, or a feature not built in).
            jail.set_env("GROWTHDECK_FEATURE_GRACE_DAYS", "5");
            let (_, warnings) = Config::load_with_warnings().map_err(|e| e.to_string())?;
            assert!(
                warnings.iter().any(|w| w.contains("feature_grace_days")),
                "{warnings:?}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_set_key_wins_over_its_default() {
        let mut config = Config::default();
        assert_eq!(config.get(&GRACE), 7);
        config.set(&GRACE, 30);
        assert_eq!(config.get(&GRACE), 30);
    }

    #[test]
    fn secrets_are_masked() {
        let config = Config {
            smtp_url: Some("smtp://user:hunter2hunter2@mail:25".into()),
            ..Config::default()
        };
        let lines = config.masked_lines().join("\n");
        assert!(!lines.contains("hunter2"));
        assert!(lines.contains("••••"));
    }
}
