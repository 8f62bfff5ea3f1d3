//! The binary's composition: every feature's API is in the OpenAPI 3.1 document, and the
//! browsable docs are served from the binary (no internet needed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

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
    let serving = support::binary().await.launch();
    let addr = serving.base.trim_start_matches("http://").to_string();
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
    serving.stop(std::time::Duration::from_secs(10)).await;
}

/// utoipa keys schemas by name and keeps one of two different structs silently, so one
/// route's answer would violate its documented shape. Checked before merging, router by
/// router, the way the binary composes the document.
#[test]
fn schema_names_are_unique_and_every_reference_resolves() {
    let clashes = growthdeck::openapi_schema_clashes();
    assert!(
        clashes.is_empty(),
        "schema names used by two types:\n{}",
        clashes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let dangling = platform::openapi::dangling_refs(&growthdeck::openapi());
    assert!(dangling.is_empty(), "references to no schema: {dangling:?}");
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[test]
fn errors_are_documented_as_problem_documents() {
    let doc = serde_json::to_value(growthdeck::openapi()).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let content = response["content"].as_object().unwrap();
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{at} {status}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{at} {status}"
                );
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has = |place: &str| params.iter().any(|p| p["in"] == place);
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            let mut expected = vec!["500"];
            if secured {
                expected.extend(["401", "403"]);
            }
            if has("path") {
                expected.push("404");
            }
            if has("query") || op.get("requestBody").is_some() {
                expected.push("422");
            }
            if op.get("requestBody").is_some() {
                expected.push("400");
            }
            for status in expected {
                assert!(responses.contains_key(status), "{at} lacks {status}");
            }
        }
    }
    assert!(operations > 80, "{operations} operations");
    // Throttled operations say so (schemathesis found the second-factor ones answering 429).
    for (method, path) in [
        ("post", "/api/v1/auth/token"),
        ("post", "/api/v1/auth/signup"),
        ("post", "/api/v1/admin/auth/token"),
        ("post", "/api/v1/me/2fa/enable"),
        ("post", "/api/v1/me/2fa/disable"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"].get("429").is_some(),
            "{method} {path} lacks 429"
        );
    }
}

#[test]
fn numeric_parameters_document_their_range() {
    let doc = serde_json::to_value(growthdeck::openapi()).unwrap();
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"))["schema"]
            .clone()
    };
    for path in [
        "/api/v1/admin/workspaces",
        "/api/v1/admin/instagram/accounts",
        "/api/v1/admin/billing/subscriptions",
    ] {
        let page = param(path, "page");
        assert_eq!(
            (page["minimum"].as_f64(), page["maximum"].as_f64()),
            (Some(1.0), Some(1e6)),
            "{path}: {page}"
        );
    }
    for path in [
        "/api/v1/admin/users",
        "/api/v1/admin/jobs",
        "/api/v1/admin/outbox",
        "/api/v1/admin/audit",
        "/api/v1/admin/notifications",
    ] {
        let limit = param(path, "limit");
        assert_eq!(
            (limit["minimum"].as_f64(), limit["maximum"].as_f64()),
            (Some(1.0), Some(200.0)),
            "{path}: {limit}"
        );
    }
    let limit = param("/api/v1/credits/transactions", "limit");
    assert_eq!(limit["maximum"].as_f64(), Some(500.0), "{limit}");
    let days = param("/api/v1/admin/api-clients/{id}/usage", "days");
    assert_eq!(days["maximum"].as_f64(), Some(366.0), "{days}");
    let limit = param("/api/v1/search", "limit");
    assert_eq!(limit["maximum"].as_f64(), Some(50.0), "{limit}");
}

/// Staff screens live in their features: every one is under `/admin` (pages) or
/// `/api/v1/admin/` (API), where the staff listings and the role matrix find them.
#[test]
fn every_staff_route_is_under_the_back_office() {
    let misplaced = platform::feature::misplaced_staff_routes(&growthdeck::features());
    assert!(
        misplaced.is_empty(),
        "staff routes elsewhere: {misplaced:?}"
    );
    assert!(platform::feature::staff_pages(&growthdeck::features()).contains(&"/admin"));
}
