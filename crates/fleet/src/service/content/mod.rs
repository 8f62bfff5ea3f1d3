//! Content pools: the images and texts a warm-up step posts. Each persona has its own pools,
//! and the workspace has generic ones (rows without a persona) that steps use for accounts no
//! persona has yet, or when a persona's pool has nothing of the kind asked for ([`pick`]).
//!
//! Images are png, jpeg, webp or gif up to 10 MB. The type is read from the first bytes of the
//! file ([`sniff`]) — the name and the declared type are not trusted — and stored with the
//! bytes (in `fleet_image_data`, apart from the row so lists never read them) and their
//! SHA-256. Texts are limited per kind to what Instagram takes: a bio 150 characters, a
//! highlight title 100, a post or story caption 2,200. The template flag marks content meant
//! to be reused as it is across accounts (a stock bio, a generic story); it is shown, and
//! picking treats both alike: the least used first.

pub mod pick;

use platform::{
    AppState, Ctx, Error, FieldError, Result, Scope,
    audit::{self, Event},
    db::now,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{access, personas};
use crate::model::{image, image_data, text};

/// The largest image accepted (10 MB).
pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// What an upload's request may weigh: the image plus its form fields.
pub const UPLOAD_BODY_MAX: usize = IMAGE_MAX_BYTES + 64 * 1024;
pub const CAPTION_MAX: usize = 2_200;
pub const FILENAME_MAX: usize = 200;
pub const PRIORITY_MIN: i32 = -100;
pub const PRIORITY_MAX: i32 = 100;
/// Images one pool (a persona's, or the generic one) keeps.
pub const IMAGES_PER_POOL: u64 = 1_000;
/// Texts one pool keeps, and the most one bulk add takes.
pub const TEXTS_PER_POOL: u64 = 10_000;
pub const TEXTS_PER_ADD: usize = 1_000;

/// What an image is for.
pub const IMAGE_KINDS: [(&str, &str); 5] = [
    ("pfp", "Profile picture"),
    ("post", "Post"),
    ("highlight", "Highlight"),
    ("story", "Story"),
    ("any", "Any step"),
];

/// What a text is for, and its longest length in characters.
pub const TEXT_KINDS: [(&str, &str, usize); 4] = [
    ("bio", "Bio", 150),
    ("post", "Post caption", 2_200),
    ("story", "Story text", 2_200),
    ("highlight", "Highlight title", 100),
];

pub fn image_kind_label(kind: &str) -> &str {
    IMAGE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(kind)
}

pub fn text_kind_label(kind: &str) -> &str {
    TEXT_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, l, _)| *l)
        .unwrap_or(kind)
}

/// The longest text of a kind, `None` for an unknown kind.
pub fn text_max(kind: &str) -> Option<usize> {
    TEXT_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, m)| *m)
}

fn image_kind(field: &str, raw: &str) -> Result<String, FieldError> {
    let raw = raw.trim();
    if IMAGE_KINDS.iter().any(|(k, _)| *k == raw) {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new(
            field,
            "Choose what the image is for: profile picture, post, highlight, story or any step",
        ))
    }
}

fn text_kind(field: &str, raw: &str) -> Result<String, FieldError> {
    let raw = raw.trim();
    if text_max(raw).is_some() {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new(
            field,
            "Choose what the text is for: bio, post caption, story text or highlight title",
        ))
    }
}

/// The image type of a file from its first bytes: `image/png`, `image/jpeg`, `image/gif` or
/// `image/webp`; anything else is `None`, whatever its name says.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// An image as uploaded.
#[derive(Debug, Clone, Default)]
pub struct ImageUpload {
    pub filename: String,
    pub bytes: Vec<u8>,
    /// `pfp`, `post`, `highlight`, `story` or `any`.
    pub kind: String,
    pub caption: String,
    /// -100..100; higher is used first.
    pub priority: i32,
    pub is_template: bool,
}

/// A checked upload: its type from its bytes, the name cut to a safe length.
struct CheckedImage {
    mime: &'static str,
    kind: String,
    caption: Option<String>,
    filename: String,
}

fn check_image(upload: &ImageUpload) -> Result<CheckedImage> {
    let mut errors = Vec::new();
    let mut mime = None;
    if upload.bytes.is_empty() {
        errors.push(FieldError::new("file", "Choose an image file to upload"));
    } else if upload.bytes.len() > IMAGE_MAX_BYTES {
        errors.push(FieldError::new(
            "file",
            "The image is larger than 10 MB: make it smaller and upload it again",
        ));
    } else {
        mime = sniff(&upload.bytes);
        if mime.is_none() {
            errors.push(FieldError::new(
                "file",
                "That file is not a PNG, JPEG, WebP or GIF image (its content was checked, not its name)",
            ));
        }
    }
    let kind = image_kind("kind", &upload.kind)
        .map_err(|e| errors.push(e))
        .ok();
    let caption = upload.caption.trim();
    if caption.chars().count() > CAPTION_MAX {
        errors.push(FieldError::new(
            "caption",
            "The caption can be at most 2,200 characters long",
        ));
    }
    if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&upload.priority) {
        errors.push(FieldError::new(
            "priority",
            "The priority is a whole number from -100 to 100",
        ));
    }
    match (mime, kind) {
        (Some(mime), Some(kind)) if errors.is_empty() => Ok(CheckedImage {
            mime,
            kind,
            caption: (!caption.is_empty()).then(|| caption.to_string()),
            filename: clean_filename(&upload.filename),
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// The file's own name without any directory, control characters or excess length: shown
/// only as a label.
fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control())
        .take(FILENAME_MAX)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The pool a call works on: a persona of the scope's workspace (checked: another
/// workspace's persona is not found), or the generic pool.
async fn pool(conn: &impl ConnectionTrait, scope: &Scope, persona_id: Option<Uuid>) -> Result<()> {
    if let Some(id) = persona_id {
        personas::find_in(conn, scope, id).await?;
    }
    Ok(())
}

fn in_pool<Q: QueryFilter>(q: Q, persona_col: impl ColumnTrait, persona_id: Option<Uuid>) -> Q {
    match persona_id {
        Some(id) => q.filter(persona_col.eq(id)),
        None => q.filter(persona_col.is_null()),
    }
}

// ---- images ---------------------------------------------------------------------------------

/// An image of the workspace; another workspace's is not found.
pub async fn find_image(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<image::Model> {
    image::Entity::find_by_id(id)
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A pool's images (a persona's, or the generic pool's), optionally of one kind: in the order
/// steps use them (priority, then least used, then oldest).
pub async fn images(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    kind: Option<&str>,
) -> Result<Vec<image::Model>> {
    let scope = access::read(state, ctx).await?;
    pool(&state.db, &scope, persona_id).await?;
    let mut q = in_pool(
        image::Entity::find().filter(image::Column::WorkspaceId.eq(scope.workspace_id())),
        image::Column::PersonaId,
        persona_id,
    );
    if let Some(kind) = kind {
        q = q.filter(image::Column::Kind.eq(image_kind("kind", kind).map_err(one)?));
    }
    Ok(q.order_by_desc(image::Column::OrderPriority)
        .order_by_asc(image::Column::UsageCount)
        .order_by_asc(image::Column::CreatedAt)
        .order_by_asc(image::Column::Id)
        .limit(IMAGES_PER_POOL)
        .all(&state.db)
        .await?)
}

fn one(e: FieldError) -> Error {
    Error::Validation(vec![e])
}

/// One image's row (read access).
pub async fn image(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<image::Model> {
    let scope = access::read(state, ctx).await?;
    find_image(&state.db, &scope, id).await
}

/// One image's type and bytes (read access), for thumbnails and downloads.
pub async fn image_file(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(String, Vec<u8>)> {
    let scope = access::read(state, ctx).await?;
    pick::image_bytes(&state.db, &scope, id).await
}

/// Adds an image to a pool (a persona's, or the generic one with `None`).
pub async fn upload_image(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    upload: ImageUpload,
) -> Result<image::Model> {
    let scope = access::write(state, ctx).await?;
    pool(&state.db, &scope, persona_id).await?;
    let checked = check_image(&upload)?;
    let kept = in_pool(
        image::Entity::find().filter(image::Column::WorkspaceId.eq(scope.workspace_id())),
        image::Column::PersonaId,
        persona_id,
    )
    .count(&state.db)
    .await?;
    if kept >= IMAGES_PER_POOL {
        return Err(Error::Conflict(format!(
            "A pool keeps at most {} images: remove some you no longer use first.",
            platform::web::format::number(i64::try_from(IMAGES_PER_POOL).unwrap_or(i64::MAX))
        )));
    }
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let byte_size = i64::try_from(upload.bytes.len()).map_err(Error::internal)?;
    let row = image::Model {
        id: Uuid::now_v7(),
        workspace_id: scope.workspace_id(),
        persona_id,
        kind: checked.kind,
        mime: checked.mime.to_string(),
        byte_size,
        sha256,
        filename: checked.filename,
        text_content: checked.caption,
        is_template: upload.is_template,
        order_priority: upload.priority,
        usage_count: 0,
        created_at: now(),
    };
    let txn = platform::db::begin_write(&state.db).await?;
    image::Entity::insert(image::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(row.workspace_id),
        persona_id: Set(row.persona_id),
        kind: Set(row.kind.clone()),
        mime: Set(row.mime.clone()),
        byte_size: Set(row.byte_size),
        sha256: Set(row.sha256.clone()),
        filename: Set(row.filename.clone()),
        text_content: Set(row.text_content.clone()),
        is_template: Set(row.is_template),
        order_priority: Set(row.order_priority),
        usage_count: Set(0),
        created_at: Set(row.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    image_data::Entity::insert(image_data::ActiveModel {
        image_id: Set(row.id),
        bytes: Set(upload.bytes),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Event::new("fleet.image_added")
            .by(ctx)
            .target("fleet_image", row.id)
            .detail(serde_json::json!({
                "persona_id": persona_id,
                "kind": row.kind,
                "bytes": row.byte_size,
                "sha256": row.sha256,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Removes an image and its bytes; answers the removed row (its pool says where it was).
pub async fn delete_image(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<image::Model> {
    let scope = access::write(state, ctx).await?;
    let row = find_image(&state.db, &scope, id).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    image_data::Entity::delete_many()
        .filter(image_data::Column::ImageId.eq(row.id))
        .exec(&txn)
        .await?;
    image::Entity::delete_many()
        .filter(image::Column::Id.eq(row.id))
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Event::new("fleet.image_removed")
            .by(ctx)
            .target("fleet_image", row.id)
            .detail(serde_json::json!({"persona_id": row.persona_id, "kind": row.kind})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

// ---- texts ----------------------------------------------------------------------------------

/// A text of the workspace; another workspace's is not found.
pub async fn find_text(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<text::Model> {
    text::Entity::find_by_id(id)
        .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A pool's texts, optionally of one kind: by kind, then least used first.
pub async fn texts(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    kind: Option<&str>,
) -> Result<Vec<text::Model>> {
    let scope = access::read(state, ctx).await?;
    pool(&state.db, &scope, persona_id).await?;
    let mut q = in_pool(
        text::Entity::find().filter(text::Column::WorkspaceId.eq(scope.workspace_id())),
        text::Column::PersonaId,
        persona_id,
    );
    if let Some(kind) = kind {
        q = q.filter(text::Column::Kind.eq(text_kind("kind", kind).map_err(one)?));
    }
    Ok(q.order_by_asc(text::Column::Kind)
        .order_by_asc(text::Column::UsageCount)
        .order_by_asc(text::Column::CreatedAt)
        .order_by_asc(text::Column::Id)
        .limit(TEXTS_PER_POOL)
        .all(&state.db)
        .await?)
}

/// Texts to add to a pool, all of one kind.
#[derive(Debug, Clone, Default)]
pub struct TextsInput {
    /// `bio`, `post`, `story` or `highlight`.
    pub kind: String,
    /// Each one text (blank ones are skipped).
    pub texts: Vec<String>,
    pub is_template: bool,
}

/// Checks texts for a kind: each within its length; an error names the texts' positions
/// (1-based, blank ones counted: a bulk add's line numbers).
fn check_texts(input: &TextsInput, field: &str) -> Result<(String, Vec<String>)> {
    let kind = text_kind("kind", &input.kind).map_err(one)?;
    let max = text_max(&kind).unwrap_or(0);
    let texts: Vec<(usize, String)> = input
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| (i + 1, t.trim().to_string()))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    if texts.is_empty() {
        return Err(Error::validation(field, "Write at least one text"));
    }
    if texts.len() > TEXTS_PER_ADD {
        return Err(Error::validation(
            field,
            format!(
                "At most {} texts at once",
                platform::web::format::number(i64::try_from(TEXTS_PER_ADD).unwrap_or(0))
            ),
        ));
    }
    let too_long: Vec<usize> = texts
        .iter()
        .filter(|(_, t)| t.chars().count() > max)
        .map(|(n, _)| *n)
        .collect();
    if !too_long.is_empty() {
        let list = too_long
            .iter()
            .take(10)
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let which = if input.texts.len() == 1 {
            "The text is".to_string()
        } else if too_long.len() == 1 {
            format!("Line {list} is")
        } else {
            format!(
                "Lines {list}{} are",
                if too_long.len() > 10 { " …" } else { "" }
            )
        };
        return Err(Error::validation(
            field,
            format!(
                "{which} longer than the {} characters a {} can have",
                platform::web::format::number(i64::try_from(max).unwrap_or(0)),
                text_kind_label(&kind).to_lowercase()
            ),
        ));
    }
    Ok((kind, texts.into_iter().map(|(_, t)| t).collect()))
}

/// Adds texts of one kind to a pool (a persona's, or the generic one with `None`); `field`
/// names the form field errors are shown at.
pub async fn add_texts(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Option<Uuid>,
    input: TextsInput,
    field: &str,
) -> Result<Vec<text::Model>> {
    let scope = access::write(state, ctx).await?;
    pool(&state.db, &scope, persona_id).await?;
    let (kind, texts) = check_texts(&input, field)?;
    let kept = in_pool(
        text::Entity::find().filter(text::Column::WorkspaceId.eq(scope.workspace_id())),
        text::Column::PersonaId,
        persona_id,
    )
    .count(&state.db)
    .await?;
    if kept + texts.len() as u64 > TEXTS_PER_POOL {
        return Err(Error::Conflict(format!(
            "A pool keeps at most {} texts: remove some you no longer use first.",
            platform::web::format::number(i64::try_from(TEXTS_PER_POOL).unwrap_or(i64::MAX))
        )));
    }
    let at = now();
    let rows: Vec<text::Model> = texts
        .into_iter()
        .map(|t| text::Model {
            id: Uuid::now_v7(),
            workspace_id: scope.workspace_id(),
            persona_id,
            kind: kind.clone(),
            text_content: t,
            usage_count: 0,
            is_template: input.is_template,
            created_at: at,
        })
        .collect();
    let txn = platform::db::begin_write(&state.db).await?;
    for chunk in rows.chunks(200) {
        text::Entity::insert_many(chunk.iter().map(|r| text::ActiveModel {
            id: Set(r.id),
            workspace_id: Set(r.workspace_id),
            persona_id: Set(r.persona_id),
            kind: Set(r.kind.clone()),
            text_content: Set(r.text_content.clone()),
            usage_count: Set(0),
            is_template: Set(r.is_template),
            created_at: Set(r.created_at),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Event::new("fleet.texts_added")
            .by(ctx)
            .detail(serde_json::json!({
                "persona_id": persona_id,
                "kind": kind,
                "count": rows.len(),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Removes a text; answers the removed row.
pub async fn delete_text(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<text::Model> {
    let scope = access::write(state, ctx).await?;
    let row = find_text(&state.db, &scope, id).await?;
    text::Entity::delete_many()
        .filter(text::Column::Id.eq(row.id))
        .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(&state.db)
        .await?;
    audit::record(
        &state.db,
        Event::new("fleet.text_removed")
            .by(ctx)
            .target("fleet_text", row.id)
            .detail(serde_json::json!({"persona_id": row.persona_id, "kind": row.kind})),
    )
    .await?;
    Ok(row)
}

/// Removes a persona's pools (its images with their bytes, its texts) inside the caller's
/// transaction: the persona is being deleted.
pub(crate) async fn delete_pools(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    persona_id: Uuid,
) -> Result<()> {
    let ids: Vec<Uuid> = image::Entity::find()
        .select_only()
        .column(image::Column::Id)
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(image::Column::PersonaId.eq(persona_id))
        .into_tuple()
        .all(conn)
        .await?;
    for chunk in ids.chunks(500) {
        image_data::Entity::delete_many()
            .filter(image_data::Column::ImageId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    image::Entity::delete_many()
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(image::Column::PersonaId.eq(persona_id))
        .exec(conn)
        .await?;
    text::Entity::delete_many()
        .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(text::Column::PersonaId.eq(persona_id))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some("image/jpeg")
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"hello, I am text pretending to be a png"), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn file_names_are_labels_only() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\photos\\me.png"), "me.png");
        assert_eq!(clean_filename("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(
            clean_filename(&"x".repeat(300)).chars().count(),
            FILENAME_MAX
        );
    }

    #[test]
    fn texts_are_checked_against_their_kinds_limit() {
        let input = |kind: &str, texts: &[&str]| TextsInput {
            kind: kind.into(),
            texts: texts.iter().map(|t| t.to_string()).collect(),
            is_template: false,
        };
        let (kind, kept) = check_texts(&input("bio", &["  a  ", "", "b"]), "texts").unwrap();
        assert_eq!(kind, "bio");
        assert_eq!(kept, vec!["a", "b"]);
        let long = "x".repeat(151);
        let e = check_texts(&input("bio", &["ok", &long]), "texts").unwrap_err();
        assert_eq!(
            e.field("texts"),
            "Line 2 is longer than the 150 characters a bio can have"
        );
        assert!(check_texts(&input("post", &[&long]), "texts").is_ok());
        assert!(check_texts(&input("caption", &["x"]), "texts").is_err());
        assert!(check_texts(&input("bio", &["", "  "]), "texts").is_err());
    }
}
