//! Test kit: boots the real router on a port-0 listener against a fresh database — a new SQLite
//! file by default, or a new PostgreSQL database when `GROWTHDECK_TEST_DATABASE_URL` is set —
//! and hands out HTTP clients that behave like a browser (cookies, `Origin`) or an API client.
//! Test support only: a failed set-up panics, which is how a test reports it.
#![allow(clippy::panic)]

pub mod cross_tenant;

use std::{net::SocketAddr, sync::Arc};

use sea_orm::ConnectionTrait;
use tokio::net::TcpListener;

use crate::{config::Config, crypto::Keyring, db, feature::Feature, state::AppState};

pub struct TestApp {
    /// The in-process job workers (running for the whole test, as under `serve`).
    pub runner: Option<crate::jobs::runner::Runner>,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: AppState,
    _data_dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A URL of a new, empty database: a SQLite file in `dir`, or a new PostgreSQL database
/// (`gdt_<uuid>`, dropped by `.ci/run`) when `GROWTHDECK_TEST_DATABASE_URL` is set. Several
/// processes may open it (multi-process tests).
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("GROWTHDECK_TEST_DATABASE_URL") {
        Ok(admin_url) => {
            let admin = db::connect_url(&admin_url, 2)
                .await
                .unwrap_or_else(|e| panic!("connect {admin_url}: {e}"));
            let name = format!("gdt_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("create test database: {e}"));
            admin.close().await.ok();
            let mut url = url::Url::parse(&admin_url)
                .unwrap_or_else(|e| panic!("GROWTHDECK_TEST_DATABASE_URL: {e}"));
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        Err(_) => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    }
}

/// What a migrated database looks like, made once per test process: running the ~40
/// migrations for every test cost more than many tests themselves (most on PostgreSQL, where
/// each is a round of DDL), and every test starts from the same migrated state anyway.
enum Template {
    /// The migrated SQLite file's bytes, written out as each test's database.
    Sqlite(Vec<u8>),
    /// A migrated PostgreSQL database (`gdt_<uuid>`, dropped with the rest by `.ci/run`) that
    /// each test's database is created from (`CREATE DATABASE … TEMPLATE`).
    Postgres { admin_url: String, name: String },
}

static TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

async fn template() -> &'static Template {
    TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let url = fresh_database_url(dir.path()).await;
            let database = db::connect_url(&url, 1)
                .await
                .unwrap_or_else(|e| panic!("connect template database: {e}"));
            db::migrate(&database)
                .await
                .unwrap_or_else(|e| panic!("migrate: {e}"));
            match std::env::var("GROWTHDECK_TEST_DATABASE_URL") {
                Ok(admin_url) => {
                    // A template must have no sessions when it is copied.
                    database.close().await.ok();
                    let name = url::Url::parse(&url)
                        .map(|u| u.path().trim_start_matches('/').to_string())
                        .unwrap_or_else(|e| panic!("template url: {e}"));
                    Template::Postgres { admin_url, name }
                }
                Err(_) => {
                    // Everything into the main file, so the file alone is the database.
                    database
                        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                        .await
                        .unwrap_or_else(|e| panic!("checkpoint template: {e}"));
                    database.close().await.ok();
                    let bytes = std::fs::read(dir.path().join("test.db"))
                        .unwrap_or_else(|e| panic!("read template: {e}"));
                    Template::Sqlite(bytes)
                }
            }
        })
        .await
}

/// A new database with every migration applied: a copy of this process's [`Template`].
async fn fresh_database(data_dir: &std::path::Path) -> sea_orm::DatabaseConnection {
    let url = match template().await {
        Template::Sqlite(bytes) => {
            let path = data_dir.join("test.db");
            let mut file =
                db::private_new_file(&path).unwrap_or_else(|e| panic!("create test database: {e}"));
            std::io::Write::write_all(&mut file, bytes)
                .unwrap_or_else(|e| panic!("write test database: {e}"));
            format!("sqlite://{}?mode=rwc", path.display())
        }
        Template::Postgres { admin_url, name } => {
            let admin = db::connect_url(admin_url, 2)
                .await
                .unwrap_or_else(|e| panic!("connect {admin_url}: {e}"));
            let copy = format!("gdt_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {copy} TEMPLATE {name}"))
                .await
                .unwrap_or_else(|e| panic!("create test database: {e}"));
            admin.close().await.ok();
            let mut url = url::Url::parse(admin_url)
                .unwrap_or_else(|e| panic!("GROWTHDECK_TEST_DATABASE_URL: {e}"));
            url.set_path(&format!("/{copy}"));
            url.to_string()
        }
    };
    db::connect_url(&url, 5)
        .await
        .unwrap_or_else(|e| panic!("connect test database: {e}"))
}

/// Starts the features on a fresh database; `configure` adjusts the config before the state is
/// built. Every feature's start-up work runs, as under `serve`.
pub async fn spawn(features: Vec<Feature>, configure: impl FnOnce(&mut Config)) -> TestApp {
    crate::install_tls_provider();
    let data_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut config = Config {
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    };
    configure(&mut config);
    let database = fresh_database(data_dir.path()).await;

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"));
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    let keys = Arc::new(Keyring::generate().unwrap_or_else(|e| panic!("keyring: {e}")));
    // The binary's own assembly, from the features this test mounts.
    let state = crate::feature::assemble(
        crate::feature::Foundation {
            config: Arc::new(config),
            db: database,
            keys,
            events: crate::events::Events::local(),
        },
        &features,
    )
    .await
    .unwrap_or_else(|e| panic!("assemble: {e}"));
    let registry = crate::feature::registry(&features);
    let runner = crate::jobs::runner::Runner::start(
        state.clone(),
        registry,
        crate::jobs::runner::RunnerConfig::from_config(&state.config, None),
    );
    let app = crate::http::app(state.clone(), crate::feature::routes(&features));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        runner: Some(runner),
        addr,
        base: format!("http://{addr}"),
        state,
        _data_dir: data_dir,
        _shutdown: tx,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, sends our `Origin` (as browsers do on POST), does
    /// not follow redirects so tests can see them.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(v) = reqwest::header::HeaderValue::from_str(&self.base) {
            headers.insert(reqwest::header::ORIGIN, v);
        }
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"))
    }

    /// A JSON API call with a bearer token: the status and the body as JSON (a body that is
    /// not JSON comes back as a JSON string).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut req = self
            .api()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status();
        let text = res
            .text()
            .await
            .unwrap_or_else(|e| panic!("{path}: body: {e}"));
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// A plain API client: no cookies, no `Origin`.
    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"))
    }
}

/// [`TestApp::call`] as a free function, for tests written as `call(&app, token, …)`.
pub async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(token, method, path, body).await
}

/// A `multipart/form-data` body as a browser sends an upload form: the text `fields`, then
/// one `file` part (`filename`, its content type and bytes). Returns the request's content
/// type (with the boundary) and the body.
pub fn multipart(
    fields: &[(&str, &str)],
    (filename, content_type, bytes): (&str, &str, &[u8]),
) -> (String, Vec<u8>) {
    let boundary = "----GrowthdeckTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
