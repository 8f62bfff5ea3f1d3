//! HTML rendering of `Error`: redirect to sign-in, `HX-Redirect` for htmx, or the error page.

use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};

use super::shell::Shell;
use crate::{error::Error, http::meta::RequestMeta};

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub shell: Shell,
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub request_id: String,
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
    let page = ErrorPage {
        shell: Shell {
            title: error.title().into(),
            platform_name: meta.platform_name.to_string(),
            user: None,
            workspaces: Vec::new(),
            nav: Vec::new(),
            flashes: Vec::new(),
            banners: Vec::new(),
            assets: super::assets::assets(),
        },
        status: error.status().as_u16(),
        title: error.title().into(),
        detail: error.detail(),
        request_id: meta.request_id.clone(),
    };
    let body = page
        .render()
        .unwrap_or_else(|_| format!("{} — request id {}", error.title(), meta.request_id));
    let mut response = (error.status(), Html(body)).into_response();
    if let Error::TooManyRequests { retry_after_secs } = error
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}
