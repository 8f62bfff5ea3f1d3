//! The staff's view of customer accounts (the back office calls these after checking the
//! staff member's role): search, block and unblock. Blocking takes effect at once: the
//! user's sessions are deleted, and their API tokens stop because token resolution requires
//! an active user.

use platform::{Error, Result, db::now};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use uuid::Uuid;

use super::sessions;
use crate::model::user;

pub const ACTIVE: &str = "active";
pub const BLOCKED: &str = "blocked";

/// A page of users, newest first; `next` is the cursor of the following page.
pub struct UserPage {
    pub items: Vec<user::Model>,
    pub next: Option<Uuid>,
}

/// Users whose email or name contains `q` (any case), optionally of one status.
pub async fn search(
    conn: &impl ConnectionTrait,
    q: Option<&str>,
    status: Option<&str>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<UserPage> {
    let mut find = user::Entity::find()
        .order_by_desc(user::Column::Id)
        .limit(limit + 1);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        // LIKE is case-sensitive on PostgreSQL: compare lower-cased text on both backends.
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        // `%` and `_` typed by the searcher are literal: escaped, with the escape declared
        // (SQLite has no default escape character).
        let like = || LikeExpr::new(pattern.clone()).escape('\\');
        find = find.filter(
            sea_orm::Condition::any()
                .add(Expr::col(user::Column::EmailLower).like(like()))
                .add(Expr::expr(Func::lower(Expr::col(user::Column::Name))).like(like())),
        );
    }
    if let Some(s) = status {
        find = find.filter(user::Column::Status.eq(s));
    }
    if let Some(c) = cursor {
        find = find.filter(user::Column::Id.lt(c));
    }
    let mut items = find.all(conn).await?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|u| u.id)
    } else {
        None
    };
    Ok(UserPage { items, next })
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Sets `active` or `blocked`; blocking ends every session of the user.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
) -> Result<user::Model> {
    if status != ACTIVE && status != BLOCKED {
        return Err(Error::validation(
            "status",
            "Status must be active or blocked",
        ));
    }
    let res = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    if status == BLOCKED {
        sessions::revoke_others(conn, id, None).await?;
    }
    get(conn, id).await
}
