//! `bench ai`: time to the first streamed token through Growthdeck, minus the model server's
//! own.
//!
//! It starts a local OpenAI-compatible model server that streams at a fixed rate (the first
//! piece `--first-ms` after the request, then one every `--piece-ms`, `--pieces` in all, then
//! `usage` and `[DONE]`), seeds a fresh data dir (an owner, a demo account with its posts) and
//! serves it with the release binary pointed at that model. Then `--runs` times, one after the
//! other:
//!
//! * the baseline: `POST /v1/chat/completions` straight to the model server, timed to the first
//!   content piece;
//! * through Growthdeck: `POST /api/v1/instagram/accounts/{id}/content` (a caption: the
//!   grounding reads, the credit hold, the stored prompt) and `GET` its `stream_url`, timed
//!   from the POST to the first `text` event.
//!
//! It prints p50/p99/max of both and of the overhead (through − baseline, per run).

use std::{
    convert::Infallible,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use axum::{Json, Router, body::Body, response::Response, routing::post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::server::{Server, free_port};

#[derive(clap::Args, Debug)]
pub struct AiArgs {
    /// The growthdeck binary to serve with.
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// Timed runs of each path.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// The model server's own time to its first piece.
    #[arg(long, default_value_t = 100)]
    first_ms: u64,
    /// Between two pieces.
    #[arg(long, default_value_t = 10)]
    piece_ms: u64,
    #[arg(long, default_value_t = 20)]
    pieces: usize,
}

async fn completions(
    axum::extract::State(rate): axum::extract::State<(u64, u64, usize)>,
    Json(_): Json<Value>,
) -> Response {
    let (first, every, pieces) = rate;
    let chunks = (0..pieces)
        .map(move |i| {
            let delay = if i == 0 { first } else { every };
            let data = json!({"choices": [{"index": 0, "delta": {"content": format!("w{i} ")}, "finish_reason": null}]});
            (delay, format!("data: {data}\n\n"))
        })
        .chain([(
            0,
            format!(
                "data: {}\n\ndata: [DONE]\n\n",
                json!({"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": pieces}})
            ),
        )]);
    let stream = futures::stream::unfold(chunks, |mut chunks| async move {
        let (delay, text) = chunks.next()?;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        Some((Ok::<_, Infallible>(Bytes::from(text)), chunks))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

/// Reads a streamed body until `found` says a first piece is in; the time it took.
async fn first_piece(
    mut res: reqwest::Response,
    started: Instant,
    found: impl Fn(&str) -> bool,
) -> Result<f64> {
    let mut seen = String::new();
    while let Some(chunk) = res.chunk().await? {
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if found(&seen) {
            return Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    bail!("the stream ended without a piece: {seen}")
}

pub async fn run(args: AiArgs) -> Result<()> {
    if args.runs == 0 || args.pieces == 0 {
        bail!("--runs and --pieces must be at least 1");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let model_base = format!("http://{}/v1", listener.local_addr()?);
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state((args.first_ms, args.piece_ms, args.pieces));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir()?;
    let env = [
        ("GROWTHDECK_OPENAI_BASE_URL", model_base.clone()),
        ("GROWTHDECK_OPENAI_API_KEY", "bench-key".to_string()),
        ("GROWTHDECK_DEFAULT_AI_MODEL", "bench-model".to_string()),
    ];
    let port = free_port()?;
    let mut serve = Command::new(&args.bin);
    serve
        .arg("serve")
        .env("GROWTHDECK_DATA_DIR", dir.path())
        .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
        .env("GROWTHDECK_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k, v.as_str())))
        .stdout(Stdio::null());
    let _server = Server(
        serve
            .spawn()
            .with_context(|| format!("starting {}", args.bin))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = crate::sign_up(&client, &base).await?;
    let res = client
        .post(format!("{base}/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&json!({"username": "demo.food.bench", "demo": true}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!(
            "adding a demo account: {} {}",
            res.status(),
            res.text().await?
        );
    }
    let account: Value = res.json().await?;
    let account_id = account["id"].as_str().context("account id")?.to_string();
    // Its posts arrive with the first refresh (a job): wait so grounding reads a full record.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let (mut direct, mut through, mut overhead) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..args.runs + 5 {
        let started = Instant::now();
        let res = client
            .post(format!("{model_base}/chat/completions"))
            .json(&json!({"model": "bench-model", "stream": true, "messages": [{"role": "user", "content": "x"}]}))
            .send()
            .await?;
        let d = first_piece(res, started, |s| s.contains("\"content\"")).await?;

        let started = Instant::now();
        let res = client
            .post(format!(
                "{base}/api/v1/instagram/accounts/{account_id}/content"
            ))
            .bearer_auth(&token)
            .json(&json!({"kind": "caption", "brief": format!("bench run {i}")}))
            .send()
            .await?;
        if res.status() != reqwest::StatusCode::ACCEPTED {
            bail!(
                "asking for a caption: {} {}",
                res.status(),
                res.text().await?
            );
        }
        let g: Value = res.json().await?;
        let stream = g["stream_url"].as_str().context("stream_url")?;
        let res = client
            .get(format!("{base}{stream}"))
            .bearer_auth(&token)
            .send()
            .await?;
        let t = first_piece(res, started, |s| s.contains("event: text")).await?;
        // The first five are warm-up (connections, caches).
        if i >= 5 {
            direct.push(d);
            through.push(t);
            overhead.push(t - d);
        }
    }
    println!(
        "model server: first piece after {} ms, then one every {} ms ({} pieces); {} runs each, one at a time, on loopback; bench, model server and Growthdeck share the machine ({} cores)",
        args.first_ms,
        args.piece_ms,
        args.pieces,
        args.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (label, v) in [
        ("time to first token, model server directly", direct),
        (
            "time to first token through Growthdeck (POST + stream)",
            through,
        ),
        ("overhead (through − direct, per run)", overhead),
    ] {
        let t = crate::audit::timing(v);
        println!(
            "{label:<58} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
            t.p50, t.p99, t.max
        );
    }
    Ok(())
}
