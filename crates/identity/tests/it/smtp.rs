//! With `smtp_url` set, mail leaves the outbox over SMTP. The test runs a minimal SMTP server
//! (RFC 5321 dialogue: greeting, EHLO, MAIL, RCPT, DATA, QUIT) that records what it receives.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::*;

#[derive(Default, Clone)]
struct Received(Arc<Mutex<Vec<String>>>);

async fn smtp_server(reply_to_rcpt: &'static str) -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Received::default();
    let store = received.clone();
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
                let mut data = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.0.lock().unwrap().push(std::mem::take(&mut data));
                            write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &str = match verb.as_str() {
                        "EHLO" | "HELO" => "250 test.local\r\n",
                        "MAIL" => "250 2.1.0 ok\r\n",
                        "RCPT" => reply_to_rcpt,
                        "DATA" => {
                            in_data = true;
                            "354 end with .\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => "250 ok\r\n",
                    };
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

async fn outbox_status(
    app: &platform::testkit::TestApp,
    email: &str,
) -> platform::mail::OutboxMessage {
    for _ in 0..100 {
        let m = platform::mail::to_address(&app.state.db, email)
            .await
            .unwrap()
            .remove(0);
        if m.status != "pending" {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mail to {email} stayed pending");
}

#[tokio::test]
async fn mail_is_delivered_over_smtp_when_configured() {
    let (port, received) = smtp_server("250 2.1.5 ok\r\n").await;
    let app = app_with(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    signup(&app, "inbox@example.com", "Inbox").await;
    let m = outbox_status(&app, "inbox@example.com").await;
    assert_eq!(m.status, "sent");
    assert!(m.sent_at.is_some());
    let mails = received.0.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("/verify-email?token="), "{}", mails[0]);
    assert!(mails[0].to_lowercase().contains("to: inbox@example.com"));
}

#[tokio::test]
async fn a_permanent_smtp_rejection_marks_the_mail_failed() {
    let (port, _) = smtp_server("550 5.1.1 no such user\r\n").await;
    let app = app_with(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    signup(&app, "bounce@example.com", "Bounce").await;
    let m = outbox_status(&app, "bounce@example.com").await;
    assert_eq!(m.status, "failed");
    assert!(m.last_error.is_some());
    assert_eq!(m.attempts, 1);
}

/// (idempotency key, JSON body) of each request the Resend stand-in received.
type ResendRequests = Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>;

/// A local stand-in for Resend's `POST /emails`: checks the bearer key and the JSON fields,
/// records the request, and answers with the configured status.
async fn resend_server(
    status: u16,
) -> (String, Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>) {
    use axum::{Json, Router, http::HeaderMap, routing::post};
    let seen: ResendRequests = Arc::default();
    let store = seen.clone();
    let app = Router::new().route(
        "/emails",
        post(
            move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                let store = store.clone();
                async move {
                    let authorised = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("Bearer re_test_key");
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .map(String::from);
                    store.lock().unwrap().push((key, body));
                    let code = if authorised { status } else { 401 };
                    let status = axum::http::StatusCode::from_u16(code).unwrap();
                    (
                        status,
                        Json(serde_json::json!({ "id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" })),
                    )
                }
            },
        ),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

#[tokio::test]
async fn mail_is_delivered_through_the_resend_api_when_configured() {
    let (base, seen) = resend_server(200).await;
    let app = app_with(move |c| {
        c.resend_api_key = Some("re_test_key".into());
        c.resend_api_base = base;
    })
    .await;
    signup(&app, "resend@example.com", "Resend").await;
    let m = outbox_status(&app, "resend@example.com").await;
    assert_eq!(m.status, "sent");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (key, body) = &requests[0];
    assert_eq!(
        key.as_deref(),
        Some(m.id.to_string().as_str()),
        "idempotency key = outbox id"
    );
    assert_eq!(body["to"], serde_json::json!(["resend@example.com"]));
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("/verify-email?token=")
    );
    assert!(
        body["from"]
            .as_str()
            .unwrap()
            .contains("no-reply@localhost")
    );
}

#[tokio::test]
async fn resend_refusals_are_permanent_and_server_errors_are_retried() {
    let (base, _) = resend_server(422).await;
    let app = app_with(move |c| {
        c.resend_api_key = Some("re_test_key".into());
        c.resend_api_base = base;
    })
    .await;
    signup(&app, "bad@example.com", "Bad").await;
    let m = outbox_status(&app, "bad@example.com").await;
    assert_eq!(m.status, "failed");
    assert!(m.last_error.unwrap().contains("422"));

    let (base, seen) = resend_server(503).await;
    let app = app_with(move |c| {
        c.resend_api_key = Some("re_test_key".into());
        c.resend_api_base = base;
    })
    .await;
    signup(&app, "later@example.com", "Later").await;
    for _ in 0..200 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let m = platform::mail::to_address(&app.state.db, "later@example.com")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(m.status, "pending", "kept for another attempt");
    assert!(m.last_error.unwrap().contains("503"));
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let job = platform::jobs::model::job::Entity::find()
        .filter(platform::jobs::model::job::Column::Kind.eq("mail.deliver"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "available", "the delivery job will retry");
    assert!(job.run_at > chrono::Utc::now(), "after a back-off");
}
