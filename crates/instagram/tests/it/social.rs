//! The public social-data API through the real router: client keys (shown once, stored
//! hashed, both header forms, rotation with overlap, revocation), per-minute limits and
//! monthly quotas with their headers, endpoint allow-lists, usage per day, the cache (hits do
//! not call the source; an expired entry is served and refreshed once), demo data on a fresh
//! install, and — with `GROWTHDECK_TEST_REDIS_URL` — one limit shared by two app instances.

use std::time::Duration;

use chrono::{DateTime, Utc};
use instagram::{
    model::{api_client, api_key, api_usage},
    social::{
        Social,
        clients::{self, NewClient},
        keys::announce,
        tiers::{Endpoint, Tier},
    },
};
use platform::testkit::{TestApp, spawn};
use reqwest::{Response, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde_json::Value;

use super::*;

async fn social_app(configure: impl FnOnce(&mut platform::Config)) -> (TestApp, Social) {
    let social = Social::new();
    let app = spawn(
        vec![
            identity::feature(),
            billing::feature(),
            instagram::feature_with(social.clone()),
        ],
        configure,
    )
    .await;
    (app, social)
}

struct Limits {
    tier: Tier,
    rpm: Option<i64>,
    month: Option<i64>,
    endpoints: Option<Vec<Endpoint>>,
}

const PRO: Limits = Limits {
    tier: Tier::Pro,
    rpm: None,
    month: None,
    endpoints: None,
};

/// A client and its first key (the service the back office calls).
async fn client(app: &TestApp, name: &str, l: Limits) -> (uuid::Uuid, String) {
    let (c, key) = clients::create(
        &app.state.db,
        &NewClient {
            name: name.into(),
            tier: l.tier,
            requests_per_minute: l.rpm,
            requests_per_month: l.month,
            endpoints: l.endpoints,
        },
    )
    .await
    .unwrap();
    (c.id, key.secret)
}

async fn get(app: &TestApp, path: &str, key: &str) -> Response {
    app.api()
        .get(app.url(path))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn num(res: &Response, name: &str) -> u64 {
    header(res, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name}: {:?}", header(res, name)))
}

/// Waits out the end of a minute, so a fixed one-minute window holds a test's requests.
async fn early_in_a_minute() {
    let second = Utc::now().timestamp() % 60;
    if second > 45 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
}

#[tokio::test]
async fn keys_are_shown_once_stored_hashed_and_accepted_in_both_headers() {
    let (app, _) = social_app(|_| {}).await;
    let (client_id, key) = client(&app, "Acme", PRO).await;
    assert!(key.starts_with("gdk_") && key.len() > 40);
    let rows = api_key::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key_hash, platform::crypto::token_hash(&key));
    assert!(key.starts_with(&rows[0].prefix) && rows[0].prefix.len() == 12);
    assert_ne!(rows[0].key_hash, key);

    let by_header = get(&app, "/api/v1/social/instagram/demo.travel.mia", &key).await;
    assert_eq!(by_header.status(), StatusCode::OK);
    assert_eq!(num(&by_header, "ratelimit-limit"), 300);
    assert_eq!(num(&by_header, "ratelimit-remaining"), 299);
    assert!((1..=60).contains(&num(&by_header, "ratelimit-reset")));
    assert!(header(&by_header, "ratelimit-policy").starts_with("300;w=60"));
    let by_bearer = app
        .api()
        .get(app.url("/api/v1/social/instagram/demo.travel.mia"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_bearer.status(), StatusCode::OK);

    // Unknown keys, a workspace token, and a revoked key are all 401 problems.
    let workspace_token = customer(&app, "owner@example.com", "Agency").await;
    for bad in [
        "gdk_not-a-key".to_string(),
        key.replace("gdk_", "gd_"),
        workspace_token.clone(),
    ] {
        let res = get(&app, "/api/v1/social/instagram/demo.travel.mia", &bad).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(header(&res, "content-type"), "application/problem+json");
        assert!(header(&res, "www-authenticate").starts_with("Bearer"));
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["type"], "/problems/invalid-api-key");
        assert_eq!(p["title"], "Invalid API key", "not a sign-in problem: {p}");
        assert_eq!(p["status"], 401);
    }
    let res = app
        .api()
        .get(app.url("/api/v1/social/instagram/demo.travel.mia"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "/problems/api-key-required");
    // A client key is no workspace credential either.
    let res = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    clients::revoke_key(&app.state.db, client_id, rows[0].id)
        .await
        .unwrap();
    announce(&app.state.events, client_id).await.unwrap();
    let res = get(&app, "/api/v1/social/instagram/demo.travel.mia", &key).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_rotated_key_works_until_its_overlap_ends() {
    let (app, _) = social_app(|c| c.set(&instagram::settings::SOCIAL_KEY_OVERLAP_SECS, 2)).await;
    let (client_id, old) = client(&app, "Rotating", PRO).await;
    let path = "/api/v1/social/instagram/demo_steady_poster";
    assert_eq!(get(&app, path, &old).await.status(), StatusCode::OK);
    let (new, until) = clients::rotate(
        &app.state.db,
        client_id,
        chrono::Duration::seconds(
            app.state
                .config
                .get(&instagram::settings::SOCIAL_KEY_OVERLAP_SECS) as i64,
        ),
    )
    .await
    .unwrap();
    announce(&app.state.events, client_id).await.unwrap();
    assert_ne!(new.secret, old);
    assert_eq!(
        get(&app, path, &old).await.status(),
        StatusCode::OK,
        "overlap"
    );
    assert_eq!(get(&app, path, &new.secret).await.status(), StatusCode::OK);
    let left = (until - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(200)).await;
    assert_eq!(
        get(&app, path, &old).await.status(),
        StatusCode::UNAUTHORIZED,
        "after the overlap"
    );
    assert_eq!(get(&app, path, &new.secret).await.status(), StatusCode::OK);

    // Revoking the client stops every key.
    clients::revoke(&app.state.db, client_id).await.unwrap();
    announce(&app.state.events, client_id).await.unwrap();
    assert_eq!(
        get(&app, path, &new.secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_minute_limit_refuses_with_retry_after_and_other_clients_are_unaffected() {
    let (app, social) = social_app(|_| {}).await;
    let limited = Limits {
        rpm: Some(3),
        ..PRO
    };
    let (limited_id, key) = client(&app, "Small", limited).await;
    let (_, other) = client(&app, "Other", PRO).await;
    let path = "/api/v1/social/instagram/demo.rate.me";
    early_in_a_minute().await;
    for remaining in [2, 1, 0] {
        let res = get(&app, path, &key).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(num(&res, "ratelimit-limit"), 3);
        assert_eq!(num(&res, "ratelimit-remaining"), remaining);
    }
    let res = get(&app, path, &key).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(num(&res, "ratelimit-limit"), 3);
    assert_eq!(num(&res, "ratelimit-remaining"), 0);
    let retry = num(&res, "retry-after");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(num(&res, "ratelimit-reset"), retry);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "/problems/rate-limited");
    // Another client's allowance is its own.
    assert_eq!(get(&app, path, &other).await.status(), StatusCode::OK);

    // Usage counts what was served, not what was refused.
    social.flush_usage().await.unwrap();
    let detail = clients::detail(&app.state.db, limited_id, 1).await.unwrap();
    assert_eq!(detail.summary.requests_today, 3);
}

#[tokio::test]
async fn the_monthly_quota_and_the_endpoint_list_refuse() {
    let (app, social) = social_app(|_| {}).await;
    let quota = Limits {
        month: Some(2),
        ..PRO
    };
    let (client_id, key) = client(&app, "Quota", quota).await;
    let path = "/api/v1/social/instagram/demo.quota.user";
    for remaining in [1, 0] {
        let res = get(&app, path, &key).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            num(&res, "ratelimit-limit"),
            2,
            "the month is closer to its end"
        );
        assert_eq!(num(&res, "ratelimit-remaining"), remaining);
    }
    let res = get(&app, path, &key).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(num(&res, "ratelimit-limit"), 2);
    assert_eq!(num(&res, "ratelimit-remaining"), 0);
    let to_next_month = (clients::next_month(Utc::now()) - Utc::now()).num_seconds() as u64;
    assert!(num(&res, "retry-after").abs_diff(to_next_month) <= 5);
    social.flush_usage().await.unwrap();
    let usage = api_usage::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].client_id, client_id);
    assert_eq!(usage[0].day, Utc::now().date_naive());
    assert_eq!(usage[0].requests, 2);

    // The free tier has no posts endpoint: 403, with the limit headers.
    let (_, free) = client(
        &app,
        "Free",
        Limits {
            tier: Tier::Free,
            ..PRO
        },
    )
    .await;
    let res = get(
        &app,
        "/api/v1/social/instagram/demo.quota.user/posts",
        &free,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(num(&res, "ratelimit-limit"), 10);
    assert_eq!(
        get(&app, "/api/v1/social/instagram/demo.quota.user", &free)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn usage_is_counted_per_key_per_day_under_concurrency() {
    let (app, _) = social_app(|_| {}).await;
    let (client_id, key) = client(&app, "Busy", PRO).await;
    let path = "/api/v1/social/instagram/demo.busy.profile";
    assert_eq!(get(&app, path, &key).await.status(), StatusCode::OK);
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (client, url, key) = (app.api(), app.url(path), key.clone());
        tasks.push(tokio::spawn(async move {
            client
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    // Written within a second by the writer task, without anyone asking.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let d = loop {
        let d = clients::detail(&app.state.db, client_id, 30).await.unwrap();
        if d.summary.requests_today == 41 || std::time::Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(d.summary.requests_today, 41);
    assert_eq!(d.summary.requests_this_month, 41);
    assert_eq!(d.usage.len(), 1);
    assert_eq!(d.usage[0].len(), 30);
    assert_eq!(d.usage[0].last().unwrap().1, 41);
    assert!(d.keys[0].last_used_at.is_some());
}

fn fetched_at(body: &Value) -> DateTime<Utc> {
    body["fetched_at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn demo_profiles_resolve_and_page_on_a_fresh_install() {
    let (app, _) = social_app(|_| {}).await;
    let (_, key) = client(&app, "Pages", PRO).await;
    let res = get(&app, "/api/v1/social/instagram/@Demo.Travel.Mia", &key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("instagram.com") && !text.contains("demo://"),
        "no link to a page that does not exist, no internal URL: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["username"], "demo.travel.mia");
    assert_eq!(body["source"], "demo");
    assert_eq!(body["profile"]["source"], "demo");
    assert!(body["profile"]["followers_count"].as_i64().unwrap() > 0);
    assert!(
        body["profile"]["picture_url"]
            .as_str()
            .unwrap()
            .starts_with("/media/"),
        "a generated picture through the media proxy"
    );
    let posts = body["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 12);
    for p in posts {
        assert_eq!(p["source"], "demo");
        assert!(p["permalink"].is_null());
        let picture = if p["media_type"] == "VIDEO" {
            assert!(p["media_url"].is_null(), "videos are not proxied");
            &p["thumbnail_url"]
        } else {
            &p["media_url"]
        };
        assert!(picture.as_str().unwrap().starts_with("/media/"), "{p}");
    }
    assert!(posts.iter().all(|p| !p["fetched_at"].is_null()));
    let cursor = body["next_cursor"].as_str().unwrap();

    let page: Value = get(
        &app,
        &format!("/api/v1/social/instagram/demo.travel.mia/posts?cursor={cursor}"),
        &key,
    )
    .await
    .json()
    .await
    .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    let last_first: DateTime<Utc> = posts[11]["posted_at"].as_str().unwrap().parse().unwrap();
    let first_second: DateTime<Utc> = items[0]["posted_at"].as_str().unwrap().parse().unwrap();
    assert!(first_second <= last_first, "older posts on the next page");
    assert!(
        items
            .iter()
            .all(|i| posts.iter().all(|p| p["id"] != i["id"]))
    );
    let first: Value = get(&app, "/api/v1/social/instagram/demo.travel.mia/posts", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"], body["posts"]);

    for (path, field) in [
        ("/api/v1/social/instagram/has%20space", "username"),
        (
            "/api/v1/social/instagram/demo.travel.mia/posts?cursor=forged",
            "cursor",
        ),
    ] {
        let res = get(&app, path, &key).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(res.headers().contains_key("ratelimit-remaining"));
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn a_live_source_that_cannot_answer_is_503_with_retry_after() {
    let (app, _) = social_app(|c| {
        c.set(
            &instagram::settings::APIFY_TOKEN,
            Some("apify_test_token".into()),
        )
    })
    .await;
    let (_, key) = client(&app, "Live", PRO).await;
    let res = get(&app, "/api/v1/social/instagram/real.person", &key).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(num(&res, "retry-after") >= 1);
    assert!(res.headers().contains_key("ratelimit-limit"));
}

#[tokio::test]
async fn hits_do_not_call_the_source_and_an_expired_entry_is_served_then_refreshed_once() {
    let ttl = 6;
    let (app, social) = social_app(|c| {
        c.set(&instagram::settings::SOCIAL_PROFILE_TTL_SECS, ttl);
        c.set(&instagram::settings::SOCIAL_POSTS_TTL_SECS, ttl);
    })
    .await;
    let (_, key) = client(&app, "Cache", PRO).await;
    let path = "/api/v1/social/instagram/demo.cache.me.if.you.can";
    let res = get(&app, path, &key).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-cache"), "MISS");
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        social.stats().refreshes,
        1,
        "a miss fetches the profile once"
    );

    let res = get(&app, path, &key).await;
    assert_eq!(header(&res, "x-cache"), "HIT");
    let second: Value = res.json().await.unwrap();
    assert_eq!(second, first);
    assert_eq!(
        social.stats().refreshes,
        1,
        "a hit does not call the source"
    );
    let hits = social.stats().hits;
    assert!(hits >= 2, "profile and posts of the second request");

    // Past the TTL: served stale at once, by every concurrent caller, and refreshed once.
    let expires = fetched_at(&first) + chrono::Duration::seconds(ttl as i64);
    let wait = (expires - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(300)).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url, key) = (app.api(), app.url(path), key.clone());
        tasks.push(tokio::spawn(async move {
            let res = client
                .get(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap();
            let cache = header(&res, "x-cache");
            (cache, res.json::<Value>().await.unwrap())
        }));
    }
    for t in tasks {
        let (cache, body) = t.await.unwrap();
        assert_eq!(cache, "STALE");
        assert_eq!(fetched_at(&body), fetched_at(&first), "the stale entry");
    }
    let mut refreshed = None;
    for _ in 0..300 {
        let body: Value = get(&app, path, &key).await.json().await.unwrap();
        if fetched_at(&body) > fetched_at(&first) {
            refreshed = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        refreshed.is_some(),
        "the entry was refreshed in the background"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        social.stats().refreshes,
        2,
        "one refresh for all the stale hits"
    );
    assert!(social.stats().stale >= 6);
    assert_eq!(social.stats().refresh_failures, 0);
}

/// Copies a client and its keys into another app's database (a second node of the same
/// deployment would read them from the shared database).
async fn copy_client(from: &TestApp, to: &TestApp, client_id: uuid::Uuid) {
    let c = api_client::Entity::find_by_id(client_id)
        .one(&from.state.db)
        .await
        .unwrap()
        .unwrap();
    api_client::Entity::insert(c.into_active_model().reset_all())
        .exec(&to.state.db)
        .await
        .unwrap();
    for k in api_key::Entity::find().all(&from.state.db).await.unwrap() {
        k.into_active_model()
            .reset_all()
            .insert(&to.state.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn with_redis_two_app_instances_share_one_minute_limit() {
    let Ok(redis_url) = std::env::var("GROWTHDECK_TEST_REDIS_URL") else {
        eprintln!("skipped: GROWTHDECK_TEST_REDIS_URL is not set");
        return;
    };
    let (a, _) = social_app(|c| c.redis_url = Some(redis_url.clone())).await;
    let (b, _) = social_app(|c| c.redis_url = Some(redis_url.clone())).await;
    let (client_id, key) = client(
        &a,
        "Shared",
        Limits {
            rpm: Some(4),
            ..PRO
        },
    )
    .await;
    copy_client(&a, &b, client_id).await;
    let path = "/api/v1/social/instagram/demo.shared.limit";
    early_in_a_minute().await;
    let mut remaining = Vec::new();
    for app in [&a, &b, &a, &b] {
        let res = get(app, path, &key).await;
        assert_eq!(res.status(), StatusCode::OK);
        remaining.push(num(&res, "ratelimit-remaining"));
    }
    assert_eq!(
        remaining,
        vec![3, 2, 1, 0],
        "one count across both instances"
    );
    for app in [&a, &b] {
        let res = get(app, path, &key).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
    }
}

#[test]
fn the_public_routes_and_their_key_schemes_are_in_the_openapi_document() {
    let (_, doc) = instagram::api::openapi_router().split_for_parts();
    let doc = serde_json::to_value(doc).unwrap();
    for path in [
        "/api/v1/social/instagram/{username}",
        "/api/v1/social/instagram/{username}/posts",
    ] {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path}");
        assert_eq!(
            op["security"][0]["api_key"],
            serde_json::json!([]),
            "{path}"
        );
        assert!(op["responses"]["429"].is_object(), "{path}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["name"], "X-Api-Key");
    assert_eq!(schemes["api_key_bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn images_are_media_proxy_paths_never_cdn_urls() {
    let (app, _) = social_app(|_| {}).await;
    let (_, key) = client(&app, "Pictures", PRO).await;
    // A stored profile (already fetched) whose picture and post images are CDN URLs.
    let cdn = "https://scontent-fra5-1.cdninstagram.com/v/t51/x.jpg?oh=sig-profile";
    let row = instagram::service::profiles::find_or_create(
        &app.state.db,
        instagram::service::profiles::Pool::Demo,
        "demo.pictured.profile",
    )
    .await
    .unwrap();
    let mut active = row.clone().into_active_model();
    active.picture_url = sea_orm::Set(Some(cdn.into()));
    active.fetched_at = sea_orm::Set(Some(chrono::Utc::now()));
    active.followers_count = sea_orm::Set(Some(1234));
    active.update(&app.state.db).await.unwrap();
    let post = instagram::source::FetchedMedia {
        ig_media_id: "m1".into(),
        shortcode: None,
        caption: Some("hello".into()),
        media_type: instagram::source::MediaType::Image,
        product_type: Some("FEED".into()),
        permalink: None,
        posted_at: chrono::Utc::now(),
        like_count: Some(10),
        comments_count: Some(1),
        view_count: None,
        media_url: Some("https://scontent.cdninstagram.com/v/post.jpg?oh=sig-post".into()),
        thumbnail_url: None,
    };
    instagram::service::store::save_media(
        &app.state.db,
        row.id,
        &[post],
        instagram::Source::Demo,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let res = get(&app, "/api/v1/social/instagram/demo.pictured.profile", &key).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("cdninstagram") && !text.contains("sig-"),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        body["profile"]["picture_url"]
            .as_str()
            .unwrap()
            .starts_with("/media/"),
        "{body}"
    );
    assert!(
        body["posts"][0]["media_url"]
            .as_str()
            .unwrap()
            .starts_with("/media/"),
        "{body}"
    );
}

#[tokio::test]
async fn live_data_comes_from_apify_and_an_unknown_username_is_a_remembered_404() {
    use wiremock::{
        Mock, MockServer, ResponseTemplate,
        matchers::{body_partial_json, method, path},
    };
    let apify = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(super::apify::PROFILE_RUN))
        .and(body_partial_json(
            serde_json::json!({ "usernames": ["lisbon.bakes"] }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(super::apify::fixture("profile")))
        .mount(&apify)
        .await;
    Mock::given(method("POST"))
        .and(path(super::apify::POSTS_RUN))
        .respond_with(ResponseTemplate::new(201).set_body_json(super::apify::fixture("posts")))
        .mount(&apify)
        .await;
    Mock::given(method("POST"))
        .and(path(super::apify::PROFILE_RUN))
        .and(body_partial_json(
            serde_json::json!({ "usernames": ["no.such.person"] }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(super::apify::fixture("not_found")))
        .mount(&apify)
        .await;
    let base = apify.uri();
    let (app, _) = social_app(move |c| {
        c.set(
            &instagram::settings::APIFY_TOKEN,
            Some(super::apify::TOKEN.into()),
        );
        c.set(&instagram::settings::APIFY_API_BASE, base);
    })
    .await;
    let (_, key) = client(&app, "Live", PRO).await;

    let res = get(&app, "/api/v1/social/instagram/lisbon.bakes", &key).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["source"], "apify");
    assert_eq!(body["profile"]["followers_count"], 18342);
    assert_eq!(body["posts"].as_array().unwrap().len(), 4);
    assert!(
        body["posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["source"] == "apify")
    );

    let profile_runs = |reqs: &[wiremock::Request]| {
        reqs.iter()
            .filter(|r| {
                r.url.path() == super::apify::PROFILE_RUN
                    && String::from_utf8_lossy(&r.body).contains("no.such.person")
            })
            .count()
    };
    for _ in 0..2 {
        let res = get(&app, "/api/v1/social/instagram/no.such.person", &key).await;
        assert_eq!(res.status(), 404);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 404);
    }
    assert_eq!(
        profile_runs(&apify.received_requests().await.unwrap()),
        1,
        "the second ask is answered from memory, not by another actor run"
    );
    // Nothing made up in its place: no figures, no demo data under that name.
    let rows: Vec<_> = instagram::model::profile::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.username == "no.such.person")
        .collect();
    assert!(
        rows.iter()
            .all(|p| p.followers_count.is_none() && p.fetched_at.is_none() && p.source != "demo"),
        "{rows:?}"
    );
}

/// Without a live source, a real username is 503 `source-not-configured` — never the demo
/// generator's figures under a real name — while demo usernames keep working; with a live
/// source, a demo username is still generated data, labelled.
#[tokio::test]
async fn real_usernames_need_a_live_source_and_demo_usernames_always_work() {
    let (app, social) = social_app(|_| {}).await;
    let (_, key) = client(&app, "Honest", PRO).await;
    for path in [
        "/api/v1/social/instagram/natgeo",
        "/api/v1/social/instagram/@NatGeo/posts",
    ] {
        let res = get(&app, path, &key).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(header(&res, "content-type"), "application/problem+json");
        assert!(
            header(&res, "retry-after").is_empty(),
            "asking again will not help"
        );
        assert!(res.headers().contains_key("ratelimit-remaining"));
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["type"], "/problems/source-not-configured");
        assert!(p["detail"].as_str().unwrap().contains("demo."), "{p}");
    }
    assert_eq!(social.stats().refreshes, 0, "no source was asked");
    let rows = instagram::model::profile::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.is_empty(), "nothing stored: {rows:?}");

    // A demo-pool profile of a real name (how earlier versions filled a username without a
    // source) is not served as that account either.
    let old = instagram::service::profiles::find_or_create(
        &app.state.db,
        instagram::service::profiles::Pool::Demo,
        "natgeo",
    )
    .await
    .unwrap();
    instagram::service::refresh::refresh_profile(&app.state, old.id, |_, _| {})
        .await
        .unwrap();
    let res = get(&app, "/api/v1/social/instagram/natgeo", &key).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    let res = get(&app, "/api/v1/social/instagram/demo_fitness", &key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["source"], "demo");

    // Instagram's rules on the path too.
    for bad in ["two..dots", ".lead", "trail.", "dash-ed"] {
        let res = get(&app, &format!("/api/v1/social/instagram/{bad}"), &key).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "username", "{bad}");
    }

    // With a live source a demo username is still demo data (the source is not asked).
    let apify = wiremock::MockServer::start().await;
    let base = apify.uri();
    let (live, _) = social_app(move |c| {
        c.set(
            &instagram::settings::APIFY_TOKEN,
            Some(super::apify::TOKEN.into()),
        );
        c.set(&instagram::settings::APIFY_API_BASE, base);
    })
    .await;
    let (_, key) = client(&live, "Live", PRO).await;
    let res = get(&live, "/api/v1/social/instagram/demo.travel.mia", &key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["source"], "demo");
    assert!(
        apify.received_requests().await.unwrap().is_empty(),
        "demo usernames never reach the live source"
    );
}

/// Another node of the app's deployment: its database and keyring, the social-data routes, and
/// its own event bus connected as `serve` connects it (Redis when given, else PostgreSQL
/// `NOTIFY`). `None` on SQLite without Redis (one node only).
async fn node(app: &TestApp, redis_url: Option<String>) -> Option<String> {
    let mut config = (*app.state.config).clone();
    config.redis_url = redis_url;
    let events = platform::events::Events::connect(&config, &app.state.db)
        .await
        .unwrap();
    if events.transport() == "local" {
        return None;
    }
    let state = platform::AppState::new(platform::state::StateParts {
        config: std::sync::Arc::new(config),
        events,
        shutdown: platform::shutdown::ShutdownHooks::new(),
        ..app.state.parts()
    });
    let router = platform::http::app(state, instagram::feature_with(Social::new()).routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    Some(format!("http://{addr}"))
}

async fn get_at(base: &str, path: &str, key: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .status()
}

/// Keys are verified from memory on every node; a revocation announced on one node stops the
/// key there at once and on the other within a second (PostgreSQL `NOTIFY`, or Redis).
#[tokio::test]
async fn a_revocation_reaches_every_node_within_a_second() {
    let (app, _) = social_app(|_| {}).await;
    let redis = std::env::var("GROWTHDECK_TEST_REDIS_URL").ok();
    let (Some(a), Some(b)) = (
        node(&app, redis.clone()).await,
        node(&app, redis.clone()).await,
    ) else {
        eprintln!("skipped: two nodes need PostgreSQL or GROWTHDECK_TEST_REDIS_URL");
        return;
    };
    let (client_id, key) = client(&app, "Everywhere", PRO).await;
    let path = "/api/v1/social/instagram/demo.two.nodes";
    for base in [&a, &b] {
        // Twice: the second answer comes from the node's memory.
        for _ in 0..2 {
            assert_eq!(get_at(base, path, &key).await, StatusCode::OK, "{base}");
        }
    }
    let rows = api_key::Entity::find().all(&app.state.db).await.unwrap();
    clients::revoke_key(&app.state.db, client_id, rows[0].id)
        .await
        .unwrap();
    // Node B still has the key in memory: without the announcement it would keep serving it.
    assert_eq!(get_at(&b, path, &key).await, StatusCode::OK, "cached on B");

    // Announced on node A's bus (as the back office does after its commit).
    let mut config = (*app.state.config).clone();
    config.redis_url = redis;
    let bus_a = platform::events::Events::connect(&config, &app.state.db)
        .await
        .unwrap();
    let announced = std::time::Instant::now();
    announce(&bus_a, client_id).await.unwrap();
    let deadline = announced + Duration::from_secs(1);
    loop {
        let (on_a, on_b) = (get_at(&a, path, &key).await, get_at(&b, path, &key).await);
        if on_a == StatusCode::UNAUTHORIZED && on_b == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {on_a} / {on_b} a second after the announcement"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The monthly quota holds under concurrency: the month's last requests go to exactly as many
/// callers as are left.
#[tokio::test]
async fn concurrent_requests_cannot_overshoot_the_monthly_quota() {
    let (app, social) = social_app(|_| {}).await;
    let (client_id, key) = client(
        &app,
        "Racing",
        Limits {
            month: Some(5),
            ..PRO
        },
    )
    .await;
    let path = "/api/v1/social/instagram/demo.racing.quota";
    assert_eq!(get(&app, path, &key).await.status(), StatusCode::OK);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, key) = (app.api(), app.url(path), key.clone());
        tasks.push(tokio::spawn(async move {
            client
                .get(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(ok, 4, "1 + 4 = the quota of 5");
    social.flush_usage().await.unwrap();
    let d = clients::detail(&app.state.db, client_id, 1).await.unwrap();
    assert_eq!(d.summary.requests_this_month, 5);
}

/// Usage is counted in memory and written by the shutdown hook after the last request: a
/// clean stop loses nothing, even before the writer's next tick.
#[tokio::test]
async fn usage_counted_in_memory_is_written_at_shutdown() {
    let (app, _) = social_app(|_| {}).await;
    let (client_id, key) = client(&app, "Stopping", PRO).await;
    let path = "/api/v1/social/instagram/demo.clean.stop";
    for _ in 0..7 {
        assert_eq!(get(&app, path, &key).await.status(), StatusCode::OK);
    }
    app.state.shutdown.run().await;
    let d = clients::detail(&app.state.db, client_id, 1).await.unwrap();
    assert_eq!(d.summary.requests_today, 7);
    assert!(d.keys[0].last_used_at.is_some());
}
