//! Configuration keys a feature declares (`Feature::config`): the feature names each key (its
//! `growthdeck.toml` key; `GROWTHDECK_<KEY>` in the environment), its type and default, whether
//! it is a secret, and how a value is checked. Loading the configuration reads the declared
//! keys beside platform's own, so a feature's settings live with the feature while the file and
//! environment names stay flat (`stripe_api_base`, not `billing.stripe_api_base`).

use std::{
    collections::{BTreeMap, BTreeSet},
    marker::PhantomData,
    sync::Arc,
};

use figment::Figment;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A typed handle on a declared key: how the owning feature reads it (`config.get(&KEY)`) and
/// a test sets it (`config.set(&KEY, value)`). Its default applies when nothing sets it.
pub struct Key<T> {
    pub name: &'static str,
    default: fn() -> T,
    _type: PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    pub const fn new(name: &'static str, default: fn() -> T) -> Self {
        Self {
            name,
            default,
            _type: PhantomData,
        }
    }

    pub fn default_value(&self) -> T {
        (self.default)()
    }
}

type Extract = fn(&Figment, &'static str) -> Result<serde_json::Value, String>;
type Check = Arc<dyn Fn(&serde_json::Value) -> Result<(), String> + Send + Sync>;
/// A check of a key against others once every key is loaded (`cache ≥ one file`).
pub type Relation = fn(&super::Config) -> Result<(), String>;

/// One declared key, as configuration loading sees it.
#[derive(Clone)]
pub struct ConfigKey {
    pub name: &'static str,
    /// Masked by `config check`, readable from `GROWTHDECK_<KEY>_FILE`.
    pub secret: bool,
    pub default: serde_json::Value,
    /// Reads the key from the layered sources as its type.
    extract: Extract,
    check: Check,
    relation: Option<Relation>,
}

impl std::fmt::Debug for ConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigKey")
            .field("name", &self.name)
            .finish()
    }
}

fn extract<T: Serialize + DeserializeOwned>(
    figment: &Figment,
    name: &'static str,
) -> Result<serde_json::Value, String> {
    let value: T = figment.extract_inner(name).map_err(|e| e.to_string())?;
    serde_json::to_value(value).map_err(|e| format!("{name}: {e}"))
}

impl ConfigKey {
    /// Declares `key`: any value of its type is accepted (see [`ConfigKey::check`]).
    pub fn of<T: Serialize + DeserializeOwned + 'static>(key: &Key<T>) -> Self {
        Self {
            name: key.name,
            secret: false,
            default: serde_json::to_value(key.default_value()).unwrap_or_default(),
            extract: extract::<T>,
            check: Arc::new(|_| Ok(())),
            relation: None,
        }
    }

    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// How a value is checked when the configuration loads; the message is the error.
    pub fn check<T: DeserializeOwned + 'static>(
        mut self,
        check: fn(&T) -> Result<(), String>,
    ) -> Self {
        self.check = Arc::new(move |value| {
            let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
            check(&typed)
        });
        self
    }

    /// How the key's value is checked against other keys, once all are loaded (the message is
    /// the error).
    pub fn relates(mut self, relation: Relation) -> Self {
        self.relation = Some(relation);
        self
    }

    pub(crate) fn check_relation(&self, config: &super::Config) -> Result<(), String> {
        self.relation.map_or(Ok(()), |relation| relation(config))
    }

    /// The key's value from the layered sources, checked; `None` when no source sets it.
    pub(crate) fn read(&self, figment: &Figment) -> Result<Option<serde_json::Value>, String> {
        if !figment.contains(self.name) {
            return Ok(None);
        }
        let value = (self.extract)(figment, self.name)?;
        (self.check)(&value)?;
        Ok(Some(value))
    }
}

/// The values of the features' declared keys in effect (defaults included once loaded), and
/// which of them are secrets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FeatureValues {
    values: BTreeMap<String, serde_json::Value>,
    secrets: BTreeSet<String>,
}

impl FeatureValues {
    pub(crate) fn insert(&mut self, key: &ConfigKey, value: serde_json::Value) {
        if key.secret {
            self.secrets.insert(key.name.to_string());
        }
        self.values.insert(key.name.to_string(), value);
    }

    /// The value of `key`: set, loaded, or the key's default.
    pub fn get<T: DeserializeOwned>(&self, key: &Key<T>) -> T {
        self.values
            .get(key.name)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_else(|| key.default_value())
    }

    pub fn set<T: Serialize>(&mut self, key: &Key<T>, value: T) {
        self.values.insert(
            key.name.to_string(),
            serde_json::to_value(value).unwrap_or_default(),
        );
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&String, &serde_json::Value, bool)> {
        self.values
            .iter()
            .map(|(k, v)| (k, v, self.secrets.contains(k)))
    }
}
