//! System settings (super admin): platform name, support email, default AI model, and the
//! integrations' endpoints and secrets (`platform::settings` declares them and keeps the
//! runtime view).
//!
//! Reading masks secrets (`••••` + last four). Saving writes only what changed — a secret left
//! empty keeps the stored one, a cleared setting falls back to the configuration — in one
//! transaction with a `settings.changed` activity entry that names the keys but never a secret's
//! value. "Test connection" lives in [`super::connections`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, FieldError, Result, audit,
    db::begin_write,
    settings::{self as keys, Effective, SettingSource, SystemSetting, mask_secret},
};
use serde_json::{Value, json};

use platform::staff::{Staff, StaffPermission};

pub use super::connections::{TEST_TIMEOUT, TestOutcome, test_connection};

/// A setting as the back office shows it.
#[derive(Debug, Clone)]
pub struct SettingView {
    pub setting: &'static SystemSetting,
    /// Plain for ordinary settings, masked for secrets; `None`: unset.
    pub value: Option<String>,
    pub source: SettingSource,
    pub updated_at: Option<DateTime<Utc>>,
    /// What applies once the saved value is cleared (masked for secrets).
    pub config_value: Option<String>,
}

fn shown(secret: bool, value: Option<String>) -> Option<String> {
    if secret {
        value.map(|v| mask_secret(&v))
    } else {
        value
    }
}

impl From<Effective> for SettingView {
    fn from(e: Effective) -> Self {
        let secret = e.setting.secret;
        SettingView {
            setting: e.setting,
            value: shown(secret, e.value),
            source: e.source,
            updated_at: e.updated_at,
            config_value: shown(secret, e.config_value),
        }
    }
}

/// Every system setting with its effective value (read from the database now, so the page
/// shows what another node saved a moment ago).
pub async fn read(staff: &Staff, state: &AppState) -> Result<Vec<SettingView>> {
    staff.require(StaffPermission::System)?;
    state.settings.reload().await?;
    Ok(state
        .settings
        .entries()
        .into_iter()
        .map(SettingView::from)
        .collect())
}

/// What to do with one setting. (No `Debug`: a new secret is in here.)
pub enum Change {
    Set(String),
    /// Remove the saved value; the configuration applies again.
    Clear,
}

/// What a save changed.
#[derive(Debug, Default)]
pub struct Updated {
    /// Every key written or cleared (the secrets below included).
    pub changed: Vec<&'static str>,
    /// Saved secrets removed because the base URL they are sent to changed (they must be
    /// entered again with the new URL).
    pub credentials_cleared: Vec<&'static str>,
}

/// Applies `changes` (all or nothing). A value equal to the effective one, or clearing a
/// setting that has no saved value, is no change. A base URL whose value changes clears the
/// saved secrets sent to it ([`SystemSetting::sends`]) unless the same save enters them again:
/// a key is never sent to a host it was not entered for.
pub async fn update(
    staff: &Staff,
    state: &AppState,
    changes: BTreeMap<String, Change>,
) -> Result<Updated> {
    staff.require(StaffPermission::System)?;
    state.settings.reload().await?;
    let current: HashMap<&str, Effective> = state
        .settings
        .entries()
        .into_iter()
        .map(|e| (e.setting.key, e))
        .collect();
    let mut errors = Vec::new();
    let mut writes: Vec<(&'static SystemSetting, Option<String>)> = Vec::new();
    // Secrets typed into this save (also when equal to the value in effect).
    let mut entered: HashMap<&'static str, String> = HashMap::new();
    for (key, change) in changes {
        let Some(setting) = state.settings.setting(&key) else {
            errors.push(FieldError::new(key, "There is no such setting"));
            continue;
        };
        let now = current.get(setting.key);
        if let Change::Set(raw) = &change
            && setting.secret
        {
            entered.insert(setting.key, raw.clone());
        }
        match change {
            Change::Clear => {
                if now.is_some_and(|e| e.source == SettingSource::Saved) {
                    writes.push((setting, None));
                }
            }
            // The value in effect is no change, and is not judged again: a form sends back
            // every value it shows, including configured ones this page did not choose.
            Change::Set(raw) if now.and_then(|e| e.value.as_deref()) == Some(raw.trim()) => {}
            Change::Set(raw) => match setting.validate(&raw) {
                Ok(value) => writes.push((setting, Some(value))),
                Err(message) => errors.push(FieldError::new(setting.key, message)),
            },
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let mut credentials_cleared = Vec::new();
    let moved: Vec<&'static SystemSetting> = writes
        .iter()
        .filter(|(setting, wanted)| {
            let after = wanted
                .clone()
                .or_else(|| setting.config_value(&state.config));
            !setting.sends.is_empty()
                && after.as_deref() != current.get(setting.key).and_then(|e| e.value.as_deref())
        })
        .map(|(setting, _)| *setting)
        .collect();
    for url in moved {
        for secret in url.sends.iter().filter_map(|k| state.settings.setting(k)) {
            let written = writes.iter().any(|(s, _)| s.key == secret.key);
            match entered.get(secret.key) {
                // Entered again with the new URL (kept even when equal to the old value).
                Some(raw) if !written => match secret.validate(raw) {
                    Ok(value) => writes.push((secret, Some(value))),
                    Err(message) => errors.push(FieldError::new(secret.key, message)),
                },
                Some(_) => {}
                None if current
                    .get(secret.key)
                    .is_some_and(|e| e.source == SettingSource::Saved) =>
                {
                    writes.retain(|(s, _)| s.key != secret.key);
                    writes.push((secret, None));
                    credentials_cleared.push(secret.key);
                }
                None => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if writes.is_empty() {
        return Ok(Updated::default());
    }

    let txn = begin_write(&state.db).await?;
    let mut changed = Vec::new();
    let mut cleared = Vec::new();
    let mut values = serde_json::Map::new();
    for (setting, wanted) in &writes {
        match wanted {
            Some(value) => {
                keys::save_system(&txn, &state.keys, setting, value).await?;
                if !setting.secret {
                    values.insert(setting.key.into(), Value::String(value.clone()));
                }
            }
            None => {
                keys::clear_system(&txn, setting).await?;
                cleared.push(setting.key);
            }
        }
        changed.push(setting.key);
    }
    // Names of the keys only; the values of ordinary settings help an auditor, a secret's never.
    audit::record(
        &txn,
        staff
            .audit("settings.changed")
            .target("settings", "system")
            .detail(
                json!({ "keys": changed, "cleared": cleared, "values": values,
            "credentials_cleared": credentials_cleared }),
            ),
    )
    .await?;
    txn.commit().await?;
    // This node sees the change at once; the others within the refresh period.
    state.settings.reload().await?;
    Ok(Updated {
        changed,
        credentials_cleared,
    })
}
