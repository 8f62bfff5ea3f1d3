//! Manychat's settings: its configuration keys, its block of `/admin/settings` and its
//! connection test. They are declared by the back office only until the Manychat CRM feature
//! lands (it will call Manychat's API and take this file with it); nothing else reads them yet.
//! Names stay as documented: `manychat_api_key` / `GROWTHDECK_MANYCHAT_API_KEY`,
//! `manychat_api_base`.

use platform::{
    Config,
    config::{ConfigKey, Key},
    settings::{
        SettingGroup, SystemSetting,
        integration::{Classification, HttpCheck, Integration, Probe},
    },
};

/// `<page id>:<key>` from Manychat's API settings.
pub const MANYCHAT_API_KEY: Key<Option<String>> = Key::new("manychat_api_key", || None);
/// Manychat's API base (tests point it at a local server).
pub const MANYCHAT_API_BASE: Key<String> =
    Key::new("manychat_api_base", || "https://api.manychat.com".into());

/// The Manychat block of `/admin/settings`.
pub const MANYCHAT: SettingGroup = SettingGroup::new("manychat", "Manychat", 70);

pub fn config() -> Vec<ConfigKey> {
    vec![
        ConfigKey::of(&MANYCHAT_API_KEY).secret(),
        ConfigKey::of(&MANYCHAT_API_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("manychat_api_base {url:?}: {m}"))
        }),
    ]
}

pub const SYSTEM: &[SystemSetting] = &[SystemSetting::token(
    MANYCHAT_API_KEY.name,
    "Manychat API key",
    MANYCHAT,
    "<page id>:<key> from Manychat's Settings → API.",
    |c: &Config| c.get(&MANYCHAT_API_KEY),
)
.secret()];

pub const INTEGRATIONS: &[Integration] = &[Integration {
    id: "manychat",
    label: "Manychat",
    group: MANYCHAT,
    credential: "key",
    missing: "save a Manychat API key first",
    probe: Probe::Http {
        call: |state| {
            state.settings.cached(MANYCHAT_API_KEY.name).map(|key| {
                HttpCheck::bearer(
                    &state.config.get(&MANYCHAT_API_BASE),
                    "/fb/page/getInfo",
                    key,
                )
            })
        },
        // Manychat answers 200 with `status: error` for some refusals, so only `success`
        // is the documented shape of an accepted key.
        documented: |json| {
            json.and_then(|j| j.get("status")).and_then(|s| s.as_str()) == Some("success")
        },
        refine: Some(|status, json| {
            let said = json.and_then(|j| j.get("status")).and_then(|s| s.as_str());
            ((200..300).contains(&status) && said.is_some_and(|s| s != "success"))
                .then_some((Classification::RefusedKey, None))
        }),
    },
    setup: |_| Vec::new(),
}];
