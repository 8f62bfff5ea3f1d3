//! What a step uses. A warm-up step names the kind of image and/or text it posts; the content
//! comes from the account's persona's pools, or — for an account no persona has yet, or a
//! persona without content of that kind — from the workspace's generic pools.
//!
//! - Images: of the step's kind, else of kind `any`, in the persona's pool first, then the
//!   generic pool; among those, the highest priority, then the least used, then the oldest.
//! - Texts: of the step's kind, persona's pool first, then generic; the least used, then the
//!   oldest.
//!
//! What is picked has its use counted with one `usage_count + 1` statement on the caller's
//! connection, so a task claim that picks content and records it commits or rolls back both.
//! Two claims at the same moment may pick the same least-used item: pools rotate, they do not
//! hand out items exclusively.

use platform::{Error, Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
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

/// Picks the content of a step for an account of `persona_id` (`None`: no persona yet) and
/// counts its use. A kind of `None` picks nothing of that sort; an empty pool picks nothing.
pub async fn for_step(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    persona_id: Option<Uuid>,
    image_kind: Option<&str>,
    text_kind: Option<&str>,
) -> Result<Picked> {
    let pools: Vec<Option<Uuid>> = match persona_id {
        Some(p) => vec![Some(p), None],
        None => vec![None],
    };
    let mut picked = Picked::default();
    if let Some(kind) = image_kind {
        let kinds: Vec<&str> = if kind == "any" {
            vec!["any"]
        } else {
            vec![kind, "any"]
        };
        'pools: for pool in &pools {
            for k in &kinds {
                if let Some(i) = first_image(conn, scope, *pool, k).await? {
                    count_image_use(conn, scope, i.id).await?;
                    picked.image = Some(PickedImage {
                        id: i.id,
                        kind: i.kind,
                        mime: i.mime,
                        caption: i.text_content,
                    });
                    break 'pools;
                }
            }
        }
    }
    if let Some(kind) = text_kind {
        for pool in &pools {
            if let Some(t) = first_text(conn, scope, *pool, kind).await? {
                count_text_use(conn, scope, t.id).await?;
                picked.text = Some(PickedText {
                    id: t.id,
                    kind: t.kind,
                    text: t.text_content,
                });
                break;
            }
        }
    }
    Ok(picked)
}

async fn first_image(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    pool: Option<Uuid>,
    kind: &str,
) -> Result<Option<image::Model>> {
    let q = image::Entity::find()
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(image::Column::Kind.eq(kind));
    let q = match pool {
        Some(p) => q.filter(image::Column::PersonaId.eq(p)),
        None => q.filter(image::Column::PersonaId.is_null()),
    };
    Ok(q.order_by_desc(image::Column::OrderPriority)
        .order_by_asc(image::Column::UsageCount)
        .order_by_asc(image::Column::CreatedAt)
        .order_by_asc(image::Column::Id)
        .one(conn)
        .await?)
}

async fn first_text(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    pool: Option<Uuid>,
    kind: &str,
) -> Result<Option<text::Model>> {
    let q = text::Entity::find()
        .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(text::Column::Kind.eq(kind));
    let q = match pool {
        Some(p) => q.filter(text::Column::PersonaId.eq(p)),
        None => q.filter(text::Column::PersonaId.is_null()),
    };
    Ok(q.order_by_asc(text::Column::UsageCount)
        .order_by_asc(text::Column::CreatedAt)
        .order_by_asc(text::Column::Id)
        .one(conn)
        .await?)
}

async fn count_image_use(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<()> {
    image::Entity::update_many()
        .col_expr(
            image::Column::UsageCount,
            Expr::col(image::Column::UsageCount).add(1),
        )
        .filter(image::Column::Id.eq(id))
        .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(conn)
        .await?;
    Ok(())
}

async fn count_text_use(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<()> {
    text::Entity::update_many()
        .col_expr(
            text::Column::UsageCount,
            Expr::col(text::Column::UsageCount).add(1),
        )
        .filter(text::Column::Id.eq(id))
        .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(conn)
        .await?;
    Ok(())
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
