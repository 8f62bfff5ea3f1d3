//! Global search (the command palette): pages, actions and records of the caller's workspace,
//! found by what the user types.
//!
//! The platform knows no feature, so it searches only the navigation the features registered;
//! everything else comes from the features through a port, like the usage counters: each
//! feature registers [`SearchFn`]s (the binary composes them into [`Providers`]), and each one
//! answers for the caller's `Ctx`, so a search never reaches past the caller's workspace.
//! `GET /api/v1/search` serves the palette (app.js) and API clients alike.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
    routing::get,
};
use futures::future::BoxFuture;
use serde::Serialize;

use crate::{
    AppState, Ctx,
    error::{Error, Problem, Result},
    web::shell::NavEntry,
};

/// The longest query accepted (a username or a page name is far shorter).
pub const MAX_QUERY_CHARS: usize = 100;
/// Results per answer unless the caller asks for fewer or more (at most [`MAX_LIMIT`]); an
/// empty query answers up to [`MAX_LIMIT`] (the whole menu).
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 50;

/// What a hit is: the palette groups them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    /// A page to go to (the navigation, settings pages).
    Page,
    /// Something to do ("Invite people"): a link to the page and form that does it.
    Action,
    /// A thing of the workspace (an Instagram account, a tracked profile).
    Record,
}

/// One result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: HitKind,
    /// The heading it is listed under ("Pages", "Actions", "Instagram accounts").
    pub group: String,
    pub title: String,
    /// A second line: what it is, a figure that tells similar ones apart; may be empty.
    pub detail: String,
    /// Where choosing it goes: a path of this site.
    pub href: String,
    /// How well it matched: lower is better (see [`Query::rank`]); ties keep the providers'
    /// order.
    #[serde(skip)]
    pub rank: u8,
}

impl Hit {
    pub fn new(
        kind: HitKind,
        group: impl Into<String>,
        title: impl Into<String>,
        href: impl Into<String>,
    ) -> Hit {
        Hit {
            kind,
            group: group.into(),
            title: title.into(),
            detail: String::new(),
            href: href.into(),
            rank: 0,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Hit {
        self.detail = detail.into();
        self
    }

    pub fn rank(mut self, rank: u8) -> Hit {
        self.rank = rank;
        self
    }
}

/// What the user typed, trimmed and lower-cased once.
#[derive(Debug, Clone, Default)]
pub struct Query {
    text: String,
    lower: String,
}

impl Query {
    /// Refuses a query longer than [`MAX_QUERY_CHARS`].
    pub fn parse(raw: &str) -> Result<Query> {
        let text = raw.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::validation(
                "q",
                format!("Search for at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        Ok(Query {
            text: text.to_string(),
            lower: text.to_lowercase(),
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Nothing typed yet: the palette shows the pages and actions.
    pub fn is_empty(&self) -> bool {
        self.lower.is_empty()
    }

    /// How well the query matches the best of `texts` (case-insensitive): 0 the whole text,
    /// 1 its start, 2 the start of a word, 3 anywhere; `None` no match. An empty query
    /// matches everything with 0. A leading `@` in the query is ignored (usernames).
    pub fn rank(&self, texts: &[&str]) -> Option<u8> {
        let q = self.lower.strip_prefix('@').unwrap_or(&self.lower);
        if q.is_empty() {
            return Some(0);
        }
        texts
            .iter()
            .filter_map(|t| {
                let t = t.to_lowercase();
                let t = t.strip_prefix('@').unwrap_or(&t);
                if t == q {
                    Some(0)
                } else if t.starts_with(q) {
                    Some(1)
                } else if t
                    .match_indices(q)
                    .any(|(i, _)| t[..i].ends_with(|c: char| !c.is_alphanumeric()))
                {
                    Some(2)
                } else if t.contains(q) {
                    Some(3)
                } else {
                    None
                }
            })
            .min()
    }
}

/// A feature's part of a search: its hits for the query, for the caller only.
pub type SearchFn = fn(AppState, Ctx, Query) -> BoxFuture<'static, Result<Vec<Hit>>>;

/// Every provider the features registered.
#[derive(Clone, Default)]
pub struct Providers(Arc<Vec<SearchFn>>);

impl Providers {
    pub fn new(providers: Vec<SearchFn>) -> Self {
        Providers(Arc::new(providers))
    }

    /// The navigation's pages and every provider's hits, best first, at most `limit`.
    /// A provider that fails is logged and left out: one broken part never empties the
    /// palette. A caller without a workspace gets what needs none.
    pub async fn search(
        &self,
        state: &AppState,
        ctx: &Ctx,
        query: &Query,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let mut hits = nav_hits(&state.nav, query);
        let answers = futures::future::join_all(
            self.0
                .iter()
                .map(|provider| provider(state.clone(), ctx.clone(), query.clone())),
        )
        .await;
        for answer in answers {
            match answer {
                Ok(found) => hits.extend(found),
                Err(Error::NotFound) => {} // no workspace (yet): nothing of one to find
                Err(e) => tracing::warn!(error = %e, "a search provider failed"),
            }
        }
        // Stable: equal ranks keep pages before actions before records, each in its
        // provider's order.
        hits.sort_by_key(|h| (h.rank, h.kind));
        hits.truncate(limit);
        // The palette lists by group; groups appear in the order of their best hit.
        let mut grouped: Vec<Hit> = Vec::with_capacity(hits.len());
        for hit in hits {
            let at = grouped
                .iter()
                .rposition(|g| g.group == hit.group)
                .map(|i| i + 1)
                .unwrap_or(grouped.len());
            grouped.insert(at, hit);
        }
        Ok(grouped)
    }
}

/// The registered navigation as page hits (label and keywords are searched).
fn nav_hits(nav: &[NavEntry], query: &Query) -> Vec<Hit> {
    let mut entries: Vec<&NavEntry> = nav.iter().collect();
    entries.sort_by_key(|e| (e.area, e.order));
    entries
        .into_iter()
        .filter_map(|e| {
            query.rank(&[e.label, e.keywords]).map(|rank| {
                // A keyword match ranks after a label match of the same kind.
                let rank = if query.rank(&[e.label]).is_some() {
                    rank
                } else {
                    rank.max(2)
                };
                Hit::new(HitKind::Page, "Pages", e.label, e.href)
                    .detail(e.area.label())
                    .rank(rank)
            })
        })
        .collect()
}

// ---- the API ---------------------------------------------------------------------------------

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

/// The OpenAPI description of these routes (merged into the binary's document).
#[derive(utoipa::OpenApi)]
#[openapi(paths(search), components(schemas(SearchResults, Hit, HitKind)))]
pub struct SearchApi;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// The query as searched (trimmed).
    pub query: String,
    /// Best first, listed by group.
    pub results: Vec<Hit>,
}

/// Searches the caller's workspace: pages of the app, actions the caller may take, and
/// records (Instagram accounts and tracked profiles by username). An empty `q` lists the
/// pages and actions. Results are the caller's own: another workspace's records never appear.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])),
    params(
        ("q" = Option<String>, Query, description = "What to look for, at most 100 characters; a leading @ is ignored"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 50, description = "How many results, 1 to 50 (default 20)")),
    responses(
        (status = 200, body = SearchResults),
        (status = 401, body = Problem, description = "no or invalid credentials"),
        (status = 422, body = Problem, description = "`q` too long or `limit` out of range"),
        (status = 500, body = Problem)))]
async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let (mut q, mut limit) = (String::new(), None);
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match &*key {
            "q" => q = value.into_owned(),
            "limit" => limit = Some(value.into_owned()),
            _ => {}
        }
    }
    let limit = match limit {
        // Nothing typed: the palette is the menu — every page and action the caller has (no
        // records are listed without a query), not the first twenty of them.
        None if q.trim().is_empty() => MAX_LIMIT,
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| Error::validation("limit", format!("limit must be 1 to {MAX_LIMIT}")))?,
    };
    let query = Query::parse(&q)?;
    let results = state.search.search(&state, &ctx, &query, limit).await?;
    Ok(Json(SearchResults {
        query: query.text().to_string(),
        results,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks() {
        let q = Query::parse("  Mia ").unwrap_or_default();
        assert_eq!(q.rank(&["mia"]), Some(0));
        assert_eq!(q.rank(&["@mia"]), Some(0));
        assert_eq!(q.rank(&["miami"]), Some(1));
        assert_eq!(q.rank(&["demo.travel.mia"]), Some(2));
        assert_eq!(q.rank(&["jemiah"]), Some(3));
        assert_eq!(q.rank(&["leon", "Mia Travel"]), Some(1));
        assert_eq!(q.rank(&["leon"]), None);
        let at = Query::parse("@demo.t").unwrap_or_default();
        assert_eq!(at.rank(&["demo.travel.mia"]), Some(1));
        assert_eq!(Query::default().rank(&["anything"]), Some(0));
    }

    #[test]
    fn long_queries_are_refused() {
        assert!(Query::parse(&"x".repeat(MAX_QUERY_CHARS)).is_ok());
        let e = Query::parse(&"x".repeat(MAX_QUERY_CHARS + 1));
        assert!(matches!(e, Err(Error::Validation(_))));
    }
}
