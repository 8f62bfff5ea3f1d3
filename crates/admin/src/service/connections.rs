//! "Test connection" of the system settings' integrations: one real, harmless call with the
//! effective values (list models, read the balance, SMTP NOOP, …) and its outcome, audited as
//! `settings.tested`; what a server answers is shortened and scrubbed of the secrets sent.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use lettre::{AsyncSmtpTransport, Tokio1Executor};
use platform::{
    AppState, Error, Result, audit,
    settings::{self as keys, SettingGroup},
    web::forms::plural,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use platform::staff::{Staff, StaffPermission};

/// How long a test connection may take, end to end.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer is read, and how much of an error is shown.
const BODY_LIMIT: usize = 64 * 1024;
const DETAIL_CHARS: usize = 200;

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
    /// What happened, in a sentence; an error answer is shortened and never holds a secret.
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
    /// Everything sent that must not come back in a message.
    secrets: Vec<String>,
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

async fn probe(state: &AppState, integration: Integration) -> TestOutcome {
    let s = &state.settings;
    let c = &state.config;
    let bearer_probe = |url: String, key: String| HttpProbe {
        url,
        bearer: Some(key.clone()),
        query: Vec::new(),
        secrets: vec![key],
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
            .cached(keys::STRIPE_SECRET_KEY)
            .map(|key| bearer_probe(format!("{}/v1/balance", base(&c.stripe_api_base)), key)),
        Integration::Resend => s
            .cached(keys::RESEND_API_KEY)
            .map(|key| bearer_probe(format!("{}/domains", base(&c.resend_api_base)), key)),
        Integration::Apify => s
            .cached(keys::APIFY_TOKEN)
            .map(|key| bearer_probe(format!("{}/v2/users/me", base(&c.apify_api_base)), key)),
        Integration::Manychat => s.cached(keys::MANYCHAT_API_KEY).map(|key| {
            bearer_probe(
                format!("{}/fb/page/getInfo", base(&c.manychat_api_base)),
                key,
            )
        }),
        Integration::Meta => match (s.cached(keys::META_APP_ID), s.cached(keys::META_APP_SECRET)) {
            (Some(id), Some(secret)) => Some(HttpProbe {
                url: format!("{}/oauth/access_token", base(&c.meta_graph_base)),
                bearer: None,
                query: vec![
                    ("client_id", id),
                    ("client_secret", secret.clone()),
                    ("grant_type", "client_credentials".into()),
                ],
                secrets: vec![secret],
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
    let failed = |status: Option<u16>, message: String, latency_ms: u64| TestOutcome {
        integration,
        ok: false,
        configured: true,
        status,
        message: scrub(&message, &call.secrets),
        latency_ms,
    };
    let client = match client() {
        Ok(c) => c,
        Err(e) => return failed(None, format!("No HTTP client: {e}"), 0),
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
        Err(e) => return failed(None, describe(&e), elapsed_ms(started)),
    };
    let status = response.status();
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() >= BODY_LIMIT {
                    body.truncate(BODY_LIMIT);
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => return failed(Some(status.as_u16()), describe(&e), elapsed_ms(started)),
        }
    }
    let latency_ms = elapsed_ms(started);
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let (ok, message) = interpret(integration, status, json.as_ref(), &body);
    TestOutcome {
        integration,
        ok,
        configured: true,
        status: Some(status.as_u16()),
        message: scrub(&message, &call.secrets),
        latency_ms,
    }
}

/// A transport error in words (its causes, without the URL: Meta's carries the app secret).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("No answer within {} s", TEST_TIMEOUT.as_secs());
    }
    let mut text = if e.is_connect() {
        "Could not connect".to_string()
    } else {
        "The request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn count(json: Option<&Value>, list: &str) -> Option<u64> {
    json?
        .get(list)?
        .as_array()
        .map(|items| u64::try_from(items.len()).unwrap_or(u64::MAX))
}

fn text<'a>(json: Option<&'a Value>, path: &[&str]) -> Option<&'a str> {
    let mut v = json?;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

/// Success or failure and a sentence, from what the service answered (its documented format).
fn interpret(
    integration: Integration,
    status: reqwest::StatusCode,
    json: Option<&Value>,
    body: &[u8],
) -> (bool, String) {
    let service = integration.label();
    if status.is_success() {
        let unexpected = || {
            (
                false,
                format!(
                    "{service} answered {} but not in the format expected; is the URL right?",
                    status.as_u16()
                ),
            )
        };
        return match integration {
            Integration::Openai => match count(json, "data") {
                Some(n) => (
                    true,
                    format!("The key lists {}", plural(n, "model", "models")),
                ),
                None => unexpected(),
            },
            Integration::Stripe => match json {
                Some(j) if text(Some(j), &["object"]) == Some("balance") => {
                    let mode = if j.get("livemode").and_then(Value::as_bool) == Some(true) {
                        "live"
                    } else {
                        "test"
                    };
                    (true, format!("The balance is readable ({mode} mode)"))
                }
                _ => unexpected(),
            },
            Integration::Resend => match count(json, "data") {
                Some(n) => (
                    true,
                    format!(
                        "The key lists {}",
                        plural(n, "sending domain", "sending domains")
                    ),
                ),
                None => unexpected(),
            },
            // The answer holds an app access token: it is never shown.
            Integration::Meta => match text(json, &["access_token"]) {
                Some(_) => (true, "The app ID and secret were accepted".into()),
                None => unexpected(),
            },
            Integration::Apify => match text(json, &["data", "username"]) {
                Some(user) => (true, format!("Signed in as {user}")),
                None if json.and_then(|j| j.get("data")).is_some() => {
                    (true, "The token was accepted".into())
                }
                None => unexpected(),
            },
            // Manychat answers 200 with `status: error` for some refusals.
            Integration::Manychat => match text(json, &["status"]) {
                Some("success") => match text(json, &["data", "name"]) {
                    Some(page) => (true, format!("Connected to the page {page}")),
                    None => (true, "The key was accepted".into()),
                },
                Some(_) => (
                    false,
                    format!("{service} refused: {}", error_detail(json, body)),
                ),
                None => unexpected(),
            },
            Integration::Smtp => (true, "Connected".into()),
        };
    }
    // A sending-only Resend key may not list domains, but Resend did accept it, and sending is
    // all the mailer does with it.
    if integration == Integration::Resend
        && status == reqwest::StatusCode::UNAUTHORIZED
        && text(json, &["name"]) == Some("restricted_api_key")
    {
        return (
            true,
            "The key was accepted; it may only send email, which is all the mailer needs".into(),
        );
    }
    (
        false,
        format!(
            "{service} answered {} {}: {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            error_detail(json, body)
        ),
    )
}

/// The error message of an answer: the services' JSON error fields, else the start of the body.
fn error_detail(json: Option<&Value>, body: &[u8]) -> String {
    let found = text(json, &["error", "message"])
        .or_else(|| text(json, &["message"]))
        .or_else(|| text(json, &["error"]))
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    if found.is_empty() {
        return "no details".into();
    }
    shorten(&found)
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= DETAIL_CHARS {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(DETAIL_CHARS).collect();
    cut.push('…');
    cut
}

/// Removes every secret sent (as is and URL-encoded) from a message a server or library wrote.
fn scrub(message: &str, secrets: &[String]) -> String {
    let mut out = message.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        let encoded = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
        for form in [secret.as_str(), encoded.as_str()] {
            out = out.replace(form, "••••");
        }
    }
    out
}

/// Connects, greets (EHLO, STARTTLS and sign-in as the URL says) and sends NOOP.
async fn smtp_probe(url: &str) -> TestOutcome {
    let parsed = url::Url::parse(url).ok();
    let mut secrets = vec![url.to_string()];
    if let Some(password) = parsed.as_ref().and_then(|u| u.password()) {
        secrets.push(password.to_string());
        if let Ok(decoded) = urlencoding::decode(password) {
            secrets.push(decoded.into_owned());
        }
    }
    let outcome = |ok: bool, message: String, latency_ms: u64| TestOutcome {
        integration: Integration::Smtp,
        ok,
        configured: true,
        status: None,
        message: scrub(&message, &secrets),
        latency_ms,
    };
    let transport: AsyncSmtpTransport<Tokio1Executor> =
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
            Ok(builder) => builder.timeout(Some(TEST_TIMEOUT)).build(),
            Err(_) => return outcome(false, "The SMTP URL is not valid".into(), 0),
        };
    let signs_in = parsed.as_ref().is_some_and(|u| u.password().is_some());
    let started = Instant::now();
    let result = tokio::time::timeout(TEST_TIMEOUT, transport.test_connection()).await;
    let latency_ms = elapsed_ms(started);
    match result {
        Err(_) => outcome(
            false,
            format!("No answer within {} s", TEST_TIMEOUT.as_secs()),
            latency_ms,
        ),
        Ok(Ok(true)) => outcome(
            true,
            if signs_in {
                "The server accepted the sign-in and answered NOOP".into()
            } else {
                "The server answered EHLO and NOOP".into()
            },
            latency_ms,
        ),
        Ok(Ok(false)) => outcome(
            false,
            "Connected, but the server did not answer NOOP".into(),
            latency_ms,
        ),
        Ok(Err(e)) => outcome(false, shorten(&format!("SMTP: {e}")), latency_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_as_sent_and_url_encoded() {
        let secrets = vec!["s3cr3t+/=value".to_string()];
        let message = "bad client_secret=s3cr3t%2B%2F%3Dvalue, echo s3cr3t+/=value";
        let out = scrub(message, &secrets);
        assert!(!out.contains("s3cr3t"), "{out}");
    }

    #[test]
    fn error_details_come_from_the_services_fields_and_are_short() {
        let openai = json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}});
        assert_eq!(
            error_detail(Some(&openai), b""),
            "Incorrect API key provided"
        );
        let resend =
            json!({"statusCode": 403, "name": "invalid_api_key", "message": "API key is invalid"});
        assert_eq!(error_detail(Some(&resend), b""), "API key is invalid");
        let long = "x".repeat(1000);
        assert_eq!(
            error_detail(None, long.as_bytes()).chars().count(),
            DETAIL_CHARS + 1
        );
    }

    #[test]
    fn integrations_round_trip() {
        for i in Integration::ALL {
            assert_eq!(Integration::parse(i.as_str()), Some(i));
        }
        assert_eq!(Integration::parse("ftp"), None);
    }
}
