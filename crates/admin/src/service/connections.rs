//! "Test connection" of the system settings' integrations: one real, harmless call with the
//! effective values (list models, read the balance, SMTP NOOP, …) and its outcome, audited as
//! `settings.tested`.
//!
//! The outcome is the status and a classification ([`Classification`]: reachable, refused the
//! key, not reachable, unexpected reply) in a fixed sentence — never what the server wrote. A
//! test may go to any URL a super admin saved, so its answer is not echoed: the button cannot
//! be used to read another host's replies (and a key is cleared when its base URL changes, see
//! `platform::settings::SystemSetting::sends`).

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use lettre::{AsyncSmtpTransport, Tokio1Executor};
use platform::{
    AppState, Error, Result, audit,
    settings::{self as keys, SettingGroup},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use platform::staff::{Staff, StaffPermission};

/// How long a test connection may take, end to end.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer is read (to classify it; it is never shown).
const BODY_LIMIT: usize = 64 * 1024;

/// What a test connection found, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

/// An outside service whose configured credentials can be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    Openai,
    Stripe,
    Smtp,
    Resend,
    Meta,
    Apify,
    Manychat,
}

impl Integration {
    pub const ALL: [Integration; 7] = [
        Integration::Openai,
        Integration::Stripe,
        Integration::Smtp,
        Integration::Resend,
        Integration::Meta,
        Integration::Apify,
        Integration::Manychat,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Integration::Openai => "openai",
            Integration::Stripe => "stripe",
            Integration::Smtp => "smtp",
            Integration::Resend => "resend",
            Integration::Meta => "meta",
            Integration::Apify => "apify",
            Integration::Manychat => "manychat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Integration::Openai => "OpenAI-compatible API",
            Integration::Stripe => "Stripe",
            Integration::Smtp => "SMTP",
            Integration::Resend => "Resend",
            Integration::Meta => "Meta",
            Integration::Apify => "Apify",
            Integration::Manychat => "Manychat",
        }
    }

    /// The settings group whose values it tries.
    pub fn group(&self) -> SettingGroup {
        match self {
            Integration::Openai => SettingGroup::Ai,
            Integration::Stripe => SettingGroup::Stripe,
            Integration::Smtp | Integration::Resend => SettingGroup::Mail,
            Integration::Meta => SettingGroup::Meta,
            Integration::Apify => SettingGroup::Apify,
            Integration::Manychat => SettingGroup::Manychat,
        }
    }

    /// What must be saved before a test makes sense.
    fn missing(&self) -> &'static str {
        match self {
            Integration::Openai => "save an OpenAI-compatible API key first",
            Integration::Stripe => "save the Stripe secret key first",
            Integration::Smtp => "save an SMTP URL first",
            Integration::Resend => "save a Resend API key first",
            Integration::Meta => "save the Meta app ID and app secret first",
            Integration::Apify => "save an Apify API token first",
            Integration::Manychat => "save a Manychat API key first",
        }
    }
}

/// What a test connection came to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestOutcome {
    pub integration: Integration,
    /// The service answered and accepted the credentials.
    pub ok: bool,
    /// `false`: the settings it needs are missing and no call was made.
    pub configured: bool,
    /// The HTTP status of the answer (none for SMTP, or when no answer came).
    pub status: Option<u16>,
    pub result: Classification,
    /// The classification in a sentence. Never anything the server wrote.
    pub message: String,
    /// From sending the request to the end of the answer, in milliseconds.
    pub latency_ms: u64,
}

impl TestOutcome {
    /// One line for a flash message.
    pub fn summary(&self) -> String {
        let verdict = match (self.configured, self.ok) {
            (false, _) => "not configured",
            (true, true) => "connected",
            (true, false) => "failed",
        };
        let mut line = format!("{}: {verdict} — {}", self.integration.label(), self.message);
        if self.configured {
            match self.status {
                Some(status) => line.push_str(&format!(" (HTTP {status}, {} ms)", self.latency_ms)),
                None => line.push_str(&format!(" ({} ms)", self.latency_ms)),
            }
        }
        line
    }

    fn not_configured(integration: Integration) -> Self {
        TestOutcome {
            integration,
            ok: false,
            configured: false,
            status: None,
            result: Classification::NotConfigured,
            message: format!("Not configured: {}.", integration.missing()),
            latency_ms: 0,
        }
    }
}

/// Tries `integration` with the settings in effect now, and records the outcome.
pub async fn test_connection(
    staff: &Staff,
    state: &AppState,
    integration: Integration,
) -> Result<TestOutcome> {
    staff.require(StaffPermission::System)?;
    state.settings.reload().await?;
    let outcome = probe(state, integration).await;
    audit::record(
        &state.db,
        staff
            .audit("settings.tested")
            .target("integration", integration.as_str())
            .detail(json!({
                "ok": outcome.ok,
                "configured": outcome.configured,
                "status": outcome.status,
                "result": outcome.result,
                "latency_ms": outcome.latency_ms,
                "message": outcome.message,
            })),
    )
    .await?;
    Ok(outcome)
}

/// A harmless read against a service's API.
struct HttpProbe {
    url: String,
    bearer: Option<String>,
    query: Vec<(&'static str, String)>,
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

async fn probe(state: &AppState, integration: Integration) -> TestOutcome {
    let s = &state.settings;
    let c = &state.config;
    let bearer_probe = |url: String, key: String| HttpProbe {
        url,
        bearer: Some(key),
        query: Vec::new(),
    };
    let call = match integration {
        Integration::Smtp => {
            return match s.cached(keys::SMTP_URL) {
                Some(url) => smtp_probe(&url).await,
                None => TestOutcome::not_configured(integration),
            };
        }
        Integration::Openai => s.cached(keys::OPENAI_API_KEY).map(|key| {
            let root = s.cached(keys::OPENAI_BASE_URL).unwrap_or_default();
            bearer_probe(format!("{}/models", base(&root)), key)
        }),
        Integration::Stripe => s
            .cached(billing::settings::STRIPE_SECRET_KEY.name)
            .map(|key| {
                let root = c.get(&billing::settings::STRIPE_API_BASE);
                bearer_probe(format!("{}/v1/balance", base(&root)), key)
            }),
        Integration::Resend => s
            .cached(keys::RESEND_API_KEY)
            .map(|key| bearer_probe(format!("{}/domains", base(&c.resend_api_base)), key)),
        Integration::Apify => s.cached(instagram::settings::APIFY_TOKEN.name).map(|key| {
            bearer_probe(
                format!(
                    "{}/v2/users/me",
                    base(&c.get(&instagram::settings::APIFY_API_BASE))
                ),
                key,
            )
        }),
        Integration::Manychat => s.cached(keys::MANYCHAT_API_KEY).map(|key| {
            bearer_probe(
                format!("{}/fb/page/getInfo", base(&c.manychat_api_base)),
                key,
            )
        }),
        Integration::Meta => match (
            s.cached(instagram::settings::META_APP_ID.name),
            s.cached(instagram::settings::META_APP_SECRET.name),
        ) {
            (Some(id), Some(secret)) => Some(HttpProbe {
                url: format!(
                    "{}/oauth/access_token",
                    base(&c.get(&instagram::settings::META_GRAPH_BASE))
                ),
                bearer: None,
                query: vec![
                    ("client_id", id),
                    ("client_secret", secret),
                    ("grant_type", "client_credentials".into()),
                ],
            }),
            _ => None,
        },
    };
    match call {
        Some(call) => http_probe(integration, call).await,
        None => TestOutcome::not_configured(integration),
    }
}

/// One client for every test connection. Idle connections are not pooled: tests are rare, and
/// a pooled connection would outlive the runtime that opened it (each test has its own).
fn client() -> Result<reqwest::Client> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .timeout(TEST_TIMEOUT)
        .connect_timeout(TEST_TIMEOUT)
        .pool_max_idle_per_host(0)
        // A redirect would carry the credentials somewhere the operator did not configure.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Growthdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::internal)?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

async fn http_probe(integration: Integration, call: HttpProbe) -> TestOutcome {
    let unreachable = |message: String, latency_ms: u64| TestOutcome {
        integration,
        ok: false,
        configured: true,
        status: None,
        result: Classification::NotReachable,
        message,
        latency_ms,
    };
    let client = match client() {
        Ok(c) => c,
        Err(_) => return unreachable("No HTTP client could be made".into(), 0),
    };
    let mut request = client
        .get(&call.url)
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(key) = &call.bearer {
        request = request.bearer_auth(key);
    }
    if !call.query.is_empty() {
        request = request.query(&call.query);
    }
    let started = Instant::now();
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(e) => return unreachable(describe(&e), elapsed_ms(started)),
    };
    let status = response.status();
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= BODY_LIMIT {
            body.truncate(BODY_LIMIT);
            break;
        }
    }
    let latency_ms = elapsed_ms(started);
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let result = classify(integration, status, json.as_ref());
    TestOutcome {
        integration,
        ok: result == Classification::Reachable,
        configured: true,
        status: Some(status.as_u16()),
        result,
        message: sentence(integration, result, Some(status.as_u16())),
        latency_ms,
    }
}

/// A transport error in a fixed phrase (its causes may quote the other side or hold the URL,
/// which carries Meta's app secret).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!(
            "Not reachable: no answer within {} s",
            TEST_TIMEOUT.as_secs()
        )
    } else if e.is_connect() {
        "Not reachable: could not connect (no connection or TLS failed)".into()
    } else {
        "Not reachable: the request failed before an answer came".into()
    }
}

fn text<'a>(json: Option<&'a Value>, path: &[&str]) -> Option<&'a str> {
    let mut v = json?;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

/// The classification of an answer, from the service's documented format. Only the shape is
/// read; nothing of it is kept.
fn classify(
    integration: Integration,
    status: reqwest::StatusCode,
    json: Option<&Value>,
) -> Classification {
    use Classification::*;
    let has = |field: &str| json.and_then(|j| j.get(field)).is_some();
    if status.is_success() {
        let documented = match integration {
            Integration::Openai | Integration::Resend => json
                .and_then(|j| j.get("data"))
                .is_some_and(Value::is_array),
            Integration::Stripe => text(json, &["object"]) == Some("balance"),
            Integration::Meta => text(json, &["access_token"]).is_some(),
            Integration::Apify => has("data"),
            // Manychat answers 200 with `status: error` for some refusals.
            Integration::Manychat => match text(json, &["status"]) {
                Some("success") => true,
                Some(_) => return RefusedKey,
                None => false,
            },
            Integration::Smtp => true,
        };
        return if documented {
            Reachable
        } else {
            UnexpectedReply
        };
    }
    // A sending-only Resend key may not list domains, but Resend did accept it, and sending is
    // all the mailer does with it.
    if integration == Integration::Resend
        && status == reqwest::StatusCode::UNAUTHORIZED
        && text(json, &["name"]) == Some("restricted_api_key")
    {
        return Reachable;
    }
    match status.as_u16() {
        401 | 403 => RefusedKey,
        // Meta refuses a wrong app secret with 400 and an `OAuthException`.
        400 if integration == Integration::Meta
            && text(json, &["error", "type"]) == Some("OAuthException") =>
        {
            RefusedKey
        }
        _ => UnexpectedReply,
    }
}

/// The fixed sentence of a classification.
fn sentence(integration: Integration, result: Classification, status: Option<u16>) -> String {
    let service = integration.label();
    let credential = match integration {
        Integration::Meta => "app ID and secret",
        Integration::Apify => "token",
        Integration::Smtp => "sign-in",
        _ => "key",
    };
    match result {
        Classification::NotConfigured => format!("Not configured: {}.", integration.missing()),
        Classification::Reachable => {
            if integration == Integration::Resend && status == Some(401) {
                "Reachable: Resend accepted the key; it may only send email, which is all the mailer needs".into()
            } else {
                format!("Reachable: {service} accepted the {credential}")
            }
        }
        Classification::RefusedKey => format!("Refused: {service} refused the {credential}"),
        Classification::NotReachable => format!("Not reachable: {service} did not answer"),
        Classification::UnexpectedReply => {
            format!("Unexpected reply: the answer is not what {service} sends; is the URL right?")
        }
    }
}

/// Connects, greets (EHLO, STARTTLS and sign-in as the URL says) and sends NOOP. The outcome
/// names the server's reply code at most, never its text (nor the URL, which holds a password).
async fn smtp_probe(url: &str) -> TestOutcome {
    let outcome = |result: Classification, message: String, latency_ms: u64| TestOutcome {
        integration: Integration::Smtp,
        ok: result == Classification::Reachable,
        configured: true,
        status: None,
        result,
        message,
        latency_ms,
    };
    let transport: AsyncSmtpTransport<Tokio1Executor> =
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
            Ok(builder) => builder.timeout(Some(TEST_TIMEOUT)).build(),
            Err(_) => {
                return outcome(
                    Classification::UnexpectedReply,
                    "The SMTP URL is not valid".into(),
                    0,
                );
            }
        };
    let signs_in = url::Url::parse(url).is_ok_and(|u| u.password().is_some());
    let started = Instant::now();
    let result = tokio::time::timeout(TEST_TIMEOUT, transport.test_connection()).await;
    let latency_ms = elapsed_ms(started);
    match result {
        Err(_) => outcome(
            Classification::NotReachable,
            format!(
                "Not reachable: no answer within {} s",
                TEST_TIMEOUT.as_secs()
            ),
            latency_ms,
        ),
        Ok(Ok(true)) => outcome(
            Classification::Reachable,
            if signs_in {
                "Reachable: the server accepted the sign-in and answered NOOP".into()
            } else {
                "Reachable: the server answered EHLO and NOOP".into()
            },
            latency_ms,
        ),
        Ok(Ok(false)) => outcome(
            Classification::UnexpectedReply,
            "Unexpected reply: connected, but the server did not answer NOOP".into(),
            latency_ms,
        ),
        Ok(Err(e)) => {
            let (result, message) = smtp_failure(&e);
            outcome(result, message, latency_ms)
        }
    }
}

/// An SMTP error by its reply code: 530/534/535 refuse the sign-in; another code is an
/// unexpected reply; no code means no (usable) connection.
fn smtp_failure(e: &lettre::transport::smtp::Error) -> (Classification, String) {
    match e.status().map(|code| code.to_string()) {
        Some(code) if matches!(code.as_str(), "530" | "534" | "535") => (
            Classification::RefusedKey,
            format!("Refused: the server refused the sign-in (SMTP {code})"),
        ),
        Some(code) => (
            Classification::UnexpectedReply,
            format!("Unexpected reply: the server answered SMTP {code}"),
        ),
        None if e.is_timeout() => (
            Classification::NotReachable,
            format!(
                "Not reachable: no answer within {} s",
                TEST_TIMEOUT.as_secs()
            ),
        ),
        None => (
            Classification::NotReachable,
            "Not reachable: could not connect (no connection or TLS failed)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_by_status_and_shape_only() {
        use reqwest::StatusCode as S;
        let c = |i, s, j: Value| classify(i, s, Some(&j));
        assert_eq!(
            c(Integration::Openai, S::OK, json!({"data": []})),
            Classification::Reachable
        );
        assert_eq!(
            c(Integration::Openai, S::OK, json!({"hello": "world"})),
            Classification::UnexpectedReply
        );
        assert_eq!(
            c(Integration::Openai, S::UNAUTHORIZED, json!({})),
            Classification::RefusedKey
        );
        assert_eq!(
            c(Integration::Openai, S::NOT_FOUND, json!({})),
            Classification::UnexpectedReply
        );
        assert_eq!(
            c(
                Integration::Meta,
                S::BAD_REQUEST,
                json!({"error": {"type": "OAuthException"}})
            ),
            Classification::RefusedKey
        );
        assert_eq!(
            c(Integration::Manychat, S::OK, json!({"status": "error"})),
            Classification::RefusedKey
        );
        assert_eq!(
            c(
                Integration::Resend,
                S::UNAUTHORIZED,
                json!({"name": "restricted_api_key"})
            ),
            Classification::Reachable
        );
        for result in [
            Classification::Reachable,
            Classification::RefusedKey,
            Classification::NotReachable,
            Classification::UnexpectedReply,
        ] {
            let line = sentence(Integration::Openai, result, Some(200));
            assert!(line.len() < 120, "{line}");
        }
    }

    #[test]
    fn integrations_round_trip() {
        for i in Integration::ALL {
            assert_eq!(Integration::parse(i.as_str()), Some(i));
        }
        assert_eq!(Integration::parse("ftp"), None);
    }
}
