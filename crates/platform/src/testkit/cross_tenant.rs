//! The cross-tenant sweep: every route of a feature that takes an id of a tenant's row,
//! called by workspace A with workspace B's ids, must answer 404 (never 403, never data) and
//! leave B's data as it was. A feature's test lists the routes from its OpenAPI document
//! ([`api_routes`]) and from the pages its `Feature` lists ([`page_routes`]; an axum router
//! cannot be asked what it routes, so `PageRoutes` keeps each path and its methods beside
//! it), gives the sweep B's real ids by path parameter name, and runs it. A route whose
//! parameter has no id of B fails the sweep, so a new id-taking route cannot slip past its
//! feature's test.
#![allow(clippy::panic)]

use reqwest::{Method, StatusCode, header::HeaderValue};
use serde_json::Value;

use super::TestApp;
use crate::feature::Feature;

/// Whether a route is in the JSON API (bearer token) or a page (browser session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Api,
    Page,
}

/// A route that names a row by id, as routed (`/api/v1/tokens/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRoute {
    pub method: Method,
    pub template: String,
    pub surface: Surface,
}

/// A path segment naming a row by id (`{id}`, `{user_id}`); `{token}`, `{username}` and
/// `{action}` name no tenant row.
fn is_id(segment: &str) -> bool {
    segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .is_some_and(|p| p == "id" || p.ends_with("_id"))
}

fn takes_id(template: &str) -> bool {
    template.split('/').any(is_id)
}

/// The id-taking operations of an OpenAPI document, every method each path serves.
pub fn api_routes(doc: &utoipa::openapi::OpenApi) -> Vec<IdRoute> {
    let mut out = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        if !takes_id(path) {
            continue;
        }
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (method, served) in methods {
            if served {
                out.push(IdRoute {
                    method,
                    template: path.clone(),
                    surface: Surface::Api,
                });
            }
        }
    }
    out
}

/// The id-taking customer pages of a feature, every method each serves, from the listing its
/// `PageRoutes` kept (`Feature::pages`).
pub fn page_routes(feature: &Feature) -> Vec<IdRoute> {
    feature
        .pages
        .iter()
        .filter(|page| takes_id(page.path))
        .flat_map(|page| {
            page.methods.iter().map(|method| IdRoute {
                method: method.clone(),
                template: page.path.to_string(),
                surface: Surface::Page,
            })
        })
        .collect()
}

/// `template` with each id parameter replaced by B's id for it (see [`Sweep::id`]).
fn fill(ids: &[(String, String)], template: &str) -> String {
    let segments: Vec<&str> = template.split('/').collect();
    let mut path = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if !is_id(segment) {
            path.push(*segment);
            continue;
        }
        let key = format!("{}/{segment}", segments[..i].last().unwrap_or(&""));
        let Some((_, id)) = ids.iter().find(|(k, _)| *k == key) else {
            panic!("{template}: the sweep has no id of workspace B for {key}");
        };
        path.push(id.as_str());
    }
    path.join("/")
}

enum Body {
    Json(Value),
    Form(Vec<(String, String)>),
}

/// Workspace A calling workspace B's ids. Build it with A's credentials, B's ids and B's
/// reads that must not change, then [`Sweep::run`] it over the feature's routes.
pub struct Sweep<'a> {
    app: &'a TestApp,
    token_a: String,
    browser_a: Option<reqwest::Client>,
    token_b: String,
    witness: Vec<String>,
    ids: Vec<(String, String)>,
    bodies: Vec<(Method, String, Body)>,
}

impl<'a> Sweep<'a> {
    /// A sweep as the holder of `token_a` (an API token of workspace A); `witness` are API
    /// paths read with `token_b` (workspace B's) before and after, which must answer the same.
    pub fn new(app: &'a TestApp, token_a: &str, token_b: &str, witness: &[&str]) -> Self {
        Sweep {
            app,
            token_a: token_a.to_string(),
            browser_a: None,
            token_b: token_b.to_string(),
            witness: witness.iter().map(|w| w.to_string()).collect(),
            ids: Vec::new(),
            bodies: Vec::new(),
        }
    }

    /// A's signed-in browser, for page routes.
    pub fn browser(mut self, browser_a: reqwest::Client) -> Self {
        self.browser_a = Some(browser_a);
        self
    }

    /// B's id for a path parameter, named with the segment before it as routed
    /// (`"tokens/{id}"`, `"members/{user_id}"`): the same `{id}` names a token on one route
    /// and an invitation on another, while API and page routes of one row share the key.
    pub fn id(mut self, key: &str, id: impl ToString) -> Self {
        self.ids.push((key.to_string(), id.to_string()));
        self
    }

    /// A valid JSON body for an API route, so the handler reaches its look-up (an invalid
    /// body would be refused before the id is read).
    pub fn json(mut self, method: Method, template: &str, body: Value) -> Self {
        self.bodies
            .push((method, template.to_string(), Body::Json(body)));
        self
    }

    /// A valid form for a page route.
    pub fn form(mut self, method: Method, template: &str, fields: &[(&str, &str)]) -> Self {
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.bodies
            .push((method, template.to_string(), Body::Form(fields)));
        self
    }

    async fn witnessed(&self) -> Vec<(String, StatusCode, String)> {
        let mut out = Vec::new();
        for path in &self.witness {
            let res = self
                .app
                .api()
                .get(self.app.url(path))
                .bearer_auth(&self.token_b)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {path}: {e}"));
            let status = res.status();
            let body = res
                .text()
                .await
                .unwrap_or_else(|e| panic!("GET {path}: {e}"));
            out.push((path.clone(), status, body));
        }
        out
    }

    /// Calls every route as A with B's ids; each must answer 404, and B's witness reads must
    /// not change. Returns the requests made (`METHOD path`), for the caller to show or check.
    pub async fn run(self, routes: &[IdRoute]) -> Vec<String> {
        assert!(!routes.is_empty(), "the sweep was given no route");
        assert!(
            !self.witness.is_empty(),
            "the sweep needs a read of B to compare"
        );
        let before = self.witnessed().await;
        let mut calls = Vec::new();
        for route in routes {
            let path = fill(&self.ids, &route.template);
            let body = self
                .bodies
                .iter()
                .find(|(m, t, _)| *m == route.method && *t == route.template)
                .map(|(_, _, b)| b);
            let request = match route.surface {
                Surface::Api => self
                    .app
                    .api()
                    .request(route.method.clone(), self.app.url(&path))
                    .bearer_auth(&self.token_a),
                // As htmx sends it: a failed page action answers its status (a toast), where
                // a plain form post would be redirected back with a flash.
                Surface::Page => match &self.browser_a {
                    Some(browser) => browser
                        .request(route.method.clone(), self.app.url(&path))
                        .header("HX-Request", HeaderValue::from_static("true")),
                    None => panic!("{}: page routes need A's browser", route.template),
                },
            };
            let request = match body {
                Some(Body::Json(v)) => request.json(v),
                Some(Body::Form(f)) => request.form(f),
                None => request,
            };
            let res = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{} {path}: {e}", route.method));
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{} {path} as another workspace: {text}",
                route.method
            );
            calls.push(format!("{} {path}", route.method));
        }
        let after = self.witnessed().await;
        assert_eq!(before, after, "workspace B changed during the sweep");
        calls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_features_id_taking_pages_are_listed_with_every_method_they_serve() {
        use crate::web::pages::{PageRoutes, get, post};
        async fn page() -> &'static str {
            ""
        }
        let feature = Feature::new("things").pages(
            PageRoutes::new()
                .route("/things", get(page).post(page))
                .route("/things/{id}", get(page).post(page))
                .route("/things/{id}/remove", post(page))
                .route("/links/{token}", get(page))
                .route("/teams/{team_id}/people/{user_id}", post(page)),
        );
        let found: Vec<(Method, String)> = page_routes(&feature)
            .into_iter()
            .inspect(|r| assert_eq!(r.surface, Surface::Page))
            .map(|r| (r.method, r.template))
            .collect();
        assert_eq!(
            found,
            [
                (Method::GET, "/things/{id}".to_string()),
                (Method::POST, "/things/{id}".to_string()),
                (Method::POST, "/things/{id}/remove".to_string()),
                (
                    Method::POST,
                    "/teams/{team_id}/people/{user_id}".to_string()
                ),
            ]
        );
    }

    #[test]
    fn each_id_is_named_by_the_segment_before_it() {
        let filled = |ids: &[(&str, &str)], template: &str| {
            let ids: Vec<(String, String)> = ids
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            fill(&ids, template)
        };
        assert_eq!(
            filled(
                &[("teams/{team_id}", "T"), ("people/{user_id}", "U")],
                "/teams/{team_id}/people/{user_id}/role"
            ),
            "/teams/T/people/U/role"
        );
        let missing =
            std::panic::catch_unwind(|| filled(&[("tokens/{id}", "1")], "/sessions/{id}"));
        assert!(missing.is_err(), "an id the sweep was not given fails it");
    }
}
