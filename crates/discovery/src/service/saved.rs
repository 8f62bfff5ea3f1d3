//! Saved searches (a user's named searches, optionally shared with the team) and recent
//! searches (the last few of each user). A search is kept as its query string — the page's and
//! the API's parameters — so opening it is opening `/discover?{query}`.
//!
//! Invariants: a saved search is seen by its owner, and by the whole workspace when shared;
//! only its owner deletes it (others get 404, as for any row they may not change). Each user
//! keeps at most [`SAVED_MAX`] saved and the [`RECENT_KEPT`] newest recent searches.

use platform::{AppState, Ctx, Error, Permission, Result, web::forms::within};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::unlocks::{recent_search, saved_search};

pub const NAME_MAX: usize = 80;
pub const QUERY_MAX: usize = 2_000;
pub const SAVED_MAX: u64 = 50;
pub const RECENT_KEPT: u64 = 10;

/// A saved search as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoverySavedSearch)]
pub struct Saved {
    pub id: Uuid,
    pub name: String,
    /// The query string of the search (`q=yoga&followers_min=10000`).
    pub query: String,
    /// Shared with the whole workspace.
    pub shared: bool,
    /// The caller saved it (and may delete it).
    pub mine: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn view(m: saved_search::Model, me: Uuid) -> Saved {
    Saved {
        id: m.id,
        mine: m.user_id == me,
        name: m.name,
        query: m.query,
        shared: m.shared,
        created_at: m.created_at,
    }
}

/// A query string as kept: without a leading `?`, without the page number (a saved search
/// starts at its first page), checked for length.
pub fn clean_query(raw: &str) -> Result<String> {
    let raw = raw.trim().trim_start_matches('?');
    let kept: Vec<&str> = raw
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let q = kept.join("&");
    within("query", "The search", &q, QUERY_MAX).map_err(|f| Error::Validation(vec![f]))?;
    if q.chars().any(|c| c.is_control() || c == '#') {
        return Err(Error::validation("query", "is not a search's query string"));
    }
    Ok(q)
}

pub async fn save(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    query: &str,
    shared: bool,
) -> Result<Saved> {
    ctx.require(Permission::WorkspaceWrite)?;
    let workspace_id = ctx.workspace_id()?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "Give the search a name."));
    }
    within("name", "The name", name, NAME_MAX).map_err(|f| Error::Validation(vec![f]))?;
    let query = clean_query(query)?;
    let mine = saved_search::Entity::find()
        .filter(saved_search::Column::WorkspaceId.eq(workspace_id))
        .filter(saved_search::Column::UserId.eq(ctx.user_id()))
        .count(&state.db)
        .await?;
    if mine >= SAVED_MAX {
        return Err(Error::Conflict(format!(
            "You have {SAVED_MAX} saved searches, the most one person keeps: delete one first."
        )));
    }
    let row = saved_search::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(ctx.user_id()),
        name: Set(name.to_string()),
        query: Set(query),
        shared: Set(shared),
        created_at: Set(platform::db::now()),
        last_used_at: Set(None),
    };
    let m = saved_search::Entity::insert(row)
        .exec_with_returning(&state.db)
        .await?;
    Ok(view(m, ctx.user_id()))
}

/// The caller's saved searches and those the team shared, newest first.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<Saved>> {
    ctx.require(Permission::WorkspaceRead)?;
    let me = ctx.user_id();
    Ok(saved_search::Entity::find()
        .filter(saved_search::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(
            Condition::any()
                .add(saved_search::Column::UserId.eq(me))
                .add(saved_search::Column::Shared.eq(true)),
        )
        .order_by_desc(saved_search::Column::CreatedAt)
        .limit(200)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| view(m, me))
        .collect())
}

/// Deletes one of the caller's saved searches (404 for anyone else's).
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let gone = saved_search::Entity::delete_many()
        .filter(saved_search::Column::Id.eq(id))
        .filter(saved_search::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(saved_search::Column::UserId.eq(ctx.user_id()))
        .exec(&state.db)
        .await?;
    if gone.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A recent search as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryRecentSearch)]
pub struct Recent {
    pub query: String,
    /// Matches found (counted up to 1,000).
    pub results: Option<i64>,
    pub searched_at: chrono::DateTime<chrono::Utc>,
}

/// Notes a search of the caller (a search with at least one filter); keeps the newest
/// [`RECENT_KEPT`], one entry per query string.
pub async fn note_recent(state: &AppState, ctx: &Ctx, query: &str, results: u64) -> Result<()> {
    let Ok(query) = clean_query(query) else {
        return Ok(());
    };
    let filters: Vec<&str> = query
        .split('&')
        .filter(|p| {
            // A filter with a value; the view, the page size and the sort alone are no search.
            p.split_once('=').is_some_and(|(k, v)| {
                !v.is_empty() && !matches!(k, "view" | "per_page" | "sort" | "pool")
            })
        })
        .collect();
    if filters.is_empty() {
        return Ok(());
    }
    let workspace_id = ctx.workspace_id()?;
    let me = ctx.user_id();
    let db = &state.db;
    recent_search::Entity::delete_many()
        .filter(recent_search::Column::WorkspaceId.eq(workspace_id))
        .filter(recent_search::Column::UserId.eq(me))
        .filter(recent_search::Column::Query.eq(&query))
        .exec(db)
        .await?;
    recent_search::Entity::insert(recent_search::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(me),
        query: Set(query),
        results: Set(Some(results as i64)),
        searched_at: Set(platform::db::now()),
    })
    .exec_without_returning(db)
    .await?;
    // Older ones beyond the kept few go.
    let keep: Vec<Uuid> = recent_search::Entity::find()
        .select_only()
        .column(recent_search::Column::Id)
        .filter(recent_search::Column::WorkspaceId.eq(workspace_id))
        .filter(recent_search::Column::UserId.eq(me))
        .order_by_desc(recent_search::Column::SearchedAt)
        .order_by_desc(recent_search::Column::Id)
        .limit(RECENT_KEPT)
        .into_tuple()
        .all(db)
        .await?;
    recent_search::Entity::delete_many()
        .filter(recent_search::Column::WorkspaceId.eq(workspace_id))
        .filter(recent_search::Column::UserId.eq(me))
        .filter(recent_search::Column::Id.is_not_in(keep))
        .exec(db)
        .await?;
    Ok(())
}

/// The caller's recent searches, newest first.
pub async fn recent(state: &AppState, ctx: &Ctx) -> Result<Vec<Recent>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(recent_search::Entity::find()
        .filter(recent_search::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(recent_search::Column::UserId.eq(ctx.user_id()))
        .order_by_desc(recent_search::Column::SearchedAt)
        .order_by_desc(recent_search::Column::Id)
        .limit(RECENT_KEPT)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| Recent {
            query: m.query,
            results: m.results,
            searched_at: m.searched_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_kept_without_its_page() {
        assert_eq!(
            clean_query("?q=yoga&page=3&followers_min=10").unwrap(),
            "q=yoga&followers_min=10"
        );
        assert!(clean_query(&"a".repeat(QUERY_MAX + 1)).is_err());
        assert!(clean_query("q=a#b").is_err());
    }
}

/// A search's query string in words, for lists ("“vegan” · followers ≥ 10,000 · #yoga").
pub fn describe(query: &str) -> String {
    use platform::web::format::number;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let whole = |v: &str| {
        v.trim()
            .replace(',', "")
            .parse::<i64>()
            .map(number)
            .unwrap_or_else(|_| v.trim().to_string())
    };
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, v)| {
            let v = v.trim();
            Some(match k.as_str() {
                "q" => format!("“{v}”"),
                "followers_min" => format!("followers ≥ {}", whole(v)),
                "followers_max" => format!("followers ≤ {}", whole(v)),
                "engagement_min" => format!("engagement ≥ {v} %"),
                "engagement_max" => format!("engagement ≤ {v} %"),
                "growth_30d_min" => format!("30-day growth ≥ {v} %"),
                "growth_90d_min" => format!("90-day growth ≥ {v} %"),
                "category" | "location" => v.to_string(),
                "language" => format!("language {v}"),
                "hashtag" => format!("#{}", v.trim_start_matches('#')),
                "posted_within_days" => format!("posted within {} days", whole(v)),
                "verified" => (if v == "true" {
                    "verified"
                } else {
                    "not verified"
                })
                .into(),
                "business" => (if v == "true" {
                    "business"
                } else {
                    "not business"
                })
                .into(),
                "has_email" => (if v == "true" {
                    "with email"
                } else {
                    "without email"
                })
                .into(),
                _ => return None,
            })
        })
        .collect();
    if parts.is_empty() {
        "All creators".into()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod describe_tests {
    use super::describe;

    #[test]
    fn a_query_reads_as_words() {
        assert_eq!(
            describe("q=vegan+food&followers_min=10000&hashtag=%23yoga&view=table&verified=true"),
            "“vegan food” · followers ≥ 10,000 · #yoga · verified"
        );
        assert_eq!(describe("view=table"), "All creators");
    }
}
