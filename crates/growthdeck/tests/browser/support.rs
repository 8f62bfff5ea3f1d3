//! The harness: the real application on a port-0 listener and a headless Chromium driving it
//! through chromedriver. `Browser::start` answers `None` (the test passes without a browser)
//! unless `GROWTHDECK_TEST_CHROMEDRIVER` is set.

#![allow(dead_code)] // each journey uses its own part of the harness

use std::{net::SocketAddr, process::Stdio, time::Duration};

use fantoccini::{ClientBuilder, Locator};

pub struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_for_path(client: &fantoccini::Client, path: &str) {
    for _ in 0..100 {
        if client.current_url().await.unwrap().path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "never reached {path}; at {}",
        client.current_url().await.unwrap()
    );
}

pub async fn fill(client: &fantoccini::Client, id: &str, value: &str) {
    let field = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("field #{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Clicks the first element matching `css` (the test fails when there is none).
pub async fn click(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The real application on a port-0 listener and a headless Chromium driving it.
pub struct Browser {
    pub c: fantoccini::Client,
    pub base: String,
    pub state: platform::AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _driver: Driver,
    _profile: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Browser {
    /// `None` (the test passes without a browser) unless `.ci/run` named a chromedriver.
    pub async fn start() -> Option<Browser> {
        Self::start_with(|_| {}).await
    }

    /// As [`Browser::start`], with the configuration adjusted before the state is built.
    pub async fn start_with(configure: impl FnOnce(&mut platform::Config)) -> Option<Browser> {
        let Ok(driver_path) = std::env::var("GROWTHDECK_TEST_CHROMEDRIVER") else {
            eprintln!(
                "browser test skipped: GROWTHDECK_TEST_CHROMEDRIVER is not set (.ci/run sets it)"
            );
            return None;
        };
        let chromium = std::env::var("GROWTHDECK_TEST_CHROMIUM")
            .unwrap_or_else(|_| "/usr/bin/chromium".into());
        let data = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let config = platform::Config {
            data_dir: data.path().to_path_buf(),
            listen: addr,
            public_url: Some(format!("http://{addr}")),
            ..platform::Config::default()
        };
        let mut config = config;
        configure(&mut config);
        let state = growthdeck::build_state(config).await.unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(growthdeck::launch(state.clone(), listener, async {
            let _ = stop_rx.await;
        }));
        let port = free_port();
        let driver = Driver(
            std::process::Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {driver_path}: {e}")),
        );
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                         "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display())]
            }),
        );
        let mut client = None;
        for _ in 0..50 {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        Some(Browser {
            c: client.expect("chromedriver did not start"),
            base: format!("http://{addr}"),
            state,
            stop: Some(stop_tx),
            server: Some(server),
            _driver: driver,
            _profile: profile,
            _data: data,
        })
    }

    /// Resizes the window (1366 × 900 desktop, 390 × 844 phone) and waits for the layout.
    pub async fn resize(&self, width: u32, height: u32) {
        self.c.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// How many CSS pixels the page is wider than the viewport (0 when it fits).
    pub async fn overflow_px(&self) -> i64 {
        self.c
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap_or(0)
            .max(0)
    }

    /// Signs up through the page (which answers "check your email" alike for every address),
    /// then signs in with the same password and lands on `/home`.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str, workspace: &str) {
        let c = &self.c;
        c.goto(&format!("{}/signup", self.base)).await.unwrap();
        fill(c, "email", email).await;
        fill(c, "name", name).await;
        fill(c, "password", password).await;
        fill(c, "workspace", workspace).await;
        self.submit().await;
        wait_for_path(c, "/signup/sent").await;
        c.goto(&format!("{}/login", self.base)).await.unwrap();
        fill(c, "email", email).await;
        fill(c, "password", password).await;
        self.submit().await;
        wait_for_path(c, "/home").await;
    }

    pub async fn submit(&self) {
        self.c
            .find(Locator::Css("main form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    pub async fn finish(mut self) {
        self.c.clone().close().await.unwrap();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}
