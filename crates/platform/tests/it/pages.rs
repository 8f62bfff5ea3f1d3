//! Customer pages routed through `PageRoutes`: the methods the feature lists for a path are
//! the ones the server answers there, so the cross-tenant sweep calls what is really served.

use platform::{
    Feature,
    testkit::spawn,
    web::pages::{PageRoutes, get, post},
};
use reqwest::{Method, StatusCode};

async fn page() -> &'static str {
    "page"
}

#[tokio::test]
async fn a_page_answers_exactly_the_methods_it_is_listed_with() {
    let feature = Feature::new("things").pages(
        PageRoutes::new()
            .route("/things", get(page).post(page))
            .route("/things/{id}", get(page))
            .route("/things/{id}/remove", post(page)),
    );
    let listed = feature.pages.clone();
    assert_eq!(listed.len(), 3, "every routed path is listed");
    let app = spawn(vec![feature], |_| {}).await;
    let browser = app.browser();
    for route in &listed {
        let path = route.path.replace("{id}", "7");
        for method in [Method::GET, Method::POST] {
            let status = browser
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .unwrap()
                .status();
            let expected = if route.methods.contains(&method) {
                StatusCode::OK
            } else {
                StatusCode::METHOD_NOT_ALLOWED
            };
            assert_eq!(status, expected, "{method} {path}");
        }
    }
}
