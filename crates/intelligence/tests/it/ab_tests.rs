//! A/B tests through the real router and database: a test of a demo account whose tagged
//! posts have fixed comment counts gives the hand-checked Bayesian result (and "not enough
//! data" below the minimum sample), the page shows the verdict, the prior and the chart;
//! input is checked field by field; concluding writes the lesson to the playbook; another
//! workspace's ids are not found on any route.

use std::time::Duration;

use chrono::Utc;
use instagram::model::{account, post};
use platform::testkit::call;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{add_demo, app, customer_in};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The demo account's profile, once its first refresh stored posts.
async fn profile_of(app: &TestApp, account_id: &str) -> Uuid {
    let id: Uuid = account_id.parse().unwrap();
    let profile = account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .profile_id;
    for _ in 0..400 {
        if !instagram::service::texts::posts_of(&app.state.db, profile)
            .await
            .unwrap()
            .is_empty()
        {
            return profile;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the account's posts never arrived");
}

/// A post of the profile `days_ago` days back with a fixed number of comments.
async fn post_with(app: &TestApp, profile_id: Uuid, days_ago: i64, comments: i64) -> String {
    let at = Utc::now() - chrono::Duration::days(days_ago);
    post::ActiveModel {
        id: Set(Uuid::now_v7()),
        profile_id: Set(profile_id),
        ig_media_id: Set(Uuid::now_v7().simple().to_string()),
        shortcode: Set(None),
        caption: Set(Some(format!("A test post with {comments} comments"))),
        media_type: Set("IMAGE".into()),
        product_type: Set(Some("FEED".into())),
        permalink: Set(None),
        posted_at: Set(at),
        like_count: Set(Some(50)),
        comments_count: Set(Some(comments)),
        view_count: Set(None),
        media_url: Set(None),
        thumbnail_url: Set(None),
        source: Set("demo".into()),
        fetched_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
    .to_string()
}

fn close(v: &Value, expected: f64, tol: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!((got - expected).abs() < tol, "{got} is not {expected}");
}

#[tokio::test]
async fn a_test_gives_the_hand_checked_result_and_leaves_its_lesson_in_the_playbook() {
    let app = app().await;
    let (alice, _) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let account = add_demo(&app, &alice, "demo.food.mia").await;
    let profile = profile_of(&app, &account).await;

    // Input is checked field by field.
    let base = format!("/api/v1/instagram/accounts/{account}/ab-tests");
    let (status, problem) = call(
        &app,
        &alice,
        Method::POST,
        &base,
        Some(
            json!({"name": "", "dimension": "colour", "metric": "likes", "variants": ["Only one"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let f = fields(&problem);
    for field in ["name", "dimension", "metric", "variants"] {
        assert!(f.contains(&field.to_string()), "{field} in {problem}");
    }
    let (status, problem) = call(
        &app,
        &alice,
        Method::POST,
        &base,
        Some(json!({"name": "x".repeat(121), "dimension": "caption_style", "metric": "comments", "variants": ["A", "a"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["name", "variants"], "{problem}");

    let (status, created) = call(
        &app,
        &alice,
        Method::POST,
        &base,
        Some(json!({
            "name": "Short or long captions",
            "dimension": "caption_style",
            "metric": "comments",
            "hypothesis": "Short captions get more comments.",
            "variants": ["Long captions", "Short captions"]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "running");
    assert_eq!(created["prior"]["distribution"], "normal");
    assert_eq!(created["prior"]["on"], "relative_lift");
    close(&created["prior"]["mean"], 0.0, 1e-12);
    close(&created["prior"]["sd"], 0.3, 1e-12);
    assert_eq!(created["min_posts_per_variant"], 5);
    assert!(created["method"].as_str().unwrap().contains("delta method"));
    assert_eq!(created["results"]["verdict_code"], "not_enough_data");
    let control = created["variants"][0]["id"].as_str().unwrap().to_string();
    let short = created["variants"][1]["id"].as_str().unwrap().to_string();
    assert_eq!(created["variants"][0]["is_control"], true);

    // Fixed counts: control 2,3,4,3,2,4 and variant 3,4,5,4,3,5 comments, a day apart.
    let counts = [(2, 3), (3, 4), (4, 5), (3, 4), (2, 3), (4, 5)];
    let mut pairs = Vec::new();
    for (i, (c, s)) in counts.into_iter().enumerate() {
        let day = 400 - 2 * i as i64;
        pairs.push((
            post_with(&app, profile, day, c).await,
            post_with(&app, profile, day - 1, s).await,
        ));
    }
    let tag = |post: String, variant: String| {
        let app = &app;
        let alice = &alice;
        let id = &id;
        async move {
            let (status, body) = call(
                app,
                alice,
                Method::PUT,
                &format!("/api/v1/ab-tests/{id}/posts/{post}"),
                Some(json!({"variant_id": variant})),
            )
            .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
    };
    for (c, s) in &pairs[..4] {
        tag(c.clone(), control.clone()).await;
        tag(s.clone(), short.clone()).await;
    }
    // Below the minimum sample the answer says so, plainly.
    let (_, t) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/ab-tests/{id}"),
        None,
    )
    .await;
    assert_eq!(t["results"]["verdict_code"], "not_enough_data", "{t}");
    assert_eq!(
        t["results"]["verdict"],
        "Not enough data yet: each variant needs at least 5 posts with a value (“Long captions” has 4, “Short captions” has 4)."
    );
    assert!(t["variants"][1]["comparison"].is_null());
    assert_eq!(t["variants"][1]["not_judged"], "not_enough_data");
    for (c, s) in &pairs[4..] {
        tag(c.clone(), control.clone()).await;
        tag(s.clone(), short.clone()).await;
    }
    // Tagging a post again moves it, never duplicates it.
    tag(pairs[0].0.clone(), control.clone()).await;

    let (status, t) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/ab-tests/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v = &t["variants"][1];
    assert_eq!(t["variants"][0]["posts_with_value"], 6);
    assert_eq!(v["posts_with_value"], 6);
    close(&t["variants"][0]["mean"], 3.0, 1e-9);
    close(&v["mean"], 4.0, 1e-9);
    // The hand-checked posterior (see service::ab_tests::stats): lift 0.22874 ± 0.16805,
    // chance 91.33 %, interval [−0.1006, 0.5581], risks 0.006708 and 0.23545.
    let c = &v["comparison"];
    close(&c["observed_lift"], 1.0 / 3.0, 1e-9);
    close(&c["expected_lift"], 0.228_742, 1e-5);
    close(&c["chance_to_beat_control"], 0.913_27, 1e-4);
    close(&c["lift_low"], -0.100_62, 1e-4);
    close(&c["lift_high"], 0.558_11, 1e-4);
    close(&c["risk_choosing_variant"], 0.006_708, 1e-5);
    close(&c["risk_keeping_control"], 0.235_45, 1e-4);
    assert_eq!(t["results"]["verdict_code"], "no_clear_winner");
    assert!(
        t["results"]["verdict"].as_str().unwrap().starts_with(
            "No clear winner yet: the highest chance to beat control is 91 % (“Short captions”)"
        ),
        "{t}"
    );
    assert_eq!(t["results"]["sources"], json!(["demo"]));
    let over_time = t["results"]["over_time"].as_array().unwrap();
    assert_eq!(
        over_time.len(),
        12,
        "one point per day a tagged post went out"
    );
    assert!(over_time[8]["chances"][0]["chance_to_beat_control"].is_null());
    close(
        &over_time[11]["chances"][0]["chance_to_beat_control"],
        0.913_27,
        1e-4,
    );
    assert_eq!(over_time[11]["chances"][0]["variant_id"], short.as_str());

    // Tags name a variant of this test and a post of this account.
    let (status, problem) = call(
        &app,
        &alice,
        Method::PUT,
        &format!("/api/v1/ab-tests/{id}/posts/{}", pairs[0].0),
        Some(json!({"variant_id": Uuid::now_v7()})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["variant_id"]);
    let (status, problem) = call(
        &app,
        &alice,
        Method::PUT,
        &format!("/api/v1/ab-tests/{id}/posts/{}", Uuid::now_v7()),
        Some(json!({"variant_id": control})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["post_id"]);

    // The page: the verdict, the table, the prior, the method, the chart, the tag forms.
    let browser = identity::testkit::browser(&app, "alice@example.com").await;
    let page = browser
        .get(app.url(&format!("/ab-tests/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("No clear winner yet"), "verdict");
    assert!(html.contains("91 %"));
    assert!(html.contains("+22.9 %"), "expected lift");
    assert!(
        html.contains(
            "Normal distribution on the relative lift, mean +0 %, standard deviation 30 %"
        )
    );
    assert!(html.contains("5 posts with a value per variant"));
    assert!(html.contains("id=\"chart-chance\""));
    assert!(html.contains("<svg"));
    assert!(html.contains("Demo data"));
    assert!(
        html.contains("Demo data, fetched") || html.contains("Demo"),
        "source"
    );
    assert!(html.contains(&format!("action=\"/ab-tests/{id}/posts\"")));
    // The account page links the tests and the playbook.
    let account_page = browser
        .get(app.url(&format!("/instagram/accounts/{account}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account_page.contains(&format!("/instagram/accounts/{account}/ab-tests")));
    assert!(account_page.contains(&format!("/instagram/accounts/{account}/playbook")));
    // Removing a tag through the page form.
    let res = browser
        .post(app.url(&format!("/ab-tests/{id}/posts")))
        .form(&[("post_id", pairs[5].1.as_str()), ("variant", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "redirected back");
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/ab-tests/{id}#posts")
    );
    let (_, t) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/ab-tests/{id}"),
        None,
    )
    .await;
    assert_eq!(t["variants"][1]["posts_with_value"], 5);
    tag(pairs[5].1.clone(), short.clone()).await;

    // Concluding needs an outcome and a lesson of at most 1,000 characters.
    let conclusion = format!("/api/v1/ab-tests/{id}/conclusion");
    let (status, problem) = call(
        &app,
        &alice,
        Method::POST,
        &conclusion,
        Some(json!({"winner": "nobody", "lesson": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["winner"]);
    let (status, problem) = call(
        &app,
        &alice,
        Method::POST,
        &conclusion,
        Some(json!({"winner": short, "lesson": "x".repeat(1001)})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["lesson"]);
    // The page answers the same inline.
    let res = browser
        .post(app.url(&format!("/ab-tests/{id}/conclude")))
        .form(&[("winner", short.as_str()), ("lesson", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Write the lesson the test taught")
    );

    let (status, done) = call(
        &app,
        &alice,
        Method::POST,
        &conclusion,
        Some(
            json!({"winner": short, "lesson": "Short captions drew more comments on food posts."}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["test"]["status"], "concluded");
    assert_eq!(done["test"]["winner_variant_id"], short.as_str());
    assert_eq!(done["lesson"]["verdict"], "“Short captions” won");
    // Concluded is final: no second conclusion, no more tagging.
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        &conclusion,
        Some(json!({"winner": "no_difference", "lesson": "Again"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        &app,
        &alice,
        Method::DELETE,
        &format!("/api/v1/ab-tests/{id}/posts/{}", pairs[0].0),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The playbook, through the API and its page.
    let (status, book) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{account}/playbook"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lessons = book["lessons"].as_array().unwrap();
    assert_eq!(lessons.len(), 1);
    assert_eq!(lessons[0]["test_id"], id.as_str());
    assert_eq!(lessons[0]["test_name"], "Short or long captions");
    assert_eq!(
        lessons[0]["lesson"],
        "Short captions drew more comments on food posts."
    );
    assert!(!lessons[0]["created_by_name"].as_str().unwrap().is_empty());
    let html = browser
        .get(app.url(&format!("/instagram/accounts/{account}/playbook")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Short captions drew more comments on food posts."));
    assert!(html.contains(&format!("href=\"/ab-tests/{id}\"")));

    // Removing the test keeps its lesson, without the link.
    let (status, _) = call(
        &app,
        &alice,
        Method::DELETE,
        &format!("/api/v1/ab-tests/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/ab-tests/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, book) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{account}/playbook"),
        None,
    )
    .await;
    assert!(book["lessons"][0]["test_id"].is_null());
    assert_eq!(book["lessons"][0]["test_name"], "Short or long captions");
}

#[tokio::test]
async fn the_pages_start_a_test_with_inline_errors_and_tracked_profiles_have_no_insight_metrics() {
    let app = app().await;
    let (alice, ws) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let account = add_demo(&app, &alice, "demo.travel.lea").await;
    let tracked = instagram::service::tracked::track_in(
        &app.state,
        &Scope::for_test(ws),
        "demo.tech.hugo",
        "",
        true,
        None,
    )
    .await
    .unwrap()
    .tracked
    .id;
    let browser = identity::testkit::browser(&app, "alice@example.com").await;
    let list = format!("/instagram/accounts/{account}/ab-tests");
    let html = browser
        .get(app.url(&list))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("No tests yet."));
    assert!(
        html.contains("Reach rate"),
        "an own account offers insight metrics"
    );

    let res = browser
        .post(app.url(&list))
        .form(&[
            ("name", "Hashtags"),
            ("dimension", "hashtag_set"),
            ("metric", "engagement_rate"),
            ("variant_1", "Niche tags"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Name 2 to 5 variants, the control first"));
    assert!(
        html.contains("value=\"Niche tags\""),
        "the form keeps what was typed"
    );

    let res = browser
        .post(app.url(&list))
        .form(&[
            ("name", "Hashtags"),
            ("dimension", "hashtag_set"),
            ("metric", "engagement_rate"),
            ("variant_1", "Niche tags"),
            ("variant_2", "Broad tags"),
            ("variant_3", "No tags"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/ab-tests/"), "{to}");
    let html = browser
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Test started"),
        "landed on the test with a flash"
    );
    assert!(html.contains("Not enough data yet: each variant needs at least 5 posts"));
    let (_, listed) = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{account}/ab-tests"),
        None,
    )
    .await;
    assert_eq!(listed["tests"].as_array().unwrap().len(), 1);
    assert_eq!(listed["tests"][0]["dimension"], "hashtag_set");

    // A tracked profile has no insights: reach rate and saves are refused, and not offered.
    let (status, problem) = call(
        &app,
        &alice,
        Method::POST,
        &format!("/api/v1/instagram/tracked/{tracked}/ab-tests"),
        Some(json!({"name": "Slots", "dimension": "posting_slot", "metric": "saves", "variants": ["Morning", "Evening"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["metric"]);
    let html = browser
        .get(app.url(&format!("/instagram/tracked/{tracked}/ab-tests")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Reach rate"));
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        &format!("/api/v1/instagram/tracked/{tracked}/ab-tests"),
        Some(json!({"name": "Slots", "dimension": "posting_slot", "metric": "engagement_rate", "variants": ["Morning", "Evening"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // A read-only token reads and changes nothing.
    let (status, created) = call(
        &app,
        &alice,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "reporting", "scope": "read"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let read = created["token"].as_str().unwrap().to_string();
    let (status, _) = call(
        &app,
        &read,
        Method::POST,
        &format!("/api/v1/instagram/accounts/{account}/ab-tests"),
        Some(json!({"name": "x", "dimension": "media_type", "metric": "comments", "variants": ["Reels", "Images"]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_workspaces_tests_and_playbook_are_not_found_on_every_route() {
    let app = app().await;
    let (alice, _) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let (bob, bob_ws) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let bobs = add_demo(&app, &bob, "demo.fitness.noah").await;
    let profile = profile_of(&app, &bobs).await;
    let tracked = instagram::service::tracked::track_in(
        &app.state,
        &Scope::for_test(bob_ws),
        "demo.tech.hugo",
        "",
        true,
        None,
    )
    .await
    .unwrap()
    .tracked
    .id;
    let (status, t) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/instagram/accounts/{bobs}/ab-tests"),
        Some(json!({"name": "Reels or images", "dimension": "media_type", "metric": "comments", "variants": ["Images", "Reels"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let test = t["id"].as_str().unwrap().to_string();
    let variant = t["variants"][1]["id"].as_str().unwrap().to_string();
    let post = post_with(&app, profile, 30, 4).await;
    let (status, _) = call(
        &app,
        &bob,
        Method::PUT,
        &format!("/api/v1/ab-tests/{test}/posts/{post}"),
        Some(json!({"variant_id": variant})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let witnesses = [
        format!("/api/v1/ab-tests/{test}"),
        format!("/api/v1/instagram/accounts/{bobs}/ab-tests"),
        format!("/api/v1/instagram/accounts/{bobs}/playbook"),
    ];
    let witness: Vec<&str> = witnesses.iter().map(String::as_str).collect();
    let body = json!({"name": "x", "dimension": "media_type", "metric": "comments", "variants": ["A", "B"]});
    let (_, doc) = intelligence::api::ab_tests::openapi_router().split_for_parts();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .id("accounts/{id}", &bobs)
        .id("tracked/{id}", tracked)
        .id("ab-tests/{id}", &test)
        .id("posts/{post_id}", &post)
        .json(
            Method::POST,
            "/api/v1/instagram/accounts/{id}/ab-tests",
            body.clone(),
        )
        .json(
            Method::POST,
            "/api/v1/instagram/tracked/{id}/ab-tests",
            body,
        )
        .json(
            Method::PUT,
            "/api/v1/ab-tests/{id}/posts/{post_id}",
            json!({"variant_id": variant}),
        )
        .json(
            Method::POST,
            "/api/v1/ab-tests/{id}/conclusion",
            json!({"winner": variant, "lesson": "Alice was here"}),
        )
        .run(&api_routes(&doc))
        .await;
    assert_eq!(calls.len(), 11, "every id-taking operation: {calls:#?}");

    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages: Vec<_> = page_routes(&intelligence::feature())
        .into_iter()
        .filter(|r| r.template.contains("ab-tests") || r.template.ends_with("/playbook"))
        .collect();
    let form = [
        ("name", "x"),
        ("dimension", "media_type"),
        ("metric", "comments"),
        ("variant_1", "A"),
        ("variant_2", "B"),
    ];
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .browser(alice_browser)
        .id("accounts/{id}", &bobs)
        .id("tracked/{id}", tracked)
        .id("ab-tests/{id}", &test)
        .form(Method::POST, "/instagram/accounts/{id}/ab-tests", &form)
        .form(Method::POST, "/instagram/tracked/{id}/ab-tests", &form)
        .form(
            Method::POST,
            "/ab-tests/{id}/posts",
            &[("post_id", post.as_str()), ("variant", variant.as_str())],
        )
        .form(
            Method::POST,
            "/ab-tests/{id}/conclude",
            &[("winner", variant.as_str()), ("lesson", "Alice was here")],
        )
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 10, "every id-taking page: {calls:#?}");
}
