//! The binary's composition: every feature's API is in the OpenAPI 3.1 document, and the
//! browsable docs are served from the binary (no internet needed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn openapi_document_lists_the_contract() {
    let doc = serde_json::to_value(growthdeck::openapi()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/2fa/setup",
        "/api/v1/me/2fa/enable",
        "/api/v1/me/2fa/disable",
        "/api/v1/workspace/members",
        "/api/v1/workspace/members/{user_id}",
        "/api/v1/workspace/invitations",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/events",
        "/api/v1/events/ping",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(
        paths["/api/v1/workspace/members/{user_id}"]
            .get("patch")
            .is_some()
    );
    assert!(
        paths["/api/v1/workspace/members/{user_id}"]
            .get("delete")
            .is_some()
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn docs_are_served_offline_with_the_document() {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = platform::Config {
        data_dir: data.path().to_path_buf(),
        listen: addr,
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(growthdeck::launch(state, listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let doc: serde_json::Value = client
        .get(format!("http://{addr}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["info"]["title"], "Growthdeck API");
    let page = client
        .get(format!("http://{addr}/api/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    // Its scripts come from this server, not a CDN.
    let bundle = client
        .get(format!("http://{addr}/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(!html.contains("https://"), "no outside resources");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
