//! The dashboard (`/admin`, `/api/v1/admin/dashboard`) over a known history, by role; the
//! notifications that sign-ups and dead jobs produce, in the bell, on the page and on the
//! staff live stream; and the daily activity that feeds the active-user chart.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use identity::model::{user, user_activity_day, workspace};
use platform::staff::StaffRole;
use platform::{
    jobs::{self, model::job},
    mail, notify,
    testkit::TestApp,
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day(back: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(back)).unwrap()
}

fn at(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap()))
}

async fn insert_user(app: &TestApp, email: &str, status: &str, created: DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    user::Entity::insert(user::ActiveModel {
        id: Set(id),
        email: Set(email.into()),
        email_lower: Set(email.to_lowercase()),
        name: Set("History".into()),
        password_hash: Set(None),
        email_verified_at: Set(None),
        status: Set(status.into()),
        totp_secret: Set(None),
        totp_pending_secret: Set(None),
        totp_enabled_at: Set(None),
        totp_last_step: Set(None),
        created_at: Set(created),
        updated_at: Set(created),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    id
}

async fn insert_workspace(app: &TestApp, slug: &str) {
    let t = platform::db::now();
    workspace::Entity::insert(workspace::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.into()),
        name: Set(slug.into()),
        created_at: Set(t),
        updated_at: Set(t),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

/// A job that died at `died` (parked on a queue no worker serves).
async fn dead_job(app: &TestApp, died: DateTime<Utc>) {
    let id = jobs::enqueue_with(
        &app.state.db,
        &jobs::builtin::Noop::default(),
        jobs::Enqueue {
            queue: Some("parked".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(jobs::model::DEAD))
        .col_expr(job::Column::CompletedAt, Expr::value(died))
        .filter(job::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

async fn outbox(app: &TestApp, status: &str, created: DateTime<Utc>) {
    mail::entity::Entity::insert(mail::entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_addr: Set("someone@example.com".into()),
        subject: Set("Subject".into()),
        body_text: Set("Body".into()),
        status: Set(status.into()),
        attempts: Set(1),
        last_error: Set(None),
        created_at: Set(created),
        sent_at: Set(None),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

async fn notice(app: &TestApp, audience: &'static str, title: &str) {
    notify::send(
        &app.state.db,
        &app.state.events,
        notify::Notice {
            kind: "test.notice",
            audience,
            title: title.into(),
            body: String::new(),
            link: None,
        },
    )
    .await
    .unwrap();
}

/// The series the history below must give: 30 days ending today.
fn expected(counts: &[(u64, u64)]) -> Vec<(NaiveDate, u64)> {
    (0..30)
        .rev()
        .map(|back| {
            let n = counts
                .iter()
                .filter(|(b, _)| *b == back)
                .map(|(_, n)| *n)
                .sum();
            (day(back), n)
        })
        .collect()
}

fn series_json(series: &[(NaiveDate, u64)]) -> Value {
    Value::Array(
        series
            .iter()
            .map(|(d, n)| json!({ "day": d.format("%Y-%m-%d").to_string(), "count": n }))
            .collect(),
    )
}

/// The accessible description of a chart: every day and its value.
fn chart_desc(series: &[(NaiveDate, u64)]) -> String {
    let days: Vec<String> = series
        .iter()
        .map(|(d, n)| format!("{}: {n}", d.format("%b %d")))
        .collect();
    format!("<desc>{}</desc>", days.join("; "))
}

/// The text of the `stat-value` of the card with this id (`None` when the card is absent).
fn stat(page: &str, id: &str) -> Option<String> {
    let card = page.split(&format!("id=\"{id}\"")).nth(1)?;
    let value = card.split("<span class=\"stat-value\">").nth(1)?;
    value.split("</span>").next().map(str::to_string)
}

/// The inline SVG of the chart figure with this id.
fn chart(page: &str, id: &str) -> String {
    let figure = page.split(&format!("id=\"{id}\"")).nth(1).unwrap();
    let start = figure.find("<svg").unwrap();
    let end = figure.find("</svg>").unwrap();
    figure[start..end + "</svg>".len()].to_string()
}

async fn get_page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

async fn dashboard_json(app: &TestApp, token: &str) -> Value {
    let res = app
        .api()
        .get(app.url("/api/v1/admin/dashboard"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn figures_and_thirty_day_series_come_from_the_database() {
    let app = app().await;
    let now = Utc::now();
    // Users: one today, two (one blocked) two days ago, one on each edge of the window, one
    // ten days ago.
    let u1 = insert_user(&app, "u1@example.com", "active", now).await;
    let u2 = insert_user(&app, "u2@example.com", "active", at(day(2), 12, 0, 0)).await;
    let u3 = insert_user(&app, "u3@example.com", "blocked", at(day(2), 18, 30, 0)).await;
    let u4 = insert_user(&app, "u4@example.com", "active", at(day(29), 0, 0, 0)).await;
    let u5 = insert_user(&app, "u5@example.com", "active", at(day(30), 23, 59, 59)).await;
    let u6 = insert_user(&app, "u6@example.com", "active", at(day(10), 12, 0, 0)).await;
    for slug in ["alpha", "beta", "gamma"] {
        insert_workspace(&app, slug).await;
    }
    // Activity: u5's day is outside the window.
    for (u, back) in [
        (u1, 0),
        (u2, 0),
        (u2, 1),
        (u6, 5),
        (u3, 5),
        (u4, 29),
        (u5, 30),
    ] {
        identity::service::activity::record(&app.state.db, u, day(back))
            .await
            .unwrap();
    }
    dead_job(&app, now - chrono::Duration::hours(1)).await;
    dead_job(&app, now - chrono::Duration::hours(48)).await;
    outbox(&app, "failed", now).await;
    outbox(&app, "failed", now - chrono::Duration::hours(48)).await;
    outbox(&app, "sent", now).await;
    outbox(&app, "pending", now).await;
    notice(&app, notify::audience::CUSTOMERS, "A customer thing").await;
    notice(&app, notify::audience::JOBS, "A jobs thing").await;
    notice(&app, notify::audience::BILLING, "A billing thing").await;

    let new_users = expected(&[(0, 1), (2, 2), (10, 1), (29, 1)]);
    let active = expected(&[(0, 2), (1, 1), (5, 2), (29, 1)]);

    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let token = staff_token(&app, &root).await;
    let body = dashboard_json(&app, &token).await;
    assert_eq!(
        body["users"],
        json!({ "total": 6, "active": 5, "blocked": 1 })
    );
    assert_eq!(body["workspaces"], 3);
    assert_eq!(body["notifications_unread"], 3);
    assert_eq!(body["jobs"], json!({ "dead": 2, "dead_last_24h": 1 }));
    assert_eq!(body["outbox"], json!({ "failed_last_24h": 1 }));
    assert_eq!(body["new_users"], series_json(&new_users));
    assert_eq!(body["daily_active_users"], series_json(&active));
    for absent in ["subscriptions", "ai", "billing"] {
        assert!(body.get(absent).is_none(), "{absent} does not exist yet");
    }
    // Instagram exists: counted, zero here.
    assert_eq!(
        body["instagram"],
        json!({ "accounts": 0, "connected": 0, "reconnect_needed": 0, "demo": 0, "tracked_profiles": 0 })
    );

    // The page shows the same figures, and both charts carry every day's value.
    let (browser, _) = staff_browser(&app, &root).await;
    let page = get_page(&browser, &app, "/admin").await;
    assert_eq!(stat(&page, "stat-users").as_deref(), Some("6"));
    assert!(page.contains("5 active &middot; 1 blocked"));
    assert_eq!(stat(&page, "stat-workspaces").as_deref(), Some("3"));
    assert_eq!(stat(&page, "stat-active-today").as_deref(), Some("2"));
    assert_eq!(stat(&page, "stat-new-users").as_deref(), Some("5"));
    assert_eq!(stat(&page, "stat-notifications").as_deref(), Some("3"));
    assert_eq!(stat(&page, "stat-dead-jobs").as_deref(), Some("2"));
    assert!(page.contains("1 died in the last 24 h"));
    assert_eq!(stat(&page, "stat-failed-mail").as_deref(), Some("1"));
    assert!(page.contains("counted now from the"));
    for (id, series) in [
        ("chart-new-users", &new_users),
        ("chart-active-users", &active),
    ] {
        let svg = chart(&page, id);
        assert!(svg.contains(&chart_desc(series)), "{id}: {svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(!svg.contains("style="), "{id} has a style attribute");
        assert!(!svg.contains("<style"), "{id} has a style element");
        assert!(!svg.to_lowercase().contains("<script"), "{id} has a script");
    }
    // No inline style anywhere on the page (the CSP would drop it).
    assert!(!page.contains(" style="));
    assert!(!page.contains("<style"));
}

#[tokio::test]
async fn every_staff_role_sees_the_dashboard_and_nobody_else_does() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    // (who, sees dead jobs, sees failed mail)
    for (login, jobs, outbox) in [
        (&root, true, true),
        (&support, false, true),
        (&finance, false, false),
    ] {
        let (browser, _) = staff_browser(&app, login).await;
        let page = get_page(&browser, &app, "/admin").await;
        assert!(page.contains("<h1>Dashboard</h1>"), "{}", login.email);
        assert!(stat(&page, "stat-users").is_some());
        assert_eq!(
            page.contains("id=\"stat-dead-jobs\""),
            jobs,
            "{}",
            login.email
        );
        assert_eq!(
            page.contains("id=\"stat-failed-mail\""),
            outbox,
            "{}",
            login.email
        );
        let body = dashboard_json(&app, &staff_token(&app, login).await).await;
        assert_eq!(body.get("jobs").is_some(), jobs, "{}", login.email);
        assert_eq!(body.get("outbox").is_some(), outbox, "{}", login.email);
        assert_eq!(body["new_users"].as_array().unwrap().len(), 30);
    }

    // Pages: anonymous and customer browsers go to the staff sign-in.
    let customer = customer_browser(&app, "shop@example.com").await;
    for (who, client) in [("anonymous", app.browser()), ("customer", customer)] {
        let res = client.get(app.url("/admin")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{who}");
        assert!(location(&res).starts_with("/admin/login?next="), "{who}");
    }
    // API: no credential or a customer's token is 401.
    let res = app
        .api()
        .get(app.url("/api/v1/admin/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let customer_token = {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "shop@example.com", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    };
    let res = app
        .api()
        .get(app.url("/api/v1/admin/dashboard"))
        .bearer_auth(&customer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body = res.text().await.unwrap();
    assert!(!body.contains("workspaces"), "no figures leak");
}

async fn notifications_of(app: &TestApp, kind: &str) -> Vec<notify::Notification> {
    notify::entity::Entity::find()
        .filter(notify::entity::Column::Kind.eq(kind))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// The bell's unread count in a page (0 when the badge is absent).
fn bell_count(page: &str) -> u64 {
    page.split("class=\"bell-count\" data-unread=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn a_sign_up_notifies_support_and_super_admins_but_not_finance() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let (root_b, _) = staff_browser(&app, &root).await;
    let (support_b, _) = staff_browser(&app, &support).await;
    let (finance_b, _) = staff_browser(&app, &finance).await;

    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "new@example.com", "password": PASSWORD, "name": "Nadia New", "workspace": "N" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let signed_up = notifications_of(&app, "user.signed_up").await;
    assert_eq!(signed_up.len(), 1, "exactly one notification");
    let n = &signed_up[0];
    let user_id = identity::service::accounts::find_by_email(&app.state.db, "new@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(n.audience, "customers");
    assert_eq!(n.title, "New sign-up: Nadia New");
    assert_eq!(n.body, "new@example.com");
    assert_eq!(
        n.link.as_deref(),
        Some(format!("/admin/users/{user_id}").as_str())
    );
    assert!(!n.body.contains(PASSWORD) && !n.title.contains(PASSWORD));

    for (who, client, sees) in [
        ("root", &root_b, true),
        ("support", &support_b, true),
        ("finance", &finance_b, false),
    ] {
        let page = get_page(client, &app, "/admin/notifications").await;
        assert_eq!(page.contains("New sign-up: Nadia New"), sees, "{who}");
        assert_eq!(bell_count(&page), u64::from(sees), "{who}'s bell");
    }

    // Marking one read is per staff member; marking all read clears the rest.
    let res = root_b
        .post(app.url(&format!("/admin/notifications/{}/read", n.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(bell_count(&get_page(&root_b, &app, "/admin").await), 0);
    assert_eq!(bell_count(&get_page(&support_b, &app, "/admin").await), 1);
    // Finance cannot mark a notification of another area.
    let res = finance_b
        .post(app.url(&format!("/admin/notifications/{}/read", n.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A second sign-up through the sign-up page: one more notification.
    let res = app
        .browser()
        .post(app.url("/signup"))
        .form(&[
            ("email", "page@example.com"),
            ("password", PASSWORD),
            ("name", "Paula Page"),
            ("workspace", "P"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(notifications_of(&app, "user.signed_up").await.len(), 2);
    let page = get_page(&support_b, &app, "/admin").await;
    assert_eq!(bell_count(&page), 2);
    assert_eq!(stat(&page, "stat-notifications").as_deref(), Some("2"));
    let res = support_b
        .post(app.url("/admin/notifications/read-all"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = get_page(&support_b, &app, "/admin/notifications?unread=1").await;
    assert_eq!(bell_count(&page), 0);
    assert!(page.contains("No notifications unread."));
    assert_eq!(
        bell_count(&get_page(&root_b, &app, "/admin").await),
        1,
        "root has not read the second"
    );
}

/// Reads `text/event-stream` from a streaming response, one event at a time.
struct EventStream {
    res: reqwest::Response,
    buf: String,
}

impl EventStream {
    async fn open(client: &reqwest::Client, app: &TestApp) -> Self {
        let res = client
            .get(app.url("/admin/events"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Self {
            res,
            buf: String::new(),
        }
    }

    /// The next event's (kind, data), or `None` when none came within `within`. Keep-alive
    /// comments are skipped.
    async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut kind = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event:") {
                        kind = Some(k.trim().to_string());
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if let Some(kind) = kind {
                    return Some((kind, serde_json::from_str(&data).unwrap()));
                }
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(Ok(None)) => panic!("the event stream ended"),
                Ok(Err(e)) => panic!("event stream: {e}"),
                Err(_) => return None,
            }
        }
    }
}

#[tokio::test]
async fn the_staff_stream_carries_a_sign_up_to_support_and_not_to_finance() {
    let app = app().await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let (support_b, _) = staff_browser(&app, &support).await;
    let (finance_b, _) = staff_browser(&app, &finance).await;
    // Customers have no staff stream.
    let customer = customer_browser(&app, "early@example.com").await;
    let res = customer.get(app.url("/admin/events")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut support_stream = EventStream::open(&support_b, &app).await;
    let mut finance_stream = EventStream::open(&finance_b, &app).await;

    let res = app
        .api()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "live@example.com", "password": PASSWORD, "name": "Liv Live", "workspace": "L" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    // Then something of finance's area: events arrive in order, so once finance has this one
    // the sign-up before it was filtered out, not merely late.
    notice(&app, notify::audience::BILLING, "Invoice paid").await;

    let (kind, event) = support_stream
        .next(Duration::from_secs(10))
        .await
        .expect("support receives the sign-up");
    assert_eq!(kind, "notification");
    assert_eq!(event["kind"], "notification");
    assert_eq!(event["topic"]["scope"], "staff");
    assert_eq!(event["data"]["kind"], "user.signed_up");
    assert_eq!(event["data"]["audience"], "customers");
    assert_eq!(event["data"]["title"], "New sign-up: Liv Live");
    let n = &notifications_of(&app, "user.signed_up").await[1];
    assert_eq!(event["data"]["id"], n.id.to_string());
    assert!(
        event["data"]["link"]
            .as_str()
            .unwrap()
            .starts_with("/admin/users/")
    );

    let (kind, event) = finance_stream
        .next(Duration::from_secs(10))
        .await
        .expect("finance receives its own area's notification");
    assert_eq!(kind, "notification");
    assert_eq!(
        event["data"]["title"], "Invoice paid",
        "the customers notification never reached finance"
    );
    assert!(
        support_stream
            .next(Duration::from_millis(300))
            .await
            .is_none(),
        "billing is not support's area"
    );
}

/// Waits (bounded) until `check` holds; what the workers do happens in the background.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn job_state(app: &TestApp, id: Uuid) -> String {
    jobs::store::get(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn a_job_that_dies_notifies_the_jobs_area_once() {
    let app = app().await;
    let root = staff(&app, "root@example.com", StaffRole::SuperAdmin).await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (root_b, _) = staff_browser(&app, &root).await;
    let (support_b, _) = staff_browser(&app, &support).await;
    let root_token = staff_token(&app, &root).await;

    // No process here has a handler for these kinds: their one attempt fails for good.
    let enqueue = |kind: &'static str| {
        let db = app.state.db.clone();
        async move {
            jobs::enqueue_raw(
                &db,
                kind,
                "default",
                json!({}),
                1,
                &jobs::Enqueue::default(),
            )
            .await
            .unwrap()
            .unwrap()
        }
    };
    // An operator discards this one before it runs: discarded is not dead.
    let discarded = jobs::enqueue_raw(
        &app.state.db,
        "test.never_runs",
        "default",
        json!({}),
        1,
        &jobs::Enqueue {
            run_at: Some(Utc::now() + chrono::Duration::hours(1)),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    let res = app
        .api()
        .post(app.url(&format!("/api/v1/admin/jobs/{discarded}/discard")))
        .bearer_auth(&root_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let quiet = enqueue("notify.test_digest").await;
    let doomed = enqueue("test.unknown_kind").await;
    app.state.jobs.wake();
    for id in [quiet, doomed] {
        eventually("the jobs die", || async {
            job_state(&app, id).await == "dead"
        })
        .await;
    }
    // The notification is written with the death: once dead, it is there (or never will be).
    let dead = notifications_of(&app, "job.dead").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].audience, "jobs");
    assert_eq!(dead[0].title, "Job failed for good: test.unknown_kind");
    assert_eq!(dead[0].link.as_deref(), Some("/admin/jobs"));
    assert!(!dead[0].body.contains("no handler"), "no error text");
    assert_eq!(job_state(&app, discarded).await, "discarded");

    let page = get_page(&root_b, &app, "/admin/notifications").await;
    assert!(page.contains("Job failed for good: test.unknown_kind"));
    let page = get_page(&support_b, &app, "/admin/notifications").await;
    assert!(
        !page.contains("Job failed for good"),
        "support has no jobs area"
    );
    assert_eq!(dashboard_json(&app, &root_token).await["jobs"]["dead"], 2);
}

#[tokio::test]
async fn a_session_or_token_request_records_the_day_once() {
    let app = app().await;
    let browser = customer_browser(&app, "daily@example.com").await;
    let user_id = identity::service::accounts::find_by_email(&app.state.db, "daily@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let rows = || async {
        user_activity_day::Entity::find()
            .filter(user_activity_day::Column::UserId.eq(user_id))
            .all(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let recorded = rows().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].day, today());
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(rows().await.len(), 1, "one row a day");

    // The process remembers the day: with the row gone, further requests do not write again.
    user_activity_day::Entity::delete_many()
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(rows().await.is_empty(), "no write on the hot path");

    // An API token counts too (another user).
    let token = customer_token(&app).await;
    assert_eq!(
        app.api()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let all = user_activity_day::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(all, 1, "the token's user, today");
}
