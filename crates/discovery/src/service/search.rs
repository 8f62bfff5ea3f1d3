//! Creator search over the index (`disc_creators`): filters on the computed figures, a keyword
//! through the database's own full-text index (SQLite FTS5, PostgreSQL `tsvector`), sorts, and
//! pages. A search through the text index ranks, counts and reads its page in one statement;
//! a search that walks a btree in its sort order reads its page and counts (up to
//! [`COUNT_CAP`]) only when the page does not already tell.
//!
//! The filters are also matched inside the full-text index, so it intersects them with the
//! words and only rows near the answer are read: the equality filters (category, language,
//! location, the three flags) as facet tokens on SQLite and `btree_gin` columns on
//! PostgreSQL, the ranges as band tokens on both (`bands`). The plain comparisons stay, so the
//! tokens can only narrow to the same answer. Without a keyword the tokens alone serve when
//! they narrow to few rows (a capped count of them decides, [`Route`]); when they are common
//! the walk finds a page sooner.
//!
//! Same answers in the same order on both databases: keywords are cut into words the same way
//! both tokenisers do (letters and digits, lower-cased, no stemming) and every word must match;
//! filters are plain comparisons on the same columns; relevance is [`Sort::Relevance`]'s rule,
//! written with functions both databases evaluate alike; every order ends on the row id.
//!
//! Relevance is not a text-statistics score (bm25, `ts_rank`): those cost a few microseconds a
//! matching row (the row's term statistics), which over the tens of thousands of matches of a
//! common word was the larger part of a keyword search, and the two databases' scores order
//! differently (docs/discovery.md, Performance).

use chrono::{DateTime, Duration, Utc};
use platform::{Error, Result};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};

use crate::model::creator;

/// Results per page unless asked otherwise, and at most.
pub const PER_PAGE: u32 = 24;
pub const PER_PAGE_MAX: u32 = 100;
/// Deepest page (pages are offsets; deeper asks are refused, not slow).
pub const PAGE_MAX: u32 = 200;
/// The count stops here ("1,000+"): counting every match of a broad filter over a million
/// creators costs more than the page itself.
pub const COUNT_CAP: u64 = 1_000;
/// Words of a keyword query that are used.
pub const KEYWORD_WORDS_MAX: usize = 8;
pub const KEYWORD_CHARS_MAX: usize = 200;
/// Characters of the text filters.
pub const LANGUAGE_CHARS_MAX: usize = 8;
pub const LOCATION_CHARS_MAX: usize = 80;
pub const HASHTAG_CHARS_MAX: usize = 100;

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DiscoverySort)]
pub enum Sort {
    /// With a keyword: creators whose username holds every word first, then by followers;
    /// without a keyword, by followers.
    #[default]
    Relevance,
    Followers,
    Engagement,
    /// Follower growth over 30 days.
    Growth,
}

/// A search: every field is optional; each one set narrows the results.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Words to find in the username, name, bio and recent captions (all must match).
    pub q: Option<String>,
    #[param(minimum = 0)]
    pub followers_min: Option<i64>,
    #[param(minimum = 0)]
    pub followers_max: Option<i64>,
    /// Engagement rate in percent.
    #[param(minimum = 0, maximum = 100)]
    pub engagement_min: Option<f64>,
    #[param(minimum = 0, maximum = 100)]
    pub engagement_max: Option<f64>,
    /// Follower growth over 30 days in percent (may be negative).
    #[param(minimum = -100, maximum = 10000)]
    pub growth_30d_min: Option<f64>,
    #[param(minimum = -100, maximum = 10000)]
    pub growth_90d_min: Option<f64>,
    /// A content category as post analysis names it: `fashion`, `beauty`, `food`, `travel`,
    /// `fitness`, `tech`, `gaming`, `music`, `art`, `photography`, `family`, `pets`,
    /// `business`, `education`, `health`, `sports`, `home`, `automotive`, `entertainment` or
    /// `lifestyle` (case-blind); any other value is a 422.
    #[param(example = "fitness")]
    pub category: Option<String>,
    /// A language code (`en`, `de`, …).
    pub language: Option<String>,
    pub location: Option<String>,
    pub verified: Option<bool>,
    pub business: Option<bool>,
    pub has_email: Option<bool>,
    /// Posted within this many days.
    #[param(minimum = 1, maximum = 3650)]
    pub posted_within_days: Option<i64>,
    /// A hashtag the creator used (with or without `#`).
    pub hashtag: Option<String>,
    #[param(inline)]
    pub sort: Option<Sort>,
    #[param(minimum = 1, maximum = 200)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct Found {
    pub creators: Vec<creator::Model>,
    /// Matches, counted up to [`COUNT_CAP`].
    pub total: u64,
    /// `total` stopped at the cap: there are at least that many.
    pub more: bool,
    pub page: u32,
    pub per_page: u32,
}

/// The words a keyword query searches for: runs of letters and digits, lower-cased, as both
/// databases' tokenisers cut text.
pub fn words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in q.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        let w = w.to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == KEYWORD_WORDS_MAX {
            break;
        }
    }
    out
}

/// A hashtag as stored: lower-cased, without `#`.
pub fn tag(s: &str) -> String {
    s.trim().trim_start_matches('#').to_lowercase()
}

fn check_range<T: PartialOrd + Copy + std::fmt::Display>(
    field: &str,
    v: Option<T>,
    lo: T,
    hi: T,
) -> Result<()> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => Err(Error::validation(
            field,
            format!("must be between {lo} and {hi}"),
        )),
        _ => Ok(()),
    }
}

fn check_text(field: &str, v: &Option<String>, max: usize) -> Result<()> {
    match v {
        Some(s) if s.chars().count() > max => Err(Error::validation(
            field,
            format!("at most {max} characters"),
        )),
        _ => Ok(()),
    }
}

impl Filters {
    /// Refuses values out of range (a clear 422, never a slow or odd query).
    pub fn validate(&self) -> Result<()> {
        check_range("followers_min", self.followers_min, 0, 10_000_000_000)?;
        check_range("followers_max", self.followers_max, 0, 10_000_000_000)?;
        check_range("engagement_min", self.engagement_min, 0.0, 100.0)?;
        check_range("engagement_max", self.engagement_max, 0.0, 100.0)?;
        check_range("growth_30d_min", self.growth_30d_min, -100.0, 10_000.0)?;
        check_range("growth_90d_min", self.growth_90d_min, -100.0, 10_000.0)?;
        check_range("posted_within_days", self.posted_within_days, 1, 3650)?;
        check_range("page", self.page, 1, PAGE_MAX)?;
        check_range("per_page", self.per_page, 1, PER_PAGE_MAX)?;
        check_text("q", &self.q, KEYWORD_CHARS_MAX)?;
        if let Some(c) = non_empty(&self.category)
            && !intelligence::content_categories().any(|(value, _)| value.eq_ignore_ascii_case(c))
        {
            return Err(Error::validation(
                "category",
                "Choose one of the categories post analysis assigns",
            ));
        }
        check_text("language", &self.language, LANGUAGE_CHARS_MAX)?;
        check_text("location", &self.location, LOCATION_CHARS_MAX)?;
        check_text("hashtag", &self.hashtag, HASHTAG_CHARS_MAX)?;
        for (field, v) in [
            ("engagement_min", self.engagement_min),
            ("engagement_max", self.engagement_max),
            ("growth_30d_min", self.growth_30d_min),
            ("growth_90d_min", self.growth_90d_min),
        ] {
            if v.is_some_and(|x| !x.is_finite()) {
                return Err(Error::validation(field, "must be a number"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.followers_min, self.followers_max)
            && lo > hi
        {
            return Err(Error::validation(
                "followers_max",
                "must be at least the minimum",
            ));
        }
        if let (Some(lo), Some(hi)) = (self.engagement_min, self.engagement_max)
            && lo > hi
        {
            return Err(Error::validation(
                "engagement_max",
                "must be at least the minimum",
            ));
        }
        Ok(())
    }

    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).clamp(1, PAGE_MAX)
    }

    pub fn per_page(&self) -> u32 {
        self.per_page.unwrap_or(PER_PAGE).clamp(1, PER_PAGE_MAX)
    }

    /// How many filters are set (the keyword included): "advanced search" is three or more.
    pub fn count(&self) -> usize {
        let texts = [
            &self.q,
            &self.category,
            &self.language,
            &self.location,
            &self.hashtag,
        ]
        .iter()
        .filter(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
        .count();
        let others = [
            self.followers_min.is_some(),
            self.followers_max.is_some(),
            self.engagement_min.is_some(),
            self.engagement_max.is_some(),
            self.growth_30d_min.is_some(),
            self.growth_90d_min.is_some(),
            self.verified.is_some(),
            self.business.is_some(),
            self.has_email.is_some(),
            self.posted_within_days.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        texts + others
    }
}

/// `$n` placeholders (both databases accept them through sea-orm) and their values.
#[derive(Default)]
struct Sql {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Relevance's first key, true (1 on SQLite) when the lower-cased username holds every word
/// (as text, so `fit` is in `fitwithjane`). `instr` and `strpos` compare characters exactly,
/// and both sides are already lower-cased by the same code, so both databases agree.
fn in_username(backend: DbBackend, sql: &mut Sql, words: &[String]) -> String {
    let find = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    let tests = words
        .iter()
        .map(|w| {
            let p = sql.bind(w.clone());
            format!("{find}(c.username_lower, {p}) > 0")
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    format!("({tests})")
}

/// One page of creators of `pool` matching `f`, and how many match.
///
/// Through the text index (a keyword, or filters whose tokens narrow to few rows), every
/// match is visited anyway (to rank them), so one statement ranks the matches' ids, counts
/// them with a window and reads only the page's rows (reading the rows in a second pass for
/// the count cost as much as the page). Otherwise the page walks an index in the sort order
/// and stops early; a capped count follows only when the first page is full or a later page
/// was asked.
pub async fn run(
    conn: &impl ConnectionTrait,
    pool: &str,
    f: &Filters,
    now: DateTime<Utc>,
) -> Result<Found> {
    run_by(conn, pool, f, now, Route::Chosen).await
}

/// How a search without a keyword finds its rows (a keyword search always goes through the
/// text index). Both routes give the same answer; [`run`] chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The text index's tokens (SQLite), the hashtag's creators, or one filter's rows
    /// (PostgreSQL), when they are few ([`index_cap`]), else the walk.
    Chosen,
    /// Walk a btree in the sort order, testing each row, until the page is full: fast when
    /// the filters are common among the creators at the top of that order.
    Walk,
    /// The filters' facet and band tokens in the text index (without them, the hashtag's
    /// creators), every match ranked: fast when few rows carry them. Without either, the walk.
    Index,
}

/// The most rows the tokens may narrow to for [`Route::Chosen`] to rank them all rather than
/// walk: the walk reads about `needed / share` rows (`share`, the fraction of creators
/// passing), ranking reads every match, so ranking wins while matches stay below about
/// `√(needed × creators)` — 5,000 for a first page over a million — and deeper pages ask
/// more rows of the walk.
pub fn index_cap(needed: u32) -> u64 {
    (u64::from(needed) * 200).clamp(5_000, 50_000)
}

/// [`run`] by a given route (tests compare the routes with each other and an oracle).
pub async fn run_by(
    conn: &impl ConnectionTrait,
    pool: &str,
    f: &Filters,
    now: DateTime<Utc>,
    route: Route,
) -> Result<Found> {
    f.validate()?;
    let backend = conn.get_database_backend();
    let words = f.q.as_deref().map(words).unwrap_or_default();
    let facets = facets(f);
    let bands = bands(f, now);
    let per_page = f.per_page();
    let page = f.page();
    let hashtag = non_empty(&f.hashtag).map(tag).filter(|t| !t.is_empty());
    let tokens = !facets.is_empty() || !bands.all.is_empty() || !bands.any_week.is_empty();
    let drive = if words.is_empty() {
        drive(conn, pool, f, now, tokens, hashtag.as_deref(), route).await?
    } else {
        Drive::Text
    };
    let mut sql = Sql::default();
    let pool_at = sql.bind(pool.to_string());
    sql.and(format!("c.pool = {pool_at}"));
    // The ranges are written so that no btree serves them (the comparison itself still
    // applies to each row read) where a range index would be the wrong way in:
    // - PostgreSQL, searches through the text index: the planner would intersect the text
    //   index with a btree range that a third of the creators pass (hundreds of thousands of
    //   entries, most of the search's time), where the band tokens already narrow to the rows
    //   near the answer (an upper bound has no tokens: the matches are few enough to test);
    // - SQLite, a walk whose tokens are common: its planner cannot weigh a walk that stops at
    //   the page's last row, and chose to read and sort every row of a range half the
    //   creators pass (followers 1,000–11,000 by engagement: 0.9 s) over walking the sort's
    //   index (milliseconds, as the filters are common).
    let sqlite_common_walk = backend == DbBackend::Sqlite && drive == Drive::Walk && tokens;
    let hide = match backend {
        DbBackend::Postgres => drive == Drive::Text,
        _ => sqlite_common_walk,
    };
    let range = |column: &str| match (hide, backend, column) {
        (false, _, _) => format!("c.{column}"),
        (true, DbBackend::Postgres, "last_post_at") => {
            "(c.last_post_at + INTERVAL '0 seconds')".to_string()
        }
        (true, DbBackend::Postgres, _) => format!("(c.{column} + 0)"),
        // SQLite's unary `+` is its documented way to keep a term off the indexes.
        (true, _, _) => format!("+c.{column}"),
    };
    for (column, op, v) in ranges(f, now) {
        let p = sql.bind(v);
        sql.and(format!("{} {op} {p}", range(column)));
    }
    // SQLite, a walk whose tokens are common: likewise the equalities, unless their index
    // (pool, column, followers) walks in the sort's order; another would be read whole and
    // sorted (category `fitness` by engagement: 0.44 s).
    let by_followers = matches!(
        f.sort.unwrap_or_default(),
        Sort::Relevance | Sort::Followers
    );
    equalities(&mut sql, f, |column| {
        let ordered = by_followers && matches!(column, "category" | "language");
        if sqlite_common_walk && !ordered {
            format!("+c.{column}")
        } else {
            format!("c.{column}")
        }
    });
    if let Some(t) = &hashtag {
        let p = sql.bind(t.clone());
        // Rows found through the text index are few: each looks its tag up in the hashtags'
        // `(tag, creator_id)` index. Otherwise the tag's creators are listed once, for the
        // page and its count (looked up row by row instead, a walk's count of 1,001 over a
        // tag in 1 % of the creators doubled the median search). PostgreSQL plans both forms
        // as the same semi-join.
        if drive == Drive::Text {
            sql.and(format!(
                "EXISTS (SELECT 1 FROM disc_creator_hashtags h \
                 WHERE h.tag = {p} AND h.creator_id = c.id)"
            ));
        } else {
            sql.and(format!(
                "c.id IN (SELECT creator_id FROM disc_creator_hashtags WHERE tag = {p})"
            ));
        }
    }
    // Through the text index, the rows come from the words and the filters' tokens.
    let through_index = (drive == Drive::Text).then(|| match backend {
        DbBackend::Postgres => {
            if !words.is_empty() {
                let q = sql.bind(words.join(" & "));
                sql.and(format!("c.search_vector @@ to_tsquery('simple', {q})"));
            }
            postgres_bands(&mut sql, &bands);
            "disc_creators c"
        }
        _ => {
            let q = sql.bind(fts_query(&words, &facets, &bands));
            sql.and(format!("disc_creators_fts MATCH {q}"));
            FTS_FROM
        }
    });
    // The count takes the filter's values only (the sort's and the page's are bound after).
    let count_values = sql.values.clone();
    let filter = sql.clauses.join(" AND ");
    let (desc, desc_nulls_last) = match backend {
        DbBackend::Postgres => ("DESC", "DESC NULLS LAST"),
        // SQLite sorts NULL below every value: a plain `DESC` puts it last and can walk an
        // index.
        _ => ("DESC", "DESC"),
    };
    // The sort keys before the row id, which ends every order (ties never depend on the plan).
    // PostgreSQL, ranking a hashtag's or a narrow filter's rows: the sort key is kept off its
    // btree, or the planner walks that index to the end for the window's count (4.3 s where
    // the filter's own index reads 4,676 rows).
    let key = |column: &str| {
        if backend == DbBackend::Postgres && drive == Drive::Ranked {
            format!("(c.{column} + 0)")
        } else {
            format!("c.{column}")
        }
    };
    let keys: Vec<(String, &str)> = match (f.sort.unwrap_or_default(), words.is_empty()) {
        (Sort::Relevance, false) => vec![
            (in_username(backend, &mut sql, &words), "DESC"),
            ("c.followers".into(), desc),
        ],
        (Sort::Relevance | Sort::Followers, _) => vec![(key("followers"), desc)],
        (Sort::Engagement, _) => vec![(key("engagement_rate"), desc_nulls_last)],
        (Sort::Growth, _) => vec![(key("growth_30d"), desc_nulls_last)],
    };
    let limit = sql.bind(i64::from(per_page));
    let offset = sql.bind(i64::from((page - 1) * per_page));
    let from = through_index.unwrap_or("disc_creators c");
    let (creators, matched) = match drive {
        Drive::Text | Drive::Ranked => {
            let aliased = keys
                .iter()
                .enumerate()
                .map(|(i, (expr, _))| format!("{expr} AS k{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let order = |prefix: &str| {
                keys.iter()
                    .enumerate()
                    .map(|(i, (_, dir))| format!("{prefix}k{i} {dir}"))
                    .chain([format!("{prefix}id")])
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // The matches' ids and sort keys first, counted by the window; only the page's
            // rows are read whole.
            let page_sql = format!(
                "SELECT c.*, p.n AS n FROM (\
                   SELECT m.*, COUNT(*) OVER () AS n FROM (\
                     SELECT c.id AS id, {aliased} FROM {from} WHERE {filter}\
                   ) m ORDER BY {} LIMIT {limit} OFFSET {offset}\
                 ) p JOIN disc_creators c ON c.id = p.id ORDER BY {}",
                order("m."),
                order("p."),
            );
            let rows = conn
                .query_all_raw(Statement::from_sql_and_values(
                    backend, page_sql, sql.values,
                ))
                .await?;
            let matched = match rows.first() {
                Some(r) => Some(r.try_get::<i64>("", "n")?),
                None => None,
            };
            let creators = rows
                .iter()
                .map(|r| creator::Model::from_query_result(r, ""))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            (creators, matched)
        }
        Drive::Walk => {
            let order = keys
                .iter()
                .map(|(expr, dir)| format!("{expr} {dir}"))
                .chain(["c.id".to_string()])
                .collect::<Vec<_>>()
                .join(", ");
            let page_sql = format!(
                "SELECT c.* FROM {from} WHERE {filter} ORDER BY {order} \
                 LIMIT {limit} OFFSET {offset}"
            );
            let creators = creator::Model::find_by_statement(Statement::from_sql_and_values(
                backend, page_sql, sql.values,
            ))
            .all(conn)
            .await?;
            (creators, None)
        }
    };
    let n = match matched {
        Some(n) => u64::try_from(n).unwrap_or(0),
        // A first page that is not full holds every match: no count needed.
        None if page == 1 && creators.len() < per_page as usize => creators.len() as u64,
        // A walk whose every filter has tokens counts through the text index: the rows
        // carrying the tokens are mostly matches, where an index of one filter's column (or
        // none) may hold them only thinly (language `en` with 30-day growth ≥ 9 % and
        // business accounts: 275 ms to count 1,001 through the language index's first rows,
        // small accounts, which seldom grow that fast).
        None if sqlite_common_walk && tokens_stand_for_all(f, hashtag.is_some()) => {
            let mut values = count_values;
            values.push(fts_query(&[], &facets, &bands).into());
            let filter = format!("{filter} AND disc_creators_fts MATCH ${}", values.len());
            count(conn, FTS_FROM, &filter, values).await?
        }
        None => count(conn, from, &filter, count_values).await?,
    };
    Ok(Found {
        creators,
        total: n.min(COUNT_CAP),
        more: n > COUNT_CAP,
        page,
        per_page,
    })
}

/// Where a search's rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// The text index (words and tokens), every match ranked.
    Text,
    /// The hashtag's creators (its index lists them) or, on PostgreSQL, the rows of a narrow
    /// filter (the planner picks the index), every match ranked.
    Ranked,
    /// A btree in the sort order, until the page is full.
    Walk,
}

/// A search without a keyword's source of rows: the filters' tokens or the hashtag's creators
/// when they are few ([`index_cap`], counted from their indexes), else the walk.
///
/// PostgreSQL ranks when the hashtag or one btree-served filter is rare ([`narrow_filter`]) and
/// otherwise walks; it does not count band tokens, which rechecks the band function on every
/// row of a lossy bitmap when they are common (2.3 s for one over a million creators).
async fn drive(
    conn: &impl ConnectionTrait,
    pool: &str,
    f: &Filters,
    now: DateTime<Utc>,
    tokens: bool,
    hashtag: Option<&str>,
    route: Route,
) -> Result<Drive> {
    Ok(match route {
        Route::Walk => Drive::Walk,
        Route::Index if tokens => Drive::Text,
        Route::Index if hashtag.is_some() => Drive::Ranked,
        Route::Index => Drive::Walk,
        Route::Chosen if conn.get_database_backend() == DbBackend::Postgres => {
            // A rare hashtag's creators, or the few rows of one filter its btree finds, ranked
            // rather than a walk testing each row (a tag of 247 creators: 3 ms against 128 ms;
            // followers ≥ 1,000,000 by engagement, 4,676 rows: 18 ms against 1.4 s walked
            // down the engagement index, as such accounts seldom engage much).
            let cap = index_cap(f.page() * f.per_page());
            let rare_tag = match hashtag {
                Some(t) => tagged_count(conn, t, cap).await? <= cap,
                None => false,
            };
            if rare_tag || narrow_filter(conn, pool, f, now, cap).await? {
                Drive::Ranked
            } else {
                Drive::Walk
            }
        }
        Route::Chosen => {
            let cap = index_cap(f.page() * f.per_page());
            if tokens && token_count(conn, &facets(f), &bands(f, now), cap).await? <= cap {
                Drive::Text
            } else if let Some(t) = hashtag
                && tagged_count(conn, t, cap).await? <= cap
            {
                Drive::Ranked
            } else {
                Drive::Walk
            }
        }
    })
}

/// PostgreSQL: whether one range filter on another column than the sort's passes at most `cap`
/// creators of the pool, counted capped from its btree. The planner cannot tell: it estimates
/// the filters as independent of the sort order, so a range rare among the creators at the top
/// of that order is walked past (followers ≥ 1,000,000 by engagement). The equalities are left
/// out: counting them cost every search more than it saved (their indexes, by followers,
/// already serve the walk).
async fn narrow_filter(
    conn: &impl ConnectionTrait,
    pool: &str,
    f: &Filters,
    now: DateTime<Utc>,
    cap: u64,
) -> Result<bool> {
    let sorted_by = match f.sort.unwrap_or_default() {
        Sort::Relevance | Sort::Followers => "followers",
        Sort::Engagement => "engagement_rate",
        Sort::Growth => "growth_30d",
    };
    // One count per column (a range's two bounds together), each bound to the pool first.
    let mut columns: Vec<(&str, String, Vec<Value>)> = Vec::new();
    for (column, op, v) in ranges(f, now) {
        if column == sorted_by {
            // The walk reads this range straight from the sort's own index.
            continue;
        }
        match columns.last_mut() {
            Some((c, filter, values)) if *c == column => {
                values.push(v);
                filter.push_str(&format!(" AND {column} {op} ${}", values.len()));
            }
            _ => columns.push((
                column,
                format!("pool = $1 AND {column} {op} $2"),
                vec![Value::from(pool.to_string()), v],
            )),
        }
    }
    for (_, filter, values) in columns {
        if capped(conn, "disc_creators", &filter, values, cap).await? <= cap {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The range filters set, as `(column, comparison, value)`, a column's bounds side by side:
/// the search's comparisons and [`narrow_filter`]'s counts both come from this list.
fn ranges(f: &Filters, now: DateTime<Utc>) -> Vec<(&'static str, &'static str, Value)> {
    [
        ("followers", ">=", f.followers_min.map(Value::from)),
        ("followers", "<=", f.followers_max.map(Value::from)),
        ("engagement_rate", ">=", f.engagement_min.map(Value::from)),
        ("engagement_rate", "<=", f.engagement_max.map(Value::from)),
        ("growth_30d", ">=", f.growth_30d_min.map(Value::from)),
        ("growth_90d", ">=", f.growth_90d_min.map(Value::from)),
        (
            "last_post_at",
            ">=",
            f.posted_within_days
                .map(|d| Value::from(now - Duration::days(d))),
        ),
    ]
    .into_iter()
    .filter_map(|(column, op, v)| v.map(|v| (column, op, v)))
    .collect()
}

/// Creators who used the hashtag (in every pool), counted up to one more than `cap` from its
/// index.
async fn tagged_count(conn: &impl ConnectionTrait, hashtag: &str, cap: u64) -> Result<u64> {
    capped(
        conn,
        "disc_creator_hashtags",
        "tag = $1",
        vec![hashtag.into()],
        cap,
    )
    .await
}

/// Whether every filter set is one the text index's tokens stand for: the equalities, and
/// the ranges' lower bounds that have a band (no upper bound, hashtag, bound below the lowest
/// threshold or posted-within window longer than the weeks asked for).
fn tokens_stand_for_all(f: &Filters, hashtag: bool) -> bool {
    use migration::m20261207_000042_discovery_bands as b;
    let growth = |v: Option<f64>| v.is_none_or(|v| v >= b::GROWTH[0] as f64);
    !hashtag
        && f.followers_max.is_none()
        && f.engagement_max.is_none()
        && f.followers_min.is_none_or(|v| v >= b::FOLLOWERS[0])
        && f.engagement_min
            .is_none_or(|v| v >= b::ENGAGEMENT_TENTHS[0] as f64 / 10.0)
        && growth(f.growth_30d_min)
        && growth(f.growth_90d_min)
        && f.posted_within_days
            .is_none_or(|d| d <= BAND_WEEKS_DAYS_MAX)
}

/// The text index joined to its rows (SQLite).
const FTS_FROM: &str = "disc_creators_fts JOIN disc_creators c ON c.id = disc_creators_fts.rowid";

/// The equality filters as comparisons, each column written by `column` (on SQLite their
/// facet tokens narrow the text index beside them, see [`facets`]; on PostgreSQL the text
/// index covers these columns).
fn equalities(sql: &mut Sql, f: &Filters, column: impl Fn(&str) -> String) {
    for (col, v) in [
        ("category", non_empty(&f.category).map(str::to_lowercase)),
        ("language", non_empty(&f.language).map(str::to_lowercase)),
        ("location", non_empty(&f.location).map(str::to_string)),
    ] {
        if let Some(v) = v {
            let p = sql.bind(v);
            sql.and(format!("{} = {p}", column(col)));
        }
    }
    for (col, v) in [
        ("is_verified", f.verified),
        ("is_business", f.business),
        ("has_email", f.has_email),
    ] {
        if let Some(v) = v {
            let p = sql.bind(v);
            sql.and(format!("{} = {p}", column(col)));
        }
    }
}

/// SQLite: the equality filters' facet tokens, matched in the full-text index (see [`facet`]).
fn facets(f: &Filters) -> Vec<String> {
    let mut out = Vec::new();
    for (prefix, v) in [
        ("xc", non_empty(&f.category).map(str::to_lowercase)),
        ("xg", non_empty(&f.language).map(str::to_lowercase)),
        ("xl", non_empty(&f.location).map(str::to_string)),
    ] {
        if let Some(v) = v {
            out.push(facet(prefix, v.as_bytes()));
        }
    }
    for (prefix, v) in [("xv", f.verified), ("xb", f.business), ("xe", f.has_email)] {
        if let Some(v) = v {
            out.push(format!("{prefix}{}", u8::from(v)));
        }
    }
    out
}

/// PostgreSQL: the band tokens asked of the text index (written as the index writes the
/// expression, unqualified: `c` is the only row in these statements).
fn postgres_bands(sql: &mut Sql, bands: &Bands) {
    if let Some(b) = ts_bands(bands) {
        let p = sql.bind(b);
        sql.and(format!(
            "{} @@ {p}::tsquery",
            migration::m20261207_000042_discovery_bands::POSTGRES_BANDS
        ));
    }
}

/// SQLite: the rows carrying every token of the filters (in every pool), counted up to one
/// more than `cap` from the text index alone, no row read. It decides a search without a
/// keyword's route, so it costs little whether the tokens are rare (short lists) or common
/// (the cap is reached early).
async fn token_count(
    conn: &impl ConnectionTrait,
    facets: &[String],
    bands: &Bands,
    cap: u64,
) -> Result<u64> {
    capped(
        conn,
        "disc_creators_fts",
        "disc_creators_fts MATCH $1",
        vec![fts_query(&[], facets, bands).into()],
        cap,
    )
    .await
}

/// Matches of `filter`, counted up to one more than [`COUNT_CAP`].
async fn count(
    conn: &impl ConnectionTrait,
    from: &str,
    filter: &str,
    values: Vec<Value>,
) -> Result<u64> {
    capped(conn, from, filter, values, COUNT_CAP).await
}

/// Rows of `from` passing `filter` (its `$n` bound to `values`), counted up to one more than
/// `cap`: a count that stops early, so it costs little however many rows pass.
async fn capped(
    conn: &impl ConnectionTrait,
    from: &str,
    filter: &str,
    mut values: Vec<Value>,
    cap: u64,
) -> Result<u64> {
    values.push(i64::try_from(cap + 1).unwrap_or(i64::MAX).into());
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {from} WHERE {filter} LIMIT ${}) capped",
        values.len()
    );
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, count_sql, values))
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Posted-within searches up to this many days ask for the weeks' tokens (longer ones would
/// name too many weeks to be worth it; their exact comparison still applies).
const BAND_WEEKS_DAYS_MAX: i64 = 120;
/// Weeks after this one still asked for, so a post dated a little ahead is not missed (one
/// dated further ahead, which Instagram never reports, would be).
const BAND_WEEKS_AHEAD: i64 = 2;

/// The band tokens a search asks for beside its words (migration
/// `m20261207_000042_discovery_bands` gives each row its tokens): for each range at least
/// one value, the token of the highest threshold not above it, which every passing row
/// carries; and the weeks of a posted-within search, any one of which a passing row carries.
/// Ranges below the lowest threshold ask for nothing.
#[derive(Debug, Default, PartialEq)]
struct Bands {
    all: Vec<String>,
    any_week: Vec<String>,
}

impl Bands {
    /// The weeks as one alternative in parentheses, each quoted, joined by `or`.
    fn weeks(&self, quote: char, or: &str) -> Option<String> {
        (!self.any_week.is_empty()).then(|| {
            let any = self
                .any_week
                .iter()
                .map(|w| format!("{quote}{w}{quote}"))
                .collect::<Vec<_>>()
                .join(or);
            format!("({any})")
        })
    }
}

fn bands(f: &Filters, now: DateTime<Utc>) -> Bands {
    use migration::m20261207_000042_discovery_bands as b;
    let highest = |thresholds: &[i64], reached: &dyn Fn(i64) -> bool| {
        thresholds.iter().rev().copied().find(|t| reached(*t))
    };
    let mut all = Vec::new();
    if let Some(v) = f.followers_min
        && let Some(t) = highest(b::FOLLOWERS, &|t| v >= t)
    {
        all.push(format!("bf{t}"));
    }
    if let Some(v) = f.engagement_min
        && let Some(t) = highest(b::ENGAGEMENT_TENTHS, &|t| v >= t as f64 / 10.0)
    {
        all.push(format!("be{t}"));
    }
    for (prefix, min) in [("bg", f.growth_30d_min), ("bh", f.growth_90d_min)] {
        if let Some(v) = min
            && let Some(t) = highest(b::GROWTH, &|t| v >= t as f64)
        {
            all.push(format!("{prefix}{}", b::signed(t)));
        }
    }
    let mut any_week = Vec::new();
    if let Some(days) = f.posted_within_days.filter(|d| *d <= BAND_WEEKS_DAYS_MAX) {
        let week = |t: DateTime<Utc>| t.timestamp().div_euclid(b::WEEK_SECONDS);
        let first = week(now - Duration::days(days));
        let last = week(now) + BAND_WEEKS_AHEAD;
        any_week = (first..=last).map(|w| format!("bw{w}")).collect();
    }
    Bands { all, any_week }
}

/// A facet token as the SQLite index stores it (`search_facets`, migration
/// `m20261206_000036_discovery_index`): a prefix naming the filter and the value's UTF-8 bytes
/// in hexadecimal, one token whatever the value holds. Stored and asked values are equal
/// exactly when their tokens are; the plain comparison stays in the query all the same.
fn facet(prefix: &str, value: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + value.len() * 2);
    out.push_str(prefix);
    for b in value {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The FTS5 query: every word in the text columns (never in the facets or bands), every facet
/// and band in its column, and one of the weeks. Words, facets and bands are letters and
/// digits only, so quoting them is safe.
fn fts_query(words: &[String], facets: &[String], bands: &Bands) -> String {
    let weeks = bands
        .weeks('"', " OR ")
        .map(|any| format!("search_bands : {any}"));
    words
        .iter()
        .map(|w| format!("{{username full_name bio captions}} : \"{w}\""))
        .chain(facets.iter().map(|t| format!("search_facets : \"{t}\"")))
        .chain(bands.all.iter().map(|t| format!("search_bands : \"{t}\"")))
        .chain(weeks)
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The same bands as a PostgreSQL `tsquery` (tokens are letters and digits: quoting is safe).
fn ts_bands(bands: &Bands) -> Option<String> {
    let weeks = bands.weeks('\'', " | ");
    let parts: Vec<String> = bands
        .all
        .iter()
        .map(|t| format!("'{t}'"))
        .chain(weeks)
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_cut_like_the_tokenisers_cut_them() {
        assert_eq!(words("Vegan  fitness!"), vec!["vegan", "fitness"]);
        assert_eq!(words("jane_doe #Yoga"), vec!["jane", "doe", "yoga"]);
        assert_eq!(words("\" OR 1=1 --"), vec!["or", "1"]);
        assert_eq!(words("a a a"), vec!["a"]);
        assert!(words("  !!  ").is_empty());
        assert_eq!(words("1 2 3 4 5 6 7 8 9 10").len(), KEYWORD_WORDS_MAX);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let bad = [
            Filters {
                followers_min: Some(-1),
                ..Default::default()
            },
            Filters {
                engagement_max: Some(101.0),
                ..Default::default()
            },
            Filters {
                engagement_min: Some(f64::NAN),
                ..Default::default()
            },
            Filters {
                page: Some(0),
                ..Default::default()
            },
            Filters {
                per_page: Some(1000),
                ..Default::default()
            },
            Filters {
                followers_min: Some(10),
                followers_max: Some(5),
                ..Default::default()
            },
            Filters {
                q: Some("x".repeat(201)),
                ..Default::default()
            },
        ];
        for f in bad {
            assert!(f.validate().is_err(), "{f:?}");
        }
        assert!(Filters::default().validate().is_ok());
    }

    #[test]
    fn facets_are_one_token_and_words_never_match_them() {
        assert_eq!(facet("xc", b"food"), "xc666f6f64");
        assert_eq!(
            facet("xl", "São Paulo".as_bytes()),
            "xl53c3a36f205061756c6f"
        );
        assert_eq!(
            fts_query(&["yoga".into()], &["xg656e".into()], &Bands::default()),
            "{username full_name bio captions} : \"yoga\" AND search_facets : \"xg656e\""
        );
    }

    #[test]
    fn bands_ask_for_the_highest_threshold_each_passing_row_carries() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let f = Filters {
            followers_min: Some(25_000),
            engagement_min: Some(1.5),
            growth_30d_min: Some(-7.0),
            growth_90d_min: Some(-500.0),
            posted_within_days: Some(14),
            ..Default::default()
        };
        let b = bands(&f, now);
        assert_eq!(b.all, vec!["bf20000", "be15", "bgm10"]);
        // 2026-12-07 is in week 2970 since 1970-01-01 (a Thursday): two weeks back, two ahead.
        assert_eq!(
            b.any_week,
            vec!["bw2968", "bw2969", "bw2970", "bw2971", "bw2972"]
        );
        assert_eq!(
            ts_bands(&b).unwrap(),
            "'bf20000' & 'be15' & 'bgm10' & ('bw2968' | 'bw2969' | 'bw2970' | 'bw2971' | 'bw2972')"
        );
        assert!(fts_query(&["yoga".into()], &[], &b).ends_with(
            "AND search_bands : \"bgm10\" AND search_bands : (\"bw2968\" OR \"bw2969\" OR \"bw2970\" OR \"bw2971\" OR \"bw2972\")"
        ));
        // Below the lowest thresholds, and long windows: nothing asked.
        let none = Filters {
            followers_min: Some(999),
            engagement_min: Some(0.4),
            posted_within_days: Some(365),
            ..Default::default()
        };
        assert_eq!(bands(&none, now), Bands::default());
        assert_eq!(ts_bands(&Bands::default()), None);
    }

    #[test]
    fn counts_the_filters_set() {
        let f = Filters {
            q: Some("yoga".into()),
            followers_min: Some(1000),
            category: Some(" ".into()),
            verified: Some(false),
            ..Default::default()
        };
        assert_eq!(f.count(), 3);
    }
}
