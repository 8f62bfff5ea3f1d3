//! Helpers shared by the HTTP test crates: an API client, sign-up with an API token, and a
//! reader of the live event stream (`GET /api/v1/events`).
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

/// A plain HTTP client (reqwest needs the process's TLS provider even for http://).
pub fn client() -> reqwest::Client {
    platform::install_tls_provider();
    reqwest::Client::new()
}

/// One Server-Sent Event as received.
#[derive(Debug)]
pub struct Sse {
    pub event: String,
    pub id: String,
    pub data: Value,
}

/// Reads `text/event-stream` from a streaming response; comments (keep-alive) are skipped.
pub struct SseClient {
    pub res: reqwest::Response,
    buf: String,
}

impl SseClient {
    pub async fn connect(base: &str, token: &str) -> SseClient {
        Self::open(
            client()
                .get(format!("{base}/api/v1/events"))
                .bearer_auth(token),
        )
        .await
    }

    /// Opens any event stream (e.g. the back office's `/admin/events` with a session cookie).
    pub async fn open(request: reqwest::RequestBuilder) -> SseClient {
        let res = request
            .header("accept", "text/event-stream")
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res.headers()["content-type"].to_str().unwrap();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        assert!(
            res.headers().get("content-encoding").is_none(),
            "the stream must not be compressed (it would be buffered)"
        );
        SseClient {
            res,
            buf: String::new(),
        }
    }

    /// The next event within `within`, or `None`.
    pub async fn next(&mut self, within: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::new(), String::new(), Vec::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                    }
                }
                if event.is_empty() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                let data = serde_json::from_str(&data.join("\n")).unwrap();
                return Some(Sse { event, id, data });
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(Ok(None)) => panic!("the event stream ended"),
                Ok(Err(e)) => panic!("event stream: {e}"),
                Err(_) => return None,
            }
        }
    }

    pub async fn expect(&mut self, within: Duration) -> Sse {
        match self.next(within).await {
            Some(e) => e,
            None => panic!("no event within {within:?}"),
        }
    }
}

pub async fn signup(base: &str, email: &str, workspace: &str) -> (Uuid, String) {
    let client = client();
    let res = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "name": "Live Person", "workspace": workspace }))
        .send()
        .await
        .unwrap();
    // The sign-up answer is the same for a known address: the workspace comes with the token.
    assert_eq!(res.status(), StatusCode::ACCEPTED, "signup {email}");
    let res = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    let workspace = body["workspace"]["id"].as_str().unwrap().parse().unwrap();
    (workspace, body["token"].as_str().unwrap().to_string())
}

/// The binary's own state (`growthdeck::build_state`, as `serve` builds it) on a fresh data
/// directory, with a port-0 listener, not yet serving: a test may adjust the state first.
pub struct Binary {
    pub base: String,
    pub state: platform::AppState,
    listener: tokio::net::TcpListener,
    data: tempfile::TempDir,
}

/// A [`Binary`] serving through `growthdeck::launch` until [`Serving::stop`].
pub struct Serving {
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

pub async fn binary() -> Binary {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = platform::Config {
        data_dir: data.path().to_path_buf(),
        listen: addr,
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await.unwrap();
    Binary {
        base: format!("http://{addr}"),
        state,
        listener,
        data,
    }
}

impl Binary {
    pub fn launch(self) -> Serving {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(growthdeck::launch(self.state, self.listener, async {
            let _ = stopped.await;
        }));
        Serving {
            base: self.base,
            stop,
            server,
            _data: self.data,
        }
    }
}

impl Serving {
    /// Asks for a graceful shutdown and waits (at most `within`) until `launch` returned.
    pub async fn stop(self, within: Duration) {
        let _ = self.stop.send(());
        tokio::time::timeout(within, self.server)
            .await
            .expect("graceful shutdown within the bound")
            .unwrap()
            .unwrap();
    }
}
