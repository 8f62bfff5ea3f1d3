//! The OpenAPI document as a contract: what the binary serves at `/api/openapi.json` must match
//! every answer, so two things are checked or derived here instead of trusted to each handler.
//!
//! - Schema names are unique. utoipa keys component schemas by their name alone and silently
//!   keeps one of two different structs with the same name (`OpenApiRouter::routes` keeps the
//!   last, `OpenApi::merge` the first), so one route's answer then violates its documented
//!   shape. [`ApiRouter`] is `OpenApiRouter` plus a record of every such clash; the binary's
//!   test fails on any.
//! - Errors are RFC 9457 problem documents served as `application/problem+json`.
//!   [`document_problems`] relabels the error responses the handlers list and adds the ones any
//!   route of a given shape can answer: 401/403 with credentials, 404 with a path parameter,
//!   422 with query parameters or a body, 400/413 with a body, 500 everywhere. Statuses that
//!   depend on the operation (402, 409, 429, 503, …) stay in the handler's annotation, except
//!   the 402 of a router gated by plan ([`ApiRouter::requires_feature`]), documented with the
//!   gate.

use std::collections::BTreeMap;

use axum::Router;
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        Components, OpenApi, RefOr, Response, ResponseBuilder,
        content::Content,
        path::{Operation, Parameter, ParameterIn, PathItem},
        schema::{Ref, Schema},
        security::SecurityRequirement,
    },
};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::error::Problem;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Two different schemas under one component name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaClash {
    pub name: String,
    /// Where the second one came from (the routes' paths, or the merged document).
    pub from: String,
}

impl std::fmt::Display for SchemaClash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "schema `{}` has two different definitions (the second from {})",
            self.name, self.from
        )
    }
}

/// `OpenApiRouter` that records schema-name clashes instead of overwriting silently. Same
/// methods, so a feature's `openapi_router()` reads as before.
pub struct ApiRouter<S = crate::AppState> {
    router: OpenApiRouter<S>,
    clashes: Vec<SchemaClash>,
}

impl<S: Clone + Send + Sync + 'static> Default for ApiRouter<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> From<OpenApiRouter<S>> for ApiRouter<S> {
    fn from(router: OpenApiRouter<S>) -> Self {
        Self {
            router,
            clashes: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> ApiRouter<S> {
    pub fn new() -> Self {
        OpenApiRouter::new().into()
    }

    pub fn with_openapi(doc: OpenApi) -> Self {
        OpenApiRouter::with_openapi(doc).into()
    }

    /// `OpenApiRouter::routes`, after comparing the routes' schemas with those already present.
    pub fn routes(mut self, routes: UtoipaMethodRouter<S>) -> Self {
        let from = routes
            .1
            .paths
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let mut seen = self
            .router
            .get_openapi()
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        for (name, schema) in &routes.0 {
            record(&mut self.clashes, &mut seen, name, schema, &from);
        }
        self.router = self.router.routes(routes);
        self
    }

    /// `OpenApiRouter::merge`, after comparing the two documents' schemas.
    pub fn merge(mut self, other: impl Into<ApiRouter<S>>) -> Self {
        let other = other.into();
        self.clashes.extend(other.clashes);
        self.clashes.extend(clashes(
            self.router.get_openapi(),
            other.router.get_openapi(),
        ));
        self.router = self.router.merge(other.router);
        self
    }

    /// Every clash seen while this router was assembled.
    pub fn schema_clashes(&self) -> &[SchemaClash] {
        &self.clashes
    }

    pub fn get_openapi(&self) -> &OpenApi {
        self.router.get_openapi()
    }

    pub fn split_for_parts(self) -> (Router<S>, OpenApi) {
        self.router.split_for_parts()
    }

    pub fn into_openapi_router(self) -> OpenApiRouter<S> {
        self.router
    }
}

impl ApiRouter<crate::AppState> {
    /// Every route of this router is for workspaces whose plan includes `feature` (a plan
    /// flag: `"discovery"`): the gate ([`crate::http::plan_gate`]) answers the others 402
    /// before the handler runs, and each operation documents that 402. Routes added after
    /// this call are not gated.
    pub fn requires_feature(mut self, feature: &'static str) -> Self {
        for item in self.router.get_openapi_mut().paths.paths.values_mut() {
            for op in operations_mut(item) {
                op.responses
                    .responses
                    .entry("402".to_string())
                    .or_insert_with(|| problem_response(crate::http::plan_gate::NOT_IN_PLAN));
            }
        }
        self.router = self
            .router
            .route_layer(axum::middleware::from_fn(move |req, next| {
                crate::http::plan_gate::gate(feature, req, next)
            }));
        self
    }
}

/// The operations of a path, whatever their methods.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

fn record(
    clashes: &mut Vec<SchemaClash>,
    seen: &mut BTreeMap<String, RefOr<Schema>>,
    name: &str,
    schema: &RefOr<Schema>,
    from: &str,
) {
    match seen.get(name) {
        Some(known) if !same(known, schema) => clashes.push(SchemaClash {
            name: name.to_string(),
            from: from.to_string(),
        }),
        Some(_) => {}
        None => {
            seen.insert(name.to_string(), schema.clone());
        }
    }
}

/// Equal as JSON: the same type referenced from two routes gives the same document.
pub(crate) fn same(a: &RefOr<Schema>, b: &RefOr<Schema>) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// The names both documents define differently (what `OpenApi::merge` would hide).
pub fn clashes(base: &OpenApi, other: &OpenApi) -> Vec<SchemaClash> {
    let (Some(ours), Some(theirs)) = (&base.components, &other.components) else {
        return Vec::new();
    };
    let from = other
        .paths
        .paths
        .keys()
        .next()
        .map(|p| format!("the document with {p}"))
        .unwrap_or_else(|| "a merged document".into());
    theirs
        .schemas
        .iter()
        .filter(|(name, schema)| ours.schemas.get(*name).is_some_and(|s| !same(s, schema)))
        .map(|(name, _)| SchemaClash {
            name: name.clone(),
            from: from.clone(),
        })
        .collect()
}

/// Every `$ref` in the document that names no component schema (a broken contract).
pub fn dangling_refs(doc: &OpenApi) -> Vec<String> {
    let Ok(value) = serde_json::to_value(doc) else {
        return vec!["the document does not serialize".into()];
    };
    let schemas = &value["components"]["schemas"];
    let mut missing = Vec::new();
    walk_refs(&value, &mut |r| {
        let known = r
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| schemas.get(name).is_some());
        if !known && !missing.iter().any(|m| m == r) {
            missing.push(r.to_string());
        }
    });
    missing
}

fn walk_refs(value: &serde_json::Value, found: &mut impl FnMut(&str)) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                found(r);
            }
            map.values().for_each(|v| walk_refs(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk_refs(v, found)),
        _ => {}
    }
}

/// The error statuses a route of some shape can always answer, with their descriptions.
const BAD_REQUEST: (&str, &str) = (
    "400",
    "The request is malformed: the body is not JSON or lacks `Content-Type: application/json`",
);
const UNAUTHORIZED: (&str, &str) = ("401", "No, an expired or an invalid credential");
const FORBIDDEN: (&str, &str) = (
    "403",
    "The credential may not do this (role, staff role or read-only token)",
);
const NOT_FOUND: (&str, &str) = (
    "404",
    "No such resource, or one of another workspace (never told apart)",
);
const TOO_LARGE: (&str, &str) = ("413", "The request body is larger than the server accepts");
const INVALID: (&str, &str) = (
    "422",
    "A parameter or field is missing, of the wrong type or out of range; `errors` names each",
);
const INTERNAL: (&str, &str) = (
    "500",
    "An internal error (logged); quote `request_id` when asking for help",
);

/// Relabels error bodies as `application/problem+json` and adds the error responses any route
/// of the operation's shape can answer (see the module doc). Idempotent.
pub fn document_problems(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Components::default);
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    for item in doc.paths.paths.values_mut() {
        let shared = item.parameters.clone().unwrap_or_default();
        for op in operations_mut(item) {
            document_operation(op, &shared);
        }
    }
}

fn document_operation(op: &mut Operation, shared: &[RefOr<Parameter>]) {
    let located = |place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .chain(shared)
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let (path, query) = (located(ParameterIn::Path), located(ParameterIn::Query));
    let body = op.request_body.is_some();
    let secured = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().any(|r| *r != SecurityRequirement::default()));
    let mut add = vec![INTERNAL];
    if secured {
        add.extend([UNAUTHORIZED, FORBIDDEN]);
    }
    if path {
        add.push(NOT_FOUND);
    }
    if body {
        add.extend([BAD_REQUEST, TOO_LARGE]);
    }
    if body || query {
        add.push(INVALID);
    }
    for (status, description) in add {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(description));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && (status.starts_with('4') || status.starts_with('5'))
        {
            as_problem(response);
        }
    }
}

fn problem_ref() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(Problem::name()))
}

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, Content::new(Some(problem_ref())))
        .into()
}

/// A Problem body listed as `application/json` (or an error listed with no body at all) is
/// what the server sends as `application/problem+json`.
fn as_problem(response: &mut Response) {
    let is_problem = |c: &RefOr<Content>| matches!(c, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
    if response.content.is_empty() {
        response.content.insert(
            PROBLEM_JSON.into(),
            RefOr::T(Content::new(Some(problem_ref()))),
        );
        return;
    }
    if let Some(json) = response.content.get("application/json")
        && is_problem(json)
        && let Some(json) = response.content.shift_remove("application/json")
    {
        response.content.insert(PROBLEM_JSON.into(), json);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use utoipa::{IntoParams, OpenApi as _};

    mod one {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct Thing {
            pub id: u64,
        }
    }
    mod two {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct Thing {
            pub name: String,
        }
    }

    #[derive(serde::Deserialize, IntoParams)]
    #[allow(dead_code)]
    struct Listing {
        #[param(inline, nullable = false)]
        page: Option<crate::http::extract::PageNumber>,
    }

    #[utoipa::path(get, path = "/one/{id}", security(("bearer" = [])), params(("id" = u64, Path), Listing),
        responses((status = 200, body = one::Thing), (status = 409, body = Problem)))]
    #[allow(dead_code)]
    async fn first(
        crate::http::extract::Path(_id): crate::http::extract::Path<u64>,
        crate::http::extract::Query(_listing): crate::http::extract::Query<Listing>,
    ) {
    }

    #[utoipa::path(get, path = "/two", responses((status = 200, body = two::Thing)))]
    #[allow(dead_code)]
    async fn second() {}

    #[utoipa::path(get, path = "/three", responses((status = 200, body = one::Thing)))]
    #[allow(dead_code)]
    async fn third() {}

    #[test]
    fn a_second_schema_under_a_known_name_is_a_clash() {
        let router: ApiRouter<()> = ApiRouter::new()
            .routes(utoipa_axum::routes!(first))
            .routes(utoipa_axum::routes!(third));
        assert!(
            router.schema_clashes().is_empty(),
            "same type twice is fine"
        );
        let router = router.routes(utoipa_axum::routes!(second));
        assert_eq!(router.schema_clashes().len(), 1);
        assert_eq!(router.schema_clashes()[0].name, "Thing");

        let other: ApiRouter<()> = ApiRouter::new().routes(utoipa_axum::routes!(second));
        let merged = ApiRouter::<()>::new()
            .routes(utoipa_axum::routes!(first))
            .merge(other);
        assert_eq!(merged.schema_clashes().len(), 1, "merge is checked too");
    }

    #[test]
    fn errors_are_documented_as_problems() {
        #[derive(utoipa::OpenApi)]
        #[openapi(paths(first, second))]
        struct Doc;
        let mut doc = Doc::openapi();
        document_problems(&mut doc);
        document_problems(&mut doc);
        let v = serde_json::to_value(&doc).unwrap();
        let one = &v["paths"]["/one/{id}"]["get"]["responses"];
        for status in ["401", "403", "404", "409", "422", "500"] {
            assert!(
                one[status]["content"][PROBLEM_JSON]["schema"]["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/Problem")),
                "{status}: {}",
                one[status]
            );
            assert!(one[status]["content"].get("application/json").is_none());
        }
        assert!(one.get("400").is_none(), "no body, no 400");
        let two = &v["paths"]["/two"]["get"]["responses"];
        assert!(two.get("401").is_none() && two.get("422").is_none());
        assert!(two.get("500").is_some());
        let page = &v["paths"]["/one/{id}"]["get"]["parameters"][1]["schema"];
        assert_eq!(page["maximum"], 1_000_000.0, "{page}");
        assert!(dangling_refs(&doc).is_empty(), "{:?}", dangling_refs(&doc));
        assert!(v["components"]["schemas"]["Problem"].is_object());
    }
}
