//! A local OpenAI-compatible server speaking the real wire format: `POST /v1/chat/completions`
//! with `stream: true` answers `text/event-stream` chunks (`choices[0].delta.content`, a last
//! chunk with `usage`, `data: [DONE]`), errors as `{"error": {"message": …}}` with their status
//! (and `Retry-After` on 429); `GET /v1/models` lists models. What it does depends on the
//! requested model:
//!
//! - `good`: "Hello world" in four pieces, `PIECE_DELAY` apart, usage 42 + 4 tokens;
//! - `no-usage`: the same without the usage chunk;
//! - `flaky`: 429 with `Retry-After: 1` on its first request, then like `good`;
//! - `down`: 500;
//! - `broken`: a chunk that is not JSON;
//! - `slow`: waits 3 s before answering;
//! - `cut`: one piece, then the connection closes (no finish, no `[DONE]`).
//!
//! Every request body is kept, with the count per model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use bytes::Bytes;
use serde_json::{Value, json};

/// Between two streamed pieces of `good`.
pub const PIECE_DELAY: Duration = Duration::from_millis(40);
pub const KEY: &str = "sk-test-key";

#[derive(Clone, Default)]
pub struct Fake {
    pub bodies: Arc<Mutex<Vec<Value>>>,
    pub counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Fake {
    pub fn count(&self, model: &str) -> usize {
        self.counts.lock().unwrap().get(model).copied().unwrap_or(0)
    }

    pub fn last_body(&self) -> Value {
        self.bodies
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// Starts the server; its base URL (`http://127.0.0.1:PORT/v1`).
pub async fn start() -> (String, Fake) {
    let fake = Fake::default();
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/v1"), fake)
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {KEY}"))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "test"}})),
    )
        .into_response()
}

async fn models(headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided");
    }
    Json(json!({"object": "list", "data": [
        {"id": "good", "object": "model"}, {"id": "brand-new", "object": "model"}
    ]}))
    .into_response()
}

fn chunk(content: Option<&str>, finish: Option<&str>) -> String {
    let delta = match content {
        Some(c) => json!({"content": c}),
        None => json!({}),
    };
    format!(
        "data: {}\n\n",
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    )
}

fn streamed(parts: Vec<(Duration, String)>) -> Response {
    let stream = futures::stream::unfold(parts.into_iter(), |mut parts| async move {
        let (delay, text) = parts.next()?;
        tokio::time::sleep(delay).await;
        Some((Ok::<_, Infallible>(Bytes::from(text)), parts))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn hello(with_usage: bool) -> Response {
    let mut parts: Vec<(Duration, String)> = ["Hel", "lo", " wor", "ld"]
        .iter()
        .map(|p| (PIECE_DELAY, chunk(Some(p), None)))
        .collect();
    parts.push((Duration::ZERO, chunk(None, Some("stop"))));
    if with_usage {
        parts.push((
            Duration::ZERO,
            format!(
                "data: {}\n\n",
                json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
                       "usage": {"prompt_tokens": 42, "completion_tokens": 4, "total_tokens": 46}})
            ),
        ));
    }
    parts.push((Duration::ZERO, "data: [DONE]\n\n".into()));
    streamed(parts)
}

async fn chat(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided");
    }
    let model = body["model"].as_str().unwrap_or_default().to_string();
    let n = {
        let mut counts = fake.counts.lock().unwrap();
        let n = counts.entry(model.clone()).or_default();
        *n += 1;
        *n
    };
    fake.bodies.lock().unwrap().push(body);
    match model.as_str() {
        "good" => hello(true),
        "no-usage" => hello(false),
        "flaky" if n == 1 => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached");
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            r
        }
        "flaky" => hello(true),
        "down" => error(StatusCode::INTERNAL_SERVER_ERROR, "The server had an error"),
        "broken" => streamed(vec![(Duration::ZERO, "data: {oops\n\n".into())]),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            hello(true)
        }
        "cut" => streamed(vec![(Duration::ZERO, chunk(Some("Hel"), None))]),
        _ => error(StatusCode::NOT_FOUND, "The model does not exist"),
    }
}
