//! The HTTP side of the provider: one pooled client, a streamed chat completion with retries
//! on 429 and 5xx (honouring `Retry-After`) until the first token, timeouts on the answer's
//! headers and on every silence of the stream, and `/models` for the connection test.
//!
//! Nothing here logs the key or the prompt: errors carry the status and the server's own
//! message, never the request.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use eventsource_stream::Eventsource;
use futures::StreamExt;

use super::{
    Connection, Failure,
    breaker::Tuning,
    wire::{ChatRequest, Chunk, ErrorAnswer, Message, ModelList, StreamOptions, Usage},
};

fn client() -> Result<reqwest::Client, Failure> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    platform::install_tls_provider();
    let c = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        // A request carrying the key is never replayed to a host we did not choose.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Growthdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::Unreachable(format!("no HTTP client: {e}")))?;
    Ok(CLIENT.get_or_init(|| c).clone())
}

fn endpoint(conn: &Connection, path: &str) -> String {
    format!("{}/{}", conn.base_url.trim_end_matches('/'), path)
}

fn authorised(conn: &Connection, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match &conn.api_key {
        Some(key) => req.bearer_auth(key),
        None => req,
    }
}

fn transport(e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        Failure::Timeout
    } else if e.is_connect() {
        Failure::Unreachable("could not connect".into())
    } else {
        Failure::Unreachable(e.without_url_ref())
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        // reqwest's Display names the URL; ours may carry nothing secret, but a base URL
        // with credentials in it must not reach a log.
        let mut s = self.to_string();
        if let Some(url) = self.url() {
            s = s.replace(url.as_str(), "the AI service");
        }
        s
    }
}

/// What the server said, from an error answer's body (bounded).
fn server_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<ErrorAnswer>(body) {
        Ok(a) => a.error.message,
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    text.chars().take(300).collect()
}

/// Seconds the server asks us to wait (`Retry-After` in seconds; a date is read as 30 s).
fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    let v = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    Some(match v.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => Duration::from_secs(30),
    })
}

fn failure_of_status(status: u16, message: String, wait: Option<Duration>) -> Failure {
    match status {
        401 | 403 => Failure::RefusedKey,
        404 => Failure::UnknownModel(message),
        429 => Failure::RateLimited {
            retry_after_secs: wait.map(|d| d.as_secs().max(1)).unwrap_or(30),
        },
        400..=499 => Failure::RefusedRequest(message),
        _ => Failure::ServerError { status, message },
    }
}

/// The streamed answer.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub text: String,
    pub usage: Option<Usage>,
    /// From sending the request to the first piece of text.
    pub first_token: Option<Duration>,
    pub attempts: u32,
}

/// A failure and how many attempts it took.
#[derive(Debug)]
pub struct Failed {
    pub failure: Failure,
    pub attempts: u32,
    pub first_token: Option<Duration>,
    /// Text already received when the stream broke.
    pub partial: String,
}

/// Streams one chat completion, handing each piece of text to `on_text` as it arrives.
pub async fn stream_chat(
    conn: &Connection,
    tuning: &Tuning,
    model: &str,
    messages: &[Message],
    max_tokens: Option<u32>,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Streamed, Failed> {
    let started = Instant::now();
    let fail = |failure, attempts| Failed {
        failure,
        attempts,
        first_token: None,
        partial: String::new(),
    };
    let client = client().map_err(|f| fail(f, 0))?;
    let body = ChatRequest {
        model,
        messages,
        stream: true,
        stream_options: StreamOptions {
            include_usage: true,
        },
        max_tokens,
        temperature: None,
    };
    let mut attempt = 0;
    let res = loop {
        attempt += 1;
        let sent = tokio::time::timeout(
            tuning.first_byte_timeout,
            authorised(conn, client.post(endpoint(conn, "chat/completions")))
                .json(&body)
                .send(),
        )
        .await;
        let res = match sent {
            Err(_) => return Err(fail(Failure::Timeout, attempt)),
            Ok(Err(e)) => {
                let f = transport(&e);
                if attempt < tuning.attempts && matches!(f, Failure::Unreachable(_)) {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                return Err(fail(f, attempt));
            }
            Ok(Ok(res)) => res,
        };
        let status = res.status().as_u16();
        if res.status().is_success() {
            break res;
        }
        let wait = retry_after(&res);
        let message = server_message(&res.bytes().await.unwrap_or_default());
        let failure = failure_of_status(status, message, wait);
        let retryable = matches!(
            failure,
            Failure::RateLimited { .. } | Failure::ServerError { .. }
        );
        let pause = wait.unwrap_or_else(|| backoff(attempt));
        if retryable && attempt < tuning.attempts && pause <= tuning.max_retry_wait {
            tokio::time::sleep(pause).await;
            continue;
        }
        return Err(fail(failure, attempt));
    };

    // The body as a stream of byte chunks, each read under the idle timeout.
    let idle = tuning.idle_timeout;
    let bytes = futures::stream::unfold(res, move |mut res| async move {
        match tokio::time::timeout(idle, res.chunk()).await {
            Err(_) => Some((Err(Failure::Timeout), res)),
            Ok(Err(e)) => Some((Err(transport(&e)), res)),
            Ok(Ok(Some(b))) => Some((Ok(b), res)),
            Ok(Ok(None)) => None,
        }
    });
    let mut events = Box::pin(bytes.eventsource());
    let mut text = String::new();
    let mut usage = None;
    let mut first_token = None;
    let mut done = false;
    // A finish reason came: a server that then closes without `[DONE]` still answered fully.
    let mut finished = false;
    let broken = |failure, text: String, first_token| Failed {
        failure,
        attempts: attempt,
        first_token,
        partial: text,
    };
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(e) => e,
            Err(eventsource_stream::EventStreamError::Transport(f)) => {
                return Err(broken(f, text, first_token));
            }
            Err(e) => {
                return Err(broken(
                    Failure::Malformed(format!("unreadable event stream: {e}")),
                    text,
                    first_token,
                ));
            }
        };
        let data = event.data.trim();
        if data == "[DONE]" {
            done = true;
            break;
        }
        if data.is_empty() {
            continue;
        }
        let chunk: Chunk = match serde_json::from_str(data) {
            Ok(c) => c,
            Err(e) => {
                return Err(broken(
                    Failure::Malformed(format!("a streamed chunk was not JSON: {e}")),
                    text,
                    first_token,
                ));
            }
        };
        if let Some(e) = chunk.error {
            return Err(broken(
                Failure::ServerError {
                    status: 200,
                    message: e.message.chars().take(300).collect(),
                },
                text,
                first_token,
            ));
        }
        if let Some(u) = chunk.usage {
            usage = Some(u);
        }
        for choice in &chunk.choices {
            if let Some(piece) = choice.delta.content.as_deref().filter(|p| !p.is_empty()) {
                if first_token.is_none() {
                    first_token = Some(started.elapsed());
                }
                text.push_str(piece);
                on_text(piece);
            }
            if choice.finish_reason.is_some() {
                finished = true;
            }
        }
    }
    let done = done || finished;
    if !done && text.is_empty() {
        return Err(broken(
            Failure::Malformed("the stream ended without an answer".into()),
            text,
            first_token,
        ));
    }
    if !done {
        // The connection closed mid-answer without `[DONE]`: what arrived may be cut short.
        return Err(broken(
            Failure::Malformed("the stream ended before the answer was complete".into()),
            text,
            first_token,
        ));
    }
    Ok(Streamed {
        text,
        usage,
        first_token,
        attempts: attempt,
    })
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.saturating_sub(1).min(4)))
}

/// `GET {base}/models`: the model names the server offers (the connection test).
pub async fn list_models(conn: &Connection, tuning: &Tuning) -> Result<Vec<String>, Failure> {
    let client = client()?;
    let res = tokio::time::timeout(
        tuning.first_byte_timeout,
        authorised(conn, client.get(endpoint(conn, "models"))).send(),
    )
    .await
    .map_err(|_| Failure::Timeout)?
    .map_err(|e| transport(&e))?;
    let status = res.status().as_u16();
    let wait = retry_after(&res);
    let body = res.bytes().await.map_err(|e| transport(&e))?;
    if !(200..300).contains(&status) {
        return Err(failure_of_status(status, server_message(&body), wait));
    }
    let list: ModelList = serde_json::from_slice(&body)
        .map_err(|e| Failure::Malformed(format!("the model list was not readable: {e}")))?;
    Ok(list.data.into_iter().map(|m| m.id).collect())
}
