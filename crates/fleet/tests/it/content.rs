//! Content pools through the real router and database: an upload is typed by its bytes (a
//! `.png` that is really text is refused), limited to 10 MB (a larger body is a 413), stored
//! with its SHA-256 and served back with its type and `nosniff`; texts are checked against
//! their kind's limit and added one per line; a step picks by priority, then the least used,
//! falls back to `any` and to the generic pool, and counts what it used.

use fleet::service::content::pick;
use platform::{
    Scope,
    testkit::{TestApp, call},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    app, customer,
    personas::{fields, new_persona},
};

/// Bytes a PNG starts with, then `n` filler bytes.
pub(crate) fn png(n: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend(std::iter::repeat_n(7u8, n));
    b
}

fn multipart(fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    platform::testkit::multipart(fields, (filename, "image/png", bytes))
}

/// Uploads through the API: (status, answer).
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(fields, filename, bytes);
    let res = app
        .api()
        .post(app.url("/api/v1/fleet/content/images"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn uploads_are_typed_by_their_bytes_limited_and_served_back() {
    let app = app().await;
    let (token, _) = customer(&app, "ana@example.com", "Ana Agency").await;

    let bytes = png(1000);
    let (status, i) = upload(
        &app,
        &token,
        &[
            ("kind", "pfp"),
            ("caption", "Morning light"),
            ("priority", "5"),
            ("is_template", "true"),
        ],
        "../../me.png",
        &bytes,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{i}");
    assert_eq!(i["mime"], "image/png");
    assert_eq!(i["byte_size"], 1008);
    assert_eq!(i["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(i["filename"], "me.png");
    assert_eq!(
        (i["priority"].as_i64(), i["is_template"].as_bool()),
        (Some(5), Some(true))
    );
    assert_eq!(i["persona_id"], Value::Null, "no persona: the generic pool");
    let id = i["id"].as_str().unwrap().to_string();

    // Served back with its type, never sniffed.
    let res = app
        .api()
        .get(app.url(&format!("/api/v1/fleet/content/images/{id}/file")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .get(app.url(&format!("/fleet/content/images/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'"
    );
    let res = app
        .api()
        .get(app.url(&format!("/fleet/content/images/{id}")))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            res.status(),
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER
        ),
        "only members see pool images: {}",
        res.status()
    );

    // A text file named .png, a GIF and a WebP by their bytes, a kind nobody knows.
    let (status, e) = upload(
        &app,
        &token,
        &[("kind", "post")],
        "cat.png",
        b"just some text, not an image",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["file"]);
    let (status, i) = upload(
        &app,
        &token,
        &[("kind", "story")],
        "x.png",
        b"GIF89a\x01\x00\x01\x00",
    )
    .await;
    assert_eq!(
        (status, i["mime"].as_str()),
        (StatusCode::CREATED, Some("image/gif"))
    );
    let (status, i) = upload(
        &app,
        &token,
        &[("kind", "any")],
        "x.jpg",
        b"RIFF\x10\0\0\0WEBPVP8 ",
    )
    .await;
    assert_eq!(
        (status, i["mime"].as_str()),
        (StatusCode::CREATED, Some("image/webp"))
    );
    let (status, e) = upload(
        &app,
        &token,
        &[
            ("kind", "reel"),
            ("priority", "101"),
            ("caption", &"c".repeat(2201)),
        ],
        "x.png",
        &png(10),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["kind", "caption", "priority"]);

    // 10 MB is the limit of the image; a body well past it is refused before it is read.
    let (status, i) = upload(
        &app,
        &token,
        &[("kind", "post")],
        "big.png",
        &png(10 * 1024 * 1024 - 8),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "exactly 10 MB: {}",
        i["detail"]
    );
    let (status, e) = upload(
        &app,
        &token,
        &[("kind", "post")],
        "big.png",
        &png(10 * 1024 * 1024),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["file"]);
    let (status, _) = upload(
        &app,
        &token,
        &[("kind", "post")],
        "huge.png",
        &png(11 * 1024 * 1024),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // The page's upload form: a refusal is answered inline, a success redirected.
    let (content_type, body) = multipart(
        &[("kind", "post"), ("priority", "1")],
        "fake.png",
        b"%PDF-1.7",
    );
    let res = browser
        .post(app.url("/fleet/content/images"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not a PNG, JPEG, WebP or GIF image")
    );
    let (content_type, body) = multipart(
        &[("kind", "highlight"), ("priority", "1")],
        "h.png",
        &png(20),
    );
    let res = browser
        .post(app.url("/fleet/content/images"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser
        .get(app.url("/fleet/content"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("/fleet/content/images/{id}")),
        "a thumbnail"
    );
    assert!(html.contains("Image added to the highlight pool."));

    let (status, list) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/content/images?kind=post",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/fleet/content/images/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/content/images/{id}/file"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn texts_are_checked_against_their_kind_and_added_one_per_line() {
    let app = app().await;
    let (token, _) = customer(&app, "ana@example.com", "Ana Agency").await;
    let lena = new_persona(&app, &token, "Lena", "").await;

    let (status, e) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/content/texts",
        Some(json!({"kind": "bio", "texts": ["fine", "b".repeat(151)], "persona_id": lena})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        e["detail"],
        "Line 2 is longer than the 150 characters a bio can have"
    );
    let (status, added) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/fleet/content/texts",
        Some(json!({"kind": "post", "texts": ["p".repeat(2200), "  ", "Second caption"], "persona_id": lena, "is_template": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        added["items"].as_array().unwrap().len(),
        2,
        "the blank one is skipped"
    );
    assert_eq!(added["items"][1]["is_template"], true);

    // The persona page's form, one text per line.
    let browser = identity::testkit::browser(&app, "ana@example.com").await;
    let res = browser
        .post(app.url(&format!("/fleet/personas/{lena}/content/texts")))
        .form(&[
            ("kind", "bio"),
            ("texts", "Coffee first\n\nThen the gym\r\nThen sleep"),
            ("one_per_line", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser
        .post(app.url(&format!("/fleet/personas/{lena}/content/texts")))
        .form(&[("kind", "highlight"), ("texts", &"h".repeat(101))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("The text is longer than the 100 characters a highlight title can have"));
    let (_, list) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/content/texts?persona_id={lena}&kind=bio"),
        None,
    )
    .await;
    let bios: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(bios, ["Coffee first", "Then the gym", "Then sleep"]);
    let (_, generic) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/fleet/content/texts",
        None,
    )
    .await;
    assert_eq!(
        generic["items"].as_array().unwrap().len(),
        0,
        "the generic pool is apart"
    );
    let html = browser
        .get(app.url(&format!("/fleet/personas/{lena}/accounts?view=content")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Then the gym") && html.contains("Not used yet"));
}

#[tokio::test]
async fn a_step_picks_by_priority_then_least_used_and_falls_back() {
    let app = app().await;
    let (token, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let (_, other_ws) = customer(&app, "bob@example.com", "Bob Agency").await;
    let scope = Scope::for_test(ws);
    let lena = new_persona(&app, &token, "Lena", "").await;
    let lena_id = Uuid::parse_str(&lena).unwrap();
    let mia = new_persona(&app, &token, "Mia", "").await;
    let mia_id = Uuid::parse_str(&mia).unwrap();

    let add = |kind: &'static str, priority: &'static str, persona: Option<&str>| {
        let (app, token) = (&app, &token);
        let persona = persona.map(str::to_string);
        async move {
            let mut f = vec![("kind", kind), ("priority", priority)];
            if let Some(p) = &persona {
                f.push(("persona_id", p.as_str()));
            }
            let (status, i) = upload(app, token, &f, "i.png", &png(16)).await;
            assert_eq!(status, StatusCode::CREATED, "{i}");
            Uuid::parse_str(i["id"].as_str().unwrap()).unwrap()
        }
    };
    let low = add("pfp", "0", Some(&lena)).await;
    let high = add("pfp", "10", Some(&lena)).await;
    let also_high = add("pfp", "10", Some(&lena)).await;
    let lena_any = add("any", "50", Some(&lena)).await;
    let generic_story = add("story", "0", None).await;
    let generic_any = add("any", "0", None).await;

    let pick_image = |persona: Option<Uuid>, kind: &'static str| {
        let (db, scope) = (&app.state.db, &scope);
        async move {
            pick::for_step(db, scope, persona, Some(kind), None)
                .await
                .unwrap()
                .image
                .map(|i| i.id)
        }
    };
    // Highest priority first; among equals the least used, then the oldest; then the lower.
    assert_eq!(pick_image(Some(lena_id), "pfp").await, Some(high));
    assert_eq!(pick_image(Some(lena_id), "pfp").await, Some(also_high));
    assert_eq!(pick_image(Some(lena_id), "pfp").await, Some(high));
    // `any` fills in for a kind the persona has none of, before the generic pool.
    assert_eq!(pick_image(Some(lena_id), "post").await, Some(lena_any));
    // A persona with nothing uses the generic pool: the kind, then `any`.
    assert_eq!(pick_image(Some(mia_id), "story").await, Some(generic_story));
    assert_eq!(pick_image(Some(mia_id), "post").await, Some(generic_any));
    assert_eq!(pick_image(None, "highlight").await, Some(generic_any));
    // Another workspace has none of these.
    assert_eq!(
        pick::for_step(
            &app.state.db,
            &Scope::for_test(other_ws),
            None,
            Some("story"),
            None
        )
        .await
        .unwrap(),
        pick::Picked::default()
    );
    let (_, list) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/fleet/content/images?persona_id={lena}"),
        None,
    )
    .await;
    let uses: Vec<(String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["usage_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        uses,
        [
            (lena_any.to_string(), 1),
            (also_high.to_string(), 1),
            (high.to_string(), 2),
            (low.to_string(), 0),
        ],
        "listed in the order steps use them, each use counted"
    );

    // Texts: the least used of the kind, the persona's before the generic pool's.
    for (kind, texts, persona) in [
        ("bio", json!(["Bio A", "Bio B"]), Some(lena.as_str())),
        ("bio", json!(["Generic bio"]), None),
        ("post", json!(["Generic caption"]), None),
    ] {
        let (status, t) = call(
            &app,
            &token,
            Method::POST,
            "/api/v1/fleet/content/texts",
            Some(json!({"kind": kind, "texts": texts, "persona_id": persona})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
    }
    let pick_text = |persona: Option<Uuid>, kind: &'static str| {
        let (db, scope) = (&app.state.db, &scope);
        async move {
            pick::for_step(db, scope, persona, None, Some(kind))
                .await
                .unwrap()
                .text
                .map(|t| t.text)
        }
    };
    let picked: Vec<Option<String>> = vec![
        pick_text(Some(lena_id), "bio").await,
        pick_text(Some(lena_id), "bio").await,
        pick_text(Some(lena_id), "bio").await,
        pick_text(Some(lena_id), "post").await,
        pick_text(Some(mia_id), "bio").await,
        pick_text(Some(mia_id), "story").await,
    ];
    assert_eq!(
        picked,
        [
            Some("Bio A".into()),
            Some("Bio B".into()),
            Some("Bio A".into()),
            Some("Generic caption".into()),
            Some("Generic bio".into()),
            None,
        ]
    );
    // Both at once, as a step records them: serialised for the task and the worker.
    let both = pick::for_step(
        &app.state.db,
        &scope,
        Some(lena_id),
        Some("story"),
        Some("bio"),
    )
    .await
    .unwrap();
    let stored = serde_json::to_value(&both).unwrap();
    assert_eq!(stored["image"]["id"], lena_any.to_string());
    assert_eq!(stored["image"]["mime"], "image/png");
    assert_eq!(stored["text"]["text"], "Bio B");

    // The worker API's bytes: the workspace's own image, another's is not found.
    let (mime, bytes) = pick::image_bytes(&app.state.db, &scope, generic_story)
        .await
        .unwrap();
    assert_eq!((mime.as_str(), bytes.len()), ("image/png", 24));
    assert!(matches!(
        pick::image_bytes(&app.state.db, &Scope::for_test(other_ws), generic_story).await,
        Err(platform::Error::NotFound)
    ));
}
