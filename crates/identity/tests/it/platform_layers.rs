//! The platform's HTTP layers as a client sees them through the identity routes.

use reqwest::StatusCode;
use serde_json::Value;

use crate::*;

#[tokio::test]
async fn security_headers_and_request_id() {
    let app = app().await;
    let res = app.api().get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.get("referrer-policy").is_some());
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS on plain http"
    );
    assert!(h.get("x-request-id").is_some());

    let res = app
        .api()
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), "trace-abc-123");
    let (_, p) = problem(res).await;
    assert_eq!(p["request_id"], "trace-abc-123");
}

#[tokio::test]
async fn hsts_and_host_cookie_over_https() {
    let app = app_with(|c| c.public_url = Some("https://growthdeck.example".into())).await;
    signup(&app, "h@example.com", "H").await;
    let res = app
        .api()
        .post(app.url("/login"))
        .header("origin", "https://growthdeck.example")
        .form(&[("email", "h@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("strict-transport-security").is_some());
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("gd_session"))
        .unwrap();
    assert!(cookie.starts_with("__Host-gd_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
}

#[tokio::test]
async fn csrf_cross_site_posts_are_refused() {
    let app = app().await;
    signup(&app, "c@example.com", "C").await;
    let browser = app.browser();
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "c@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("gd_session"))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();

    // A forged form post from another site, carrying the victim's cookie.
    let forged = app
        .api()
        .post(app.url("/workspaces/new"))
        .header("cookie", &session)
        .header("origin", "https://evil.example")
        .form(&[("name", "Evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = app
        .api()
        .post(app.url("/workspaces/new"))
        .header("cookie", &session)
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let no_origin = app
        .api()
        .post(app.url("/workspaces/new"))
        .header("cookie", &session)
        .form(&[("name", "Evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    let same = app
        .api()
        .post(app.url("/workspaces/new"))
        .header("cookie", &session)
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Fine")])
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
}

const METRICS_TOKEN: &str = "metrics-token-for-the-scraper-0001";

async fn scrape(app: &TestApp) -> String {
    let res = app
        .api()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// `/metrics` is not public: 404 on the public listener unless a token is configured, then
/// 401 without it; the separate metrics listener serves nothing else.
#[tokio::test]
async fn metrics_are_not_served_to_the_public() {
    let open = app().await;
    let res = open.api().get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body = res.text().await.unwrap();
    assert!(!body.contains("http_requests_total"), "{body}");

    let app = app_with(|c| c.metrics_token = Some(METRICS_TOKEN.into())).await;
    for wrong in [None, Some("metrics-token-for-the-scraper-0002")] {
        let mut req = app.api().get(app.url("/metrics"));
        if let Some(token) = wrong {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(!res.text().await.unwrap().contains("http_requests_total"));
    }
    assert!(scrape(&app).await.contains("http_requests_total"));

    // The metrics listener's router: `/metrics` (with the token when one is set), no pages.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = platform::http::metrics::router(open.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let res = open
        .api()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("http_requests_total"));
    let res = open
        .api()
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Made-up method names do not become label values (each would be a new series): they are
/// counted as `other`, and raw paths never appear, only route templates.
#[tokio::test]
async fn metric_labels_are_bounded() {
    let app = app_with(|c| c.metrics_token = Some(METRICS_TOKEN.into())).await;
    let client = app.api();
    let invented: Vec<String> = (0..40)
        .map(|i| format!("X{}M{i}", uuid::Uuid::new_v4().simple()).to_uppercase())
        .collect();
    for (i, method) in invented.iter().enumerate() {
        // Under /api/ (no cookie): past the CSRF guard, as a fuzzer's requests were.
        let path = format!("/api/v1/nothing-{i}-{}", uuid::Uuid::new_v4().simple());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = client.request(method, app.url(&path)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    let page = scrape(&app).await;
    for method in &invented {
        assert!(!page.contains(method.as_str()), "{method} became a label");
    }
    assert!(page.contains("method=\"other\""), "{page}");
    assert!(
        !page.contains("/api/v1/nothing-"),
        "a raw path became a label"
    );
    let series = |page: &str| {
        page.lines()
            .filter(|l| l.starts_with("http_requests_total{") && l.contains("method=\"other\""))
            .count()
    };
    let before = series(&page);
    for i in 0..40 {
        let method = format!("RANDOM{i}");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
    }
    let after = series(&scrape(&app).await);
    assert!(
        after <= before + 2,
        "{before} -> {after}: methods grew the series"
    );
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi() {
    let app = app_with(|c| c.metrics_token = Some(METRICS_TOKEN.into())).await;
    let h: Value = app
        .api()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "ok");
    let r: Value = app
        .api()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["database"], "ok");
    let m = scrape(&app).await;
    assert!(m.contains("http_requests_total"), "{m}");
    assert!(m.contains("http_request_duration_seconds"));
    assert!(m.contains("db_pool_connections"));
    let unknown = app
        .api()
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(unknown).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn static_assets_are_hashed_and_cached() {
    let app = app().await;
    let page = app
        .api()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = platform::web::assets::assets().css.clone();
    assert!(
        page.contains(&css.replace('&', "&amp;")) || page.contains(&css),
        "{css}"
    );
    let res = app.api().get(app.url(&css)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(!page.contains("<script>"), "no inline script");
    assert!(!page.contains(" style=\""), "no inline style");
}

#[tokio::test]
async fn slow_requests_time_out_with_a_problem() {
    // With a zero timeout, any request that has to wait (here: password hashing on the
    // blocking pool) is too slow, and the layer answers for the handler.
    let app = app_with(|c| c.request_timeout_secs = 0).await;
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": "slow@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(p["type"].as_str().unwrap().ends_with("/timeout"));
}
