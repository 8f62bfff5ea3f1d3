//! The figures of the workspace home's Instagram section: for every account of the caller's
//! workspace its followers and their 7- and 30-day change, the average engagement rate of the
//! last 30 days against the 30 before, its posts of the last 30 days — and the accounts that
//! need attention, each with its reason.
//!
//! The home must stay fast however long an account's history is (an account may hold 100,000
//! posts): nothing here loads posts. Followers come from the daily snapshots of the last 60
//! days; engagement from two aggregate queries over the posts (and the private insights) of
//! the last 60 days, grouped per account and day on the `(profile_id, posted_at)` index. A
//! page costs the same few queries whatever the number of accounts.
//!
//! Engagement uses the account page's definition ([`views::engagement`], described in
//! [`views::ENGAGEMENT_DEFINITION`]): per post, (likes + comments + saves + shares where the
//! account's insights give them) ÷ followers on the post's day, averaged over the posts of the
//! window. Summed per day first — followers are one figure per day — which gives the same mean.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use platform::{AppState, Ctx, Result};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};
use uuid::Uuid;

use crate::{
    model::{post, post_insight, profile_snapshot},
    service::{
        accounts::{self, AccountCard, Status},
        views,
    },
};

/// Days of history the home reads: the last 30 and the 30 before them.
pub const WINDOW_DAYS: i64 = 30;

/// Engagement "dropped" when the last 30 days' average is below this share of the 30 before.
pub const DROP_RATIO: f64 = 2.0 / 3.0;

/// One account's row on the home.
#[derive(Debug, Clone)]
pub struct AccountFigures {
    pub card: AccountCard,
    /// The profile's followers as last fetched (else the newest snapshot's).
    pub followers: Option<i64>,
    pub change_7d: Option<i64>,
    pub change_30d: Option<i64>,
    /// Average engagement rate (%) of the posts of the last 30 days.
    pub engagement: Option<f64>,
    /// The same for the 30 days before.
    pub engagement_before: Option<f64>,
    /// The two windows as the trend and the drop rule compare them.
    pub comparison: Option<Comparison>,
    pub posts_30d: i64,
}

/// The average engagement of the last 30 days against the 30 before, on an equal footing:
/// private insights (saves, shares) are read for a connected account's posts of the last 30
/// days, so a recently connected account has them for one window only. When the windows'
/// shares of posts with insights differ, both are compared on likes and comments alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub before: f64,
    pub now: f64,
    /// Compared on likes and comments only.
    pub public_only: bool,
}

impl Comparison {
    /// The relative change (−0.4 = 40 % lower); `None` when there was nothing before.
    pub fn change(&self) -> Option<f64> {
        (self.before > 0.0).then(|| self.now / self.before - 1.0)
    }
}

/// Windows whose shares of posts with private insights differ by more than this are compared
/// on public interactions only.
const COVERAGE_TOLERANCE: f64 = 0.1;

impl AccountFigures {
    /// The engagement's change against the 30 days before, relative (−0.4 = 40 % lower).
    pub fn engagement_trend(&self) -> Option<f64> {
        self.comparison.and_then(|c| c.change())
    }
}

/// Why an account needs attention.
#[derive(Debug, Clone, PartialEq)]
pub enum Attention {
    /// Instagram no longer accepts the account's connection.
    Reconnect,
    /// The last refresh failed (the source's message).
    RefreshFailing {
        error: String,
        at: Option<DateTime<Utc>>,
    },
    /// The last 30 days' engagement is below two thirds of the 30 days before.
    EngagementDropped(Comparison),
}

#[derive(Debug, Clone)]
pub struct Overview {
    pub accounts: Vec<AccountFigures>,
    /// (index into `accounts`, why), in the accounts' order.
    pub attention: Vec<(usize, Attention)>,
}

/// The caller's workspace's accounts with their figures, and what needs attention.
pub async fn overview(state: &AppState, ctx: &Ctx) -> Result<Overview> {
    let cards = accounts::list(state, ctx).await?;
    let mut overview = Overview {
        accounts: Vec::with_capacity(cards.len()),
        attention: Vec::new(),
    };
    if cards.is_empty() {
        return Ok(overview);
    }
    let today = Utc::now().date_naive();
    let first_day = today - Duration::days(2 * WINDOW_DAYS - 1);
    let profile_ids: Vec<Uuid> = cards.iter().map(|c| c.profile.id).collect();
    let account_ids: Vec<Uuid> = cards.iter().map(|c| c.account.id).collect();

    // A day before the windows too: a post of their first day finds its followers.
    let mut snapshots: HashMap<Uuid, Vec<profile_snapshot::Model>> = HashMap::new();
    for s in profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.is_in(profile_ids.clone()))
        .filter(profile_snapshot::Column::Day.gte(first_day - Duration::days(1)))
        .order_by_asc(profile_snapshot::Column::Day)
        .all(&state.db)
        .await?
    {
        snapshots.entry(s.profile_id).or_default().push(s);
    }
    let since = first_day.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut posts = post_days(&state.db, &profile_ids, since).await?;
    let extras = insight_days(&state.db, &account_ids, &profile_ids, since).await?;

    for card in cards {
        let history = snapshots.remove(&card.profile.id).unwrap_or_default();
        let mut days = posts.remove(&card.profile.id).unwrap_or_default();
        for d in &mut days {
            if let Some(x) = extras.get(&(card.account.id, d.day)) {
                d.saves = x.saves;
                d.shares = x.shares;
                d.with_insights = x.posts;
            }
        }
        let figures = account_figures(card, &history, &days, today);
        let index = overview.accounts.len();
        overview
            .attention
            .extend(attention(&figures).into_iter().map(|a| (index, a)));
        overview.accounts.push(figures);
    }
    Ok(overview)
}

/// What an account's posts of one day add up to (saves and shares from its insights).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayTotals {
    pub day: NaiveDate,
    pub posts: i64,
    pub likes: i64,
    pub comments: i64,
    pub saves: i64,
    pub shares: i64,
    /// Posts of the day with private insights (saves and shares known).
    pub with_insights: i64,
}

/// The figures of one account from its snapshots (oldest first) and its days of posts.
pub fn account_figures(
    card: AccountCard,
    history: &[profile_snapshot::Model],
    days: &[DayTotals],
    today: NaiveDate,
) -> AccountFigures {
    let newest = history.iter().rev().find(|s| s.followers_count.is_some());
    let followers = card
        .profile
        .followers_count
        .or(newest.and_then(|s| s.followers_count));
    // Followers on a day: the latest snapshot up to it.
    let on_or_before = |day: NaiveDate| {
        history
            .iter()
            .rev()
            .find(|s| s.day <= day && s.followers_count.is_some())
            .and_then(|s| s.followers_count)
    };
    let change = |days_back: i64| {
        followers
            .zip(on_or_before(today - Duration::days(days_back)))
            .map(|(now, then)| now - then)
    };
    // As on the account page: else the earliest known, else the profile's count.
    let followers_for_post = |day: NaiveDate| {
        on_or_before(day)
            .or(history.iter().find_map(|s| s.followers_count))
            .or(card.profile.followers_count)
    };
    let window_start = today - Duration::days(WINDOW_DAYS - 1);
    let before_start = window_start - Duration::days(WINDOW_DAYS);
    let before_end = window_start - Duration::days(1);
    let in_window =
        |from: NaiveDate, to: NaiveDate| days.iter().filter(move |d| d.day >= from && d.day <= to);
    // The mean of the per-post rates; `public_only` leaves saves and shares out.
    let average = |from: NaiveDate, to: NaiveDate, public_only: bool| {
        let (mut sum, mut rated) = (0.0, 0_i64);
        for d in in_window(from, to) {
            let (saves, shares) = if public_only {
                (None, None)
            } else {
                (Some(d.saves), Some(d.shares))
            };
            // The sum of the day's per-post rates: its posts share one follower count.
            if let Some(rates) = views::engagement(
                Some(d.likes),
                Some(d.comments),
                saves,
                shares,
                followers_for_post(d.day),
            ) {
                sum += rates;
                rated += d.posts;
            }
        }
        (rated > 0).then(|| sum / rated as f64)
    };
    let coverage = |from: NaiveDate, to: NaiveDate| {
        let (posts, covered) =
            in_window(from, to).fold((0, 0), |(p, c), d| (p + d.posts, c + d.with_insights));
        (posts > 0).then(|| covered as f64 / posts as f64)
    };
    let engagement = average(window_start, today, false);
    let engagement_before = average(before_start, before_end, false);
    let public_only = match (
        coverage(window_start, today),
        coverage(before_start, before_end),
    ) {
        (Some(now), Some(before)) => (now - before).abs() > COVERAGE_TOLERANCE,
        _ => false,
    };
    let comparison = if public_only {
        average(before_start, before_end, true).zip(average(window_start, today, true))
    } else {
        engagement_before.zip(engagement)
    }
    .map(|(before, now)| Comparison {
        before,
        now,
        public_only,
    });
    AccountFigures {
        followers,
        change_7d: change(7),
        change_30d: change(WINDOW_DAYS),
        engagement,
        engagement_before,
        comparison,
        posts_30d: in_window(window_start, today).map(|d| d.posts).sum(),
        card,
    }
}

/// Why an account needs attention, most urgent first; a reconnect makes the failing refresh
/// that comes with it redundant.
pub fn attention(f: &AccountFigures) -> Vec<Attention> {
    let mut out = Vec::new();
    if f.card.account.status == Status::ReconnectNeeded.as_str() {
        out.push(Attention::Reconnect);
    } else if let Some(error) = f
        .card
        .account
        .last_refresh_error
        .clone()
        .or_else(|| f.card.profile.last_refresh_error.clone())
    {
        out.push(Attention::RefreshFailing {
            error,
            at: f
                .card
                .account
                .last_refresh_at
                .or(f.card.profile.last_refresh_at),
        });
    }
    if let Some(c) = f.comparison
        && c.before > 0.0
        && c.now < c.before * DROP_RATIO
    {
        out.push(Attention::EngagementDropped(c));
    }
    out
}

/// `YYYY-MM-DD` of a timestamp column, in UTC, as text on both databases (SQLite stores
/// timestamps as RFC 3339 text in UTC).
fn day_of(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        _ => format!("substr({column}, 1, 10)"),
    }
}

#[derive(Debug, FromQueryResult)]
struct PostDayRow {
    profile_id: Uuid,
    post_day: String,
    posts: i64,
    likes: i64,
    comments: i64,
}

/// Posts per profile and day since `since`: count, likes and comments (one grouped query on
/// the `(profile_id, posted_at)` index).
async fn post_days(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<DayTotals>>> {
    let backend = conn.get_database_backend();
    let day = Expr::cust(day_of(backend, "posted_at"));
    let query = Query::select()
        .column(post::Column::ProfileId)
        .expr_as(day.clone(), Alias::new("post_day"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("posts"))
        .expr_as(
            Expr::cust("CAST(SUM(COALESCE(like_count, 0)) AS BIGINT)"),
            Alias::new("likes"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(COALESCE(comments_count, 0)) AS BIGINT)"),
            Alias::new("comments"),
        )
        .from(post::Entity)
        .and_where(Expr::col(post::Column::ProfileId).is_in(profile_ids.iter().copied()))
        .and_where(Expr::col(post::Column::PostedAt).gte(since))
        .group_by_col(post::Column::ProfileId)
        .add_group_by([day])
        .to_owned();
    let rows = PostDayRow::find_by_statement(backend.build(&query))
        .all(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<DayTotals>> = HashMap::new();
    for r in rows {
        let Ok(day) = NaiveDate::parse_from_str(&r.post_day, "%Y-%m-%d") else {
            continue;
        };
        out.entry(r.profile_id).or_default().push(DayTotals {
            day,
            posts: r.posts,
            likes: r.likes,
            comments: r.comments,
            ..Default::default()
        });
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct InsightDayRow {
    account_id: Uuid,
    post_day: String,
    posts: i64,
    saves: i64,
    shares: i64,
}

/// Private insights of an account's posts of one day.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsightTotals {
    /// Posts with insights.
    pub posts: i64,
    pub saves: i64,
    pub shares: i64,
}

/// Saves and shares per account and day of the post, from each post's newest insights row
/// (private insights: only the workspace's own accounts).
async fn insight_days(
    conn: &impl ConnectionTrait,
    account_ids: &[Uuid],
    profile_ids: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<(Uuid, NaiveDate), InsightTotals>> {
    let backend = conn.get_database_backend();
    let (i, p) = (Alias::new("i"), Alias::new("p"));
    let day = Expr::cust(day_of(backend, "p.posted_at"));
    let query = Query::select()
        .expr_as(
            Expr::col((i.clone(), post_insight::Column::AccountId)),
            Alias::new("account_id"),
        )
        .expr_as(day.clone(), Alias::new("post_day"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("posts"))
        .expr_as(
            Expr::cust("CAST(SUM(COALESCE(i.saved, 0)) AS BIGINT)"),
            Alias::new("saves"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(COALESCE(i.shares, 0)) AS BIGINT)"),
            Alias::new("shares"),
        )
        .from_as(post_insight::Entity, i.clone())
        .join_as(
            JoinType::InnerJoin,
            post::Entity,
            p.clone(),
            Expr::col((p.clone(), post::Column::Id))
                .equals((i.clone(), post_insight::Column::PostId)),
        )
        .and_where(
            Expr::col((i.clone(), post_insight::Column::AccountId))
                .is_in(account_ids.iter().copied()),
        )
        // The posts' index drives the query (the window's posts, then their insights by
        // primary key); without these two bounds it would read every insights row of the
        // accounts, however old.
        .and_where(
            Expr::col((p.clone(), post::Column::ProfileId)).is_in(profile_ids.iter().copied()),
        )
        .and_where(Expr::col((p, post::Column::PostedAt)).gte(since))
        .and_where(Expr::col((i.clone(), post_insight::Column::Day)).gte(since.date_naive()))
        .and_where(Expr::cust(
            "i.day = (SELECT MAX(n.day) FROM ig_post_insights n \
             WHERE n.account_id = i.account_id AND n.post_id = i.post_id)",
        ))
        .add_group_by([Expr::col((i, post_insight::Column::AccountId)), day])
        .to_owned();
    let rows = InsightDayRow::find_by_statement(backend.build(&query))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let day = NaiveDate::parse_from_str(&r.post_day, "%Y-%m-%d").ok()?;
            Some((
                (r.account_id, day),
                InsightTotals {
                    posts: r.posts,
                    saves: r.saves,
                    shares: r.shares,
                },
            ))
        })
        .collect())
}
