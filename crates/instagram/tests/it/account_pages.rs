//! The account pages and the comparison: the range parameter, tooltips on every chart point,
//! source and fetch time on every block, one engagement rate everywhere, the choice of
//! profiles to compare and the follower change, tracked profiles' own pages (and another
//! workspace's 404), the tracked-profile note's limit.

use chrono::{Duration, Utc};
use instagram::{
    model::{post, profile, profile_snapshot},
    service::period::{Bucket, Period},
};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use serde_json::json;

use super::*;

struct Signed {
    web: reqwest::Client,
    token: String,
}

async fn sign_in(app: &TestApp, email: &str, workspace: &str) -> Signed {
    let token = customer(app, email, workspace).await;
    let web = app.browser();
    let res = web
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    Signed { web, token }
}

async fn get(b: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Adds a demo account through the API and waits for its first refresh; its id.
async fn demo_account(app: &TestApp, s: &Signed, username: &str) -> String {
    let res: Value = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&s.token)
        .json(&json!({ "username": username, "demo": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = res["id"].as_str().unwrap().to_string();
    fetched(app, &s.token, &id).await;
    id
}

async fn profile_of(app: &TestApp, username: &str) -> profile::Model {
    profile::Entity::find()
        .filter(profile::Column::UsernameLower.eq(username))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A daily follower history before today's snapshot: `days` days back, `per_day` more each
/// day, ending at today's count.
async fn history(app: &TestApp, p: &profile::Model, days: i64, per_day: i64) {
    let today = Utc::now().date_naive();
    // The demo generator wrote its own year on the first refresh: this test's history
    // replaces it.
    profile_snapshot::Entity::delete_many()
        .filter(profile_snapshot::Column::ProfileId.eq(p.id))
        .filter(profile_snapshot::Column::Day.lt(today))
        .exec(&app.state.db)
        .await
        .unwrap();
    let now = p.followers_count.unwrap();
    for back in 1..=days {
        profile_snapshot::ActiveModel {
            profile_id: Set(p.id),
            day: Set(today - Duration::days(back)),
            followers_count: Set(Some(now - back * per_day)),
            follows_count: Set(p.follows_count),
            media_count: Set(p.media_count),
            source: Set(p.source.clone()),
            fetched_at: Set(Utc::now() - Duration::days(back)),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
}

/// The inline SVG of a chart figure (up to its figure's end).
fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</figure>").unwrap()]
}

/// The tooltips of a chart's points.
fn tooltips(svg: &str) -> Vec<&str> {
    svg.split("<g class=\"tcol\"><title>")
        .skip(1)
        .map(|s| s.split("</title>").next().unwrap())
        .collect()
}

/// The `stat-value` of the headline card with this label.
fn stat<'a>(page: &'a str, label: &str) -> &'a str {
    let at = page
        .find(&format!("<span class=\"stat-label\">{label}</span>"))
        .unwrap_or_else(|| panic!("no stat {label}"));
    let before = &page[..at];
    let value = before.rfind("<span class=\"stat-value\">").unwrap();
    before[value + "<span class=\"stat-value\">".len()..]
        .split("</span>")
        .next()
        .unwrap()
}

/// The cells of the comparison row of `@username`.
fn compare_row<'a>(page: &'a str, username: &str) -> Vec<&'a str> {
    let at = page
        .find(&format!(">@{username}</a> <span class=\"badge"))
        .unwrap_or_else(|| panic!("no row @{username}"));
    let row = &page[at..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c.split("</td>").next().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn the_range_is_one_of_four_and_bookmarkable() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let id = demo_account(&app, &s, "range.check").await;
    let path = format!("/instagram/accounts/{id}");

    let (status, page) = get(&s.web, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(
        "href=\"{path}?days=30\" hx-get=\"{path}/figures?days=30\" hx-target=\"#figures\" hx-swap=\"outerHTML\" hx-push-url=\"{path}?days=30\" aria-current=\"true\""
    )));
    for days in ["7", "30", "90", "365"] {
        let (status, page) = get(&s.web, &app, &format!("{path}?days={days}")).await;
        assert_eq!(status, StatusCode::OK, "{days}");
        assert!(page.contains(&format!("Last {days} days")));
        assert!(page.contains(&format!("?days={days}\" aria-current=\"true\"")));
        assert!(!page.contains("field-error\" role=\"alert\""));
    }
    // Anything else: 422 and the message beside the picker; the page still shows 30 days.
    for bad in ["12", "0", "abc", "-7", "366", "99999999999"] {
        let (status, page) = get(&s.web, &app, &format!("{path}?days={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            page.contains("Choose a range of 7, 30, 90 or 365 days"),
            "{bad}"
        );
        assert!(page.contains("Last 30 days") && page.contains("id=\"chart-followers\""));
    }

    // The figures alone, as the picker's htmx request gets them.
    let res = s
        .web
        .get(app.url(&format!("{path}/figures?days=90")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fragment = res.text().await.unwrap();
    assert!(fragment.trim_start().starts_with("<div id=\"figures\""));
    assert!(!fragment.contains("<html") && fragment.contains("Last 90 days"));
    // An own account's figures reload when a refresh of this page finishes.
    assert!(fragment.contains(&format!(
        "hx-get=\"{path}/figures?days=90\" hx-trigger=\"gd:job-done from:body\""
    )));
    let res = s
        .web
        .get(app.url(&format!("{path}/figures?days=8")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The API takes the same range.
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{id}?days=9")))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{id}?days=7")))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["days"], 7);
}

#[tokio::test]
async fn every_point_has_a_tooltip_and_every_block_its_source() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let id = demo_account(&app, &s, "tooltip.check").await;
    let p = profile_of(&app, "tooltip.check").await;
    history(&app, &p, 400, 3).await;
    let today = Utc::now().date_naive();

    for (days, followers_bucket, posts_bucket) in [
        ("7", Bucket::Day, Bucket::Day),
        ("30", Bucket::Day, Bucket::Day),
        ("90", Bucket::Day, Bucket::Week),
        ("365", Bucket::Week, Bucket::Week),
    ] {
        let period = Period::parse(Some(days)).unwrap();
        let (status, page) = get(
            &s.web,
            &app,
            &format!("/instagram/accounts/{id}?days={days}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        for (chart, bucket) in [
            ("chart-followers", followers_bucket),
            ("chart-engagement", posts_bucket),
            ("chart-frequency", posts_bucket),
            ("chart-reach", followers_bucket),
        ] {
            let svg = figure(&page, chart);
            let tips = tooltips(svg);
            let points = period.buckets(bucket, today);
            assert_eq!(tips.len(), points.len(), "{chart} over {days} days");
            assert_eq!(
                svg.matches("class=\"tcol\"").count(),
                tips.len(),
                "one tooltip per point"
            );
            for (tip, day) in tips.iter().zip(&points) {
                let date = day.format("%b %-d, %Y").to_string();
                assert!(tip.contains(&date), "{chart}: {tip} for {date}");
                assert!(tip.contains(": "), "{chart}: a value in {tip}");
            }
            // Date labels: never more than fit a wide or a phone-wide chart.
            let labels = svg.matches("text-anchor=\"middle\"").count()
                + svg.matches("text-anchor=\"start\"").count()
                + svg.matches("text-anchor=\"end\"").count();
            assert!(labels <= 7 + 4 + 8, "{chart}: {labels} labels");
        }
        // Followers over the range: the history drawn, today's included.
        let tips = tooltips(figure(&page, "chart-followers"));
        let latest = format!("Followers: {}", thousands(p.followers_count.unwrap()));
        assert!(tips.last().unwrap().contains(&latest), "{tips:?}");

        // Every figure block says where its figures came from and when.
        let blocks: Vec<&str> = page.split("figure-block").skip(1).collect();
        assert!(blocks.len() >= 10, "{} blocks", blocks.len());
        for block in &blocks {
            let block = block.split("figure-block").next().unwrap();
            let source = block
                .split("provenance\">")
                .nth(1)
                .unwrap_or_else(|| panic!("a block without its source: {block}"));
            let source = source.split('<').next().unwrap();
            assert!(
                source.contains("Demo data · fetched ") && !source.contains("not yet"),
                "source and time: {source}"
            );
            assert!(source.contains(" UTC"), "{source}");
        }
        // Each top post too.
        for card in page.split("<article class=\"post-card\">").skip(1) {
            assert!(
                card.contains("Demo data · fetched ") && card.contains(" UTC"),
                "{card}"
            );
            assert!(
                !card.contains("Open on Instagram"),
                "demo posts have no link"
            );
        }
    }
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn one_engagement_rate_on_the_page_in_the_comparison_and_the_api() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let id = demo_account(&app, &s, "rate.check").await;
    let p = profile_of(&app, "rate.check").await;
    history(&app, &p, 120, 5).await;

    for days in ["7", "30", "90", "365"] {
        let (_, detail) = get(
            &s.web,
            &app,
            &format!("/instagram/accounts/{id}?days={days}"),
        )
        .await;
        let (_, compare) = get(
            &s.web,
            &app,
            &format!("/instagram/compare?days={days}&profile={id}"),
        )
        .await;
        let on_page = stat(&detail, "Engagement rate");
        let row = compare_row(&compare, "rate.check");
        assert_eq!(row[2], on_page, "{days} days: the same rate");
        let api: Value = app
            .api()
            .get(app.url(&format!("/api/v1/instagram/accounts/{id}?days={days}")))
            .bearer_auth(&s.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match api["average_engagement_rate"].as_f64() {
            Some(r) => assert_eq!(format!("{r:.2} %"), on_page, "{days} days"),
            None => assert_eq!(on_page, "—"),
        }
        // Every place that shows the rate links to its one definition.
        assert!(detail.contains("href=\"/instagram/definitions#engagement-rate\""));
        assert!(compare.contains("href=\"/instagram/definitions#engagement-rate\""));
        assert!(!detail.contains("see the definition"));
    }
    let (_, d30) = get(&s.web, &app, &format!("/instagram/accounts/{id}")).await;
    assert_ne!(stat(&d30, "Engagement rate"), "—", "a month of demo posts");

    let (status, defs) = get(&s.web, &app, "/instagram/definitions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(defs.contains("id=\"engagement-rate\"") && defs.contains("id=\"follower-change\""));
    let definition = instagram::service::engagement::DEFINITION.replace('\'', "&#39;");
    assert!(defs.contains(&definition), "the definition, said once");
}

#[tokio::test]
async fn compare_what_you_choose_with_the_follower_change_filled() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let a = demo_account(&app, &s, "first.brand").await;
    let b = demo_account(&app, &s, "second.brand").await;
    let res = s
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[
            ("username", "demo.rival.brand"),
            ("note", "main competitor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The tracked profile's first refresh, to its end: the profile's figures are saved
    // before its year of history, and a history written here meanwhile would collide with it.
    let mut refreshed = false;
    for _ in 0..600 {
        if profile_of(&app, "demo.rival.brand")
            .await
            .last_refresh_at
            .is_some()
        {
            refreshed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refreshed, "the tracked profile was never refreshed");
    for (name, per_day) in [
        ("first.brand", 10),
        ("second.brand", 2),
        ("demo.rival.brand", 7),
    ] {
        let p = profile_of(&app, name).await;
        history(&app, &p, 40, per_day).await;
    }

    // No choice: everything (up to six), with the 30-day change from the snapshots.
    let (status, page) = get(&s.web, &app, "/instagram/compare").await;
    assert_eq!(status, StatusCode::OK);
    for (name, per_day) in [
        ("first.brand", 10),
        ("second.brand", 2),
        ("demo.rival.brand", 7),
    ] {
        let row = compare_row(&page, name);
        let gained = 30 * per_day;
        assert!(
            row[1].starts_with(&format!("<span>+{gained}<br>")),
            "{name}: {row:?}"
        );
    }
    assert!(page.contains("<th scope=\"col\" class=\"num\">30-day change</th>"));
    assert_eq!(page.matches("name=\"profile\"").count(), 3);
    assert_eq!(
        page.matches(" checked>").count(),
        3 + 1,
        "3 profiles and the range"
    );
    // Overlaid charts: one series per profile, with a legend.
    for chart in ["chart-compare-followers", "chart-compare-engagement"] {
        let svg = figure(&page, chart);
        for name in ["first.brand", "second.brand", "demo.rival.brand"] {
            assert!(
                svg.contains(&format!("@{name}</li>")),
                "{chart}: legend {name}"
            );
        }
        for tip in tooltips(svg) {
            assert_eq!(tip.matches(" · @").count(), 3, "{tip}");
        }
    }
    // The tracked profile opens its own page.
    let rival = profile_of(&app, "demo.rival.brand").await;
    let tracked_id = instagram::model::tracked::Entity::find()
        .filter(instagram::model::tracked::Column::ProfileId.eq(rival.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(page.contains(&format!(
        "href=\"/instagram/tracked/{tracked_id}\">@demo.rival.brand</a>"
    )));

    // Two chosen, over a week: only they, the choice kept in the form.
    let (status, page) = get(
        &s.web,
        &app,
        &format!("/instagram/compare?days=7&profile={a}&profile={tracked_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">@first.brand</a>") && page.contains(">@demo.rival.brand</a>"));
    assert!(!page.contains(">@second.brand</a>"), "not chosen");
    assert!(page.contains(&format!("value=\"{a}\" checked>")));
    assert!(page.contains(&format!("value=\"{b}\">")));
    assert!(page.contains("value=\"7\" checked>"));
    assert!(compare_row(&page, "first.brand")[1].starts_with("<span>+70<br>"));

    // More than six, or something that is no profile: said beside the form.
    let many: String = (0..7)
        .map(|_| format!("&profile={}", uuid::Uuid::now_v7()))
        .collect();
    let (status, page) = get(&s.web, &app, &format!("/instagram/compare?days=30{many}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Choose at most 6 profiles to compare"));
    let (status, page) = get(&s.web, &app, "/instagram/compare?profile=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Choose the profiles to compare from the list"));
    let (status, page) = get(&s.web, &app, "/instagram/compare?days=45").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Choose a range of 7, 30, 90 or 365 days"));

    // Another workspace's account cannot be compared: it is left out, nothing of it shown.
    let other = sign_in(&app, "other@example.com", "Other").await;
    let theirs = demo_account(&app, &other, "their.brand").await;
    let (status, page) = get(
        &s.web,
        &app,
        &format!("/instagram/compare?profile={theirs}&profile={a}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("their.brand"));
    assert!(page.contains("One chosen profile is not in this workspace"));
}

#[tokio::test]
async fn a_tracked_profile_has_a_page_of_its_workspace_only() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let res = s
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.public.rival"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let ws = workspace_id(&app, &s.token).await;
    let tracked = instagram::model::tracked::Entity::find()
        .filter(instagram::model::tracked::Column::WorkspaceId.eq(ws))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/instagram/tracked/{}", tracked.id);
    let (_, overview) = get(&s.web, &app, "/instagram").await;
    assert!(overview.contains(&format!("href=\"{path}\">@demo.public.rival</a>")));

    let (status, page) = get(&s.web, &app, &format!("{path}?days=90")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("@demo.public.rival") && page.contains("Public data"));
    assert!(page.contains("id=\"chart-followers\"") && page.contains("Top posts"));
    assert!(!page.contains("Private insights") && !page.contains("id=\"chart-reach\""));
    assert!(
        !page.contains("Refresh now"),
        "tracked profiles refresh on schedule"
    );
    assert!(page.contains("Stop tracking this profile"));
    let (status, fragment) = get(&s.web, &app, &format!("{path}/figures?days=7")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(fragment.contains("Last 7 days"));

    // Another workspace (even one tracking the same public profile) gets 404.
    let other = sign_in(&app, "other@example.com", "Other").await;
    let res = other
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.public.rival"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for p in [path.clone(), format!("{path}/figures?days=30")] {
        let (status, body) = get(&other.web, &app, &p).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
        assert!(!body.contains("demo.public.rival"));
    }
    let (status, _) = get(
        &s.web,
        &app,
        &format!("/instagram/tracked/{}", uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn top_posts_show_their_picture_and_only_real_links() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let id = demo_account(&app, &s, "pictures.check").await;
    let p = profile_of(&app, "pictures.check").await;
    let since = Period::DEFAULT.since(Utc::now().date_naive());
    let top = post::Entity::find()
        .filter(post::Column::ProfileId.eq(p.id))
        .filter(post::Column::PostedAt.gte(since))
        .order_by_desc(Expr::cust(
            "COALESCE(like_count, 0) + COALESCE(comments_count, 0)",
        ))
        .order_by_desc(post::Column::PostedAt)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // The best post gets a CDN picture and, as a real post would, a source and permalink.
    let mut m: post::ActiveModel = top.clone().into();
    m.thumbnail_url = Set(Some(
        "https://scontent-fra5-1.cdninstagram.com/v/t51/top.jpg?oh=sig".into(),
    ));
    m.source = Set("apify".into());
    m.permalink = Set(Some("https://www.instagram.com/p/REAL123/".into()));
    m.update(&app.state.db).await.unwrap();

    let (_, page) = get(&s.web, &app, &format!("/instagram/accounts/{id}")).await;
    let cards: Vec<&str> = page
        .split("<article class=\"post-card\">")
        .skip(1)
        .collect();
    assert!(!cards.is_empty() && cards.len() <= 9);
    let first = cards[0];
    assert!(
        first.contains("<img class=\"post-image\" src=\"/media/"),
        "{first}"
    );
    assert!(!page.contains("cdninstagram"), "never the CDN address");
    assert!(first.contains("href=\"https://www.instagram.com/p/REAL123/\""));
    assert!(first.contains("Apify · fetched ") && first.contains(" UTC"));
    for card in &cards[1..] {
        assert!(
            !card.contains("Open on Instagram"),
            "demo posts have no link"
        );
    }
    // Likes, comments, the rate and the date of each.
    assert!(first.contains("<dt>Likes</dt>") && first.contains("<dt>Comments</dt>"));
    assert!(first.contains("<dt>Engagement rate</dt><dd>") && first.contains(" %</dd>"));
}

#[tokio::test]
async fn the_tracked_note_is_limited_and_wraps() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let (_, overview) = get(&s.web, &app, "/instagram").await;
    assert!(overview.contains("id=\"track-note\" name=\"note\" type=\"text\" value=\"\" autocomplete=\"off\" maxlength=\"200\""));
    assert!(overview.contains("id=\"track-username\" name=\"username\" type=\"text\" value=\"\" autocomplete=\"off\" maxlength=\"31\""));

    let long = "x".repeat(10_000);
    let res = s
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.long.note"), ("note", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"track-note-error\">A note can be at most 200 characters long"));
    assert!(
        page.contains("value=\"demo.long.note\""),
        "the username is kept"
    );
    assert!(
        page.contains(&format!("value=\"{long}\"")),
        "so is the note"
    );
    let ws = workspace_id(&app, &s.token).await;
    let none = instagram::model::tracked::Entity::find()
        .filter(instagram::model::tracked::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(none.is_empty(), "nothing tracked");

    // 200 characters, one long word: accepted, and the cell wraps it.
    let word = "y".repeat(200);
    let res = s
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[("username", "demo.long.note"), ("note", word.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, overview) = get(&s.web, &app, "/instagram").await;
    assert!(overview.contains(&format!("<td class=\"tracked-note\">{word}</td>")));
    // Multi-byte characters count as characters.
    let res = s
        .web
        .post(app.url("/instagram/tracked"))
        .form(&[
            ("username", "demo.emoji.note"),
            ("note", "é".repeat(200).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn refresh_now_answers_htmx_with_a_part_of_the_page() {
    let app = app().await;
    let s = sign_in(&app, "owner@example.com", "Agency").await;
    let id = demo_account(&app, &s, "refresh.answer").await;
    let refresh = |htmx: bool| {
        let mut req = s
            .web
            .post(app.url(&format!("/instagram/accounts/{id}/refresh")));
        if htmx {
            req = req.header("HX-Request", "true");
        }
        req.send()
    };
    // Just refreshed: too soon. htmx gets the status and a toast saying when, nothing to swap
    // (never a page).
    let res = refresh(true).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["hx-reswap"], "none");
    let toast = res.headers()["hx-trigger"].to_str().unwrap().to_string();
    assert!(toast.contains("gd:toast"), "{toast}");
    assert!(res.text().await.unwrap().is_empty());
    // Without htmx: back to the page with the message.
    let res = refresh(false).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Later: a progress bar of the refresh job.
    profile::Entity::update_many()
        .col_expr(
            profile::Column::LastRefreshAt,
            Expr::value(Utc::now() - Duration::minutes(10)),
        )
        .filter(profile::Column::UsernameLower.eq("refresh.answer"))
        .exec(&app.state.db)
        .await
        .unwrap();
    platform::jobs::model::unique::Entity::delete_many()
        .exec(&app.state.db)
        .await
        .unwrap();
    let res = refresh(true).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("<progress") && body.contains("data-job-id=\""),
        "{body}"
    );
    // A second one while it waits: said so, in place. Under load the job may already have
    // run (the demo source answers at once), and then it is too soon again: the 429's toast.
    let res = refresh(true).await.unwrap();
    if res.status() == StatusCode::TOO_MANY_REQUESTS {
        let toast = res.headers()["hx-trigger"].to_str().unwrap().to_string();
        assert!(toast.contains("gd:toast"), "{toast}");
    } else {
        let body = res.text().await.unwrap();
        assert!(
            body.contains("A refresh is already on its way.") || body.contains("try again"),
            "{body}"
        );
    }
}
