//! Instagram's settings, declared here rather than in platform: the configuration keys of the
//! Meta app and Instagram's APIs, of Apify, of the refresh schedule, the media proxy and the
//! social-data API (names as in `growthdeck.toml` and
//! `GROWTHDECK_*`, defaults, secrets, checks), and the Meta and Apify groups of the back
//! office's system settings (a saved value there overrides the configuration).

use platform::{
    Config,
    config::{ConfigKey, Key},
    settings::{
        SettingGroup, SystemSetting,
        integration::{Classification, HttpCheck, Integration, Probe, SetupStep},
    },
};

/// The Meta block of `/admin/settings` (the app behind Instagram Login).
pub const META: SettingGroup = SettingGroup::new("meta", "Meta", 50);
/// The Apify block of `/admin/settings` (public profiles of accounts not connected).
pub const APIFY: SettingGroup = SettingGroup::new("apify", "Apify", 60);

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

/// How often tracked and connected Instagram profiles are refreshed, in hours.
pub const INSTAGRAM_REFRESH_HOURS: Key<f64> = Key::new("instagram_refresh_hours", || 6.0);
/// Hosts the media proxy may fetch images from: a host matches an entry equal to it or ending
/// in `.<entry>` (IP addresses match exactly).
pub const MEDIA_ALLOWED_HOSTS: Key<Vec<String>> = Key::new("media_allowed_hosts", || {
    vec!["cdninstagram.com".into(), "fbcdn.net".into()]
});
/// Largest image the media proxy fetches, in bytes.
pub const MEDIA_MAX_FILE_BYTES: Key<u64> = Key::new("media_max_file_bytes", || 5 * 1024 * 1024);
/// Size cap of the media proxy's disk cache (`<data_dir>/media`); the least recently served
/// images are evicted above it.
pub const MEDIA_CACHE_MAX_BYTES: Key<u64> =
    Key::new("media_cache_max_bytes", || 1024 * 1024 * 1024);
/// Tests only: origins (`http://127.0.0.1:41234`) the media proxy may fetch over plain http and
/// on a loopback address. Leave empty in production.
pub const MEDIA_TEST_LOOPBACK_ORIGINS: Key<Vec<String>> =
    Key::new("media_test_loopback_origins", Vec::new);
/// Social-data API: how long a cached profile is fresh (then served stale and refreshed).
pub const SOCIAL_PROFILE_TTL_SECS: Key<u64> = Key::new("social_profile_ttl_secs", || 24 * 3600);
/// Social-data API: how long a cached page of posts is fresh.
pub const SOCIAL_POSTS_TTL_SECS: Key<u64> = Key::new("social_posts_ttl_secs", || 12 * 3600);
/// Social-data API: the in-process cache's size bound, in MiB.
pub const SOCIAL_CACHE_MB: Key<u64> = Key::new("social_cache_mb", || 128);
/// Social-data API: how long a request waits for a profile's first fetch.
pub const SOCIAL_FETCH_TIMEOUT_SECS: Key<u64> = Key::new("social_fetch_timeout_secs", || 20);
/// Social-data API: how long a key replaced by a rotation keeps working.
pub const SOCIAL_KEY_OVERLAP_SECS: Key<u64> = Key::new("social_key_overlap_secs", || 24 * 3600);

/// The configuration keys instagram reads.
pub fn config() -> Vec<ConfigKey> {
    vec![
        ConfigKey::of(&INSTAGRAM_REFRESH_HOURS).check(|hours: &f64| {
            (hours.is_finite() && *hours > 0.0)
                .then_some(())
                .ok_or_else(|| format!("instagram_refresh_hours {hours}: give a positive number"))
        }),
        ConfigKey::of(&MEDIA_ALLOWED_HOSTS),
        ConfigKey::of(&MEDIA_MAX_FILE_BYTES),
        ConfigKey::of(&MEDIA_CACHE_MAX_BYTES).relates(|c: &Config| {
            (c.get(&MEDIA_CACHE_MAX_BYTES) >= c.get(&MEDIA_MAX_FILE_BYTES))
                .then_some(())
                .ok_or_else(|| {
                    "media_cache_max_bytes must be at least media_max_file_bytes".to_string()
                })
        }),
        ConfigKey::of(&MEDIA_TEST_LOOPBACK_ORIGINS).check(|origins: &Vec<String>| {
            origins.iter().try_for_each(|origin| {
                platform::settings::check_http_url(origin)
                    .map_err(|m| format!("media_test_loopback_origins {origin:?}: {m}"))
            })
        }),
        ConfigKey::of(&SOCIAL_PROFILE_TTL_SECS),
        ConfigKey::of(&SOCIAL_POSTS_TTL_SECS),
        ConfigKey::of(&SOCIAL_CACHE_MB),
        ConfigKey::of(&SOCIAL_FETCH_TIMEOUT_SECS),
        ConfigKey::of(&SOCIAL_KEY_OVERLAP_SECS),
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
        META,
        "The numeric app ID from Meta's developer dashboard.",
        |c: &Config| c.get(&META_APP_ID),
    )
    .digits(32),
    SystemSetting::token(
        META_APP_SECRET.name,
        "Meta app secret",
        META,
        "Signs webhook payloads and exchanges tokens.",
        |c: &Config| c.get(&META_APP_SECRET),
    )
    .secret(),
    SystemSetting::token(
        APIFY_TOKEN.name,
        "Apify API token",
        APIFY,
        "apify_api_… from Apify's Settings → Integrations.",
        |c: &Config| c.get(&APIFY_TOKEN),
    )
    .secret(),
];

/// "Test connection" of the Meta and Apify blocks.
pub const INTEGRATIONS: &[Integration] = &[
    Integration {
        id: "meta",
        label: "Meta",
        group: META,
        credential: "app ID and secret",
        missing: "save the Meta app ID and app secret first",
        // An app access token is the one call that needs nothing but the app's credentials.
        probe: Probe::Http {
            call: |state| {
                let s = &state.settings;
                let (id, secret) = (s.cached(META_APP_ID.name)?, s.cached(META_APP_SECRET.name)?);
                Some(HttpCheck {
                    url: format!(
                        "{}/oauth/access_token",
                        state.config.get(&META_GRAPH_BASE).trim_end_matches('/')
                    ),
                    bearer: None,
                    query: vec![
                        ("client_id", id),
                        ("client_secret", secret),
                        ("grant_type", "client_credentials".into()),
                    ],
                })
            },
            documented: |json| {
                json.and_then(|j| j.get("access_token"))
                    .is_some_and(|t| t.is_string())
            },
            // Meta refuses a wrong app secret with 400 and an `OAuthException`.
            refine: Some(|status, json| {
                (status == 400
                    && json
                        .and_then(|j| j.pointer("/error/type"))
                        .and_then(|t| t.as_str())
                        == Some("OAuthException"))
                .then_some((Classification::RefusedKey, None))
            }),
        },
        setup: meta_setup,
    },
    Integration {
        id: "apify",
        label: "Apify",
        group: APIFY,
        credential: "token",
        missing: "save an Apify API token first",
        probe: Probe::Http {
            call: |state| {
                state.settings.cached(APIFY_TOKEN.name).map(|key| {
                    HttpCheck::bearer(&state.config.get(&APIFY_API_BASE), "/v2/users/me", key)
                })
            },
            documented: |json| json.and_then(|j| j.get("data")).is_some(),
            refine: None,
        },
        setup: apify_setup,
    },
];

fn meta_setup(state: &platform::AppState) -> Vec<SetupStep> {
    vec![
        SetupStep::new(
            "Customers connect their Instagram professional accounts with Instagram Login. Create an app in Meta's developer dashboard, add the Instagram product and set up its API with Instagram login.",
            "",
        ),
        SetupStep::new(
            "Copy the app's Instagram app ID and app secret into the fields below.",
            "",
        ),
        SetupStep::new(
            "Register this URL as a valid OAuth redirect URI of the app:",
            crate::service::connect::redirect_uri(state),
        ),
        SetupStep::new(
            "A connection asks for these permissions (request them for the app):",
            crate::service::connect::SCOPES.join(", "),
        ),
        SetupStep::new(
            "Until both values are set, customers are told that connecting Instagram is not set up yet and to ask their administrator.",
            "",
        ),
    ]
}

fn apify_setup(_: &platform::AppState) -> Vec<SetupStep> {
    vec![
        SetupStep::new(
            "Apify reads public profiles and posts of accounts that are not connected with Instagram Login. Create an account at apify.com and copy a personal API token (Settings → API & Integrations) into the field below.",
            "",
        ),
        SetupStep::new(
            "Runs of these actors are billed to that Apify account:",
            format!(
                "{}, {}",
                crate::source::apify::PROFILE_ACTOR,
                crate::source::apify::POSTS_ACTOR
            ),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail fixes the error type
mod tests {
    use super::*;

    fn load() -> Result<Config, String> {
        Config::load_declared(&config())
            .map(|(c, _)| c)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn media_lists_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            let c = load()?;
            assert_eq!(
                c.get(&MEDIA_ALLOWED_HOSTS),
                ["cdninstagram.com", "fbcdn.net"]
            );
            assert!(c.get(&MEDIA_TEST_LOOPBACK_ORIGINS).is_empty());
            jail.set_env(
                "GROWTHDECK_MEDIA_ALLOWED_HOSTS",
                "[cdninstagram.com, img.example]",
            );
            jail.set_env("GROWTHDECK_MEDIA_MAX_FILE_BYTES", "1000");
            let c = load()?;
            assert_eq!(
                c.get(&MEDIA_ALLOWED_HOSTS),
                ["cdninstagram.com", "img.example"]
            );
            assert_eq!(c.get(&MEDIA_MAX_FILE_BYTES), 1000);
            jail.set_env("GROWTHDECK_MEDIA_CACHE_MAX_BYTES", "999");
            assert!(load().is_err(), "a cache smaller than one file");
            jail.set_env("GROWTHDECK_MEDIA_CACHE_MAX_BYTES", "1000");
            jail.set_env(
                "GROWTHDECK_MEDIA_TEST_LOOPBACK_ORIGINS",
                "[ftp://127.0.0.1:1]",
            );
            assert!(load().is_err(), "an origin that is not http(s)");
            jail.set_env("GROWTHDECK_MEDIA_TEST_LOOPBACK_ORIGINS", "[]");
            jail.set_env("GROWTHDECK_INSTAGRAM_REFRESH_HOURS", "0");
            assert!(load().is_err(), "a refresh every 0 hours");
            jail.set_env("GROWTHDECK_INSTAGRAM_REFRESH_HOURS", "0.5");
            assert_eq!(load()?.get(&INSTAGRAM_REFRESH_HOURS), 0.5);
            Ok(())
        });
    }

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
