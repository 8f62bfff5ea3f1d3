//! HTML rendering of `Error`: redirect to sign-in, a toast for htmx, or the error page — with
//! the signed-in shell (sidebar, workspace) when the visitor is signed in.
//!
//! `IntoResponse for Error` has no state, so it renders the page with the anonymous shell and
//! marks the response with [`ErrorFacts`]; the [`signed_in_shell`] middleware, which has the
//! state, renders it again in the visitor's own shell when they are signed in.

use askama::Template;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use super::shell::{FlashKind, Shell};
use crate::{
    error::Error,
    http::meta::{self, RequestMeta},
    state::AppState,
};

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub shell: Shell,
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub request_id: String,
}

/// What an error page says, kept on the response for [`signed_in_shell`].
#[derive(Debug, Clone)]
pub struct ErrorFacts {
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub request_id: String,
}

impl ErrorFacts {
    fn page(self, shell: Shell) -> ErrorPage {
        ErrorPage {
            shell,
            status: self.status,
            title: self.title,
            detail: self.detail,
            request_id: self.request_id,
        }
    }
}

/// The page's explanation: the error's detail, unless it only repeats the title.
fn page_detail(error: &Error) -> String {
    let detail = error.detail();
    if !detail.eq_ignore_ascii_case(error.title()) {
        return detail;
    }
    match error {
        Error::NotFound => {
            "There is nothing here, or it is not in your workspace. Check the address, or go back and follow a link.".into()
        }
        _ => String::new(),
    }
}

pub fn render(error: &Error, meta: &RequestMeta) -> Response {
    if matches!(error, Error::Unauthorized) {
        let target = format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(meta.path.as_bytes()).collect::<String>()
        );
        if meta.is_htmx {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            if let Ok(v) = HeaderValue::from_str(&target) {
                response.headers_mut().insert("hx-redirect", v);
            }
            return response;
        }
        return axum::response::Redirect::to(&target).into_response();
    }
    let mut response = if meta.is_htmx {
        // Never a page in a fragment's spot: the status, no swap, a toast saying why.
        super::htmx::toast(
            error.status(),
            FlashKind::Error,
            error.title(),
            &page_detail(error),
        )
    } else {
        let facts = ErrorFacts {
            status: error.status().as_u16(),
            title: error.title().into(),
            detail: page_detail(error),
            request_id: meta.request_id.clone(),
        };
        let page = facts.clone().page(Shell::anonymous(
            meta.platform_name.to_string(),
            error.title(),
            Vec::new(),
        ));
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} — request id {}", error.title(), meta.request_id));
        let mut response = (error.status(), Html(body)).into_response();
        response.extensions_mut().insert(facts);
        response
    };
    if let Error::TooManyRequests { retry_after_secs }
    | Error::Unavailable {
        retry_after_secs, ..
    } = error
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// Middleware: an error page for a signed-in visitor is drawn in their shell (sidebar,
/// workspace switcher), so a wrong link does not look like being signed out. The back
/// office (`/admin`) has its own principal and frame and keeps the plain page.
pub async fn signed_in_shell(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let m = meta::current();
    if !m.wants_html || m.is_htmx || m.path.starts_with("/admin") {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(facts) = response.extensions().get::<ErrorFacts>().cloned() else {
        return response;
    };
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    let ctx = match state.auth.authenticate(&state, &parts).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return response,
        Err(e) => {
            tracing::warn!(error = %e, "error page: the visitor could not be identified");
            return response;
        }
    };
    let shell = match super::shell::for_request(
        &state,
        Some(&ctx),
        &facts.title,
        &m.path,
        Vec::new(),
    )
    .await
    {
        Ok(shell) => shell,
        Err(e) => {
            tracing::warn!(error = %e, "error page: the shell could not be built");
            return response;
        }
    };
    match facts.page(shell).render() {
        Ok(body) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        Err(_) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn htmx_meta() -> RequestMeta {
        RequestMeta {
            request_id: "rid".into(),
            wants_html: true,
            is_htmx: true,
            ..RequestMeta::default()
        }
    }

    fn trigger(response: &Response) -> serde_json::Value {
        let raw = response.headers()["hx-trigger"]
            .to_str()
            .unwrap_or_default();
        serde_json::from_str(raw).unwrap_or_default()
    }

    #[test]
    fn htmx_errors_are_toasts_of_every_status() {
        for (error, status) in [
            (Error::forbidden("Your role does not allow this"), 403),
            (Error::NotFound, 404),
            (Error::validation("name", "Name is required"), 422),
            (
                Error::TooManyRequests {
                    retry_after_secs: 90,
                },
                429,
            ),
            (Error::internal("password=hunter2 in the pool"), 500),
        ] {
            let response = render(&error, &htmx_meta());
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(response.headers()["hx-reswap"], "none", "{status}");
            let toast = &trigger(&response)["gd:toast"];
            assert_eq!(toast["kind"], "error", "{status}");
            assert!(!toast["message"].as_str().unwrap_or_default().is_empty());
            assert!(!toast.to_string().contains("hunter2"), "{status}: {toast}");
            assert!(response.extensions().get::<ErrorFacts>().is_none());
        }
    }

    #[test]
    fn pages_say_not_found_once() {
        let meta = RequestMeta {
            wants_html: true,
            ..RequestMeta::default()
        };
        let response = render(&Error::NotFound, &meta);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let facts = response.extensions().get::<ErrorFacts>().cloned();
        let facts = facts.unwrap_or_else(|| panic!("facts for the signed-in shell"));
        assert_eq!(facts.title, "Not found");
        assert!(!facts.detail.to_lowercase().contains("not found"));
    }
}
