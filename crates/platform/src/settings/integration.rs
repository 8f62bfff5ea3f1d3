//! The outside services whose settings "Test connection" tries, declared by their owner:
//! platform its own (the OpenAI-compatible API, SMTP, Resend), a feature the services it calls
//! (billing: Stripe; instagram: Meta, Apify) through `Feature::integrations`. The back office
//! runs the test (one harmless call, classified, never echoed) and shows each integration's
//! set-up steps above its group's fields; it names no feature.

use serde_json::Value;

use super::{OPENAI_API_KEY, OPENAI_BASE_URL, RESEND_API_KEY, SMTP_URL, SettingGroup};
use crate::AppState;

/// What a test connection found, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// The settings it needs are missing; no call was made.
    NotConfigured,
    /// The service answered and accepted the credentials.
    Reachable,
    /// The service answered and refused the credentials.
    RefusedKey,
    /// No answer: no connection, TLS failure or timeout.
    NotReachable,
    /// An answer, but not one the service documents (a wrong URL?).
    UnexpectedReply,
}

/// One harmless `GET` against a service's API with the values in effect.
pub struct HttpCheck {
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub bearer: Option<String>,
    pub query: Vec<(&'static str, String)>,
}

impl HttpCheck {
    /// `GET {base}{path}` with a bearer key (`base` with or without a trailing slash).
    pub fn bearer(base: &str, path: &str, key: String) -> Self {
        Self {
            url: format!("{}{path}", base.trim_end_matches('/')),
            bearer: Some(key),
            query: Vec::new(),
        }
    }
}

/// A service's own reading of an answer, where its documented format says more than the
/// status: a refusal sent with 200 or 400, or a key that is accepted though it may not read.
/// The message, when given, replaces the standard sentence (fixed text, never the answer's).
pub type Refine =
    fn(status: u16, json: Option<&Value>) -> Option<(Classification, Option<&'static str>)>;

/// How the back office tries an integration.
#[derive(Clone, Copy)]
pub enum Probe {
    /// The HTTP call to make (`None`: not configured, no call is made) and whether a 2xx
    /// answer is in the service's documented shape.
    Http {
        call: fn(&AppState) -> Option<HttpCheck>,
        documented: fn(Option<&Value>) -> bool,
        refine: Option<Refine>,
    },
    /// Connect, greet and NOOP on the SMTP URL in effect.
    Smtp,
}

/// One step of an integration's set-up: a sentence, and a value to copy (a URL, names).
pub struct SetupStep {
    pub text: String,
    pub copy: String,
}

impl SetupStep {
    pub fn new(text: &str, copy: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            copy: copy.into(),
        }
    }
}

/// An outside service whose configured credentials can be tried.
#[derive(Clone, Copy)]
pub struct Integration {
    /// In URLs and the audit log (`/admin/settings/test/stripe`).
    pub id: &'static str,
    pub label: &'static str,
    /// The settings group whose values it tries (its button sits there).
    pub group: SettingGroup,
    /// The credential in sentences: "Stripe refused the {key}".
    pub credential: &'static str,
    /// What must be saved before a test makes sense ("save an Apify API token first").
    pub missing: &'static str,
    pub probe: Probe,
    /// What to do at the vendor, with this server's own URLs (shown above the group).
    pub setup: fn(&AppState) -> Vec<SetupStep>,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integration").field("id", &self.id).finish()
    }
}

fn no_steps(_: &AppState) -> Vec<SetupStep> {
    Vec::new()
}

/// A 2xx answer lists something under `data` (OpenAI's `/models`, Resend's `/domains`).
fn lists_data(json: Option<&Value>) -> bool {
    json.and_then(|j| j.get("data"))
        .is_some_and(Value::is_array)
}

/// Platform's own integrations (features add theirs through `Feature::integrations`).
pub const PLATFORM_INTEGRATIONS: &[Integration] = &[
    Integration {
        id: "openai",
        label: "OpenAI-compatible API",
        group: SettingGroup::AI,
        credential: "key",
        missing: "save an OpenAI-compatible API key first",
        probe: Probe::Http {
            call: |state| {
                let s = &state.settings;
                s.cached(OPENAI_API_KEY).map(|key| {
                    let root = s.cached(OPENAI_BASE_URL).unwrap_or_default();
                    HttpCheck::bearer(&root, "/models", key)
                })
            },
            documented: lists_data,
            refine: None,
        },
        setup: no_steps,
    },
    Integration {
        id: "smtp",
        label: "SMTP",
        group: SettingGroup::MAIL,
        credential: "sign-in",
        missing: "save an SMTP URL first",
        probe: Probe::Smtp,
        setup: no_steps,
    },
    Integration {
        id: "resend",
        label: "Resend",
        group: SettingGroup::MAIL,
        credential: "key",
        missing: "save a Resend API key first",
        probe: Probe::Http {
            call: |state| {
                state
                    .settings
                    .cached(RESEND_API_KEY)
                    .map(|key| HttpCheck::bearer(&state.config.resend_api_base, "/domains", key))
            },
            documented: lists_data,
            // A sending-only key may not list domains, but Resend did accept it, and sending
            // is all the mailer does with it.
            refine: Some(|status, json| {
                (status == 401
                    && json.and_then(|j| j.get("name")).and_then(Value::as_str)
                        == Some("restricted_api_key"))
                .then_some((
                    Classification::Reachable,
                    Some("Reachable: Resend accepted the key; it may only send email, which is all the mailer needs"),
                ))
            }),
        },
        setup: no_steps,
    },
];

/// The SMTP URL in effect, for [`Probe::Smtp`].
pub fn smtp_url(state: &AppState) -> Option<String> {
    state.settings.cached(SMTP_URL)
}

/// Platform's integrations and the features', each group's together in group order.
pub fn declare(features: impl IntoIterator<Item = Integration>) -> Vec<Integration> {
    let mut all: Vec<Integration> = PLATFORM_INTEGRATIONS
        .iter()
        .copied()
        .chain(features)
        .collect();
    all.sort_by_key(|i| i.group.order());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_groups_ordered() {
        let all = declare([]);
        let mut ids: Vec<&str> = all.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        assert!(
            all.windows(2)
                .all(|w| w[0].group.order() <= w[1].group.order())
        );
    }

    #[test]
    fn a_restricted_resend_key_is_reachable() {
        let Probe::Http {
            refine: Some(refine),
            ..
        } = PLATFORM_INTEGRATIONS[2].probe
        else {
            panic!("resend refines its answers");
        };
        let restricted = serde_json::json!({"name": "restricted_api_key"});
        assert_eq!(
            refine(401, Some(&restricted)).map(|r| r.0),
            Some(Classification::Reachable)
        );
        assert_eq!(refine(401, Some(&serde_json::json!({}))), None);
    }
}
