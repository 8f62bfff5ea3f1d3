//! Lists and campaigns are the plan's team tools (`service::plan`): a workspace whose plan
//! lacks them gets a 402 naming a plan that has them on every route of theirs, API and pages;
//! its search, favourites and unlocked creators stay open, and a search result's "Add to list"
//! says where lists come from; the same workspace on a Discovery plan gets them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Made, app, make, page};

/// Every documented operation of `doc` whose path passes `keep`, as (method, path).
fn operations(
    doc: &utoipa::openapi::OpenApi,
    keep: impl Fn(&str) -> bool,
) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        if !keep(path) {
            continue;
        }
        for (method, op) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            if let Some(op) = op {
                assert!(
                    op.responses.responses.contains_key("402"),
                    "{method} {path} documents its 402"
                );
                out.push((method, path.clone()));
            }
        }
    }
    out
}

/// `{id}`-like segments filled with a fresh id (the gate answers before any lookup).
fn filled(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                Uuid::now_v7().to_string()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn a_plan_without_discovery_gets_402_on_every_list_and_campaign_route() {
    let app = app().await;
    let (token, ws) = identity::testkit::customer(&app, "free@example.com", "Free agency").await;
    let scope = platform::Scope::for_test(ws);
    billing::service::subscriptions::comp_key(&app.state.db, &scope, "free", "test")
        .await
        .unwrap();

    // The API: every operation of the gated groups, whatever its method and body.
    let (_, lists) = discovery::web::lists::api().split_for_parts();
    let (_, campaigns) = discovery::web::campaigns::api().split_for_parts();
    let mut gated = operations(&lists, |p| !p.contains("/favourites"));
    gated.extend(operations(&campaigns, |_| true));
    assert!(gated.len() >= 40, "the gated operations: {}", gated.len());
    for (method, path) in &gated {
        let mut req = app
            .api()
            .request(method.clone(), app.url(&filled(path)))
            .bearer_auth(&token);
        if *method != Method::GET && *method != Method::DELETE {
            req = req.json(&json!({}));
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::PAYMENT_REQUIRED,
            "{method} {path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["type"], "/problems/feature-not-in-plan",
            "{method} {path}: {body}"
        );
        let detail = body["detail"].as_str().unwrap_or("");
        assert!(detail.contains("creator lists and campaigns"), "{body}");
    }

    // What stays open: favourites, search, unlocked creators.
    let res = app
        .api()
        .get(app.url("/api/v1/discovery/favourites"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "favourites are every plan's");
    let browser = identity::testkit::browser(&app, "free@example.com").await;
    for open in ["/discover", "/discover/favourites", "/discover/unlocked"] {
        assert_eq!(page(&app, &browser, open).await.0, StatusCode::OK, "{open}");
    }
    // A search result's controls keep the star and say where lists come from.
    let made = Made {
        username: "plan.creator".into(),
        pool: "live",
        followers: 5_000,
        bio: "Cook".into(),
        verified: false,
        business: false,
        posts: vec![(1, 100, 10, "dinner".into(), Some("food"), Some("en"))],
        followers_30d: None,
        followers_90d: None,
    };
    let profile = make(&app, &made, chrono::Utc::now()).await;
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    let controls_path = format!("/discover/lists/controls?profile={profile}");
    let (_, controls) = page(&app, &browser, &controls_path).await;
    assert!(controls.contains("Favourite"), "{controls}");
    assert!(
        controls.contains("Lists come with the plans that include creator lists and campaigns"),
        "{controls}"
    );
    assert!(
        !controls.contains("No list you can add to yet"),
        "{controls}"
    );
    // The gated pages: the error page, saying which plan has them.
    for gated_page in ["/discover/lists", "/discover/campaigns"] {
        let (status, body) = page(&app, &browser, gated_page).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{gated_page}");
        assert!(
            body.contains("does not include creator lists and campaigns"),
            "{body}"
        );
    }

    // On a Discovery plan the same calls are served.
    billing::service::subscriptions::comp_key(&app.state.db, &scope, "discovery_standard", "test")
        .await
        .unwrap();
    let res = app
        .api()
        .get(app.url("/api/v1/discovery/lists"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for served in ["/discover/lists", "/discover/campaigns"] {
        assert_eq!(
            page(&app, &browser, served).await.0,
            StatusCode::OK,
            "{served}"
        );
    }
    let (_, controls) = page(&app, &browser, &controls_path).await;
    assert!(
        controls.contains("No list you can add to yet"),
        "{controls}"
    );
}
