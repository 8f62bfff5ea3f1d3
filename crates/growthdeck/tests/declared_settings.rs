//! The binary's configuration keys and system settings, declared by platform and by each
//! feature, form one consistent set: every name once, every setting backed by a configuration
//! key, and a secret setting a secret of the configuration (masked by `config check`, readable
//! from `*_FILE`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

fn config_keys() -> Vec<(String, bool)> {
    let platform = serde_json::to_value(platform::Config::default()).unwrap();
    let mut keys: Vec<(String, bool)> = platform
        .as_object()
        .unwrap()
        .keys()
        .map(|k| {
            (
                k.clone(),
                platform::config::SECRET_KEYS.contains(&k.as_str()),
            )
        })
        .collect();
    keys.extend(
        platform::feature::config_keys(growthdeck::product())
            .into_iter()
            .map(|k| (k.name.to_string(), k.secret)),
    );
    keys
}

#[test]
fn every_configuration_key_is_declared_once() {
    let keys = config_keys();
    let names: BTreeSet<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names.len(), keys.len(), "a key declared twice: {keys:?}");
    assert!(names.contains("stripe_secret_key") && names.contains("listen"));
}

#[test]
fn every_system_setting_is_declared_once_and_backed_by_the_configuration() {
    let settings = platform::settings::declare(
        growthdeck::product()
            .iter()
            .flat_map(|f| f.settings.iter().copied()),
    );
    let names: BTreeSet<&str> = settings.iter().map(|s| s.key).collect();
    assert_eq!(names.len(), settings.len(), "a setting declared twice");
    let keys = config_keys();
    for s in &settings {
        let (_, secret) = keys
            .iter()
            .find(|(k, _)| k == s.key)
            .unwrap_or_else(|| panic!("{} is no configuration key", s.key));
        if s.secret {
            assert!(
                secret,
                "{} is a secret setting of a configuration key not marked secret",
                s.key
            );
        }
    }
    // The page's groups keep their order: Stripe (billing's) between AI and Mail.
    let groups: Vec<_> = settings.iter().map(|s| s.group.as_str()).collect();
    let first = |g: &str| groups.iter().position(|x| *x == g).unwrap();
    assert!(first("ai") < first("stripe") && first("stripe") < first("mail"));
}
