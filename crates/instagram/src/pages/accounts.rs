//! `/instagram`: the workspace's accounts as cards (avatar, followers, follows, posts, source,
//! connection state, last refresh, refresh button with live progress), "connect with
//! Instagram", "add by username", and the tracked public profiles.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::{extract::Form, meta},
    web::{
        flash,
        forms::{Answer, FormErrors, action_failed, after_action, html_with, parse_id},
        shell::{self, Shell},
    },
};
use serde::Deserialize;

use super::format::{count, source_label, when};
use crate::{
    media::{self, MediaPaths},
    service::{
        accounts::{self, AccountCard, RefreshRequest},
        tracked,
    },
    source::{Username, username::MAX_LEN},
};

const PATH: &str = "/instagram";

pub struct Card {
    pub id: String,
    pub username: String,
    pub initial: String,
    /// `/media/{id}` of the profile picture (never the CDN URL); empty: none.
    pub picture: String,
    pub full_name: String,
    pub followers: String,
    pub follows: String,
    pub posts: String,
    pub source_label: &'static str,
    pub demo: bool,
    pub kind: String,
    pub status: String,
    pub fetched: String,
    pub last_refresh: String,
    pub error: String,
}

impl Card {
    pub fn new(c: &AccountCard, media: &MediaPaths) -> Self {
        let p = &c.profile;
        Card {
            picture: media.get(p.picture_url.as_deref()).unwrap_or_default(),
            id: c.account.id.to_string(),
            initial: p
                .username
                .chars()
                .next()
                .unwrap_or('?')
                .to_uppercase()
                .to_string(),
            username: p.username.clone(),
            full_name: p.full_name.clone().unwrap_or_default(),
            followers: count(p.followers_count),
            follows: count(p.follows_count),
            posts: count(p.media_count),
            source_label: source_label(&p.source),
            demo: p.pool == "demo",
            kind: c.account.kind.clone(),
            status: c.account.status.clone(),
            fetched: when(p.fetched_at.as_ref()),
            last_refresh: when(p.last_refresh_at.as_ref()),
            error: p.last_refresh_error.clone().unwrap_or_default(),
        }
    }
}

pub struct TrackedRow {
    pub id: String,
    pub username: String,
    pub followers: String,
    pub posts: String,
    pub source_label: &'static str,
    pub demo: bool,
    pub fetched: String,
    pub note: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "instagram/accounts.html")]
struct OverviewPage {
    shell: Shell,
    cards: Vec<Card>,
    tracked: Vec<TrackedRow>,
    can_write: bool,
    live_data: bool,
    /// Why "connect with Instagram" cannot work yet (no Meta app configured); empty: it can.
    connect_missing: String,
    add_errors: FormErrors,
    add_username: String,
    /// Real data was asked for without a live source: why, and the username to offer as demo.
    add_refused: Refused,
    track_errors: FormErrors,
    track_username: String,
    track_note: String,
    track_refused: Refused,
    username_max: usize,
    note_max: usize,
}

/// A refusal of real data for a username (no live source): the message, and the username
/// the page offers to add as demo data instead. Empty: no refusal.
#[derive(Default)]
struct Refused {
    message: String,
    username: String,
}

impl Refused {
    fn is_empty(&self) -> bool {
        self.message.is_empty()
    }
}

#[derive(Default)]
struct Typed {
    add: (String, FormErrors),
    add_refused: Refused,
    track: (String, String, FormErrors),
    track_refused: Refused,
}

/// Splits the refusal of real data (answered with the offer to use demo data) from the
/// errors a form shows inline.
fn refusal_or_errors(error: Error, typed: &str) -> Result<(Refused, FormErrors)> {
    match error {
        Error::NotConfigured { message, .. } => Ok((
            Refused {
                message,
                username: Username::parse(typed)
                    .map(|u| u.to_string())
                    .unwrap_or_else(|_| typed.to_string()),
            },
            // The request was fine; the server lacks a source: 409, and no form error (the
            // refusal is its own notice, with the demo offer).
            FormErrors {
                answer: Answer::status(StatusCode::CONFLICT),
                ..FormErrors::default()
            },
        )),
        other => Ok((Refused::default(), FormErrors::from_error(other)?)),
    }
}

async fn render(state: &AppState, ctx: &Ctx, jar: CookieJar, typed: Typed) -> Result<Response> {
    let cards = accounts::list(state, ctx).await?;
    let tracked = tracked::list(state, ctx).await?;
    let media = media::proxied_all(
        &state.db,
        &state.config,
        cards
            .iter()
            .filter_map(|c| c.profile.picture_url.as_deref()),
    )
    .await?;
    let (jar, flashes) = flash::take(jar);
    let answer = if !typed.add_refused.is_empty() || !typed.add.1.messages.is_empty() {
        typed.add.1.answer
    } else {
        typed.track.2.answer
    };
    let page = OverviewPage {
        shell: shell::for_request(state, Some(ctx), "Instagram accounts", PATH, flashes).await?,
        cards: cards.iter().map(|c| Card::new(c, &media)).collect(),
        tracked: tracked
            .into_iter()
            .map(|t| TrackedRow {
                id: t.tracked.id.to_string(),
                followers: count(t.profile.followers_count),
                posts: count(t.profile.media_count),
                source_label: source_label(&t.profile.source),
                demo: t.profile.pool == "demo",
                fetched: when(t.profile.fetched_at.as_ref()),
                note: t.tracked.note.unwrap_or_default(),
                error: t.profile.last_refresh_error.unwrap_or_default(),
                username: t.profile.username,
            })
            .collect(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        live_data: crate::source::live_public_data(state).await,
        // The customer's words, not what to configure (staff read that on the settings page).
        connect_missing: crate::service::connect::availability(state)
            .await
            .err()
            .map(|_| super::connect::NOT_SET_UP.to_string())
            .unwrap_or_default(),
        add_username: typed.add.0,
        add_errors: typed.add.1,
        add_refused: typed.add_refused,
        track_username: typed.track.0,
        track_note: typed.track.1,
        track_errors: typed.track.2,
        track_refused: typed.track_refused,
        username_max: MAX_LEN,
        note_max: tracked::NOTE_MAX,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    render(&state, &ctx, jar, Typed::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    username: String,
    /// "on" when the demo box is ticked.
    demo: Option<String>,
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<AddForm>,
) -> Result<Response> {
    let as_demo = form.demo.is_some();
    match accounts::add_by_username(&state, &ctx, &form.username, as_demo).await {
        Ok(card) => after_action(jar, PATH, Ok(card), |c| {
            let what = if c.account.kind == accounts::Kind::Demo.as_str() {
                "its demo data is being generated"
            } else {
                "its data is being fetched"
            };
            format!("@{} is added; {what}.", c.profile.username)
        }),
        Err(e) => {
            let (refused, errors) = refusal_or_errors(e, &form.username)?;
            render(
                &state,
                &ctx,
                jar,
                Typed {
                    add: (form.username, errors),
                    add_refused: refused,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "instagram/_refresh_started.html")]
struct RefreshStarted {
    job_id: String,
    username: String,
}

#[derive(Template)]
#[template(
    source = "<p class=\"hint refresh-refused\" role=\"status\">{{ message }}</p>",
    ext = "html"
)]
struct RefreshRefused {
    message: String,
}

pub async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = accounts::request_refresh(&state, &ctx, id).await;
    if meta::current().is_htmx {
        // htmx swaps the answer into the button's place: a progress bar, or a line saying
        // one is on its way. A refusal (too soon, not allowed) is an error: platform answers
        // htmx with its status and a toast, and nothing is swapped.
        let message = match outcome {
            Ok(RefreshRequest::Queued(job)) => {
                let card = accounts::find_in(&state, &ctx, id).await?;
                return Ok(platform::web::render(&RefreshStarted {
                    job_id: job.to_string(),
                    username: card.profile.username,
                }));
            }
            Ok(RefreshRequest::AlreadyQueued) => "A refresh is already on its way.".to_string(),
            Err(e) => return Err(e),
        };
        return Ok(platform::web::render(&RefreshRefused { message }));
    }
    let back = format!("/instagram/accounts/{id}");
    match outcome {
        Ok(RefreshRequest::Queued(_)) => {
            after_action(jar, &back, Ok(()), |_| "Refresh started.".into())
        }
        Ok(RefreshRequest::AlreadyQueued) => after_action(jar, &back, Ok(()), |_| {
            "A refresh is already on its way.".into()
        }),
        Err(e) => action_failed(jar, e, &back),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let outcome = accounts::remove(&state, &ctx, parse_id(&id)?).await;
    after_action(jar, PATH, outcome, |_| {
        "The account is removed from this workspace.".into()
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    username: String,
    note: String,
    /// "on" when demo data is asked for (the offer after a refusal).
    demo: Option<String>,
}

pub async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TrackForm>,
) -> Result<Response> {
    let as_demo = form.demo.is_some();
    match tracked::track(&state, &ctx, &form.username, &form.note, as_demo).await {
        Ok(t) => after_action(jar, PATH, Ok(t), |t| {
            format!("Now tracking @{}.", t.profile.username)
        }),
        Err(e) => {
            let (refused, errors) = refusal_or_errors(e, &form.username)?;
            render(
                &state,
                &ctx,
                jar,
                Typed {
                    track: (form.username, form.note, errors),
                    track_refused: refused,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

pub async fn untrack(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let outcome = tracked::untrack(&state, &ctx, parse_id(&id)?).await;
    after_action(jar, PATH, outcome, |_| "No longer tracked.".into())
}
