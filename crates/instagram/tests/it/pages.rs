//! The Instagram pages: add a demo account and a tracked profile, the overview's labelled
//! cards, an account's charts and figures, the comparison; another workspace gets 404s.

use reqwest::StatusCode;
use serde_json::json;

use super::*;

pub(super) async fn browser_for(app: &TestApp, email: &str, workspace: &str) -> reqwest::Client {
    customer(app, email, workspace).await;
    identity::testkit::browser(app, email).await
}

pub(super) async fn text(b: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn accounts_pages_show_labelled_figures_and_charts() {
    let app = app().await;
    let b = browser_for(&app, "owner@example.com", "Agency").await;
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "demo.page.test"), ("demo", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Without a public data source, a real username is refused (nothing made up in its
    // place) and offered as demo data, which the customer then asks for.
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "some.brand")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Add @some.brand as a demo account")
    );
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "some.brand"), ("demo", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = b
        .post(app.url("/instagram/tracked"))
        .form(&[
            ("username", "rival.brand"),
            ("note", "main competitor"),
            ("demo", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A bad username is a form error that keeps what was typed.
    let res = b
        .post(app.url("/instagram/accounts"))
        .form(&[("username", "not valid!")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("not valid!"));

    let token = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "owner@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
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
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    for item in list["items"].as_array().unwrap() {
        fetched(&app, &token, item["id"].as_str().unwrap()).await;
    }

    // A profile picture from the CDN is shown through the media proxy, never by its CDN URL.
    {
        use sea_orm::{EntityTrait, sea_query::Expr};
        instagram::model::profile::Entity::update_many()
            .col_expr(
                instagram::model::profile::Column::PictureUrl,
                Expr::value(
                    "https://scontent-fra5-1.cdninstagram.com/v/t51/pic.jpg?oh=secret-signature",
                ),
            )
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let (status, overview) = text(&b, &app, "/instagram").await;
    assert!(overview.contains("src=\"/media/"), "proxied picture");
    assert!(!overview.contains("cdninstagram") && !overview.contains("secret-signature"));
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains("@demo.page.test") && overview.contains("@some.brand"));
    assert!(
        overview.matches("Demo data").count() >= 3,
        "every demo figure labelled"
    );
    assert!(overview.contains("@rival.brand") && overview.contains("main competitor"));
    assert!(overview.contains("Source: Demo data"));

    let (status, detail) = text(&b, &app, &format!("/instagram/accounts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "Follower growth",
        "Engagement rate over time",
        "Posting frequency",
        "Top posts",
        "Best media types",
        "<svg",
        "href=\"/instagram/definitions#engagement-rate\"",
    ] {
        assert!(detail.contains(part), "{part}");
    }
    assert!(
        detail.contains("Private insights, last 30 days"),
        "demo accounts have insights"
    );
    assert!(!detail.contains("style="), "no inline styles (CSP)");

    let (status, compare) = text(&b, &app, "/instagram/compare").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        compare.contains("@rival.brand")
            && compare.contains("Tracked")
            && compare.contains("Your account")
    );

    // Another workspace: not found, never data.
    let other = browser_for(&app, "other@example.com", "Other").await;
    let (status, _) = text(&other, &app, &format!("/instagram/accounts/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = other
        .post(app.url(&format!("/instagram/accounts/{id}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "flash: not found");
    let (_, still) = text(&b, &app, "/instagram").await;
    assert!(still.contains("@demo.page.test"), "nothing removed");
    let (_, theirs) = text(&other, &app, "/instagram").await;
    assert!(!theirs.contains("demo.page.test") && !theirs.contains("rival.brand"));
}

#[tokio::test]
async fn a_second_refresh_reads_only_what_changed() {
    let app = app().await;
    let ws = {
        let token = customer(&app, "owner@example.com", "Agency").await;
        let res: Value = app
            .api()
            .post(app.url("/api/v1/instagram/accounts"))
            .bearer_auth(&token)
            .json(&json!({ "username": "busy.poster", "demo": true }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        fetched(&app, &token, res["id"].as_str().unwrap()).await;
        res
    };
    let profile = instagram::service::profiles::by_username(
        &app.state.db,
        instagram::service::profiles::Pool::Demo,
        "busy.poster",
    )
    .await
    .unwrap()
    .unwrap();
    assert!(profile.media_cursor.is_some());
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let stored = instagram::model::post::Entity::find()
        .filter(instagram::model::post::Column::ProfileId.eq(profile.id))
        .count(&app.state.db)
        .await
        .unwrap();
    let again = instagram::service::refresh::refresh_profile(&app.state, profile.id, |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.new_posts, 0, "nothing new since a moment ago");
    assert!(
        (again.updated_posts as u64) < stored,
        "re-read {} of {stored}: only the recent pages, not the whole year",
        again.updated_posts
    );
    assert!(ws["id"].is_string());
}
