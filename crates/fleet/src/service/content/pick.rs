//! What a step uses: the persona's pool first, then the workspace's generic pool; images of
//! the step's kind (else kind `any`) by priority then least used; texts least used first.
//! What is picked has its use counted in the caller's transaction.

use platform::{Result, Scope};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{image, text};

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedContent)]
pub struct Picked {
    pub image: Option<PickedImage>,
    pub text: Option<PickedText>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedImage)]
pub struct PickedImage {
    pub id: Uuid,
    pub kind: String,
    pub mime: String,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetPickedText)]
pub struct PickedText {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
}

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
        'found: for pool in pools
            .iter()
            .filter(|p| p.is_some() || persona_id.is_none() || p.is_none())
        {
            for k in [kind, "any"] {
                let mut q = image::Entity::find()
                    .filter(image::Column::WorkspaceId.eq(scope.workspace_id()))
                    .filter(image::Column::Kind.eq(k));
                q = match pool {
                    Some(p) => q.filter(image::Column::PersonaId.eq(*p)),
                    None => q.filter(image::Column::PersonaId.is_null()),
                };
                if let Some(i) = q
                    .order_by_desc(image::Column::OrderPriority)
                    .order_by_asc(image::Column::UsageCount)
                    .order_by_asc(image::Column::CreatedAt)
                    .one(conn)
                    .await?
                {
                    image::Entity::update_many()
                        .col_expr(
                            image::Column::UsageCount,
                            Expr::col(image::Column::UsageCount).add(1),
                        )
                        .filter(image::Column::Id.eq(i.id))
                        .exec(conn)
                        .await?;
                    picked.image = Some(PickedImage {
                        id: i.id,
                        kind: i.kind,
                        mime: i.mime,
                        caption: i.text_content,
                    });
                    break 'found;
                }
            }
        }
    }
    if let Some(kind) = text_kind {
        for pool in pools.iter().copied() {
            let mut q = text::Entity::find()
                .filter(text::Column::WorkspaceId.eq(scope.workspace_id()))
                .filter(text::Column::Kind.eq(kind));
            q = match pool {
                Some(p) => q.filter(text::Column::PersonaId.eq(p)),
                None => q.filter(text::Column::PersonaId.is_null()),
            };
            if let Some(t) = q
                .order_by_asc(text::Column::UsageCount)
                .order_by_asc(text::Column::CreatedAt)
                .one(conn)
                .await?
            {
                text::Entity::update_many()
                    .col_expr(
                        text::Column::UsageCount,
                        Expr::col(text::Column::UsageCount).add(1),
                    )
                    .filter(text::Column::Id.eq(t.id))
                    .exec(conn)
                    .await?;
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
