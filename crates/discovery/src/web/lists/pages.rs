//! The pages of favourites and lists: the caller's favourites (`/discover/favourites`), the
//! workspace's lists with the form to start one and the list templates (`/discover/lists`),
//! and one list (`/discover/lists/{id}`): its creators with their notes and tags, adding by
//! pasted usernames or a chosen CSV file (with a report of what was added, already there, not
//! found), settings, collaborators, saving as a template and the activity log. Forms are plain
//! posts (the add-usernames form multipart, for its file): invalid input is answered on the page
//! beside its field with what was typed kept; actions go back with a flash.

use askama::Template;
use axum::{
    extract::{FromRequest, Multipart, Request, State, multipart::MultipartError},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    error::FieldError,
    home::ago,
    http::extract::{Form, Path, Query},
    web::{
        flash,
        format::{count, number},
        forms::{
            FormErrors, action_failed, after_action, fmt_time, html_with, parse_id, redirect_flash,
        },
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{CreatorLine, creator_line};
use crate::model::lists::list;
use crate::service::lists::{
    self as service, Access, DESCRIPTION_MAX, ENTRIES_MAX, Imported, ListChange, NAME_MAX,
    NOTE_MAX, NewList, TAG_MAX, TAGS_MAX, Visibility,
};
use crate::web::api::pictures;

pub const FAVOURITES: &str = "/discover/favourites";
pub const LISTS: &str = "/discover/lists";
/// Creators shown per page of a list.
const PAGE_SIZE: u64 = 100;

/// The favourites page (every plan).
pub fn open_routes(r: PageRoutes) -> PageRoutes {
    r.route(FAVOURITES, get(favourites_page))
}

/// The lists' pages (the plan's team tools: the caller gates them).
pub fn routes(r: PageRoutes) -> PageRoutes {
    r.route(LISTS, get(lists_page).post(create))
        .route(
            "/discover/list-templates/{id}/delete",
            post(delete_template),
        )
        .route("/discover/lists/{id}", get(list_page))
        .route("/discover/lists/{id}/settings", post(settings))
        .route("/discover/lists/{id}/delete", post(delete))
        .route("/discover/lists/{id}/usernames", post(import))
        .route("/discover/lists/{id}/entries/{profile_id}", post(annotate))
        .route(
            "/discover/lists/{id}/entries/{profile_id}/remove",
            post(remove),
        )
        .route("/discover/lists/{id}/collaborators", post(share))
        .route(
            "/discover/lists/{id}/collaborators/{user_id}/remove",
            post(unshare),
        )
        .route("/discover/lists/{id}/template", post(save_template))
        .route("/discover/lists/{id}/export", get(export))
}

fn list_href(id: Uuid) -> String {
    format!("{LISTS}/{id}")
}

pub struct Limits {
    name: usize,
    description: usize,
    note: usize,
    tags: usize,
    tag: usize,
    entries: String,
}

fn limits() -> Limits {
    Limits {
        name: NAME_MAX,
        description: DESCRIPTION_MAX,
        note: NOTE_MAX,
        tags: TAGS_MAX,
        tag: TAG_MAX,
        entries: number(ENTRIES_MAX),
    }
}

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn visibility_choices(current: &str) -> Vec<Choice> {
    [
        ("workspace", "Everyone in the workspace can view it"),
        (
            "private",
            "Private: only people I add, and the workspace's owners and admins",
        ),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value: value.into(),
        label: label.into(),
        selected: value == current || (current.is_empty() && value == "workspace"),
    })
    .collect()
}

fn refused(e: Error) -> Result<FormErrors> {
    FormErrors::from_error(e)
}

// ---- favourites -----------------------------------------------------------------------------

pub struct FavouriteView {
    creator: CreatorLine,
    /// The star and "Add to list" (rendered by their own template, escaped there).
    controls: String,
    starred: String,
}

#[derive(Template)]
#[template(path = "discovery/lists/favourites.html")]
struct FavouritesPage {
    shell: Shell,
    can_write: bool,
    favourites: Vec<FavouriteView>,
    heading: String,
}

async fn favourites_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    let rows = service::favourites(&state, &ctx).await?;
    let shown: Vec<&crate::model::creator::Model> = rows.iter().map(|(_, c)| c).collect();
    let pics = pictures(&state, &shown).await?;
    let now = platform::db::now();
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let lists_in_plan = crate::service::plan::included(&state, &platform::Scope::of(&ctx)?).await?;
    let mut favourites = Vec::new();
    for (f, c) in &rows {
        let lists =
            super::controls::list_choices(&state, &ctx, c.profile_id, can_write && lists_in_plan)
                .await?;
        favourites.push(FavouriteView {
            creator: creator_line(c, pics.get(c.picture_url.as_deref()), now),
            controls: super::controls::Controls {
                profile: c.profile_id,
                username: c.username.clone(),
                starred: true,
                lists_in_plan,
                lists,
            }
            .render()
            .map_err(Error::internal)?,
            starred: ago(f.created_at, now),
        });
    }
    let (jar, flashes) = flash::take(jar);
    let page = FavouritesPage {
        shell: shell::for_request(&state, Some(&ctx), "Favourites", FAVOURITES, flashes).await?,
        can_write,
        heading: count(rows.len() as i64, "favourite", "favourites"),
        favourites,
    };
    Ok(html_with(platform::web::forms::Answer::OK, jar, &page))
}

// ---- the lists ------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListForm {
    name: String,
    description: String,
    visibility: String,
    /// Tags separated by commas.
    tag_scheme: String,
    template_id: String,
}

impl ListForm {
    fn of(l: &list::Model) -> Self {
        ListForm {
            name: l.name.clone(),
            description: l.description.clone(),
            visibility: l.visibility.clone(),
            tag_scheme: service::tags(&l.tag_scheme).join(", "),
            template_id: String::new(),
        }
    }
}

pub struct ListRow {
    href: String,
    name: String,
    description: String,
    creators: String,
    private: bool,
    access: &'static str,
    updated: String,
}

pub struct TemplateRow {
    id: Uuid,
    name: String,
    description: String,
    tags: String,
    can_delete: bool,
}

#[derive(Template)]
#[template(path = "discovery/lists/index.html")]
struct ListsPage {
    shell: Shell,
    can_write: bool,
    lists: Vec<ListRow>,
    heading: String,
    templates: Vec<TemplateRow>,
    template_choices: Vec<Choice>,
    visibilities: Vec<Choice>,
    form: ListForm,
    errors: FormErrors,
    limits: Limits,
}

fn access_label(a: Access) -> &'static str {
    match a {
        Access::View => "Can view",
        Access::Edit => "Can edit",
        Access::Manage => "Manages",
    }
}

async fn lists_view(
    state: &AppState,
    ctx: &Ctx,
    form: ListForm,
    errors: FormErrors,
    jar: CookieJar,
) -> Result<Response> {
    let all = service::lists(state, ctx).await?;
    let templates = service::templates(state, ctx).await?;
    let now = platform::db::now();
    let admin = matches!(
        ctx.role(),
        Some(platform::authz::Role::Owner | platform::authz::Role::Admin)
    );
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let mut template_choices = vec![Choice {
        value: String::new(),
        label: "No template".into(),
        selected: form.template_id.is_empty(),
    }];
    template_choices.extend(templates.iter().map(|t| Choice {
        value: t.id.to_string(),
        label: t.name.clone(),
        selected: form.template_id == t.id.to_string(),
    }));
    let (jar, flashes) = flash::take(jar);
    let page = ListsPage {
        shell: shell::for_request(state, Some(ctx), "Creator lists", LISTS, flashes).await?,
        can_write,
        heading: count(all.len() as i64, "list", "lists"),
        lists: all
            .iter()
            .map(|s| ListRow {
                href: list_href(s.list.id),
                name: s.list.name.clone(),
                description: s.list.description.clone(),
                creators: count(i64::from(s.list.entry_count), "creator", "creators"),
                private: s.list.visibility == Visibility::Private.as_str(),
                access: access_label(s.access),
                updated: ago(s.list.updated_at, now),
            })
            .collect(),
        templates: templates
            .iter()
            .map(|t| TemplateRow {
                id: t.id,
                name: t.name.clone(),
                description: t.description.clone(),
                tags: service::tags(&t.tag_scheme).join(", "),
                can_delete: can_write && (admin || t.created_by == Some(ctx.user_id())),
            })
            .collect(),
        template_choices,
        visibilities: visibility_choices(&form.visibility),
        form,
        errors,
        limits: limits(),
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

async fn lists_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    lists_view(
        &state,
        &ctx,
        ListForm::default(),
        FormErrors::default(),
        jar,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<ListForm>,
) -> Result<Response> {
    let template_id = match form.template_id.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let made = service::create(
        &state,
        &ctx,
        NewList {
            name: form.name.clone(),
            description: (!form.description.trim().is_empty() || template_id.is_none())
                .then(|| form.description.clone()),
            visibility: Some(form.visibility.clone()).filter(|v| !v.is_empty()),
            tag_scheme: (!form.tag_scheme.trim().is_empty() || template_id.is_none())
                .then(|| service::split_tags(&form.tag_scheme)),
            template_id,
        },
    )
    .await;
    match made {
        Ok(l) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("The list “{}” was created.", l.name),
            &list_href(l.id),
        )),
        Err(e @ (Error::Validation(_) | Error::Conflict(_))) => {
            lists_view(&state, &ctx, form, refused(e)?, jar).await
        }
        Err(e) => action_failed(jar, e, LISTS),
    }
}

async fn delete_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let done = match parse_id(&id) {
        Ok(id) => service::delete_template(&state, &ctx, id).await,
        Err(e) => Err(e),
    };
    after_action(jar, LISTS, done, |t| {
        format!("The template “{}” was deleted.", t.name)
    })
}

// ---- one list -------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    note: String,
    /// Tags separated by commas.
    tags: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    usernames: String,
    /// The chosen file's bytes (multipart posts only; never shown back).
    #[serde(skip)]
    file: Option<Vec<u8>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    template_name: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ShareForm {
    user_id: String,
    access: String,
}

pub struct EntryView {
    profile_id: Uuid,
    /// `None`: the profile left the creator index.
    creator: Option<CreatorLine>,
    note: String,
    tags: Vec<String>,
    added: String,
    /// The note form is open (it was just refused).
    open: bool,
    form: EntryForm,
    errors: FormErrors,
}

pub struct CollaboratorView {
    user_id: Uuid,
    who: String,
    access: &'static str,
}

pub struct EventView {
    who: String,
    what: String,
    at: String,
    at_exact: String,
}

/// What a refused or finished form on the list page shows.
#[derive(Default)]
struct Extra {
    settings: Option<(ListForm, FormErrors)>,
    import: Option<(ImportForm, FormErrors)>,
    imported: Option<Imported>,
    template: Option<(TemplateForm, FormErrors)>,
    share: Option<FormErrors>,
    entry: Option<(Uuid, EntryForm, FormErrors)>,
}

pub struct ImportReport {
    added: String,
    already: Vec<String>,
    not_found: Vec<String>,
    invalid: Vec<String>,
}

#[derive(Template)]
#[template(path = "discovery/lists/list.html")]
struct ListPage {
    shell: Shell,
    id: Uuid,
    name: String,
    description: String,
    private: bool,
    access: &'static str,
    can_edit: bool,
    can_manage: bool,
    /// Exports take data out and may cost credits: not for a read-only caller.
    can_export: bool,
    creators: String,
    tag_scheme: String,
    entries: Vec<EntryView>,
    next_href: String,
    first_href: String,
    demo: bool,
    settings: ListForm,
    settings_errors: FormErrors,
    visibilities: Vec<Choice>,
    import: ImportForm,
    import_errors: FormErrors,
    report: Option<ImportReport>,
    template: TemplateForm,
    template_errors: FormErrors,
    collaborators: Vec<CollaboratorView>,
    teammates: Vec<Choice>,
    share_errors: FormErrors,
    activity: Vec<EventView>,
    limits: Limits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Cursor {
    after: String,
}

fn event_text(action: &str, detail: &str) -> String {
    if let Some(tags) = detail.strip_prefix("suggested tags: ") {
        return format!("changed the suggested tags ({tags})");
    }
    // A creator's note or tags: "@name: what" — who is said, the note itself is not.
    let creator = detail.split(':').next().unwrap_or(detail);
    let (what, detail) = match action {
        "created" => ("created the list", detail),
        "renamed" => ("renamed it", detail),
        "described" => ("changed the description", detail),
        "visibility" => ("made it", detail),
        "added" => ("added", detail),
        "removed" => ("removed", detail),
        "noted" => ("wrote a note on", creator),
        "tagged" => ("changed the tags of", creator),
        "shared" => ("shared it:", detail),
        "unshared" => ("stopped sharing it with", detail),
        "templated" => ("saved it as", detail),
        _ => ("changed it", detail),
    };
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} {detail}")
    }
}

async fn list_view(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    cursor: Option<Uuid>,
    extra: Extra,
    jar: CookieJar,
) -> Result<Response> {
    let (l, access, rows, next) = service::entries(state, ctx, id, cursor, PAGE_SIZE).await?;
    let shown: Vec<&crate::model::creator::Model> =
        rows.iter().filter_map(|e| e.creator.as_ref()).collect();
    let pics = pictures(state, &shown).await?;
    let now = platform::db::now();
    let demo = shown.iter().any(|c| c.pool == "demo" || c.source == "demo");
    let entries = rows
        .iter()
        .map(|e| {
            let refused = extra
                .entry
                .as_ref()
                .filter(|(p, _, _)| *p == e.entry.profile_id);
            let tags = service::tags(&e.entry.tags);
            EntryView {
                profile_id: e.entry.profile_id,
                creator: e
                    .creator
                    .as_ref()
                    .map(|c| creator_line(c, pics.get(c.picture_url.as_deref()), now)),
                note: e.entry.note.clone(),
                added: ago(e.entry.added_at, now),
                open: refused.is_some(),
                form: refused.map(|(_, f, _)| f.clone()).unwrap_or(EntryForm {
                    note: e.entry.note.clone(),
                    tags: tags.join(", "),
                }),
                errors: refused.map(|(_, _, e)| e.clone()).unwrap_or_default(),
                tags,
            }
        })
        .collect();
    let collaborators = service::collaborators(state, ctx, id).await?;
    let can_manage = access >= Access::Manage;
    let teammates = if can_manage {
        let taken: Vec<Uuid> = collaborators.iter().map(|c| c.row.user_id).collect();
        service::teammates(state, ctx)
            .await?
            .into_iter()
            .filter(|(u, _)| *u != l.owner_id && !taken.contains(u))
            .map(|(u, email)| Choice {
                value: u.to_string(),
                label: email,
                selected: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let activity = service::activity(state, ctx, id).await?;
    let (settings, settings_errors) = extra
        .settings
        .unwrap_or_else(|| (ListForm::of(&l), FormErrors::default()));
    let (import, import_errors) = extra.import.unwrap_or_default();
    let (template, template_errors) = extra.template.unwrap_or_default();
    let answer = [&settings_errors, &import_errors, &template_errors]
        .iter()
        .map(|e| e.answer)
        .chain(extra.share.as_ref().map(|e| e.answer))
        .chain(extra.entry.as_ref().map(|(_, _, e)| e.answer))
        .find(|a| a.status != axum::http::StatusCode::OK)
        .unwrap_or(platform::web::forms::Answer::OK);
    let (jar, flashes) = flash::take(jar);
    let page = ListPage {
        shell: shell::for_request(state, Some(ctx), &l.name, LISTS, flashes).await?,
        id: l.id,
        name: l.name.clone(),
        description: l.description.clone(),
        private: l.visibility == Visibility::Private.as_str(),
        access: access_label(access),
        can_edit: access >= Access::Edit,
        can_manage,
        can_export: ctx.can(Permission::WorkspaceWrite),
        creators: count(i64::from(l.entry_count), "creator", "creators"),
        tag_scheme: service::tags(&l.tag_scheme).join(", "),
        entries,
        next_href: next
            .map(|n| format!("{}?after={n}", list_href(l.id)))
            .unwrap_or_default(),
        first_href: if cursor.is_some() {
            list_href(l.id)
        } else {
            String::new()
        },
        demo,
        visibilities: visibility_choices(&settings.visibility),
        settings,
        settings_errors,
        import,
        import_errors,
        report: extra.imported.map(|r| ImportReport {
            added: count(
                r.added.len() as i64,
                "creator was added",
                "creators were added",
            ),
            already: r.already,
            not_found: r.not_found,
            invalid: r.invalid,
        }),
        template,
        template_errors,
        collaborators: collaborators
            .into_iter()
            .map(|c| CollaboratorView {
                user_id: c.row.user_id,
                who: c.email.unwrap_or_else(|| "A former member".into()),
                access: if c.row.access == "edit" {
                    "Can edit"
                } else {
                    "Can view"
                },
            })
            .collect(),
        teammates,
        share_errors: extra.share.unwrap_or_default(),
        activity: activity
            .iter()
            .map(|a| EventView {
                who: a.actor_label.clone(),
                what: event_text(&a.action, &a.detail),
                at: ago(a.at, now),
                at_exact: fmt_time(&a.at),
            })
            .collect(),
        limits: limits(),
    };
    Ok(html_with(answer, jar, &page))
}

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(c): Query<Cursor>,
    jar: CookieJar,
) -> Result<Response> {
    let cursor = match c.after.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    list_view(&state, &ctx, parse_id(&id)?, cursor, Extra::default(), jar).await
}

/// Form errors a page can show, or the error itself (to a flash or the error page).
fn inline(e: Error) -> std::result::Result<FormErrors, Error> {
    match e {
        e @ (Error::Validation(_) | Error::Conflict(_)) => FormErrors::from_error(e),
        other => Err(other),
    }
}

async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ListForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let (l, access) = service::find_in(&state.db, &ctx, id).await?;
    let change = ListChange {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        // Only who manages the list sees the visibility choice.
        visibility: (access >= Access::Manage && !form.visibility.is_empty())
            .then(|| form.visibility.clone())
            .filter(|v| *v != l.visibility),
        tag_scheme: Some(service::split_tags(&form.tag_scheme)),
    };
    match service::update(&state, &ctx, id, change).await {
        Ok(l) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The list's settings were saved.",
            &list_href(l.id),
        )),
        Err(e) => match inline(e) {
            Ok(errors) => {
                let extra = Extra {
                    settings: Some((form, errors)),
                    ..Extra::default()
                };
                list_view(&state, &ctx, id, None, extra, jar).await
            }
            Err(e) => action_failed(jar, e, &list_href(id)),
        },
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::delete(&state, &ctx, id).await {
        Ok(l) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("The list “{}” was deleted.", l.name),
            LISTS,
        )),
        Err(e) => action_failed(jar, e, &list_href(id)),
    }
}

/// A chosen file may be at most this large (a CSV export of 5,000 creators with a few columns
/// fits; the usernames themselves are capped by the service).
const IMPORT_FILE_MAX: usize = 1024 * 1024;

/// The add-usernames form as the page sends it (`multipart/form-data`: the pasted `usernames`
/// and an optional CSV or text `file`), or as a plain form post (`usernames` only).
async fn read_import(state: &AppState, req: Request) -> Result<ImportForm> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<ImportForm>::from_request(req, state).await?;
        return Ok(form);
    }
    let broken = |e: MultipartError| {
        Error::unreadable_body(e.status(), "The form could not be read; send it again")
    };
    let mut parts = Multipart::from_request(req, state)
        .await
        .map_err(|_| Error::BadRequest("The form could not be read; send it again".into()))?;
    let mut form = ImportForm::default();
    while let Some(field) = parts.next_field().await.map_err(broken)? {
        match field.name().unwrap_or("") {
            "usernames" => form.usernames = field.text().await.map_err(broken)?,
            "file" => {
                let bytes = field.bytes().await.map_err(broken)?;
                form.file = Some(bytes.to_vec());
            }
            // Other parts (a client's extras) are read past.
            _ => {
                field.bytes().await.map_err(broken)?;
            }
        }
    }
    Ok(form)
}

/// The usernames to add: the pasted text, or the chosen file's text (one of the two).
fn import_text(form: &ImportForm) -> Result<String> {
    let file = form.file.as_deref().filter(|b| !b.is_empty());
    let refuse = |message: &str| Err(Error::Validation(vec![FieldError::new("file", message)]));
    match file {
        None => Ok(form.usernames.clone()),
        Some(_) if !form.usernames.trim().is_empty() => {
            refuse("Choose a file or paste usernames, not both.")
        }
        Some(bytes) if bytes.len() > IMPORT_FILE_MAX => {
            refuse("The file is larger than 1 MB; split it, or keep only the username column.")
        }
        Some(bytes) => match std::str::from_utf8(bytes) {
            // A spreadsheet's CSV export often starts with a byte-order mark.
            Ok(text) => Ok(text.trim_start_matches('\u{feff}').to_string()),
            Err(_) => refuse("The file is not text: save it as CSV (UTF-8) or plain text."),
        },
    }
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    req: Request,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let form = read_import(&state, req).await?;
    let added = match import_text(&form) {
        Ok(text) => service::add_usernames(&state, &ctx, id, &text).await,
        Err(e) => Err(e),
    };
    let extra = match added {
        Ok(report) => Extra {
            imported: Some(report),
            ..Extra::default()
        },
        Err(e) => match inline(e) {
            Ok(errors) => Extra {
                import: Some((form, errors)),
                ..Extra::default()
            },
            Err(e) => return action_failed(jar, e, &list_href(id)),
        },
    };
    list_view(&state, &ctx, id, None, extra, jar).await
}

async fn annotate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<EntryForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let profile_id = parse_id(&profile_id)?;
    let done = service::annotate(
        &state,
        &ctx,
        id,
        profile_id,
        Some(form.note.clone()),
        Some(service::split_tags(&form.tags)),
    )
    .await;
    match done {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The note and tags were saved.",
            &format!("{}#entry-{profile_id}", list_href(id)),
        )),
        Err(e) => match inline(e) {
            Ok(errors) => {
                // The refused creator may be on a later page: show it on the first anyway.
                let extra = Extra {
                    entry: Some((profile_id, form, errors)),
                    ..Extra::default()
                };
                list_view(&state, &ctx, id, None, extra, jar).await
            }
            Err(e) => action_failed(jar, e, &list_href(id)),
        },
    }
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let done = match parse_id(&profile_id) {
        Ok(p) => service::remove(&state, &ctx, id, p).await,
        Err(e) => Err(e),
    };
    after_action(jar, &list_href(id), done, |_| {
        "The creator was taken off the list.".into()
    })
}

async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ShareForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    // Find the list first: another workspace's list is not found whatever the form says.
    service::find_in(&state.db, &ctx, id).await?;
    let user = match Uuid::parse_str(form.user_id.trim()) {
        Ok(u) => u,
        Err(_) => {
            let errors =
                FormErrors::from_fields(vec![FieldError::new("user_id", "Choose a teammate")]);
            let extra = Extra {
                share: Some(errors),
                ..Extra::default()
            };
            return list_view(&state, &ctx, id, None, extra, jar).await;
        }
    };
    match service::share(&state, &ctx, id, user, &form.access).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The list was shared.",
            &list_href(id),
        )),
        Err(e) => match inline(e) {
            Ok(errors) => {
                let extra = Extra {
                    share: Some(errors),
                    ..Extra::default()
                };
                list_view(&state, &ctx, id, None, extra, jar).await
            }
            Err(e) => action_failed(jar, e, &list_href(id)),
        },
    }
}

async fn unshare(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let done = match parse_id(&user_id) {
        Ok(u) => service::unshare(&state, &ctx, id, u).await,
        Err(e) => Err(e),
    };
    after_action(jar, &list_href(id), done, |_| {
        "The collaborator was removed.".into()
    })
}

async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TemplateForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::save_as_template(&state, &ctx, id, &form.template_name).await {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Saved as the template “{}”: start a new list from it on the lists page.",
                t.name
            ),
            &list_href(id),
        )),
        Err(e) => match inline(e) {
            Ok(mut errors) => {
                // The service names the field `name`; this page's field is `template_name`.
                for f in &mut errors.fields {
                    if f.field == "name" {
                        f.field = "template_name".into();
                    }
                }
                let extra = Extra {
                    template: Some((form, errors)),
                    ..Extra::default()
                };
                list_view(&state, &ctx, id, None, extra, jar).await
            }
            Err(e) => action_failed(jar, e, &list_href(id)),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExportForm {
    format: String,
}

/// The file, or back to the list with what went wrong (a plan limit, no credits).
async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ExportForm>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let sent = match super::api::format_of(Some(&q.format)) {
        Ok(format) => super::api::send_export(&state, &ctx, id, format).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(file) => Ok(file),
        Err(e) => action_failed(jar, e, &list_href(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_reads_as_a_sentence() {
        assert_eq!(event_text("added", "@a, @b"), "added @a, @b");
        assert_eq!(event_text("noted", "@a: note"), "wrote a note on @a");
        assert_eq!(event_text("renamed", "“A” → “B”"), "renamed it “A” → “B”");
        assert_eq!(
            event_text("tagged", "suggested tags: food, travel"),
            "changed the suggested tags (food, travel)"
        );
        assert_eq!(event_text("described", ""), "changed the description");
    }
}
