//! The shared page shell: layout data, static assets, flash messages, the error page, the
//! answers htmx requests get, and the builder features route their pages with.

pub mod assets;
pub mod charts;
pub mod csv_export;
pub mod error_page;
pub mod flash;
pub mod format;
pub mod forms;
pub mod htmx;
pub mod icons;
pub mod links;
pub mod pages;
pub mod shell;

pub use pages::PageRoutes;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::error::Error;

/// Renders an askama template into an HTML response (a template error is an internal error).
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => Error::internal(format!("template: {e}")).into_response(),
    }
}
