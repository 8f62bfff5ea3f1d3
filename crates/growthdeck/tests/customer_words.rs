//! Customer pages speak the customer's language: the whole application (every feature, as
//! the binary composes it) on a server where nothing is configured — no Stripe, no Meta app,
//! no Apify, which is when "not set up" messages appear — is walked page by page from /home,
//! following every link a customer sees, and no page names an environment variable, a setting
//! key or other developer words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, VecDeque};

const PASSWORD: &str = "correct horse battery staple";

/// Words that belong to operators, never to customers.
const FORBIDDEN: &[&str] = &[
    "GROWTHDECK_",
    "META_APP",
    "STRIPE_",
    "APIFY_",
    "SMTP_URL",
    "RESEND_",
    "MANYCHAT_",
    "OPENAI_",
    "stripe_secret_key",
    "meta_app_id",
    "environment variable",
    "system settings",
];

/// The page's text without its tags (attributes, scripts and hidden values are not read).
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// `SOME_NAME`-shaped words: how environment variables look.
fn env_like_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.len() >= 5
                && w.contains('_')
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        })
        .map(str::to_string)
        .collect()
}

/// Same-origin page links of a page (`href="/…"`), without fragments.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.split('#').next().unwrap_or("").replace("&amp;", "&"))
        .filter(|href| {
            !href.is_empty()
                && !href.starts_with("/static/")
                && !href.starts_with("/api/")
                && !href.starts_with("/admin")
                && !href.starts_with("/media/")
                && !href.ends_with(".csv")
                && !href.contains("logout")
        })
        .collect()
}

#[tokio::test]
async fn no_customer_page_names_settings_or_environment_variables() {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let config = platform::Config {
        data_dir: data.path().to_path_buf(),
        listen: addr,
        public_url: Some(base.clone()),
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(growthdeck::launch(state.clone(), listener, async {
        let _ = stopped.await;
    }));

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let res = browser
        .post(format!("{base}/signup"))
        .form(&[
            ("email", "owner@example.com"),
            ("name", "Owner"),
            ("password", PASSWORD),
            ("workspace", "Words"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // Sign-up answers alike for new and known addresses; the new owner then signs in.
    let res = browser
        .post(format!("{base}/login"))
        .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let home = browser
        .get(format!("{base}/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Words"), "signed in: {home}");
    // A demo account, so the account pages are walked too.
    let me: serde_json::Value = browser
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ws = uuid::Uuid::parse_str(me["workspace"]["id"].as_str().unwrap()).unwrap();
    instagram::service::accounts::add_demo(
        &state,
        &platform::Scope::for_test(ws),
        "demo.words",
        None,
    )
    .await
    .unwrap();

    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = [
        "/home",
        "/billing",
        "/instagram",
        "/instagram/connect/button",
        "/account",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut walked = 0;
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || walked >= 80 {
            continue;
        }
        let res = browser.get(format!("{base}{path}")).send().await.unwrap();
        let is_html = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if !res.status().is_success() || !is_html {
            continue;
        }
        walked += 1;
        let html = res.text().await.unwrap();
        let text = visible_text(&html);
        for word in FORBIDDEN {
            assert!(
                !text.contains(word) && !html.contains(&format!("value=\"{word}")),
                "{path} shows {word:?}"
            );
        }
        assert_eq!(
            env_like_words(&text),
            Vec::<String>::new(),
            "{path} shows environment-variable-like words"
        );
        queue.extend(links(&html));
    }
    eprintln!("walked {walked} customer pages: {seen:?}");
    assert!(walked >= 5, "walked only {walked} pages: {seen:?}");
    for must in ["/billing", "/instagram", "/account"] {
        assert!(seen.contains(must), "{must} was not walked: {seen:?}");
    }

    // Where the customer reads about billing: the situation, once, and the meters of the
    // features this server has (Instagram accounts among them).
    let billing = browser
        .get(format!("{base}/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        billing
            .matches("This server does not charge for Growthdeck")
            .count(),
        1
    );
    assert!(
        billing.contains("Connected Instagram accounts"),
        "{billing}"
    );
    let button = browser
        .get(format!("{base}/instagram/connect/button"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(button.contains("Ask your administrator"), "{button}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert_eq!(
        env_like_words("Set META_APP_ID and GROWTHDECK_STRIPE_SECRET_KEY."),
        ["META_APP_ID", "GROWTHDECK_STRIPE_SECRET_KEY"]
    );
    assert!(env_like_words("A USD price, HTML and 2FA codes").is_empty());
    assert_eq!(visible_text("<p title=\"META_APP_ID\">Hi</p>").trim(), "Hi");
    assert_eq!(
        links(r#"<a href="/billing#plans">x</a><a href="/logout">y</a>"#),
        ["/billing"]
    );
}
