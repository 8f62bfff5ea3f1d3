//! Favourites and lists (issue 17): creators a person stars, and lists of creators the team
//! builds together, with a note and tags per creator, collaborators, templates and an activity
//! log. The pages and the JSON API call these functions; every one takes the caller's `Ctx`
//! and reaches rows only through the caller's workspace (another workspace's list is not
//! found).
//!
//! Who may do what with a list ([`Access`]):
//! - every member of the workspace may *view* a list whose visibility is `workspace` (the
//!   default); a `private` list is seen only by those below;
//! - its creator (the list's owner) and the workspace's owners and admins *manage* it: rename,
//!   describe, change its visibility, share it, delete it, and everything an editor does;
//! - a collaborator given `edit` adds and removes creators, writes notes and tags, renames and
//!   describes it; a collaborator given `view` reads a private list;
//! - a caller who cannot write in the workspace (the viewer role, a read-only API token) only
//!   ever views.
//!
//! A list that can be seen but not changed answers 403; one that cannot be seen, 404.
//! Limits: [`LISTS_MAX`] lists per workspace, [`ENTRIES_MAX`] creators per list (409 beyond).

pub mod export;
mod favourites;
mod templates;
mod usernames;

pub use favourites::{favourite, favourite_set, favourites, unfavourite};
pub use templates::{delete_template, save_as_template, templates};
pub use usernames::parse_usernames;

use std::collections::{HashMap, HashSet};

use platform::{AppState, Ctx, Error, Permission, Result, authz::Role, db::now, error::FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::model::{
    creator,
    lists::{activity, collaborator, entry, list},
};

/// A list's name.
pub const NAME_MAX: usize = 80;
/// A list's or a template's description.
pub const DESCRIPTION_MAX: usize = 1_000;
/// The note on one creator of a list.
pub const NOTE_MAX: usize = 2_000;
/// Tags on one creator of a list, and in a list's tag scheme.
pub const TAGS_MAX: usize = 10;
/// One tag.
pub const TAG_MAX: usize = 40;
/// Lists per workspace.
pub const LISTS_MAX: u64 = 100;
/// Creators per list.
pub const ENTRIES_MAX: i64 = 5_000;
/// Creators named in one request (by profile id).
pub const ADD_MAX: usize = 500;
/// Activity lines shown at once.
pub const ACTIVITY_MAX: u64 = 200;

/// What the caller may do with one list; ordered, each level includes the ones below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    View,
    Edit,
    Manage,
}

impl Access {
    pub fn as_str(&self) -> &'static str {
        match self {
            Access::View => "view",
            Access::Edit => "edit",
            Access::Manage => "manage",
        }
    }
}

/// Who sees a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Every member of the workspace may read it.
    Workspace,
    /// Its owner, the workspace's owners and admins and its collaborators.
    Private,
}

impl Visibility {
    pub fn as_str(&self) -> &'static str {
        match self {
            Visibility::Workspace => "workspace",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "workspace" => Some(Visibility::Workspace),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A collaborator's grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    View,
    Edit,
}

impl Grant {
    pub fn as_str(&self) -> &'static str {
        match self {
            Grant::View => "view",
            Grant::Edit => "edit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "view" => Some(Grant::View),
            "edit" => Some(Grant::Edit),
            _ => None,
        }
    }
}

/// The caller's access to `list` given its grant on it (if any); `None` = not visible.
fn access_of(ctx: &Ctx, l: &list::Model, grant: Option<&str>) -> Option<Access> {
    let role = ctx.role()?;
    let full = if matches!(role, Role::Owner | Role::Admin) || l.owner_id == ctx.user_id() {
        Some(Access::Manage)
    } else {
        match grant.and_then(Grant::parse) {
            Some(Grant::Edit) => Some(Access::Edit),
            Some(Grant::View) => Some(Access::View),
            None if l.visibility == Visibility::Workspace.as_str() => Some(Access::View),
            None => None,
        }
    };
    // Whoever cannot write in the workspace only ever reads.
    full.map(|a| {
        if ctx.can(Permission::WorkspaceWrite) {
            a
        } else {
            Access::View
        }
    })
}

/// A list of the caller's workspace that the caller may see, and what it may do with it.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
) -> Result<(list::Model, Access)> {
    ctx.require(Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    let l = list::Entity::find_by_id(id)
        .filter(list::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let grant = collaborator::Entity::find()
        .filter(collaborator::Column::WorkspaceId.eq(ws))
        .filter(collaborator::Column::ListId.eq(id))
        .filter(collaborator::Column::UserId.eq(ctx.user_id()))
        .one(conn)
        .await?;
    let access =
        access_of(ctx, &l, grant.as_ref().map(|g| g.access.as_str())).ok_or(Error::NotFound)?;
    Ok((l, access))
}

/// [`find_in`], refused (403) unless the caller has at least `need`.
async fn find_for(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
    need: Access,
) -> Result<list::Model> {
    if need > Access::View {
        ctx.require(Permission::WorkspaceWrite)?;
    }
    let (l, access) = find_in(conn, ctx, id).await?;
    if access < need {
        return Err(Error::forbidden(match need {
            Access::Manage => {
                "Only the list's creator and the workspace's owners and admins can do this"
            }
            _ => "You can view this list but not change it; ask its creator for edit access",
        }));
    }
    Ok(l)
}

/// A list as the overview shows it.
#[derive(Debug, Clone)]
pub struct Summary {
    pub list: list::Model,
    pub access: Access,
}

/// The lists of the caller's workspace the caller may see, by name.
pub async fn lists(state: &AppState, ctx: &Ctx) -> Result<Vec<Summary>> {
    ctx.require(Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    let all = list::Entity::find()
        .filter(list::Column::WorkspaceId.eq(ws))
        .order_by_asc(list::Column::NameLower)
        .all(&state.db)
        .await?;
    let grants: HashMap<Uuid, String> = collaborator::Entity::find()
        .filter(collaborator::Column::WorkspaceId.eq(ws))
        .filter(collaborator::Column::UserId.eq(ctx.user_id()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|g| (g.list_id, g.access))
        .collect();
    Ok(all
        .into_iter()
        .filter_map(|l| {
            let access = access_of(ctx, &l, grants.get(&l.id).map(String::as_str))?;
            Some(Summary { list: l, access })
        })
        .collect())
}

// ---- input ----------------------------------------------------------------------------------

fn name_of(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> String {
    let name = raw.trim();
    if name.is_empty() {
        errors.push(FieldError::new(field, "Enter a name"));
    } else if let Err(e) = platform::web::forms::within(field, "The name", name, NAME_MAX) {
        errors.push(e);
    }
    name.to_string()
}

fn description_of(raw: &str, errors: &mut Vec<FieldError>) -> String {
    if let Err(e) =
        platform::web::forms::within("description", "The description", raw, DESCRIPTION_MAX)
    {
        errors.push(e);
    }
    raw.trim().to_string()
}

/// Tags as given: trimmed, without a leading `#`, duplicates (any case) dropped; at most
/// [`TAGS_MAX`] of at most [`TAG_MAX`] characters each.
pub fn tags_of(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim().trim_start_matches('#').trim();
        if t.is_empty() || out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            continue;
        }
        if t.chars().count() > TAG_MAX {
            errors.push(FieldError::new(
                field,
                format!("A tag can be at most {TAG_MAX} characters long"),
            ));
            return out;
        }
        out.push(t.to_string());
    }
    if out.len() > TAGS_MAX {
        errors.push(FieldError::new(field, format!("At most {TAGS_MAX} tags")));
    }
    out
}

/// Tags typed in one field, separated by commas.
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',').map(str::to_string).collect()
}

fn json_tags(tags: &[String]) -> serde_json::Value {
    serde_json::Value::from(tags.to_vec())
}

/// The strings of a JSON array of tags (anything else is no tag).
pub fn tags(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn check(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// A new list.
#[derive(Debug, Clone, Default)]
pub struct NewList {
    pub name: String,
    pub description: Option<String>,
    pub visibility: Option<String>,
    pub tag_scheme: Option<Vec<String>>,
    /// Start from this template: its description and tag scheme, unless given here.
    pub template_id: Option<Uuid>,
}

fn visibility_of(raw: &str, errors: &mut Vec<FieldError>) -> Visibility {
    Visibility::parse(raw.trim()).unwrap_or_else(|| {
        errors.push(FieldError::new(
            "visibility",
            "Choose who sees it: the workspace or private",
        ));
        Visibility::Workspace
    })
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    ws: Uuid,
    name_lower: &str,
    except: Option<Uuid>,
) -> Result<bool> {
    let mut q = list::Entity::find()
        .filter(list::Column::WorkspaceId.eq(ws))
        .filter(list::Column::NameLower.eq(name_lower));
    if let Some(id) = except {
        q = q.filter(list::Column::Id.ne(id));
    }
    Ok(q.count(conn).await? > 0)
}

fn name_in_use() -> Error {
    Error::validation(
        "name",
        "Another list of this workspace already has this name",
    )
}

/// Creates a list owned by the caller.
pub async fn create(state: &AppState, ctx: &Ctx, input: NewList) -> Result<list::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let ws = ctx.workspace_id()?;
    let from = match input.template_id {
        Some(id) => Some(templates::find_template(&state.db, ctx, id).await?),
        None => None,
    };
    let mut errors = Vec::new();
    let name = name_of("name", &input.name, &mut errors);
    let description = match (&input.description, &from) {
        (Some(d), _) => description_of(d, &mut errors),
        (None, Some(t)) => t.description.clone(),
        (None, None) => String::new(),
    };
    let visibility = input
        .visibility
        .as_deref()
        .map_or(Visibility::Workspace, |v| visibility_of(v, &mut errors));
    let scheme = match (&input.tag_scheme, &from) {
        (Some(s), _) => tags_of("tag_scheme", s, &mut errors),
        (None, Some(t)) => tags(&t.tag_scheme),
        (None, None) => Vec::new(),
    };
    check(errors)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let count = list::Entity::find()
        .filter(list::Column::WorkspaceId.eq(ws))
        .count(&txn)
        .await?;
    if count >= LISTS_MAX {
        return Err(Error::Conflict(format!(
            "This workspace has {LISTS_MAX} lists, the most it can have. Delete one to make another."
        )));
    }
    let name_lower = name.to_lowercase();
    if name_taken(&txn, ws, &name_lower, None).await? {
        return Err(name_in_use());
    }
    let t = now();
    let l = list::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ws),
        name: Set(name.clone()),
        name_lower: Set(name_lower),
        description: Set(description),
        visibility: Set(visibility.as_str().into()),
        tag_scheme: Set(json_tags(&scheme)),
        owner_id: Set(ctx.user_id()),
        entry_count: Set(0),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            name_in_use()
        } else {
            e.into()
        }
    })?;
    let detail = match &from {
        Some(tpl) => format!("“{name}” from the template “{}”", tpl.name),
        None => format!("“{name}”"),
    };
    record(&txn, ctx, &l, "created", detail).await?;
    txn.commit().await?;
    Ok(l)
}

/// What to change on a list (`None` leaves it).
#[derive(Debug, Clone, Default)]
pub struct ListChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<String>,
    pub tag_scheme: Option<Vec<String>>,
}

/// Renames, describes or re-scopes a list: name, description and tag scheme need edit access,
/// the visibility needs to manage it.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    change: ListChange,
) -> Result<list::Model> {
    let need = if change.visibility.is_some() {
        Access::Manage
    } else {
        Access::Edit
    };
    let l = find_for(&state.db, ctx, id, need).await?;
    let mut errors = Vec::new();
    let name = change
        .name
        .as_deref()
        .map(|n| name_of("name", n, &mut errors));
    let description = change
        .description
        .as_deref()
        .map(|d| description_of(d, &mut errors));
    let visibility = change
        .visibility
        .as_deref()
        .map(|v| visibility_of(v, &mut errors));
    let scheme = change
        .tag_scheme
        .as_deref()
        .map(|s| tags_of("tag_scheme", s, &mut errors));
    check(errors)?;
    let txn = platform::db::begin_write(&state.db).await?;
    let mut row: list::ActiveModel = l.clone().into();
    if let Some(name) = name.filter(|n| *n != l.name) {
        let lower = name.to_lowercase();
        if name_taken(&txn, l.workspace_id, &lower, Some(l.id)).await? {
            return Err(name_in_use());
        }
        record(&txn, ctx, &l, "renamed", format!("“{}” → “{name}”", l.name)).await?;
        row.name = Set(name);
        row.name_lower = Set(lower);
    }
    if let Some(d) = description.filter(|d| *d != l.description) {
        record(&txn, ctx, &l, "described", String::new()).await?;
        row.description = Set(d);
    }
    if let Some(v) = visibility.filter(|v| v.as_str() != l.visibility) {
        let said = match v {
            Visibility::Workspace => "visible to the whole workspace",
            Visibility::Private => "private",
        };
        record(&txn, ctx, &l, "visibility", said.into()).await?;
        row.visibility = Set(v.as_str().into());
    }
    if let Some(s) = scheme.filter(|s| *s != tags(&l.tag_scheme)) {
        record(
            &txn,
            ctx,
            &l,
            "tagged",
            format!("suggested tags: {}", s.join(", ")),
        )
        .await?;
        row.tag_scheme = Set(json_tags(&s));
    }
    row.updated_at = Set(now());
    let l = row.update(&txn).await.map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            name_in_use()
        } else {
            e.into()
        }
    })?;
    txn.commit().await?;
    Ok(l)
}

/// Deletes a list with its entries, collaborators and activity.
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<list::Model> {
    let l = find_for(&state.db, ctx, id, Access::Manage).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let ws = l.workspace_id;
    entry::Entity::delete_many()
        .filter(entry::Column::WorkspaceId.eq(ws))
        .filter(entry::Column::ListId.eq(l.id))
        .exec(&txn)
        .await?;
    collaborator::Entity::delete_many()
        .filter(collaborator::Column::WorkspaceId.eq(ws))
        .filter(collaborator::Column::ListId.eq(l.id))
        .exec(&txn)
        .await?;
    activity::Entity::delete_many()
        .filter(activity::Column::WorkspaceId.eq(ws))
        .filter(activity::Column::ListId.eq(l.id))
        .exec(&txn)
        .await?;
    list::Entity::delete_many()
        .filter(list::Column::WorkspaceId.eq(ws))
        .filter(list::Column::Id.eq(l.id))
        .exec(&txn)
        .await?;
    platform::audit::record(
        &txn,
        platform::audit::Event::new("discovery.list_deleted")
            .by(ctx)
            .target("discovery_list", l.id)
            .detail(serde_json::json!({ "name": l.name, "creators": l.entry_count })),
    )
    .await?;
    txn.commit().await?;
    Ok(l)
}

// ---- entries --------------------------------------------------------------------------------

/// A creator on a list, with its index row (`None` when the profile left the index).
#[derive(Debug, Clone)]
pub struct Entry {
    pub entry: entry::Model,
    pub creator: Option<creator::Model>,
}

/// Creators of the index by profile id.
pub async fn creators_by_id(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, creator::Model>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for c in creator::Entity::find()
            .filter(creator::Column::ProfileId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(c.profile_id, c);
        }
    }
    Ok(out)
}

/// A page of a list's creators, oldest first: `limit` after `cursor` (an entry id), and the
/// next page's cursor.
pub async fn entries(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(list::Model, Access, Vec<Entry>, Option<Uuid>)> {
    let (l, access) = find_in(&state.db, ctx, id).await?;
    let select = entry::Entity::find()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::ListId.eq(l.id));
    let (rows, next) = platform::db::keyset_page(
        &state.db,
        select,
        entry::Column::Id,
        |e| e.id,
        platform::db::Order::OldestFirst,
        cursor,
        limit.clamp(1, ENTRIES_MAX as u64),
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|e| e.profile_id).collect();
    let mut found = creators_by_id(&state.db, &ids).await?;
    let out = rows
        .into_iter()
        .map(|e| Entry {
            creator: found.remove(&e.profile_id),
            entry: e,
        })
        .collect();
    Ok((l, access, out, next))
}

/// What adding creators did: each profile asked for is in exactly one of these.
#[derive(Debug, Clone, Default)]
pub struct Added {
    pub added: Vec<creator::Model>,
    pub already: Vec<creator::Model>,
    /// Profile ids the index does not know.
    pub not_found: Vec<Uuid>,
}

/// Adds creators of the index to a list (those already on it are left as they are).
pub async fn add(state: &AppState, ctx: &Ctx, id: Uuid, profile_ids: &[Uuid]) -> Result<Added> {
    let l = find_for(&state.db, ctx, id, Access::Edit).await?;
    if profile_ids.is_empty() {
        return Err(Error::validation(
            "profile_ids",
            "Name at least one creator",
        ));
    }
    if profile_ids.len() > ADD_MAX {
        return Err(Error::validation(
            "profile_ids",
            format!("At most {ADD_MAX} creators at once"),
        ));
    }
    let mut unique = Vec::new();
    let mut seen = HashSet::new();
    for p in profile_ids {
        if seen.insert(*p) {
            unique.push(*p);
        }
    }
    let found = creators_by_id(&state.db, &unique).await?;
    let not_found = unique
        .iter()
        .filter(|p| !found.contains_key(p))
        .copied()
        .collect();
    let wanted: Vec<creator::Model> = unique
        .iter()
        .filter_map(|p| found.get(p).cloned())
        .collect();
    let mut done = insert_entries(state, ctx, &l, wanted).await?;
    done.not_found = not_found;
    Ok(done)
}

/// Inserts the creators not yet on the list, in one transaction, within [`ENTRIES_MAX`].
async fn insert_entries(
    state: &AppState,
    ctx: &Ctx,
    l: &list::Model,
    wanted: Vec<creator::Model>,
) -> Result<Added> {
    let txn = platform::db::begin_write(&state.db).await?;
    let ids: Vec<Uuid> = wanted.iter().map(|c| c.profile_id).collect();
    let mut on_list = HashSet::new();
    for chunk in ids.chunks(500) {
        on_list.extend(
            entry::Entity::find()
                .select_only()
                .column(entry::Column::ProfileId)
                .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
                .filter(entry::Column::ListId.eq(l.id))
                .filter(entry::Column::ProfileId.is_in(chunk.to_vec()))
                .into_tuple::<Uuid>()
                .all(&txn)
                .await?,
        );
    }
    let (already, new): (Vec<_>, Vec<_>) = wanted
        .into_iter()
        .partition(|c| on_list.contains(&c.profile_id));
    let count = entry::Entity::find()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::ListId.eq(l.id))
        .count(&txn)
        .await? as i64;
    if count + new.len() as i64 > ENTRIES_MAX {
        let room = (ENTRIES_MAX - count).max(0);
        return Err(Error::Conflict(format!(
            "A list holds at most {} creators: this one has room for {} more, not {}.",
            platform::web::format::number(ENTRIES_MAX),
            platform::web::format::number(room),
            platform::web::format::number(new.len() as i64),
        )));
    }
    let t = now();
    for c in &new {
        entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(l.workspace_id),
            list_id: Set(l.id),
            profile_id: Set(c.profile_id),
            note: Set(String::new()),
            tags: Set(serde_json::json!([])),
            added_by: Set(Some(ctx.user_id())),
            added_at: Set(t),
            updated_at: Set(t),
        }
        .insert(&txn)
        .await?;
    }
    if !new.is_empty() {
        let names: Vec<String> = new.iter().map(|c| format!("@{}", c.username)).collect();
        record(&txn, ctx, l, "added", summarise(&names)).await?;
        set_count(&txn, l, t).await?;
    }
    txn.commit().await?;
    Ok(Added {
        added: new,
        already,
        not_found: Vec::new(),
    })
}

/// Keeps `entry_count` equal to the rows (read by the overview).
async fn set_count(
    conn: &impl ConnectionTrait,
    l: &list::Model,
    t: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let n = entry::Entity::find()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::ListId.eq(l.id))
        .count(conn)
        .await?;
    list::Entity::update_many()
        .col_expr(
            list::Column::EntryCount,
            Expr::value(i32::try_from(n).unwrap_or(i32::MAX)),
        )
        .col_expr(list::Column::UpdatedAt, Expr::value(t))
        .filter(list::Column::WorkspaceId.eq(l.workspace_id))
        .filter(list::Column::Id.eq(l.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// "@a, @b, @c and 12 more".
fn summarise(names: &[String]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{} and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

/// What adding usernames did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub added: Vec<String>,
    pub already: Vec<String>,
    /// Usernames the creator index does not know.
    pub not_found: Vec<String>,
    /// Lines that are no Instagram username.
    pub invalid: Vec<String>,
}

/// Adds the creators named in a pasted or uploaded text (one username per line, or a CSV
/// whose cells are usernames, `@name` or profile links). Usernames are matched in the index
/// ignoring case; a name known in both pools is taken from the live one.
pub async fn add_usernames(state: &AppState, ctx: &Ctx, id: Uuid, text: &str) -> Result<Imported> {
    let l = find_for(&state.db, ctx, id, Access::Edit).await?;
    let parsed = parse_usernames(text)?;
    let mut found: HashMap<String, creator::Model> = HashMap::new();
    let lower: Vec<String> = parsed.usernames.iter().map(|u| u.to_lowercase()).collect();
    for chunk in lower.chunks(500) {
        for c in creator::Entity::find()
            .filter(creator::Column::UsernameLower.is_in(chunk.to_vec()))
            .all(&state.db)
            .await?
        {
            let keep = found
                .get(&c.username_lower)
                .is_none_or(|f| f.pool != "live" && c.pool == "live");
            if keep {
                found.insert(c.username_lower.clone(), c);
            }
        }
    }
    let mut not_found = Vec::new();
    let mut wanted = Vec::new();
    for (u, lower) in parsed.usernames.iter().zip(&lower) {
        match found.get(lower) {
            Some(c) => wanted.push(c.clone()),
            None => not_found.push(u.clone()),
        }
    }
    let done = insert_entries(state, ctx, &l, wanted).await?;
    Ok(Imported {
        added: done.added.into_iter().map(|c| c.username).collect(),
        already: done.already.into_iter().map(|c| c.username).collect(),
        not_found,
        invalid: parsed.invalid,
    })
}

/// A creator's entry on a list.
async fn entry_of(
    conn: &impl ConnectionTrait,
    l: &list::Model,
    profile_id: Uuid,
) -> Result<entry::Model> {
    entry::Entity::find()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::ListId.eq(l.id))
        .filter(entry::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

async fn username_of(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<String> {
    Ok(creator::Entity::find()
        .filter(creator::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .map_or_else(
            || "a creator no longer indexed".into(),
            |c| format!("@{}", c.username),
        ))
}

/// Sets the note and/or the tags of a creator on a list.
pub async fn annotate(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    note: Option<String>,
    tag_list: Option<Vec<String>>,
) -> Result<entry::Model> {
    let l = find_for(&state.db, ctx, id, Access::Edit).await?;
    let e = entry_of(&state.db, &l, profile_id).await?;
    let mut errors = Vec::new();
    if let Some(n) = &note
        && let Err(err) = platform::web::forms::within("note", "The note", n, NOTE_MAX)
    {
        errors.push(err);
    }
    let tag_list = tag_list.map(|t| tags_of("tags", &t, &mut errors));
    check(errors)?;
    let who = username_of(&state.db, profile_id).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let mut row: entry::ActiveModel = e.clone().into();
    if let Some(n) = note.map(|n| n.trim().to_string()).filter(|n| *n != e.note) {
        let said = if n.is_empty() { "note cleared" } else { "note" };
        record(&txn, ctx, &l, "noted", format!("{who}: {said}")).await?;
        row.note = Set(n);
    }
    if let Some(t) = tag_list.filter(|t| *t != tags(&e.tags)) {
        let said = if t.is_empty() {
            "tags cleared".to_string()
        } else {
            format!("tags {}", t.join(", "))
        };
        record(&txn, ctx, &l, "tagged", format!("{who}: {said}")).await?;
        row.tags = Set(json_tags(&t));
    }
    row.updated_at = Set(now());
    let e = row.update(&txn).await?;
    txn.commit().await?;
    Ok(e)
}

/// Takes a creator off a list.
pub async fn remove(state: &AppState, ctx: &Ctx, id: Uuid, profile_id: Uuid) -> Result<()> {
    let l = find_for(&state.db, ctx, id, Access::Edit).await?;
    let e = entry_of(&state.db, &l, profile_id).await?;
    let who = username_of(&state.db, profile_id).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    entry::Entity::delete_many()
        .filter(entry::Column::WorkspaceId.eq(l.workspace_id))
        .filter(entry::Column::Id.eq(e.id))
        .exec(&txn)
        .await?;
    record(&txn, ctx, &l, "removed", who).await?;
    set_count(&txn, &l, now()).await?;
    txn.commit().await?;
    Ok(())
}

// ---- collaborators --------------------------------------------------------------------------

/// A collaborator as shown: who (their email, from the workspace directory) and the grant.
#[derive(Debug, Clone)]
pub struct Collaborator {
    pub row: collaborator::Model,
    pub email: Option<String>,
}

/// A list's collaborators.
pub async fn collaborators(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Vec<Collaborator>> {
    let (l, _) = find_in(&state.db, ctx, id).await?;
    let rows = collaborator::Entity::find()
        .filter(collaborator::Column::WorkspaceId.eq(l.workspace_id))
        .filter(collaborator::Column::ListId.eq(l.id))
        .order_by_asc(collaborator::Column::AddedAt)
        .all(&state.db)
        .await?;
    let emails = state
        .directory
        .user_emails(state, rows.iter().map(|r| r.user_id).collect())
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Collaborator {
            email: emails.get(&row.user_id).cloned(),
            row,
        })
        .collect())
}

/// Gives a member of the workspace `view` or `edit` on a list (or changes their grant).
pub async fn share(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    user_id: Uuid,
    access: &str,
) -> Result<collaborator::Model> {
    let l = find_for(&state.db, ctx, id, Access::Manage).await?;
    let grant = Grant::parse(access.trim())
        .ok_or_else(|| Error::validation("access", "Choose view or edit"))?;
    if state
        .directory
        .role_of(state, user_id, l.workspace_id)
        .await?
        .is_none()
    {
        return Err(Error::validation(
            "user_id",
            "Only members of this workspace can be collaborators",
        ));
    }
    if user_id == l.owner_id {
        return Err(Error::validation(
            "user_id",
            "The list's creator already manages it",
        ));
    }
    let email = state
        .directory
        .user_emails(state, vec![user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_else(|| "a member".into());
    let txn = platform::db::begin_write(&state.db).await?;
    let existing = collaborator::Entity::find()
        .filter(collaborator::Column::WorkspaceId.eq(l.workspace_id))
        .filter(collaborator::Column::ListId.eq(l.id))
        .filter(collaborator::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(c) if c.access == grant.as_str() => c,
        Some(c) => {
            let mut row: collaborator::ActiveModel = c.into();
            row.access = Set(grant.as_str().into());
            row.update(&txn).await?
        }
        None => {
            collaborator::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(l.workspace_id),
                list_id: Set(l.id),
                user_id: Set(user_id),
                access: Set(grant.as_str().into()),
                added_by: Set(Some(ctx.user_id())),
                added_at: Set(now()),
            }
            .insert(&txn)
            .await?
        }
    };
    record(
        &txn,
        ctx,
        &l,
        "shared",
        format!("{email} can {}", grant.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Takes a collaborator's grant away.
pub async fn unshare(state: &AppState, ctx: &Ctx, id: Uuid, user_id: Uuid) -> Result<()> {
    let l = find_for(&state.db, ctx, id, Access::Manage).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let gone = collaborator::Entity::delete_many()
        .filter(collaborator::Column::WorkspaceId.eq(l.workspace_id))
        .filter(collaborator::Column::ListId.eq(l.id))
        .filter(collaborator::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    let email = state
        .directory
        .user_emails(state, vec![user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_else(|| "a former member".into());
    record(&txn, ctx, &l, "unshared", email).await?;
    txn.commit().await?;
    Ok(())
}

/// Members who can be offered as collaborators on the pages: the people of this workspace
/// who have used lists or favourites (the directory names users by id but does not list a
/// workspace's members), still members, with their emails; by email.
pub async fn teammates(state: &AppState, ctx: &Ctx) -> Result<Vec<(Uuid, String)>> {
    ctx.require(Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    let mut ids: HashSet<Uuid> = HashSet::new();
    ids.extend(
        list::Entity::find()
            .select_only()
            .column(list::Column::OwnerId)
            .filter(list::Column::WorkspaceId.eq(ws))
            .into_tuple::<Uuid>()
            .all(&state.db)
            .await?,
    );
    ids.extend(
        activity::Entity::find()
            .select_only()
            .column(activity::Column::ActorId)
            .filter(activity::Column::WorkspaceId.eq(ws))
            .distinct()
            .into_tuple::<Option<Uuid>>()
            .all(&state.db)
            .await?
            .into_iter()
            .flatten(),
    );
    ids.extend(
        crate::model::lists::favourite::Entity::find()
            .select_only()
            .column(crate::model::lists::favourite::Column::UserId)
            .filter(crate::model::lists::favourite::Column::WorkspaceId.eq(ws))
            .distinct()
            .into_tuple::<Uuid>()
            .all(&state.db)
            .await?,
    );
    let emails = state
        .directory
        .user_emails(state, ids.iter().copied().collect())
        .await?;
    let mut out = Vec::new();
    for (id, email) in emails {
        if state.directory.role_of(state, id, ws).await?.is_some() {
            out.push((id, email));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

// ---- activity -------------------------------------------------------------------------------

async fn record(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    l: &list::Model,
    action: &'static str,
    detail: String,
) -> Result<()> {
    let label = if ctx.user.name.trim().is_empty() {
        ctx.user.email.clone()
    } else {
        ctx.user.name.clone()
    };
    activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(l.workspace_id),
        list_id: Set(l.id),
        actor_id: Set(Some(ctx.user_id())),
        actor_label: Set(label.chars().take(200).collect()),
        action: Set(action.into()),
        detail: Set(detail),
        at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A list's activity, newest first (at most [`ACTIVITY_MAX`] lines).
pub async fn activity(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Vec<activity::Model>> {
    let (l, _) = find_in(&state.db, ctx, id).await?;
    Ok(activity::Entity::find()
        .filter(activity::Column::WorkspaceId.eq(l.workspace_id))
        .filter(activity::Column::ListId.eq(l.id))
        .order_by_desc(activity::Column::At)
        .order_by_desc(activity::Column::Id)
        .limit(ACTIVITY_MAX)
        .all(&state.db)
        .await?)
}

/// Every creator of a list (for exports), oldest entry first.
pub async fn all_entries(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
) -> Result<(list::Model, Vec<Entry>)> {
    let (l, _, rows, _) = entries(state, ctx, id, None, ENTRIES_MAX as u64).await?;
    Ok((l, rows))
}

/// The lists the caller may add creators to, by name, and which of them hold `profile_id`.
pub async fn editable_lists(
    state: &AppState,
    ctx: &Ctx,
    profile_id: Uuid,
) -> Result<Vec<(list::Model, bool)>> {
    let ws = ctx.workspace_id()?;
    let editable: Vec<list::Model> = lists(state, ctx)
        .await?
        .into_iter()
        .filter(|s| s.access >= Access::Edit)
        .map(|s| s.list)
        .collect();
    let holding: HashSet<Uuid> = entry::Entity::find()
        .select_only()
        .column(entry::Column::ListId)
        .filter(entry::Column::WorkspaceId.eq(ws))
        .filter(entry::Column::ProfileId.eq(profile_id))
        .into_tuple::<Uuid>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    Ok(editable
        .into_iter()
        .map(|l| {
            let on = holding.contains(&l.id);
            (l, on)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_deduplicated_and_limited() {
        let mut e = Vec::new();
        let t = tags_of(
            "tags",
            &split_tags(" #vegan, Vegan ,food,, berlin "),
            &mut e,
        );
        assert_eq!(t, ["vegan", "food", "berlin"]);
        assert!(e.is_empty());
        let many: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
        tags_of("tags", &many, &mut e);
        assert_eq!(e.len(), 1);
        tags_of("tags", &["x".repeat(41)], &mut e);
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn long_additions_are_summarised() {
        let names: Vec<String> = (0..7).map(|n| format!("@c{n}")).collect();
        assert_eq!(summarise(&names), "@c0, @c1, @c2, @c3, @c4 and 2 more");
        assert_eq!(summarise(&names[..2]), "@c0, @c1");
    }
}
