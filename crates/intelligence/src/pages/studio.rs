//! The AI studio of an own account (`/instagram/accounts/{id}/studio`): its brand voice, a form
//! asking for a caption, hashtag set, week of post ideas or bio (the text streams in below,
//! marked AI-written), and the content library — kept texts, edited, removed, scheduled into
//! the planner. Keeping an AI text goes through `…/studio/keep/{generation_id}`: the finished
//! text in an editor, saved as the team changed it.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{NaiveTime, Timelike};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    http::extract::{Form, Path},
    web::{
        flash,
        forms::{FormErrors, after_action, fmt_time, html_with, parse_id, redirect_flash},
        links::ObjectLink,
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use crate::service::{
    content::{
        self, BRIEF_MAX, Kind, NICHE_MAX, Request,
        library::{self, ItemInput, TITLE_MAX},
        voice::{self, EMOJI, TONE_MAX, Voice, WORDS_MAX},
    },
    planner::{SubjectKey, calendar::MEDIA_TYPES, zone},
};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/instagram/accounts/{id}/studio", get(page))
        .route("/instagram/accounts/{id}/studio/voice", post(save_voice))
        .route("/instagram/accounts/{id}/studio/generate", post(generate))
        .route(
            "/instagram/accounts/{id}/studio/keep/{generation_id}",
            get(keep_page),
        )
        .route("/instagram/accounts/{id}/studio/library", post(keep))
        .route("/studio/items/{item_id}", post(update_item))
        .route("/studio/items/{item_id}/delete", post(delete_item))
        .route("/studio/items/{item_id}/schedule", post(schedule_item))
}

pub fn link() -> ObjectLink {
    ObjectLink {
        object: instagram::ACCOUNT_OBJECT,
        label: "AI studio",
        path: "/instagram/accounts/{id}/studio",
        order: 15,
    }
}

struct ItemView {
    id: String,
    kind: &'static str,
    title: String,
    body: String,
    ai_written: bool,
    edited: bool,
    scheduled: bool,
    created: String,
    max: usize,
}

#[derive(Template)]
#[template(path = "intelligence/studio.html")]
struct StudioPage {
    shell: Shell,
    username: String,
    path: String,
    can_write: bool,
    voice: Voice,
    voice_errors: FormErrors,
    emoji: &'static [(&'static str, &'static str)],
    kinds: Vec<(&'static str, &'static str)>,
    items: Vec<ItemView>,
    media_types: &'static [(&'static str, &'static str)],
    time_zone: String,
    demo: bool,
    /// Whether an AI server is set up (otherwise the writing form says so and stays off).
    ai_available: bool,
    brief_max: usize,
    niche_max: usize,
    tone_max: usize,
    words_max: usize,
    title_max: usize,
}

async fn account(state: &AppState, ctx: &Ctx, id: &str) -> Result<(Subject, SubjectKey)> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = Subject::account(state, ctx, parse_id(id)?).await?;
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    Ok((subject, key))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    jar: CookieJar,
    voice_form: Option<(Voice, FormErrors)>,
) -> Result<Response> {
    let (subject, key) = account(state, ctx, id).await?;
    let (voice, voice_errors) = match voice_form {
        Some(v) => v,
        None => (voice::of(&state.db, &key).await?, FormErrors::default()),
    };
    let items = library::list(&state.db, &key)
        .await?
        .into_iter()
        .map(|i| {
            let kind = Kind::parse(&i.kind).unwrap_or(Kind::Caption);
            ItemView {
                id: i.id.to_string(),
                kind: kind.label(),
                title: i.title,
                body: i.body,
                ai_written: i.ai_written,
                edited: i.edited,
                scheduled: i.calendar_item_id.is_some(),
                created: fmt_time(&i.created_at),
                max: kind.max_chars(),
            }
        })
        .collect();
    let tz = zone::of(&state.db, &key).await?;
    let (jar, flashes) = flash::take(jar);
    let answer = voice_errors.answer;
    let path = subject.path();
    let view = StudioPage {
        shell: shell::for_request(
            state,
            Some(ctx),
            "AI studio",
            &format!("{path}/studio"),
            flashes,
        )
        .await?,
        username: subject.profile().username.clone(),
        path,
        can_write: ctx.can(Permission::WorkspaceWrite),
        voice,
        voice_errors,
        emoji: &EMOJI,
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        items,
        media_types: &MEDIA_TYPES,
        time_zone: tz.name().to_string(),
        demo: subject.profile().source == "demo",
        ai_available: ai::provider::connection(state).await.is_ok(),
        brief_max: BRIEF_MAX,
        niche_max: NICHE_MAX,
        tone_max: TONE_MAX,
        words_max: WORDS_MAX,
        title_max: TITLE_MAX,
    };
    Ok(html_with(answer, jar, &view))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    render(&state, &ctx, &id, jar, None).await
}

pub async fn save_voice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<Voice>,
) -> Result<Response> {
    let (subject, key) = account(&state, &ctx, &id).await?;
    match voice::save(&state.db, &ctx, &key, &form).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Brand voice saved: the next texts follow it.",
            &format!("{}/studio", subject.path()),
        )),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &ctx, &id, jar, Some((form, errors))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct GenerateForm {
    kind: String,
    #[serde(default)]
    brief: String,
    #[serde(default)]
    niche: String,
}

/// Starts a text; htmx gets the fragment that streams it (a refusal comes back as a toast),
/// a plain form post goes to the page that shows it.
pub async fn generate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<GenerateForm>,
) -> Result<Response> {
    let (subject, _) = account(&state, &ctx, &id).await?;
    let Some(kind) = Kind::parse(&form.kind) else {
        return Err(Error::Validation(vec![platform::FieldError::new(
            "kind",
            "Choose what to write",
        )]));
    };
    let request = Request {
        kind,
        brief: form.brief,
        niche: form.niche,
        model: None,
    };
    let htmx = platform::http::meta::current().is_htmx;
    let g = content::request(&state, &ctx, &subject, &request).await;
    match (g, htmx) {
        (Ok(g), true) => ai::web::stream::fragment_response(&g),
        (Ok(g), false) => Ok(platform::web::forms::redirect(
            jar,
            &format!("{}/studio/keep/{}", subject.path(), g.id),
        )),
        (Err(e), true) => Err(e),
        (Err(e), false) => {
            platform::web::forms::action_failed(jar, e, &format!("{}/studio", subject.path()))
        }
    }
}

#[derive(Template)]
#[template(path = "intelligence/studio_keep.html")]
struct KeepPage {
    shell: Shell,
    username: String,
    path: String,
    generation_id: String,
    fragment: String,
    finished: bool,
    kind: &'static str,
    kind_label: &'static str,
    title: String,
    body: String,
    max: usize,
    title_max: usize,
    errors: FormErrors,
}

async fn keep_view(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    generation: &str,
    jar: CookieJar,
    failed: Option<(KeepForm, FormErrors)>,
) -> Result<Response> {
    let (subject, _) = account(state, ctx, id).await?;
    let scope = Scope::of(ctx)?;
    let g = ai::generation::find_in(state, &scope, parse_id(generation)?).await?;
    if g.reference != content::reference(&subject) {
        return Err(Error::NotFound);
    }
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.feature().as_str() == g.feature)
        .unwrap_or(Kind::Caption);
    let finished = ai::generation::effective_status(&g).0 == "done";
    let (title, body, errors) = match failed {
        Some((f, e)) => (f.title, f.body, e),
        None => (String::new(), g.output.clone(), FormErrors::default()),
    };
    let (jar, flashes) = flash::take(jar);
    let answer = errors.answer;
    let path = subject.path();
    let view = KeepPage {
        shell: shell::for_request(
            state,
            Some(ctx),
            "Keep an AI text",
            &format!("{path}/studio"),
            flashes,
        )
        .await?,
        username: subject.profile().username.clone(),
        path,
        generation_id: g.id.to_string(),
        fragment: ai::web::stream::fragment(&g)?,
        finished,
        kind: kind.as_str(),
        kind_label: kind.label(),
        title,
        body,
        max: kind.max_chars(),
        title_max: TITLE_MAX,
        errors,
    };
    Ok(html_with(answer, jar, &view))
}

pub async fn keep_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, generation)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    keep_view(&state, &ctx, &id, &generation, jar, None).await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct KeepForm {
    kind: String,
    title: String,
    body: String,
    generation_id: String,
}

pub async fn keep(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<KeepForm>,
) -> Result<Response> {
    let (subject, key) = account(&state, &ctx, &id).await?;
    let generation_id = match form.generation_id.trim() {
        "" => None,
        g => Some(parse_id(g)?),
    };
    let input = ItemInput {
        kind: Kind::parse(&form.kind).unwrap_or(Kind::Caption),
        title: form.title.clone(),
        body: form.body.clone(),
        generation_id,
    };
    let back = format!("{}/studio", subject.path());
    match library::keep(&state, &ctx, &key, &content::reference(&subject), &input).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Kept in the content library.",
            &format!("{back}#library"),
        )),
        Err(e @ Error::Validation(_)) if generation_id.is_some() => {
            let errors = FormErrors::from_error(e)?;
            let g = form.generation_id.clone();
            keep_view(&state, &ctx, &id, &g, jar, Some((form, errors))).await
        }
        Err(e) => platform::web::forms::action_failed(jar, e, &back),
    }
}

async fn back_of(state: &AppState, ctx: &Ctx, item: &str) -> Result<String> {
    ctx.require(Permission::WorkspaceRead)?;
    let row = library::find_in(&state.db, &Scope::of(ctx)?, parse_id(item)?).await?;
    Ok(back_to(&row))
}

/// The studio of an item's account, at the item.
fn back_to(row: &crate::model::content::content_item::Model) -> String {
    format!(
        "/instagram/accounts/{}/studio#item-{}",
        row.subject_id, row.id
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    title: String,
    body: String,
}

pub async fn update_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(item): Path<String>,
    jar: CookieJar,
    Form(form): Form<ItemForm>,
) -> Result<Response> {
    let back = back_of(&state, &ctx, &item).await?;
    let outcome = library::update(&state.db, &ctx, parse_id(&item)?, &form.title, &form.body).await;
    after_action(jar, &back, outcome, |_| "Saved.".into())
}

pub async fn delete_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(item): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let back = back_of(&state, &ctx, &item).await?;
    let outcome = library::delete(&state.db, &ctx, parse_id(&item)?).await;
    after_action(
        jar,
        back.split('#').next().unwrap_or(&back),
        outcome,
        |_| "Removed from the library.".into(),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    date: String,
    time: String,
    media_type: String,
}

pub async fn schedule_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(item): Path<String>,
    jar: CookieJar,
    Form(form): Form<ScheduleForm>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let row = library::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&item)?).await?;
    let back = back_to(&row);
    let key = SubjectKey {
        workspace_id: row.workspace_id,
        kind: crate::service::planner::ACCOUNT,
        id: row.subject_id,
    };
    let tz = zone::of(&state.db, &key).await?;
    // The date and time are the account's (its planner time zone).
    let slot_at = chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .ok()
        .zip(NaiveTime::parse_from_str(form.time.trim(), "%H:%M").ok())
        .and_then(|(d, t)| zone::at(tz, d, t.hour(), t.minute()));
    let outcome = library::schedule(&state.db, &ctx, row.id, slot_at, &form.media_type).await;
    after_action(jar, &back, outcome, |_| {
        "Scheduled: it is on the planner's calendar.".into()
    })
}
