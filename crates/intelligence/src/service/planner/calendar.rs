//! Planned posts on a subject's calendar: a title, a note, the slot it goes out at and its
//! format, created, changed and removed by the workspace's members. Free text is limited
//! ([`TITLE_MAX`], [`NOTE_MAX`]) and refused when longer, never cut.

use chrono::{DateTime, Duration, Utc};
use platform::{Ctx, Error, FieldError, Permission, Result, Scope, db::now, web::forms::within};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::SubjectKey;
use crate::model::planner::calendar_item;

pub const TITLE_MAX: usize = 120;
pub const NOTE_MAX: usize = 2000;
/// The longest range a listing covers, in days.
pub const RANGE_MAX_DAYS: i64 = 92;

/// The formats a planned post can have: (value, label).
pub const MEDIA_TYPES: [(&str, &str); 4] = [
    ("reel", "Reel"),
    ("carousel", "Carousel"),
    ("image", "Image"),
    ("story", "Story"),
];

pub fn media_label(value: &str) -> &'static str {
    MEDIA_TYPES
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, l)| *l)
        .unwrap_or("Post")
}

/// A planned post as entered.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemInput {
    pub title: String,
    pub note: String,
    pub slot_at: Option<DateTime<Utc>>,
    pub media_type: String,
}

/// The input, trimmed and checked; every problem named by its field.
pub fn check(input: ItemInput) -> Result<ItemInput> {
    let mut errors: Vec<FieldError> = Vec::new();
    let title = input.title.trim().to_string();
    if title.is_empty() {
        errors.push(FieldError::new("title", "Enter a title"));
    } else if let Err(e) = within("title", "The title", &title, TITLE_MAX) {
        errors.push(e);
    } else if title.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "The title must be one line of text",
        ));
    }
    let note = input.note.trim().replace("\r\n", "\n");
    if let Err(e) = within("note", "The note", &note, NOTE_MAX) {
        errors.push(e);
    } else if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(FieldError::new(
            "note",
            "The note can hold text and line breaks only",
        ));
    }
    match input.slot_at {
        None => errors.push(FieldError::new(
            "slot_at",
            "Enter the date and time it goes out",
        )),
        Some(t)
            if t < Utc::now() - Duration::days(366) || t > Utc::now() + Duration::days(5 * 366) =>
        {
            errors.push(FieldError::new(
                "slot_at",
                "The date must be within a year back and five years ahead",
            ))
        }
        _ => {}
    }
    let media_type = input.media_type.trim().to_ascii_lowercase();
    if !MEDIA_TYPES.iter().any(|(v, _)| *v == media_type) {
        errors.push(FieldError::new(
            "media_type",
            "Choose reel, carousel, image or story",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(ItemInput {
        title,
        note,
        slot_at: input.slot_at,
        media_type,
    })
}

pub async fn create(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    key: &SubjectKey,
    input: ItemInput,
) -> Result<calendar_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let input = check(input)?;
    let t = now();
    Ok(calendar_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        title: Set(input.title),
        note: Set(input.note),
        slot_at: Set(input.slot_at.unwrap_or(t)),
        media_type: Set(input.media_type),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(db)
    .await?)
}

/// A planned post of the caller's workspace; another workspace's is not found.
pub async fn find_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<calendar_item::Model> {
    calendar_item::Entity::find_by_id(id)
        .filter(calendar_item::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn update(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
    input: ItemInput,
) -> Result<calendar_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(db, &Scope::of(ctx)?, id).await?;
    let input = check(input)?;
    let mut active = row.into_active_model();
    active.title = Set(input.title);
    active.note = Set(input.note);
    if let Some(t) = input.slot_at {
        active.slot_at = Set(t);
    }
    active.media_type = Set(input.media_type);
    active.updated_at = Set(now());
    Ok(active.update(db).await?)
}

pub async fn delete(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
) -> Result<calendar_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(db, &Scope::of(ctx)?, id).await?;
    calendar_item::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(row)
}

/// A listing's range: `to` after `from`, at most [`RANGE_MAX_DAYS`] apart.
pub fn check_range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<()> {
    if to <= from {
        return Err(Error::validation("to", "`to` must be after `from`"));
    }
    if to - from > Duration::days(RANGE_MAX_DAYS) {
        return Err(Error::validation(
            "to",
            format!("The range can be at most {RANGE_MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// The subject's planned posts with a slot in `[from, to)`, by slot.
pub async fn between(
    db: &impl ConnectionTrait,
    key: &SubjectKey,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<calendar_item::Model>> {
    Ok(calendar_item::Entity::find()
        .filter(calendar_item::Column::WorkspaceId.eq(key.workspace_id))
        .filter(calendar_item::Column::SubjectKind.eq(key.kind))
        .filter(calendar_item::Column::SubjectId.eq(key.id))
        .filter(calendar_item::Column::SlotAt.gte(from))
        .filter(calendar_item::Column::SlotAt.lt(to))
        .order_by_asc(calendar_item::Column::SlotAt)
        .order_by_asc(calendar_item::Column::Id)
        .all(db)
        .await?)
}

/// The workspace's planned posts with a slot in `[from, to)`, every subject's.
pub async fn in_workspace(
    db: &impl ConnectionTrait,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<calendar_item::Model>> {
    Ok(calendar_item::Entity::find()
        .filter(calendar_item::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(calendar_item::Column::SlotAt.gte(from))
        .filter(calendar_item::Column::SlotAt.lt(to))
        .order_by_asc(calendar_item::Column::SlotAt)
        .order_by_asc(calendar_item::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input(title: &str, note: &str) -> ItemInput {
        ItemInput {
            title: title.into(),
            note: note.into(),
            slot_at: Some(Utc::now() + Duration::days(1)),
            media_type: "Reel".into(),
        }
    }

    #[test]
    fn text_is_checked_not_cut() {
        let ok = check(input("  Launch  ", "line one\r\nline two\tend")).unwrap();
        assert_eq!(
            (ok.title.as_str(), ok.note.as_str()),
            ("Launch", "line one\nline two\tend")
        );
        assert_eq!(ok.media_type, "reel");
        for (title, note, field) in [
            ("a\u{0}b", "", "title"),
            ("two\nlines", "", "title"),
            ("ok", "bell\u{7}", "note"),
            (&*"t".repeat(TITLE_MAX + 1), "", "title"),
        ] {
            let e = check(input(title, note)).unwrap_err();
            assert_eq!(e.field_errors()[0].field, field, "{title:?} {note:?}");
        }
    }
}
