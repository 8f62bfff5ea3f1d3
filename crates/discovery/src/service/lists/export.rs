//! A list as rows for an export (CSV / XLSX / JSON through `service::exports`, which charges
//! and records it). Each row is a creator's public card, the team's note and tags, and where
//! the figures came from and when; the exact engagement rate only for creators the workspace
//! unlocked (the band for the others, as search shows them).

use platform::{AppState, Ctx, Result, Scope};
use uuid::Uuid;

use super::{all_entries, tags};
use crate::model::lists::list;
use crate::service::exports::Cell;

pub const COLUMNS: [&str; 16] = [
    "username",
    "full_name",
    "profile_url",
    "followers",
    "engagement_band",
    "engagement_rate",
    "category",
    "language",
    "location",
    "verified",
    "note",
    "tags",
    "added_at",
    "source",
    "fetched_at",
    "demo",
];

/// The list and its rows, oldest entry first.
pub async fn rows(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(list::Model, Vec<Vec<Cell>>)> {
    let (l, entries) = all_entries(state, ctx, id).await?;
    let ids: Vec<Uuid> = entries.iter().map(|e| e.entry.profile_id).collect();
    let unlocked = crate::service::unlocks::unlocked_set(&state.db, &Scope::of(ctx)?, &ids).await?;
    let text = |s: Option<&String>| s.map_or(Cell::Empty, |s| Cell::Text(s.clone()));
    let rows = entries
        .iter()
        .map(|e| {
            let note = Cell::Text(e.entry.note.clone());
            let tag_cell = Cell::Text(tags(&e.entry.tags).join(", "));
            let added = Cell::Time(e.entry.added_at);
            match &e.creator {
                Some(c) => vec![
                    Cell::Text(c.username.clone()),
                    text(c.full_name.as_ref()),
                    Cell::Text(format!("https://www.instagram.com/{}/", c.username)),
                    Cell::Int(c.followers),
                    Cell::Text(crate::web::api::band(c.engagement_rate).into()),
                    match c.engagement_rate {
                        Some(r) if unlocked.contains(&c.profile_id) => Cell::Float(r),
                        _ => Cell::Empty,
                    },
                    text(c.category.as_ref()),
                    text(c.language.as_ref()),
                    text(c.location.as_ref()),
                    Cell::Bool(c.is_verified),
                    note,
                    tag_cell,
                    added,
                    Cell::Text(c.source.clone()),
                    c.fetched_at.map_or(Cell::Empty, Cell::Time),
                    Cell::Bool(c.pool == "demo" || c.source == "demo"),
                ],
                // A profile that left the index: the team's own words are still theirs.
                None => {
                    let mut row = vec![Cell::Empty; COLUMNS.len()];
                    row[10] = note;
                    row[11] = tag_cell;
                    row[12] = added;
                    row
                }
            }
        })
        .collect();
    Ok((l, rows))
}
