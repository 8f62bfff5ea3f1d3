//! The media proxy through the router, against local image servers: an image is fetched once
//! and served from disk with cache headers; SSRF and content refusals are answered 502, never
//! stored and remembered; the cache evicts what was served least recently; the accounts API
//! hands out proxied paths only.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime},
};

use instagram::{
    media::proxied,
    model::{account, media_file, post, profile},
};
use platform::testkit::TestApp;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param},
};

use super::*;

/// A JPEG as far as any check can tell (the proxy never decodes images), `len` bytes long and
/// different for each `seed`.
fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut body = vec![
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, seed,
    ];
    body.resize(len - 2, seed);
    body.extend_from_slice(&[0xff, 0xd9]);
    body
}

async fn image_server() -> MockServer {
    MockServer::start().await
}

async fn serve_image(server: &MockServer, at: &str, body: Vec<u8>) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "image/jpeg"))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

/// An app whose media proxy may reach the given local servers (loopback, plain http).
/// `/metrics` is served to the scraper's token only.
const METRICS_TOKEN: &str = "media-tests-metrics-token";

async fn media_app(origins: &[String], configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    let origins = origins.to_vec();
    app_with(move |c| {
        c.set(&instagram::settings::MEDIA_TEST_LOOPBACK_ORIGINS, origins);
        c.metrics_token = Some(METRICS_TOKEN.into());
        configure(c);
    })
    .await
}

async fn register(app: &TestApp, url: &str) -> String {
    proxied(&app.state.db, &app.state.config, url)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{url} was not registered"))
}

async fn row_of(app: &TestApp, media_path: &str) -> media_file::Model {
    let id = Uuid::parse_str(media_path.trim_start_matches("/media/")).unwrap();
    media_file::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

fn cache_dir(app: &TestApp) -> PathBuf {
    app.state.config.data_dir.join("media")
}

/// Every file under the cache directory, partial ones included.
fn cached_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files.extend(cached_files(&p));
        } else {
            files.push(p);
        }
    }
    files
}

fn file_of(app: &TestApp, row: &media_file::Model) -> PathBuf {
    let sha = row.sha256.as_deref().unwrap();
    cache_dir(app).join(&sha[..2]).join(sha)
}

#[tokio::test]
async fn an_image_is_fetched_once_and_served_from_disk_with_cache_headers() {
    let server = image_server().await;
    let body = jpeg(20_000, 1);
    serve_image(&server, "/v/t51/123_n.jpg", body.clone()).await;
    let app = media_app(&[server.uri()], |_| {}).await;
    let url = format!("{}/v/t51/123_n.jpg?oh=first&oe=1", server.uri());
    let media = register(&app, &url).await;
    assert!(media.starts_with("/media/"), "{media}");
    assert_eq!(row_of(&app, &media).await.status, "pending");

    let mut etag = String::new();
    for _ in 0..2 {
        let res = app.api().get(app.url(&media)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "image/jpeg");
        assert_eq!(h["cache-control"], "public, max-age=86400");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["content-security-policy"], "default-src 'none'");
        etag = h["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.len() > 8, "{etag}");
        assert_eq!(res.bytes().await.unwrap().to_vec(), body);
    }
    assert_eq!(
        requests_to(&server, "/v/t51/123_n.jpg").await,
        1,
        "fetched once"
    );

    let res = app
        .api()
        .get(app.url(&media))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(res.headers()["cache-control"], "public, max-age=86400");

    let row = row_of(&app, &media).await;
    assert_eq!(row.status, "stored");
    assert_eq!(row.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(row.bytes, Some(20_000));
    assert_eq!(std::fs::read(file_of(&app, &row)).unwrap(), body);

    // A new signature of the same image: the same path, the newest URL kept.
    let renewed = format!("{}/v/t51/123_n.jpg?oh=second&oe=2", server.uri());
    assert_eq!(register(&app, &renewed).await, media);
    assert_eq!(row_of(&app, &media).await.source_url, renewed);

    // Unknown ids are not found, as problem documents.
    for missing in [
        format!("/media/{}", Uuid::now_v7()),
        "/media/not-an-id".into(),
    ] {
        let res = app.api().get(app.url(&missing)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }

    let metrics = app
        .api()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("media_proxy_hits_total"), "{metrics}");
    assert!(
        metrics.contains("media_proxy_fetches_total{outcome=\"stored\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn requests_arriving_together_share_one_fetch() {
    let server = image_server().await;
    let body = jpeg(5000, 6);
    Mock::given(path("/slow.jpg"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body.clone(), "image/jpeg")
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let app = media_app(&[server.uri()], |_| {}).await;
    let media = register(&app, &format!("{}/slow.jpg", server.uri())).await;
    let client = app.api();
    let requests = (0..6).map(|_| {
        let request = client.get(app.url(&media)).send();
        async move { request.await.unwrap().bytes().await.unwrap().to_vec() }
    });
    for got in futures::future::join_all(requests).await {
        assert_eq!(got, body);
    }
    assert_eq!(requests_to(&server, "/slow.jpg").await, 1);
}

/// A server that streams a JPEG of `len` bytes in chunks, without `Content-Length`; counts its
/// connections.
async fn chunked_server(len: usize) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head).await;
                let head = b"HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head).await.is_err() {
                    return;
                }
                let mut body = jpeg(len, 9);
                while !body.is_empty() {
                    let chunk: Vec<u8> = body.drain(..body.len().min(16 * 1024)).collect();
                    let frame = [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk,
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    // The proxy hangs up once it has seen too much.
                    if socket.write_all(&frame).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    (base, hits)
}

/// Requests the image: refused as 502, recorded as a refused failure, nothing on disk.
async fn assert_refused(app: &TestApp, url: &str, reason: &str) {
    let media = register(app, url).await;
    let res = app.api().get(app.url(&media)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY, "{url}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(res.headers().contains_key("retry-after"));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/bad-gateway");
    assert!(
        !problem.to_string().contains("127.0.0.1"),
        "no internals: {problem}"
    );
    let row = row_of(app, &media).await;
    assert_eq!(row.status, "failed", "{url}");
    assert_eq!(
        row.failure.as_deref(),
        Some("refused"),
        "{url}: {:?}",
        row.error
    );
    let error = row.error.unwrap_or_default();
    assert!(
        error.contains(reason),
        "{url}: {error:?} should say {reason:?}"
    );
    assert!(row.sha256.is_none());
    assert!(
        cached_files(&cache_dir(app)).is_empty(),
        "{url}: nothing stored, no partial file left"
    );
    // Remembered: the next request does not fetch again.
    let res = app.api().get(app.url(&media)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn ssrf_and_content_refusals_are_never_stored() {
    let server = image_server().await;
    let target = image_server().await;
    serve_image(&target, "/secret.jpg", jpeg(1000, 2)).await;
    let target_port = target.address().port();
    let redirect =
        |location: String| ResponseTemplate::new(302).insert_header("location", location);
    for (at, location) in [
        // Loopback over https (127.0.0.1 is on the allow-list, but not a test origin).
        ("/to-loopback", "https://127.0.0.1/secret.jpg".to_string()),
        (
            "/to-loopback-port",
            format!("https://127.0.0.1:{target_port}/secret.jpg"),
        ),
        ("/to-localhost", "https://localhost/secret.jpg".to_string()),
        (
            "/to-loopback-http",
            format!("http://127.0.0.1:{target_port}/secret.jpg"),
        ),
        (
            "/to-metadata",
            "http://169.254.169.254/latest/meta-data/".to_string(),
        ),
        (
            "/to-other-host",
            "https://evil.example/secret.jpg".to_string(),
        ),
        (
            "/to-mapped",
            "https://[::ffff:127.0.0.1]/secret.jpg".to_string(),
        ),
    ] {
        Mock::given(path(at))
            .respond_with(redirect(location))
            .mount(&server)
            .await;
    }
    // A redirect chain one hop longer than allowed; each hop is a test origin.
    for hop in 0..4 {
        Mock::given(path(format!("/hop{hop}")))
            .respond_with(redirect(format!("{}/hop{}", server.uri(), hop + 1)))
            .mount(&server)
            .await;
    }
    serve_image(&server, "/hop4", jpeg(1000, 3)).await;
    let html = "<!doctype html><html><body>login</body></html>";
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    for (at, body, mime) in [
        ("/page.jpg", html.as_bytes().to_vec(), "text/html"),
        ("/icon.svg", svg.as_bytes().to_vec(), "image/svg+xml"),
        ("/lying.jpg", html.as_bytes().to_vec(), "image/jpeg"),
        ("/big.jpg", jpeg(100 * 1024, 4), "image/jpeg"),
    ] {
        Mock::given(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, mime))
            .mount(&server)
            .await;
    }
    let (chunked, chunked_hits) = chunked_server(300 * 1024).await;
    let app = media_app(&[server.uri(), chunked.clone()], |c| {
        c.set(
            &instagram::settings::MEDIA_ALLOWED_HOSTS,
            vec![
                "127.0.0.1".into(),
                "localhost".into(),
                "[::ffff:127.0.0.1]".into(),
            ],
        );
        c.set(&instagram::settings::MEDIA_MAX_FILE_BYTES, 64 * 1024);
    })
    .await;
    let s = server.uri();

    assert_refused(&app, &format!("{s}/to-loopback"), "loopback").await;
    assert_refused(&app, &format!("{s}/to-loopback-port"), "port").await;
    assert_refused(&app, &format!("{s}/to-localhost"), "loopback").await;
    assert_refused(&app, &format!("{s}/to-loopback-http"), "scheme `http`").await;
    assert_refused(&app, &format!("{s}/to-metadata"), "scheme `http`").await;
    assert_refused(&app, &format!("{s}/to-other-host"), "allow-list").await;
    assert_refused(&app, &format!("{s}/to-mapped"), "loopback").await;
    assert_eq!(
        requests_to(&target, "/secret.jpg").await,
        0,
        "never reached"
    );
    assert_refused(&app, &format!("{s}/hop0"), "redirects").await;
    assert_eq!(requests_to(&server, "/hop4").await, 0);
    // A name on the allow-list that resolves to a loopback address, without a redirect.
    assert_refused(&app, "https://localhost/direct.jpg", "loopback").await;
    assert_refused(&app, &format!("{s}/page.jpg"), "content type `text/html`").await;
    assert_refused(
        &app,
        &format!("{s}/icon.svg"),
        "content type `image/svg+xml`",
    )
    .await;
    assert_refused(&app, &format!("{s}/lying.jpg"), "not a JPEG").await;
    assert_refused(&app, &format!("{s}/big.jpg"), "larger than 65536 bytes").await;
    assert_refused(
        &app,
        &format!("{chunked}/stream.jpg"),
        "larger than 65536 bytes",
    )
    .await;
    assert_eq!(
        chunked_hits.load(Ordering::SeqCst),
        1,
        "remembered, not fetched again"
    );
    for at in ["/to-loopback", "/page.jpg", "/big.jpg"] {
        assert_eq!(requests_to(&server, at).await, 1, "{at}: remembered");
    }

    // URLs that could never pass are not registered at all.
    let rows_before = media_file::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    for url in [
        "https://evil.example/a.jpg",
        "https://cdninstagram.com.evil.example/a.jpg",
        "ftp://127.0.0.1/a.jpg",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://localhost/a.jpg",
        "https://127.0.0.1:8443/a.jpg",
        "https://user:pw@localhost/a.jpg",
        "not a url",
    ] {
        let got = proxied(&app.state.db, &app.state.config, url)
            .await
            .unwrap();
        assert_eq!(got, None, "{url}");
    }
    let rows_after = media_file::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    assert_eq!(rows_before, rows_after);

    let metrics = app
        .api()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("media_proxy_fetches_total{outcome=\"refused\"}"));
}

#[tokio::test]
async fn a_vanished_image_is_404_until_a_new_url_comes() {
    let server = image_server().await;
    Mock::given(path("/v/p.jpg"))
        .and(query_param("oh", "old"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    Mock::given(path("/v/p.jpg"))
        .and(query_param("oh", "new"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jpeg(500, 5), "image/jpeg"))
        .mount(&server)
        .await;
    let app = media_app(&[server.uri()], |_| {}).await;
    let media = register(&app, &format!("{}/v/p.jpg?oh=old", server.uri())).await;
    for _ in 0..2 {
        let res = app.api().get(app.url(&media)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(
        requests_to(&server, "/v/p.jpg").await,
        1,
        "the failure is remembered"
    );
    assert_eq!(row_of(&app, &media).await.failure.as_deref(), Some("gone"));

    // A refresh brings the URL with a fresh signature: tried again at once.
    let renewed = register(&app, &format!("{}/v/p.jpg?oh=new", server.uri())).await;
    assert_eq!(renewed, media);
    let res = app.api().get(app.url(&media)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), jpeg(500, 5));
}

fn set_mtime(file: &Path, ago: Duration) {
    std::fs::File::open(file)
        .unwrap()
        .set_modified(SystemTime::now() - ago)
        .unwrap();
}

#[tokio::test]
async fn the_cache_evicts_the_least_recently_served_images_over_its_cap() {
    let server = image_server().await;
    for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
        serve_image(&server, &format!("/{name}.jpg"), jpeg(1000, i as u8)).await;
    }
    // Room for three images and a half; eviction goes down to 90 % of the cap.
    let app = media_app(&[server.uri()], |c| {
        c.set(&instagram::settings::MEDIA_MAX_FILE_BYTES, 1000);
        c.set(&instagram::settings::MEDIA_CACHE_MAX_BYTES, 3500);
    })
    .await;
    let mut paths = Vec::new();
    for name in ["a", "b", "c", "d"] {
        paths.push(register(&app, &format!("{}/{name}.jpg", server.uri())).await);
    }
    let get = |p: &String| app.api().get(app.url(p)).send();
    for p in &paths[..3] {
        assert_eq!(get(p).await.unwrap().status(), StatusCode::OK);
    }
    let mut rows = Vec::new();
    for p in &paths {
        rows.push(row_of(&app, p).await);
    }
    // a, b, c were served an hour or more ago, b the longest ago once a is served again now.
    set_mtime(&file_of(&app, &rows[0]), Duration::from_secs(3 * 3600));
    set_mtime(&file_of(&app, &rows[1]), Duration::from_secs(2 * 3600));
    set_mtime(&file_of(&app, &rows[2]), Duration::from_secs(3600));
    assert_eq!(get(&paths[0]).await.unwrap().status(), StatusCode::OK);

    assert_eq!(get(&paths[3]).await.unwrap().status(), StatusCode::OK);
    let d = row_of(&app, &paths[3]).await;
    assert!(file_of(&app, &d).exists());
    assert!(file_of(&app, &rows[0]).exists(), "a was served recently");
    assert!(
        !file_of(&app, &rows[1]).exists(),
        "b was served least recently"
    );
    assert!(file_of(&app, &rows[2]).exists());
    let total: u64 = cached_files(&cache_dir(&app))
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(total <= 3500, "{total}");

    // b is still known: served again by fetching it again.
    let res = get(&paths[1]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), jpeg(1000, 1));
    assert_eq!(requests_to(&server, "/b.jpg").await, 2);
    assert_eq!(requests_to(&server, "/a.jpg").await, 1);
}

#[tokio::test]
async fn the_accounts_api_hands_out_proxied_paths_never_cdn_urls() {
    let server = image_server().await;
    serve_image(&server, "/v/t51.2885-19/profile.jpg", jpeg(800, 7)).await;
    serve_image(&server, "/v/t51.2885-15/post.jpg", jpeg(900, 8)).await;
    let app = media_app(&[server.uri()], |_| {}).await;
    let token = customer(&app, "owner@example.com", "Agency").await;
    let res = app
        .api()
        .post(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .json(&json!({ "username": "pictures.test", "demo": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refreshed = fetched(&app, &token, &id).await;

    // Give the profile and three posts CDN URLs, as the Graph API and Apify sources do (in
    // place of the demo source's generated pictures).
    let cdn = server.uri();
    let account = account::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut p: profile::ActiveModel = profile::Entity::find_by_id(account.profile_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    p.picture_url = Set(Some(format!(
        "{cdn}/v/t51.2885-19/profile.jpg?stp=dst-jpg&oh=sig1&oe=AB"
    )));
    p.update(&app.state.db).await.unwrap();
    let post_ids: Vec<Uuid> = refreshed["posts"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|p| Uuid::parse_str(p["id"].as_str().unwrap()).unwrap())
        .collect();
    let image_url = format!("{cdn}/v/t51.2885-15/post.jpg?oh=sig2&oe=CD");
    let edits = [
        ("IMAGE", Some(image_url.clone()), Some(image_url.clone())),
        (
            "VIDEO",
            Some(format!("{cdn}/o1/v/video.mp4?oh=sig3")),
            Some(image_url.clone()),
        ),
        (
            "IMAGE",
            Some("https://evil.example/p.jpg".to_string()),
            None,
        ),
    ];
    for (post_id, (media_type, media_url, thumbnail_url)) in post_ids.iter().zip(edits) {
        let mut row: post::ActiveModel = post::Entity::find_by_id(*post_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.media_type = Set(media_type.into());
        row.media_url = Set(media_url);
        row.thumbnail_url = Set(thumbnail_url);
        row.update(&app.state.db).await.unwrap();
    }

    let detail = app
        .api()
        .get(app.url(&format!("/api/v1/instagram/accounts/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let list = app
        .api()
        .get(app.url("/api/v1/instagram/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for body in [&detail, &list] {
        for leak in [
            cdn.as_str(),
            "sig1",
            "sig2",
            "sig3",
            "evil.example",
            "video.mp4",
        ] {
            assert!(!body.contains(leak), "{leak} leaked: {body}");
        }
    }
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let list: Value = serde_json::from_str(&list).unwrap();
    let picture = detail["picture_url"].as_str().unwrap().to_string();
    assert!(picture.starts_with("/media/"), "{picture}");
    assert_eq!(list["items"][0]["picture_url"], picture.as_str());
    let posts = detail["posts"].as_array().unwrap();
    let by_id = |id: &Uuid| {
        posts
            .iter()
            .find(|p| p["id"] == id.to_string())
            .unwrap()
            .clone()
    };
    let image = by_id(&post_ids[0]);
    let video = by_id(&post_ids[1]);
    let elsewhere = by_id(&post_ids[2]);
    let post_image = image["media_url"].as_str().unwrap();
    assert!(post_image.starts_with("/media/"));
    assert_eq!(image["thumbnail_url"], post_image, "one image, one path");
    assert!(video["media_url"].is_null(), "videos are not proxied");
    assert_eq!(video["thumbnail_url"], post_image);
    assert!(elsewhere["media_url"].is_null(), "not on the allow-list");
    assert!(elsewhere["thumbnail_url"].is_null());

    for (media, expected) in [(picture.as_str(), jpeg(800, 7)), (post_image, jpeg(900, 8))] {
        let res = app.api().get(app.url(media)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.unwrap().to_vec(), expected);
    }
}
