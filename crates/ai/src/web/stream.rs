//! AI-written text as server-sent events. Pages get HTML: `token` events carry escaped text to
//! append (never markup the model wrote), `done` the finished text's fragment. The API gets
//! JSON: `text` events `{"text": …}`, then `done` with the generation.

use std::convert::Infallible;

use askama::Template;
use axum::{
    http::HeaderValue,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::StreamExt;
use platform::{AppState, Result, Scope};
use uuid::Uuid;

use crate::{
    generation::{self, Generation, Update},
    model::generation as row,
};

/// The finished (or failed) text as a page fragment, marked AI-written.
#[derive(Template)]
#[template(path = "ai/_generation.html")]
pub struct GenerationView {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub output: String,
    pub error: String,
    pub model: String,
    pub when: String,
    pub next_path: String,
}

impl GenerationView {
    pub fn of(g: &row::Model) -> Self {
        let (status, error) = generation::effective_status(g);
        GenerationView {
            id: g.id.to_string(),
            title: g.title.clone(),
            status,
            output: g.output.clone(),
            error: error.unwrap_or_default(),
            model: g.model.clone(),
            when: platform::web::forms::fmt_time(&g.finished_at.unwrap_or(g.created_at)),
            next_path: g.next_path.clone().unwrap_or_default(),
        }
    }
}

/// The fragment a page shows while the text is written: it connects to the events and
/// appends the text as it comes, then swaps in the finished fragment.
#[derive(Template)]
#[template(path = "ai/_stream.html")]
pub struct StreamView {
    pub id: String,
    pub title: String,
    pub model: String,
}

impl StreamView {
    pub fn of(g: &row::Model) -> Self {
        StreamView {
            id: g.id.to_string(),
            title: g.title.clone(),
            model: g.model.clone(),
        }
    }
}

/// What a page shows for a generation: the stream while running, the text when finished.
pub fn fragment(g: &row::Model) -> Result<String> {
    Ok(if generation::is_finished(g) {
        GenerationView::of(g).render().map_err(render_error)?
    } else {
        StreamView::of(g).render().map_err(render_error)?
    })
}

fn render_error(e: askama::Error) -> platform::Error {
    platform::Error::Internal(format!("render: {e}"))
}

/// The same fragment as an htmx answer.
pub fn fragment_response(g: &row::Model) -> Result<Response> {
    Ok(axum::response::Html(fragment(g)?).into_response())
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn sse(events: impl futures::Stream<Item = Event> + Send + 'static) -> Response {
    let mut response = Sse::new(events.map(Ok::<_, Infallible>))
        .keep_alive(KeepAlive::default())
        .into_response();
    // Reverse proxies (nginx) must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The events of a page.
pub async fn page_events(state: &AppState, scope: &Scope, id: Uuid) -> Result<Response> {
    let updates = generation::follow(state, scope, id).await?;
    Ok(sse(updates.map(|u| match u {
        Update::Text(t) => Event::default().event("token").data(escape(&t)),
        Update::Finished(g) => {
            let html = GenerationView::of(&g)
                .render()
                .unwrap_or_else(|_| "<p>The text could not be shown; reload the page.</p>".into());
            Event::default().event("done").data(html)
        }
    })))
}

/// The events of the API.
pub async fn api_events(state: &AppState, scope: &Scope, id: Uuid) -> Result<Response> {
    let updates = generation::follow(state, scope, id).await?;
    Ok(sse(updates.map(|u| match u {
        Update::Text(t) => Event::default()
            .event("text")
            .data(serde_json::json!({ "text": t }).to_string()),
        Update::Finished(g) => Event::default().event("done").data(
            serde_json::to_string(&Generation::from(g.as_ref())).unwrap_or_else(|_| "{}".into()),
        ),
    })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn model_text_is_escaped_never_markup() {
        assert_eq!(
            super::escape("<img src=x onerror=alert(1)> & \"q\""),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;"
        );
    }
}
