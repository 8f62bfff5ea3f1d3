//! The content pool pages: the workspace's generic pools (`/fleet/content`), and the forms of a
//! persona's pools, shown on the persona's page (`/fleet/personas/{id}/accounts?view=content`).
//! Images are uploaded as `multipart/form-data` (10 MB each; the body limit of these routes is
//! raised for it, every other route keeps the platform's) and shown as thumbnails served by
//! `/fleet/content/images/{id}` to signed-in members. Forms are plain posts: invalid input is
//! answered inline (422) on the pool's page, a removal with a flash.

pub mod api;

use askama::Template;
use axum::{
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    handler::Handler,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path},
    web::{
        flash,
        format::{count, number},
        forms::{FormErrors, action_failed, html_with, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    model::{image, text},
    service::content::{
        self as service, CAPTION_MAX, IMAGE_KINDS, ImageUpload, PRIORITY_MAX, PRIORITY_MIN,
        TEXT_KINDS, TEXTS_PER_ADD, TextsInput, UPLOAD_BODY_MAX,
    },
};

const GENERIC: &str = "/fleet/content";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(GENERIC, get(generic_page))
        .route(
            "/fleet/content/images",
            post(upload_generic.layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX))),
        )
        .route("/fleet/content/texts", post(add_generic))
        .route("/fleet/content/images/{id}", get(image_file))
        .route("/fleet/content/images/{id}/delete", post(delete_image))
        .route("/fleet/content/texts/{id}/delete", post(delete_text))
        .route(
            "/fleet/personas/{id}/content/images",
            post(upload_persona.layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX))),
        )
        .route("/fleet/personas/{id}/content/texts", post(add_persona))
}

/// Where a pool's page is.
pub(crate) fn pool_href(persona_id: Option<Uuid>) -> String {
    match persona_id {
        Some(id) => format!("/fleet/personas/{id}/accounts?view=content"),
        None => GENERIC.to_string(),
    }
}

// ---- the pool, as the generic page and the persona's content tab show it ---------------------

pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The image form as sent (and shown again after an error).
#[derive(Debug, Clone)]
pub(crate) struct ImageForm {
    pub kind: String,
    pub caption: String,
    pub priority: String,
    pub is_template: bool,
    /// The pool of an API upload (`persona_id`); pages post to the pool's own path.
    pub persona_id: String,
}

impl Default for ImageForm {
    fn default() -> Self {
        ImageForm {
            kind: "post".into(),
            caption: String::new(),
            priority: "0".into(),
            is_template: false,
            persona_id: String::new(),
        }
    }
}

/// The text form as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TextForm {
    pub(crate) kind: String,
    pub(crate) texts: String,
    pub(crate) one_per_line: String,
    pub(crate) is_template: String,
}

impl Default for TextForm {
    fn default() -> Self {
        TextForm {
            kind: "bio".into(),
            texts: String::new(),
            one_per_line: String::new(),
            is_template: String::new(),
        }
    }
}

impl TextForm {
    fn input(&self) -> TextsInput {
        let texts = if self.one_per_line.is_empty() {
            vec![self.texts.clone()]
        } else {
            self.texts.lines().map(str::to_string).collect()
        };
        TextsInput {
            kind: self.kind.clone(),
            texts,
            is_template: !self.is_template.is_empty(),
        }
    }
}

/// What the pool's forms show after a failed post.
#[derive(Debug, Clone, Default)]
pub(crate) struct PoolForms {
    pub image_errors: FormErrors,
    pub image_form: ImageForm,
    pub text_errors: FormErrors,
    pub text_form: TextForm,
}

pub(crate) struct ImageCard {
    pub id: String,
    pub src: String,
    pub kind: String,
    pub caption: String,
    pub priority: String,
    pub uses: String,
    pub template: bool,
    pub size: String,
    pub filename: String,
    pub added: String,
}

pub(crate) struct TextRow {
    pub id: String,
    pub kind: String,
    pub text: String,
    pub uses: String,
    pub template: bool,
}

/// A pool as its page shows it (the `content_pool.html` partial's `pool`).
pub(crate) struct PoolView {
    pub is_persona: bool,
    pub images_action: String,
    pub texts_action: String,
    pub images: Vec<ImageCard>,
    pub texts: Vec<TextRow>,
    pub can_write: bool,
    pub forms: PoolForms,
    pub image_kinds: Vec<Choice>,
    pub text_kinds: Vec<Choice>,
    pub caption_max: usize,
    pub caption_words: String,
    pub priority_min: i32,
    pub priority_max: i32,
    pub texts_max: String,
    pub read_at: String,
}

fn uses(n: i64) -> String {
    if n == 0 {
        "Not used yet".into()
    } else {
        format!("Used {}", count(n, "time", "times"))
    }
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", number((bytes + 1023) / 1024))
    }
}

fn image_card(i: &image::Model) -> ImageCard {
    ImageCard {
        id: i.id.to_string(),
        src: format!("/fleet/content/images/{}", i.id),
        kind: service::image_kind_label(&i.kind).to_string(),
        caption: i.text_content.clone().unwrap_or_default(),
        priority: i.order_priority.to_string(),
        uses: uses(i.usage_count),
        template: i.is_template,
        size: size(i.byte_size),
        filename: i.filename.clone(),
        added: i.created_at.format("%b %-d, %Y").to_string(),
    }
}

fn text_row(t: &text::Model) -> TextRow {
    TextRow {
        id: t.id.to_string(),
        kind: service::text_kind_label(&t.kind).to_string(),
        text: t.text_content.clone(),
        uses: uses(t.usage_count),
        template: t.is_template,
    }
}

/// The pool of a persona (`Some`) or the generic pool, with its forms.
pub(crate) async fn pool_view(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    forms: PoolForms,
) -> Result<PoolView> {
    let images = service::images(state, ctx, persona_id, None).await?;
    let texts = service::texts(state, ctx, persona_id, None).await?;
    let (images_action, texts_action) = match persona_id {
        Some(id) => (
            format!("/fleet/personas/{id}/content/images"),
            format!("/fleet/personas/{id}/content/texts"),
        ),
        None => (
            "/fleet/content/images".to_string(),
            "/fleet/content/texts".to_string(),
        ),
    };
    let image_kinds = IMAGE_KINDS
        .iter()
        .map(|(v, l)| Choice {
            value: v,
            label: l,
            selected: *v == forms.image_form.kind,
        })
        .collect();
    let text_kinds = TEXT_KINDS
        .iter()
        .map(|(v, l, _)| Choice {
            value: v,
            label: l,
            selected: *v == forms.text_form.kind,
        })
        .collect();
    Ok(PoolView {
        is_persona: persona_id.is_some(),
        images_action,
        texts_action,
        images: images.iter().map(image_card).collect(),
        texts: texts.iter().map(text_row).collect(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        forms,
        image_kinds,
        text_kinds,
        caption_max: CAPTION_MAX,
        caption_words: number(i64::try_from(CAPTION_MAX).unwrap_or(0)),
        priority_min: PRIORITY_MIN,
        priority_max: PRIORITY_MAX,
        texts_max: number(i64::try_from(TEXTS_PER_ADD).unwrap_or(0)),
        read_at: platform::db::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    })
}

// ---- the generic pools page -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "fleet/content.html")]
struct GenericPage {
    shell: Shell,
    subnav: Vec<super::nav::Link>,
    pool: PoolView,
}

async fn generic(
    state: &AppState,
    ctx: &Ctx,
    forms: PoolForms,
    status: StatusCode,
    jar: CookieJar,
) -> Result<Response> {
    let pool = pool_view(state, ctx, None, forms).await?;
    let (jar, flashes) = flash::take(jar);
    let view = GenericPage {
        shell: shell::for_request(state, Some(ctx), "Content pools", GENERIC, flashes).await?,
        subnav: super::nav::links(GENERIC),
        pool,
    };
    Ok(html_with(
        platform::web::forms::Answer::status(status),
        jar,
        &view,
    ))
}

async fn generic_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    generic(&state, &ctx, PoolForms::default(), StatusCode::OK, jar).await
}

/// A pool page again with a failed form's errors.
async fn again(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    forms: PoolForms,
    status: StatusCode,
    jar: CookieJar,
) -> Result<Response> {
    match persona_id {
        Some(id) => super::personas::content_tab(state, ctx, id, forms, status, jar).await,
        None => generic(state, ctx, forms, status, jar).await,
    }
}

// ---- uploads --------------------------------------------------------------------------------

/// Reads an upload form: `kind`, `caption`, `priority`, `is_template`, `persona_id` and the
/// `file`. A body over the route's limit is a 413; a form that is no multipart form a 400.
pub(crate) async fn read_upload(
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(ImageUpload, ImageForm)> {
    let mut multipart = multipart.map_err(|e| {
        Error::unreadable_body(e.status(), "Send the image as a multipart/form-data form")
    })?;
    let broken = |e: axum::extract::multipart::MultipartError| {
        Error::unreadable_body(e.status(), "The upload could not be read; send it again")
    };
    let mut upload = ImageUpload::default();
    let mut form = ImageForm {
        kind: String::new(),
        priority: String::new(),
        ..ImageForm::default()
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                upload.filename = field.file_name().unwrap_or("").to_string();
                upload.bytes = field.bytes().await.map_err(broken)?.to_vec();
            }
            "kind" | "caption" | "priority" | "is_template" | "persona_id" => {
                let value = field.text().await.map_err(broken)?;
                match name.as_str() {
                    "kind" => form.kind = value,
                    "caption" => form.caption = value,
                    "priority" => form.priority = value,
                    "persona_id" => form.persona_id = value,
                    _ => form.is_template = matches!(value.trim(), "on" | "true" | "1" | "yes"),
                }
            }
            // Unknown fields are read and ignored (a client's extra form parts).
            _ => {
                field.bytes().await.map_err(broken)?;
            }
        }
    }
    upload.kind = form.kind.clone();
    upload.caption = form.caption.clone();
    upload.is_template = form.is_template;
    let priority = form.priority.trim();
    // Not a number is out of range: the check names the priority with the other fields.
    upload.priority = if priority.is_empty() {
        0
    } else {
        priority.parse::<i32>().unwrap_or(i32::MIN)
    };
    Ok((upload, form))
}

async fn upload(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
    jar: CookieJar,
) -> Result<Response> {
    let back = pool_href(persona_id);
    // Another workspace's persona is not found before the body is read.
    if let Some(id) = persona_id {
        crate::service::personas::get(state, ctx, id).await?;
    }
    let (outcome, form) = match read_upload(multipart).await {
        Ok((upload, form)) => (
            service::upload_image(state, ctx, persona_id, upload).await,
            form,
        ),
        Err(e) => return action_failed(jar, e, &back),
    };
    match outcome {
        Ok(i) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Image added to the {} pool.",
                service::image_kind_label(&i.kind).to_lowercase()
            ),
            &back,
        )),
        Err(e @ (Error::Validation(_) | Error::Conflict(_))) => {
            let errors = FormErrors::from_error(e)?;
            let status = errors.answer.status;
            let forms = PoolForms {
                image_errors: errors,
                image_form: form,
                ..PoolForms::default()
            };
            again(state, ctx, persona_id, forms, status, jar).await
        }
        Err(e) => action_failed(jar, e, &back),
    }
}

async fn upload_generic(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    upload(&state, &ctx, None, multipart, jar).await
}

async fn upload_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    upload(&state, &ctx, Some(id), multipart, jar).await
}

// ---- texts ----------------------------------------------------------------------------------

async fn add(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    form: TextForm,
    jar: CookieJar,
) -> Result<Response> {
    let back = pool_href(persona_id);
    match service::add_texts(state, ctx, persona_id, form.input(), "texts").await {
        Ok(rows) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "{} added.",
                count(i64::try_from(rows.len()).unwrap_or(0), "text", "texts")
            ),
            &back,
        )),
        Err(e @ (Error::Validation(_) | Error::Conflict(_))) => {
            let errors = FormErrors::from_error(e)?;
            let status = errors.answer.status;
            let forms = PoolForms {
                text_errors: errors,
                text_form: form,
                ..PoolForms::default()
            };
            again(state, ctx, persona_id, forms, status, jar).await
        }
        Err(e) => action_failed(jar, e, &back),
    }
}

async fn add_generic(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TextForm>,
) -> Result<Response> {
    add(&state, &ctx, None, form, jar).await
}

async fn add_persona(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TextForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    add(&state, &ctx, Some(id), form, jar).await
}

// ---- one image or text ----------------------------------------------------------------------

/// An image's bytes for signed-in members: its stored type, never sniffed by the browser, and
/// a policy under which nothing in it could run.
pub(crate) fn image_response(mime: String, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    // Only the four sniffed types are ever stored; anything else is sent as plain bytes.
    let mime = HeaderValue::from_str(&mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, mime);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    // An image never changes under its id; it is private to the workspace.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    response
}

async fn image_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let (mime, bytes) = service::image_file(&state, &ctx, parse_id(&id)?).await?;
    Ok(image_response(mime, bytes))
}

async fn delete_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    match service::delete_image(&state, &ctx, parse_id(&id)?).await {
        Ok(i) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Image removed.",
            &pool_href(i.persona_id),
        )),
        Err(e) => action_failed(jar, e, GENERIC),
    }
}

async fn delete_text(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    match service::delete_text(&state, &ctx, parse_id(&id)?).await {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Text removed.",
            &pool_href(t.persona_id),
        )),
        Err(e) => action_failed(jar, e, GENERIC),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1), "1 KB");
        assert_eq!(size(2048), "2 KB");
        assert_eq!(size(10 * 1024 * 1024), "10.0 MB");
    }

    #[test]
    fn the_text_form_is_one_text_or_one_per_line() {
        let mut form = TextForm {
            kind: "bio".into(),
            texts: "first\nsecond".into(),
            ..TextForm::default()
        };
        assert_eq!(form.input().texts, vec!["first\nsecond"]);
        form.one_per_line = "on".into();
        assert_eq!(form.input().texts, vec!["first", "second"]);
    }
}
