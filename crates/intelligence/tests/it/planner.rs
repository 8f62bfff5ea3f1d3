//! The planner through the real router and database: best times of a synthetic account whose
//! posts do best on Tuesdays at 18:00 Berlin time (across the end of summer time), the goal's
//! projection, idempotent task generation, check-off and streaks, planned posts with their
//! checks, the calendar feed (parsed back, revoked), another workspace's ids on every route,
//! and a read-only token.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use instagram::model::{account, post, profile, profile_snapshot, tracked};
use intelligence::{
    model::planner::task,
    service::{
        best_times,
        planner::{self, SubjectKey, plan, tasks},
    },
};
use platform::testkit::call;
use platform::{
    Scope,
    testkit::{
        TestApp,
        cross_tenant::{Sweep, api_routes, page_routes},
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{app, customer_in};

const BERLIN: Tz = chrono_tz::Europe::Berlin;
/// Followers on the first snapshot day; the account gains 20 a day.
const START: i64 = 10_000;
const GAIN: i64 = 20;
const DAYS: i64 = 180;

/// `hour`:00 Berlin time on `day`.
fn berlin(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    BERLIN
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// The latest `weekday` (0 = Monday) at least a week before today.
fn last(weekday: u32) -> NaiveDate {
    let mut d = Utc::now().with_timezone(&BERLIN).date_naive() - Duration::days(7);
    while d.weekday().num_days_from_monday() != weekday {
        d -= Duration::days(1);
    }
    d
}

fn followers_on(day: NaiveDate) -> i64 {
    let first = Utc::now().date_naive() - Duration::days(DAYS - 1);
    START + GAIN * (day - first).num_days()
}

async fn insert_post(
    app: &TestApp,
    profile_id: Uuid,
    at: DateTime<Utc>,
    rate_pct: f64,
    reel: bool,
    comments: i64,
    caption: &str,
) -> Uuid {
    let followers = followers_on(at.date_naive());
    let likes = (followers as f64 * rate_pct / 100.0).round() as i64 - comments;
    post::ActiveModel {
        id: Set(Uuid::now_v7()),
        profile_id: Set(profile_id),
        ig_media_id: Set(Uuid::now_v7().simple().to_string()),
        shortcode: Set(None),
        caption: Set(Some(caption.into())),
        media_type: Set(if reel { "VIDEO" } else { "IMAGE" }.into()),
        product_type: Set(Some(if reel { "REELS" } else { "FEED" }.into())),
        permalink: Set(Some("https://www.instagram.com/p/synthetic/".into())),
        posted_at: Set(at),
        like_count: Set(Some(likes)),
        comments_count: Set(Some(comments)),
        view_count: Set(None),
        media_url: Set(None),
        thumbnail_url: Set(None),
        source: Set("apify".into()),
        fetched_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

async fn insert_profile(app: &TestApp, username: &str, followers: Option<i64>) -> Uuid {
    let t = Utc::now();
    profile::ActiveModel {
        id: Set(Uuid::now_v7()),
        pool: Set("live".into()),
        username: Set(username.into()),
        username_lower: Set(username.to_lowercase()),
        ig_user_id: Set(None),
        full_name: Set(None),
        biography: Set(None),
        website: Set(None),
        picture_url: Set(None),
        followers_count: Set(followers),
        follows_count: Set(None),
        media_count: Set(None),
        is_verified: Set(None),
        is_business: Set(None),
        source: Set("apify".into()),
        fetched_at: Set(Some(t)),
        media_cursor: Set(None),
        last_refresh_at: Set(Some(t)),
        last_refresh_error: Set(None),
        // Never due: no refresh touches the synthetic record.
        next_refresh_at: Set(Some(t + Duration::days(3650))),
        created_at: Set(t),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

/// An own account (added by hand, never refreshed) of workspace `ws`: 180 daily snapshots
/// growing by 20 a day; reels every Tuesday at 18:00 Berlin time at 8 %, images on Thursdays
/// at 09:00 and Saturdays at 12:00 at 2 %, two Sunday 20:00 posts at 12 % (too few to judge),
/// and the newest post (yesterday) with 5 comments; the four newest posts share one set of
/// hashtags. Returns (account id, profile id).
pub async fn synthetic_account(app: &TestApp, ws: Uuid, username: &str) -> (Uuid, Uuid) {
    let today = Utc::now().date_naive();
    let profile_id = insert_profile(app, username, Some(followers_on(today))).await;
    for i in 0..DAYS {
        let day = today - Duration::days(DAYS - 1 - i);
        profile_snapshot::ActiveModel {
            profile_id: Set(profile_id),
            day: Set(day),
            followers_count: Set(Some(followers_on(day))),
            follows_count: Set(None),
            media_count: Set(None),
            source: Set("apify".into()),
            fetched_at: Set(berlin(day, 12)),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let (tue, thu, sat, sun) = (last(1), last(3), last(5), last(6));
    for w in 0..20 {
        let back = Duration::weeks(w);
        insert_post(
            app,
            profile_id,
            berlin(tue - back, 18),
            8.0,
            true,
            3,
            "Reel day",
        )
        .await;
        insert_post(
            app,
            profile_id,
            berlin(thu - back, 9),
            2.0,
            false,
            1,
            "Thursday",
        )
        .await;
        insert_post(
            app,
            profile_id,
            berlin(sat - back, 12),
            2.0,
            false,
            1,
            "Saturday",
        )
        .await;
    }
    for w in 0..2 {
        insert_post(
            app,
            profile_id,
            berlin(sun - Duration::weeks(w), 20),
            12.0,
            false,
            2,
            "Sunday",
        )
        .await;
    }
    let tags = "New drop #style #ootd #fashion #streetwear";
    let yesterday = Utc::now().with_timezone(&BERLIN).date_naive() - Duration::days(1);
    for (i, d) in [4i64, 3, 2].iter().enumerate() {
        insert_post(
            app,
            profile_id,
            berlin(yesterday - Duration::days(*d), 10 + i as u32),
            2.0,
            false,
            0,
            tags,
        )
        .await;
    }
    insert_post(app, profile_id, berlin(yesterday, 10), 2.0, false, 5, tags).await;
    let t = Utc::now();
    let account_id = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        profile_id: Set(profile_id),
        kind: Set("manual".into()),
        source: Set("apify".into()),
        status: Set("active".into()),
        ig_user_id: Set(None),
        access_token: Set(None),
        token_expires_at: Set(None),
        token_refreshed_at: Set(None),
        scopes: Set(None),
        last_refresh_at: Set(Some(t)),
        last_refresh_error: Set(None),
        created_by: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id;
    (account_id, profile_id)
}

/// A tracked profile of `ws` with no history at all.
async fn empty_tracked(app: &TestApp, ws: Uuid, username: &str) -> Uuid {
    let profile_id = insert_profile(app, username, None).await;
    tracked::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        profile_id: Set(profile_id),
        note: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

fn problem_fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn best_times_find_the_peak_in_the_accounts_zone() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let (id, _) = synthetic_account(&app, ws, "peak.tuesday").await;
    let base = format!("/api/v1/instagram/accounts/{id}");

    // In UTC, the Tuesday posts sit at 16:00 in summer and 17:00 in winter: split in two
    // cells whenever the 20 weeks cross a change of the clocks.
    let (status, utc) = call(
        &app,
        &token,
        Method::GET,
        &format!("{base}/best-times"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{utc}");
    assert_eq!(utc["time_zone"], "UTC");
    let cell = |b: &Value, wd: u64, h: u64| {
        b["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["weekday"] == wd && c["hour"] == h)
            .unwrap()
            .clone()
    };
    let summer = (0..20)
        .filter(|w| {
            berlin(last(1) - Duration::weeks(*w), 18)
                .format("%H")
                .to_string()
                == "16"
        })
        .count() as u64;
    assert_eq!(cell(&utc, 1, 16)["posts"].as_u64().unwrap(), summer);
    assert_eq!(cell(&utc, 1, 17)["posts"].as_u64().unwrap(), 20 - summer);

    // A bad zone is a 422 naming the field; Berlin is accepted.
    let (status, problem) = call(
        &app,
        &token,
        Method::PUT,
        &format!("{base}/time-zone"),
        Some(json!({"time_zone": "Mars/Olympus"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&problem), ["time_zone"]);
    let (status, tz) = call(
        &app,
        &token,
        Method::PUT,
        &format!("{base}/time-zone"),
        Some(json!({"time_zone": "Europe/Berlin"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tz}");
    let (_, tz) = call(
        &app,
        &token,
        Method::GET,
        &format!("{base}/time-zone"),
        None,
    )
    .await;
    assert_eq!(tz["time_zone"], "Europe/Berlin");

    let (_, b) = call(
        &app,
        &token,
        Method::GET,
        &format!("{base}/best-times"),
        None,
    )
    .await;
    assert_eq!(b["time_zone"], "Europe/Berlin");
    assert_eq!(b["cells"].as_array().unwrap().len(), 168);
    let top = &b["top"][0];
    assert_eq!(
        (top["weekday"].as_u64(), top["hour"].as_u64()),
        (Some(1), Some(18)),
        "{b}"
    );
    assert_eq!(top["label"], "Tuesday 18:00");
    assert_eq!(top["posts"], 20);
    assert_eq!(top["confidence"], "high");
    let statement = top["statement"].as_str().unwrap();
    assert!(
        statement.contains("20 posts") && statement.contains("above the account's median"),
        "{statement}"
    );
    // Sunday 20:00 has two posts at 12 %: not enough data, never ranked.
    let sunday = cell(&b, 6, 20);
    assert_eq!(sunday["posts"], 2);
    assert_eq!(sunday["enough_data"], false);
    assert!(sunday["score"].is_null() && sunday["lift"].is_null());
    assert!(
        b["top"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["weekday"] != 6)
    );
    assert_eq!(b["min_posts"], 3);
    assert!(b["audience"].is_null(), "no followers-online readings");
    assert_eq!(b["sources"], json!(["apify"]));
    assert_eq!(b["demo"], false);
    assert!(b["method"].as_str().unwrap().contains("median"));

    // The page: linked from the account page, the heatmap with hatched cells, the best slot,
    // and an inline error for a bad zone.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let account_page = browser
        .get(app.url(&format!("/instagram/accounts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for href in [
        format!("/instagram/accounts/{id}/best-times"),
        format!("/instagram/accounts/{id}/planner"),
    ] {
        assert!(account_page.contains(&href), "{href} not linked");
    }
    let page = browser
        .get(app.url(&format!("/instagram/accounts/{id}/best-times")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    for part in [
        "Best slots",
        "Tuesday 18:00",
        "High confidence",
        "heat-none",
        "heat-5",
        "Not enough data",
        "Europe/Berlin",
        "How it is computed",
        "Apify",
    ] {
        assert!(page.contains(part), "{part} missing");
    }
    let res = browser
        .post(app.url(&format!("/instagram/accounts/{id}/best-times")))
        .form(&[("time_zone", "Nowhere/Special")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("field-error") && body.contains("Choose a time zone from the list"),
        "inline error"
    );
}

#[tokio::test]
async fn the_goal_is_projected_from_the_trend() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let (id, profile_id) = synthetic_account(&app, ws, "goal.keeper").await;
    let plan_path = format!("/api/v1/instagram/accounts/{id}/plan");
    let today = Utc::now().date_naive();
    let now = followers_on(today);

    let (status, p) = call(&app, &token, Method::GET, &plan_path, None).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert!(p["goal"].is_null() && p["projection"].is_null());
    // Reels do best: they get the most posts of the week, with their evidence.
    assert_eq!(p["mix"]["targets"][0]["format"], "reel", "{p}");
    assert!(
        p["mix"]["targets"][0]["evidence"]
            .as_str()
            .unwrap()
            .contains("median rate")
    );

    // On track: 1,000 more in 100 days needs 10 a day; the trend gains 20.
    let date = today + Duration::days(100);
    let (status, p) = call(
        &app,
        &token,
        Method::PUT,
        &plan_path,
        Some(json!({"target_followers": now + 1000, "target_date": date})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let pr = &p["projection"];
    assert_eq!(pr["on_track"], true, "{p}");
    assert!(
        (pr["trend"]["per_day"].as_f64().unwrap() - 20.0).abs() < 0.5,
        "{pr}"
    );
    assert!((pr["needed_per_day"].as_f64().unwrap() - 10.0).abs() < 0.01);
    let projected = pr["projected_followers"].as_i64().unwrap();
    assert!((projected - (now + 2000)).abs() <= 25, "{projected}");
    let cadence_week = p["mix"]["per_week"].as_u64().unwrap();

    // Behind: 5,000 more needs 50 a day; the mix asks for one post more a week.
    let (_, p) = call(
        &app,
        &token,
        Method::PUT,
        &plan_path,
        Some(json!({"target_followers": now + 5000, "target_date": date})),
    )
    .await;
    assert_eq!(p["projection"]["on_track"], false, "{p}");
    assert_eq!(p["mix"]["per_week"].as_u64().unwrap(), cadence_week + 1);

    // Out of range and past dates are field errors; a wrong type too.
    let yesterday = today - Duration::days(1);
    for (body, fields) in [
        (
            json!({"target_followers": 0, "target_date": date}),
            vec!["target_followers"],
        ),
        (
            json!({"target_followers": 2_000_000_000i64, "target_date": yesterday}),
            vec!["target_followers", "target_date"],
        ),
        (
            json!({"target_followers": 5, "target_date": today + Duration::days(3000)}),
            vec!["target_date"],
        ),
        (
            json!({"target_followers": "many", "target_date": date}),
            vec!["target_followers"],
        ),
    ] {
        let (status, problem) =
            call(&app, &token, Method::PUT, &plan_path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem_fields(&problem), fields, "{body}: {problem}");
    }

    // Too little history: three snapshots left.
    profile_snapshot::Entity::delete_many()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .filter(profile_snapshot::Column::Day.lt(today - Duration::days(2)))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (_, p) = call(&app, &token, Method::GET, &plan_path, None).await;
    assert!(p["projection"]["on_track"].is_null(), "{p}");
    assert!(p["projection"]["trend"].is_null());
    assert!(
        p["projection"]["summary"]
            .as_str()
            .unwrap()
            .contains("Too little follower history")
    );

    let (status, _) = call(&app, &token, Method::DELETE, &plan_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &token, Method::DELETE, &plan_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no goal left to remove");
}

#[tokio::test]
async fn tasks_are_generated_once_checked_off_and_counted_in_streaks() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let (id, _) = synthetic_account(&app, ws, "daily.tasks").await;
    let base = format!("/api/v1/instagram/accounts/{id}");
    call(
        &app,
        &token,
        Method::PUT,
        &format!("{base}/time-zone"),
        Some(json!({"time_zone": "Europe/Berlin"})),
    )
    .await;

    // Two first views at once, then a third: one set of tasks.
    let path = format!("{base}/tasks");
    let (a, b) = tokio::join!(
        call(&app, &token, Method::GET, &path, None),
        call(&app, &token, Method::GET, &path, None)
    );
    assert_eq!(
        (a.0, b.0),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        a.1,
        b.1
    );
    let (_, list) = call(&app, &token, Method::GET, &path, None).await;
    let items = list["items"].as_array().unwrap().clone();
    let today: NaiveDate = list["today"].as_str().unwrap().parse().unwrap();
    assert_eq!(today, Utc::now().with_timezone(&BERLIN).date_naive());
    let titles: Vec<&str> = items.iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"Reply to the 5 comments on your last post"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Vary the hashtag set repeated on your last")),
        "{titles:?}"
    );
    let stored = task::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(
        stored as usize,
        items.len(),
        "no duplicates from the concurrent first views"
    );

    // Generating the day again through the service adds nothing.
    let state = &app.state;
    let scope = Scope::for_test(ws);
    let subject = instagram::service::subject::all_in(&state.db, &scope)
        .await
        .unwrap()
        .remove(0);
    let key = SubjectKey::of(&scope, &subject);
    assert!(
        !tasks::ensure_today(state, &key, &subject, BERLIN)
            .await
            .unwrap()
    );
    let history = planner::record(state, &subject).await.unwrap();
    let best = best_times::of(&history, BERLIN, Utc::now());
    let mix = plan::mix(&history.posts, Utc::now(), false);
    let again = tasks::generate(&history, &best, &mix, &[], today, BERLIN);
    assert!(
        !tasks::store(&state.db, &key, today, BERLIN, again)
            .await
            .unwrap()
    );
    assert_eq!(task::Entity::find().count(&state.db).await.unwrap(), stored);

    // On a Tuesday the plan posts a reel at the best slot.
    let mut tuesday = today;
    while tuesday.weekday().num_days_from_monday() != 1 {
        tuesday += Duration::days(1);
    }
    let planned = tasks::generate(&history, &best, &mix, &[], tuesday, BERLIN);
    assert_eq!(
        planned[0].title, "Post a reel at Tue 18:00, your best slot",
        "{planned:?}"
    );
    assert_eq!(planned[0].slot_at, Some(berlin(tuesday, 18)));
    // Suggestions from outside become tasks, keyed to be added once.
    let outside = intelligence::service::planner::TaskSuggestion {
        key: "audit-1".into(),
        title: "Drop the restricted tag".into(),
        detail: "Seen on 3 posts".into(),
        link: None,
    };
    let with = tasks::generate(&history, &best, &mix, &[outside], tuesday, BERLIN);
    assert_eq!(with.last().unwrap().key, "outside:audit-1");

    // Check everything off: today is complete, a streak of 1, recorded with who and when.
    let me: Value = call(&app, &token, Method::GET, "/api/v1/me", None).await.1;
    let user_id = me["user"]["id"]
        .as_str()
        .or(me["id"].as_str())
        .unwrap()
        .to_string();
    for t in &items {
        let (status, done) = call(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/planner/tasks/{}/check", t["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["done"], true);
        assert_eq!(done["done_by"], user_id.as_str());
        assert!(done["done_at"].is_string());
    }
    let (_, list) = call(&app, &token, Method::GET, &path, None).await;
    assert_eq!(list["streaks"], json!({"current": 1, "longest": 1}));

    // Two earlier complete days make a run of three; opening a task of today again leaves
    // the run ending yesterday.
    for back in 1..=2 {
        let day = today - Duration::days(back);
        tasks::store(
            &state.db,
            &key,
            day,
            BERLIN,
            vec![tasks::NewTask {
                key: "reply:earlier".into(),
                kind: "reply",
                title: "Reply".into(),
                detail: String::new(),
                link: None,
                slot_at: None,
            }],
        )
        .await
        .unwrap();
    }
    task::Entity::update_many()
        .col_expr(
            task::Column::DoneAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(task::Column::Day.lt(today))
        .exec(&state.db)
        .await
        .unwrap();
    let (_, list) = call(&app, &token, Method::GET, &path, None).await;
    assert_eq!(list["streaks"], json!({"current": 3, "longest": 3}));
    let first = items[0]["id"].as_str().unwrap();
    let (_, undone) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/planner/tasks/{first}/uncheck"),
        None,
    )
    .await;
    assert_eq!(undone["done"], false);
    assert!(undone["done_by"].is_null());
    let (_, list) = call(&app, &token, Method::GET, &path, None).await;
    // (The longest run is counted from the days as they are now: today is open again.)
    assert_eq!(list["streaks"], json!({"current": 2, "longest": 2}));

    // The range is checked.
    for q in [
        "?from=2026-01-10&to=2026-01-01",
        "?from=2026-01-01&to=2026-12-31",
        "?from=tomorrow",
    ] {
        let (status, _) = call(&app, &token, Method::GET, &format!("{path}{q}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
    }

    // The pages: the planner shows the tasks; an htmx check-off answers the row and the
    // streak, never a whole page; the workspace's planner lists the account's day.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let page = browser
        .get(app.url(&format!("/instagram/accounts/{id}/planner")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "Reply to the 5 comments on your last post",
        "2 days in a row",
        "Content mix",
        "Calendar",
    ] {
        assert!(page.contains(part), "{part} missing from the planner page");
    }
    let res = browser
        .post(app.url(&format!("/planner/tasks/{first}/check")))
        .header("HX-Request", "true")
        .form(&[
            ("done", "true"),
            ("back", &format!("/instagram/accounts/{id}/planner")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fragment = res.text().await.unwrap();
    assert!(!fragment.contains("<!DOCTYPE"), "a fragment: {fragment}");
    assert!(fragment.contains(&format!("id=\"task-{first}\"")) && fragment.contains("task-done"));
    assert!(
        fragment.contains("hx-swap-oob") && fragment.contains("3 days in a row"),
        "{fragment}"
    );
    // A task of nobody: a toast, not a page.
    let res = browser
        .post(app.url(&format!("/planner/tasks/{}/check", Uuid::now_v7())))
        .header("HX-Request", "true")
        .form(&[("done", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().contains_key("hx-trigger"));
    let workspace = browser
        .get(app.url("/planner"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        workspace.contains("@daily.tasks") && workspace.contains("Reply to the 5 comments"),
        "workspace page"
    );
    let month = browser
        .get(app.url("/planner?view=month"))
        .send()
        .await
        .unwrap();
    assert_eq!(month.status(), StatusCode::OK);
    assert!(month.text().await.unwrap().contains("calendar-month"));
}

#[tokio::test]
async fn planned_posts_calendar_feed_and_its_revocation() {
    let app = app().await;
    let (token, ws) = customer_in(&app, "owner@example.com", "Agency").await;
    let (id, _) = synthetic_account(&app, ws, "feed.owner").await;
    let items_path = format!("/api/v1/instagram/accounts/{id}/calendar-items");
    let slot = (Utc::now() + Duration::days(3))
        .format("%Y-%m-%dT17:30:00Z")
        .to_string();
    let title = "Launch, part 1; the \\ big one";
    let (status, item) = call(&app, &token, Method::POST, &items_path, Some(json!({"title": title, "note": "Line one\nLine two", "slot_at": slot, "media_type": "reel"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let (_, list) = call(&app, &token, Method::GET, &items_path, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    for (body, field) in [
        (
            json!({"title": "", "slot_at": slot, "media_type": "reel"}),
            "title",
        ),
        (
            json!({"title": "x".repeat(121), "slot_at": slot, "media_type": "reel"}),
            "title",
        ),
        (
            json!({"title": "ok", "note": "n".repeat(2001), "slot_at": slot, "media_type": "reel"}),
            "note",
        ),
        (
            json!({"title": "ok", "slot_at": slot, "media_type": "tiktok"}),
            "media_type",
        ),
        (
            json!({"title": "ok", "slot_at": "2099-01-01T00:00:00Z", "media_type": "reel"}),
            "slot_at",
        ),
        (
            json!({"title": "ok", "slot_at": "tomorrow", "media_type": "reel"}),
            "slot_at",
        ),
    ] {
        let (status, problem) =
            call(&app, &token, Method::POST, &items_path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem_fields(&problem), [field], "{body}: {problem}");
    }
    let (status, changed) = call(&app, &token, Method::PUT, &format!("/api/v1/planner/calendar-items/{item_id}"), Some(json!({"title": title, "note": "Line one\nLine two", "slot_at": slot, "media_type": "carousel"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["media_type"], "carousel");
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("{items_path}?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a range longer than 92 days"
    );

    // Today's tasks exist once the day is viewed.
    let (_, today) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{id}/tasks"),
        None,
    )
    .await;
    let task_title = today["items"][0]["title"].as_str().unwrap().to_string();

    let (status, created) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/planner/calendar-feed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = created["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.base) && url.ends_with(".ics"), "{url}");
    let (_, status_now) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/planner/calendar-feed",
        None,
    )
    .await;
    assert_eq!(status_now["active"], true);
    assert!(
        !status_now
            .to_string()
            .contains(url.trim_end_matches(".ics").rsplit('/').next().unwrap()),
        "the secret is never listed"
    );

    let res = app.api().get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = res.text().await.unwrap();
    for line in text.split_terminator("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
        assert!(!line.contains('\n'), "bare line feed in {line:?}");
    }
    let unfolded = icalendar::parser::unfold(&text);
    let parsed = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    let prop = |c: &icalendar::parser::Component, name: &str| {
        c.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.to_string())
    };
    let post = events
        .iter()
        .find(|e| prop(e, "UID") == Some(format!("post-{item_id}@growthdeck")))
        .expect("the planned post");
    assert!(
        text.contains(r"Launch\, part 1\; the \\ big one"),
        "escaped: {text}"
    );
    assert!(prop(post, "DTSTART").unwrap().ends_with('Z'));
    assert!(prop(post, "DTSTAMP").is_some());
    assert!(prop(post, "SUMMARY").unwrap().contains("@feed.owner"));
    let task_event = events
        .iter()
        .find(|e| {
            prop(e, "SUMMARY").is_some_and(|s| {
                s.contains(&task_title.replace(',', "\\,")) || s.contains(&task_title)
            })
        })
        .expect("today's task");
    assert!(prop(task_event, "UID").unwrap().starts_with("task-"));
    assert!(
        task_event.properties.iter().any(|p| p.name == "DTSTART"
            && p.params
                .iter()
                .any(|x| x.key == "VALUE" && x.val.as_ref().map(|v| v.as_str()) == Some("DATE"))),
        "an all-day event"
    );

    // A new link revokes the old one; revoking the new one leaves nothing.
    let (_, again) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/planner/calendar-feed",
        None,
    )
    .await;
    let url2 = again["url"].as_str().unwrap().to_string();
    assert_eq!(
        app.api().get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api().get(&url2).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        "/api/v1/planner/calendar-feed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api().get(&url2).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let unknown = app
        .api()
        .get(app.url("/ics/gdc_nothing.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json",
        "a calendar gets the problem document, never the HTML error page"
    );
    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        "/api/v1/planner/calendar-feed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page shows a new link once.
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let page = browser
        .post(app.url("/planner/calendar-feed"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("it will not be shown again") && page.contains("/ics/gdc_"),
        "the link shown once"
    );
    let later = browser
        .get(app.url("/planner"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!later.contains("/ics/gdc_") && later.contains("Create a new link"));

    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/planner/calendar-items/{item_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/planner/calendar-items/{item_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found_and_read_only_tokens_write_nothing() {
    let app = app().await;
    let (alice, _) = customer_in(&app, "alice@example.com", "Alice Co").await;
    let (bob, bob_ws) = customer_in(&app, "bob@example.com", "Bob Co").await;
    let (bobs, _) = synthetic_account(&app, bob_ws, "bob.account").await;
    let tracked = empty_tracked(&app, bob_ws, "bob.watch").await;
    let (_, tasks_list) = call(
        &app,
        &bob,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{bobs}/tasks"),
        None,
    )
    .await;
    let task_id = tasks_list["items"][0]["id"].as_str().unwrap().to_string();
    let slot = (Utc::now() + Duration::days(2)).to_rfc3339();
    let item_body = json!({"title": "Bob's post", "slot_at": slot, "media_type": "reel"});
    let (_, item) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/instagram/accounts/{bobs}/calendar-items"),
        Some(item_body.clone()),
    )
    .await;
    let item_id = item["id"].as_str().unwrap().to_string();
    call(
        &app,
        &bob,
        Method::PUT,
        &format!("/api/v1/instagram/accounts/{bobs}/time-zone"),
        Some(json!({"time_zone": "Asia/Tokyo"})),
    )
    .await;

    // A tracked profile with no history has its pages and figures, with nothing judged.
    let bob_browser = identity::testkit::browser(&app, "bob@example.com").await;
    for page in ["best-times", "planner"] {
        let res = bob_browser
            .get(app.url(&format!("/instagram/tracked/{tracked}/{page}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "tracked {page}");
    }
    let (_, b) = call(
        &app,
        &bob,
        Method::GET,
        &format!("/api/v1/instagram/tracked/{tracked}/best-times"),
        None,
    )
    .await;
    assert_eq!(b["posts"], 0);
    assert!(b["top"].as_array().unwrap().is_empty());
    assert!(
        b["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["enough_data"] == false)
    );

    let (_, doc) = intelligence::api::planner::openapi_router().split_for_parts();
    let witnesses = [
        format!("/api/v1/instagram/accounts/{bobs}/tasks"),
        format!("/api/v1/planner/calendar-items/{item_id}"),
        format!("/api/v1/instagram/accounts/{bobs}/time-zone"),
        format!("/api/v1/instagram/tracked/{tracked}/time-zone"),
    ];
    let witness: Vec<&str> = witnesses.iter().map(String::as_str).collect();
    let zone = json!({"time_zone": "UTC"});
    let goal = json!({"target_followers": 100, "target_date": Utc::now().date_naive() + Duration::days(30)});
    let sweep = Sweep::new(&app, &alice, &bob, &witness)
        .id("accounts/{id}", bobs)
        .id("tracked/{id}", tracked)
        .id("tasks/{id}", &task_id)
        .id("calendar-items/{id}", &item_id)
        .id("items/{id}", &item_id)
        .json(
            Method::PUT,
            "/api/v1/instagram/accounts/{id}/time-zone",
            zone.clone(),
        )
        .json(
            Method::PUT,
            "/api/v1/instagram/tracked/{id}/time-zone",
            zone,
        )
        .json(
            Method::PUT,
            "/api/v1/instagram/accounts/{id}/plan",
            goal.clone(),
        )
        .json(Method::PUT, "/api/v1/instagram/tracked/{id}/plan", goal)
        .json(
            Method::POST,
            "/api/v1/instagram/accounts/{id}/calendar-items",
            item_body.clone(),
        )
        .json(
            Method::POST,
            "/api/v1/instagram/tracked/{id}/calendar-items",
            item_body.clone(),
        )
        .json(
            Method::PUT,
            "/api/v1/planner/calendar-items/{id}",
            item_body,
        );
    let calls = sweep.run(&api_routes(&doc)).await;
    assert_eq!(calls.len(), 23, "every id-taking operation: {calls:#?}");

    let alice_browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages: Vec<_> = page_routes(&intelligence::feature())
        .into_iter()
        // The analysis, audit, A/B test, playbook, hashtag, competitor and DM template pages have
        // their own sweeps.
        .filter(|r| {
            !r.template.ends_with("/analysis")
                && !r.template.contains("audits")
                && !r.template.contains("ab-tests")
                && !r.template.ends_with("/playbook")
                && !r.template.contains("hashtags")
                && !r.template.contains("competitors")
                && !r.template.contains("dm-templates")
                && !r.template.contains("studio")
        })
        .collect();
    let date = (Utc::now().date_naive() + Duration::days(2)).to_string();
    let item_form = [
        ("form", "item"),
        ("title", "x"),
        ("date", date.as_str()),
        ("time", "10:00"),
        ("media_type", "reel"),
    ];
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .browser(alice_browser)
        .id("accounts/{id}", bobs)
        .id("tracked/{id}", tracked)
        .id("tasks/{id}", &task_id)
        .id("items/{id}", &item_id)
        .form(
            Method::POST,
            "/instagram/accounts/{id}/best-times",
            &[("time_zone", "UTC")],
        )
        .form(
            Method::POST,
            "/instagram/tracked/{id}/best-times",
            &[("time_zone", "UTC")],
        )
        .form(
            Method::POST,
            "/instagram/accounts/{id}/planner",
            &[("form", "time_zone"), ("time_zone", "UTC")],
        )
        .form(
            Method::POST,
            "/instagram/tracked/{id}/planner",
            &[("form", "time_zone"), ("time_zone", "UTC")],
        )
        .form(
            Method::POST,
            "/planner/tasks/{id}/check",
            &[("done", "true")],
        )
        .form(Method::POST, "/planner/items/{id}", &item_form)
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 12, "every id-taking page: {calls:#?}");

    // A read-only token of Bob's reads and changes nothing.
    let (status, created) = call(
        &app,
        &bob,
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
        Method::GET,
        &format!("/api/v1/instagram/accounts/{bobs}/best-times"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/v1/instagram/accounts/{bobs}/time-zone"),
            Some(json!({"time_zone": "UTC"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/instagram/accounts/{bobs}/plan"),
            Some(json!({"target_followers": 100, "target_date": "2030-01-01"})),
        ),
        (
            Method::POST,
            format!("/api/v1/planner/tasks/{task_id}/check"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/instagram/accounts/{bobs}/calendar-items"),
            Some(json!({"title": "x", "slot_at": slot, "media_type": "reel"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/planner/calendar-items/{item_id}"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/planner/calendar-feed".to_string(),
            None,
        ),
    ] {
        let (status, problem) = call(&app, &read, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {problem}");
    }
    let (_, tz) = call(
        &app,
        &bob,
        Method::GET,
        &format!("/api/v1/instagram/accounts/{bobs}/time-zone"),
        None,
    )
    .await;
    assert_eq!(tz["time_zone"], "Asia/Tokyo", "unchanged");
}
