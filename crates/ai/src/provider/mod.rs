//! The one LLM provider of the platform: an OpenAI-compatible Chat Completions server,
//! hosted (OpenAI, OpenRouter, Groq, Together…) or local (Ollama, llama.cpp's server, vLLM).
//! Where it is and how to reach it are system settings (`openai_base_url`, `openai_api_key`,
//! `default_ai_model`); a local server needs no key.
//!
//! [`client`] speaks the wire format ([`wire`]); [`breaker`] keeps a failing server from
//! slowing every page down. What a call costs and who made it is the business of
//! [`crate::call`].

pub mod breaker;
pub mod client;
pub mod wire;

use platform::{
    AppState, Error,
    settings::{DEFAULT_AI_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL},
};

/// Where the model server is.
#[derive(Clone)]
pub struct Connection {
    pub base_url: String,
    pub api_key: Option<String>,
    pub default_model: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches a log, not even through a debug print.
        f.debug_struct("Connection")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .field("default_model", &self.default_model)
            .finish()
    }
}

/// The hosted default: a key is needed there; any other base URL is a server the operator
/// chose (often local) that may need none.
const OPENAI_HOSTED: &str = "https://api.openai.com";

/// The connection from the system settings, or why there is none.
pub async fn connection(state: &AppState) -> Result<Connection, Failure> {
    let settings = &state.settings;
    let base_url = settings
        .get(OPENAI_BASE_URL)
        .await
        .filter(|u| !u.trim().is_empty())
        .ok_or(Failure::NotConfigured)?;
    let api_key = settings
        .get(OPENAI_API_KEY)
        .await
        .filter(|k| !k.trim().is_empty());
    if api_key.is_none() && base_url.starts_with(OPENAI_HOSTED) {
        return Err(Failure::NotConfigured);
    }
    let default_model = settings
        .get(DEFAULT_AI_MODEL)
        .await
        .filter(|m| !m.trim().is_empty())
        .ok_or(Failure::NotConfigured)?;
    Ok(Connection {
        base_url,
        api_key,
        default_model,
    })
}

/// Why a call did not give an answer. Each kind is an outcome of the meter and a sentence for
/// the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    NotConfigured,
    Unreachable(String),
    RefusedKey,
    UnknownModel(String),
    RefusedRequest(String),
    RateLimited { retry_after_secs: u64 },
    ServerError { status: u16, message: String },
    Timeout,
    Malformed(String),
    CircuitOpen { retry_after_secs: u64 },
}

impl Failure {
    /// The meter's outcome name (stable: the back office groups failures by it).
    pub fn outcome(&self) -> &'static str {
        match self {
            Failure::NotConfigured => "not_configured",
            Failure::Unreachable(_) => "unreachable",
            Failure::RefusedKey => "refused_key",
            Failure::UnknownModel(_) => "unknown_model",
            Failure::RefusedRequest(_) => "refused_request",
            Failure::RateLimited { .. } => "rate_limited",
            Failure::ServerError { .. } => "server_error",
            Failure::Timeout => "timeout",
            Failure::Malformed(_) => "malformed",
            Failure::CircuitOpen { .. } => "circuit_open",
        }
    }

    /// Whether it says the server is unwell (counts toward opening the circuit).
    pub fn is_health(&self) -> bool {
        matches!(
            self,
            Failure::Unreachable(_)
                | Failure::RateLimited { .. }
                | Failure::ServerError { .. }
                | Failure::Timeout
                | Failure::Malformed(_)
        )
    }

    /// What is stored on the meter (no secret: statuses and the server's own words).
    pub fn detail(&self) -> String {
        match self {
            Failure::Unreachable(m)
            | Failure::UnknownModel(m)
            | Failure::RefusedRequest(m)
            | Failure::Malformed(m) => m.clone(),
            Failure::ServerError { status, message } => format!("status {status}: {message}"),
            Failure::RateLimited { retry_after_secs } => {
                format!("rate-limited; asked to wait {retry_after_secs} s")
            }
            Failure::CircuitOpen { retry_after_secs } => {
                format!("paused after repeated failures for {retry_after_secs} s more")
            }
            Failure::NotConfigured => "not configured".into(),
            Failure::RefusedKey => "the key was refused".into(),
            Failure::Timeout => "no answer in time".into(),
        }
    }

    /// Label of an outcome for the back office.
    pub fn label(outcome: &str) -> &'static str {
        match outcome {
            "ok" => "Answered",
            "not_configured" => "Not configured",
            "unreachable" => "Not reachable",
            "refused_key" => "Key refused",
            "unknown_model" => "Unknown model",
            "refused_request" => "Request refused",
            "rate_limited" => "Rate-limited",
            "server_error" => "Server error",
            "timeout" => "Timed out",
            "malformed" => "Unreadable answer",
            "circuit_open" => "Paused (failing)",
            _ => "Other",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail())
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotConfigured => Error::NotConfigured {
                code: "ai-not-configured",
                message: "The AI service is not configured: a super admin sets its address, key and default model under System settings → AI. Everything that does not need AI keeps working.".into(),
            },
            Failure::RefusedKey => Error::NotConfigured {
                code: "ai-key-refused",
                message: "The AI service refused the key: a super admin checks the API key under System settings → AI.".into(),
            },
            Failure::UnknownModel(_) => Error::NotConfigured {
                code: "ai-model-unknown",
                message: "The AI service does not offer the chosen model: a super admin checks the models under AI models.".into(),
            },
            Failure::RefusedRequest(m) => Error::BadRequest(format!(
                "The AI service refused the request: {m}"
            )),
            Failure::RateLimited { retry_after_secs } => Error::Unavailable {
                message: format!(
                    "The AI service is busy (rate-limited). Try again in {retry_after_secs} s."
                ),
                retry_after_secs,
            },
            Failure::CircuitOpen { retry_after_secs } => Error::Unavailable {
                message: format!(
                    "The AI service failed repeatedly and is paused. Try again in {retry_after_secs} s."
                ),
                retry_after_secs,
            },
            Failure::Unreachable(_) => Error::Unavailable {
                message: "The AI service is not reachable. Try again in a minute.".into(),
                retry_after_secs: 60,
            },
            Failure::Timeout => Error::Unavailable {
                message: "The AI service did not answer in time. Try again in a minute.".into(),
                retry_after_secs: 60,
            },
            Failure::ServerError { .. } | Failure::Malformed(_) => Error::Unavailable {
                message: "The AI service answered with an error. Try again in a minute.".into(),
                retry_after_secs: 60,
            },
        }
    }
}
