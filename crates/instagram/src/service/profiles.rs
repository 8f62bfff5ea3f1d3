//! Public profiles: the shared cache rows, one per (pool, username). The `live` pool holds real
//! Instagram data (Graph API, Apify); the `demo` pool holds the generator's. A workspace reaches
//! a profile only through its accounts or tracked profiles (see `accounts`).

use platform::{Error, Result, db::now};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{model::profile, source::demo::valid_username};

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

/// A typed username as Instagram spells it: without `@`, lower case, checked.
pub fn normalise_username(raw: &str) -> Result<String> {
    let u = raw.trim().trim_start_matches('@').to_lowercase();
    if !valid_username(&u) {
        return Err(Error::validation(
            "username",
            "Enter an Instagram username: up to 30 letters, digits, dots and underscores",
        ));
    }
    Ok(u)
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
    let username = normalise_username(username)?;
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
