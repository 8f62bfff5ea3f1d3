//! `/instagram`: the workspace's accounts as cards (avatar, followers, follows, posts, source,
//! connection state, last refresh, refresh button with live progress), "connect with
//! Instagram", "add by username", and the tracked public profiles.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    http::{extract::Form, meta},
    web::{
        flash,
        forms::{FormErrors, action_failed, after_action, html_with, parse_id},
        shell::Shell,
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
    track_errors: FormErrors,
    track_username: String,
}

#[derive(Default)]
struct Typed {
    add: (String, FormErrors),
    track: (String, FormErrors),
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
    let answer = if typed.add.1.messages.is_empty() {
        typed.track.1.answer
    } else {
        typed.add.1.answer
    };
    let page = OverviewPage {
        shell: identity::pages::shell(state, Some(ctx), "Instagram accounts", PATH, flashes)
            .await?,
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
        track_username: typed.track.0,
        track_errors: typed.track.1,
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
    let outcome = if form.demo.is_some() {
        match ctx
            .require(Permission::WorkspaceWrite)
            .and_then(|_| ctx.workspace_id())
        {
            Ok(ws) => accounts::add_demo(&state, ws, &form.username, Some(&ctx)).await,
            Err(e) => Err(e),
        }
    } else {
        accounts::add_by_username(&state, &ctx, &form.username).await
    };
    match outcome {
        Ok(card) => after_action(jar, PATH, Ok(card), |c| {
            format!(
                "@{} is added; its data is being fetched.",
                c.profile.username
            )
        }),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &state,
                &ctx,
                jar,
                Typed {
                    add: (form.username, errors),
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

pub async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = accounts::request_refresh(&state, &ctx, id).await;
    if meta::current().is_htmx
        && let Ok(RefreshRequest::Queued(job)) = outcome
    {
        let card = accounts::find_in(&state, &ctx, id).await?;
        return Ok(platform::web::render(&RefreshStarted {
            job_id: job.to_string(),
            username: card.profile.username,
        }));
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
}

pub async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TrackForm>,
) -> Result<Response> {
    match tracked::track(&state, &ctx, &form.username, &form.note).await {
        Ok(t) => after_action(jar, PATH, Ok(t), |t| {
            format!("Now tracking @{}.", t.profile.username)
        }),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &state,
                &ctx,
                jar,
                Typed {
                    track: (form.username, errors),
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
