//! Billing's settings, declared here rather than in platform: the configuration keys (names as
//! in `growthdeck.toml` and `GROWTHDECK_*`, defaults, secrets, checks) and the Stripe group of
//! the back office's system settings (a saved value there overrides the configuration).

use platform::{
    Config,
    config::{ConfigKey, Key},
    settings::{
        SettingGroup, SystemSetting,
        integration::{HttpCheck, Integration, Probe, SetupStep},
    },
};

/// The Stripe block of `/admin/settings`.
pub const STRIPE: SettingGroup = SettingGroup::new("stripe", "Stripe", 30);

pub const STRIPE_SECRET_KEY: Key<Option<String>> = Key::new("stripe_secret_key", || None);
pub const STRIPE_PUBLISHABLE_KEY: Key<Option<String>> = Key::new("stripe_publishable_key", || None);
pub const STRIPE_WEBHOOK_SECRET: Key<Option<String>> = Key::new("stripe_webhook_secret", || None);
/// Stripe's API base (tests point it at a local server).
pub const STRIPE_API_BASE: Key<String> =
    Key::new("stripe_api_base", || "https://api.stripe.com".into());
/// How many days a past-due subscription keeps its plan's limits before the workspace is
/// limited to the free plan's (nothing is deleted).
pub const GRACE_DAYS: Key<i64> = Key::new("billing_grace_days", || 7);

/// The configuration keys billing reads.
pub fn config() -> Vec<ConfigKey> {
    vec![
        ConfigKey::of(&STRIPE_SECRET_KEY).secret(),
        ConfigKey::of(&STRIPE_PUBLISHABLE_KEY),
        ConfigKey::of(&STRIPE_WEBHOOK_SECRET).secret(),
        ConfigKey::of(&STRIPE_API_BASE).check(|url: &String| {
            platform::settings::check_http_url(url)
                .map_err(|m| format!("stripe_api_base {url:?}: {m}"))
        }),
        ConfigKey::of(&GRACE_DAYS).check(|days: &i64| {
            if (0..=90).contains(days) {
                Ok(())
            } else {
                Err("billing_grace_days must be between 0 and 90".into())
            }
        }),
    ]
}

/// The Stripe group of `/admin/settings`, in the order the page shows it.
pub const SYSTEM: &[SystemSetting] = &[
    SystemSetting::token(
        STRIPE_PUBLISHABLE_KEY.name,
        "Stripe publishable key",
        STRIPE,
        "pk_live_… or pk_test_…; the only Stripe key browsers see.",
        |c: &Config| c.get(&STRIPE_PUBLISHABLE_KEY),
    )
    .prefixes(&["pk_"]),
    SystemSetting::token(
        STRIPE_SECRET_KEY.name,
        "Stripe secret key",
        STRIPE,
        "sk_… or a restricted key rk_….",
        |c: &Config| c.get(&STRIPE_SECRET_KEY),
    )
    .secret()
    .prefixes(&["sk_", "rk_"]),
    SystemSetting::token(
        STRIPE_WEBHOOK_SECRET.name,
        "Stripe webhook signing secret",
        STRIPE,
        "whsec_… from the webhook endpoint in Stripe's dashboard.",
        |c: &Config| c.get(&STRIPE_WEBHOOK_SECRET),
    )
    .secret()
    .prefixes(&["whsec_"]),
];

/// "Test connection" of the Stripe block: reads the balance with the secret key in effect.
pub const INTEGRATIONS: &[Integration] = &[Integration {
    id: "stripe",
    label: "Stripe",
    group: STRIPE,
    credential: "key",
    missing: "save the Stripe secret key first",
    probe: Probe::Http {
        call: |state| {
            state.settings.cached(STRIPE_SECRET_KEY.name).map(|key| {
                HttpCheck::bearer(&state.config.get(&STRIPE_API_BASE), "/v1/balance", key)
            })
        },
        documented: |json| {
            json.and_then(|j| j.get("object")).and_then(|o| o.as_str()) == Some("balance")
        },
        refine: None,
    },
    setup: setup_steps,
}];

/// What to do in Stripe's dashboard, with this server's webhook URL.
fn setup_steps(state: &platform::AppState) -> Vec<SetupStep> {
    vec![
        SetupStep::new(
            "Without a secret key this server takes no payments: every workspace is on the unlimited Self-hosted plan. With one, new workspaces start on the Free plan and you move the existing ones under Billing → Self-hosted plan.",
            "",
        ),
        SetupStep::new(
            "In Stripe's dashboard (Developers → API keys) copy the secret key, or a restricted key, and the publishable key into the fields below.",
            "",
        ),
        SetupStep::new(
            "Add a webhook endpoint (Developers → Webhooks) with this URL:",
            crate::stripe::webhook::endpoint_url(state),
        ),
        SetupStep::new(
            "Send it these events:",
            crate::stripe::webhook::EVENTS.join(", "),
        ),
        SetupStep::new(
            "Copy the endpoint's signing secret into the webhook signing secret below, then give each plan its Stripe price ids under Billing → Plans.",
            "",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(key: &str) -> &'static SystemSetting {
        SYSTEM.iter().find(|s| s.key == key).unwrap()
    }

    #[test]
    fn stripe_values_are_checked() {
        assert!(get(STRIPE_SECRET_KEY.name).validate("sk_test_123").is_ok());
        assert!(get(STRIPE_SECRET_KEY.name).validate("rk_live_123").is_ok());
        assert!(get(STRIPE_SECRET_KEY.name).validate("pk_test_123").is_err());
        assert!(
            get(STRIPE_PUBLISHABLE_KEY.name)
                .validate("sk_live_123")
                .is_err()
        );
        assert!(
            get(STRIPE_WEBHOOK_SECRET.name)
                .validate("whsec_abc")
                .is_ok()
        );
        assert!(get(STRIPE_WEBHOOK_SECRET.name).validate("abc").is_err());
    }

    #[test]
    fn every_secret_setting_is_a_secret_of_the_configuration() {
        // Masked by `config check`, readable from *_FILE.
        let config = config();
        for s in SYSTEM {
            let key = config.iter().find(|k| k.name == s.key).expect(s.key);
            assert_eq!(key.secret, s.secret, "{}", s.key);
        }
    }
}
