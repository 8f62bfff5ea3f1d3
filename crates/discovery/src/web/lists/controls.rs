//! The controls of one creator: a favourite star and "Add to list" (the lists the caller may
//! add to, each one click). The search page loads them into each result with htmx
//! (`GET /discover/lists/controls?profile=…`, hx-trigger `load`), and any page showing a
//! creator can do the same; each action answers the controls again, changed, so the page
//! never reloads. Failures answer a toast (htmx) or go back with a flash.

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    http::extract::{Form, Path, Query},
    web::{
        forms::{action_failed, html, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::FlashKind,
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{model::creator, service::lists as service};

/// The controls and the star (every plan).
pub fn open_routes(r: PageRoutes) -> PageRoutes {
    r.route("/discover/lists/controls", get(controls))
        .route("/discover/favourites/toggle", post(toggle))
}

/// Adding to a list (the plan's team tools: the caller gates it).
pub fn routes(r: PageRoutes) -> PageRoutes {
    r.route("/discover/lists/{id}/add", post(add))
}

pub struct ListChoice {
    pub id: Uuid,
    pub name: String,
    /// Already holds the creator.
    pub on: bool,
}

#[derive(Template)]
#[template(path = "discovery/lists/_controls.html")]
pub struct Controls {
    pub profile: Uuid,
    pub username: String,
    pub starred: bool,
    /// The plan includes lists (otherwise the menu says which plans do).
    pub lists_in_plan: bool,
    pub lists: Vec<ListChoice>,
}

async fn controls_of(state: &AppState, ctx: &Ctx, c: &creator::Model) -> Result<Controls> {
    let starred = !service::favourite_set(state, ctx, &[c.profile_id])
        .await?
        .is_empty();
    let lists_in_plan = crate::service::plan::included(state, &platform::Scope::of(ctx)?).await?;
    let lists = list_choices(state, ctx, c.profile_id, lists_in_plan).await?;
    Ok(Controls {
        profile: c.profile_id,
        username: c.username.clone(),
        starred,
        lists_in_plan,
        lists,
    })
}

/// The lists the caller may add `profile` to, each saying whether it holds it already; none
/// when `offered` is false (the plan has no lists, or the caller cannot change anything).
pub(super) async fn list_choices(
    state: &AppState,
    ctx: &Ctx,
    profile: Uuid,
    offered: bool,
) -> Result<Vec<ListChoice>> {
    if !offered {
        return Ok(Vec::new());
    }
    Ok(service::editable_lists(state, ctx, profile)
        .await?
        .into_iter()
        .map(|(l, on)| ListChoice {
            id: l.id,
            name: l.name,
            on,
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Which {
    /// The creator's profile id.
    profile: String,
}

async fn controls(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(which): Query<Which>,
    jar: CookieJar,
) -> Result<Response> {
    // Nothing to offer someone who cannot change anything, or for a creator the index lost
    // since the search: an empty spot, not an error on every card.
    if !ctx.can(Permission::WorkspaceWrite) {
        return Ok(().into_response());
    }
    let Ok(profile) = parse_id(&which.profile) else {
        return Ok(().into_response());
    };
    let Some(c) = service::creators_by_id(&state.db, &[profile])
        .await?
        .remove(&profile)
    else {
        return Ok(().into_response());
    };
    Ok(html(jar, &controls_of(&state, &ctx, &c).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Toggle {
    profile: String,
    /// `1` to star, anything else to un-star.
    on: String,
}

async fn toggle(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<Toggle>,
) -> Result<Response> {
    let back = super::pages::FAVOURITES;
    let done = async {
        let profile = parse_id(&form.profile)?;
        if form.on == "1" {
            Ok(service::favourite(&state, &ctx, profile).await?.1)
        } else {
            service::unfavourite(&state, &ctx, profile).await?;
            crate::service::lists::creators_by_id(&state.db, &[profile])
                .await?
                .remove(&profile)
                .ok_or(platform::Error::NotFound)
        }
    }
    .await;
    answer(&state, &ctx, jar, done, back, "Favourites updated.").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddOne {
    profile: String,
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<AddOne>,
) -> Result<Response> {
    let done = async {
        let id = parse_id(&id)?;
        let profile = parse_id(&form.profile)?;
        let added = service::add(&state, &ctx, id, &[profile]).await?;
        added
            .added
            .into_iter()
            .chain(added.already)
            .next()
            .ok_or(platform::Error::NotFound)
    }
    .await;
    answer(
        &state,
        &ctx,
        jar,
        done,
        super::pages::LISTS,
        "Added to the list.",
    )
    .await
}

/// The controls again (htmx), or back with a flash (a plain form post).
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    done: Result<creator::Model>,
    back: &str,
    said: &str,
) -> Result<Response> {
    match done {
        Ok(c) if platform::http::meta::current().is_htmx => {
            Ok(html(jar, &controls_of(state, ctx, &c).await?))
        }
        Ok(_) => Ok(redirect_flash(jar, FlashKind::Success, said, back)),
        Err(e) => action_failed(jar, e, back),
    }
}
