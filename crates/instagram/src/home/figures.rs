//! The figures of the workspace home's Instagram section: for every account of the caller's
//! workspace its followers and their 7- and 30-day change, the average engagement rate of the
//! last 30 days against the 30 before, its posts of the last 30 days — and the accounts that
//! need attention, each with its reason.
//!
//! The home must stay fast however long an account's history is (an account may hold 100,000
//! posts): nothing here loads posts. Followers come from the daily snapshots of the last 60
//! days; engagement from the posts' daily sums of the last 60 days (`ig_post_days`, kept by
//! the database as posts are written: a few rows per account and day). A page costs the same
//! few queries whatever the number of accounts or posts.
//!
//! Engagement is the one definition every screen uses ([`engagement`]): per post, (likes +
//! comments) ÷ followers on the post's day, averaged over the posts of the window. Summed per
//! day first — followers are one figure per day — which gives the same mean.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use platform::{AppState, Ctx, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    model::{post_day, profile_snapshot},
    service::{
        accounts::{self, AccountCard, Status},
        engagement::{self, DayPosts, FollowerHistory},
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

/// The average engagement of the last 30 days against the 30 before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub before: f64,
    pub now: f64,
}

impl Comparison {
    /// The relative change (−0.4 = 40 % lower); `None` when there was nothing before.
    pub fn change(&self) -> Option<f64> {
        (self.before > 0.0).then(|| self.now / self.before - 1.0)
    }
}

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
    let mut posts = post_days(&state.db, &profile_ids, first_day).await?;

    for card in cards {
        let history = snapshots.remove(&card.profile.id).unwrap_or_default();
        let days = posts.remove(&card.profile.id).unwrap_or_default();
        let figures = account_figures(card, &history, &days, today);
        let index = overview.accounts.len();
        overview
            .attention
            .extend(attention(&figures).into_iter().map(|a| (index, a)));
        overview.accounts.push(figures);
    }
    Ok(overview)
}

/// The figures of one account from its snapshots (oldest first) and its days of posts.
pub fn account_figures(
    card: AccountCard,
    history: &[profile_snapshot::Model],
    days: &[DayPosts],
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
    let followers_by_day = FollowerHistory::new(
        history
            .iter()
            .filter_map(|s| s.followers_count.map(|f| (s.day, f)))
            .collect(),
        card.profile.followers_count,
    );
    let window_start = today - Duration::days(WINDOW_DAYS - 1);
    let before_start = window_start - Duration::days(WINDOW_DAYS);
    let in_window =
        |from: NaiveDate, to: NaiveDate| days.iter().filter(move |d| d.day >= from && d.day <= to);
    let engagement = engagement::mean_rate(in_window(window_start, today), &followers_by_day);
    let engagement_before = engagement::mean_rate(
        in_window(before_start, window_start - Duration::days(1)),
        &followers_by_day,
    );
    AccountFigures {
        followers,
        change_7d: change(7),
        change_30d: change(WINDOW_DAYS),
        engagement,
        engagement_before,
        comparison: engagement_before
            .zip(engagement)
            .map(|(before, now)| Comparison { before, now }),
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

/// Posts per profile and day since `first_day` (oldest first): the day's sums over its media
/// types and sources, as the account page sums them.
async fn post_days(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
    first_day: NaiveDate,
) -> Result<HashMap<Uuid, Vec<DayPosts>>> {
    let rows = post_day::Entity::find()
        .filter(post_day::Column::ProfileId.is_in(profile_ids.iter().copied()))
        .filter(post_day::Column::Day.gte(first_day))
        .order_by_asc(post_day::Column::ProfileId)
        .order_by_asc(post_day::Column::Day)
        .all(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<DayPosts>> = HashMap::new();
    for r in rows {
        let days = out.entry(r.profile_id).or_default();
        match days.last_mut() {
            Some(d) if d.day == r.day => {
                d.posts += r.posts;
                d.rated += r.rated;
                d.interactions += r.interactions;
            }
            _ => days.push(DayPosts {
                day: r.day,
                posts: r.posts,
                rated: r.rated,
                interactions: r.interactions,
            }),
        }
    }
    Ok(out)
}
