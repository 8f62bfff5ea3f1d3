//! Live events through real HTTP: the SSE stream at `GET /api/v1/events` carries only the
//! caller's workspace events, in order; and, with PostgreSQL (and Redis), an event published on
//! one `serve` process reaches a stream held open on another.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use platform::{
    events::{Event, Toast, ToastKind, Topic},
    testkit::{TestApp, spawn},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{SseClient, binary, client, signup};
use uuid::Uuid;

/// `POST /api/v1/events/ping`: the id of the published event and the transport in use.
async fn ping(base: &str, token: &str) -> (String, String) {
    let res = client()
        .post(format!("{base}/api/v1/events/ping"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let body: Value = res.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_string(),
        body["transport"].as_str().unwrap().to_string(),
    )
}

/// The binary's routes and authenticator on the test kit (fresh database, in-process bus);
/// a 2 s request timeout, which the stream must outlive.
async fn app() -> TestApp {
    spawn(growthdeck::features(), |c| c.request_timeout_secs = 2).await
}

#[tokio::test]
async fn stream_carries_only_the_callers_workspace_in_order() {
    let app = app().await;
    let (ws_a, token_a) = signup(&app.base, "a@example.com", "Agency A").await;
    let (ws_b, _) = signup(&app.base, "b@example.com", "Agency B").await;

    // Unauthenticated: a problem document.
    let res = app
        .api()
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let res = app
        .api()
        .post(app.url("/api/v1/events/ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let mut sse = SseClient::connect(&app.base, &token_a).await;
    // Longer than the request timeout: the stream is not cut.
    tokio::time::sleep(Duration::from_millis(2200)).await;

    let bus = &app.state.events;
    bus.publish(Event::new(
        Topic::Workspace(ws_b),
        "toast",
        json!({"message": "for B"}),
    ))
    .await
    .unwrap();
    bus.publish(Event::new(
        Topic::Staff,
        "toast",
        json!({"message": "staff"}),
    ))
    .await
    .unwrap();
    let mut sent = Vec::new();
    for i in 0..3 {
        let event = Event::typed(
            Topic::Workspace(ws_a),
            &Toast {
                kind: ToastKind::Info,
                message: format!("for A #{i}"),
                title: None,
            },
        )
        .unwrap();
        sent.push(event.clone());
        bus.publish(event).await.unwrap();
    }
    for expected in &sent {
        let got = sse.expect(Duration::from_secs(5)).await;
        assert_eq!(got.event, "toast");
        assert_eq!(got.id, expected.id.to_string());
        assert_eq!(got.data["id"], expected.id.to_string());
        assert_eq!(got.data["topic"], json!({"scope": "workspace", "id": ws_a}));
        assert_eq!(got.data["data"], expected.data);
    }

    // The ping endpoint publishes to the caller's workspace.
    let (id, transport) = ping(&app.base, &token_a).await;
    assert_eq!(transport, "local");
    let got = sse.expect(Duration::from_secs(5)).await;
    assert_eq!((got.event.as_str(), got.id.as_str()), ("ping", id.as_str()));
    assert!(sse.next(Duration::from_millis(200)).await.is_none());
}

/// A subscriber that falls behind the bus (1024 events) is told so, and continues.
#[tokio::test]
async fn a_lagging_stream_gets_lagged_and_continues() {
    let app = app().await;
    let (ws, token) = signup(&app.base, "lag@example.com", "Lagging").await;
    let mut sse = SseClient::connect(&app.base, &token).await;
    // The test runtime has one thread and publishing does not yield: the stream cannot read
    // until all are sent, so it misses the oldest 76.
    for i in 0..1100 {
        app.state
            .events
            .publish(Event::new(Topic::Workspace(ws), "n", json!(i)))
            .await
            .unwrap();
    }
    let first = sse.expect(Duration::from_secs(5)).await;
    assert_eq!(first.event, "lagged");
    assert_eq!(first.data, json!({}));
    let next = sse.expect(Duration::from_secs(5)).await;
    assert_eq!(next.event, "n");
    assert_eq!(next.data["data"], json!(1100 - 1024));
}

/// Graceful shutdown does not wait for browsers to hang up: open streams end.
#[tokio::test]
async fn shutdown_ends_open_streams() {
    let serving = binary().await.launch();
    let (_, token) = signup(&serving.base, "shutdown@example.com", "Closing").await;
    let mut sse = SseClient::connect(&serving.base, &token).await;
    // Graceful shutdown must not wait for the open event stream.
    serving.stop(Duration::from_secs(5)).await;
    let end = tokio::time::timeout(Duration::from_secs(1), sse.res.chunk()).await;
    assert!(matches!(end, Ok(Ok(None)) | Ok(Err(_))), "the stream ended");
}

/// Shutdown hooks (the social-data API's last usage write…) run once serving has stopped, and
/// `launch` waits for them.
#[tokio::test]
async fn launch_runs_the_shutdown_hooks_after_serving() {
    let node = binary().await;
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    node.state.shutdown.add("test", move || async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let serving = node.launch();
    let res = client()
        .get(format!("{}/healthz", serving.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    serving.stop(Duration::from_secs(5)).await;
    assert!(
        ran.load(std::sync::atomic::Ordering::SeqCst),
        "launch waited for the hook"
    );
}

// ---- Two `serve` processes on one PostgreSQL database -------------------------------------

/// A `growthdeck serve` process, killed when dropped.
struct Node {
    child: std::process::Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    async fn start(database_url: &str, redis_url: Option<&str>) -> Node {
        Self::start_in(tempfile::tempdir().unwrap(), database_url, redis_url).await
    }

    /// Nodes of one deployment share the platform key: give them copies of one data dir.
    async fn start_in(
        data: tempfile::TempDir,
        database_url: &str,
        redis_url: Option<&str>,
    ) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_growthdeck"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
            .env("GROWTHDECK_DATA_DIR", data.path())
            .env("GROWTHDECK_DATABASE_URL", database_url)
            .env("GROWTHDECK_LOG", "warn")
            .current_dir(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = redis_url {
            cmd.env("GROWTHDECK_REDIS_URL", url);
        }
        let node = Node {
            child: cmd.arg("serve").spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = client();
        loop {
            if let Ok(res) = client.get(format!("{}/healthz", node.base)).send().await
                && res.status() == StatusCode::OK
            {
                return node;
            }
            assert!(Instant::now() < deadline, "{} did not start", node.base);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A new, empty database named like the test kit's (`gdt_…`, dropped by CI).
async fn fresh_postgres(admin_url: &str) -> String {
    use sea_orm::ConnectionTrait;
    let admin = platform::db::connect_url(admin_url, 1).await.unwrap();
    let name = format!("gdt_{}", Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.ok();
    let mut url = url_with_path(admin_url);
    url.push_str(&name);
    url
}

/// `postgres://user@host:port/` of the admin URL (its database name removed).
fn url_with_path(admin_url: &str) -> String {
    let scheme_end = admin_url.find("://").unwrap() + 3;
    let path_start = admin_url[scheme_end..]
        .find('/')
        .map_or(admin_url.len(), |i| scheme_end + i);
    format!("{}/", &admin_url[..path_start])
}

/// Node A publishes, a stream on node B receives; each node's own stream gets its own events
/// exactly once (no echo from the transport) and in order.
async fn cross_node(redis_url: Option<&str>, transport: &str) {
    let Ok(admin_url) = std::env::var("GROWTHDECK_TEST_DATABASE_URL") else {
        eprintln!("cross-node test skipped: GROWTHDECK_TEST_DATABASE_URL is not set");
        return;
    };
    let database_url = fresh_postgres(&admin_url).await;
    // One after the other: the first applies the migrations.
    let a = Node::start(&database_url, redis_url).await;
    let b = Node::start(&database_url, redis_url).await;
    let email = format!("{}@example.com", Uuid::new_v4().simple());
    let (_, token) = signup(&a.base, &email, "Scaled Out").await;
    let mut on_a = SseClient::connect(&a.base, &token).await;
    let mut on_b = SseClient::connect(&b.base, &token).await;

    // Node B listens before it serves; retry anyway rather than trust timing.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sent = Vec::new();
    let first_on_b = loop {
        let (id, used) = ping(&a.base, &token).await;
        assert_eq!(used, transport);
        sent.push(id);
        if let Some(e) = on_b.next(Duration::from_secs(1)).await {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "node B received no event from node A within 10 s"
        );
    };
    assert_eq!(first_on_b.event, "ping");
    let mut position = sent.iter().position(|id| *id == first_on_b.id).unwrap();
    // Later ones arrive in publish order.
    let (last, _) = ping(&a.base, &token).await;
    sent.push(last.clone());
    loop {
        let e = on_b.expect(Duration::from_secs(10)).await;
        let at = sent.iter().position(|id| *id == e.id).unwrap();
        assert!(at > position, "out of order on node B");
        position = at;
        if e.id == last {
            break;
        }
    }
    // Node A delivered its own events locally, each once.
    for id in &sent {
        let e = on_a.expect(Duration::from_secs(5)).await;
        assert_eq!(&e.id, id);
    }
    // And the other way round.
    let (from_b, _) = ping(&b.base, &token).await;
    assert_eq!(on_a.expect(Duration::from_secs(10)).await.id, from_b);
    assert_eq!(on_b.expect(Duration::from_secs(5)).await.id, from_b);
    assert!(on_a.next(Duration::from_millis(300)).await.is_none());
    assert!(on_b.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn events_cross_nodes_over_postgres() {
    cross_node(None, "postgres").await;
}

#[tokio::test]
async fn events_cross_nodes_over_redis() {
    let Ok(redis_url) = std::env::var("GROWTHDECK_TEST_REDIS_URL") else {
        eprintln!("Redis cross-node test skipped: GROWTHDECK_TEST_REDIS_URL is not set");
        return;
    };
    cross_node(Some(&redis_url), "redis").await;
}

/// The back office's bell across nodes: a staff member signed in on node B holds
/// `/admin/events` there; a customer signs up on node A; node B's stream carries the new
/// `notification` (PostgreSQL `NOTIFY` between the processes).
#[tokio::test]
async fn staff_notifications_cross_nodes() {
    let Ok(admin_url) = std::env::var("GROWTHDECK_TEST_DATABASE_URL") else {
        eprintln!("cross-node test skipped: GROWTHDECK_TEST_DATABASE_URL is not set");
        return;
    };
    let database_url = fresh_postgres(&admin_url).await;
    let a = Node::start(&database_url, None).await;
    // The staff member comes from the command line, with node B's data dir (its key seals the
    // TOTP secret).
    let data_b = tempfile::tempdir().unwrap();
    let mut create = Command::new(env!("CARGO_BIN_EXE_growthdeck"))
        .args([
            "admin",
            "create",
            "--email",
            "ops@staff.example",
            "--role",
            "support",
        ])
        .env("GROWTHDECK_DATA_DIR", data_b.path())
        .env("GROWTHDECK_DATABASE_URL", &database_url)
        .env("GROWTHDECK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = create.stdin.take().unwrap();
        stdin.write_all(support::PASSWORD.as_bytes()).unwrap();
    }
    let out = create.wait_with_output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let secret = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("manual key: "))
        .unwrap()
        .to_string();
    let b = Node::start_in(data_b, &database_url, None).await;

    // Sign in on node B (password, then enrolment with a code), as a browser would.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, b.base.parse().unwrap());
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser
        .post(format!("{}/admin/login", b.base))
        .form(&[
            ("email", "ops@staff.example"),
            ("password", support::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let code = platform::totp::code_at(&secret, platform::totp::unix_now()).unwrap();
    let res = browser
        .post(format!("{}/admin/enrol", b.base))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "enrolled and signed in");
    let mut bell = SseClient::open(browser.get(format!("{}/admin/events", b.base))).await;

    // Node B listens before it serves; sign up until the notification arrives (10 s at most).
    let deadline = Instant::now() + Duration::from_secs(10);
    let got = loop {
        let email = format!("{}@example.com", Uuid::new_v4().simple());
        signup(&a.base, &email, "Shop").await;
        if let Some(e) = bell.next(Duration::from_secs(1)).await {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "node B's bell heard nothing from node A"
        );
    };
    assert_eq!(got.event, "notification");
    assert_eq!(got.data["topic"], json!({"scope": "staff"}));
    assert_eq!(got.data["data"]["audience"], "customers");
    assert!(
        got.data["data"]["link"]
            .as_str()
            .unwrap()
            .starts_with("/admin/users/")
    );
}
