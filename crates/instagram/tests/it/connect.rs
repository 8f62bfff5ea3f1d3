//! Instagram Login end to end through the real router against a local Instagram: the
//! authorize redirect carries a stored, single-use state bound to the person and workspace;
//! the code and long-lived exchanges; the account created with its token sealed (in no API
//! answer or page); its first refresh through the Graph API; refusals as flashes; reconnecting.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::Value;

use super::fake_instagram::*;
use super::*;

const TOKEN_PURPOSE: &str = "ig_token";

#[tokio::test]
async fn connecting_an_account_end_to_end() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    ig.mount_login(&MIA).await;
    ig.mount_media_pages(
        &MIA,
        vec![
            vec![
                media_item("18000000000000005", 1, "VIDEO", "REELS"),
                media_item("18000000000000004", 3, "IMAGE", "FEED"),
                media_item("18000000000000003", 6, "CAROUSEL_ALBUM", "FEED"),
            ],
            vec![
                media_item("18000000000000002", 9, "IMAGE", "FEED"),
                media_item("18000000000000001", 12, "IMAGE", "FEED"),
            ],
        ],
    )
    .await;
    ig.mount_insights().await;

    // The authorize redirect: our app, our callback, the two scopes, a state.
    let (authorize, state) = start_connect(&app, &browser).await;
    assert_eq!(
        format!(
            "{}{}",
            authorize.origin().ascii_serialization(),
            authorize.path()
        ),
        format!("{}/oauth/authorize", ig.uri())
    );
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string())
    };
    assert_eq!(param("client_id").as_deref(), Some(APP_ID));
    assert_eq!(param("redirect_uri"), Some(app.url("/instagram/callback")));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(
        param("scope").as_deref(),
        Some("instagram_business_basic,instagram_business_manage_insights")
    );
    assert!(state.len() >= 32, "a random state");
    // Stored hashed, never as sent.
    let stored = instagram::model::oauth_state::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].state_hash, state);

    // A state we never issued: refused before Instagram is asked anything.
    let (location, page) = callback(
        &app,
        &browser,
        &[("code", MIA.code), ("state", "forged-state")],
    )
    .await;
    assert_eq!(location, "/instagram");
    assert!(
        page.contains("was not started here, has expired or was already used"),
        "{page}"
    );
    assert!(ig.requests_to("/oauth/access_token").await.is_empty());

    // The real callback: code exchange, long-lived exchange, profile, account.
    let (location, page) = callback(&app, &browser, &[("code", MIA.code), ("state", &state)]).await;
    assert_eq!(location, "/instagram");
    assert!(page.contains("@mia.travels is connected"), "{page}");
    let exchange = ig.requests_to("/oauth/access_token").await;
    assert_eq!(exchange.len(), 1);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&exchange[0].body)
        .into_owned()
        .collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(field("client_id"), Some(APP_ID));
    assert_eq!(field("client_secret"), Some(APP_SECRET));
    assert_eq!(field("grant_type"), Some("authorization_code"));
    assert_eq!(
        field("redirect_uri"),
        Some(app.url("/instagram/callback").as_str())
    );
    assert_eq!(field("code"), Some(MIA.code));
    assert_eq!(ig.requests_to("/access_token").await.len(), 1);

    // Used once: the same callback again is refused, and Instagram is not asked again.
    let (_, page) = callback(&app, &browser, &[("code", MIA.code), ("state", &state)]).await;
    assert!(page.contains("already used"), "{page}");
    assert_eq!(ig.requests_to("/oauth/access_token").await.len(), 1);

    // The account: connected, live, its token sealed with the platform key.
    let id = account_id(&app, &token, "mia.travels").await;
    let row = account_row(&app, &id).await;
    assert_eq!(row.kind, "instagram_login");
    assert_eq!(row.source, "graph");
    assert_eq!(row.status, "active");
    assert_eq!(row.ig_user_id.as_deref(), Some(MIA.user_id));
    let sealed = row.access_token.clone().unwrap();
    assert!(!sealed.contains(MIA.long_token));
    assert_eq!(
        app.state.keys.decrypt_str(TOKEN_PURPOSE, &sealed).unwrap(),
        MIA.long_token
    );
    let expires = row.token_expires_at.unwrap();
    assert!(expires > Utc::now() + Duration::days(59) && expires < Utc::now() + Duration::days(61));
    assert_eq!(
        row.scopes.as_deref(),
        Some("instagram_business_basic,instagram_business_manage_insights")
    );
    let audit = platform::audit::by_action(&app.state.db, "instagram.account_connected")
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);

    // Its first refresh reads the Graph API: profile, both media pages, insights.
    let detail = fetched(&app, &token, &id).await;
    assert_eq!(detail["source"], "graph");
    assert_eq!(detail["followers_count"], MIA.followers);
    let posts = detail["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 5, "both pages stored");
    assert!(posts.iter().all(|p| p["source"] == "graph"));
    assert!(
        posts.iter().all(|p| p["saves"] == 77 && p["reach"] == 4100),
        "insights stored"
    );
    assert!(detail["last_refresh_error"].is_null(), "{detail}");
    // Every Graph call carried the long-lived token, none the short one.
    for r in ig.server.received_requests().await.unwrap() {
        if r.url.path().starts_with(GRAPH) {
            assert!(
                r.url.query().unwrap_or("").contains(MIA.long_token),
                "{}",
                r.url.path()
            );
        }
    }

    // The token is in no API answer and no page.
    for path in [
        "/api/v1/instagram/accounts".to_string(),
        format!("/api/v1/instagram/accounts/{id}"),
    ] {
        let body = app
            .api()
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for secret in [MIA.long_token, MIA.short_token, sealed.as_str()] {
            assert!(!body.contains(secret), "{path} shows a token");
        }
    }
    for path in ["/home", "/instagram/connect/button"] {
        let body = browser
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for secret in [MIA.long_token, MIA.short_token, sealed.as_str()] {
            assert!(!body.contains(secret), "{path} shows a token");
        }
    }
}

#[tokio::test]
async fn expired_cancelled_and_failed_attempts_are_flashes() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    ig.mount_login(&MIA).await;

    // An attempt older than ten minutes.
    let (_, old) = start_connect(&app, &browser).await;
    instagram::model::oauth_state::Entity::update_many()
        .col_expr(
            instagram::model::oauth_state::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let (_, page) = callback(&app, &browser, &[("code", MIA.code), ("state", &old)]).await;
    assert!(page.contains("has expired"), "{page}");

    // Cancelled on Instagram's page: a flash, and the attempt cannot be completed afterwards.
    let (_, denied) = start_connect(&app, &browser).await;
    let (location, page) = callback(
        &app,
        &browser,
        &[
            ("error", "access_denied"),
            ("error_reason", "user_denied"),
            ("error_description", "The user denied your request."),
            ("state", &denied),
        ],
    )
    .await;
    assert_eq!(location, "/instagram");
    assert!(page.contains("was cancelled"), "{page}");
    let (_, page) = callback(&app, &browser, &[("code", MIA.code), ("state", &denied)]).await;
    assert!(page.contains("already used"), "{page}");

    // A code Instagram refuses: its message as a flash, never a 500.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/oauth/access_token"))
        .and(wiremock::matchers::body_string_contains("code=stale-code"))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error_type": "OAuthException", "code": 400, "error_message": "This authorization code has been used"
        })))
        .mount(&ig.server)
        .await;
    let (_, state) = start_connect(&app, &browser).await;
    let (location, page) =
        callback(&app, &browser, &[("code", "stale-code"), ("state", &state)]).await;
    assert_eq!(location, "/instagram");
    assert!(
        page.contains("This authorization code has been used"),
        "{page}"
    );

    // Instagram down during the long-lived exchange: a flash too.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/oauth/access_token"))
        .and(wiremock::matchers::body_string_contains(
            "code=code-then-outage",
        ))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": "IGQVJ-short-outage", "user_id": 17841400000000999u64
            })),
        )
        .mount(&ig.server)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/access_token"))
        .and(wiremock::matchers::query_param(
            "access_token",
            "IGQVJ-short-outage",
        ))
        .respond_with(wiremock::ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .mount(&ig.server)
        .await;
    let (_, state) = start_connect(&app, &browser).await;
    let (_, page) = callback(
        &app,
        &browser,
        &[("code", "code-then-outage"), ("state", &state)],
    )
    .await;
    assert!(page.contains("could not be reached"), "{page}");

    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing connected"
    );
}

#[tokio::test]
async fn another_workspace_cannot_complete_our_connection() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (ours, our_token) = signed_in(&app, "owner@example.com", "Agency").await;
    let (theirs, their_token) = signed_in(&app, "other@example.com", "Other").await;
    ig.mount_login(&MIA).await;
    ig.mount_media_pages(&MIA, vec![vec![]]).await;
    ig.mount_insights().await;

    let (_, state) = start_connect(&app, &ours).await;
    // They hold our state and a code (a link shared, a leaked URL): refused, and the code is
    // never exchanged.
    let (location, page) = callback(&app, &theirs, &[("code", MIA.code), ("state", &state)]).await;
    assert_eq!(location, "/instagram");
    assert!(page.contains("was not started here"), "{page}");
    assert!(ig.requests_to("/oauth/access_token").await.is_empty());
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&their_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // Their try did not use up our attempt.
    let (_, page) = callback(&app, &ours, &[("code", MIA.code), ("state", &state)]).await;
    assert!(page.contains("@mia.travels is connected"), "{page}");
    account_id(&app, &our_token, "mia.travels").await;

    // Signed out, the callback asks for sign-in first.
    let anonymous = app.browser();
    let res = anonymous
        .get(app.url("/instagram/callback"))
        .query(&[("code", MIA.code), ("state", state.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn without_a_meta_app_the_customer_is_asked_to_see_their_administrator() {
    let app = app().await;
    let (browser, _) = signed_in(&app, "owner@example.com", "Agency").await;
    let button = browser
        .get(app.url("/instagram/connect/button"))
        .send()
        .await
        .unwrap();
    assert_eq!(button.status(), StatusCode::OK);
    let html = button.text().await.unwrap();
    // The customer's words: no setting names, no URIs to register (staff read those on the
    // system settings page).
    assert!(
        html.contains("Ask your administrator to set up Instagram Login"),
        "{html}"
    );
    assert!(!html.contains("META_APP"), "{html}");
    assert!(!html.contains("/instagram/callback"), "{html}");
    assert!(
        !html.contains(r#"action="/instagram/connect""#),
        "no button that cannot work"
    );
    let res = browser
        .get(app.url("/instagram/connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[reqwest::header::LOCATION], "/instagram");
    let page = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Connecting Instagram accounts is not set up on this server yet."),
        "{page}"
    );
    assert!(!page.contains("META_APP"), "{page}");

    let ig = FakeInstagram::start().await;
    let configured = app_with(|c| ig.configure(c)).await;
    let (browser, _) = signed_in(&configured, "owner@example.com", "Agency").await;
    let html = browser
        .get(configured.url("/instagram/connect/button"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"action="/instagram/connect""#), "{html}");
    assert!(!html.contains("META_APP_ID"));
    // The button's form posts (same origin) and gets the same redirect.
    let res = browser
        .post(configured.url("/instagram/connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with(&ig.uri())
    );
}

#[tokio::test]
async fn a_reconnect_needed_account_is_connected_again() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    ig.mount_login(&MIA).await;
    // The first refresh finds the token revoked.
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(format!("{GRAPH}/{}/media", MIA.user_id)))
        .and(wiremock::matchers::query_param("access_token", MIA.long_token))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(graph_error(
            190,
            "Error validating access token: The user has not authorized application 990602627938098.",
        )))
        .mount(&ig.server)
        .await;
    let id = connect(&app, &browser, &token, &MIA).await;
    let row = account_row(&app, &id).await;
    settled_refresh(&app, row.profile_id).await;
    for _ in 0..100 {
        if account_row(&app, &id).await.status == "reconnect_needed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(account_row(&app, &id).await.status, "reconnect_needed");

    // Connecting again (a new login, a new token) puts the same account back to work.
    const AGAIN: IgAccount = IgAccount {
        code: "AQBx-code-mia-again",
        short_token: "IGQVJ-short-mia-again",
        long_token: "IGAAT-long-mia-again",
        ..MIA
    };
    ig.mount_login(&AGAIN).await;
    ig.mount_media_pages(
        &AGAIN,
        vec![vec![media_item("18000000000000010", 2, "IMAGE", "FEED")]],
    )
    .await;
    ig.mount_insights().await;
    let (_, state) = start_connect(&app, &browser).await;
    let (_, page) = callback(&app, &browser, &[("code", AGAIN.code), ("state", &state)]).await;
    assert!(page.contains("@mia.travels is connected again"), "{page}");
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the same account, not a second one"
    );
    let row = account_row(&app, &id).await;
    let jobs = refresh_jobs(&app, row.profile_id).await;
    let profile = instagram::service::profiles::get(&app.state.db, row.profile_id)
        .await
        .unwrap();
    assert_eq!(
        row.status,
        "active",
        "{:?} {:?}",
        profile.last_refresh_error,
        jobs.iter()
            .map(|j| (&j.state, &j.errors, j.unique_key.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        app.state
            .keys
            .decrypt_str(TOKEN_PURPOSE, row.access_token.as_deref().unwrap())
            .unwrap(),
        AGAIN.long_token
    );
    assert_eq!(
        platform::audit::by_action(&app.state.db, "instagram.account_reconnected")
            .await
            .unwrap()
            .len(),
        1
    );
    // Its refresh works again with the new token.
    for _ in 0..200 {
        let n = instagram::model::post::Entity::find()
            .filter(instagram::model::post::Column::ProfileId.eq(row.profile_id))
            .all(&app.state.db)
            .await
            .unwrap()
            .len();
        if n == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the reconnected account was not refreshed");
}

#[tokio::test]
async fn an_account_added_by_username_becomes_the_connected_one() {
    let ig = FakeInstagram::start().await;
    let base = ig.uri();
    let app = app_with(|c| {
        ig.configure(c);
        c.set(
            &instagram::settings::APIFY_TOKEN,
            Some("apify_api_ConnectTest000000000000000".into()),
        );
        c.set(&instagram::settings::APIFY_API_BASE, base);
    })
    .await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(
            "/v2/acts/apify~instagram-profile-scraper/run-sync-get-dataset-items",
        ))
        .respond_with(wiremock::ResponseTemplate::new(201).set_body_json(serde_json::json!([
            { "id": "48190000001", "username": "mia.travels", "fullName": "Mia Travels", "followersCount": 12400, "followsCount": 300, "postsCount": 5, "private": false, "verified": false, "isBusinessAccount": true }
        ])))
        .mount(&ig.server)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(
            "/v2/acts/apify~instagram-scraper/run-sync-get-dataset-items",
        ))
        .respond_with(wiremock::ResponseTemplate::new(201).set_body_json(serde_json::json!([])))
        .mount(&ig.server)
        .await;
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "username": "mia.travels" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let added: Value = res.json().await.unwrap();
    assert_eq!(added["kind"], "manual");
    let id = added["id"].as_str().unwrap().to_string();
    let d = fetched(&app, &token, &id).await;
    assert_eq!(d["source"], "apify");

    ig.mount_login(&MIA).await;
    ig.mount_media_pages(
        &MIA,
        vec![vec![media_item("18000000000000020", 1, "IMAGE", "FEED")]],
    )
    .await;
    ig.mount_insights().await;
    let (_, state) = start_connect(&app, &browser).await;
    let (_, page) = callback(&app, &browser, &[("code", MIA.code), ("state", &state)]).await;
    assert!(page.contains("@mia.travels is connected."), "{page}");
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["kind"], "instagram_login");
    let row = account_row(&app, &id).await;
    assert_eq!(row.source, "graph");
    // From now on its refreshes read the Graph API with its token.
    for _ in 0..200 {
        let p = instagram::service::profiles::get(&app.state.db, row.profile_id)
            .await
            .unwrap();
        if p.source == "graph" && p.followers_count == Some(MIA.followers) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the connected account was not refreshed through the Graph API");
}
