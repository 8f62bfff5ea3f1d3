//! One profile in detail — an own account (`/instagram/accounts/{id}`) or a tracked profile
//! (`/instagram/tracked/{id}`, public data only) — over a range of 7, 30, 90 or 365 days
//! (`?days=`, bookmarkable). The figures are also served alone (`…/figures?days=`) for the
//! range picker and for the reload after "Refresh now". Both kinds are reached through the
//! caller's workspace only: another workspace's id is a 404.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::{Path, Query};
use platform::{
    AppState, Ctx, Permission, Result,
    web::{
        flash,
        forms::{Answer, html_with, parse_id},
        shell::{self, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    figures::FiguresView,
    format::{source_label, when},
};
use crate::{
    media,
    service::{
        period::Period,
        subject::Subject,
        views::{self, Detail},
    },
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RangeQuery {
    /// Kept as text: anything but 7, 30, 90 or 365 is answered with an inline message.
    days: Option<String>,
}

/// The page's head: who the profile is, and what can be done with it.
pub struct Head {
    pub id: String,
    pub username: String,
    pub initial: String,
    pub picture: String,
    pub full_name: String,
    pub biography: String,
    pub website: String,
    pub demo: bool,
    pub tracked: bool,
    /// The workspace's note on a tracked profile.
    pub note: String,
    /// "Connected", "Demo account", "Public data".
    pub kind: &'static str,
    pub reconnect: bool,
    pub source_label: &'static str,
    pub fetched: String,
    /// Where "Remove" / "Stop tracking" posts.
    pub remove_action: String,
    /// Other features' pages about this profile (`platform::web::links`).
    pub links: Vec<platform::web::links::Link>,
}

#[derive(Template)]
#[template(path = "instagram/account.html")]
struct DetailPage {
    shell: Shell,
    head: Head,
    f: FiguresView,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "instagram/_figures.html")]
struct FiguresFragment {
    f: FiguresView,
}

async fn head(state: &AppState, subject: &Subject) -> Result<Head> {
    let p = subject.profile();
    let media = media::proxied_all(&state.db, &state.config, p.picture_url.as_deref()).await?;
    let object = if subject.is_tracked() {
        crate::TRACKED_OBJECT
    } else {
        crate::ACCOUNT_OBJECT
    };
    let links = platform::web::links::for_object(&state.object_links, object, subject.id());
    let (kind, reconnect, note, remove_action) = match subject {
        Subject::Account(c) => (
            match c.account.kind.as_str() {
                "instagram_login" => "Connected",
                "demo" => "Demo account",
                _ => "Public data",
            },
            c.account.status == "reconnect_needed",
            String::new(),
            format!("/instagram/accounts/{}/remove", c.account.id),
        ),
        Subject::Tracked(t) => (
            "Tracked · public data",
            false,
            t.tracked.note.clone().unwrap_or_default(),
            format!("/instagram/tracked/{}/remove", t.tracked.id),
        ),
    };
    Ok(Head {
        id: subject.id().to_string(),
        username: p.username.clone(),
        initial: p
            .username
            .chars()
            .next()
            .unwrap_or('?')
            .to_uppercase()
            .to_string(),
        picture: media.get(p.picture_url.as_deref()).unwrap_or_default(),
        full_name: p.full_name.clone().unwrap_or_default(),
        biography: p.biography.clone().unwrap_or_default(),
        website: p.website.clone().unwrap_or_default(),
        demo: p.pool == "demo",
        tracked: subject.is_tracked(),
        note,
        kind,
        reconnect,
        source_label: source_label(&p.source),
        fetched: when(p.fetched_at.as_ref()),
        remove_action,
        links,
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Account,
    Tracked,
}

async fn load(state: &AppState, ctx: &Ctx, kind: Kind, id: Uuid, period: Period) -> Result<Detail> {
    match kind {
        Kind::Account => views::account_detail(state, ctx, id, period).await,
        Kind::Tracked => views::tracked_detail(state, ctx, id, period).await,
    }
}

/// The range asked for, or the default and the message saying why.
fn range(q: &RangeQuery) -> (Period, String) {
    match Period::parse(q.days.as_deref()) {
        Ok(p) => (p, String::new()),
        Err(_) => (Period::DEFAULT, Period::INVALID.to_string()),
    }
}

async fn page(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    q: RangeQuery,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let (period, range_error) = range(&q);
    let d = load(&state, &ctx, kind, id, period).await?;
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let f = FiguresView::build(&state, &d, period, range_error, can_write).await?;
    let head = head(&state, &d.subject).await?;
    let (jar, flashes) = flash::take(jar);
    let answer = if f.range_error.is_empty() {
        Answer::OK
    } else {
        Answer::status(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let title = format!("@{}", head.username);
    let page = DetailPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        head,
        f,
        can_write,
    };
    Ok(html_with(answer, jar, &page))
}

async fn fragment(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    q: RangeQuery,
) -> Result<Response> {
    let id = parse_id(&id)?;
    // The picker only offers valid ranges: anything else is a hand-made address.
    let period = Period::parse(q.days.as_deref())?;
    let d = load(&state, &ctx, kind, id, period).await?;
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let f = FiguresView::build(&state, &d, period, String::new(), can_write).await?;
    Ok(platform::web::render(&FiguresFragment { f }))
}

pub async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Account, id, q, jar).await
}

pub async fn account_figures(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response> {
    fragment(state, ctx, Kind::Account, id, q).await
}

pub async fn tracked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Tracked, id, q, jar).await
}

pub async fn tracked_figures(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response> {
    fragment(state, ctx, Kind::Tracked, id, q).await
}
