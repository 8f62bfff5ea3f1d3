//! A customer's first visit: sign up, sign out, sign in, the Security page.

use std::time::Duration;

use fantoccini::Locator;

use crate::support::*;

#[tokio::test]
async fn sign_up_sign_in_and_open_security_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.c;
    let base = browser.base.clone();
    let events = browser.state.events.clone();

    // Sign up.
    c.goto(&format!("{base}/signup")).await.unwrap();
    fill(c, "email", "browser@example.com").await;
    fill(c, "name", "Browser Person").await;
    fill(c, "password", "correct horse battery staple").await;
    fill(c, "workspace", "Browser Agency").await;
    click(c, "main form button[type=submit]").await;
    // "Check your email to continue" (the same answer a known address gets); then sign in.
    wait_for_path(c, "/signup/sent").await;
    assert!(
        c.source()
            .await
            .unwrap()
            .contains("Check your email to continue")
    );
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "email", "browser@example.com").await;
    fill(c, "password", "correct horse battery staple").await;
    click(c, "main form button[type=submit]").await;
    wait_for_path(c, "/home").await;
    assert!(c.source().await.unwrap().contains("Browser Agency"));

    // Sign out (in the account menu at the bottom of the sidebar).
    click(c, ".user-menu > summary").await;
    click(c, "form[action=\"/logout\"] button").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.goto(&format!("{base}/home")).await.unwrap();
    wait_for_path(c, "/login").await;

    // Sign in.
    fill(c, "email", "browser@example.com").await;
    fill(c, "password", "correct horse battery staple").await;
    click(c, "main form button[type=submit]").await;
    wait_for_path(c, "/home").await;

    // Live events: a `toast` event of this workspace shows as a toast on the open page.
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": "browser@example.com", "password": "correct horse battery staple" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    let workspace: uuid::Uuid = body["workspace"]["id"].as_str().unwrap().parse().unwrap();
    let toast = platform::events::Toast {
        kind: platform::events::ToastKind::Success,
        message: "Live hello".into(),
        title: None,
    };
    let mut shown = false;
    for _ in 0..50 {
        // Until the page's event stream is connected, events pass unseen: publish again.
        let event =
            platform::events::Event::typed(platform::events::Topic::Workspace(workspace), &toast)
                .unwrap();
        events.publish(event).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(el) = c.find(Locator::Css(".toast-region .toast-success")).await {
            assert!(el.text().await.unwrap().contains("Live hello"));
            shown = true;
            break;
        }
    }
    assert!(shown, "a live `toast` event is shown as a toast");

    // Live job progress: a bar and text as macros.html `job_progress` renders them follow the
    // job's `job.progress` events and complete on `job.finished` (the stream is connected).
    let job_id = uuid::Uuid::now_v7();
    c.execute(
        "document.getElementById('main').insertAdjacentHTML('beforeend', \
         '<progress data-job-id=\"' + arguments[0] + '\"></progress>' + \
         '<p data-job-progress-text=\"' + arguments[0] + '\">Waiting</p>');",
        vec![serde_json::json!(job_id)],
    )
    .await
    .unwrap();
    let topic = platform::events::Topic::Workspace(workspace);
    let publish = |payload: serde_json::Value, kind: &'static str| {
        let events = events.clone();
        async move {
            events
                .publish(platform::events::Event::new(topic, kind, payload))
                .await
                .unwrap();
        }
    };
    // (value attribute present, value, max) of the bar and the text, read in one script: two
    // reads could straddle an update (the text new, the bar still old).
    let bar = async || -> (serde_json::Value, String) {
        let both = c
            .execute(
                "var b = document.querySelector('progress[data-job-id]'); \
                 var t = document.querySelector('[data-job-progress-text]'); \
                 return [[b.hasAttribute('value'), b.value, b.max], t ? t.textContent.trim() : ''];",
                vec![],
            )
            .await
            .unwrap();
        let text = both[1].as_str().unwrap_or_default().to_string();
        (both[0].clone(), text)
    };
    let wait_for_text = async |want: &str| -> serde_json::Value {
        for _ in 0..50 {
            let (state, text) = bar().await;
            if text == want {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the job progress text never became {want:?}: {:?}",
            bar().await
        );
    };
    publish(
        serde_json::json!({"job_id": job_id, "label": "Importing", "done": 120, "total": 400, "percent": 30}),
        "job.progress",
    )
    .await;
    let state = wait_for_text("120 of 400 (30 %)").await;
    assert_eq!(state, serde_json::json!([true, 120, 400]));
    publish(
        serde_json::json!({"job_id": job_id, "label": "Importing", "done": 7}),
        "job.progress",
    )
    .await;
    let state = wait_for_text("7 done").await;
    assert_eq!(state[0], serde_json::json!(false), "indeterminate: {state}");
    publish(
        serde_json::json!({"job_id": job_id, "label": "Importing", "ok": false, "message": "Import failed: bad file"}),
        "job.finished",
    )
    .await;
    let state = wait_for_text("Import failed: bad file").await;
    assert_eq!(state[0], serde_json::json!(true), "complete: {state}");
    assert_eq!(state[1], state[2], "complete: {state}");
    // The toast's DOM text, polled: WebDriver's rendered text is empty while the toast is
    // still fading in (opacity 0), which made this check flaky.
    let mut toast = String::new();
    for _ in 0..50 {
        toast = c
            .execute(
                "var t = document.querySelector('.toast-region .toast-error'); \
                 return t ? t.textContent : '';",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if toast.contains("Import failed: bad file") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        toast.contains("Import failed: bad file"),
        "toast: {toast:?}"
    );

    // The Security page lists this session and offers 2FA.
    c.goto(&format!("{base}/account/security")).await.unwrap();
    wait_for_path(c, "/account/security").await;
    let html = c.source().await.unwrap();
    assert!(html.to_lowercase().contains("two-factor"), "2FA section");
    assert!(
        html.contains("This device"),
        "sessions section lists this session"
    );
    // Screenshots for people reviewing the UI (not compared by the test).
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("security.png"), c.screenshot().await.unwrap()).unwrap();
        for (page, file) in [
            ("/home", "home.png"),
            ("/workspace/members", "members.png"),
            ("/workspace/tokens", "tokens.png"),
            ("/account", "account.png"),
        ] {
            c.goto(&format!("{base}{page}")).await.unwrap();
            wait_for_path(c, page).await;
            std::fs::write(dir.join(file), c.screenshot().await.unwrap()).unwrap();
        }
        c.goto(&format!("{base}/account/security")).await.unwrap();
    }

    browser.finish().await;
}
