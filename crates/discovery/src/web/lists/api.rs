//! The JSON API of favourites and lists (`/api/v1/discovery/favourites…`,
//! `/api/v1/discovery/lists…`, `/api/v1/discovery/list-templates…`). Another workspace's list,
//! entry, collaborator or template is not found; a list the caller sees but may not change
//! answers 403 (see `service::lists` for who may do what). Creators are named by their
//! profile id in the shared pool (`profile_id` of a search result); favourites name it
//! `{profile}` in their path because a profile is no row of a workspace.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::web::export_doc::{ExportFile, ExportRows};

use crate::model::{
    creator,
    lists::{activity, collaborator, list, template},
};
use crate::service::lists::{self as service, Access, ListChange, NewList};
use crate::web::api::{DiscoveryCreatorCard, card, pictures};

/// Favourites (open to every plan) and lists (the plan's team tools, gated as a group).
pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_favourites))
        .routes(routes!(add_favourite, remove_favourite))
        .merge(lists_router().requires_feature(crate::service::plan::FEATURE))
}

fn lists_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_lists, create_list))
        .routes(routes!(get_list, update_list, delete_list))
        .routes(routes!(list_entries, add_entries))
        .routes(routes!(add_usernames))
        .routes(routes!(update_entry, remove_entry))
        .routes(routes!(list_collaborators))
        .routes(routes!(share_list, unshare_list))
        .routes(routes!(list_activity))
        .routes(routes!(export_list))
        .routes(routes!(save_template))
        .routes(routes!(list_templates))
        .routes(routes!(delete_template))
}

async fn cards(
    state: &AppState,
    creators: &[&creator::Model],
) -> Result<Vec<DiscoveryCreatorCard>> {
    let pics = pictures(state, creators).await?;
    Ok(creators.iter().map(|c| card(c, &pics)).collect())
}

// ---- favourites -----------------------------------------------------------------------------

/// A creator the caller starred.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryFavourite {
    pub creator: DiscoveryCreatorCard,
    pub starred_at: DateTime<Utc>,
}

/// The caller's favourites, newest first (only the caller sees them).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryFavourites {
    pub favourites: Vec<DiscoveryFavourite>,
}

/// The caller's favourite creators in this workspace, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/favourites", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = DiscoveryFavourites), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_favourites(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoveryFavourites>> {
    let rows = service::favourites(&state, &ctx).await?;
    let shown: Vec<&creator::Model> = rows.iter().map(|(_, c)| c).collect();
    let cards = cards(&state, &shown).await?;
    Ok(Json(DiscoveryFavourites {
        favourites: rows
            .iter()
            .zip(cards)
            .map(|((f, _), creator)| DiscoveryFavourite {
                creator,
                starred_at: f.created_at,
            })
            .collect(),
    }))
}

/// Star a creator (201 when newly starred, 200 when it already was).
#[utoipa::path(put, path = "/api/v1/discovery/favourites/{profile}", tag = "discovery", security(("bearer" = [])),
    params(("profile" = Uuid, Path, description = "The creator's profile id (from a search result)")),
    responses((status = 201, body = DiscoveryCreatorCard), (status = 200, body = DiscoveryCreatorCard),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn add_favourite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile): Path<String>,
) -> Result<Response> {
    let (new, c) = service::favourite(&state, &ctx, parse_id(&profile)?).await?;
    let mut shown = cards(&state, &[&c]).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(shown.remove(0))).into_response())
}

/// Un-star a creator (204 whether or not it was starred).
#[utoipa::path(delete, path = "/api/v1/discovery/favourites/{profile}", tag = "discovery", security(("bearer" = [])),
    params(("profile" = Uuid, Path, description = "The creator's profile id")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn remove_favourite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(profile): Path<String>,
) -> Result<StatusCode> {
    service::unfavourite(&state, &ctx, parse_id(&profile)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- lists ----------------------------------------------------------------------------------

/// A team's list of creators.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryList {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// `workspace` (every member may read it) or `private` (its creator, the workspace's
    /// owners and admins, and its collaborators).
    pub visibility: String,
    /// The tags its creators are meant to carry.
    pub tag_scheme: Vec<String>,
    /// Who created it (it manages the list).
    pub owner_id: Uuid,
    /// How many creators it holds.
    pub creators: i32,
    /// What the caller may do: `view`, `edit` or `manage`.
    pub your_access: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn list_out(l: &list::Model, access: Access) -> DiscoveryList {
    DiscoveryList {
        id: l.id,
        name: l.name.clone(),
        description: l.description.clone(),
        visibility: l.visibility.clone(),
        tag_scheme: service::tags(&l.tag_scheme),
        owner_id: l.owner_id,
        creators: l.entry_count,
        your_access: access.as_str().into(),
        created_at: l.created_at,
        updated_at: l.updated_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryLists {
    pub lists: Vec<DiscoveryList>,
}

/// A new list. From a template, the template's description and tag scheme are used unless
/// given here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryNewList {
    /// Up to 80 characters, unique in the workspace (any case).
    pub name: String,
    /// Up to 1,000 characters.
    pub description: Option<String>,
    /// `workspace` (default) or `private`.
    pub visibility: Option<String>,
    /// Up to 10 tags of up to 40 characters.
    pub tag_scheme: Option<Vec<String>>,
    pub template_id: Option<Uuid>,
}

/// What to change; fields left out stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryListChange {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Only who manages the list may change it.
    pub visibility: Option<String>,
    pub tag_scheme: Option<Vec<String>>,
}

/// The lists of the workspace the caller may see, by name.
#[utoipa::path(get, path = "/api/v1/discovery/lists", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = DiscoveryLists), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_lists(State(state): State<AppState>, ctx: Ctx) -> Result<Json<DiscoveryLists>> {
    let all = service::lists(&state, &ctx).await?;
    Ok(Json(DiscoveryLists {
        lists: all.iter().map(|s| list_out(&s.list, s.access)).collect(),
    }))
}

/// Create a list (409 when the workspace has 100 already).
#[utoipa::path(post, path = "/api/v1/discovery/lists", tag = "discovery", security(("bearer" = [])),
    request_body = DiscoveryNewList,
    responses((status = 201, body = DiscoveryList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<DiscoveryNewList>,
) -> Result<Response> {
    let l = service::create(
        &state,
        &ctx,
        NewList {
            name: body.name,
            description: body.description,
            visibility: body.visibility,
            tag_scheme: body.tag_scheme,
            template_id: body.template_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(list_out(&l, Access::Manage))).into_response())
}

/// A list.
#[utoipa::path(get, path = "/api/v1/discovery/lists/{id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryList>> {
    let (l, access) = service::find_in(&state.db, &ctx, parse_id(&id)?).await?;
    Ok(Json(list_out(&l, access)))
}

/// Rename or describe a list, change its tag scheme (edit access) or its visibility (manage).
#[utoipa::path(patch, path = "/api/v1/discovery/lists/{id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DiscoveryListChange,
    responses((status = 200, body = DiscoveryList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryListChange>,
) -> Result<Json<DiscoveryList>> {
    let id = parse_id(&id)?;
    service::update(
        &state,
        &ctx,
        id,
        ListChange {
            name: body.name,
            description: body.description,
            visibility: body.visibility,
            tag_scheme: body.tag_scheme,
        },
    )
    .await?;
    let (l, access) = service::find_in(&state.db, &ctx, id).await?;
    Ok(Json(list_out(&l, access)))
}

/// Delete a list with its creators, collaborators and activity (manage access).
#[utoipa::path(delete, path = "/api/v1/discovery/lists/{id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn delete_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- entries --------------------------------------------------------------------------------

/// A creator on a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListEntry {
    pub profile_id: Uuid,
    /// The creator's public card; `null` when the profile has left the creator index.
    pub creator: Option<DiscoveryCreatorCard>,
    pub note: String,
    pub tags: Vec<String>,
    pub added_by: Option<Uuid>,
    pub added_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of a list's creators, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListEntries {
    pub list: DiscoveryList,
    pub entries: Vec<DiscoveryListEntry>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryListEntriesParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// A list's creators, a page at a time.
#[utoipa::path(get, path = "/api/v1/discovery/lists/{id}/entries", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), DiscoveryListEntriesParams),
    responses((status = 200, body = DiscoveryListEntries), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_entries(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<DiscoveryListEntriesParams>,
) -> Result<Json<DiscoveryListEntries>> {
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(platform::Error::validation(
            "limit",
            "must be between 1 and 500",
        ));
    }
    let (l, access, rows, next) =
        service::entries(&state, &ctx, parse_id(&id)?, p.cursor, limit).await?;
    let shown: Vec<&creator::Model> = rows.iter().filter_map(|e| e.creator.as_ref()).collect();
    let pics = pictures(&state, &shown).await?;
    Ok(Json(DiscoveryListEntries {
        list: list_out(&l, access),
        entries: rows
            .iter()
            .map(|e| DiscoveryListEntry {
                profile_id: e.entry.profile_id,
                creator: e.creator.as_ref().map(|c| card(c, &pics)),
                note: e.entry.note.clone(),
                tags: service::tags(&e.entry.tags),
                added_by: e.entry.added_by,
                added_at: e.entry.added_at,
                updated_at: e.entry.updated_at,
            })
            .collect(),
        next_cursor: next,
    }))
}

/// Creators to add, by profile id (up to 500 at once).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryAddEntries {
    pub profile_ids: Vec<Uuid>,
}

/// What adding did: each profile asked for is in exactly one of the three.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryAddedEntries {
    pub added: Vec<Uuid>,
    /// Already on the list (left as they were).
    pub already: Vec<Uuid>,
    /// Not in the creator index.
    pub not_found: Vec<Uuid>,
}

/// Add creators to a list by profile id (409 beyond 5,000 creators on the list).
#[utoipa::path(post, path = "/api/v1/discovery/lists/{id}/entries", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DiscoveryAddEntries,
    responses((status = 200, body = DiscoveryAddedEntries), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn add_entries(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryAddEntries>,
) -> Result<Json<DiscoveryAddedEntries>> {
    let done = service::add(&state, &ctx, parse_id(&id)?, &body.profile_ids).await?;
    Ok(Json(DiscoveryAddedEntries {
        added: done.added.iter().map(|c| c.profile_id).collect(),
        already: done.already.iter().map(|c| c.profile_id).collect(),
        not_found: done.not_found,
    }))
}

/// Usernames to add: one per line, or a CSV (a `username` column if its first line names
/// one, else every cell); `@name` and profile links are read too.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryAddUsernames {
    /// Up to 5,000 usernames (400,000 characters).
    pub text: String,
}

/// What adding usernames did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryAddedUsernames {
    pub added: Vec<String>,
    /// Already on the list.
    pub already: Vec<String>,
    /// Not in the creator index (fetch them through search first).
    pub not_found: Vec<String>,
    /// Cells that are no Instagram username.
    pub invalid: Vec<String>,
}

/// Add creators to a list by username (pasted text or a CSV's content).
#[utoipa::path(post, path = "/api/v1/discovery/lists/{id}/entries/usernames", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DiscoveryAddUsernames,
    responses((status = 200, body = DiscoveryAddedUsernames), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn add_usernames(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryAddUsernames>,
) -> Result<Json<DiscoveryAddedUsernames>> {
    let done = service::add_usernames(&state, &ctx, parse_id(&id)?, &body.text).await?;
    Ok(Json(DiscoveryAddedUsernames {
        added: done.added,
        already: done.already,
        not_found: done.not_found,
        invalid: done.invalid,
    }))
}

/// The note and tags of a creator on a list; fields left out stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryEntryChange {
    /// Up to 2,000 characters; empty clears it.
    pub note: Option<String>,
    /// Up to 10 tags of up to 40 characters; empty clears them.
    pub tags: Option<Vec<String>>,
}

/// The note and tags of a creator on a list (as changed).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryEntryNote {
    pub profile_id: Uuid,
    pub note: String,
    pub tags: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

/// Write the note or tags of a creator on a list.
#[utoipa::path(patch, path = "/api/v1/discovery/lists/{id}/entries/{profile_id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)), request_body = DiscoveryEntryChange,
    responses((status = 200, body = DiscoveryEntryNote), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    Json(body): Json<DiscoveryEntryChange>,
) -> Result<Json<DiscoveryEntryNote>> {
    let e = service::annotate(
        &state,
        &ctx,
        parse_id(&id)?,
        parse_id(&profile_id)?,
        body.note,
        body.tags,
    )
    .await?;
    Ok(Json(DiscoveryEntryNote {
        profile_id: e.profile_id,
        note: e.note,
        tags: service::tags(&e.tags),
        updated_at: e.updated_at,
    }))
}

/// Take a creator off a list.
#[utoipa::path(delete, path = "/api/v1/discovery/lists/{id}/entries/{profile_id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn remove_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::remove(&state, &ctx, parse_id(&id)?, parse_id(&profile_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- collaborators --------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListCollaborator {
    pub user_id: Uuid,
    pub email: Option<String>,
    /// `view` or `edit`.
    pub access: String,
    pub added_at: DateTime<Utc>,
}

fn collaborator_out(c: &collaborator::Model, email: Option<String>) -> DiscoveryListCollaborator {
    DiscoveryListCollaborator {
        user_id: c.user_id,
        email,
        access: c.access.clone(),
        added_at: c.added_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListCollaborators {
    pub collaborators: Vec<DiscoveryListCollaborator>,
}

/// A list's collaborators.
#[utoipa::path(get, path = "/api/v1/discovery/lists/{id}/collaborators", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryListCollaborators), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_collaborators(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryListCollaborators>> {
    let rows = service::collaborators(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(DiscoveryListCollaborators {
        collaborators: rows
            .into_iter()
            .map(|c| collaborator_out(&c.row, c.email))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryListShare {
    /// `view` or `edit`.
    pub access: String,
}

/// Give a member of the workspace `view` or `edit` on a list (manage access).
#[utoipa::path(put, path = "/api/v1/discovery/lists/{id}/collaborators/{user_id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)), request_body = DiscoveryListShare,
    responses((status = 200, body = DiscoveryListCollaborator), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn share_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
    Json(body): Json<DiscoveryListShare>,
) -> Result<Json<DiscoveryListCollaborator>> {
    let user_id = parse_id(&user_id)?;
    let row = service::share(&state, &ctx, parse_id(&id)?, user_id, &body.access).await?;
    let email = state
        .directory
        .user_emails(&state, vec![user_id])
        .await?
        .remove(&user_id);
    Ok(Json(collaborator_out(&row, email)))
}

/// Take a collaborator's access away (manage access).
#[utoipa::path(delete, path = "/api/v1/discovery/lists/{id}/collaborators/{user_id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn unshare_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::unshare(&state, &ctx, parse_id(&id)?, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- activity -------------------------------------------------------------------------------

/// One thing that happened to a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListEvent {
    pub actor_id: Option<Uuid>,
    /// The actor's name at the time.
    pub actor: String,
    /// `created`, `renamed`, `described`, `visibility`, `added`, `removed`, `noted`,
    /// `tagged`, `shared`, `unshared` or `templated`.
    pub action: String,
    pub detail: String,
    pub at: DateTime<Utc>,
}

fn event_out(a: &activity::Model) -> DiscoveryListEvent {
    DiscoveryListEvent {
        actor_id: a.actor_id,
        actor: a.actor_label.clone(),
        action: a.action.clone(),
        detail: a.detail.clone(),
        at: a.at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListActivity {
    /// Newest first, up to 200.
    pub activity: Vec<DiscoveryListEvent>,
}

/// Who did what to a list, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/lists/{id}/activity", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryListActivity), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryListActivity>> {
    let rows = service::activity(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(DiscoveryListActivity {
        activity: rows.iter().map(event_out).collect(),
    }))
}

// ---- templates ------------------------------------------------------------------------------

/// A starting point for new lists: a description and a tag scheme, no creators.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListTemplate {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub tag_scheme: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

fn template_out(t: &template::Model) -> DiscoveryListTemplate {
    DiscoveryListTemplate {
        id: t.id,
        name: t.name.clone(),
        description: t.description.clone(),
        tag_scheme: service::tags(&t.tag_scheme),
        created_by: t.created_by,
        created_at: t.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryListTemplates {
    pub templates: Vec<DiscoveryListTemplate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverySaveListTemplate {
    /// The template's name: up to 80 characters, unique in the workspace.
    pub name: String,
}

/// Save a list as a template: its description and tags (its own scheme, then the tags its
/// creators carry), never its creators.
#[utoipa::path(post, path = "/api/v1/discovery/lists/{id}/template", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DiscoverySaveListTemplate,
    responses((status = 201, body = DiscoveryListTemplate), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoverySaveListTemplate>,
) -> Result<Response> {
    let t = service::save_as_template(&state, &ctx, parse_id(&id)?, &body.name).await?;
    Ok((StatusCode::CREATED, Json(template_out(&t))).into_response())
}

/// The workspace's list templates, by name.
#[utoipa::path(get, path = "/api/v1/discovery/list-templates", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = DiscoveryListTemplates), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoveryListTemplates>> {
    let rows = service::templates(&state, &ctx).await?;
    Ok(Json(DiscoveryListTemplates {
        templates: rows.iter().map(template_out).collect(),
    }))
}

/// Delete a list template (lists made from it stay).
#[utoipa::path(delete, path = "/api/v1/discovery/list-templates/{id}", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn delete_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete_template(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- export ---------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryListExportParams {
    /// `csv` (default), `xlsx` or `json`.
    pub format: Option<String>,
}

/// The export format asked for (CSV by default).
pub(crate) fn format_of(raw: Option<&str>) -> Result<crate::service::exports::Format> {
    match raw.map(str::trim) {
        None | Some("") => Ok(crate::service::exports::Format::Csv),
        Some(f) => crate::service::exports::Format::parse(f)
            .ok_or_else(|| platform::Error::validation("format", "csv, xlsx or json")),
    }
}

/// A list's creators with their notes and tags as CSV, XLSX or JSON: a recorded bulk export
/// (it counts toward the plan's exports and may cost credits; a read-only token is refused).
#[utoipa::path(get, path = "/api/v1/discovery/lists/{id}/export", tag = "discovery", security(("bearer" = [])),
    params(("id" = Uuid, Path), DiscoveryListExportParams),
    responses((status = 200, description = "The file", content(
            (ExportFile = "text/csv"),
            (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (ExportRows = "application/json"))), (status = 401, body = Problem),
        (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn export_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<DiscoveryListExportParams>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let format = format_of(p.format.as_deref())?;
    send_export(&state, &ctx, id, format).await
}

/// The list's rows as an export (pages and API alike).
pub(crate) async fn send_export(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    format: crate::service::exports::Format,
) -> Result<Response> {
    let (l, rows) = service::export::rows(state, ctx, id).await?;
    crate::service::exports::send(
        state,
        ctx,
        crate::service::exports::What {
            kind: "list",
            subject: Some(l.id),
            name: l.name.clone(),
        },
        format,
        service::export::COLUMNS.to_vec(),
        rows,
    )
    .await
}
