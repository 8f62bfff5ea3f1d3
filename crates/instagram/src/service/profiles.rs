//! Public profiles: the shared cache rows, one per (pool, username). The `live` pool holds real
//! Instagram data (Graph API, Apify); the `demo` pool holds the generator's. A workspace reaches
//! a profile only through its accounts or tracked profiles (see `accounts`).
//!
//! Which pool a new profile goes to is one rule, [`pool_for_new`]: demo data only when asked
//! for (the "demo" box, a demo username); otherwise real data, or a refusal when no live source
//! is configured — never made-up figures under a real username.

use platform::{AppState, Error, Result, db::now};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{model::profile, source::Username};

/// The stable code of the refusal to add or serve a real username without a live source.
pub const SOURCE_NOT_CONFIGURED: &str = "source-not-configured";

/// Which data a profile row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    Live,
    Demo,
}

impl Pool {
    pub fn as_str(&self) -> &'static str {
        match self {
            Pool::Live => "live",
            Pool::Demo => "demo",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "live" => Some(Pool::Live),
            "demo" => Some(Pool::Demo),
            _ => None,
        }
    }

    pub fn of(p: &profile::Model) -> Pool {
        Pool::parse(&p.pool).unwrap_or(Pool::Live)
    }
}

/// The pool a profile added now goes to: demo data when `as_demo` is asked for or the
/// username is a demo username (`demo.…`); otherwise real data, which needs a live public
/// source — without one the answer is [`source_not_configured`], and nothing is stored.
pub async fn pool_for_new(state: &AppState, username: &Username, as_demo: bool) -> Result<Pool> {
    if as_demo || username.is_demo() {
        return Ok(Pool::Demo);
    }
    if crate::source::live_public_data(state).await {
        Ok(Pool::Live)
    } else {
        let can_connect = super::connect::availability(state).await.is_ok();
        Err(source_not_configured(username, can_connect))
    }
}

/// Real data for `username` was asked for and no live source can give it. Customers read this
/// (pages, the workspace API): it says, in their words, who can change that — and whether
/// connecting with Instagram Login is a way already open (`can_connect`).
pub fn source_not_configured(username: &Username, can_connect: bool) -> Error {
    let ways = if can_connect {
        "An administrator can set it up in the back office (system settings), \
         or you can connect your own account with Instagram Login."
    } else {
        "An administrator can set it up in the back office (system settings), \
         as well as Instagram Login, which lets you connect your own account."
    };
    Error::NotConfigured {
        code: SOURCE_NOT_CONFIGURED,
        message: format!(
            "Real data for @{username} needs a public Instagram data source, and none is set up on this server yet. \
             {ways} Meanwhile you can use demo data for @{username}: generated figures, labelled “Demo data”."
        ),
    }
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<profile::Model> {
    profile::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn by_username(
    conn: &impl ConnectionTrait,
    pool: Pool,
    username: &str,
) -> Result<Option<profile::Model>> {
    Ok(profile::Entity::find()
        .filter(profile::Column::Pool.eq(pool.as_str()))
        .filter(profile::Column::UsernameLower.eq(username.to_lowercase()))
        .one(conn)
        .await?)
}

/// The profile row of a username, made (empty, due for a refresh) if it is new.
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    pool: Pool,
    username: &str,
) -> Result<profile::Model> {
    let username = Username::parse(username)?.as_str().to_string();
    if let Some(p) = by_username(conn, pool, &username).await? {
        return Ok(p);
    }
    let t = now();
    let row = profile::ActiveModel {
        id: Set(Uuid::now_v7()),
        pool: Set(pool.as_str().into()),
        username: Set(username.clone()),
        username_lower: Set(username.clone()),
        ig_user_id: Set(None),
        full_name: Set(None),
        biography: Set(None),
        website: Set(None),
        picture_url: Set(None),
        followers_count: Set(None),
        follows_count: Set(None),
        media_count: Set(None),
        is_verified: Set(None),
        is_business: Set(None),
        source: Set(match pool {
            Pool::Demo => "demo".into(),
            Pool::Live => "apify".into(),
        }),
        fetched_at: Set(None),
        media_cursor: Set(None),
        last_refresh_at: Set(None),
        last_refresh_error: Set(None),
        next_refresh_at: Set(Some(t)),
        created_at: Set(t),
    };
    match row.insert(conn).await {
        Ok(p) => Ok(p),
        // Another request made it first.
        Err(e) if platform::db::is_unique_violation(&e) => by_username(conn, pool, &username)
            .await?
            .ok_or(Error::NotFound),
        Err(e) => Err(e.into()),
    }
}
