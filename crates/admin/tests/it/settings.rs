//! System settings: who reaches them, secrets masked and sealed (never in a response, the page,
//! the activity log or the logs), overrides applied without a restart (page header, mail),
//! field errors that lose nothing, and every "test connection" against a local server that
//! speaks the service's wire format (wiremock for HTTP APIs, a small SMTP server for NOOP).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine;
use platform::staff::StaffRole;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{bearer_token, method, path, query_param},
};

use super::*;

const OPENAI_KEY: &str = "sk-test-Plaintext0penAiKey9731";
const STRIPE_KEY: &str = "sk_test_51PlaintextStripeKey4242";
const WEBHOOK_SECRET: &str = "whsec_PlaintextWebhookSecret7777";
const SMTP_PASSWORD: &str = "Sup3rSecretSmtpPw";
const MANYCHAT_KEY: &str = "1234567:PlaintextManychatKey5555";
const META_SECRET: &str = "a1b2c3d4e5f6PlaintextMetaSecret";
const APIFY_TOKEN: &str = "apify_api_PlaintextApifyToken6666";
const RESEND_KEY: &str = "re_PlaintextResendKey8888";

fn smtp_url() -> String {
    format!("smtps://mailer:{SMTP_PASSWORD}@mail.example.com:465")
}

/// Every secret plaintext this module saves somewhere.
fn all_secrets() -> Vec<String> {
    vec![
        OPENAI_KEY.into(),
        STRIPE_KEY.into(),
        WEBHOOK_SECRET.into(),
        SMTP_PASSWORD.into(),
        MANYCHAT_KEY.into(),
        META_SECRET.into(),
        APIFY_TOKEN.into(),
        RESEND_KEY.into(),
    ]
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in all_secrets() {
        assert!(!text.contains(&secret), "{what} holds the secret {secret}");
    }
}

async fn root_token(app: &TestApp) -> (StaffLogin, String) {
    let root = staff(app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(app, &root).await;
    (root, token)
}

async fn put_settings(app: &TestApp, token: &str, values: Value) -> reqwest::Response {
    app.api()
        .put(app.url("/api/v1/admin/settings"))
        .bearer_auth(token)
        .json(&json!({ "values": values }))
        .send()
        .await
        .unwrap()
}

async fn get_settings(app: &TestApp, token: &str) -> Value {
    let res = app
        .api()
        .get(app.url("/api/v1/admin/settings"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn item<'a>(settings: &'a Value, key: &str) -> &'a Value {
    settings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no item {key}"))
}

async fn test_connection(app: &TestApp, token: &str, integration: &str) -> Value {
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/settings/test/{integration}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{integration}");
    res.json().await.unwrap()
}

async fn page_text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// The name shown in the back office's header.
fn header_brand(page: &str) -> String {
    let after = page.split("class=\"brand\"").nth(1).unwrap();
    let span = after.split("<span class=\"brand-name\">").nth(1).unwrap();
    span.split("</span>").next().unwrap().to_string()
}

#[tokio::test]
async fn settings_routes_by_role_and_credential() {
    let app = app().await;
    let (root, root_t) = root_token(&app).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let tokens = [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        (
            "customer",
            Some(customer_token(&app).await),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "support",
            Some(staff_token(&app, &support).await),
            StatusCode::FORBIDDEN,
        ),
        (
            "finance",
            Some(staff_token(&app, &finance).await),
            StatusCode::FORBIDDEN,
        ),
    ];
    let routes = [
        (Method::GET, "/api/v1/admin/settings", None),
        (
            Method::PUT,
            "/api/v1/admin/settings",
            Some(json!({ "values": { "platform_name": "Hijacked" } })),
        ),
        (Method::POST, "/api/v1/admin/settings/test/openai", None),
        (Method::POST, "/api/v1/admin/settings/test/nonsense", None),
    ];
    for (who, token, expected) in &tokens {
        for (m, path, body) in &routes {
            let mut req = app.api().request(m.clone(), app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), *expected, "{who} {m} {path}");
            let text = res.text().await.unwrap();
            assert!(!text.contains("platform_name"), "{who} saw settings");
        }
    }
    assert_eq!(app.state.platform_name(), "Growthdeck", "no refused change");
    assert!(
        platform::audit::by_action(&app.state.db, "settings.tested")
            .await
            .unwrap()
            .is_empty()
    );

    // The super admin reads, changes and tests; an unknown integration is not found.
    assert_eq!(
        get_settings(&app, &root_t).await["items"][0]["key"],
        "platform_name"
    );
    let res = put_settings(&app, &root_t, json!({ "support_email": "help@acme.test" })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let outcome = test_connection(&app, &root_t, "openai").await;
    assert_eq!(outcome["configured"], false);
    let res = app
        .api()
        .post(app.url("/api/v1/admin/settings/test/nonsense"))
        .bearer_auth(&root_t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The pages: anonymous visitors and customers go to the staff sign-in; support and
    // finance are refused; the super admin gets them.
    let page_routes = [
        (Method::GET, "/admin/settings"),
        (Method::POST, "/admin/settings"),
        (Method::POST, "/admin/settings/test/openai"),
    ];
    let customer = customer_browser(&app, "shop@example.com").await;
    for (who, browser) in [("anonymous", app.browser()), ("customer", customer)] {
        for (m, path) in &page_routes {
            let res = browser
                .request(m.clone(), app.url(path))
                .form(&[("platform_name", "Hijacked")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{who} {m} {path}");
            assert!(location(&res).starts_with("/admin/login"), "{who} {path}");
        }
    }
    for login in [&support, &finance] {
        let (browser, _) = staff_browser(&app, login).await;
        for (m, path) in &page_routes {
            let res = browser
                .request(m.clone(), app.url(path))
                .form(&[("platform_name", "Hijacked")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{} {m} {path}",
                login.email
            );
            assert!(!res.text().await.unwrap().contains("Save settings"));
        }
    }
    assert_eq!(app.state.platform_name(), "Growthdeck");
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert!(page.contains("Save settings") && page.contains("help@acme.test"));
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[("support_email", "help@acme.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        page_text(&browser, &app, "/admin/settings")
            .await
            .contains("Nothing changed.")
    );
}

#[tokio::test]
async fn secrets_are_sealed_masked_and_never_returned() {
    let app = app().await;
    let (root, t) = root_token(&app).await;
    let res = put_settings(
        &app,
        &t,
        json!({
            "platform_name": "Acme Growth",
            "openai_api_key": OPENAI_KEY,
            "stripe_secret_key": STRIPE_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "smtp_url": smtp_url(),
            "manychat_api_key": MANYCHAT_KEY,
            "meta_app_secret": META_SECRET,
            "apify_token": APIFY_TOKEN,
            "resend_api_key": RESEND_KEY,
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert_no_secret(&text, "the PUT answer");
    let body: Value = serde_json::from_str(&text).unwrap();
    let openai = item(&body, "openai_api_key");
    assert_eq!(openai["value"], "••••9731");
    assert_eq!(openai["secret"], true);
    assert_eq!(openai["source"], "saved");
    assert_eq!(openai["group"], "ai");
    assert!(openai["updated_at"].is_string());
    assert_eq!(item(&body, "platform_name")["value"], "Acme Growth");
    assert_eq!(item(&body, "platform_name")["secret"], false);
    assert_eq!(item(&body, "support_email")["source"], "config");
    assert!(item(&body, "support_email")["value"].is_null(), "unset");
    assert_eq!(
        item(&body, "default_ai_model")["value"],
        "gpt-4o-mini",
        "config default"
    );

    let read = get_settings(&app, &t).await;
    assert_no_secret(&read.to_string(), "the GET answer");
    assert_eq!(item(&read, "stripe_secret_key")["value"], "••••4242");
    assert_eq!(item(&read, "smtp_url")["value"], "••••:465");

    // At rest: sealed with the platform key, bound to the setting.
    let raw = platform::settings::get(&app.state.db, "system.openai_api_key")
        .await
        .unwrap()
        .unwrap();
    assert!(raw.starts_with("v1.") && !raw.contains(OPENAI_KEY), "{raw}");
    assert_eq!(
        app.state
            .keys
            .decrypt_str("setting:openai_api_key", &raw)
            .unwrap(),
        OPENAI_KEY
    );
    assert!(
        app.state
            .keys
            .decrypt_str("setting:stripe_secret_key", &raw)
            .is_err()
    );
    assert_eq!(
        platform::settings::get(&app.state.db, "system.platform_name")
            .await
            .unwrap()
            .as_deref(),
        Some("Acme Growth")
    );

    // The page shows masks and sources, with empty password inputs.
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert_no_secret(&page, "the settings page");
    assert!(page.contains("••••9731") && page.contains("saved here"));
    assert!(
        page.contains("id=\"openai_api_key\" name=\"openai_api_key\" type=\"password\" value=\"\"")
    );
    assert!(page.contains("name=\"clear_openai_api_key\""));

    // A secret left empty keeps its value (API: left out; page: empty input).
    let res = put_settings(&app, &t, json!({ "platform_name": "Acme" })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[
            ("platform_name", "Acme"),
            ("openai_api_key", ""),
            ("stripe_secret_key", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let read = get_settings(&app, &t).await;
    assert_eq!(item(&read, "openai_api_key")["value"], "••••9731");
    assert_eq!(item(&read, "stripe_secret_key")["source"], "saved");

    // Replacing, then clearing (API null; page checkbox): the configuration applies again.
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[
            ("openai_api_key", "sk-test-ReplacedKey0000"),
            ("clear_stripe_secret_key", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let read = get_settings(&app, &t).await;
    assert_eq!(item(&read, "openai_api_key")["value"], "••••0000");
    assert_eq!(item(&read, "stripe_secret_key")["source"], "config");
    assert!(item(&read, "stripe_secret_key")["value"].is_null());
    let res = put_settings(
        &app,
        &t,
        json!({ "openai_api_key": null, "platform_name": "" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let read: Value = res.json().await.unwrap();
    assert!(item(&read, "openai_api_key")["value"].is_null());
    assert_eq!(item(&read, "platform_name")["value"], "Growthdeck");
    assert_eq!(item(&read, "platform_name")["source"], "config");
    assert!(
        platform::settings::get(&app.state.db, "system.openai_api_key")
            .await
            .unwrap()
            .is_none()
    );

    // The activity log names the keys, shows ordinary values, and no secret.
    let log: Value = app
        .api()
        .get(app.url("/api/v1/admin/audit?action=settings.changed"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = log["items"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        4,
        "one entry per save that changed something"
    );
    assert_no_secret(&log.to_string(), "the activity log");
    assert!(!log.to_string().contains("ReplacedKey0000"));
    let first = &entries.last().unwrap()["detail"];
    let keys: Vec<&str> = first["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"openai_api_key") && keys.contains(&"smtp_url"),
        "{keys:?}"
    );
    assert_eq!(first["values"]["platform_name"], "Acme Growth");
    assert!(first["values"].get("openai_api_key").is_none());
    assert_eq!(entries.last().unwrap()["actor"], "staff:root@example.com");
    let last = &entries[0]["detail"];
    assert!(
        last["cleared"]
            .as_array()
            .unwrap()
            .contains(&json!("openai_api_key"))
    );
}

/// A writer for a test's own log subscriber.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    // `#[tokio::test]` runs the server, the job workers and this test on one thread, so a
    // thread-scoped subscriber sees all of their events (at TRACE: everything).
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // tracing-core caches each callsite's interest process-wide; with a single registered
    // dispatcher it asks only the default of whichever thread hits the callsite first, so a
    // parallel test's thread (no subscriber) would switch events off for this one. A second,
    // silent dispatcher makes it ask every registered one.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .and(bearer_token(RESEND_KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" })),
        )
        .mount(&server)
        .await;
    // A careless server that echoes the key it was sent.
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": { "message": format!("Incorrect API key provided: {OPENAI_KEY}."), "type": "invalid_request_error", "param": null, "code": "invalid_api_key" }
        })))
        .mount(&server)
        .await;
    let uri = server.uri();
    let app = app_with(move |c| c.resend_api_base = uri).await;
    let (root, t) = root_token(&app).await;
    let res = put_settings(
        &app,
        &t,
        json!({
            "openai_base_url": format!("{}/v1", server.uri()),
            "openai_api_key": OPENAI_KEY,
            "stripe_secret_key": STRIPE_KEY,
            "smtp_url": smtp_url(),
            "meta_app_secret": META_SECRET,
            "resend_api_key": RESEND_KEY,
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // SMTP wins over Resend; clear it so mail goes through Resend with the saved key.
    put_settings(&app, &t, json!({ "smtp_url": null })).await;
    get_settings(&app, &t).await;
    let outcome = test_connection(&app, &t, "openai").await;
    assert_eq!(outcome["ok"], false);
    assert_no_secret(&outcome.to_string(), "the outcome");
    let (browser, _) = staff_browser(&app, &root).await;
    page_text(&browser, &app, "/admin/settings").await;
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[
            ("apify_token", APIFY_TOKEN),
            ("support_email", "not an email"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_no_secret(&res.text().await.unwrap(), "the page with errors");
    let invited = admin::service::staff::invite(
        &admin_of(&app, "root@example.com").await,
        &app.state,
        "new@example.com",
        "New",
        StaffRole::Support,
    )
    .await
    .unwrap();
    let sent = wait_sent(&app, &invited.email).await;
    assert_eq!(sent.status, "sent", "through Resend with the saved key");

    let captured = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        captured.contains("/api/v1/admin/settings") && captured.len() > 10_000,
        "the subscriber captured the requests: {} bytes, {}",
        captured.len(),
        captured.chars().take(3000).collect::<String>()
    );
    assert_no_secret(&captured, "the logs");
}

/// A `Staff` for calling services directly, as the extractors would build it.
async fn admin_of(app: &TestApp, email: &str) -> platform::staff::Staff {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let m = admin::model::staff::Entity::find()
        .filter(admin::model::staff::Column::EmailLower.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    platform::staff::Staff {
        id: m.id,
        email: m.email,
        name: m.name,
        role: StaffRole::parse(&m.role).unwrap(),
        request_id: "test".into(),
        ip: None,
        session_id: None,
    }
}

async fn wait_sent(app: &TestApp, to: &str) -> platform::mail::OutboxMessage {
    for _ in 0..200 {
        let m = platform::mail::to_address(&app.state.db, to)
            .await
            .unwrap()
            .remove(0);
        if m.status != "pending" {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("mail to {to} stayed pending");
}

#[tokio::test]
async fn saved_values_apply_without_a_restart() {
    let app = app().await;
    let (root, t) = root_token(&app).await;
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert_eq!(header_brand(&page), "Growthdeck");
    let landing = page_text(&app.browser(), &app, "/").await;
    assert!(landing.contains("<span class=\"brand-name\">Growthdeck</span>"));

    // Another node of the same deployment: its own cache over the same database.
    let other = platform::settings::SystemSettings::with_max_age(
        app.state.config.clone(),
        app.state.db.clone(),
        app.state.keys.clone(),
        app.state.settings.declared().to_vec(),
        app.state.settings.integrations().to_vec(),
        Duration::from_millis(300),
    );
    other.reload().await.unwrap();
    assert_eq!(
        other.cached(platform::settings::PLATFORM_NAME).as_deref(),
        Some("Growthdeck")
    );

    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[("platform_name", "Acme Growth Studio")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert_eq!(
        header_brand(&page),
        "Acme Growth Studio",
        "this node: at once"
    );
    assert!(page.contains("Saved: Platform name."));
    let landing = page_text(&app.browser(), &app, "/").await;
    assert!(
        landing.contains("<span class=\"brand-name\">Acme Growth Studio</span>"),
        "customer pages too"
    );
    // Mail subjects use it.
    let support = admin_of(&app, "root@example.com").await;
    admin::service::staff::invite(
        &support,
        &app.state,
        "x@example.com",
        "X",
        StaffRole::Support,
    )
    .await
    .unwrap();
    let mail = platform::mail::to_address(&app.state.db, "x@example.com")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        mail.subject,
        "You are invited to the Acme Growth Studio back office"
    );

    // The other node converges within its refresh period, without a restart.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        other
            .get(platform::settings::PLATFORM_NAME)
            .await
            .as_deref(),
        Some("Acme Growth Studio")
    );

    // Clearing brings the configured name back.
    put_settings(&app, &t, json!({ "platform_name": null })).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert_eq!(header_brand(&page), "Growthdeck");
}

#[tokio::test]
async fn mail_goes_through_a_resend_key_saved_in_settings() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .and(bearer_token(RESEND_KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" })),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let app = app_with(move |c| c.resend_api_base = uri).await;
    let (_, t) = root_token(&app).await;
    let admin = admin_of(&app, "root@example.com").await;

    // Nothing configured: the message stays in the outbox.
    admin::service::staff::invite(
        &admin,
        &app.state,
        "before@example.com",
        "B",
        StaffRole::Support,
    )
    .await
    .unwrap();
    // Its delivery job finishes without a transport (the message stays pending).
    for attempt in 0.. {
        use platform::jobs::model::{self, job};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let done = job::Entity::find()
            .filter(job::Column::Kind.eq("mail.deliver"))
            .filter(job::Column::State.eq(model::COMPLETED))
            .one(&app.state.db)
            .await
            .unwrap();
        if done.is_some() {
            break;
        }
        assert!(attempt < 200, "the delivery job did not run");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let before = platform::mail::to_address(&app.state.db, "before@example.com")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(before.status, "pending");
    assert!(server.received_requests().await.unwrap().is_empty());

    let res = put_settings(
        &app,
        &t,
        json!({ "resend_api_key": RESEND_KEY, "mail_from": "Acme <hello@acme.test>" }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    admin::service::staff::invite(
        &admin,
        &app.state,
        "after@example.com",
        "A",
        StaffRole::Support,
    )
    .await
    .unwrap();
    let sent = wait_sent(&app, "after@example.com").await;
    assert_eq!(sent.status, "sent", "{:?}", sent.last_error);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["to"], json!(["after@example.com"]));
    assert_eq!(body["from"], "Acme <hello@acme.test>", "the saved sender");
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        &format!("Bearer {RESEND_KEY}")
    );
}

/// What each HTTP integration is tried with, and how its server answers.
struct Case {
    integration: &'static str,
    good: Value,
    bad: Value,
    /// The secret of `bad`, which the failure message must not repeat.
    bad_secret: &'static str,
    /// Words of the server's success answer, which the outcome must not repeat.
    success_body: &'static str,
    /// Words of the server's error answer, which the outcome must not repeat.
    failure_body: &'static str,
    failure_status: u16,
}

async fn mount_services(server: &MockServer) {
    let failure = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    // OpenAI: GET /v1/models, bearer key. Its 401 repeats the key it was sent.
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(bearer_token(OPENAI_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                { "id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system" },
                { "id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system" }
            ]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(failure(401, json!({ "error": { "message": "Incorrect API key provided: sk-test-WrongOpenAiKey0001. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key" } })))
        .with_priority(10)
        .mount(server)
        .await;
    // Stripe: GET /v1/balance, bearer secret key.
    Mock::given(method("GET"))
        .and(path("/v1/balance"))
        .and(bearer_token(STRIPE_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "balance",
            "available": [{ "amount": 0, "currency": "usd", "source_types": { "card": 0 } }],
            "livemode": false,
            "pending": [{ "amount": 0, "currency": "usd", "source_types": { "card": 0 } }]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/balance"))
        .respond_with(failure(401, json!({ "error": { "message": "Invalid API Key provided: sk_test_****0002", "type": "invalid_request_error" } })))
        .with_priority(10)
        .mount(server)
        .await;
    // Resend: GET /domains; an invalid key is 403, a sending-only key 401 restricted_api_key.
    Mock::given(method("GET"))
        .and(path("/domains"))
        .and(bearer_token(RESEND_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "has_more": false,
            "data": [{ "id": "d91cd9bd-1176-453e-8fc1-35364d380206", "name": "acme.test", "status": "verified", "created_at": "2023-04-26T20:21:26.347412+00:00", "region": "us-east-1" }]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/domains"))
        .and(bearer_token("re_SendingOnlyKey0003"))
        .respond_with(failure(401, json!({ "statusCode": 401, "message": "This API key is restricted to only send emails", "name": "restricted_api_key" })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/domains"))
        .respond_with(failure(403, json!({ "statusCode": 403, "message": "API key is invalid", "name": "invalid_api_key" })))
        .with_priority(10)
        .mount(server)
        .await;
    // Meta: the app access token by client credentials (the answer's token is never shown).
    Mock::given(method("GET"))
        .and(path("/oauth/access_token"))
        .and(query_param("client_id", "1234567890"))
        .and(query_param("client_secret", META_SECRET))
        .and(query_param("grant_type", "client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "access_token": format!("1234567890|{META_SECRET}"), "token_type": "bearer" }),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oauth/access_token"))
        .respond_with(failure(400, json!({ "error": { "message": "Error validating client secret.", "type": "OAuthException", "code": 1, "fbtrace_id": "AbCdEfGh123" } })))
        .with_priority(10)
        .mount(server)
        .await;
    // Apify: GET /v2/users/me, bearer token.
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(bearer_token(APIFY_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "id": "YiKoxjkaS9gjGTqhF", "username": "growth-agency", "profile": {}, "email": "ops@acme.test", "plan": { "id": "FREE" } }
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .respond_with(failure(401, json!({ "error": { "type": "token-not-valid", "message": "Authentication token is not valid." } })))
        .with_priority(10)
        .mount(server)
        .await;
    // Manychat: GET /fb/page/getInfo, `Bearer <page id>:<key>`.
    Mock::given(method("GET"))
        .and(path("/fb/page/getInfo"))
        .and(bearer_token(MANYCHAT_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": { "id": 1234567, "name": "Acme Page", "category": "Brand", "username": "acme", "is_pro": true, "timezone": "UTC" }
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fb/page/getInfo"))
        .respond_with(failure(
            401,
            json!({ "status": "error", "message": "Wrong format token" }),
        ))
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn each_http_integration_is_tried_in_its_own_format() {
    let server = MockServer::start().await;
    mount_services(&server).await;
    let uri = server.uri();
    let app = app_with(move |c| {
        c.set(&::billing::settings::STRIPE_API_BASE, uri.clone());
        c.resend_api_base = uri.clone();
        c.set(&::instagram::settings::META_GRAPH_BASE, uri.clone());
        c.set(&::instagram::settings::APIFY_API_BASE, uri.clone());
        c.set(&admin::settings::MANYCHAT_API_BASE, uri);
    })
    .await;
    let (root, t) = root_token(&app).await;

    // Not configured: said so, and no call is made.
    let outcome = test_connection(&app, &t, "apify").await;
    assert_eq!(outcome["configured"], false);
    assert_eq!(outcome["ok"], false);
    assert!(
        outcome["message"]
            .as_str()
            .unwrap()
            .contains("Not configured")
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    let cases = [
        Case {
            integration: "openai",
            good: json!({ "openai_base_url": format!("{}/v1", server.uri()), "openai_api_key": OPENAI_KEY }),
            bad: json!({ "openai_api_key": "sk-test-WrongOpenAiKey0001" }),
            bad_secret: "sk-test-WrongOpenAiKey0001",
            success_body: "gpt-4o-mini",
            failure_body: "Incorrect API key",
            failure_status: 401,
        },
        Case {
            integration: "stripe",
            good: json!({ "stripe_secret_key": STRIPE_KEY }),
            bad: json!({ "stripe_secret_key": "sk_test_WrongStripeKey0002" }),
            bad_secret: "sk_test_WrongStripeKey0002",
            success_body: "usd",
            failure_body: "Invalid API Key",
            failure_status: 401,
        },
        Case {
            integration: "resend",
            good: json!({ "resend_api_key": RESEND_KEY }),
            bad: json!({ "resend_api_key": "re_WrongResendKey0004" }),
            bad_secret: "re_WrongResendKey0004",
            success_body: "acme.test",
            failure_body: "API key is invalid",
            failure_status: 403,
        },
        Case {
            integration: "meta",
            good: json!({ "meta_app_id": "1234567890", "meta_app_secret": META_SECRET }),
            bad: json!({ "meta_app_secret": "ffffWrongMetaSecret0005" }),
            bad_secret: "ffffWrongMetaSecret0005",
            success_body: "bearer",
            failure_body: "Error validating",
            failure_status: 400,
        },
        Case {
            integration: "apify",
            good: json!({ "apify_token": APIFY_TOKEN }),
            bad: json!({ "apify_token": "apify_api_WrongToken0006" }),
            bad_secret: "apify_api_WrongToken0006",
            success_body: "growth-agency",
            failure_body: "Authentication token",
            failure_status: 401,
        },
        Case {
            integration: "manychat",
            good: json!({ "manychat_api_key": MANYCHAT_KEY }),
            bad: json!({ "manychat_api_key": "1234567:WrongManychatKey0007" }),
            bad_secret: "1234567:WrongManychatKey0007",
            success_body: "Acme Page",
            failure_body: "Wrong format",
            failure_status: 401,
        },
    ];
    for case in &cases {
        let name = case.integration;
        assert_eq!(
            put_settings(&app, &t, case.good.clone()).await.status(),
            StatusCode::OK
        );
        let ok = test_connection(&app, &t, name).await;
        assert_eq!(ok["ok"], true, "{name}: {ok}");
        assert_eq!(ok["configured"], true);
        assert_eq!(ok["status"], 200, "{name}");
        assert_eq!(ok["integration"], name);
        assert!(ok["latency_ms"].is_u64());
        assert_eq!(ok["result"], "reachable", "{name}");
        let message = ok["message"].as_str().unwrap();
        assert!(message.starts_with("Reachable:"), "{name}: {message}");
        assert!(
            !ok.to_string().contains(case.success_body),
            "{name} repeated the answer: {ok}"
        );
        assert_no_secret(&ok.to_string(), name);

        assert_eq!(
            put_settings(&app, &t, case.bad.clone()).await.status(),
            StatusCode::OK
        );
        let failed = test_connection(&app, &t, name).await;
        assert_eq!(failed["ok"], false, "{name}: {failed}");
        assert_eq!(failed["configured"], true);
        assert_eq!(failed["status"], case.failure_status, "{name}");
        assert!(
            !failed.to_string().contains(case.bad_secret),
            "{name} repeated the secret: {failed}"
        );
        assert_eq!(failed["result"], "refused_key", "{name}: {failed}");
        assert!(
            failed["message"].as_str().unwrap().starts_with("Refused:"),
            "{name}: {failed}"
        );
        assert!(
            !failed.to_string().contains(case.failure_body),
            "{name} repeated the error answer: {failed}"
        );
        // Back to the working credentials for the page checks below.
        put_settings(&app, &t, case.good.clone()).await;
    }
    let openai_failure = &platform::audit::by_action(&app.state.db, "settings.tested")
        .await
        .unwrap();
    let failed_openai = openai_failure
        .iter()
        .find(|e| {
            e.target_id.as_deref() == Some("openai") && e.detail.as_ref().unwrap()["ok"] == false
        })
        .unwrap();
    let detail = failed_openai.detail.as_ref().unwrap().to_string();
    assert!(detail.contains("refused_key"), "{detail}");
    assert!(!detail.contains("Incorrect API key"), "{detail}");
    assert!(!detail.contains("WrongOpenAiKey0001"));

    // A sending-only Resend key is accepted: sending is all the mailer does with it.
    put_settings(
        &app,
        &t,
        json!({ "resend_api_key": "re_SendingOnlyKey0003" }),
    )
    .await;
    let restricted = test_connection(&app, &t, "resend").await;
    assert_eq!(restricted["ok"], true, "{restricted}");
    assert_eq!(restricted["status"], 401);

    // An unreachable endpoint is a failure with the cause, not an error page. (A new base URL
    // takes the key with it: it is entered again with the URL.)
    put_settings(
        &app,
        &t,
        json!({ "openai_base_url": "http://127.0.0.1:9/v1", "openai_api_key": OPENAI_KEY }),
    )
    .await;
    let down = test_connection(&app, &t, "openai").await;
    assert_eq!(down["ok"], false);
    assert!(down["status"].is_null());
    assert_eq!(down["result"], "not_reachable", "{down}");
    assert!(
        down["message"]
            .as_str()
            .unwrap()
            .starts_with("Not reachable"),
        "{down}"
    );
    put_settings(
        &app,
        &t,
        json!({ "openai_base_url": format!("{}/v1", server.uri()), "openai_api_key": OPENAI_KEY }),
    )
    .await;

    // The page's button: htmx swaps in the outcome; without JavaScript, a redirect and a flash.
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert!(page.contains("hx-post=\"/admin/settings/test/openai\""));
    assert!(page.contains("form=\"test-manychat\""));
    let partial = browser
        .post(app.url("/admin/settings/test/stripe"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(partial.status(), StatusCode::OK);
    let partial = partial.text().await.unwrap();
    assert!(
        partial.contains("Connected") && partial.contains("HTTP 200"),
        "{partial}"
    );
    assert!(!partial.contains("<html"), "a partial");
    let res = browser
        .post(app.url("/admin/settings/test/manychat"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/settings#group-manychat");
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert!(
        page.contains("Manychat: connected — Reachable: Manychat accepted the key"),
        "the flash"
    );
    assert!(
        !page.contains("Acme Page"),
        "the server's answer is not shown: {}",
        page.lines()
            .filter(|l| l.contains("Acme Page"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_no_secret(&page, "the page");
}

/// Replies and commands of the local SMTP server.
#[derive(Default, Clone)]
struct SmtpLog(Arc<Mutex<Vec<String>>>);

/// A minimal SMTP server (RFC 5321 greeting, EHLO with AUTH PLAIN, NOOP, QUIT) that accepts
/// one user and password and records the commands it receives.
async fn smtp_server(user: &'static str, password: &'static str) -> (u16, SmtpLog) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = SmtpLog::default();
    let store = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test.local ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut words = line.split_whitespace();
                    let verb = words.next().unwrap_or("").to_ascii_uppercase();
                    store.0.lock().unwrap().push(verb.clone());
                    let reply: &str = match verb.as_str() {
                        "EHLO" => "250-test.local\r\n250 AUTH PLAIN LOGIN\r\n",
                        "AUTH" => {
                            let given = words.nth(1).unwrap_or("");
                            let decoded = base64::engine::general_purpose::STANDARD
                                .decode(given)
                                .unwrap_or_default();
                            let expected = format!("\0{user}\0{password}");
                            if decoded == expected.as_bytes() {
                                "235 2.7.0 Authentication successful\r\n"
                            } else {
                                "535 5.7.8 Authentication credentials invalid\r\n"
                            }
                        }
                        "NOOP" => "250 2.0.0 OK\r\n",
                        "QUIT" => {
                            write.write_all(b"221 2.0.0 Bye\r\n").await.unwrap();
                            return;
                        }
                        _ => "502 5.5.2 Command not recognized\r\n",
                    };
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, log)
}

#[tokio::test]
async fn smtp_is_tried_with_a_sign_in_and_noop() {
    let (port, log) = smtp_server("mailer", SMTP_PASSWORD).await;
    let app = app().await;
    let (_, t) = root_token(&app).await;
    let outcome = test_connection(&app, &t, "smtp").await;
    assert_eq!(outcome["configured"], false);

    let res = put_settings(
        &app,
        &t,
        json!({ "smtp_url": format!("smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{port}") }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ok = test_connection(&app, &t, "smtp").await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(ok["status"].is_null());
    assert_eq!(ok["result"], "reachable");
    assert!(ok["message"].as_str().unwrap().contains("NOOP"));
    let commands = log.0.lock().unwrap().clone();
    assert_eq!(commands, vec!["EHLO", "AUTH", "NOOP", "QUIT"]);

    let wrong = "Wr0ngPassw0rdHere";
    put_settings(
        &app,
        &t,
        json!({ "smtp_url": format!("smtp://mailer:{wrong}@127.0.0.1:{port}") }),
    )
    .await;
    let failed = test_connection(&app, &t, "smtp").await;
    assert_eq!(failed["ok"], false, "{failed}");
    let message = failed["message"].as_str().unwrap();
    assert_eq!(failed["result"], "refused_key", "{failed}");
    assert!(message.contains("SMTP 535"), "{message}");
    assert!(!failed.to_string().contains(wrong));

    // Nobody listening: a failure with the cause, quickly.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = closed.local_addr().unwrap().port();
    drop(closed);
    put_settings(
        &app,
        &t,
        json!({ "smtp_url": format!("smtp://127.0.0.1:{dead}") }),
    )
    .await;
    let down = test_connection(&app, &t, "smtp").await;
    assert_eq!(down["ok"], false);
    assert_eq!(down["result"], "not_reachable", "{down}");
    assert!(down["latency_ms"].as_u64().unwrap() < 10_000);
}

#[tokio::test]
async fn bad_input_gives_field_errors_and_loses_nothing() {
    let app = app().await;
    let (root, t) = root_token(&app).await;
    let res = put_settings(
        &app,
        &t,
        json!({
            "platform_name": "Fine Name",
            "support_email": "not-an-email",
            "openai_base_url": "ftp://llm.local/v1",
            "smtp_url": format!("https://mailer:{SMTP_PASSWORD}@mail.example.com"),
            "stripe_secret_key": "pk_test_publishable",
            "no_such_setting": "x",
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "support_email",
        "openai_base_url",
        "smtp_url",
        "stripe_secret_key",
        "no_such_setting",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(!fields.contains(&"platform_name"));
    assert_no_secret(&problem.to_string(), "the problem document");
    let read = get_settings(&app, &t).await;
    assert_eq!(
        item(&read, "platform_name")["value"],
        "Growthdeck",
        "all or nothing"
    );
    let res = app
        .api()
        .put(app.url("/api/v1/admin/settings"))
        .bearer_auth(&t)
        .json(&json!({ "values": { "platform_name": 7 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The page keeps what was typed (except secrets) beside the inline errors.
    let (browser, _) = staff_browser(&app, &root).await;
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[
            ("platform_name", "Typed Name"),
            ("support_email", "nope@"),
            ("openai_base_url", "llm.local"),
            ("openai_api_key", "sk-test-TypedButLost1234"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"Typed Name\""));
    assert!(page.contains("value=\"nope@\""));
    assert!(page.contains("value=\"llm.local\""));
    assert!(page.contains("Enter a valid email address"));
    assert!(page.contains("id=\"support_email-error\""));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(
        !page.contains("TypedButLost1234"),
        "a typed secret is not echoed"
    );
    let read = get_settings(&app, &t).await;
    assert_eq!(item(&read, "platform_name")["value"], "Growthdeck");
    assert!(item(&read, "openai_api_key")["value"].is_null());
}

#[test]
fn the_settings_api_is_in_the_openapi_document() {
    let (_, doc) = admin::api::openapi_router().split_for_parts();
    let doc = serde_json::to_value(&doc).unwrap();
    let settings = &doc["paths"]["/api/v1/admin/settings"];
    for m in ["get", "put"] {
        assert_eq!(settings[m]["tags"][0], "admin", "{m}");
        assert!(settings[m]["responses"]["403"].is_object(), "{m}");
    }
    assert!(settings["put"]["responses"]["422"].is_object());
    let test = &doc["paths"]["/api/v1/admin/settings/test/{integration}"]["post"];
    assert!(test["responses"]["200"].is_object());
    let schemas = &doc["components"]["schemas"];
    for s in [
        "SettingsOut",
        "SettingOut",
        "SettingsUpdate",
        "TestOutcome",
        "SettingGroup",
    ] {
        assert!(schemas[s].is_object(), "{s}");
    }
}

#[tokio::test]
async fn sending_back_the_value_in_effect_is_no_change() {
    // A configured value outside the page's rules (here: a long name) is sent back by every
    // save of the form; it is not judged, and not saved.
    let long_name = "A configured platform name that is longer than the page would accept";
    let app = app_with(|c| c.platform_name = long_name.into()).await;
    let (_, t) = root_token(&app).await;
    let res = put_settings(
        &app,
        &t,
        json!({ "platform_name": long_name, "default_ai_model": "gpt-4o-mini", "support_email": null }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let read: Value = res.json().await.unwrap();
    assert_eq!(item(&read, "platform_name")["source"], "config");
    assert!(
        platform::audit::by_action(&app.state.db, "settings.changed")
            .await
            .unwrap()
            .is_empty()
    );
    let res = put_settings(
        &app,
        &t,
        json!({ "platform_name": format!("{long_name}!") }),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a new value is judged"
    );
}

/// A server that lists models for any key, and says so in its body.
async fn any_key_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": [], "note": "other-host-body-7731" })),
        )
        .mount(&server)
        .await;
    server
}

/// The AI key cannot be sent to another host: a new base URL clears the saved key (the page
/// says so), "test connection" then calls nothing; the key entered again with the URL is
/// used, and the other host's answer is never shown.
#[tokio::test]
async fn a_new_base_url_clears_the_key_sent_to_it() {
    let other = any_key_server().await;
    let app = app().await;
    let (root, t) = root_token(&app).await;
    let res = put_settings(&app, &t, json!({ "openai_api_key": OPENAI_KEY })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = put_settings(
        &app,
        &t,
        json!({ "openai_base_url": format!("{}/v1", other.uri()) }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let settings = get_settings(&app, &t).await;
    assert!(
        item(&settings, "openai_api_key")["value"].is_null(),
        "{settings}"
    );
    let outcome = test_connection(&app, &t, "openai").await;
    assert_eq!(outcome["configured"], false, "{outcome}");
    assert!(
        other.received_requests().await.unwrap().is_empty(),
        "the key went to the new host"
    );
    let changed = platform::audit::by_action(&app.state.db, "settings.changed")
        .await
        .unwrap();
    assert!(
        changed
            .iter()
            .any(|e| e.detail.as_ref().unwrap()["credentials_cleared"] == json!(["openai_api_key"])),
        "audited"
    );

    // Entered again for the new URL: used, and the answer is classified, not echoed.
    put_settings(&app, &t, json!({ "openai_api_key": OPENAI_KEY })).await;
    let outcome = test_connection(&app, &t, "openai").await;
    assert_eq!(outcome["result"], "reachable", "{outcome}");
    assert!(
        !outcome.to_string().contains("other-host-body"),
        "{outcome}"
    );

    // URL and key in one save keep the key, even when it is the same as before.
    put_settings(
        &app,
        &t,
        json!({ "openai_base_url": format!("{}/v2/../v1", other.uri()), "openai_api_key": OPENAI_KEY }),
    )
    .await;
    let settings = get_settings(&app, &t).await;
    assert!(item(&settings, "openai_api_key")["value"].is_string());

    // The page says so: in the field's hint, and in the flash after a change of URL.
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert!(
        page.contains("Changing it clears the saved API key"),
        "hint"
    );
    let res = browser
        .post(app.url("/admin/settings"))
        .form(&[("openai_base_url", "https://llm.example.com/v1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = page_text(&browser, &app, "/admin/settings").await;
    assert!(
        page.contains("so the saved OpenAI-compatible API key was cleared"),
        "flash"
    );
    let settings = get_settings(&app, &t).await;
    assert!(item(&settings, "openai_api_key")["value"].is_null());
}

/// A key from the configuration goes only to the configured URL: a URL saved in the back
/// office does not get it; clearing that URL brings the configured pair back.
#[tokio::test]
async fn a_configured_key_is_never_sent_to_a_saved_url() {
    let other = any_key_server().await;
    let app = app_with(|c| c.openai_api_key = Some(OPENAI_KEY.into())).await;
    let (_, t) = root_token(&app).await;
    assert!(
        app.state
            .settings
            .cached(platform::settings::OPENAI_API_KEY)
            .is_some()
    );
    put_settings(
        &app,
        &t,
        json!({ "openai_base_url": format!("{}/v1", other.uri()) }),
    )
    .await;
    assert_eq!(
        app.state
            .settings
            .cached(platform::settings::OPENAI_API_KEY),
        None
    );
    let outcome = test_connection(&app, &t, "openai").await;
    assert_eq!(outcome["configured"], false, "{outcome}");
    assert!(other.received_requests().await.unwrap().is_empty());

    put_settings(&app, &t, json!({ "openai_base_url": null })).await;
    assert_eq!(
        app.state
            .settings
            .cached(platform::settings::OPENAI_API_KEY)
            .as_deref(),
        Some(OPENAI_KEY)
    );
}

#[tokio::test]
async fn the_settings_page_says_how_to_set_up_stripe_meta_and_apify() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let (browser, _) = staff_browser(&app, &root).await;
    let page = page_text(&browser, &app, "/admin/settings").await;
    let stripe = page.split("id=\"setup-stripe\"").nth(1).unwrap();
    assert!(stripe.contains(&app.url("/webhooks/stripe")), "{stripe}");
    assert!(stripe.contains("customer.subscription.updated, customer.subscription.deleted"));
    assert!(stripe.contains("invoice.payment_failed"));
    let meta = page.split("id=\"setup-meta\"").nth(1).unwrap();
    assert!(meta.contains(&app.url("/instagram/callback")), "{meta}");
    assert!(meta.contains("instagram_business_basic, instagram_business_manage_insights"));
    let apify = page.split("id=\"setup-apify\"").nth(1).unwrap();
    assert!(apify.contains("apify~instagram-profile-scraper"), "{apify}");
    // Every value has the server's limit in the form.
    assert!(page.contains(r#"name="platform_name" type="text""#));
    assert!(
        page.contains(r#"maxlength="60""#),
        "the platform name's limit"
    );
}
