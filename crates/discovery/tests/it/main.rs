//! Discovery through the real database (SQLite, or PostgreSQL with
//! `GROWTHDECK_TEST_DATABASE_URL`) and router. One test binary; each concern a module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod campaigns;
mod demo;
mod index;
mod lists;
mod lookalikes;
mod pages;
mod plan;
mod proposals;
mod search;
mod unlocks;

use chrono::{DateTime, Duration, Utc};
use instagram::model::{post, profile, profile_snapshot};
use intelligence::model::post_analysis;
use platform::testkit::{TestApp, spawn};
use sea_orm::{ActiveValue::Set, EntityTrait};
use uuid::Uuid;

pub async fn app() -> TestApp {
    spawn(
        vec![
            identity::feature(),
            admin::feature(),
            billing::feature(),
            instagram::feature(),
            intelligence::feature(),
            discovery::feature(),
        ],
        |_| {},
    )
    .await
}

/// A page as a signed-in browser gets it: (status, body).
pub async fn page(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
) -> (reqwest::StatusCode, String) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

/// (days ago, likes, comments, caption, category, language) of a generated post.
pub type MadePost = (
    i64,
    i64,
    i64,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

/// A profile of the shared pool to generate: what the indexer reads.
pub struct Made {
    pub username: String,
    pub pool: &'static str,
    pub followers: i64,
    pub bio: String,
    pub verified: bool,
    pub business: bool,
    /// (days ago, likes, comments, caption, category, language) per post.
    pub posts: Vec<MadePost>,
    /// Followers 30 and 90 days ago (snapshots).
    pub followers_30d: Option<i64>,
    pub followers_90d: Option<i64>,
}

/// Writes a profile with its posts, analyses and snapshots; returns its id.
pub async fn make(app: &TestApp, m: &Made, now: DateTime<Utc>) -> Uuid {
    let db = &app.state.db;
    let id = Uuid::now_v7();
    let source = if m.pool == "demo" { "demo" } else { "apify" };
    profile::Entity::insert(profile::ActiveModel {
        id: Set(id),
        pool: Set(m.pool.into()),
        username: Set(m.username.clone()),
        username_lower: Set(m.username.to_lowercase()),
        ig_user_id: Set(None),
        full_name: Set(Some(format!("{} Person", m.username))),
        biography: Set(Some(m.bio.clone())),
        website: Set(None),
        picture_url: Set(None),
        followers_count: Set(Some(m.followers)),
        follows_count: Set(Some(100)),
        media_count: Set(Some(m.posts.len() as i64)),
        is_verified: Set(Some(m.verified)),
        is_business: Set(Some(m.business)),
        source: Set(source.into()),
        fetched_at: Set(Some(now)),
        media_cursor: Set(None),
        last_refresh_at: Set(Some(now)),
        last_refresh_error: Set(None),
        next_refresh_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    for (n, (days, likes, comments, caption, category, language)) in m.posts.iter().enumerate() {
        let post_id = Uuid::now_v7();
        let posted_at = now - Duration::days(*days) - Duration::minutes(n as i64);
        post::Entity::insert(post::ActiveModel {
            id: Set(post_id),
            profile_id: Set(id),
            ig_media_id: Set(format!("{}_{n}", m.username)),
            shortcode: Set(None),
            caption: Set(Some(caption.clone())),
            media_type: Set("IMAGE".into()),
            product_type: Set(Some("FEED".into())),
            permalink: Set(None),
            posted_at: Set(posted_at),
            like_count: Set(Some(*likes)),
            comments_count: Set(Some(*comments)),
            view_count: Set(None),
            media_url: Set(None),
            thumbnail_url: Set(None),
            source: Set(source.into()),
            fetched_at: Set(now),
        })
        .exec_without_returning(db)
        .await
        .unwrap();
        if category.is_some() || language.is_some() {
            post_analysis::Entity::insert(post_analysis::ActiveModel {
                post_id: Set(post_id),
                profile_id: Set(id),
                posted_at: Set(posted_at),
                media_type: Set("IMAGE".into()),
                source: Set(source.into()),
                text_hash: Set("0".repeat(32)),
                text_chars: Set(caption.chars().count() as i32),
                method_version: Set(1),
                language: Set(language.map(str::to_string)),
                language_confidence: Set(language.map(|_| 0.9)),
                sentiment: Set("neutral".into()),
                sentiment_score: Set(None),
                sentiment_confidence: Set(None),
                sentiment_method: Set(None),
                category: Set(category.map(str::to_string)),
                category_confidence: Set(category.map(|_| 0.8)),
                analysis_raw: Set(serde_json::json!({})),
                analysed_at: Set(now),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
        }
    }
    for (days, followers) in [(30, m.followers_30d), (90, m.followers_90d)] {
        if let Some(f) = followers {
            profile_snapshot::Entity::insert(profile_snapshot::ActiveModel {
                profile_id: Set(id),
                day: Set((now - Duration::days(days)).date_naive()),
                followers_count: Set(Some(f)),
                follows_count: Set(None),
                media_count: Set(None),
                source: Set(source.into()),
                fetched_at: Set(now - Duration::days(days)),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
        }
    }
    id
}
