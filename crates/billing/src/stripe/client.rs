//! A small Stripe API client: form-encoded requests (`a[b][0]=c`), JSON answers, the secret
//! key as bearer token, and an `Idempotency-Key` on every POST/DELETE so a retried call (a
//! double click, a timeout we retry) is performed once by Stripe, which replays the first
//! answer for 24 h. Stripe's error objects become `platform::Error`s that say what to do.

use std::{sync::OnceLock, time::Duration};

use platform::{AppState, Error, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Connecting longer than this means Stripe is unreachable for now.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Stripe answers in well under a second; a page waits for these calls, so keep it short.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What a customer is told when something needs payments and the server takes none (no
/// Stripe secret key): in their words, without naming settings.
pub const NOT_CONFIGURED: &str =
    "This server does not take payments online; your administrator assigns your plan";

/// Form parameters in Stripe's bracket notation, in order.
#[derive(Debug, Default, Clone)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.0.push((key.into(), value.to_string()));
        self
    }

    pub fn set_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

fn http() -> Result<reqwest::Client> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    platform::install_tls_provider();
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // Short-lived pooled connections: they must not outlive the runtime that opened them.
        .pool_idle_timeout(Duration::from_secs(30))
        // A request carrying the secret key is never replayed to a host we did not choose.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Growthdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::internal)?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

impl StripeClient {
    pub fn new(base: &str, secret_key: &str) -> Result<Self> {
        Ok(Self {
            http: http()?,
            base: base.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
        })
    }

    /// The client for this server's effective settings (a saved system setting overrides
    /// the config file), or `None` when no secret key is set.
    pub async fn from_state(state: &AppState) -> Result<Option<Self>> {
        let key = state
            .settings
            .get(crate::settings::STRIPE_SECRET_KEY.name)
            .await
            .filter(|k| !k.trim().is_empty());
        match key {
            Some(key) => Ok(Some(Self::new(
                &state.config.get(&crate::settings::STRIPE_API_BASE),
                key.trim(),
            )?)),
            None => Ok(None),
        }
    }

    /// Like [`Self::from_state`], but a missing key is the clear user-facing refusal.
    pub async fn required(state: &AppState) -> Result<Self> {
        Self::from_state(state)
            .await?
            .ok_or_else(|| Error::Conflict(NOT_CONFIGURED.into()))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<T> {
        let req = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form.pairs());
        self.send(req, path).await
    }

    pub async fn delete<T: DeserializeOwned>(
        &self,
        path: &str,
        idempotency_key: &str,
    ) -> Result<T> {
        let req = self
            .http
            .delete(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key);
        self.send(req, path).await
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &Form) -> Result<T> {
        let req = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.secret_key)
            .query(query.pairs());
        self.send(req, path).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<T> {
        let res = req.send().await.map_err(|e| {
            let why = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not be reached"
            } else {
                "failed"
            };
            tracing::warn!(path, error = %e, "Stripe request {why}");
            Error::Unavailable {
                message: format!("The request to Stripe {why}; try again in a moment"),
                retry_after_secs: 30,
            }
        })?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| Error::Unavailable {
            message: format!("Stripe's answer could not be read: {e}"),
            retry_after_secs: 30,
        })?;
        if !(200..300).contains(&status) {
            let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            return Err(map_error(status, &parsed, path));
        }
        serde_json::from_slice(&body).map_err(|e| {
            tracing::error!(path, error = %e, "unexpected Stripe answer");
            Error::Unavailable {
                message: "Stripe answered in an unexpected form".into(),
                retry_after_secs: 60,
            }
        })
    }
}

/// Turns Stripe's `{"error":{"type","code","message"}}` into our error: our request or its
/// data is wrong (4xx) → a conflict naming Stripe's reason; the key is refused → unavailable
/// with a hint for the administrator; Stripe overloaded or down → unavailable, retry later.
pub fn map_error(status: u16, body: &Value, path: &str) -> Error {
    let err = &body["error"];
    let kind = err["type"].as_str().unwrap_or("unknown");
    let code = err["code"].as_str().unwrap_or("");
    let message = err["message"].as_str().unwrap_or("no message").to_string();
    tracing::warn!(path, status, kind, code, %message, "Stripe refused a request");
    match (status, kind) {
        (401 | 403, _) | (_, "authentication_error") => Error::Unavailable {
            message: "Stripe refused this server's API key; an administrator must check the Stripe settings".into(),
            retry_after_secs: 300,
        },
        (429, _) | (_, "rate_limit_error") => Error::Unavailable {
            message: "Stripe is busy; try again in a moment".into(),
            retry_after_secs: 5,
        },
        (500.., _) | (_, "api_error") => Error::Unavailable {
            message: format!("Stripe failed to answer ({message})"),
            retry_after_secs: 30,
        },
        (_, "idempotency_error") => Error::Conflict(
            "The same request was just sent with other details; wait a minute and try again".into(),
        ),
        _ => Error::Conflict(format!("Stripe refused the request: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(kind: &str, message: &str) -> Value {
        json!({"error": {"type": kind, "code": "x", "message": message}})
    }

    #[test]
    fn stripe_errors_say_what_to_do() {
        match map_error(
            400,
            &body("invalid_request_error", "No such price: 'p'"),
            "/",
        ) {
            Error::Conflict(m) => assert!(m.contains("No such price"), "{m}"),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            map_error(401, &body("invalid_request_error", "bad key"), "/"),
            Error::Unavailable { message, .. } if message.contains("API key")
        ));
        assert!(matches!(
            map_error(429, &body("rate_limit_error", "slow"), "/"),
            Error::Unavailable {
                retry_after_secs: 5,
                ..
            }
        ));
        assert!(matches!(
            map_error(502, &Value::Null, "/"),
            Error::Unavailable { .. }
        ));
        assert!(matches!(
            map_error(400, &body("idempotency_error", "x"), "/"),
            Error::Conflict(m) if m.contains("wait a minute")
        ));
    }
}
