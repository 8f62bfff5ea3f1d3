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
    settings::integration::{self, HttpCheck, Integration, Probe},
};

pub use platform::settings::integration::Classification;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use platform::staff::{Staff, StaffPermission};

/// How long a test connection may take, end to end.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer is read (to classify it; it is never shown).
const BODY_LIMIT: usize = 64 * 1024;

/// What a test connection came to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestOutcome {
    /// The integration's id (`stripe`).
    pub integration: &'static str,
    #[serde(skip)]
    label: &'static str,
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
        let mut line = format!("{}: {verdict} — {}", self.label, self.message);
        if self.configured {
            match self.status {
                Some(status) => line.push_str(&format!(" (HTTP {status}, {} ms)", self.latency_ms)),
                None => line.push_str(&format!(" ({} ms)", self.latency_ms)),
            }
        }
        line
    }

    fn new(
        integration: &Integration,
        result: Classification,
        status: Option<u16>,
        message: String,
        latency_ms: u64,
    ) -> Self {
        TestOutcome {
            integration: integration.id,
            label: integration.label,
            ok: result == Classification::Reachable,
            configured: result != Classification::NotConfigured,
            status,
            result,
            message,
            latency_ms,
        }
    }

    fn not_configured(integration: &Integration) -> Self {
        let message = sentence(integration, Classification::NotConfigured);
        Self::new(integration, Classification::NotConfigured, None, message, 0)
    }
}

/// Tries `integration` with the settings in effect now, and records the outcome.
pub async fn test_connection(
    staff: &Staff,
    state: &AppState,
    integration: &Integration,
) -> Result<TestOutcome> {
    staff.require(StaffPermission::System)?;
    state.settings.reload().await?;
    let outcome = probe(state, integration).await;
    audit::record(
        &state.db,
        staff
            .audit("settings.tested")
            .target("integration", integration.id)
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

async fn probe(state: &AppState, integration: &Integration) -> TestOutcome {
    match integration.probe {
        Probe::Smtp => match integration::smtp_url(state) {
            Some(url) => smtp_probe(integration, &url).await,
            None => TestOutcome::not_configured(integration),
        },
        Probe::Http { call, .. } => match call(state) {
            Some(call) => http_probe(integration, call).await,
            None => TestOutcome::not_configured(integration),
        },
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

async fn http_probe(integration: &Integration, call: HttpCheck) -> TestOutcome {
    let unreachable = |message: String, latency_ms: u64| {
        TestOutcome::new(
            integration,
            Classification::NotReachable,
            None,
            message,
            latency_ms,
        )
    };
    let client = match client() {
        Ok(c) => c,
        Err(_) => return unreachable("Not reachable: no HTTP client could be made".into(), 0),
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
    let status = response.status().as_u16();
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
    let (result, own_words) = classify(integration, status, json.as_ref());
    let message = own_words.map_or_else(|| sentence(integration, result), Into::into);
    TestOutcome::new(integration, result, Some(status), message, latency_ms)
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

/// The classification of an answer: the integration's own reading first (a refusal its
/// format sends with 200 or 400), then the status and, for a success, whether the body has
/// the documented shape. Only the shape is read; nothing of it is kept.
fn classify(
    integration: &Integration,
    status: u16,
    json: Option<&Value>,
) -> (Classification, Option<&'static str>) {
    use Classification::*;
    let Probe::Http {
        documented, refine, ..
    } = integration.probe
    else {
        return (UnexpectedReply, None);
    };
    if let Some(reading) = refine.and_then(|refine| refine(status, json)) {
        return reading;
    }
    let result = match status {
        200..=299 if documented(json) => Reachable,
        401 | 403 => RefusedKey,
        _ => UnexpectedReply,
    };
    (result, None)
}

/// The fixed sentence of a classification.
fn sentence(integration: &Integration, result: Classification) -> String {
    let service = integration.label;
    let credential = integration.credential;
    match result {
        Classification::NotConfigured => format!("Not configured: {}.", integration.missing),
        Classification::Reachable => format!("Reachable: {service} accepted the {credential}"),
        Classification::RefusedKey => format!("Refused: {service} refused the {credential}"),
        Classification::NotReachable => format!("Not reachable: {service} did not answer"),
        Classification::UnexpectedReply => {
            format!("Unexpected reply: the answer is not what {service} sends; is the URL right?")
        }
    }
}

/// Connects, greets (EHLO, STARTTLS and sign-in as the URL says) and sends NOOP. The outcome
/// names the server's reply code at most, never its text (nor the URL, which holds a password).
async fn smtp_probe(integration: &Integration, url: &str) -> TestOutcome {
    let outcome = |result: Classification, message: String, latency_ms: u64| {
        TestOutcome::new(integration, result, None, message, latency_ms)
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

    fn named(id: &str) -> Integration {
        let mut all = integration::declare(
            crate::settings::INTEGRATIONS
                .iter()
                .chain(billing::settings::INTEGRATIONS)
                .chain(instagram::settings::INTEGRATIONS)
                .copied(),
        );
        all.retain(|i| i.id == id);
        all.pop().unwrap()
    }

    #[test]
    fn answers_are_classified_by_status_and_shape_only() {
        let c = |id, status, j: Value| classify(&named(id), status, Some(&j)).0;
        use Classification::*;
        assert_eq!(c("openai", 200, json!({"data": []})), Reachable);
        assert_eq!(c("openai", 200, json!({"hello": "world"})), UnexpectedReply);
        assert_eq!(c("openai", 401, json!({})), RefusedKey);
        assert_eq!(c("openai", 404, json!({})), UnexpectedReply);
        assert_eq!(c("stripe", 200, json!({"object": "balance"})), Reachable);
        assert_eq!(
            c("meta", 400, json!({"error": {"type": "OAuthException"}})),
            RefusedKey
        );
        assert_eq!(c("meta", 400, json!({})), UnexpectedReply);
        assert_eq!(c("manychat", 200, json!({"status": "error"})), RefusedKey);
        assert_eq!(c("manychat", 200, json!({"status": "success"})), Reachable);
        assert_eq!(
            c("resend", 401, json!({"name": "restricted_api_key"})),
            Reachable
        );
        assert_eq!(c("apify", 200, json!({"data": {}})), Reachable);
        for result in [Reachable, RefusedKey, NotReachable, UnexpectedReply] {
            let line = sentence(&named("openai"), result);
            assert!(line.len() < 120, "{line}");
        }
    }
}
