//! Hashtag suggestions through the real router and database: tags given to an account's best
//! posts are suggested with their evidence, a restricted tag is left out however well it does,
//! a tag on weak posts is not suggested, seeds narrow the list, bad input is a 422, and
//! another workspace's account or tracked profile is not found on any route.

use std::time::Duration;

use instagram::model::post;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{add_demo, app, customer_in};

/// The profile of an account once its first refresh stored posts.
pub async fn posts_arrived(app: &TestApp, profile: Uuid) {
    for _ in 0..400 {
        if !instagram::service::texts::posts_of(&app.state.db, profile)
            .await
            .unwrap()
            .is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the posts never arrived");
}

pub async fn profile_of_account(app: &TestApp, account: &str) -> Uuid {
    let id: Uuid = account.parse().unwrap();
    instagram::model::account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .profile_id
}

/// Of the profile's 20 newest posts: four get #zzsunrise and #citycentre (restricted) and
/// five times the best likes; four get #zzgloom and no likes or comments.
async fn shape(app: &TestApp, profile: Uuid) {
    let db = &app.state.db;
    let recent = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile))
        .order_by_desc(post::Column::PostedAt)
        .all(db)
        .await
        .unwrap();
    assert!(recent.len() >= 20, "the demo account has posts");
    let best = recent.iter().filter_map(|p| p.like_count).max().unwrap();
    for (i, p) in recent.into_iter().take(20).enumerate() {
        let caption = p.caption.clone().unwrap_or_default();
        let mut p = p.into_active_model();
        match i {
            0..4 => {
                p.caption = Set(Some(format!("{caption} #zzsunrise #citycentre")));
                p.like_count = Set(Some(best * 5));
            }
            4..8 => {
                p.caption = Set(Some(format!("{caption} #zzgloom")));
                p.like_count = Set(Some(0));
                p.comments_count = Set(Some(0));
            }
            _ => continue,
        }
        p.update(db).await.unwrap();
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app
        .api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn find<'a>(v: &'a Value, tag: &str) -> Option<&'a Value> {
    v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tag"] == tag)
}

#[tokio::test]
async fn lifted_tags_are_suggested_with_evidence_and_restricted_ones_left_out() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let account = add_demo(&app, &token, "demo.tags.mia").await;
    let profile = profile_of_account(&app, &account).await;
    posts_arrived(&app, profile).await;
    shape(&app, profile).await;
    let tracked = instagram::service::tracked::track_in(
        &app.state,
        &Scope::for_test(ws),
        "demo.tech.hugo",
        "",
        true,
        None,
    )
    .await
    .unwrap();
    posts_arrived(&app, tracked.profile.id).await;

    let base = format!("/api/v1/instagram/accounts/{account}/hashtags");
    let (status, v) = get(&app, &token, &format!("{base}?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sunrise = find(&v, "zzsunrise").expect("the lifted tag is suggested");
    assert_eq!(sunrise["posts_with"], 4);
    assert_eq!(sunrise["used_by_account"], 4);
    assert!(sunrise["lift"].as_f64().unwrap() > 2.0, "{sunrise}");
    assert!(sunrise["rate_with"].as_f64().unwrap() > sunrise["rate_without"].as_f64().unwrap());
    assert_eq!(sunrise["origins"][0]["username"], "demo.tags.mia");
    assert_eq!(sunrise["origins"][0]["source"], "demo");
    assert!(
        sunrise["co_tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["tag"] == "citycentre" && p["posts"] == 4),
        "{sunrise}"
    );
    assert!(
        find(&v, "zzgloom").is_none(),
        "a tag on weak posts has no lift"
    );
    assert!(find(&v, "citycentre").is_none());
    assert!(
        v["restricted_left_out"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "citycentre")
    );
    let kinds: Vec<(&str, &str)> = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["username"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![("demo.tags.mia", "account"), ("demo.tech.hugo", "tracked")]
    );
    // Lifts are in order.
    let lifts: Vec<f64> = v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["lift"].as_f64().unwrap())
        .collect();
    assert!(lifts.windows(2).all(|w| w[0] >= w[1]), "{lifts:?}");
    assert!(lifts.iter().all(|l| *l > 1.0));

    // Seeds: only the seed and its company.
    let (status, v) = get(
        &app,
        &token,
        &format!("{base}?seeds=%23ZZsunrise%2Cnowhere"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let tags: Vec<&str> = v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["tag"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"zzsunrise"), "{tags:?}");
    assert_eq!(find(&v, "zzsunrise").unwrap()["seed"], true);
    assert_eq!(v["unknown_seeds"], serde_json::json!(["nowhere"]));

    // Bad input.
    for (q, field) in [
        ("seeds=not-a-tag", "seeds"),
        ("days=5", "days"),
        ("limit=0", "limit"),
    ] {
        let (status, v) = get(&app, &token, &format!("{base}?{q}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        assert_eq!(v["errors"][0]["field"], field, "{q}: {v}");
    }

    // The page shows the same, labelled as demo data, and answers bad seeds inline.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let page = browser
        .get(app.url(&format!("/instagram/accounts/{account}/hashtags")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("#zzsunrise"));
    assert!(html.contains("Demo data"));
    assert!(html.contains("@demo.tech.hugo"));
    assert!(!html.contains(r#"<th scope="row">#citycentre"#));
    let page = browser
        .get(app.url(&format!(
            "/instagram/accounts/{account}/hashtags?seeds=no%3Ctag%3E"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("is not a hashtag"));
    assert!(!html.contains("no<tag>"), "typed text is escaped");

    // The tracked profile's own suggestions page and API answer too.
    let (status, v) = get(
        &app,
        &token,
        &format!("/api/v1/instagram/tracked/{}/hashtags", tracked.tracked.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "demo.tech.hugo");
}

#[tokio::test]
async fn another_workspaces_accounts_are_not_found() {
    let app = app().await;
    let (alice, _) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let (bob, bob_ws) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let bobs = add_demo(&app, &bob, "demo.fitness.noah").await;
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
    let (_, doc) = intelligence::hashtags::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(
        page_routes(&intelligence::feature())
            .into_iter()
            .filter(|r| r.template.contains("hashtags")),
    );
    // The suggestions carry their computation time, so a stable read of Bob's is the witness.
    let witness = format!("/api/v1/instagram/accounts/{bobs}/audits");
    let calls = Sweep::new(&app, &alice, &bob, &[&witness])
        .browser(alice_browser)
        .id("accounts/{id}", &bobs)
        .id("tracked/{id}", tracked)
        .run(&routes)
        .await;
    assert_eq!(calls.len(), 4, "{calls:#?}");
}
