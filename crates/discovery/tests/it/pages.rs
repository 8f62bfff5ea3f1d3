//! The search page (`/discover`) as a signed-in customer's browser sees it: matching creators
//! as cards and as a table, the demo label, bad input answered beside its field, and no way in
//! without signing in.

use chrono::Utc;
use platform::testkit::TestApp;
use reqwest::StatusCode;

use crate::{Made, app, make, page};

fn made(username: &str, pool: &'static str, followers: i64, bio: &str) -> Made {
    Made {
        username: username.into(),
        pool,
        followers,
        bio: bio.into(),
        verified: false,
        business: false,
        posts: vec![],
        followers_30d: None,
        followers_90d: None,
    }
}

async fn index(app: &TestApp) {
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
}

/// A customer's browser (cookie session), signed in.
async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    identity::testkit::customer(app, email, "Agency").await;
    identity::testkit::browser(app, email).await
}

const DEMO_NOTICE: &str = "These results are generated demo creators";

#[tokio::test]
async fn the_page_lists_the_matching_creators_as_cards_and_as_a_table() {
    let app = app().await;
    let now = Utc::now();
    let chef = Made {
        verified: true,
        business: true,
        posts: vec![
            (
                2,
                2_000,
                0,
                "Vegan lasagne tonight #plantbased".into(),
                Some("food"),
                Some("en"),
            ),
            (5, 2_000, 0, "Market haul".into(), Some("food"), Some("en")),
            (
                9,
                2_000,
                0,
                "Weekend in Rome".into(),
                Some("travel"),
                Some("en"),
            ),
        ],
        ..made(
            "vegan.chef",
            "live",
            50_000,
            "Vegan recipes 📍 Berlin | hello@veganchef.example",
        )
    };
    make(&app, &chef, now).await;
    make(
        &app,
        &made("vegan.small", "live", 500, "vegan recipes too"),
        now,
    )
    .await;
    make(
        &app,
        &made("trail.runner", "live", 80_000, "trail running"),
        now,
    )
    .await;
    make(
        &app,
        &made("vegan.demo", "demo", 90_000, "vegan demo cooking"),
        now,
    )
    .await;
    index(&app).await;
    let browser = signed_in(&app, "finder@example.com").await;

    let (status, body) = page(&app, &browser, "/discover?q=vegan&followers_min=10000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("@vegan.chef"), "{body}");
    for other in ["@vegan.small", "@trail.runner", "@vegan.demo"] {
        assert!(!body.contains(other), "{other} does not match: {body}");
    }
    assert!(body.contains("<h2 id=\"results-title\">1 creator</h2>"));
    assert!(
        body.contains("class=\"card account-card\""),
        "cards by default"
    );
    assert!(
        body.contains("<dd>50,000</dd>"),
        "followers with separators"
    );
    assert!(
        body.contains(">High</dd>"),
        "4 % engagement is high: {body}"
    );
    assert!(body.contains("Top categories:</span> Food, Travel"));
    assert!(body.contains("Berlin"));
    for badge in ["Verified", "Business", "Email available"] {
        assert!(
            body.contains(&format!("\">{badge}</span>")),
            "{badge}: {body}"
        );
    }
    assert!(
        body.contains("Source: Apify · fetched <time"),
        "where and when: {body}"
    );
    assert!(!body.contains("hello@veganchef.example"), "never the email");
    assert!(!body.contains(DEMO_NOTICE), "live creators are not demo");
    assert!(
        body.contains("value=\"vegan\"") && body.contains("value=\"10000\""),
        "the form shows the search"
    );
    assert!(
        body.contains("href=\"/discover\" aria-current=\"page\""),
        "the sidebar marks Discover"
    );
    // The table view: the same creator, the view kept in the links.
    let (status, body) = page(
        &app,
        &browser,
        "/discover?q=vegan&followers_min=10000&view=table",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("<table class=\"data account-table\">"),
        "{body}"
    );
    // The name links to the creator's profile page.
    assert!(body.contains("\">@vegan.<wbr>chef</a></strong>"), "{body}");
    assert!(body.contains("href=\"/discover/creators/"), "{body}");
    assert!(!body.contains("vegan.small"), "names and handles alike");
    assert!(body.contains(
        "href=\"/discover?q=vegan&#38;followers_min=10000&#38;view=table\" aria-current=\"true\">Table"
    ));
    assert!(body.contains("<input type=\"hidden\" name=\"view\" value=\"table\">"));

    // Filters narrow further; nothing left says what to change.
    let (_, body) = page(&app, &browser, "/discover?q=vegan&verified=no").await;
    assert!(body.contains("@vegan.small") && !body.contains("@vegan.chef"));
    let (status, body) = page(&app, &browser, "/discover?q=vegan&followers_min=10000000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("No creator matches all of these filters"),
        "{body}"
    );
    assert!(body.contains("widen the follower, engagement or growth range"));
    assert!(body.contains("Clear all filters"));
}

#[tokio::test]
async fn pages_of_results_link_to_each_other() {
    let app = app().await;
    let now = Utc::now();
    for i in 0..5 {
        make(
            &app,
            &made(&format!("baker.{i}"), "live", 1_000 + i, "bread baker"),
            now,
        )
        .await;
    }
    index(&app).await;
    let browser = signed_in(&app, "pages@example.com").await;
    let (_, body) = page(
        &app,
        &browser,
        "/discover?q=bread&per_page=2&sort=followers",
    )
    .await;
    assert!(body.contains("5 creators"), "{body}");
    assert!(body.contains("Showing 1–2 of 5"));
    assert!(body.contains("Page 1 of 3"));
    assert!(body.contains("@baker.4") && body.contains("@baker.3") && !body.contains("@baker.2"));
    assert!(body.contains(
        "href=\"/discover?q=bread&#38;sort=followers&#38;per_page=2&#38;page=2\" rel=\"next\""
    ));
    assert!(!body.contains("rel=\"prev\""));
    let (_, body) = page(
        &app,
        &browser,
        "/discover?q=bread&per_page=2&sort=followers&page=3",
    )
    .await;
    assert!(body.contains("@baker.0") && body.contains("Page 3 of 3"));
    assert!(body.contains("rel=\"prev\"") && !body.contains("rel=\"next\""));
    let (status, body) = page(&app, &browser, "/discover?q=bread&per_page=2&page=9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("This page is past the last result"), "{body}");
}

#[tokio::test]
async fn the_demo_notice_appears_only_when_the_demo_pool_is_searched() {
    let app = app().await;
    let now = Utc::now();
    make(
        &app,
        &made("demo.cook", "demo", 12_000, "demo cooking"),
        now,
    )
    .await;
    index(&app).await;
    let browser = signed_in(&app, "demo@example.com").await;

    // No real creators yet: the demo pool, said so above the results and on each card.
    let (status, body) = page(&app, &browser, "/discover").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(DEMO_NOTICE), "{body}");
    assert!(body.contains("@demo.cook"));
    assert!(body.contains("Source: Demo data · fetched"));
    assert!(body.contains(">Demo data</span>"));

    // Once real creators are known they are what is searched: no notice.
    make(&app, &made("real.cook", "live", 9_000, "real cooking"), now).await;
    index(&app).await;
    let (_, body) = page(&app, &browser, "/discover").await;
    assert!(body.contains("@real.cook") && !body.contains("@demo.cook"));
    assert!(!body.contains(DEMO_NOTICE), "{body}");

    // Asking for the demo pool by name labels it again, and the links keep asking for it.
    let (_, body) = page(&app, &browser, "/discover?pool=demo&view=table").await;
    assert!(body.contains(DEMO_NOTICE) && body.contains("@demo.<wbr>cook"));
    assert!(body.contains("<input type=\"hidden\" name=\"pool\" value=\"demo\">"));
    assert!(
        body.contains("href=\"/discover?pool=demo\">Cards"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_input_is_answered_beside_its_field_and_keeps_what_was_typed() {
    let app = app().await;
    let now = Utc::now();
    make(
        &app,
        &made("yoga.teacher", "live", 5_000, "yoga every day"),
        now,
    )
    .await;
    index(&app).await;
    let browser = signed_in(&app, "typo@example.com").await;

    let (status, body) = page(&app, &browser, "/discover?q=yoga&followers_min=-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("<h1>Discover creators</h1>"),
        "the page, not the error page"
    );
    assert!(
        body.contains("<p class=\"field-error\" id=\"followers_min-error\">Must be between 0 and 10,000,000,000</p>"),
        "{body}"
    );
    assert!(body.contains("value=\"-1\"") && body.contains("value=\"yoga\""));
    assert!(body.contains("aria-invalid=\"true\" aria-describedby=\"followers_min-error\""));
    assert!(
        body.contains("Followers, at least: Must be between 0"),
        "the summary"
    );
    assert!(
        !body.contains("@yoga.teacher"),
        "no results until it is fixed"
    );

    // What is not a number at all is said so, and kept as typed.
    let (status, body) = page(
        &app,
        &browser,
        "/discover?followers_max=lots&engagement_min=high&verified=maybe",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("id=\"followers_max-error\">Enter a whole number</p>"));
    assert!(body.contains("id=\"engagement_min-error\">Enter a number</p>"));
    assert!(body.contains("id=\"verified-error\">Choose any, yes or no</p>"));
    assert!(body.contains("value=\"lots\"") && body.contains("value=\"high\""));

    // A maximum below its minimum is marked on the maximum.
    let (status, body) = page(
        &app,
        &browser,
        "/discover?engagement_min=5&engagement_max=2",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("id=\"engagement_max-error\">Must be at least the minimum</p>"));

    // Each text field's maxlength is the service's limit: that many characters are searched,
    // one more is refused beside the field.
    for (field, max) in [
        ("q", 200),
        ("language", 8),
        ("location", 80),
        ("hashtag", 100),
    ] {
        let (_, blank) = page(&app, &browser, "/discover").await;
        let input = blank
            .split(&format!("<input id=\"{field}\""))
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .unwrap_or_else(|| panic!("no input {field}"));
        assert!(
            input.contains(&format!("maxlength=\"{max}\"")),
            "{field}: {input}"
        );
        let (status, _) = page(
            &app,
            &browser,
            &format!("/discover?{field}={}", "a".repeat(max)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{field} of {max}");
        let (status, body) = page(
            &app,
            &browser,
            &format!("/discover?{field}={}", "a".repeat(max + 1)),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} of {max} + 1"
        );
        assert!(body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    // The category is chosen from post analysis's categories; one from elsewhere (an old
    // link) is refused beside the field and stays chosen.
    let (_, blank) = page(&app, &browser, "/discover").await;
    assert!(
        blank.contains("<option value=\"\" selected>Any category</option>"),
        "{blank}"
    );
    assert!(blank.contains("<option value=\"fitness\">Fitness</option>"));
    let category_select = blank
        .split("<select id=\"category\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .expect("a category select");
    assert_eq!(
        category_select.matches("<option").count(),
        21,
        "any, and the 20 categories of post analysis"
    );
    let (status, _) = page(&app, &browser, "/discover?category=fitness").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = page(&app, &browser, "/discover?category=knitting").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(
            "id=\"category-error\">Choose one of the categories post analysis assigns</p>"
        ),
        "{body}"
    );
    assert!(body.contains("<option value=\"knitting\" selected>knitting</option>"));

    // Numbers carry their ranges.
    for attrs in [
        "id=\"followers_min\" name=\"followers_min\" type=\"number\" value=\"\" min=\"0\" max=\"10000000000\"",
        "id=\"engagement_max\" name=\"engagement_max\" type=\"number\" value=\"\" min=\"0\" max=\"100\"",
        "id=\"growth_30d_min\" name=\"growth_30d_min\" type=\"number\" value=\"\" min=\"-100\" max=\"10000\"",
        "id=\"posted_within_days\" name=\"posted_within_days\" type=\"number\" value=\"\" min=\"1\" max=\"3650\"",
    ] {
        assert!(blank.contains(attrs), "{attrs}");
    }
}

#[tokio::test]
async fn the_page_is_for_signed_in_people_only() {
    let app = app().await;
    let res = app
        .browser()
        .get(app.url("/discover"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let to = res.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/login"), "{to}");
}
