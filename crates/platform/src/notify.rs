//! Staff notifications: what the back office's bell shows (a new sign-up, a job that failed
//! for good, later subscription changes and AI-usage thresholds). A notification is a row —
//! so the unread count is right on every node and after a reload — plus a live event on the
//! staff topic, which every node's open back-office pages receive (PostgreSQL `NOTIFY` or
//! Redis when scaled out).
//!
//! Each notification names its *audience*: the staff permission whose holders see it
//! (`customers`, `jobs`, `billing`, …); the back office maps roles to audiences.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, PaginatorTrait, QuerySelect, Set,
    entity::prelude::*,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use serde::{Deserialize, Serialize};

use crate::{
    error::{Error, Result},
    events::{self, Events, LiveEvent, Topic},
};

pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_notifications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Dotted name: `user.signed_up`, `job.dead`, …
        pub kind: String,
        /// The staff permission whose holders see it.
        pub audience: String,
        pub title: String,
        pub body: String,
        /// A back-office path to open (`/admin/users/…`).
        pub link: Option<String>,
        pub created_at: DateTime<Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod read {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_notification_reads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub staff_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub notification_id: Uuid,
        pub read_at: DateTime<Utc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as Notification;

/// Audiences (the back office's permission names) notifications are addressed to.
pub mod audience {
    pub const CUSTOMERS: &str = "customers";
    pub const JOBS: &str = "jobs";
    pub const BILLING: &str = "billing";
    pub const SYSTEM: &str = "system";
}

/// Job kinds under this prefix deliver notifications themselves (a digest mail, a chat
/// message): when one fails for good the staff are not notified about it, which would be a
/// notification about a failed notification (see `jobs::dead`).
pub const JOB_KIND_PREFIX: &str = "notify.";

/// A notification about to be written.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: &'static str,
    pub audience: &'static str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// The live event of a new notification (SSE `event: notification`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationEvent {
    pub id: Uuid,
    pub kind: String,
    pub audience: String,
    pub title: String,
    pub link: Option<String>,
}

impl LiveEvent for NotificationEvent {
    const KIND: &'static str = "notification";
}

/// Writes a notification (inside the caller's transaction); publish the returned event with
/// [`Events::publish`] after the commit.
pub async fn record(conn: &impl ConnectionTrait, notice: Notice) -> Result<events::Event> {
    let id = Uuid::now_v7();
    entity::ActiveModel {
        id: Set(id),
        kind: Set(notice.kind.to_string()),
        audience: Set(notice.audience.to_string()),
        title: Set(notice.title.clone()),
        body: Set(notice.body),
        link: Set(notice.link.clone()),
        created_at: Set(crate::db::now()),
    }
    .insert(conn)
    .await?;
    events::Event::typed(
        Topic::Staff,
        &NotificationEvent {
            id,
            kind: notice.kind.to_string(),
            audience: notice.audience.to_string(),
            title: notice.title,
            link: notice.link,
        },
    )
}

/// Writes and publishes at once (for callers outside a transaction). A failed publish is only
/// logged: the row is there and the bell shows it at the next page load.
pub async fn send(conn: &impl ConnectionTrait, events: &Events, notice: Notice) -> Result<()> {
    let event = record(conn, notice).await?;
    publish(events, event).await;
    Ok(())
}

/// Publishes what [`record`] returned, once its transaction committed. Like [`send`], a failed
/// publish is only logged.
pub async fn publish(events: &Events, event: events::Event) {
    if let Err(e) = events.publish(event).await {
        tracing::warn!(error = %e, "staff notification not published live");
    }
}

fn unread_condition(staff_id: Uuid) -> sea_orm::sea_query::SimpleExpr {
    Expr::col((entity::Entity, entity::Column::Id)).not_in_subquery(
        Query::select()
            .column(read::Column::NotificationId)
            .from(read::Entity)
            .and_where(Expr::col(read::Column::StaffId).eq(staff_id))
            .to_owned(),
    )
}

/// How many notifications of these audiences the staff member has not read.
pub async fn unread_count(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    audiences: &[&str],
) -> Result<u64> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Audience.is_in(audiences.iter().copied()))
        .filter(unread_condition(staff_id))
        .count(conn)
        .await?)
}

/// A notification as one staff member sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub notification: Notification,
    pub read: bool,
}

/// The newest notifications of these audiences (`unread_only` for the unread ones), newest
/// first, with a cursor (the last id) for the next page.
pub async fn page(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    audiences: &[&str],
    unread_only: bool,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Seen>, Option<Uuid>)> {
    let mut find =
        entity::Entity::find().filter(entity::Column::Audience.is_in(audiences.iter().copied()));
    if unread_only {
        find = find.filter(unread_condition(staff_id));
    }
    let (rows, next) = crate::db::keyset_page(
        conn,
        find,
        entity::Column::Id,
        |n| n.id,
        crate::db::Order::NewestFirst,
        cursor,
        limit,
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|n| n.id).collect();
    let read_ids: Vec<Uuid> = read::Entity::find()
        .filter(read::Column::StaffId.eq(staff_id))
        .filter(read::Column::NotificationId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.notification_id)
        .collect();
    Ok((
        rows.into_iter()
            .map(|n| Seen {
                read: read_ids.contains(&n.id),
                notification: n,
            })
            .collect(),
        next,
    ))
}

/// Marks one notification read for a staff member; one of another audience is not found.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    audiences: &[&str],
    id: Uuid,
) -> Result<()> {
    entity::Entity::find_by_id(id)
        .filter(entity::Column::Audience.is_in(audiences.iter().copied()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    read::Entity::insert(read::ActiveModel {
        staff_id: Set(staff_id),
        notification_id: Set(id),
        read_at: Set(crate::db::now()),
    })
    .on_conflict(
        OnConflict::columns([read::Column::StaffId, read::Column::NotificationId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Marks every unread notification of these audiences read; returns how many.
pub async fn mark_all_read(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    audiences: &[&str],
) -> Result<u64> {
    let unread: Vec<Uuid> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::Audience.is_in(audiences.iter().copied()))
        .filter(unread_condition(staff_id))
        .into_tuple()
        .all(conn)
        .await?;
    let at = crate::db::now();
    for chunk in unread.chunks(500) {
        read::Entity::insert_many(chunk.iter().map(|id| read::ActiveModel {
            staff_id: Set(staff_id),
            notification_id: Set(*id),
            read_at: Set(at),
        }))
        .on_conflict(
            OnConflict::columns([read::Column::StaffId, read::Column::NotificationId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(unread.len() as u64)
}

/// Deletes the notifications that link to a page (its subject was erased); returns how many.
pub async fn forget_link(conn: &impl ConnectionTrait, link: &str) -> Result<u64> {
    Ok(entity::Entity::delete_many()
        .filter(entity::Column::Link.eq(link))
        .exec(conn)
        .await?
        .rows_affected)
}
