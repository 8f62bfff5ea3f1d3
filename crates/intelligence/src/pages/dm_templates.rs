//! The DM template pages: the workspace's templates with a category filter, the form to add
//! one and the form to draft one with AI (`/dm-templates`); the "keep the AI draft" form
//! (`/dm-templates/new?draft=…`); one template (`/dm-templates/{id}`: edit, preview with sample
//! values, copy, remove). Copy buttons copy in the browser (app.js `data-copy`) and, for members
//! who may change the workspace, count the use with an htmx post beside it. Forms are plain
//! posts: invalid input is answered inline; a failed action with a flash (a toast for htmx).
//! AI text is only ever shown escaped and marked AI-written.

use std::collections::HashMap;

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::web::format::number;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path, Query},
    web::{
        flash,
        forms::{FormErrors, action_failed, html_with, parse_id, plural, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Icon, NavArea, NavEntry, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    model::dm_templates::template,
    service::dm_templates::{
        self as service, BODY_MAX, BRIEF_MAX, Category, DEFAULT_MAX, DraftInput, NAME_MAX,
        TemplateInput, VARIABLES_MAX, Variable,
        render::{self, BUILT_INS, Rendered},
    },
};

const LIST: &str = "/dm-templates";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(create))
        .route("/dm-templates/new", get(new_page))
        .route("/dm-templates/drafts", post(draft))
        .route("/dm-templates/{id}", get(template_page).post(update))
        .route("/dm-templates/{id}/preview", post(preview))
        .route("/dm-templates/{id}/copy", post(copy))
        .route("/dm-templates/{id}/delete", post(delete))
}

/// The sidebar entry.
pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "DM templates",
        href: LIST,
        area: NavArea::Engagement,
        icon: Icon::Mail,
        order: 120,
        keywords: "direct message dm templates replies outreach copy snippets",
    }]
}

// ---- the form -------------------------------------------------------------------------------

/// The template form as sent (and shown again after an error). Custom variables are one per
/// line, `name = default`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    name: String,
    category: String,
    body: String,
    variables: String,
    ai_generation_id: String,
}

impl TemplateForm {
    fn of(t: &template::Model) -> Self {
        TemplateForm {
            name: t.name.clone(),
            category: t.category.clone(),
            body: t.body.clone(),
            variables: variables_text(&service::variables_of(t)),
            ai_generation_id: String::new(),
        }
    }

    fn input(&self) -> TemplateInput {
        TemplateInput {
            name: self.name.clone(),
            category: self.category.clone(),
            body: self.body.clone(),
            variables: parse_variables(&self.variables),
        }
    }
}

fn variables_text(vars: &[Variable]) -> String {
    vars.iter()
        .map(|v| format!("{} = {}", v.name, v.default))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name = default` lines (braces around the name are forgiven); blank lines are skipped and a
/// line without `=` is a name without a default, which the check names.
fn parse_variables(text: &str) -> Vec<Variable> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, default) = l.split_once('=').unwrap_or((l, ""));
            Variable {
                name: name
                    .trim()
                    .trim_start_matches('{')
                    .trim_end_matches('}')
                    .trim()
                    .to_string(),
                default: default.trim().to_string(),
            }
        })
        .collect()
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn categories(selected: &str) -> Vec<Choice> {
    Category::ALL
        .into_iter()
        .map(|c| Choice {
            value: c.value(),
            label: c.label(),
            selected: c.value() == selected,
        })
        .collect()
}

/// The limits every form shows.
struct Limits {
    name: usize,
    body: usize,
    variables: usize,
    default: usize,
    brief: usize,
}

const LIMITS: Limits = Limits {
    name: NAME_MAX,
    body: BODY_MAX,
    variables: VARIABLES_MAX,
    default: DEFAULT_MAX,
    brief: BRIEF_MAX,
};

fn uses_label(n: i64) -> String {
    if n == 0 {
        "Not used yet".into()
    } else {
        format!(
            "Used {}",
            plural(u64::try_from(n).unwrap_or(0), "time", "times")
        )
    }
}

// ---- the list -------------------------------------------------------------------------------

struct Row {
    id: String,
    href: String,
    name: String,
    category: &'static str,
    body: String,
    uses: String,
    ai_written: bool,
}

#[derive(Template)]
#[template(path = "intelligence/dm_templates.html")]
struct ListPage {
    shell: Shell,
    can_write: bool,
    filter: String,
    filters: Vec<Choice>,
    filter_label: &'static str,
    rows: Vec<Row>,
    errors: FormErrors,
    form: TemplateForm,
    categories: Vec<Choice>,
    draft_categories: Vec<Choice>,
    limits: Limits,
    action: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    category: String,
}

async fn list(
    state: &AppState,
    ctx: &Ctx,
    filter: &str,
    errors: FormErrors,
    form: TemplateForm,
    jar: CookieJar,
) -> Result<Response> {
    let category = Category::parse(filter);
    let rows = service::list(state, ctx, category).await?;
    let (jar, flashes) = flash::take(jar);
    let selected = if form.category.is_empty() {
        category.unwrap_or(Category::Greeting).value()
    } else {
        form.category.as_str()
    }
    .to_string();
    let view = ListPage {
        shell: shell::for_request(state, Some(ctx), "DM templates", LIST, flashes).await?,
        can_write: ctx.can(Permission::WorkspaceWrite),
        filter: category.map(|c| c.value()).unwrap_or("").to_string(),
        filters: categories(category.map(|c| c.value()).unwrap_or("")),
        filter_label: category.map(|c| c.label()).unwrap_or(""),
        rows: rows
            .iter()
            .map(|t| Row {
                id: t.id.to_string(),
                href: format!("/dm-templates/{}", t.id),
                name: t.name.clone(),
                category: Category::label_of(&t.category),
                body: t.body.clone(),
                uses: uses_label(t.usage_count),
                ai_written: service::is_ai_written(t),
            })
            .collect(),
        errors,
        categories: categories(&selected),
        draft_categories: categories(&selected),
        form,
        limits: LIMITS,
        action: LIST,
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    list(
        &state,
        &ctx,
        q.category.trim(),
        FormErrors::default(),
        TemplateForm::default(),
        jar,
    )
    .await
}

/// The draft the form keeps, if any: an id that is no id is no draft (the service names it).
fn kept_draft_id(form: &TemplateForm) -> Result<Option<Uuid>> {
    let raw = form.ai_generation_id.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(raw).map(Some).map_err(|_| {
        Error::validation(
            "ai_generation_id",
            "That AI draft was not found or is not finished: draft the template again",
        )
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TemplateForm>,
) -> Result<Response> {
    let outcome = match kept_draft_id(&form) {
        Ok(draft) => service::create(&state, &ctx, form.input(), draft).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Template saved. Preview it with sample values below.",
            &format!("/dm-templates/{}", t.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            if form.ai_generation_id.trim().is_empty() {
                list(&state, &ctx, "", errors, form, jar).await
            } else {
                new(&state, &ctx, errors, form, None, jar).await
            }
        }
    }
}

// ---- keeping an AI draft --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "intelligence/dm_template_new.html")]
struct NewPage {
    shell: Shell,
    can_write: bool,
    errors: FormErrors,
    form: TemplateForm,
    categories: Vec<Choice>,
    limits: Limits,
    action: &'static str,
    model: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    draft: String,
    category: String,
}

async fn new(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: TemplateForm,
    model: Option<String>,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let view = NewPage {
        shell: shell::for_request(state, Some(ctx), "Keep the AI draft", LIST, flashes).await?,
        can_write: ctx.can(Permission::WorkspaceWrite),
        errors,
        categories: categories(&form.category),
        form,
        limits: LIMITS,
        action: LIST,
        model: model.unwrap_or_default(),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let key = parse_id(q.draft.trim())?;
    let g = service::find_draft(&state, &ctx, key).await?;
    if ai::generation::effective_status(&g).0 != "done" {
        return Ok(redirect_flash(
            jar,
            FlashKind::Error,
            "That AI draft is not finished (or failed): draft the template again.",
            LIST,
        ));
    }
    let category = Category::parse(q.category.trim())
        .unwrap_or(Category::Other)
        .value();
    let form = TemplateForm {
        name: String::new(),
        category: category.to_string(),
        body: g.output.trim().to_string(),
        variables: String::new(),
        ai_generation_id: g.id.to_string(),
    };
    new(
        &state,
        &ctx,
        FormErrors::default(),
        form,
        Some(g.model),
        jar,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DraftForm {
    brief: String,
    category: String,
}

/// Starts an AI draft and answers the fragment that streams it (htmx); a refusal is a toast.
async fn draft(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<DraftForm>,
) -> Result<Response> {
    let input = DraftInput {
        brief: form.brief,
        category: form.category,
    };
    match service::start_draft(&state, &ctx, &input).await {
        Ok(g) => ai::web::stream::fragment_response(&g),
        Err(e) => action_failed(jar, e, LIST),
    }
}

// ---- one template ---------------------------------------------------------------------------

struct SampleField {
    name: String,
    label: String,
    value: String,
}

/// The filled-in text (the preview partial's `p`).
struct Preview {
    id: String,
    text: String,
    chars: String,
    max: String,
    too_long: bool,
    unknown: Vec<String>,
    can_write: bool,
}

/// The preview alone (htmx).
#[derive(Template)]
#[template(path = "intelligence/_dm_preview.html")]
struct PreviewPart {
    p: Preview,
}

impl Preview {
    fn of(t: &template::Model, r: Rendered, can_write: bool) -> Self {
        Preview {
            id: t.id.to_string(),
            too_long: r.too_long(),
            chars: number(i64::try_from(r.chars).unwrap_or(i64::MAX)),
            max: number(i64::try_from(render::DM_MAX).unwrap_or(i64::MAX)),
            unknown: r.unknown.iter().map(|u| format!("{{{u}}}")).collect(),
            text: r.text,
            can_write,
        }
    }
}

/// The usage count after a copy.
#[derive(Template)]
#[template(path = "intelligence/_dm_uses.html")]
struct UsesPart {
    id: String,
    uses: String,
}

#[derive(Template)]
#[template(path = "intelligence/dm_template.html")]
struct TemplatePage {
    shell: Shell,
    id: String,
    name: String,
    category: &'static str,
    ai_written: bool,
    uses: String,
    created: String,
    updated: String,
    can_write: bool,
    samples: Vec<SampleField>,
    p: Preview,
    errors: FormErrors,
    form: TemplateForm,
    categories: Vec<Choice>,
    limits: Limits,
    action: String,
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    t: template::Model,
    errors: FormErrors,
    form: Option<TemplateForm>,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let vars = service::variables_of(&t);
    let samples = BUILT_INS
        .iter()
        .map(|b| SampleField {
            name: b.name.to_string(),
            label: format!("{{{}}} · {}", b.name, b.label),
            value: b.sample.to_string(),
        })
        .chain(vars.iter().map(|v| SampleField {
            name: v.name.clone(),
            label: format!("{{{}}}", v.name),
            value: v.default.clone(),
        }))
        .collect();
    let form = form.unwrap_or_else(|| TemplateForm::of(&t));
    let view = TemplatePage {
        shell: shell::for_request(state, Some(ctx), &t.name, LIST, flashes).await?,
        id: t.id.to_string(),
        name: t.name.clone(),
        category: Category::label_of(&t.category),
        ai_written: service::is_ai_written(&t),
        uses: uses_label(t.usage_count),
        created: t.created_at.format("%b %-d, %Y").to_string(),
        updated: t.updated_at.format("%b %-d, %Y %H:%M UTC").to_string(),
        can_write,
        samples,
        p: Preview::of(&t, service::fill(&t, &HashMap::new()), can_write),
        errors,
        categories: categories(&form.category),
        form,
        limits: LIMITS,
        action: format!("/dm-templates/{}", t.id),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn template_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let t = service::get(&state, &ctx, parse_id(&id)?).await?;
    show(&state, &ctx, t, FormErrors::default(), None, jar).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TemplateForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::update(&state, &ctx, id, form.input()).await {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Template saved.",
            &format!("/dm-templates/{}", t.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let t = service::get(&state, &ctx, id).await?;
            show(&state, &ctx, t, errors, Some(form), jar).await
        }
    }
}

/// The preview filled in with the sample values sent (field names are the variables').
async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response> {
    let t = service::get(&state, &ctx, parse_id(&id)?).await?;
    let r = service::fill(&t, &values);
    let part = PreviewPart {
        p: Preview::of(&t, r, ctx.can(Permission::WorkspaceWrite)),
    };
    Ok(platform::web::render(&part))
}

/// Counts a copy (the text itself was copied in the browser); answers the new count.
async fn copy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    match service::record_use(&state, &ctx, parse_id(&id)?).await {
        Ok(t) => Ok(platform::web::render(&UsesPart {
            id: t.id.to_string(),
            uses: uses_label(t.usage_count),
        })),
        Err(e) => action_failed(jar, e, LIST),
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    match service::delete(&state, &ctx, parse_id(&id)?).await {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Template “{}” removed.", t.name),
            LIST,
        )),
        Err(e) => action_failed(jar, e, LIST),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_lines_are_read_and_written_back() {
        let vars = parse_variables("discount = 10 %\n\n {code}= SUMMER=24 \nnameonly\r\n");
        assert_eq!(
            vars,
            vec![
                Variable {
                    name: "discount".into(),
                    default: "10 %".into()
                },
                Variable {
                    name: "code".into(),
                    default: "SUMMER=24".into()
                },
                Variable {
                    name: "nameonly".into(),
                    default: String::new()
                },
            ]
        );
        assert_eq!(
            variables_text(&vars[..2]),
            "discount = 10 %\ncode = SUMMER=24"
        );
    }
}
