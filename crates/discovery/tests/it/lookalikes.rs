//! Lookalikes: the known nearest creators come first, for the documented reasons.

use chrono::Utc;
use reqwest::{Method, StatusCode};

use crate::{Made, app, make};

#[tokio::test]
async fn lookalikes_are_the_known_nearest_creators() {
    let app = app().await;
    let now = Utc::now();
    // (username, followers, likes per post, category, language)
    let people: [(&str, i64, i64, &'static str, &'static str); 7] = [
        ("target", 10_000, 300, "food", "en"),
        ("twin", 12_000, 380, "food", "en"),
        ("cousin", 8_000, 200, "food", "en"),
        ("other_language", 10_000, 300, "food", "de"),
        ("other_topic", 11_000, 330, "tech", "en"),
        ("far_bigger", 900_000, 27_000, "food", "en"),
        ("weak", 10_000, 10, "food", "en"),
    ];
    let mut ids = Vec::new();
    for (name, followers, likes, category, language) in people {
        let id = make(
            &app,
            &Made {
                username: name.into(),
                pool: "live",
                followers,
                bio: "hello".into(),
                verified: false,
                business: false,
                posts: (0..4)
                    .map(|d| {
                        (
                            d,
                            likes,
                            0,
                            "post".to_string(),
                            Some(category),
                            Some(language),
                        )
                    })
                    .collect(),
                followers_30d: None,
                followers_90d: None,
            },
            now,
        )
        .await;
        ids.push(id);
    }
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    let (of, near) = discovery::service::lookalikes::of(&app.state.db, ids[0], 6)
        .await
        .unwrap();
    assert_eq!(of.username, "target");
    let order: Vec<&str> = near.iter().map(|(c, _)| c.username.as_str()).collect();
    // twin: size ln(1.2)/ln 10 = 0.079, engagement (3.17 − 3) / 3.17 = 0.053;
    // cousin: size 0.097, engagement (3 − 2.5) / 3 = 0.167; weak: engagement 0.967;
    // far_bigger: size 1 (capped); other_language: language 1 — a tie, the bigger first;
    // other_topic: content 1 + size 0.041.
    assert_eq!(
        order,
        vec![
            "twin",
            "cousin",
            "weak",
            "far_bigger",
            "other_language",
            "other_topic"
        ]
    );
    let twin = near[0].1;
    assert_eq!((twin.content, twin.language), (0.0, 0.0));
    assert!((twin.size - 0.079).abs() < 0.001, "{twin:?}");
    assert_eq!(near[3].1.size, 1.0);
    assert_eq!(near[4].1.language, 1.0);
    assert_eq!(near[5].1.content, 1.0);

    let (token, _) = identity::testkit::customer(&app, "l@example.com", "L").await;
    let (status, body) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/discovery/creators/{}/lookalikes?limit=2", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["creator"]["username"], "target");
    assert_eq!(body["lookalikes"][0]["creator"]["username"], "twin");
    assert_eq!(body["lookalikes"].as_array().unwrap().len(), 2);
    assert!(body["method"].as_str().unwrap().contains("cosine"));
    let (status, _) = app
        .call(
            &token,
            Method::GET,
            &format!(
                "/api/v1/discovery/creators/{}/lookalikes",
                uuid::Uuid::now_v7()
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/discovery/creators/{}/lookalikes?limit=0", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The creator's page lists the same nearest creators, nearest first, with their distance.
    let browser = identity::testkit::browser(&app, "l@example.com").await;
    let page = browser
        .get(app.url(&format!("/discover/creators/{}", ids[0])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Similar creators"), "{page}");
    let at = |name: &str| {
        page.find(&format!(">@{name}</a>"))
            .unwrap_or_else(|| panic!("{name} is listed: {page}"))
    };
    assert!(at("twin") < at("cousin") && at("cousin") < at("weak"));
    assert!(at("other_language") < at("other_topic"));
    assert!(page.contains(&format!("{:.2}", near[0].1.total)), "{page}");
    assert!(page.contains("cosine similarity"), "the method is shown");
}
