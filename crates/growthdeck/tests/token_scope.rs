//! A read-only API token writes nothing: every operation of the served OpenAPI document that
//! is not a read (any method but GET/HEAD/OPTIONS) answers 403 with a problem document when it
//! carries one, whichever feature owns it — including removing the token's own user from the
//! workspace, which once answered 204 and ended all the user's tokens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{binary, client, signup};

#[tokio::test]
async fn a_read_only_token_is_refused_on_every_write_route() {
    let serving = binary().await.launch();
    let base = serving.base.clone();
    let http = client();
    let (_, rw) = signup(&base, "scope@example.com", "Scoped").await;
    let created: Value = http
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&rw)
        .json(&json!({ "name": "reporting", "scope": "read" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read = created["token"].as_str().unwrap().to_string();
    let me: Value = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own_id = me["user"]["id"]
        .as_str()
        .or(me["id"].as_str())
        .unwrap()
        .to_string();

    let doc: Value = http
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut walked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if !["post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            // Every path parameter gets the caller's own user id: a valid id, and the one that
            // once let a read-only token remove its own member.
            let url = fill_params(path, &own_id);
            let res = http
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{base}{url}"),
                )
                .bearer_auth(&read)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{method} {path} with a read-only token"
            );
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(
                ct.starts_with("application/problem+json"),
                "{method} {path}: {ct}"
            );
            walked += 1;
        }
    }
    assert!(
        walked >= 20,
        "only {walked} write operations in the document"
    );

    // Nothing changed: the member is still there and both tokens still work.
    let members: Value = http
        .get(format!("{base}/api/v1/workspace/members"))
        .bearer_auth(&rw)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(members.to_string().contains(&own_id), "{members}");
    for token in [&rw, &read] {
        let res = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // A read-write token still writes (the guard refuses by scope, not by method).
    let res = http
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&rw)
        .json(&json!({ "name": "second", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    serving.stop(std::time::Duration::from_secs(10)).await;
}

/// `/a/{x}/b/{y}` with every `{…}` replaced by `value`.
fn fill_params(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(value);
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
