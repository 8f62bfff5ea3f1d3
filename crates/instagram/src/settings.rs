//! Instagram's settings, declared here rather than in platform: the configuration keys of the
//! Meta app and Instagram's APIs and of Apify (names as in `growthdeck.toml` and
//! `GROWTHDECK_*`, defaults, secrets, checks), and the Meta and Apify groups of the back
//! office's system settings (a saved value there overrides the configuration).

use platform::{
    Config,
    config::{ConfigKey, Key},
    settings::{SettingGroup, SystemSetting},
};

pub const META_APP_ID: Key<Option<String>> = Key::new("meta_app_id", || None);
pub const META_APP_SECRET: Key<Option<String>> = Key::new("meta_app_secret", || None);
/// Meta's Graph API base (tests point it at a local server).
pub const META_GRAPH_BASE: Key<String> =
    Key::new("meta_graph_base", || "https://graph.facebook.com".into());
/// Instagram's Graph API host for Instagram Login tokens (tests point it at a local server).
pub const INSTAGRAM_GRAPH_BASE: Key<String> = Key::new("instagram_graph_base", || {
    "https://graph.instagram.com".into()
});
/// Instagram's OAuth host: authorize page and code exchange (tests point it at a local
/// server).
pub const INSTAGRAM_OAUTH_BASE: Key<String> = Key::new("instagram_oauth_base", || {
    "https://api.instagram.com".into()
});
pub const APIFY_TOKEN: Key<Option<String>> = Key::new("apify_token", || None);
/// Apify's API base (tests point it at a local server).
pub const APIFY_API_BASE: Key<String> =
    Key::new("apify_api_base", || "https://api.apify.com".into());

/// The configuration keys instagram reads.
pub fn config() -> Vec<ConfigKey> {
    vec![
        ConfigKey::of(&META_APP_ID),
        ConfigKey::of(&META_APP_SECRET).secret(),
        ConfigKey::of(&META_GRAPH_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("meta_graph_base {url:?}: {m}"))
        }),
        ConfigKey::of(&INSTAGRAM_GRAPH_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("instagram_graph_base {url:?}: {m}"))
        }),
        ConfigKey::of(&INSTAGRAM_OAUTH_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("instagram_oauth_base {url:?}: {m}"))
        }),
        ConfigKey::of(&APIFY_TOKEN).secret(),
        ConfigKey::of(&APIFY_API_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("apify_api_base {url:?}: {m}"))
        }),
    ]
}

/// The Meta and Apify groups of `/admin/settings`, in the order the page shows them.
pub const SYSTEM: &[SystemSetting] = &[
    SystemSetting::token(
        META_APP_ID.name,
        "Meta app ID",
        SettingGroup::Meta,
        "The numeric app ID from Meta's developer dashboard.",
        |c: &Config| c.get(&META_APP_ID),
    )
    .digits(32),
    SystemSetting::token(
        META_APP_SECRET.name,
        "Meta app secret",
        SettingGroup::Meta,
        "Signs webhook payloads and exchanges tokens.",
        |c: &Config| c.get(&META_APP_SECRET),
    )
    .secret(),
    SystemSetting::token(
        APIFY_TOKEN.name,
        "Apify API token",
        SettingGroup::Apify,
        "apify_api_… from Apify's Settings → Integrations.",
        |c: &Config| c.get(&APIFY_TOKEN),
    )
    .secret(),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn get(key: &str) -> &'static SystemSetting {
        SYSTEM.iter().find(|s| s.key == key).unwrap()
    }

    #[test]
    fn values_are_checked() {
        assert!(get(META_APP_ID.name).validate("1234567890").is_ok());
        assert!(get(META_APP_ID.name).validate("12ab").is_err());
        assert!(get(META_APP_ID.name).validate(&"1".repeat(33)).is_err());
        assert!(get(APIFY_TOKEN.name).validate("has space").is_err());
        assert!(get(APIFY_TOKEN.name).validate("apify_api_x").is_ok());
    }
}
