//! What a step uses. A warm-up step names the kind of image and/or text it posts; the content
//! comes from the account's persona's pools, or — for an account no persona has yet, or a
//! persona without content of that kind — from the workspace's generic pools.
//!
//! - Images: of the step's kind, else of kind `any`, in the persona's pool first, then the
//!   generic pool; among those, the highest priority, then the least used, then the oldest.
//! - Texts: of the step's kind, persona's pool first, then generic; the least used, then the
//!   oldest.
//!
//! What is picked has its use counted on the caller's connection (one statement for a whole
//! batch of claims), so a claim that picks content and records it commits or rolls back both.
//! Two claims at the same moment may pick the same least-used item: pools rotate, they do not
//! hand out items exclusively.

use std::collections::BTreeSet;

use platform::{Error, Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{image, image_data, text};

/// The content a step uses: stored as the task's `content_used` and sent to the worker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedContent)]
pub struct Picked {
    /// The image to post, if the step posts one and a pool had one.
    pub image: Option<PickedImage>,
    /// The text to use, if the step uses one and a pool had one.
    pub text: Option<PickedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedImage)]
pub struct PickedImage {
    /// Download its bytes with `GET /api/bot/images/{id}`.
    pub id: Uuid,
    /// `pfp`, `post`, `highlight`, `story` or `any`.
    pub kind: String,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/gif`.
    pub mime: String,
    /// The caption kept with the image, if any.
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedText)]
pub struct PickedText {
    pub id: Uuid,
    /// `bio`, `post`, `story` or `highlight`.
    pub kind: String,
    pub text: String,
}

/// What one step asks of the pools.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    /// The account's persona (`None`: no persona yet, generic pools only).
    pub persona_id: Option<Uuid>,
    pub image_kind: Option<&'a str>,
    pub text_kind: Option<&'a str>,
}

/// Picks the content of a step for an account of `persona_id` (`None`: no persona yet) and
/// counts its use. A kind of `None` picks nothing of that sort; an empty pool picks nothing.
pub async fn for_step(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    persona_id: Option<Uuid>,
    image_kind: Option<&str>,
    text_kind: Option<&str>,
) -> Result<Picked> {
    let want = Want {
        persona_id,
        image_kind,
        text_kind,
    };
    Ok(for_steps(conn, scope, &[want])
        .await?
        .pop()
        .unwrap_or_default())
}

/// Picks content for many steps at once (a batch of claims), in order, as if one after the
/// other: each pick counts before the next is chosen, so steps of one pool rotate through
/// it. Reads each pool's candidates with one statement per sort (at most as many per pool and
/// kind as there are steps: no item ranked lower could be reached by that many picks) and
/// counts all uses with one statement per sort.
pub async fn for_steps(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    wants: &[Want<'_>],
) -> Result<Vec<Picked>> {
    let personas: BTreeSet<Uuid> = wants.iter().filter_map(|w| w.persona_id).collect();
    let mut image_kinds: BTreeSet<&str> = wants.iter().filter_map(|w| w.image_kind).collect();
    if !image_kinds.is_empty() {
        image_kinds.insert("any");
    }
    let text_kinds: BTreeSet<&str> = wants.iter().filter_map(|w| w.text_kind).collect();
    let per_pool = wants.len();
    let images: Vec<image::Model> = if image_kinds.is_empty() {
        Vec::new()
    } else {
        let stmt = ranked(
            conn.get_database_backend(),
            scope,
            "fleet_images",
            "order_priority DESC, usage_count ASC, created_at ASC, id ASC",
            &image_kinds,
            &personas,
            per_pool,
        );
        image::Entity::find().from_raw_sql(stmt).all(conn).await?
    };
    let texts: Vec<text::Model> = if text_kinds.is_empty() {
        Vec::new()
    } else {
        let stmt = ranked(
            conn.get_database_backend(),
            scope,
            "fleet_texts",
            "usage_count ASC, created_at ASC, id ASC",
            &text_kinds,
            &personas,
            per_pool,
        );
        text::Entity::find().from_raw_sql(stmt).all(conn).await?
    };
    let mut image_uses: Vec<i64> = vec![0; images.len()];
    let mut text_uses: Vec<i64> = vec![0; texts.len()];
    let mut out = Vec::with_capacity(wants.len());
    for want in wants {
        let pools: Vec<Option<Uuid>> = match want.persona_id {
            Some(p) => vec![Some(p), None],
            None => vec![None],
        };
        let mut picked = Picked::default();
        if let Some(kind) = want.image_kind {
            let kinds: Vec<&str> = if kind == "any" {
                vec!["any"]
            } else {
                vec![kind, "any"]
            };
            'pools: for pool in &pools {
                for k in &kinds {
                    let best = images
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.persona_id == *pool && i.kind == *k)
                        .min_by_key(|(n, i)| {
                            (
                                std::cmp::Reverse(i.order_priority),
                                i.usage_count + image_uses[*n],
                                i.created_at,
                                i.id,
                            )
                        });
                    if let Some((n, i)) = best {
                        image_uses[n] += 1;
                        picked.image = Some(PickedImage {
                            id: i.id,
                            kind: i.kind.clone(),
                            mime: i.mime.clone(),
                            caption: i.text_content.clone(),
                        });
                        break 'pools;
                    }
                }
            }
        }
        if let Some(kind) = want.text_kind {
            for pool in &pools {
                let best = texts
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.persona_id == *pool && t.kind == kind)
                    .min_by_key(|(n, t)| (t.usage_count + text_uses[*n], t.created_at, t.id));
                if let Some((n, t)) = best {
                    text_uses[n] += 1;
                    picked.text = Some(PickedText {
                        id: t.id,
                        kind: t.kind.clone(),
                        text: t.text_content.clone(),
                    });
                    break;
                }
            }
        }
        out.push(picked);
    }
    let image_counts = platform::db::padded(counts(images.iter().map(|i| i.id), &image_uses));
    if !image_counts.is_empty() {
        image::Entity::update_many()
            .col_expr(
                image::Column::UsageCount,
                Expr::col(image::Column::UsageCount).add(uses(image::Column::Id, &image_counts)),
            )
            .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(image::Column::Id.is_in(image_counts.iter().map(|(id, _)| *id)))
            .exec(conn)
            .await?;
    }
    let text_counts = platform::db::padded(counts(texts.iter().map(|t| t.id), &text_uses));
    if !text_counts.is_empty() {
        text::Entity::update_many()
            .col_expr(
                text::Column::UsageCount,
                Expr::col(text::Column::UsageCount).add(uses(text::Column::Id, &text_counts)),
            )
            .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(text::Column::Id.is_in(text_counts.iter().map(|(id, _)| *id)))
            .exec(conn)
            .await?;
    }
    Ok(out)
}

/// The items used at least once, with how many times.
fn counts(ids: impl Iterator<Item = Uuid>, uses: &[i64]) -> Vec<(Uuid, i64)> {
    ids.zip(uses)
        .filter(|(_, n)| **n > 0)
        .map(|(id, n)| (id, *n))
        .collect()
}

/// `CASE id WHEN … THEN n … ELSE 0 END`: how many uses to add to each item.
fn uses(id: impl ColumnTrait, counts: &[(Uuid, i64)]) -> Expr {
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (item, n) in counts {
        case = case.case(id.eq(*item), *n);
    }
    case.finally(0i64).into()
}

/// The best `per_pool` items of each pool (persona or generic) and kind, in `order`: one
/// statement with a window function, the same on SQLite and PostgreSQL.
fn ranked(
    backend: DbBackend,
    scope: &Scope,
    table: &str,
    order: &str,
    kinds: &BTreeSet<&str>,
    personas: &BTreeSet<Uuid>,
    per_pool: usize,
) -> Statement {
    let mut values: Vec<sea_orm::Value> = vec![scope.workspace_id().into()];
    let mut list = |vals: Vec<sea_orm::Value>| -> String {
        let start = values.len() + 1;
        let n = vals.len();
        values.extend(vals);
        (start..start + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kinds_sql = list(platform::db::padded(kinds.iter().map(|k| (*k).into())));
    let personas_sql = if personas.is_empty() {
        String::new()
    } else {
        format!(
            " OR persona_id IN ({})",
            list(platform::db::padded(personas.iter().map(|p| (*p).into())))
        )
    };
    values.push(i64::try_from(per_pool).unwrap_or(i64::MAX).into());
    let limit = values.len();
    let sql = format!(
        "SELECT * FROM (SELECT {table}.*, ROW_NUMBER() OVER \
         (PARTITION BY persona_id, kind ORDER BY {order}) AS pick_rank FROM {table} \
         WHERE workspace_id = $1 AND kind IN ({kinds_sql}) \
         AND (persona_id IS NULL{personas_sql})) ranked WHERE pick_rank <= ${limit}"
    );
    Statement::from_sql_and_values(backend, sql, values)
}

/// An image's type and bytes; another workspace's image is not found.
pub async fn image_bytes(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    image_id: Uuid,
) -> Result<(String, Vec<u8>)> {
    let row = image::Entity::find_by_id(image_id)
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let data = image_data::Entity::find_by_id(row.id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::internal(format!("image {} has no bytes", row.id)))?;
    Ok((row.mime, data.bytes))
}
