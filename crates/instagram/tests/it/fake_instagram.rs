//! A local Instagram (OAuth host and Graph API in one wiremock server) speaking the documented
//! wire format, a signed-in browser, and a helper that connects an account through the real
//! router — what the Instagram Login, Graph error and token tests share.

use chrono::{Duration, Utc};
use platform::testkit::TestApp;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param},
};

use super::*;

pub const APP_ID: &str = "990602627938098";
pub const APP_SECRET: &str = "app-secret-5f4dcc3b5aa765d61d83";
pub const GRAPH: &str = "/v23.0";

/// An Instagram professional account as the fake knows it.
#[derive(Clone, Copy)]
pub struct IgAccount {
    /// The Instagram user id (`user_id` of `/me`).
    pub user_id: &'static str,
    pub username: &'static str,
    pub code: &'static str,
    pub short_token: &'static str,
    pub long_token: &'static str,
    pub followers: i64,
}

pub const MIA: IgAccount = IgAccount {
    user_id: "17841400000000101",
    username: "mia.travels",
    code: "AQBx-code-mia",
    short_token: "IGQVJ-short-mia-3f9a",
    long_token: "IGAAT-long-mia-77c1d0",
    followers: 12_500,
};

pub struct FakeInstagram {
    pub server: MockServer,
}

/// A field of a form-encoded request body.
pub fn form_field(r: &wiremock::Request, name: &str) -> Option<String> {
    url::form_urlencoded::parse(&r.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A Graph error body as Instagram sends it.
pub fn graph_error(code: i64, message: &str) -> Value {
    json!({ "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AZx1yB2cD3" } })
}

/// A Graph timestamp (`+0000`, no colon) `days` ago.
pub fn graph_time(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago) - Duration::hours(3))
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

/// A media item of the Graph media edge.
pub fn media_item(id: &str, days_ago: i64, kind: &str, product: &str) -> Value {
    json!({
        "id": id,
        "caption": format!("Post {id} #travel"),
        "media_type": kind,
        "media_product_type": product,
        "permalink": format!("https://www.instagram.com/p/C{id}/"),
        "shortcode": format!("C{id}"),
        "timestamp": graph_time(days_ago),
        "like_count": 310,
        "comments_count": 12,
        "media_url": format!("https://scontent.cdninstagram.com/v/{id}.jpg"),
    })
}

impl FakeInstagram {
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Points the app at this fake and sets the Meta app.
    pub fn configure(&self, c: &mut platform::Config) {
        c.set(&instagram::settings::INSTAGRAM_GRAPH_BASE, self.uri());
        c.set(&instagram::settings::INSTAGRAM_OAUTH_BASE, self.uri());
        c.set(&instagram::settings::META_APP_ID, Some(APP_ID.into()));
        c.set(
            &instagram::settings::META_APP_SECRET,
            Some(APP_SECRET.into()),
        );
    }

    /// Code exchange, long-lived exchange and `/me` for an account.
    pub async fn mount_login(&self, a: &IgAccount) {
        let code = a.code;
        Mock::given(method("POST"))
            .and(path("/oauth/access_token"))
            .and(move |r: &wiremock::Request| form_field(r, "code").as_deref() == Some(code))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": [{
                    "access_token": a.short_token,
                    "user_id": a.user_id,
                    "permissions": "instagram_business_basic,instagram_business_manage_insights"
                }]
            })))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path("/access_token"))
            .and(query_param("grant_type", "ig_exchange_token"))
            .and(query_param("client_secret", APP_SECRET))
            .and(query_param("access_token", a.short_token))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": a.long_token,
                "token_type": "bearer",
                "expires_in": 5_183_944
            })))
            .mount(&self.server)
            .await;
        self.mount_me(a, a.long_token).await;
    }

    pub async fn mount_me(&self, a: &IgAccount, token: &str) {
        Mock::given(method("GET"))
            .and(path(format!("{GRAPH}/me")))
            .and(query_param("access_token", token))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("9{}", a.user_id),
                "user_id": a.user_id,
                "username": a.username,
                "name": "Mia Travels",
                "biography": "Slow travel, long walks.",
                "followers_count": a.followers,
                "follows_count": 310,
                "media_count": 5,
                "profile_picture_url": "https://scontent.cdninstagram.com/v/mia.jpg",
                "website": "https://mia.example"
            })))
            .mount(&self.server)
            .await;
    }

    /// The media edge answering `pages` in turn (cursor `c1`, `c2`, … between them).
    pub async fn mount_media_pages(&self, a: &IgAccount, pages: Vec<Vec<Value>>) {
        let last = pages.len().saturating_sub(1);
        for (i, items) in pages.into_iter().enumerate() {
            let mut body = json!({ "data": items, "paging": { "cursors": { "before": format!("b{i}"), "after": format!("c{}", i + 1) } } });
            if i < last {
                body["paging"]["next"] = json!(format!(
                    "{}{GRAPH}/{}/media?after=c{}",
                    self.uri(),
                    a.user_id,
                    i + 1
                ));
            }
            let mut mock =
                Mock::given(method("GET")).and(path(format!("{GRAPH}/{}/media", a.user_id)));
            mock = if i == 0 {
                mock.and(wiremock::matchers::query_param_is_missing("after"))
            } else {
                mock.and(query_param("after", format!("c{i}")))
            };
            mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.server)
                .await;
        }
    }

    /// Media insights for every post, account insights with no data, comments refused
    /// (the connection does not ask for the comments permission).
    pub async fn mount_insights(&self) {
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                r"^{GRAPH}/\d+/insights$"
            )))
            .and(query_param(
                "metric",
                "views,reach,saved,shares,total_interactions",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [
                { "name": "views", "period": "lifetime", "values": [{ "value": 5400 }] },
                { "name": "reach", "period": "lifetime", "values": [{ "value": 4100 }] },
                { "name": "saved", "period": "lifetime", "values": [{ "value": 77 }] },
                { "name": "shares", "period": "lifetime", "values": [{ "value": 19 }] },
                { "name": "total_interactions", "period": "lifetime", "values": [{ "value": 420 }] }
            ] })))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                r"^{GRAPH}/\d+/insights$"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [] })))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                r"^{GRAPH}/\d+/comments$"
            )))
            .respond_with(ResponseTemplate::new(403).set_body_json(graph_error(
                10,
                "(#10) Application does not have permission for this action",
            )))
            .mount(&self.server)
            .await;
    }

    /// Requests whose path is `p`.
    pub async fn requests_to(&self, p: &str) -> Vec<wiremock::Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .collect()
    }
}

/// A customer signed in with a browser session; also returns an API token of the workspace.
pub async fn signed_in(app: &TestApp, email: &str, workspace: &str) -> (reqwest::Client, String) {
    let token = customer(app, email, workspace).await;
    let browser = identity::testkit::browser(app, email).await;
    (browser, token)
}

/// `GET /instagram/connect`: the `state` of the authorize URL it redirects to.
pub async fn start_connect(app: &TestApp, browser: &reqwest::Client) -> (url::Url, String) {
    let res = browser
        .get(app.url("/instagram/connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "connect redirects to Instagram"
    );
    let location = res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let url = url::Url::parse(&location).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.to_string())
        .expect("state in the authorize URL");
    (url, state)
}

/// `GET /instagram/callback?…`: where it redirects, and the page shown there (with its flash).
pub async fn callback(
    app: &TestApp,
    browser: &reqwest::Client,
    query: &[(&str, &str)],
) -> (String, String) {
    let res = browser
        .get(app.url("/instagram/callback"))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the callback always redirects"
    );
    let location = res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    // Flashes are shown on the next page; the workspace home renders them.
    let page = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (location, page)
}

/// Connects `a` through the real router; returns the account id (API).
pub async fn connect(
    app: &TestApp,
    browser: &reqwest::Client,
    token: &str,
    a: &IgAccount,
) -> String {
    let (_, state) = start_connect(app, browser).await;
    let (location, page) = callback(app, browser, &[("code", a.code), ("state", &state)]).await;
    assert_eq!(location, "/instagram");
    assert!(
        page.contains(&format!("@{} is connected", a.username)),
        "{page}"
    );
    account_id(app, token, a.username).await
}

pub async fn account_id(app: &TestApp, token: &str, username: &str) -> String {
    let list: Value = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .map(|a| a["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no account @{username} in {list}"))
}

pub async fn account_row(app: &TestApp, id: &str) -> instagram::model::account::Model {
    instagram::model::account::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// The refresh jobs of a profile, oldest first.
pub async fn refresh_jobs(
    app: &TestApp,
    profile_id: Uuid,
) -> Vec<platform::jobs::model::job::Model> {
    use platform::jobs::model::job;
    let mut jobs: Vec<job::Model> = job::Entity::find()
        .filter(job::Column::Kind.eq("instagram.refresh"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload["profile_id"] == profile_id.to_string())
        .collect();
    jobs.sort_by_key(|j| j.created_at);
    jobs
}

/// Waits until the newest refresh job of the profile has had an attempt that ended.
pub async fn settled_refresh(app: &TestApp, profile_id: Uuid) -> platform::jobs::model::job::Model {
    for _ in 0..300 {
        if let Some(j) = refresh_jobs(app, profile_id).await.pop()
            && j.state != "executing"
            && j.attempt > 0
        {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the refresh never ran");
}
