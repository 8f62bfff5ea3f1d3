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
    let topic = Topic::Workspace(ctx.workspace_id()?);
    let check_state = state.clone();
    let check = move || {
        let state = check_state.clone();
        let parts = parts.clone();
        let fut: futures::future::BoxFuture<'static, Access> = Box::pin(async move {
            match state.auth.authenticate(&state, &parts).await {
                Ok(Some(ctx)) => {
                    if ctx
                        .workspace_id()
                        .is_ok_and(|ws| Topic::Workspace(ws) == topic)
                    {
                        Access::Allowed
                    } else {
                        Access::Denied
                    }
                }
                Ok(None) => Access::Denied,
                Err(e) => Access::Unknown(e.to_string()),
            }
        });
        fut
    };
    Ok(sse_response(
        &state,
        Box::new(move |e| e.topic == topic),
        Box::new(check),
    ))
}

/// What a periodic re-check of a stream's caller found.
pub enum Access {
    Allowed,
    Denied,
    /// The check itself failed (a database hiccup): the stream goes on, the next check decides.
    Unknown(String),
}

/// Which events a stream forwards.
pub type EventFilter = Box<dyn Fn(&Event) -> bool + Send + Sync>;
/// Re-checks the stream's caller every [`RECHECK`].
pub type AccessCheck = Box<dyn Fn() -> futures::future::BoxFuture<'static, Access> + Send + Sync>;

/// An SSE response of the events `filter` lets through, ended at shutdown and when `check`
/// denies the caller. Workspace streams (`/api/v1/events`) and the back office's staff stream
/// are both made here.
pub fn sse_response(state: &AppState, filter: EventFilter, check: AccessCheck) -> Response {
    let live = Live {
        rx: state.events.subscribe(),
        filter,
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK),
        check,
    };
    let events = futures::stream::unfold(live, Live::next).take_until(state.events.closed());
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Reverse proxies (nginx) must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

struct Live {
    rx: broadcast::Receiver<Event>,
    filter: EventFilter,
    recheck: tokio::time::Interval,
    check: AccessCheck,
}

impl Live {
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Self)> {
        loop {
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(event) if (self.filter)(&event) => {
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
                    match (self.check)().await {
                        Access::Allowed => {}
                        Access::Denied => return None,
                        Access::Unknown(e) => {
                            tracing::warn!(error = %e, "live events: could not re-check the caller");
                        }
                    }
                }
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
