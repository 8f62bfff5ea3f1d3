//! The staff's view of customer accounts (the back office calls these after checking the
//! staff member's role): search and list with filters, one account in detail, block and
//! unblock, force sign-out. Blocking takes effect at once: the user's sessions are deleted,
//! and their API tokens stop because token resolution requires an active user.
//!
//! Deliberately cross-tenant: staff see every workspace's users. Nothing here is reachable
//! by a customer.

use chrono::{DateTime, Utc};
use platform::{
    Error, Result, Role,
    db::{contains_pattern, now},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::{sessions, workspaces};
use crate::model::{api_token, backup_code, session, user, workspace};

pub const ACTIVE: &str = "active";
pub const BLOCKED: &str = "blocked";

/// What narrows a list of users; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the email or the name, any case.
    pub q: Option<String>,
    /// `active` or `blocked`.
    pub status: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
}

/// How a page of users is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    #[default]
    Newest,
    Oldest,
    Email,
    Name,
}

impl UserSort {
    pub const ALL: [UserSort; 4] = [
        UserSort::Newest,
        UserSort::Oldest,
        UserSort::Email,
        UserSort::Name,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            UserSort::Newest => "newest",
            UserSort::Oldest => "oldest",
            UserSort::Email => "email",
            UserSort::Name => "name",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            UserSort::Newest => "Newest first",
            UserSort::Oldest => "Oldest first",
            UserSort::Email => "Email A–Z",
            UserSort::Name => "Name A–Z",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Refuses a filter the search would refuse (an unknown status), before any work starts: an
/// export checks it before its first byte.
pub fn check(filter: &UserFilter) -> Result<()> {
    filtered(filter).map(|_| ())
}

fn filtered(filter: &UserFilter) -> Result<Select<user::Entity>> {
    let mut find = user::Entity::find();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // LIKE is case-sensitive on PostgreSQL: compare lower-cased text on both backends.
        find = find.filter(
            sea_orm::Condition::any()
                .add(Expr::col(user::Column::EmailLower).like(contains_pattern(q)))
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::Name)))
                        .like(contains_pattern(q)),
                ),
        );
    }
    if let Some(s) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        if s != ACTIVE && s != BLOCKED {
            return Err(Error::validation(
                "status",
                "Status must be active or blocked",
            ));
        }
        find = find.filter(user::Column::Status.eq(s));
    }
    if let Some(from) = filter.created_from {
        find = find.filter(user::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        find = find.filter(user::Column::CreatedAt.lt(to));
    }
    Ok(find)
}

/// A page of users, newest first; `next` is the cursor of the following page.
pub struct UserPage {
    pub items: Vec<user::Model>,
    pub next: Option<Uuid>,
}

/// Users matching the filter, newest first, after `cursor` (ids are time-ordered UUIDv7). Also
/// the CSV export's batches: each query reads `limit` rows, so memory does not grow with the
/// number of users.
pub async fn search(
    conn: &impl ConnectionTrait,
    filter: &UserFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<UserPage> {
    let (items, next) = platform::db::keyset_page(
        conn,
        filtered(filter)?,
        user::Column::Id,
        |u| u.id,
        platform::db::Order::NewestFirst,
        cursor,
        limit,
    )
    .await?;
    Ok(UserPage { items, next })
}

/// One numbered page of users in any order, with the total that match (the back-office list).
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &UserFilter,
    sort: UserSort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<user::Model>, u64)> {
    let total = filtered(filter)?.count(conn).await?;
    let find = filtered(filter)?;
    let find = match sort {
        UserSort::Newest => find.order_by_desc(user::Column::Id),
        UserSort::Oldest => find.order_by_asc(user::Column::Id),
        UserSort::Email => find
            .order_by_asc(user::Column::EmailLower)
            .order_by_asc(user::Column::Id),
        UserSort::Name => find
            .order_by_asc(user::Column::Name)
            .order_by_asc(user::Column::Id),
    };
    let items = find
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((items, total))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// One account as support sees it.
pub struct UserDetail {
    pub user: user::Model,
    pub workspaces: Vec<(workspace::Model, Role)>,
    pub sessions: Vec<session::Model>,
    pub backup_codes_left: u64,
    pub active_api_tokens: u64,
}

pub async fn detail(conn: &impl ConnectionTrait, id: Uuid) -> Result<UserDetail> {
    let user = get(conn, id).await?;
    let backup_codes_left = backup_code::Entity::find()
        .filter(backup_code::Column::UserId.eq(id))
        .filter(backup_code::Column::UsedAt.is_null())
        .count(conn)
        .await?;
    let active_api_tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now())),
        )
        .count(conn)
        .await?;
    Ok(UserDetail {
        workspaces: workspaces::list_for_user(conn, id).await?,
        sessions: sessions::list(conn, id).await?,
        backup_codes_left,
        active_api_tokens,
        user,
    })
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

/// Ends every browser session of the user and forgets their remembered devices (their API
/// tokens keep working); returns how many sessions ended.
pub async fn sign_out_everywhere(conn: &impl ConnectionTrait, id: Uuid) -> Result<u64> {
    get(conn, id).await?;
    super::devices::forget_all(conn, id).await?;
    sessions::revoke_others(conn, id, None).await
}

/// Inserts `count` generated accounts (`{prefix}{n}@example.test`, verified, no password, so
/// nobody can sign in as them) in batches: for load tests and benchmarks of the staff views
/// (the 100,000-user export). Returns how many were written.
pub async fn insert_generated(
    conn: &impl ConnectionTrait,
    prefix: &str,
    count: u64,
) -> Result<u64> {
    use sea_orm::Set;
    let t = now();
    let mut written = 0;
    while written < count {
        let batch = std::cmp::min(count - written, 500);
        let rows = (written..written + batch).map(|n| {
            let email = format!("{prefix}{n}@example.test");
            user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email_lower: Set(email.to_lowercase()),
                email: Set(email),
                name: Set(format!("Generated user {n}")),
                password_hash: Set(None),
                email_verified_at: Set(Some(t)),
                status: Set(ACTIVE.into()),
                totp_secret: Set(None),
                totp_pending_secret: Set(None),
                totp_enabled_at: Set(None),
                totp_last_step: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
            }
        });
        user::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
        written += batch;
    }
    Ok(written)
}
