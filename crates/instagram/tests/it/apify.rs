//! The Apify source: field mapping from recorded-shape dataset items (fixtures), the actor
//! runs it starts, what each refusal means (408 → retried later, 401 → not configured), and a
//! live-pool account added by username refreshing through Apify.

use chrono::{Duration, Utc};
use instagram::source::{
    DataSource, MediaType, Source, SourceError, Target,
    apify::{self, ApifySource},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{bearer_token, body_partial_json, method, path},
};

use super::*;

pub(super) const TOKEN: &str = "apify_api_Zx81TestToken0000000000000000";
pub(super) const PROFILE_RUN: &str =
    "/v2/acts/apify~instagram-profile-scraper/run-sync-get-dataset-items";
pub(super) const POSTS_RUN: &str = "/v2/acts/apify~instagram-scraper/run-sync-get-dataset-items";

/// A fixture with its relative times (`{{DAYS_AGO_n}}`) filled in.
pub(super) fn fixture(name: &str) -> Value {
    let raw = match name {
        "profile" => include_str!("../fixtures/apify_profile.json"),
        "posts" => include_str!("../fixtures/apify_posts.json"),
        "not_found" => include_str!("../fixtures/apify_not_found.json"),
        _ => unreachable!(),
    };
    let mut text = raw.to_string();
    for days in [1, 4, 8, 200] {
        let at = (Utc::now() - Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        text = text.replace(&format!("{{{{DAYS_AGO_{days}}}}}"), &at);
    }
    serde_json::from_str(&text).unwrap()
}

#[test]
fn dataset_items_map_to_profiles_posts_and_comments() {
    let profile = apify::profile_of(&fixture("profile")[0]).unwrap();
    assert_eq!(profile.username, "lisbon.bakes");
    assert_eq!(profile.ig_user_id.as_deref(), Some("48193057721"));
    assert_eq!(
        profile.full_name.as_deref(),
        Some("Lisbon Bakes · Pastelaria")
    );
    assert!(
        profile
            .biography
            .as_deref()
            .unwrap()
            .starts_with("Pastéis de nata")
    );
    assert_eq!(
        profile.website.as_deref(),
        Some("https://lisbonbakes.example/menu")
    );
    assert!(
        profile.picture_url.as_deref().unwrap().contains("s320"),
        "the HD picture"
    );
    assert_eq!(
        (
            profile.followers_count,
            profile.follows_count,
            profile.media_count
        ),
        (Some(18342), Some(412), Some(734))
    );
    assert_eq!(
        (profile.is_verified, profile.is_business),
        (Some(false), Some(true))
    );

    let items = fixture("posts");
    let posts: Vec<_> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(apify::media_of)
        .collect();
    assert_eq!(posts.len(), 4);
    let reel = posts
        .iter()
        .find(|p| p.shortcode.as_deref() == Some("C4ReelDDD"))
        .unwrap();
    assert_eq!(reel.ig_media_id, "3101000000000000004");
    assert_eq!(reel.media_type, MediaType::Video);
    assert_eq!(reel.product_type.as_deref(), Some("REELS"));
    assert_eq!(
        reel.permalink.as_deref(),
        Some("https://www.instagram.com/p/C4ReelDDD/")
    );
    assert_eq!(
        (reel.like_count, reel.comments_count, reel.view_count),
        (Some(3120), Some(57), Some(48200))
    );
    assert!(
        reel.media_url.as_deref().unwrap().ends_with("reel.mp4"),
        "the video itself"
    );
    assert!(
        reel.thumbnail_url
            .as_deref()
            .unwrap()
            .contains("reel_cover"),
        "its cover"
    );
    let carousel = posts
        .iter()
        .find(|p| p.media_type == MediaType::CarouselAlbum)
        .unwrap();
    assert_eq!(
        carousel.like_count, None,
        "hidden likes (-1) are unknown, not negative"
    );
    assert_eq!(carousel.product_type.as_deref(), Some("FEED"));
    assert!(
        carousel
            .media_url
            .as_deref()
            .unwrap()
            .contains("carousel_1")
    );
    let image = posts
        .iter()
        .find(|p| p.shortcode.as_deref() == Some("C2ImageBBB"))
        .unwrap();
    assert_eq!(
        (
            image.media_type,
            image.view_count,
            image.thumbnail_url.clone()
        ),
        (MediaType::Image, None, None)
    );

    let comments = apify::comments_of(&items[1]);
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].ig_comment_id, "17990000000000001");
    assert_eq!(comments[0].username.as_deref(), Some("ana.eats"));
    assert_eq!(comments[0].text, "So satisfying 😍");
    assert_eq!(comments[0].like_count, Some(4));
    assert!(comments[0].posted_at.is_some());
    assert!(apify::comments_of(&items[0]).is_empty());
    assert!(apify::profile_of(&fixture("not_found")[0]).is_none());
}

fn target(username: &str) -> Target {
    Target::username(username)
}

#[tokio::test]
async fn runs_the_actors_with_the_token_and_reads_their_items() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PROFILE_RUN))
        .and(bearer_token(TOKEN))
        .and(body_partial_json(json!({ "usernames": ["lisbon.bakes"] })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("profile")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(POSTS_RUN))
        .and(bearer_token(TOKEN))
        .and(body_partial_json(json!({
            "directUrls": ["https://www.instagram.com/lisbon.bakes/"],
            "resultsType": "posts",
            "resultsLimit": 50
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("posts")))
        .mount(&server)
        .await;
    let apify = ApifySource::new(
        instagram::source::http::client().unwrap(),
        &server.uri(),
        TOKEN,
    );
    assert_eq!(apify.source(), Source::Apify);
    let t = target("lisbon.bakes");
    assert_eq!(
        apify.profile(&t).await.unwrap().followers_count,
        Some(18342)
    );
    let page = apify.media(&t, None, 50).await.unwrap();
    assert_eq!(page.items.len(), 4);
    assert!(page.next.is_none(), "a scraper has no cursor");
    // Newest first, though the scraper put the pinned post first.
    let times: Vec<_> = page.items.iter().map(|m| m.posted_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(page.items[0].shortcode.as_deref(), Some("C4ReelDDD"));
    assert_eq!(page.items[3].shortcode.as_deref(), Some("C1PinnedAAA"));
    // Comments: those that came with the posts; none for a post the run did not return.
    assert_eq!(
        apify
            .comments(&t, "3101000000000000004")
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        apify
            .comments(&t, "3101000000000000002")
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        apify.comments(&t, "999").await,
        Err(SourceError::Unsupported)
    );
    // No private insights in public data.
    assert_eq!(
        apify.media_insights(&t, &page.items[0]).await,
        Err(SourceError::Unsupported)
    );
    assert_eq!(
        apify.account_insights(&t, 30).await,
        Err(SourceError::Unsupported)
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "one run each"
    );
}

#[tokio::test]
async fn refusals_say_what_to_do() {
    let server = MockServer::start().await;
    let apify = ApifySource::new(
        instagram::source::http::client().unwrap(),
        &server.uri(),
        TOKEN,
    );
    let answer = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    let cases = [
        (
            "slow",
            answer(
                408,
                json!({ "error": { "type": "run-timeout-exceeded", "message": "Actor run exceeded the timeout of 300 seconds for this API endpoint" } }),
            ),
        ),
        (
            "badtoken",
            answer(
                401,
                json!({ "error": { "type": "token-not-valid", "message": "Authentication token is not valid." } }),
            ),
        ),
        (
            "broke",
            answer(
                402,
                json!({ "error": { "type": "not-enough-usage-to-run-paid-actor", "message": "By launching this job you will exceed the memory limit" } }),
            ),
        ),
        ("empty", ResponseTemplate::new(201).set_body_json(json!([]))),
        (
            "gone",
            ResponseTemplate::new(201).set_body_json(fixture("not_found")),
        ),
    ];
    for (username, response) in cases {
        Mock::given(method("POST"))
            .and(path(PROFILE_RUN))
            .and(body_partial_json(json!({ "usernames": [username] })))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    let slow = apify.profile(&target("slow")).await.unwrap_err();
    assert!(
        matches!(&slow, SourceError::Unavailable(m) if m.contains("300 s")),
        "{slow:?}"
    );
    assert!(slow.is_temporary());
    let bad = apify.profile(&target("badtoken")).await.unwrap_err();
    assert!(
        matches!(&bad, SourceError::NotConfigured(m) if m.contains("administrator") && !m.contains("APIFY")),
        "{bad:?}"
    );
    assert!(matches!(
        apify.profile(&target("broke")).await,
        Err(SourceError::Throttled { .. })
    ));
    assert!(matches!(
        apify.profile(&target("empty")).await,
        Err(SourceError::NotFound(_))
    ));
    assert!(
        matches!(apify.profile(&target("gone")).await, Err(SourceError::NotFound(m)) if m.contains("Page not found"))
    );
}

async fn app_with_apify(server: &MockServer) -> TestApp {
    let base = server.uri();
    app_with(move |c| {
        c.set(&instagram::settings::APIFY_TOKEN, Some(TOKEN.into()));
        c.set(&instagram::settings::APIFY_API_BASE, base);
    })
    .await
}

async fn add(app: &TestApp, token: &str, username: &str) -> Value {
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(token)
        .json(&json!({ "username": username }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_account_added_by_username_refreshes_through_apify() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PROFILE_RUN))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("profile")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(POSTS_RUN))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("posts")))
        .mount(&server)
        .await;
    let app = app_with_apify(&server).await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let added = add(&app, &token, "@Lisbon.Bakes").await;
    assert_eq!(added["kind"], "manual");
    let id = added["id"].as_str().unwrap().to_string();
    let d = fetched(&app, &token, &id).await;
    assert_eq!(d["source"], "apify");
    assert_eq!(d["followers_count"], 18342);
    assert!(d["last_refresh_error"].is_null(), "{d}");
    let posts = d["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 4);
    assert!(posts.iter().all(|p| p["source"] == "apify"));
    assert!(
        posts.iter().all(|p| p["saves"].is_null()),
        "no private insights from public data"
    );
    // The reel's comments came with the posts run.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let stored = instagram::model::comment::Entity::find()
        .filter(instagram::model::comment::Column::Source.eq("apify"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    // The token went only in the Authorization header.
    for r in server.received_requests().await.unwrap() {
        assert!(!r.url.as_str().contains(TOKEN));
    }
}

#[tokio::test]
async fn a_slow_run_is_retried_and_a_refused_token_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PROFILE_RUN))
        .and(body_partial_json(json!({ "usernames": ["slow.bakery"] })))
        .respond_with(ResponseTemplate::new(408).set_body_json(json!({ "error": { "type": "run-timeout-exceeded", "message": "Actor run exceeded the timeout of 300 seconds for this API endpoint" } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(PROFILE_RUN))
        .and(body_partial_json(json!({ "usernames": ["locked.bakery"] })))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "error": { "type": "token-not-valid", "message": "Authentication token is not valid." } })))
        .mount(&server)
        .await;
    let app = app_with_apify(&server).await;
    let token = customer(&app, "owner@example.com", "Agency").await;

    let slow = add(&app, &token, "slow.bakery").await;
    let profile_id = profile_of(&app, slow["id"].as_str().unwrap()).await;
    let job = super::fake_instagram::settled_refresh(&app, profile_id).await;
    assert_eq!(job.state, "available", "a run over 300 s is tried again");
    assert_eq!(job.queue, "ig_apify");
    assert!(job.run_at > Utc::now() + Duration::seconds(5));
    let p = instagram::service::profiles::get(&app.state.db, profile_id)
        .await
        .unwrap();
    assert!(p.last_refresh_error.unwrap().contains("300 s"));

    let locked = add(&app, &token, "locked.bakery").await;
    let profile_id = profile_of(&app, locked["id"].as_str().unwrap()).await;
    let job = super::fake_instagram::settled_refresh(&app, profile_id).await;
    assert_eq!(job.state, "dead", "a refused token is not retried");
    let d: Value = app
        .api()
        .get(app.url(&format!(
            "/api/v1/instagram/accounts/{}",
            locked["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let error = d["last_refresh_error"].as_str().unwrap();
    assert!(
        error.contains("administrator") && !error.contains("APIFY"),
        "who can act, no setting key: {d}"
    );
}

async fn profile_of(app: &TestApp, account_id: &str) -> uuid::Uuid {
    super::fake_instagram::account_row(app, account_id)
        .await
        .profile_id
}

#[tokio::test]
async fn apify_needs_its_token() {
    let app = app().await;
    match instagram::source::for_state(&app.state, Source::Apify).await {
        // Customers read this as a refresh error: it names who can act, no setting keys.
        Err(SourceError::NotConfigured(m)) => {
            assert!(m.contains("administrator") && !m.contains("APIFY"), "{m}")
        }
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("no token, no source"),
    }
    assert!(
        instagram::source::for_state(&app.state, Source::Graph)
            .await
            .is_ok()
    );
    let server = MockServer::start().await;
    let configured = app_with_apify(&server).await;
    assert_eq!(
        instagram::source::for_state(&configured.state, Source::Apify)
            .await
            .map(|s| s.source())
            .ok(),
        Some(Source::Apify)
    );
}

#[tokio::test]
async fn real_accounts_count_against_the_plan_and_demo_ones_do_not() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!([])))
        .mount(&server)
        .await;
    let app = app_with_apify(&server).await;
    let token = customer(&app, "owner@example.com", "Counted").await;
    let ws = workspace_id(&app, &token).await;
    billing::service::subscriptions::comp_key(
        &app.state.db,
        &platform::Scope::for_test(ws),
        "starter",
        "test",
    )
    .await
    .unwrap();
    add(&app, &token, "first.account").await;
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&json!({ "username": "second.account" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYMENT_REQUIRED);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/limit-reached");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("The Starter plan allows 1 connected Instagram account;")
            && detail.contains("The Pro plan lifts this limit."),
        "{detail}"
    );
    // Demo accounts are not Instagram accounts: they never count.
    instagram::service::accounts::add_demo(
        &app.state,
        &platform::Scope::for_test(ws),
        "demo.one",
        None,
    )
    .await
    .unwrap();
    // Another workspace's limit is its own.
    let other = customer(&app, "other@example.com", "Other").await;
    add(&app, &other, "second.account").await;
}
