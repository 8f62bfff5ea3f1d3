//! Test kit: boots the real router on a port-0 listener against a fresh database — a new SQLite
//! file by default, or a new PostgreSQL database when `GROWTHDECK_TEST_DATABASE_URL` is set —
//! and hands out HTTP clients that behave like a browser (cookies, `Origin`) or an API client.
//! Test support only: a failed set-up panics, which is how a test reports it.
#![allow(clippy::panic)]

use std::{net::SocketAddr, sync::Arc};

use axum::Router;
use sea_orm::ConnectionTrait;
use tokio::net::TcpListener;

use crate::{
    config::Config, crypto::Keyring, ctx::Authenticator, db, mail::Mailer, state::AppState,
    web::shell::NavEntry,
};

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

/// What a feature's tests mount.
pub struct Mount {
    pub routes: Router<AppState>,
    pub auth: Arc<dyn Authenticator>,
    pub nav: Vec<NavEntry>,
    /// Adds the feature's job types to the platform's.
    pub jobs: fn(crate::jobs::Registry) -> crate::jobs::Registry,
    /// The features' usage counters (seats, accounts…); empty when the test needs none.
    pub usage: Vec<crate::usage::UsageCounter>,
    /// The features' page banners; empty when the test needs none.
    pub banners: Vec<crate::web::shell::BannerFn>,
    /// The features' search providers (command palette); empty when the test needs none.
    pub search: Vec<crate::search::SearchFn>,
    /// The features' home panels and activity describers; `Home::default()` when the test
    /// needs none.
    pub home: crate::home::Home,
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

async fn fresh_database(data_dir: &std::path::Path) -> sea_orm::DatabaseConnection {
    let url = fresh_database_url(data_dir).await;
    db::connect_url(&url, 5)
        .await
        .unwrap_or_else(|e| panic!("connect test database: {e}"))
}

/// Starts the app; `configure` adjusts the config before the state is built.
pub async fn spawn(mount: Mount, configure: impl FnOnce(&mut Config)) -> TestApp {
    crate::install_tls_provider();
    let data_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut config = Config {
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    };
    configure(&mut config);
    let database = fresh_database(data_dir.path()).await;
    db::migrate(&database)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"));
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    let config = Arc::new(config);
    let keys = Arc::new(Keyring::generate().unwrap_or_else(|e| panic!("keyring: {e}")));
    let settings =
        crate::settings::SystemSettings::new(config.clone(), database.clone(), keys.clone());
    settings
        .reload()
        .await
        .unwrap_or_else(|e| panic!("system settings: {e}"));
    let state = AppState {
        mailer: Mailer::from_config(&config).unwrap_or_else(|e| panic!("mailer: {e}")),
        config,
        db: database,
        keys,
        auth: mount.auth,
        nav: Arc::new(mount.nav),
        events: crate::events::Events::local(),
        jobs: crate::jobs::Jobs::new(),
        settings,
        usage: crate::usage::Counters::new(mount.usage),
        banners: Arc::new(mount.banners),
        search: crate::search::Providers::new(mount.search),
        home: mount.home,
        shutdown: crate::shutdown::ShutdownHooks::new(),
    };
    let registry = (mount.jobs)(crate::jobs::Registry::platform());
    let runner = crate::jobs::runner::Runner::start(
        state.clone(),
        registry,
        crate::jobs::runner::RunnerConfig::from_config(&state.config, None),
    );
    let app = crate::http::app(state.clone(), mount.routes);
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

    /// A plain API client: no cookies, no `Origin`.
    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"))
    }
}
