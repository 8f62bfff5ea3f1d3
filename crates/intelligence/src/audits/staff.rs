//! The back-office tables audits are judged against (super admins): engagement-rate bands per
//! follower tier, each naming its source and year, and the hashtags reported banned or
//! restricted, each with its source and the day it was checked. One small form per row, one
//! to add; a refused value is shown back with its message. Every change is in the activity log.

use askama::Template;
use axum::{
    extract::State,
    response::Response,
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Error, Result,
    http::extract::{Form, Path, Query},
    staff::{
        Chrome, Staff, StaffGroup, StaffNavEntry, StaffPage, StaffPermission, StaffRoutes, frame,
    },
    web::{
        forms::{FormErrors, fmt_time, html_with, parse_id, redirect_flash},
        shell::{FlashKind, Icon, Shell},
    },
};
use serde::Deserialize;

use crate::service::audit::reference::{
    self, BenchmarkInput, LABEL_MAX, NOTE_MAX, SOURCE_MAX, TAG_MAX, TagInput, URL_MAX,
};

pub const PAGE: &str = "/admin/intelligence/benchmarks";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .route(PAGE, get(page))
        .route("/admin/intelligence/benchmarks/new", post(add_benchmark))
        .route(
            "/admin/intelligence/benchmarks/{id}",
            post(update_benchmark),
        )
        .route(
            "/admin/intelligence/benchmarks/{id}/delete",
            post(delete_benchmark),
        )
        .route("/admin/intelligence/tags", post(save_tag))
        .route("/admin/intelligence/tags/{tag}/delete", post(delete_tag))
}

pub fn nav() -> Vec<StaffNavEntry> {
    vec![StaffNavEntry {
        group: StaffGroup::System,
        order: 40,
        label: "Audit benchmarks",
        path: PAGE,
        icon: Icon::Audit,
        permission: StaffPermission::System,
    }]
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BenchmarkForm {
    tier_label: String,
    min_followers: String,
    max_followers: String,
    low: String,
    high: String,
    definition: String,
    source: String,
    source_url: String,
    year: String,
}

impl BenchmarkForm {
    fn input(&self) -> Result<BenchmarkInput> {
        let mut e = Vec::new();
        let mut int = |field: &str, raw: &str, required: bool| -> Option<i64> {
            let raw = raw.trim().replace(',', "");
            if raw.is_empty() {
                if required {
                    e.push(platform::FieldError::new(field, "Required"));
                }
                return None;
            }
            raw.parse().map(Some).unwrap_or_else(|_| {
                e.push(platform::FieldError::new(field, "Use a whole number"));
                None
            })
        };
        let min = int("min_followers", &self.min_followers, true);
        let max = int("max_followers", &self.max_followers, false);
        let year = int("year", &self.year, true);
        let mut pct = |field: &str, raw: &str| -> f64 {
            raw.trim()
                .trim_end_matches('%')
                .trim()
                .parse()
                .unwrap_or_else(|_| {
                    e.push(platform::FieldError::new(field, "A percentage, e.g. 2.5"));
                    f64::NAN
                })
        };
        let low = pct("low", &self.low);
        let high = pct("high", &self.high);
        if !e.is_empty() {
            return Err(Error::Validation(e));
        }
        Ok(BenchmarkInput {
            tier_label: self.tier_label.clone(),
            min_followers: min.unwrap_or(0),
            max_followers: max,
            low,
            high,
            definition: self.definition.clone(),
            source: self.source.clone(),
            source_url: Some(self.source_url.clone()),
            year: i32::try_from(year.unwrap_or(0)).unwrap_or(0),
        })
    }

    fn of(b: &crate::model::benchmark::Model) -> Self {
        BenchmarkForm {
            tier_label: b.tier_label.clone(),
            min_followers: b.min_followers.to_string(),
            max_followers: b.max_followers.map(|m| m.to_string()).unwrap_or_default(),
            low: b.low.to_string(),
            high: b.high.to_string(),
            definition: b.definition.clone(),
            source: b.source.clone(),
            source_url: b.source_url.clone().unwrap_or_default(),
            year: b.year.to_string(),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TagForm {
    tag: String,
    tag_level: String,
    tag_source: String,
    tag_source_url: String,
    tag_checked_on: String,
    tag_note: String,
}

struct BenchmarkRow {
    id: String,
    form: BenchmarkForm,
    updated: String,
}

struct TagRow {
    tag: String,
    level: String,
    source: String,
    source_url: String,
    checked_on: String,
    note: String,
}

#[derive(Template)]
#[template(path = "intelligence/staff/benchmarks.html")]
struct BenchmarksPage {
    shell: Shell,
    chrome: Option<Chrome>,
    rows: Vec<BenchmarkRow>,
    /// The one benchmark form: (action, its heading, fields, errors, open).
    form_action: String,
    form_title: String,
    f: BenchmarkForm,
    errors: FormErrors,
    editing: bool,
    tags: Vec<TagRow>,
    tag_form: TagForm,
    tag_errors: FormErrors,
    label_max: usize,
    source_max: usize,
    url_max: usize,
    tag_max: usize,
    note_max: usize,
}

enum Failed {
    Benchmark(Option<String>, BenchmarkForm, FormErrors),
    Tag(TagForm, FormErrors),
}

async fn page_with(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    editing: Option<String>,
    failed: Option<Failed>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let benchmarks = reference::benchmarks(&state.db).await?;
    let tags = reference::restricted_tags(&state.db).await?;
    let (jar, shell, chrome) = frame(state, staff, "Audit benchmarks", PAGE, jar).await?;
    let mut answer = platform::web::forms::Answer::OK;
    let mut form_id: Option<String> = editing;
    let mut f = None;
    let mut errors = FormErrors::default();
    let mut tag_form = TagForm {
        tag_level: "restricted".into(),
        ..TagForm::default()
    };
    let mut tag_errors = FormErrors::default();
    let rows: Vec<BenchmarkRow> = benchmarks
        .iter()
        .map(|b| BenchmarkRow {
            id: b.id.to_string(),
            form: BenchmarkForm::of(b),
            updated: fmt_time(&b.updated_at),
        })
        .collect();
    match failed {
        Some(Failed::Benchmark(id, form, e)) => {
            answer = e.answer;
            form_id = id;
            f = Some(form);
            errors = e;
        }
        Some(Failed::Tag(form, errors)) => {
            answer = errors.answer;
            tag_form = form;
            tag_errors = errors;
        }
        None => {}
    }
    let edited = form_id
        .as_ref()
        .and_then(|id| rows.iter().find(|r| &r.id == id));
    let (form_action, form_title, f) = match (edited, f) {
        (Some(r), f) => (
            format!("/admin/intelligence/benchmarks/{}", r.id),
            format!("Change {}", r.form.tier_label),
            f.unwrap_or_else(|| r.form.clone()),
        ),
        (None, f) => (
            "/admin/intelligence/benchmarks/new".to_string(),
            "Add a tier".to_string(),
            f.unwrap_or_default(),
        ),
    };
    let open = edited.is_some() || !errors.messages.is_empty();
    Ok(html_with(
        answer,
        jar,
        &BenchmarksPage {
            shell,
            chrome,
            rows,
            form_action,
            form_title,
            f,
            errors,
            editing: open,
            tags: tags
                .into_iter()
                .map(|t| TagRow {
                    tag: t.tag,
                    level: t.level,
                    source: t.source,
                    source_url: t.source_url.unwrap_or_default(),
                    checked_on: t.checked_on.format("%b %-d, %Y").to_string(),
                    note: t.note.unwrap_or_default(),
                })
                .collect(),
            tag_form,
            tag_errors,
            label_max: LABEL_MAX,
            source_max: SOURCE_MAX,
            url_max: URL_MAX,
            tag_max: TAG_MAX,
            note_max: NOTE_MAX,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    edit: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(q): Query<PageQuery>,
    jar: CookieJar,
) -> Result<Response> {
    page_with(&state, &staff, jar, q.edit, None).await
}

async fn save_benchmark_form(
    state: &AppState,
    staff: &Staff,
    id: Option<uuid::Uuid>,
    jar: CookieJar,
    form: BenchmarkForm,
) -> Result<Response> {
    let saved = match form.input() {
        Ok(input) => reference::save_benchmark(staff, &state.db, id, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(b) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("{} is saved.", b.tier_label),
            PAGE,
        )),
        Err(Error::NotFound) => Err(Error::NotFound),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            page_with(
                state,
                staff,
                jar,
                None,
                Some(Failed::Benchmark(id.map(|i| i.to_string()), form, errors)),
            )
            .await
        }
    }
}

async fn add_benchmark(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<BenchmarkForm>,
) -> Result<Response> {
    save_benchmark_form(&state, &staff, None, jar, form).await
}

async fn update_benchmark(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<BenchmarkForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    save_benchmark_form(&state, &staff, Some(id), jar, form).await
}

async fn delete_benchmark(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    reference::delete_benchmark(&staff, &state.db, parse_id(&id)?).await?;
    Ok(redirect_flash(
        jar,
        FlashKind::Success,
        "The benchmark row is deleted.",
        PAGE,
    ))
}

async fn save_tag(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<TagForm>,
) -> Result<Response> {
    let checked_on = if form.tag_checked_on.trim().is_empty() {
        Ok(None)
    } else {
        chrono::NaiveDate::parse_from_str(form.tag_checked_on.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::validation("checked_on", "A date, e.g. 2026-12-06"))
    };
    let saved = match checked_on {
        Ok(checked_on) => {
            let input = TagInput {
                tag: form.tag.clone(),
                level: form.tag_level.clone(),
                source: form.tag_source.clone(),
                source_url: Some(form.tag_source_url.clone()),
                checked_on,
                note: Some(form.tag_note.clone()),
            };
            reference::save_tag(&staff, &state.db, &input).await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("#{} is saved as {}.", t.tag, t.level),
            PAGE,
        )),
        Err(e) => {
            let mut errors = FormErrors::from_error(e)?;
            // The tag form's fields carry a prefix on the page (the benchmark form is there too).
            for f in &mut errors.fields {
                if f.field != "tag" {
                    f.field = format!("tag_{}", f.field);
                }
            }
            page_with(&state, &staff, jar, None, Some(Failed::Tag(form, errors))).await
        }
    }
}

async fn delete_tag(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(tag): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    reference::delete_tag(&staff, &state.db, &tag).await?;
    Ok(redirect_flash(
        jar,
        FlashKind::Success,
        format!("#{tag} is off the list."),
        PAGE,
    ))
}
