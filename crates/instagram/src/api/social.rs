//! The public social-data API for API clients (`/api/v1/social/instagram/…`): a profile with
//! its latest 12 posts, and its posts page by page. Callers present a client key
//! (`X-Api-Key: gdk_…` or `Authorization: Bearer gdk_…`). Every answer to a known key carries
//! `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy`; a refusal
//! for a limit is 429 with `Retry-After`. Errors are RFC 9457 problem documents.

use axum::{
    Extension,
    extract::{FromRequestParts, MatchedPath},
    http::{HeaderMap, HeaderName, HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::http::extract::{Path, Query};
use platform::{AppState, Error, Result, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    social::{
        Social,
        limiter::{Decision, Verdict},
        read::{CacheStatus, PostView, ProfileView, Reader},
        tiers::Endpoint,
    },
    source::Username,
};

/// The two ways to present a client key, as OpenAPI security schemes.
struct KeySchemes;

impl Modify for KeySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An API client key (`gdk_…`), created by staff and shown once.",
            ))),
        );
        components.add_security_scheme(
            "api_key_bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(modifiers(&KeySchemes))]
struct SocialDoc;

/// The routes with their runtime (`Social`) as an extension.
pub fn openapi_router(social: Social) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(SocialDoc::openapi())
        .routes(routes!(get_profile))
        .routes(routes!(get_posts))
        .layer(Extension(social))
}

/// A request of a known API client that passed its limits and was counted.
pub struct ApiClient {
    decision: Decision,
    reader: Arc<Reader>,
}

fn limit_headers(decision: &Decision, headers: &mut HeaderMap) {
    let shown = decision.shown();
    for (name, value) in [
        ("ratelimit-limit", shown.limit.to_string()),
        ("ratelimit-remaining", shown.remaining.to_string()),
        ("ratelimit-reset", shown.reset_secs.to_string()),
        ("ratelimit-policy", decision.policy()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

fn refusal(error: Error, decision: &Decision) -> Response {
    let mut response = error.into_response();
    limit_headers(decision, response.headers_mut());
    response
}

/// The key presented: `X-Api-Key`, else `Authorization: Bearer`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
}

/// Why no client is known: no key at all, or one that is not (or no longer) a working key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyProblem {
    Missing,
    Invalid,
}

/// 401 as a problem document that says what is wrong with the key (a client of this API has
/// no sign-in: "Sign-in required" would send its developer looking in the wrong place).
fn unauthorized(problem: KeyProblem) -> Response {
    let (code, title, detail) = match problem {
        KeyProblem::Missing => (
            "api-key-required",
            "API key required",
            "Send your API client key as `X-Api-Key: gdk_…` or `Authorization: Bearer gdk_…`.",
        ),
        KeyProblem::Invalid => (
            "invalid-api-key",
            "Invalid API key",
            "This API key is not valid: it is unknown, revoked or expired.",
        ),
    };
    let status = axum::http::StatusCode::UNAUTHORIZED;
    let body = Problem {
        kind: format!("/problems/{code}"),
        title: title.into(),
        status: status.as_u16(),
        detail: detail.into(),
        request_id: platform::http::meta::current().request_id,
        errors: Vec::new(),
    };
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    h.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"social-data\""),
    );
    response
}

/// 429 for the limit `decision` refuses on, counted by limit.
fn too_many(retry_after_secs: u64, decision: &Decision) -> Response {
    let which = if decision.verdict == Verdict::MonthExceeded {
        "month"
    } else {
        "minute"
    };
    metrics::counter!("social_api_refused_total", "limit" => which).increment(1);
    refusal(Error::TooManyRequests { retry_after_secs }, decision)
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Response> {
        let social = parts
            .extensions
            .get::<Social>()
            .cloned()
            .ok_or_else(|| Error::internal("social runtime not mounted").into_response())?;
        let runtime = social
            .runtime(state)
            .await
            .map_err(IntoResponse::into_response)?;
        let key = presented_key(&parts.headers)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| unauthorized(KeyProblem::Missing))?;
        let at = Utc::now();
        let verified = runtime
            .keys
            .verify(&state.db, &runtime.usage, key, at)
            .await
            .map_err(IntoResponse::into_response)?
            .ok_or_else(|| unauthorized(KeyProblem::Invalid))?;
        let grant = &verified.grant;
        let endpoint = match parts.extensions.get::<MatchedPath>() {
            Some(p) if p.as_str().ends_with("/posts") => Endpoint::Posts,
            _ => Endpoint::Profile,
        };
        let decision = runtime.limiter.decide(grant, at).await;
        if let Some(retry_after_secs) = decision.retry_after() {
            return Err(too_many(retry_after_secs, &decision));
        }
        if !grant.limits.allows(endpoint) {
            return Err(refusal(
                Error::forbidden(format!(
                    "Your API plan does not include the `{}` endpoint",
                    endpoint.as_str()
                )),
                &decision,
            ));
        }
        // Counted against the month only now (a 403 is not a request served); concurrent
        // requests may have spent the month since the decision above.
        if verified
            .month
            .try_admit(grant.limits.requests_per_month, at)
            .is_err()
        {
            let spent = decision.month_spent();
            return Err(too_many(spent.retry_after().unwrap_or(1), &spent));
        }
        runtime.usage.record(grant, at);
        Ok(ApiClient {
            decision,
            reader: runtime.reader.clone(),
        })
    }
}

impl ApiClient {
    /// The handler's answer with the limit headers (and `X-Cache` on success).
    fn respond<T: Serialize>(&self, result: Result<(T, CacheStatus)>) -> Response {
        let mut response = match result {
            Ok((body, status)) => {
                let mut r = Json(body).into_response();
                r.headers_mut()
                    .insert("x-cache", HeaderValue::from_static(status.as_str()));
                r
            }
            Err(e) => e.into_response(),
        };
        limit_headers(&self.decision, response.headers_mut());
        response
    }
}

#[derive(Serialize, ToSchema)]
pub struct SocialProfile {
    pub username: String,
    /// Where the figures came from: `apify`, `graph`, or `demo` (generated data: demo
    /// usernames, `demo.…` or `demo_…`, only).
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub profile: ProfileView,
    /// The latest 12 posts, newest first.
    pub posts: Vec<PostView>,
    /// Continues with `GET …/{username}/posts?cursor=`; `null`: no older posts.
    pub next_cursor: Option<String>,
}

/// A public Instagram profile with its latest 12 posts.
///
/// Image fields (`picture_url`, `media_url`, `thumbnail_url`) are paths on our media proxy
/// (`/media/{id}`), never Instagram's CDN URLs (those expire and carry signatures).
///
/// A demo username (`demo.…` or `demo_…`) always answers generated data, labelled
/// `source: demo`, without links to instagram.com; any other username needs the server's live
/// data source (503 `source-not-configured` without one).
#[utoipa::path(get, path = "/api/v1/social/instagram/{username}", tag = "social",
    security(("api_key" = []), ("api_key_bearer" = [])),
    params(("username" = String, Path, description = "Instagram username, with or without `@`: 1–30 letters, digits, `.` and `_`, no `.` at either end, no `..`")),
    responses(
        (status = 200, body = SocialProfile, description = "With `RateLimit-*` and `X-Cache` (HIT, STALE or MISS) headers"),
        (status = 401, body = Problem, description = "`api-key-required` or `invalid-api-key`"), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "The live source does not know this username"),
        (status = 422, body = Problem), (status = 429, body = Problem, description = "A limit is reached; see `Retry-After`"),
        (status = 503, body = Problem, description = "`source-not-configured`: no live data source (only demo usernames resolve); `unavailable`: the data source cannot answer now, see `Retry-After`")))]
pub async fn get_profile(client: ApiClient, Path(username): Path<String>) -> Response {
    // Serialized once per pair of cache entries; a cached answer is sent as those bytes.
    let result = client
        .reader
        .profile_answer(&username, |p, page| {
            serde_json::to_vec(&SocialProfile {
                username: p.username.clone(),
                source: p.source.clone(),
                fetched_at: p.fetched_at,
                profile: p.clone(),
                posts: page.items.clone(),
                next_cursor: page.next_cursor.clone(),
            })
            .map_err(Error::internal)
        })
        .await;
    let mut response = match result {
        Ok((body, status)) => {
            let mut r = body.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert("x-cache", HeaderValue::from_static(status.as_str()));
            r
        }
        Err(e) => e.into_response(),
    };
    limit_headers(&client.decision, response.headers_mut());
    response
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PostsQuery {
    /// `next_cursor` of the previous page; absent: the newest posts.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SocialPosts {
    pub username: String,
    /// Where the posts came from: `apify`, `graph` or `demo`.
    pub source: String,
    /// 12 posts at most, newest first.
    pub items: Vec<PostView>,
    pub next_cursor: Option<String>,
}

/// A profile's posts, 12 per page, newest first.
#[utoipa::path(get, path = "/api/v1/social/instagram/{username}/posts", tag = "social",
    security(("api_key" = []), ("api_key_bearer" = [])),
    params(("username" = String, Path, description = "Instagram username"), PostsQuery),
    responses(
        (status = 200, body = SocialPosts, description = "With `RateLimit-*` and `X-Cache` headers"),
        (status = 401, body = Problem, description = "`api-key-required` or `invalid-api-key`"), (status = 403, body = Problem, description = "The client's plan does not include posts"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "Bad username or cursor"),
        (status = 429, body = Problem), (status = 503, body = Problem, description = "`source-not-configured` or `unavailable`")))]
pub async fn get_posts(
    client: ApiClient,
    Path(username): Path<String>,
    Query(q): Query<PostsQuery>,
) -> Response {
    let reader = client.reader.clone();
    let cursor = q.cursor.filter(|c| !c.is_empty());
    let result = async {
        let (page, status) = reader.posts(&username, cursor.as_deref()).await?;
        Ok((
            SocialPosts {
                username: Username::parse(&username)?.to_string(),
                source: page.value.source.clone(),
                items: page.value.items.clone(),
                next_cursor: page.value.next_cursor.clone(),
            },
            status,
        ))
    }
    .await;
    client.respond(result)
}
