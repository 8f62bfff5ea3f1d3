//! The runtime view of the system settings: [`SystemSettings`], the cache in `AppState` that
//! gives each setting's effective value (saved, else configured).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, entity::prelude::*};

use crate::{config::Config, crypto::Keyring, error::Result};

use super::{declared::*, entity};

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
    /// Every declared setting: platform's and the features' ([`declare`]).
    declared: Vec<&'static SystemSetting>,
    /// The services whose settings can be tried: platform's and the features'
    /// ([`super::integration::declare`]).
    integrations: Vec<super::integration::Integration>,
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
    pub fn new(
        config: Arc<Config>,
        db: DatabaseConnection,
        keys: Arc<Keyring>,
        declared: Vec<&'static SystemSetting>,
        integrations: Vec<super::integration::Integration>,
    ) -> Self {
        Self::with_max_age(config, db, keys, declared, integrations, REFRESH_EVERY)
    }

    /// Like [`Self::new`] with another refresh period (tests of convergence across nodes).
    pub fn with_max_age(
        config: Arc<Config>,
        db: DatabaseConnection,
        keys: Arc<Keyring>,
        declared: Vec<&'static SystemSetting>,
        integrations: Vec<super::integration::Integration>,
        max_age: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                declared,
                integrations,
                db,
                keys,
                max_age,
                snapshot: RwLock::new(Arc::new(Snapshot::default())),
                reloading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Every declared setting, in the order the back office shows them.
    pub fn declared(&self) -> &[&'static SystemSetting] {
        &self.inner.declared
    }

    /// Every integration whose settings can be tried, in group order.
    pub fn integrations(&self) -> &[super::integration::Integration] {
        &self.inner.integrations
    }

    /// The integration named `id` (`stripe`).
    pub fn integration(&self, id: &str) -> Option<super::integration::Integration> {
        self.inner.integrations.iter().copied().find(|i| i.id == id)
    }

    /// The groups of the declared settings and integrations, each once, in order.
    pub fn groups(&self) -> Vec<SettingGroup> {
        let mut groups: Vec<SettingGroup> = self
            .inner
            .declared
            .iter()
            .map(|s| s.group)
            .chain(self.inner.integrations.iter().map(|i| i.group))
            .collect();
        groups.sort_by_key(|g| (g.order(), g.as_str()));
        groups.dedup();
        groups
    }

    /// The declared setting named `key`.
    pub fn setting(&self, key: &str) -> Option<&'static SystemSetting> {
        self.inner.declared.iter().copied().find(|s| s.key == key)
    }

    /// The base URL setting a secret is sent to, if it is one of those.
    pub fn sent_to(&self, secret: &str) -> Option<&'static SystemSetting> {
        self.inner
            .declared
            .iter()
            .copied()
            .find(|s| s.sends.contains(&secret))
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
            let Some(setting) = row
                .key
                .strip_prefix(SYSTEM_PREFIX)
                .and_then(|k| self.setting(k))
            else {
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

    /// The configured value of `setting`, unless it is a secret whose base URL was changed
    /// here: a configured secret goes only to the configured URL (see [`SystemSetting::sends`]).
    fn configured(&self, snapshot: &Snapshot, setting: &SystemSetting) -> Option<String> {
        if let Some(url) = self.sent_to(setting.key)
            && let Some(saved_url) = snapshot.saved.get(url.key)
            && Some(saved_url.value.as_str()) != url.config_value(&self.inner.config).as_deref()
        {
            return None;
        }
        setting.config_value(&self.inner.config)
    }

    /// The effective value now, without touching the database (what the last refresh saw).
    pub fn cached(&self, key: &str) -> Option<String> {
        let setting = self.setting(key)?;
        let snapshot = self.snapshot();
        match snapshot.saved.get(setting.key) {
            Some(saved) => Some(saved.value.clone()),
            None => self.configured(&snapshot, setting),
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
        self.inner
            .declared
            .iter()
            .map(|&setting| {
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
                        value: self.configured(&snapshot, setting),
                        source: SettingSource::Config,
                        updated_at: None,
                        config_value,
                    },
                }
            })
            .collect()
    }
}
