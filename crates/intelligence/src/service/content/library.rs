//! The content library of an own account: texts the team keeps — written by hand, or kept
//! from an AI text (marked AI-written, with whether it was edited before keeping) — edited,
//! removed, and scheduled into the planner's calendar as a planned post (the item remembers
//! which).

use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Error, FieldError, Permission, Result, Scope, web::forms::within};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Deserialize;
use uuid::Uuid;

use super::Kind;
use crate::{
    model::content::content_item,
    service::planner::{SubjectKey, calendar},
};

pub const TITLE_MAX: usize = 120;
/// Items listed per account.
pub const LIST_MAX: u64 = 200;

/// A text to keep.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = ContentItemInput)]
pub struct ItemInput {
    pub kind: Kind,
    /// At most 120 characters; empty: the text's first line.
    #[serde(default)]
    pub title: String,
    /// The text (captions 2,200 characters, bios 150, a week of ideas 4,000).
    pub body: String,
    /// The AI text it was kept from (the item is then marked AI-written).
    #[serde(default)]
    pub generation_id: Option<Uuid>,
}

fn clean(kind: Kind, title: &str, body: &str) -> Result<(String, String)> {
    let body = body.trim().replace("\r\n", "\n");
    let mut errors = Vec::new();
    if body.is_empty() {
        errors.push(FieldError::new("body", "Write the text to keep"));
    } else if let Err(e) = within("body", "The text", &body, kind.max_chars()) {
        errors.push(e);
    }
    let title = match title.trim() {
        "" => body
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(TITLE_MAX)
            .collect(),
        t => t.replace(['\r', '\n'], " "),
    };
    if let Err(e) = within("title", "The title", &title, TITLE_MAX) {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok((title, body))
    } else {
        Err(Error::Validation(errors))
    }
}

pub async fn list(db: &impl ConnectionTrait, key: &SubjectKey) -> Result<Vec<content_item::Model>> {
    Ok(content_item::Entity::find()
        .filter(content_item::Column::WorkspaceId.eq(key.workspace_id))
        .filter(content_item::Column::SubjectKind.eq(key.kind))
        .filter(content_item::Column::SubjectId.eq(key.id))
        .order_by_desc(content_item::Column::CreatedAt)
        .limit(LIST_MAX)
        .all(db)
        .await?)
}

/// An item of the caller's workspace; another workspace's is not found.
pub async fn find_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<content_item::Model> {
    content_item::Entity::find_by_id(id)
        .filter(content_item::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// Keeps a text for the account. A `generation_id` must name a finished AI text about this
/// account in the workspace.
pub async fn keep(
    state: &AppState,
    ctx: &Ctx,
    key: &SubjectKey,
    reference: &str,
    input: &ItemInput,
) -> Result<content_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let (title, body) = clean(input.kind, &input.title, &input.body)?;
    let (ai_written, edited) = match input.generation_id {
        None => (false, false),
        Some(id) => {
            let g = ai::generation::find_in(state, &scope, id).await?;
            if g.reference != reference || ai::generation::effective_status(&g).0 != "done" {
                return Err(Error::Validation(vec![FieldError::new(
                    "generation_id",
                    "Keep a finished AI text of this account",
                )]));
            }
            (true, g.output.trim() != body.trim())
        }
    };
    let now = platform::db::now();
    Ok(content_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        kind: Set(input.kind.as_str().into()),
        title: Set(title),
        body: Set(body),
        ai_generation_id: Set(input.generation_id),
        ai_written: Set(ai_written),
        edited: Set(edited),
        calendar_item_id: Set(None),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await?)
}

/// Changes an item's title and text (an AI-written item stays marked, now as edited).
pub async fn update(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
    title: &str,
    body: &str,
) -> Result<content_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(db, &Scope::of(ctx)?, id).await?;
    let kind = Kind::parse(&row.kind).unwrap_or(Kind::Caption);
    let (title, body) = clean(kind, title, body)?;
    let changed = body != row.body;
    let ai_written = row.ai_written;
    let mut active: content_item::ActiveModel = row.into();
    active.title = Set(title);
    active.body = Set(body);
    if changed && ai_written {
        active.edited = Set(true);
    }
    active.updated_at = Set(platform::db::now());
    Ok(active.update(db).await?)
}

pub async fn delete(db: &impl ConnectionTrait, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(db, &Scope::of(ctx)?, id).await?;
    content_item::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(())
}

/// Puts an item on the account's calendar as a planned post at `slot_at` (the item's title,
/// its text as the note, marked AI-written when it is).
pub async fn schedule(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    id: Uuid,
    slot_at: Option<DateTime<Utc>>,
    media_type: &str,
) -> Result<content_item::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let row = find_in(db, &scope, id).await?;
    let key = SubjectKey {
        workspace_id: row.workspace_id,
        kind: if row.subject_kind == crate::service::planner::TRACKED {
            crate::service::planner::TRACKED
        } else {
            crate::service::planner::ACCOUNT
        },
        id: row.subject_id,
    };
    let mut note = String::new();
    if row.ai_written {
        note.push_str("AI-written");
        if row.edited {
            note.push_str(", edited");
        }
        note.push_str(" · from the content library\n\n");
    }
    note.push_str(&row.body);
    const CUT: &str = "… (the full text is in the content library)";
    if note.chars().count() > calendar::NOTE_MAX {
        note = note
            .chars()
            .take(calendar::NOTE_MAX - CUT.chars().count())
            .collect::<String>()
            + CUT;
    }
    let item = calendar::create(
        db,
        ctx,
        &key,
        calendar::ItemInput {
            title: row.title.chars().take(calendar::TITLE_MAX).collect(),
            note,
            slot_at,
            media_type: media_type.into(),
        },
    )
    .await?;
    let mut active: content_item::ActiveModel = row.into();
    active.calendar_item_id = Set(Some(item.id));
    active.updated_at = Set(platform::db::now());
    Ok(active.update(db).await?)
}
