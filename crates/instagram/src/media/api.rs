//! `GET /media/{id}`: anyone may load it (pages and API clients show these images; ids are
//! random and the content is public CDN content). The image is answered with long cache
//! headers and a policy under which nothing in it could run.

use std::sync::Arc;

use axum::{
    Extension, Router,
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use futures::stream;
use platform::http::extract::Path;
use platform::{AppState, Error, error::Problem, http::meta};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use super::service::{self, Answer, Proxy, Unavailable};

const CACHE_CONTROL: &str = "public, max-age=86400";
/// Stricter than the pages' policy: an image document needs nothing.
const CSP: &str = "default-src 'none'";
const READ_CHUNK: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/media/{id}", get(media))
        .layer(Extension(Arc::new(Proxy::default())))
}

async fn media(
    State(state): State<AppState>,
    Extension(proxy): Extension<Arc<Proxy>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return problem(&Error::NotFound);
    };
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    match service::serve(&state, &proxy, id, if_none_match).await {
        Ok(Answer::Image {
            content_type,
            etag,
            file,
            len,
        }) => {
            let mut response = Response::new(Body::from_stream(chunks(file)));
            image_headers(response.headers_mut(), &etag);
            let h = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            response
        }
        Ok(Answer::NotModified { etag }) => {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            image_headers(response.headers_mut(), &etag);
            response
        }
        Ok(Answer::Unavailable(Unavailable::Gone)) => problem(&Error::NotFound),
        Ok(Answer::Unavailable(Unavailable::Failed { retry_at })) => bad_gateway(retry_at),
        Err(e) => problem(&e),
    }
}

fn image_headers(h: &mut HeaderMap, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// The file in chunks, so a large image is never held in memory whole.
fn chunks(file: tokio::fs::File) -> impl futures::Stream<Item = std::io::Result<Vec<u8>>> {
    stream::try_unfold(file, |mut file| async move {
        let mut buf = vec![0; READ_CHUNK];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((buf, file)))
    })
}

/// A problem document even though `/media/` is not under `/api/`: the client is an `<img>` or
/// an API client, never a reader of an HTML error page.
fn problem(error: &Error) -> Response {
    let request_id = meta::current().request_id;
    if matches!(error, Error::Database(_) | Error::Internal(_)) {
        tracing::error!(request_id = %request_id, error = %error_detail(error), "media proxy");
    }
    platform::error::problem_response(error, &request_id)
}

fn error_detail(error: &Error) -> String {
    match error {
        Error::Database(e) => e.to_string(),
        Error::Internal(e) => e.clone(),
        other => other.to_string(),
    }
}

/// 502: the source failed or sent something we refuse; `Retry-After` tells when it is tried
/// again.
fn bad_gateway(retry_at: chrono::DateTime<Utc>) -> Response {
    let status = StatusCode::BAD_GATEWAY;
    let body = Problem {
        kind: "/problems/bad-gateway".into(),
        title: "Image unavailable".into(),
        status: status.as_u16(),
        detail: "The image could not be fetched from its source.".into(),
        request_id: meta::current().request_id,
        errors: Vec::new(),
    };
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    let wait = (retry_at - Utc::now()).num_seconds().max(1);
    h.insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}
