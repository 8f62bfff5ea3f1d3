//! The audit log: append-only record of security events and changes, per workspace (or
//! platform-wide when `workspace_id` is `None`). `record` takes any connection, so an event
//! written inside a business transaction commits or rolls back with it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect, Set, entity::prelude::*};
use serde_json::Value as Json;

use crate::{
    ctx::{Ctx, Origin},
    error::Result,
};

pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Option<Uuid>,
        pub actor_user_id: Option<Uuid>,
        pub actor_label: String,
        pub action: String,
        pub target_type: Option<String>,
        pub target_id: Option<String>,
        pub ip: Option<String>,
        pub user_agent: Option<String>,
        pub request_id: Option<String>,
        pub detail: Option<Json>,
        pub created_at: DateTime<Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as AuditEvent;

/// An event about to be written. Build with [`Event::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub workspace_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub target: Option<(String, String)>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<Json>,
}

impl Event {
    /// `action` is a dotted, past-tense name: `user.signed_in`, `member.role_changed`.
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            workspace_id: None,
            actor_user_id: None,
            actor_label: "anonymous".into(),
            target: None,
            ip: None,
            user_agent: None,
            request_id: None,
            detail: None,
        }
    }

    /// Actor, workspace, IP and request id from the caller's context.
    pub fn by(mut self, ctx: &Ctx) -> Self {
        self.actor_user_id = Some(ctx.user.id);
        self.actor_label = ctx.user.email.clone();
        self.workspace_id = ctx.workspace.as_ref().map(|(w, _)| w.id);
        self.ip = ctx.ip.map(|ip| ip.to_string());
        self.request_id = Some(ctx.request_id.clone());
        self
    }

    /// IP, user agent and request id of an unauthenticated request (sign-in, sign-up).
    pub fn from_origin(mut self, origin: &Origin) -> Self {
        self.ip = origin.ip.map(|ip| ip.to_string());
        self.user_agent = origin.user_agent.clone();
        self.request_id = Some(origin.request_id.clone());
        self
    }

    pub fn actor(mut self, user_id: Option<Uuid>, label: impl Into<String>) -> Self {
        self.actor_user_id = user_id;
        self.actor_label = label.into();
        self
    }

    pub fn workspace(mut self, workspace_id: Option<Uuid>) -> Self {
        self.workspace_id = workspace_id;
        self
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target = Some((kind.to_string(), id.to_string()));
        self
    }

    pub fn detail(mut self, detail: Json) -> Self {
        self.detail = Some(detail);
        self
    }
}

pub async fn record(conn: &impl ConnectionTrait, event: Event) -> Result<()> {
    let (target_type, target_id) = match event.target {
        Some((t, i)) => (Some(t), Some(i)),
        None => (None, None),
    };
    entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(event.workspace_id),
        actor_user_id: Set(event.actor_user_id),
        actor_label: Set(event.actor_label),
        action: Set(event.action.to_string()),
        target_type: Set(target_type),
        target_id: Set(target_id),
        ip: Set(event.ip),
        user_agent: Set(event.user_agent),
        request_id: Set(event.request_id),
        detail: Set(event.detail),
        created_at: Set(crate::db::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The newest events of the caller's workspace.
pub async fn recent_in_workspace(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    limit: u64,
) -> Result<Vec<AuditEvent>> {
    let workspace_id = ctx.workspace_id()?;
    Ok(entity::Entity::find()
        .filter(entity::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(entity::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The newest events of the caller's workspace, leaving out actions that start with any of
/// `hidden` (the workspace home's recent activity: personal security events are not news for
/// the team).
pub async fn recent_in_workspace_except(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    hidden: &[&str],
    limit: u64,
) -> Result<Vec<AuditEvent>> {
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
    let workspace_id = ctx.workspace_id()?;
    let mut find = entity::Entity::find().filter(entity::Column::WorkspaceId.eq(workspace_id));
    for prefix in hidden {
        let pattern = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        find = find.filter(
            Expr::col(entity::Column::Action).not_like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    Ok(find
        .order_by_desc(entity::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Events with a given action since a time (tests and the back office read these).
pub async fn by_action(conn: &impl ConnectionTrait, action: &str) -> Result<Vec<AuditEvent>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Action.eq(action))
        .order_by_asc(entity::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Filters of the activity log (back office). Every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Part of the actor's label (an email, `staff:…`), any case.
    pub actor: Option<String>,
    /// Exact action, e.g. `auth.sign_in_failed`.
    pub action: Option<String>,
    pub workspace_id: Option<Uuid>,
    /// The kind of thing acted on (`user`, `staff`, `job`, …).
    pub target_type: Option<String>,
    /// Its id, exactly.
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub order: crate::db::Order,
}

/// A page of the activity log in the filter's order; the cursor is the last event's id
/// (UUIDv7 ids are time-ordered).
pub async fn search(
    conn: &impl ConnectionTrait,
    filter: &AuditFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<AuditEvent>, Option<Uuid>)> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut find = entity::Entity::find();
    if let Some(actor) = filter
        .actor
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        let pattern = format!(
            "%{}%",
            actor
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        find = find.filter(
            Expr::expr(Func::lower(Expr::col(entity::Column::ActorLabel)))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        find = find.filter(entity::Column::Action.eq(action));
    }
    if let Some(t) = filter.target_type.as_deref().filter(|t| !t.is_empty()) {
        find = find.filter(entity::Column::TargetType.eq(t));
    }
    if let Some(t) = filter
        .target_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        find = find.filter(entity::Column::TargetId.eq(t));
    }
    if let Some(ws) = filter.workspace_id {
        find = find.filter(entity::Column::WorkspaceId.eq(ws));
    }
    if let Some(ip) = filter
        .ip
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        find = find.filter(entity::Column::Ip.eq(ip));
    }
    if let Some(since) = filter.since {
        find = find.filter(entity::Column::CreatedAt.gte(since));
    }
    if let Some(until) = filter.until {
        find = find.filter(entity::Column::CreatedAt.lt(until));
    }
    Ok(crate::db::keyset_page(
        conn,
        find,
        entity::Column::Id,
        |e| e.id,
        filter.order,
        cursor,
        limit,
    )
    .await?)
}

/// Anonymises a deleted person's entries: those they made (`actor_user_id`), those naming them
/// as the actor label (e.g. failed sign-ins by email) and those about them (target `user`).
/// The entries stay — what happened is kept — but the label becomes `label`, the IP address and
/// browser are dropped, and a detail that mentions the email is replaced. Returns how many.
pub async fn anonymise_person(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    email: &str,
    label: &str,
) -> Result<u64> {
    let email_lower = email.to_lowercase();
    let id_text = user_id.to_string();
    let rows = entity::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(entity::Column::ActorUserId.eq(user_id))
                .add(
                    sea_orm::Condition::all()
                        .add(entity::Column::TargetType.eq("user"))
                        .add(entity::Column::TargetId.eq(id_text.as_str())),
                )
                .add(entity::Column::ActorLabel.eq(email))
                .add(entity::Column::ActorLabel.eq(email_lower.as_str())),
        )
        .all(conn)
        .await?;
    let count = rows.len() as u64;
    for row in rows {
        let is_actor =
            row.actor_user_id == Some(user_id) || row.actor_label.to_lowercase() == email_lower;
        let mentions = row
            .detail
            .as_ref()
            .is_some_and(|d| d.to_string().to_lowercase().contains(&email_lower));
        let mut active: entity::ActiveModel = row.clone().into();
        if is_actor {
            active.actor_label = Set(label.to_string());
            active.ip = Set(None);
            active.user_agent = Set(None);
        }
        if mentions {
            active.detail = Set(Some(serde_json::json!({ "anonymised": true })));
        }
        active.update(conn).await?;
    }
    Ok(count)
}

/// Events about one subject (`target_type`, `target_id`) or made by a user: the trail on a
/// back-office detail page, newest first.
pub async fn trail(
    conn: &impl ConnectionTrait,
    target_type: &str,
    target_id: &str,
    actor_user_id: Option<Uuid>,
    limit: u64,
) -> Result<Vec<AuditEvent>> {
    let mut about = sea_orm::Condition::any().add(
        sea_orm::Condition::all()
            .add(entity::Column::TargetType.eq(target_type))
            .add(entity::Column::TargetId.eq(target_id)),
    );
    if let Some(actor) = actor_user_id {
        about = about.add(entity::Column::ActorUserId.eq(actor));
    }
    Ok(entity::Entity::find()
        .filter(about)
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Every action name the log holds, for the activity log's filter.
pub async fn actions(conn: &impl ConnectionTrait) -> Result<Vec<String>> {
    Ok(entity::Entity::find()
        .select_only()
        .column(entity::Column::Action)
        .distinct()
        .order_by_asc(entity::Column::Action)
        .into_tuple()
        .all(conn)
        .await?)
}
