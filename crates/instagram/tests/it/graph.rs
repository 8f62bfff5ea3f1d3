//! The Graph API source against a local Graph API: media paging with cursors, insights (with
//! metrics Graph refuses for a post), usage-header pacing, and each Graph error code's
//! reaction in a real refresh job (reconnect, retry later keeping what was read, no retry).

use std::time::{Duration, Instant};

use chrono::Utc;
use instagram::source::{
    DataSource, MediaType, SourceError, Target,
    graph::{
        GraphSource,
        usage::{self, Pacing},
    },
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param, query_param_is_missing},
};

use super::fake_instagram::*;
use super::*;

fn source(server: &MockServer) -> GraphSource {
    GraphSource::new(instagram::source::http::client().unwrap(), &server.uri())
}

fn target(user_id: &str, token: &str) -> Target {
    Target {
        username: "mia.travels".into(),
        ig_user_id: Some(user_id.into()),
        access_token: Some(token.into()),
    }
}

#[tokio::test]
async fn media_pages_follow_the_cursors_to_the_end() {
    let server = MockServer::start().await;
    let ig = FakeInstagram { server };
    let pages = vec![
        vec![
            media_item("18000000000000009", 1, "VIDEO", "REELS"),
            media_item("18000000000000008", 2, "IMAGE", "FEED"),
        ],
        vec![
            media_item("18000000000000007", 3, "CAROUSEL_ALBUM", "FEED"),
            media_item("18000000000000006", 4, "IMAGE", "FEED"),
        ],
        vec![media_item("18000000000000005", 5, "IMAGE", "FEED")],
    ];
    ig.mount_media_pages(&MIA, pages).await;
    let graph = source(&ig.server);
    let t = target(MIA.user_id, "IGAAT-paging");
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    let mut calls = 0;
    loop {
        let page = graph.media(&t, after.as_deref(), 2).await.unwrap();
        calls += 1;
        ids.extend(page.items.iter().map(|m| m.ig_media_id.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(calls, 3);
    assert_eq!(
        ids,
        [
            "18000000000000009",
            "18000000000000008",
            "18000000000000007",
            "18000000000000006",
            "18000000000000005"
        ]
    );
    let requests = ig
        .requests_to(&format!("{GRAPH}/{}/media", MIA.user_id))
        .await;
    let after_params: Vec<Option<String>> = requests
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.to_string())
        })
        .collect();
    assert_eq!(after_params, [None, Some("c1".into()), Some("c2".into())]);
    for r in &requests {
        let q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        assert!(q.contains(&("limit".into(), "2".into())));
        assert!(q.iter().any(|(k, v)| k == "fields"
            && v.contains("media_product_type")
            && v.contains("thumbnail_url")));
    }
    // Fields mapped.
    let first = graph.media(&t, None, 2).await.unwrap().items.remove(0);
    assert_eq!(first.media_type, MediaType::Video);
    assert_eq!(first.product_type.as_deref(), Some("REELS"));
    assert_eq!(first.like_count, Some(310));
    assert_eq!(first.shortcode.as_deref(), Some("C18000000000000009"));
    assert!(
        first.posted_at < Utc::now() && first.posted_at > Utc::now() - chrono::Duration::days(2)
    );
}

#[tokio::test]
async fn insights_keep_what_graph_gives_and_skip_what_it_refuses() {
    let server = MockServer::start().await;
    let graph = source(&server);
    let t = target("17841400000000201", "IGAAT-insights");
    // A story: no `saved`.
    let story = instagram::source::FetchedMedia {
        ig_media_id: "18100000000000001".into(),
        shortcode: None,
        caption: None,
        media_type: MediaType::Image,
        product_type: Some("STORY".into()),
        permalink: None,
        posted_at: Utc::now(),
        like_count: None,
        comments_count: None,
        view_count: None,
        media_url: None,
        thumbnail_url: None,
    };
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/18100000000000001/insights")))
        .and(query_param("metric", "views,reach,shares,total_interactions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
            { "name": "views", "period": "lifetime", "values": [{ "value": 880 }], "title": "Views", "id": "18100000000000001/insights/views/lifetime" },
            { "name": "reach", "period": "lifetime", "values": [{ "value": 610 }] },
            { "name": "shares", "period": "lifetime", "values": [{ "value": 3 }] },
            { "name": "total_interactions", "period": "lifetime", "values": [{ "value": 41 }] }
        ] })))
        .mount(&server)
        .await;
    let i = graph.media_insights(&t, &story).await.unwrap();
    assert_eq!(
        (i.views, i.reach, i.saved, i.shares, i.total_interactions),
        (Some(880), Some(610), None, Some(3), Some(41))
    );

    // A feed post whose batch Graph refuses (error 100 for one metric): each metric alone.
    let post = instagram::source::FetchedMedia {
        ig_media_id: "18100000000000002".into(),
        product_type: Some("FEED".into()),
        ..story.clone()
    };
    let p = format!("{GRAPH}/18100000000000002/insights");
    Mock::given(method("GET"))
        .and(path(&p))
        .and(query_param("metric", "views,reach,saved,shares,total_interactions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(graph_error(100, "(#100) The Media Insights API does not support the views metric for this media product type.")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(&p))
        .and(query_param("metric", "views"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(graph_error(100, "(#100) views is not supported")),
        )
        .mount(&server)
        .await;
    for (metric, value) in [
        ("reach", 900),
        ("saved", 25),
        ("shares", 8),
        ("total_interactions", 130),
    ] {
        Mock::given(method("GET"))
            .and(path(&p))
            .and(query_param("metric", metric))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
                { "name": metric, "period": "lifetime", "values": [{ "value": value }] }
            ] })))
            .mount(&server)
            .await;
    }
    let i = graph.media_insights(&t, &post).await.unwrap();
    assert_eq!(
        (i.views, i.reach, i.saved, i.shares, i.total_interactions),
        (None, Some(900), Some(25), Some(8), Some(130))
    );

    // No insights permission: unsupported (the refresh moves on), not a failure.
    let denied = instagram::source::FetchedMedia {
        ig_media_id: "18100000000000003".into(),
        ..post.clone()
    };
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/18100000000000003/insights")))
        .respond_with(ResponseTemplate::new(403).set_body_json(graph_error(
            10,
            "(#10) Application does not have permission for this action",
        )))
        .mount(&server)
        .await;
    assert_eq!(
        graph.media_insights(&t, &denied).await,
        Err(SourceError::Unsupported)
    );
}

#[tokio::test]
async fn account_insights_by_day() {
    let server = MockServer::start().await;
    let graph = source(&server);
    let t = target("17841400000000301", "IGAAT-account");
    let today = Utc::now().date_naive();
    let end = |days_ago: i64| {
        (today - chrono::Duration::days(days_ago) + chrono::Duration::days(1))
            .and_hms_opt(7, 0, 0)
            .unwrap()
            .and_utc()
            .format("%Y-%m-%dT%H:%M:%S+0000")
            .to_string()
    };
    let p = format!("{GRAPH}/17841400000000301/insights");
    Mock::given(method("GET"))
        .and(path(&p))
        .and(query_param("metric", "reach,follower_count"))
        .and(query_param("period", "day"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
            { "name": "reach", "period": "day", "values": [
                { "value": 1200, "end_time": end(2) }, { "value": 1350, "end_time": end(1) }
            ] },
            { "name": "follower_count", "period": "day", "values": [
                { "value": 14, "end_time": end(2) }, { "value": 9, "end_time": end(1) }
            ] }
        ], "paging": { "previous": "x", "next": "y" } })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(&p))
        .and(query_param("metric", "views,accounts_engaged"))
        .and(query_param("metric_type", "total_value"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
            { "name": "views", "period": "day", "total_value": { "value": 5100 } },
            { "name": "accounts_engaged", "period": "day", "total_value": { "value": 240 } }
        ] })))
        .mount(&server)
        .await;
    let hours: serde_json::Map<String, Value> =
        (0..24).map(|h| (h.to_string(), json!(h * 10))).collect();
    Mock::given(method("GET"))
        .and(path(&p))
        .and(query_param("metric", "online_followers"))
        .and(query_param("period", "lifetime"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
            { "name": "online_followers", "period": "lifetime", "values": [{ "value": hours, "end_time": end(1) }] }
        ] })))
        .mount(&server)
        .await;
    let days = graph.account_insights(&t, 2).await.unwrap();
    assert_eq!(days.len(), 2);
    let yesterday = &days[1];
    assert_eq!(yesterday.day, Some(today - chrono::Duration::days(1)));
    assert_eq!(yesterday.reach, Some(1350));
    assert_eq!(yesterday.follower_count, Some(9));
    assert_eq!(yesterday.views, Some(5100));
    assert_eq!(yesterday.accounts_engaged, Some(240));
    assert_eq!(
        yesterday
            .online_followers
            .as_ref()
            .map(|h| (h.len(), h[13])),
        Some((24, 130))
    );
    assert_eq!(days[0].reach, Some(1200));
    assert_eq!(days[0].online_followers, None);
    // One total-value call per day, each over that day only.
    let totals: Vec<_> = ig_requests(&server, &p)
        .await
        .into_iter()
        .filter(|q| {
            q.iter()
                .any(|(k, v)| k == "metric_type" && v == "total_value")
        })
        .collect();
    assert_eq!(totals.len(), 2);
    for q in totals {
        let since: i64 = q
            .iter()
            .find(|(k, _)| k == "since")
            .unwrap()
            .1
            .parse()
            .unwrap();
        let until: i64 = q
            .iter()
            .find(|(k, _)| k == "until")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert_eq!(until - since, 86_400);
    }
}

async fn ig_requests(server: &MockServer, p: &str) -> Vec<Vec<(String, String)>> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .map(|r| r.url.query_pairs().into_owned().collect())
        .collect()
}

fn usage_header(percent: u32, regain_minutes: u32) -> String {
    json!({ "17841400000000401": [{ "type": "instagram", "call_count": percent, "total_cputime": 5, "total_time": 5, "estimated_time_to_regain_access": regain_minutes }] }).to_string()
}

fn profile_body() -> Value {
    json!({ "id": "9017841400000000401", "user_id": "17841400000000401", "username": "busy.account", "followers_count": 800 })
}

#[tokio::test]
async fn past_95_percent_the_next_call_is_not_made() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/me")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-business-use-case-usage", usage_header(96, 0).as_str())
                .set_body_json(profile_body()),
        )
        .mount(&server)
        .await;
    let graph = source(&server);
    let t = target("17841400000000401", "IGAAT-busy");
    assert_eq!(graph.profile(&t).await.unwrap().username, "busy.account");
    let started = Instant::now();
    match graph.profile(&t).await {
        Err(SourceError::Throttled {
            retry_after_secs, ..
        }) => assert!(retry_after_secs > 60),
        other => panic!("expected a pause, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no waiting, no call"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "the second call was not made"
    );
    // Another process's source shares the reading (one per process, not per source).
    assert!(matches!(
        source(&server).media(&t, None, 10).await,
        Err(SourceError::Throttled { .. })
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // (The next test's local server may get this one's port: its readings go with it.)
    usage::forget(&server.uri());
    assert!(graph.profile(&t).await.is_ok());
    usage::forget(&server.uri());

    // The app-wide header stops every account of the app.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/me")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "x-app-usage",
                    r#"{"call_count":97,"total_time":40,"total_cputime":40}"#,
                )
                .set_body_json(profile_body()),
        )
        .mount(&server)
        .await;
    let graph = source(&server);
    graph
        .profile(&target("17841400000000402", "IGAAT-one"))
        .await
        .unwrap();
    assert!(matches!(
        graph
            .profile(&target("17841400000000403", "IGAAT-two"))
            .await,
        Err(SourceError::Throttled { .. })
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    usage::forget(&server.uri());

    // Throttled by Graph itself (code 4 with Meta's estimate): the next call waits it out.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/me")))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-business-use-case-usage", usage_header(100, 12).as_str())
                .set_body_json(graph_error(4, "(#4) Application request limit reached")),
        )
        .mount(&server)
        .await;
    let graph = source(&server);
    let t = target("17841400000000404", "IGAAT-limited");
    assert_eq!(
        graph.profile(&t).await.unwrap_err(),
        SourceError::Throttled {
            retry_after_secs: 720,
            message: "(#4) Application request limit reached".into()
        }
    );
    assert!(
        matches!(graph.profile(&t).await, Err(SourceError::Throttled { retry_after_secs, .. }) if retry_after_secs > 700)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    usage::forget(&server.uri());
}

#[tokio::test]
async fn past_80_percent_calls_slow_down() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{GRAPH}/me")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-business-use-case-usage", usage_header(85, 0).as_str())
                .set_body_json(profile_body()),
        )
        .mount(&server)
        .await;
    let graph = source(&server);
    let t = target("17841400000000405", "IGAAT-warm");
    let started = Instant::now();
    graph.profile(&t).await.unwrap();
    let first = started.elapsed();
    let started = Instant::now();
    graph.profile(&t).await.unwrap();
    let second = started.elapsed();
    // 85 % is 5 points past 80: 5 × 400 ms by default.
    assert!(first < Duration::from_millis(1500), "{first:?}");
    assert!(second >= Duration::from_millis(1900), "{second:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "slowed, not stopped"
    );

    // The thresholds are the pacing's: a source with a smaller step waits less.
    let quick = GraphSource::new(instagram::source::http::client().unwrap(), &server.uri())
        .with_pacing(Pacing {
            slow_step: Duration::from_millis(10),
            ..Pacing::default()
        });
    let started = Instant::now();
    quick.profile(&t).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(1500));
    usage::forget(&server.uri());
}

/// A connected account whose refresh meets `error` on the second media page.
async fn refresh_meeting(
    app: &TestApp,
    ig: &FakeInstagram,
    token: &str,
    a: &IgAccount,
    status: u16,
    error: Value,
) -> (
    instagram::model::account::Model,
    platform::jobs::model::job::Model,
) {
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    ig.mount_login(a).await;
    ig.mount_insights().await;
    let media = format!("{GRAPH}/{}/media", a.user_id);
    Mock::given(method("GET"))
        .and(path(&media))
        .and(query_param_is_missing("after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [media_item(&format!("{}1", &a.user_id[10..]), 1, "IMAGE", "FEED"), media_item(&format!("{}2", &a.user_id[10..]), 2, "IMAGE", "FEED")],
            "paging": { "cursors": { "before": "b0", "after": "c1" }, "next": format!("{}{media}?after=c1", ig.uri()) }
        })))
        .mount(&ig.server)
        .await;
    Mock::given(method("GET"))
        .and(path(&media))
        .and(query_param("after", "c1"))
        .respond_with(ResponseTemplate::new(status).set_body_json(error))
        .mount(&ig.server)
        .await;
    let id = connect(app, &browser, token, a).await;
    let row = account_row(app, &id).await;
    let job = settled_refresh(app, row.profile_id).await;
    (account_row(app, &id).await, job)
}

fn account(n: u64) -> IgAccount {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    IgAccount {
        user_id: leak(format!("178414000000{n:05}")),
        username: leak(format!("graph.case{n}")),
        code: leak(format!("code-{n}")),
        short_token: leak(format!("IGQVJ-short-{n}")),
        long_token: leak(format!("IGAAT-long-{n}")),
        followers: 1000 + n as i64,
    }
}

async fn stored_posts(app: &TestApp, profile_id: uuid::Uuid) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    instagram::model::post::Entity::find()
        .filter(instagram::model::post::Column::ProfileId.eq(profile_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn token_errors_ask_for_a_reconnect() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let a = account(190);
    let (row, job) = refresh_meeting(&app, &ig, &token, &a, 400, json!({ "error": {
        "message": "Error validating access token: Session has expired on Friday, 06-Dec-24 10:00:00 PST.",
        "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "A1b2C3"
    } })).await;
    assert_eq!(job.state, "dead", "a revoked token is not retried");
    assert_eq!(job.attempt, 1);
    for _ in 0..100 {
        if account_row(&app, &row.id.to_string()).await.status == "reconnect_needed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = account_row(&app, &row.id.to_string()).await;
    assert_eq!(row.status, "reconnect_needed");
    let log = platform::audit::by_action(&app.state.db, "instagram.reconnect_needed")
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].workspace_id, Some(row.workspace_id));
    assert_eq!(
        log[0].target_id.as_deref(),
        Some(row.id.to_string().as_str())
    );
    assert!(
        log[0].detail.as_ref().unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("Session has expired")
    );
    // Shown to the workspace.
    let d: Value = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{}", row.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["status"], "reconnect_needed");
    assert!(
        d["last_refresh_error"]
            .as_str()
            .unwrap()
            .contains("renewed")
    );
}

#[tokio::test]
async fn throttling_codes_retry_later_and_keep_what_was_read() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    for code in [4, 17, 32, 613] {
        let a = account(code);
        let (row, job) = refresh_meeting(
            &app,
            &ig,
            &token,
            &a,
            400,
            graph_error(code as i64, &format!("({code}) request limit reached")),
        )
        .await;
        assert_eq!(job.state, "available", "code {code}: retried");
        assert_eq!(job.attempt, 1);
        // Without a usage header, Meta's wait is our default pause (10 minutes), which is
        // longer than the refresh job's own first backoff: the job waits the longer.
        assert!(
            job.run_at > Utc::now() + chrono::Duration::seconds(590),
            "code {code}: as late as Meta needs, not the job's own backoff: {}",
            job.run_at
        );
        assert!(
            job.errors.to_string().contains("rate limited"),
            "{}",
            job.errors
        );
        assert_eq!(row.status, "active", "code {code}: no reconnect");
        assert_eq!(
            stored_posts(&app, row.profile_id).await,
            2,
            "code {code}: the first page is kept"
        );
        let profile = instagram::service::profiles::get(&app.state.db, row.profile_id)
            .await
            .unwrap();
        assert_eq!(
            profile.followers_count,
            Some(a.followers),
            "code {code}: the profile is kept"
        );
        assert!(profile.next_refresh_at.unwrap() < Utc::now() + chrono::Duration::hours(1));
    }
    usage::forget(&ig.uri());
}

#[tokio::test]
async fn a_bad_parameter_is_not_retried() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let a = account(100);
    let (row, job) = refresh_meeting(
        &app,
        &ig,
        &token,
        &a,
        400,
        graph_error(100, "(#100) Tried accessing nonexisting field (bogus)"),
    )
    .await;
    assert_eq!(job.state, "dead");
    assert_eq!(job.attempt, 1);
    assert!(job.errors.to_string().contains("nonexisting field"));
    assert_eq!(row.status, "active");
    let profile = instagram::service::profiles::get(&app.state.db, row.profile_id)
        .await
        .unwrap();
    assert!(profile.last_refresh_error.unwrap().contains("refused"));

    // A server error is passing: retried.
    let b = account(500);
    let (_, job) = refresh_meeting(&app, &ig, &token, &b, 500, json!({ "error": { "message": "An unexpected error has occurred. Please retry your request later.", "type": "OAuthException", "is_transient": true, "code": 2 } })).await;
    assert_eq!(job.state, "available");
}
