//! `GET /api/v1/events` (Server-Sent Events of the caller's workspace) and
//! `POST /api/v1/events/ping` (a connectivity check of the live-update channel).
//!
//! The stream is not cut by the request timeout: `tower::timeout` bounds the time until the
//! response head, and an SSE response's head is sent at once. The compression layer skips
//! `text/event-stream`. Streams end at shutdown ([`super::Events::close`]) and when the
//! caller's credentials stop granting the workspace (checked every [`RECHECK`]).

use std::{convert::Infallible, time::Duration};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, StatusCode, request::Parts},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::{Event, LiveEvent, Topic};
use crate::{Ctx, error::Problem, error::Result, state::AppState};

/// How often an open stream re-checks the caller's session or token (revoked, removed from
/// the workspace, switched workspace: the stream ends and the browser reconnects).
pub const RECHECK: Duration = Duration::from_secs(60);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(stream))
        .route("/api/v1/events/ping", post(ping))
}

/// The OpenAPI description of these routes (merged into the binary's document).
#[derive(utoipa::OpenApi)]
#[openapi(paths(stream, ping), components(schemas(PingAccepted)))]
pub struct EventsApi;

/// Live events of the caller's workspace as `text/event-stream`: each event has `event:` (its
/// kind, e.g. `toast`, `job.finished`, `ping`), `id:` (a UUID) and `data:` (the event as JSON:
/// `{id, topic, kind, data, at}`). A `lagged` event means this client fell behind and missed
/// some events (reload what you show). Comments are sent every 15 s to keep the connection open.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
            description = "Server-Sent Events of the caller's workspace"),
        (status = 401, body = Problem), (status = 404, body = Problem, description = "the caller has no workspace")))]
async fn stream(State(state): State<AppState>, parts: Parts, ctx: Ctx) -> Result<Response> {
    let workspace = ctx.workspace_id()?;
    let live = Live {
        rx: state.events.subscribe(),
        topic: Topic::Workspace(workspace),
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK),
        state: state.clone(),
        parts,
    };
    let events = futures::stream::unfold(live, Live::next).take_until(state.events.closed());
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Reverse proxies (nginx) must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

struct Live {
    rx: broadcast::Receiver<Event>,
    topic: Topic,
    recheck: tokio::time::Interval,
    state: AppState,
    parts: Parts,
}

impl Live {
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Self)> {
        loop {
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(event) if event.topic == self.topic => {
                        return Some((Ok(to_sse(&event)), self));
                    }
                    Ok(_) => {}
                    // Says nothing of how many: the missed events may be other workspaces'.
                    Err(RecvError::Lagged(_)) => {
                        return Some((Ok(SseEvent::default().event("lagged").data("{}")), self));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if !self.still_allowed().await {
                        return None;
                    }
                }
            }
        }
    }

    async fn still_allowed(&self) -> bool {
        match self.state.auth.authenticate(&self.state, &self.parts).await {
            Ok(Some(ctx)) => ctx
                .workspace_id()
                .is_ok_and(|ws| Topic::Workspace(ws) == self.topic),
            Ok(None) => false,
            Err(e) => {
                // A database hiccup does not end the stream; the next check decides.
                tracing::warn!(error = %e, "live events: could not re-check the caller");
                true
            }
        }
    }
}

fn to_sse(event: &Event) -> SseEvent {
    // SSE field values may not contain line breaks (axum panics on them).
    let kind: String = event
        .kind
        .chars()
        .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
        .collect();
    let sse = SseEvent::default().event(kind).id(event.id.to_string());
    match sse.json_data(event) {
        Ok(sse) => sse,
        // Serialising an `Event` does not fail; should it, the client still learns of it.
        Err(_) => SseEvent::default()
            .event("lagged")
            .id(event.id.to_string())
            .data("{}"),
    }
}

/// The `ping` event's data.
#[derive(Serialize)]
struct Ping {
    /// The node that published it.
    node: Uuid,
    by: Uuid,
}

impl LiveEvent for Ping {
    const KIND: &'static str = "ping";
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PingAccepted {
    /// The id of the `ping` event, as streamed by `GET /api/v1/events`.
    pub id: Uuid,
    /// How events reach the other nodes: `local`, `postgres` or `redis`.
    pub transport: String,
}

/// Publishes a `ping` event to the caller's workspace: every open `GET /api/v1/events` stream
/// of that workspace, on every node, should receive it within a second. A connectivity check
/// for the live-update channel (e.g. behind a load balancer with several nodes).
#[utoipa::path(post, path = "/api/v1/events/ping", tag = "events", security(("bearer" = [])),
    responses((status = 202, body = PingAccepted), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "the caller has no workspace")))]
async fn ping(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    let topic = Topic::Workspace(ctx.workspace_id()?);
    let event = Event::typed(
        topic,
        &Ping {
            node: state.events.node_id(),
            by: ctx.user_id(),
        },
    )?;
    let id = event.id;
    state.events.publish(event).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PingAccepted {
            id,
            transport: state.events.transport().into(),
        }),
    )
        .into_response())
}
