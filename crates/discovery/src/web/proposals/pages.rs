//! The team's proposal pages: the list with the new-proposal form and the templates
//! (`/discover/proposals`), and one proposal's editor (`/discover/proposals/{id}`) with its
//! creators, versions (any one shown whole, any two compared), share links and the brand's
//! feedback. A locked workspace sees what proposals are and who unlocks them (403).
//!
//! Each form posts to its own route; a refused form renders the editor again with the message
//! beside the field and what was typed kept (422), any other outcome redirects back with a
//! flash. A new share link is shown once, on the page answering its form.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Result, Scope,
    error::FieldError,
    http::extract::{Form, Path, Query},
    web::{
        flash,
        format::number,
        forms::{
            Answer, FormErrors, action_failed, after_action, fmt_time, html_with, parse_id,
            redirect,
        },
        pages::{PageRoutes, get, post},
        shell::{self, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::money;
use crate::service::proposals::{
    self as service, BRAND_MAX, Current, DELIVERABLES_MAX, Diff, Draft, MESSAGE_MAX, NewProposal,
    TITLE_MAX, Terms, access,
    sharing::{self, LABEL_MAX, LINK_DAYS_MAX, LinkState},
    templates::{self, NAME_MAX},
    versions,
};

pub const LIST: &str = "/discover/proposals";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(create))
        .route("/discover/proposals/{id}", get(editor).post(update))
        .route("/discover/proposals/{id}/delete", post(delete))
        .route("/discover/proposals/{id}/creators", post(add_creator))
        .route(
            "/discover/proposals/{id}/creators/{profile_id}",
            post(update_creator),
        )
        .route(
            "/discover/proposals/{id}/creators/{profile_id}/remove",
            post(remove_creator),
        )
        .route("/discover/proposals/{id}/links", post(create_link))
        .route(
            "/discover/proposals/{id}/links/{link_id}/revoke",
            post(revoke_link),
        )
        .route("/discover/proposals/{id}/template", post(save_template))
        .route("/discover/proposals/{id}/campaign", post(to_campaign))
        .route(
            "/discover/proposals/templates/{id}/delete",
            post(delete_template),
        )
}

fn href(id: Uuid) -> String {
    format!("{LIST}/{id}")
}

/// The limits of the forms' fields, given to the browser as `maxlength`.
pub struct Limits {
    title: usize,
    brand: usize,
    message: usize,
    deliverables: usize,
    label: usize,
    template: usize,
    link_days: i64,
}

const LIMITS: Limits = Limits {
    title: TITLE_MAX,
    brand: BRAND_MAX,
    message: MESSAGE_MAX,
    deliverables: DELIVERABLES_MAX,
    label: LABEL_MAX,
    template: NAME_MAX,
    link_days: LINK_DAYS_MAX,
};

/// A fee typed in the currency's main unit (`1,500` or `1500.50`), in minor units.
fn fee(field: &str, raw: &str) -> std::result::Result<i64, FieldError> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_') && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return Ok(0);
    }
    let bad = || FieldError::new(field, "Enter the fee as a number, e.g. 1500 or 1500.50");
    let (whole, cents) = match cleaned.split_once('.') {
        Some((w, c))
            if !c.is_empty() && c.len() <= 2 && c.chars().all(|ch| ch.is_ascii_digit()) =>
        {
            let n: i64 = c.parse().map_err(|_| bad())?;
            // `1500.5` is 1500.50.
            (w, if c.len() == 1 { n * 10 } else { n })
        }
        Some(_) => return Err(bad()),
        None => (cleaned.as_str(), 0),
    };
    if whole.is_empty() || !whole.chars().all(|ch| ch.is_ascii_digit()) || whole.len() > 12 {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or_else(bad)?;
    if minor > service::FEE_MAX {
        return Err(FieldError::new(
            field,
            format!("The fee must be at most {}", number(service::FEE_MAX / 100)),
        ));
    }
    Ok(minor)
}

/// A fee in minor units as typed back into its field (`1500.50`).
fn fee_text(minor: i64) -> String {
    if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        format!("{}.{:02}", minor / 100, minor % 100)
    }
}

/// The page a locked workspace sees instead: what proposals are and who unlocks them. The
/// sidebar's entry (the list) answers it as a normal page (200: the feature's landing page,
/// not an error); a form sent or a proposal's own address answers it with 403.
#[derive(Template)]
#[template(path = "discovery/proposals/locked.html")]
struct LockedPage {
    shell: Shell,
    message: &'static str,
}

async fn locked_page(state: &AppState, ctx: &Ctx, jar: CookieJar) -> Result<Response> {
    locked_page_as(state, ctx, jar, StatusCode::FORBIDDEN).await
}

async fn locked_page_as(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    status: StatusCode,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let shell = shell::for_request(state, Some(ctx), "Proposals", LIST, flashes).await?;
    let page = LockedPage {
        shell,
        message: access::LOCKED,
    };
    Ok(html_with(Answer::status(status), jar, &page))
}

/// Whether the caller's workspace has proposals (a member who may read it).
async fn unlocked(state: &AppState, ctx: &Ctx) -> Result<bool> {
    ctx.require(platform::Permission::WorkspaceRead)?;
    access::is_unlocked(&state.db, &Scope::of(ctx)?).await
}

// ---- the list -------------------------------------------------------------------------------

struct Row {
    href: String,
    title: String,
    brand: String,
    creators: String,
    version: i32,
    updated: String,
}

struct TemplateRow {
    id: Uuid,
    name: String,
    currency: String,
    slots: String,
}

/// The new-proposal form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewForm {
    title: String,
    brand: String,
    message: String,
    currency: String,
    template_id: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "discovery/proposals/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    templates: Vec<TemplateRow>,
    template_choices: Vec<Choice>,
    form: NewForm,
    errors: FormErrors,
    limits: Limits,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    form: NewForm,
    errors: FormErrors,
) -> Result<Response> {
    let listed = service::list(state, ctx).await?;
    let kept = service::templates(state, ctx).await?;
    let (jar, flashes) = flash::take(jar);
    let shell = shell::for_request(state, Some(ctx), "Proposals", LIST, flashes).await?;
    let chosen = form.template_id.trim().to_string();
    let mut template_choices = vec![Choice {
        value: String::new(),
        label: "None: start empty".into(),
        selected: chosen.is_empty(),
    }];
    template_choices.extend(kept.iter().map(|t| Choice {
        value: t.id.to_string(),
        label: t.name.clone(),
        selected: chosen == t.id.to_string(),
    }));
    let page = ListPage {
        shell,
        rows: listed
            .into_iter()
            .map(|l| Row {
                href: href(l.proposal.id),
                title: l.proposal.title,
                brand: l.proposal.brand,
                creators: platform::web::format::count(l.creators as i64, "creator", "creators"),
                version: l.proposal.version,
                updated: fmt_time(&l.proposal.updated_at),
            })
            .collect(),
        templates: kept
            .iter()
            .map(|t| TemplateRow {
                id: t.id,
                name: t.name.clone(),
                currency: t.currency.clone(),
                slots: platform::web::format::count(
                    templates::slots(t).len() as i64,
                    "creator slot",
                    "creator slots",
                ),
            })
            .collect(),
        template_choices,
        form,
        errors: FormErrors {
            messages: errors.messages.clone(),
            ..errors
        },
        limits: LIMITS,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    if !unlocked(&state, &ctx).await? {
        return locked_page_as(&state, &ctx, jar, StatusCode::OK).await;
    }
    let form = NewForm {
        currency: "USD".into(),
        ..NewForm::default()
    };
    render_list(&state, &ctx, jar, form, FormErrors::default()).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<NewForm>,
) -> Result<Response> {
    if !unlocked(&state, &ctx).await? {
        return locked_page(&state, &ctx, jar).await;
    }
    let template_id = match form.template_id.trim() {
        "" => None,
        raw => Some(
            parse_id(raw)
                .map_err(|_| Error::validation("template_id", "Choose one of the templates")),
        ),
    };
    let outcome = match template_id.transpose() {
        Err(e) => Err(e),
        Ok(template_id) => {
            service::create(
                &state,
                &ctx,
                NewProposal {
                    title: form.title.clone(),
                    brand: form.brand.clone(),
                    message: form.message.clone(),
                    currency: form.currency.clone(),
                    template_id,
                },
            )
            .await
        }
    };
    match outcome {
        Ok(p) => Ok(redirect(
            flash::push(jar, shell::FlashKind::Success, "Proposal created."),
            &href(p.id),
        )),
        Err(Error::NotFound) => {
            let e = FormErrors::from_fields(vec![FieldError::new(
                "template_id",
                "That template was not found. It may have been deleted.",
            )]);
            render_list(&state, &ctx, jar, form, e).await
        }
        Err(e) => match FormErrors::from_error(e) {
            Ok(errors) => render_list(&state, &ctx, jar, form, errors).await,
            Err(other) => Err(other),
        },
    }
}

async fn delete_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    // Another workspace's template (or a locked workspace's) is refused before anything else.
    templates::get(&state, &ctx, id).await?;
    let outcome = templates::delete(&state, &ctx, id).await;
    after_action(jar, LIST, outcome, |_| "Template deleted.".into())
}

// ---- the editor -----------------------------------------------------------------------------

/// Every form of the editor as typed (each form posts its own fields; the rest stay empty).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct EditorForm {
    title: String,
    brand: String,
    message: String,
    currency: String,
    creator: String,
    deliverables: String,
    fee: String,
    expires_in_days: String,
    label: String,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditorQuery {
    /// A version to show whole.
    version: String,
    /// Two versions to compare.
    from: String,
    to: String,
}

struct EntryView {
    profile_id: Uuid,
    username: String,
    full_name: String,
    followers: String,
    engagement: &'static str,
    source: String,
    fetched: String,
    demo: bool,
    deliverables: String,
    fee: String,
    fee_text: String,
    /// "Approved by Ana", "Rejected by Ben" or "".
    decision: String,
    approved: bool,
}

struct VersionView {
    number: i32,
    change: String,
    by: String,
    at: String,
}

struct ShownVersion {
    number: i32,
    title: String,
    brand: String,
    message: String,
    total: String,
    creators: Vec<(String, String, String)>,
}

struct LinkView {
    id: Uuid,
    label: String,
    version: i32,
    state: &'static str,
    active: bool,
    expires: String,
    by: String,
}

struct FeedbackView {
    who: String,
    what: String,
    at: String,
    via: String,
}

#[derive(Template)]
#[template(path = "discovery/proposals/editor.html")]
struct EditorPage {
    shell: Shell,
    id: Uuid,
    title: String,
    brand: String,
    version: i32,
    currency: String,
    total: String,
    entries: Vec<EntryView>,
    approved: usize,
    /// The campaign the approved creators became, or "".
    campaign_href: String,
    versions: Vec<VersionView>,
    shown: Option<ShownVersion>,
    diff_from: String,
    diff_to: String,
    diff: Vec<String>,
    diff_asked: bool,
    links: Vec<LinkView>,
    new_link: String,
    decisions: Vec<FeedbackView>,
    comments: Vec<FeedbackView>,
    form: EditorForm,
    /// Which form the errors are of: `details`, `add`, `link`, `template`, `diff`, or a
    /// creator's profile id.
    failed: String,
    errors: FormErrors,
    limits: Limits,
}

impl EditorPage {
    fn failed_is(&self, form: &str) -> bool {
        self.failed == form
    }

    fn error(&self, form: &str, field: &str) -> &str {
        if self.failed == form {
            self.errors.field(field)
        } else {
            ""
        }
    }
}

fn diff_lines(d: &Diff, currency: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in &d.fields {
        let label = match f.field.as_str() {
            "title" => "Title",
            "brand" => "Brand",
            "message" => "Message",
            _ => "Currency",
        };
        if f.field == "message" {
            out.push("Message changed".into());
        } else {
            out.push(format!("{label}: “{}” → “{}”", f.from, f.to));
        }
    }
    for c in &d.added {
        out.push(format!(
            "Added @{} ({})",
            c.username,
            money(c.fee_minor, currency)
        ));
    }
    for c in &d.removed {
        out.push(format!("Removed @{}", c.username));
    }
    for c in &d.changed {
        if let (Some(a), Some(b)) = (c.fee_from, c.fee_to) {
            out.push(format!(
                "@{}: fee {} → {}",
                c.username,
                money(a, currency),
                money(b, currency)
            ));
        }
        if let (Some(a), Some(b)) = (&c.deliverables_from, &c.deliverables_to) {
            out.push(format!("@{}: deliverables “{a}” → “{b}”", c.username));
        }
    }
    out
}

struct Rendering {
    form: EditorForm,
    failed: String,
    errors: FormErrors,
    new_link: String,
    query: EditorQuery,
}

impl Rendering {
    fn plain(query: EditorQuery) -> Self {
        Rendering {
            form: EditorForm::default(),
            failed: String::new(),
            errors: FormErrors::default(),
            new_link: String::new(),
            query,
        }
    }

    fn refused(form: EditorForm, failed: impl Into<String>, errors: FormErrors) -> Self {
        Rendering {
            form,
            failed: failed.into(),
            errors,
            new_link: String::new(),
            query: EditorQuery::default(),
        }
    }
}

async fn render_editor(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    id: Uuid,
    r: Rendering,
) -> Result<Response> {
    let current: Current = service::get(state, ctx, id).await?;
    let scope = Scope::of(ctx)?;
    let latest = sharing::latest_decisions(&state.db, &scope, id).await?;
    let p = &current.proposal;
    let currency = p.currency.clone();
    let entries: Vec<EntryView> = current
        .entries
        .iter()
        .map(|e| {
            let c = e.creator.as_ref();
            let d = latest.get(&e.row.profile_id);
            EntryView {
                profile_id: e.row.profile_id,
                username: e.username(),
                full_name: c.and_then(|c| c.full_name.clone()).unwrap_or_default(),
                followers: c.map(|c| number(c.followers)).unwrap_or_else(|| "—".into()),
                engagement: crate::web::api::band_word(c.and_then(|c| c.engagement_rate)),
                source: c
                    .and_then(|c| instagram::Source::parse(&c.source))
                    .map(|s| s.label().to_string())
                    .unwrap_or_else(|| "Unknown source".into()),
                fetched: c
                    .and_then(|c| c.fetched_at.as_ref().map(fmt_time))
                    .unwrap_or_else(|| "an unknown time".into()),
                demo: c.is_some_and(|c| c.pool == "demo" || c.source == "demo"),
                deliverables: e.row.deliverables.clone(),
                fee: money(e.row.fee_minor, &currency),
                fee_text: fee_text(e.row.fee_minor),
                decision: d
                    .map(|d| {
                        let verb = if d.decision == "approved" {
                            "Approved"
                        } else {
                            "Rejected"
                        };
                        format!("{verb} by {}", d.reviewer_name)
                    })
                    .unwrap_or_default(),
                approved: d.is_some_and(|d| d.decision == "approved"),
            }
        })
        .collect();
    let approved = entries.iter().filter(|e| e.approved).count();
    let rows = versions::list(state, ctx, id).await?;
    let q = &r.query;
    let shown = match q.version.trim().parse::<i32>() {
        Ok(n) => match versions::get(state, ctx, id, n).await {
            Ok((_, s)) => Some(ShownVersion {
                number: n,
                total: money(s.total_fee(), &s.currency),
                creators: s
                    .creators
                    .iter()
                    .map(|c| {
                        (
                            c.username.clone(),
                            c.deliverables.clone(),
                            money(c.fee_minor, &s.currency),
                        )
                    })
                    .collect(),
                title: s.title,
                brand: s.brand,
                message: s.message,
            }),
            Err(Error::NotFound) => None,
            Err(e) => return Err(e),
        },
        Err(_) => None,
    };
    let (mut failed, mut errors) = (r.failed, r.errors);
    let mut diff = Vec::new();
    let diff_asked = !q.from.is_empty() || !q.to.is_empty();
    if diff_asked {
        let from = q.from.trim().parse::<i32>().unwrap_or(0);
        let to = q.to.trim().parse::<i32>().unwrap_or(0);
        match versions::between(state, ctx, id, from, to).await {
            Ok(d) => {
                diff = diff_lines(&d, &currency);
                if diff.is_empty() {
                    diff.push("Nothing changed between these versions.".into());
                }
            }
            Err(e @ Error::Validation(_)) => {
                failed = "diff".into();
                errors = FormErrors::from_error(e)?;
            }
            Err(e) => return Err(e),
        }
    }
    let newest = p.version;
    let diff_from = if q.from.is_empty() {
        (newest - 1).max(1).to_string()
    } else {
        q.from.clone()
    };
    let diff_to = if q.to.is_empty() {
        newest.to_string()
    } else {
        q.to.clone()
    };
    let now = platform::db::now();
    let links = sharing::links(state, ctx, id)
        .await?
        .into_iter()
        .map(|l| {
            let st = LinkState::of(&l, now);
            LinkView {
                id: l.id,
                label: if l.label.is_empty() {
                    "Review link".into()
                } else {
                    l.label.clone()
                },
                version: l.version,
                state: match st {
                    LinkState::Active => "Active",
                    LinkState::Expired => "Expired",
                    LinkState::Revoked => "Revoked",
                },
                active: st == LinkState::Active,
                expires: fmt_time(&l.expires_at),
                by: l.created_by,
            }
        })
        .collect();
    let f = sharing::feedback(state, ctx, id).await?;
    let via = |link: &Uuid| {
        f.link_labels
            .get(link)
            .filter(|l| !l.is_empty())
            .cloned()
            .unwrap_or_else(|| "Review link".into())
    };
    let name_of = |pid: &Uuid| {
        f.usernames
            .get(pid)
            .map(|u| format!("@{u}"))
            .unwrap_or_else(|| "a creator".into())
    };
    let decisions = f
        .decisions
        .iter()
        .map(|d| FeedbackView {
            who: d.reviewer_name.clone(),
            what: format!(
                "{} {}",
                if d.decision == "approved" {
                    "Approved"
                } else {
                    "Rejected"
                },
                name_of(&d.profile_id)
            ),
            at: fmt_time(&d.decided_at),
            via: via(&d.link_id),
        })
        .collect();
    let comments = f
        .comments
        .iter()
        .map(|c| FeedbackView {
            who: c.reviewer_name.clone(),
            what: match &c.profile_id {
                Some(pid) => format!("On {}: {}", name_of(pid), c.body),
                None => c.body.clone(),
            },
            at: fmt_time(&c.created_at),
            via: via(&c.link_id),
        })
        .collect();
    let mut form = r.form;
    if failed != "details" {
        form.title = p.title.clone();
        form.brand = p.brand.clone();
        form.message = p.message.clone();
        form.currency = p.currency.clone();
    }
    if form.expires_in_days.is_empty() {
        form.expires_in_days = "14".into();
    }
    let (jar, flashes) = flash::take(jar);
    let shell = shell::for_request(state, Some(ctx), &p.title, LIST, flashes).await?;
    let page = EditorPage {
        shell,
        id,
        title: p.title.clone(),
        brand: p.brand.clone(),
        version: p.version,
        total: money(current.total_fee(), &currency),
        currency,
        entries,
        approved,
        campaign_href: p
            .campaign_id
            .filter(|c| *c != p.id)
            .map(|c| format!("{}/{c}", crate::web::campaigns::pages::INDEX))
            .unwrap_or_default(),
        versions: rows
            .iter()
            .map(|v| VersionView {
                number: v.number,
                change: v.change.clone(),
                by: v.created_by.clone(),
                at: fmt_time(&v.created_at),
            })
            .collect(),
        shown,
        diff_from,
        diff_to,
        diff,
        diff_asked,
        links,
        new_link: r.new_link,
        decisions,
        comments,
        form,
        failed,
        errors,
        limits: LIMITS,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

async fn editor(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<EditorQuery>,
    jar: CookieJar,
) -> Result<Response> {
    if !unlocked(&state, &ctx).await? {
        return locked_page(&state, &ctx, jar).await;
    }
    let id = parse_id(&id)?;
    render_editor(&state, &ctx, jar, id, Rendering::plain(q)).await
}

/// Where an editor form answers: the editor of proposal `id`.
struct Editor<'a> {
    state: &'a AppState,
    ctx: &'a Ctx,
    jar: CookieJar,
    id: Uuid,
}

impl Editor<'_> {
    /// The outcome of an editor form: back to the editor with `said`, or the form again with
    /// its errors beside its fields (what is not a form's error is flashed or passed on).
    async fn answer<T>(
        self,
        form: EditorForm,
        which: &str,
        outcome: Result<T>,
        said: &str,
    ) -> Result<Response> {
        let Editor {
            state,
            ctx,
            jar,
            id,
        } = self;
        match outcome {
            Ok(_) => Ok(redirect(
                flash::push(jar, shell::FlashKind::Success, said),
                &href(id),
            )),
            Err(e @ Error::Validation(_)) => {
                let errors = FormErrors::from_error(e)?;
                render_editor(state, ctx, jar, id, Rendering::refused(form, which, errors)).await
            }
            Err(e) => action_failed(jar, e, &href(id)),
        }
    }
}

/// Looks the proposal up first: another workspace's id is not found whatever was posted.
async fn own(state: &AppState, ctx: &Ctx, id: &str) -> Result<Uuid> {
    let id = parse_id(id)?;
    service::get(state, ctx, id).await?;
    Ok(id)
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = match Draft::new(&form.title, &form.brand, &form.message, &form.currency) {
        Ok(d) => service::update(&state, &ctx, id, d).await,
        Err(e) => Err(e),
    };
    Editor {
        state: &state,
        ctx: &ctx,
        jar,
        id,
    }
    .answer(form, "details", outcome, "Proposal saved.")
    .await
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = service::delete(&state, &ctx, id).await;
    match outcome {
        Ok(()) => Ok(redirect(
            flash::push(jar, shell::FlashKind::Success, "Proposal deleted."),
            LIST,
        )),
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

async fn add_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = async {
        let found = service::creator_named(&state.db, &form.creator).await?;
        let fee_minor = if form.fee.trim().is_empty() {
            None
        } else {
            Some(fee("fee", &form.fee).map_err(|f| Error::Validation(vec![f]))?)
        };
        let deliverables = Some(form.deliverables.as_str()).filter(|d| !d.trim().is_empty());
        service::add_creator(&state, &ctx, id, found.profile_id, deliverables, fee_minor).await
    }
    .await;
    Editor {
        state: &state,
        ctx: &ctx,
        jar,
        id,
    }
    .answer(form, "add", outcome, "Creator added.")
    .await
}

async fn update_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let profile_id = parse_id(&profile_id)?;
    let outcome = match fee("fee", &form.fee) {
        Err(f) => Err(Error::Validation(vec![f])),
        Ok(minor) => match Terms::new(&form.deliverables, minor) {
            Ok(terms) => service::update_creator(&state, &ctx, id, profile_id, terms).await,
            Err(e) => Err(e),
        },
    };
    Editor {
        state: &state,
        ctx: &ctx,
        jar,
        id,
    }
    .answer(form, &profile_id.to_string(), outcome, "Terms saved.")
    .await
}

async fn remove_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = service::remove_creator(&state, &ctx, id, parse_id(&profile_id)?).await;
    after_action(jar, &href(id), outcome, |_| "Creator removed.".into())
}

async fn create_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    // Not a number is out of range, and said so beside the field.
    let days = form
        .expires_in_days
        .trim()
        .parse::<i64>()
        .unwrap_or_default();
    match sharing::create_link(&state, &ctx, id, days, &form.label).await {
        Ok((_, token)) => {
            let mut r = Rendering::plain(EditorQuery::default());
            r.new_link = format!(
                "{}{}",
                state.config.base_url(),
                sharing::review_path(&token)
            );
            let response = render_editor(&state, &ctx, jar, id, r).await?;
            Ok((StatusCode::CREATED, response).into_response())
        }
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            render_editor(
                &state,
                &ctx,
                jar,
                id,
                Rendering::refused(form, "link", errors),
            )
            .await
        }
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

async fn revoke_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, link_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = sharing::revoke_link(&state, &ctx, id, parse_id(&link_id)?).await;
    after_action(jar, &href(id), outcome, |_| {
        "Link revoked: it no longer opens the proposal.".into()
    })
}

async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    let outcome = templates::save(&state, &ctx, id, &form.name).await;
    Editor {
        state: &state,
        ctx: &ctx,
        jar,
        id,
    }
    .answer(
        form,
        "template",
        outcome,
        "Saved as a template: start new proposals from it on the proposals page.",
    )
    .await
}

async fn to_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = own(&state, &ctx, &id).await?;
    match service::to_campaign(&state, &ctx, id).await {
        Ok(c) => Ok(redirect(
            flash::push(
                jar,
                shell::FlashKind::Success,
                "The approved creators are a campaign now.",
            ),
            &format!("{}/{c}", crate::web::campaigns::pages::INDEX),
        )),
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_read_in_the_main_unit() {
        assert_eq!(fee("f", "1,500").unwrap(), 150_000);
        assert_eq!(fee("f", "1500.5").unwrap(), 150_050);
        assert_eq!(fee("f", "0.05").unwrap(), 5);
        assert_eq!(fee("f", "").unwrap(), 0);
        assert!(fee("f", "-3").is_err());
        assert!(fee("f", "1.234").is_err());
        assert!(fee("f", "lots").is_err());
        assert!(fee("f", "99999999999999").is_err());
        assert_eq!(fee_text(150_050), "1500.50");
        assert_eq!(fee_text(150_000), "1500");
    }
}
