//! A profile's figures kept in memory between page views, checked against the database on
//! every view, so they are never older than what the database holds.
//!
//! A year of a large account is some 1,500 rows to read and hand over (on SQLite each row
//! crosses from the connection's thread), about two thirds of the page's time. People look at
//! the same account again and again between refreshes, so the figures [`ProfileFigures`] and
//! the top posts are kept per (profile, period, day) with the version of the profile's data
//! they were read at: `ig_profile_versions`, a counter the database raises on every write to
//! the profile's posts or snapshots, whoever writes (migration
//! `m20261206_000026_ig_profile_versions`). A view reads the counter (one primary-key read)
//! and uses the kept figures only when it has not moved and the profile row's own figures
//! (followers, source, fetch time) are the same; anything else reads them anew. Every
//! process of a scaled-out install checks the same counter, so one node's refresh is seen by
//! all at their next view.
//!
//! Reading the counter before the figures keeps the check safe: figures read after it are at
//! least as new as that version; should a write land in between, the next view finds a higher
//! counter and reads again.
//!
//! The cache is the process's (ids are unique across databases), bounded by entries, and an
//! entry unused for ten minutes leaves; the day is part of the key, so figures never outlive
//! the day they were computed for.

use std::{
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use chrono::{DateTime, NaiveDate, Utc};
use moka::future::Cache;
use platform::Result;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::{
    figures::{self, ProfileFigures},
    period::Period,
};
use crate::model::{post, profile, profile_version};

/// Entries kept: a year's figures are some 100 KB, so at most ~200 MB in the worst case and
/// usually a fraction (most periods are short).
const MAX_ENTRIES: u64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    profile: Uuid,
    period: Period,
    today: NaiveDate,
}

/// What the figures read from the profile row itself.
#[derive(Debug, Clone, PartialEq)]
struct Stamp {
    followers: Option<i64>,
    source: String,
    fetched_at: Option<DateTime<Utc>>,
}

impl Stamp {
    fn of(p: &profile::Model) -> Self {
        Stamp {
            followers: p.followers_count,
            source: p.source.clone(),
            fetched_at: p.fetched_at,
        }
    }
}

struct Entry {
    version: i64,
    stamp: Stamp,
    figures: Arc<ProfileFigures>,
    /// The top posts at this version, with the number asked for.
    top: Mutex<Option<(u64, Vec<post::Model>)>>,
}

static CACHE: LazyLock<Cache<Key, Arc<Entry>>> = LazyLock::new(|| {
    Cache::builder()
        .max_capacity(MAX_ENTRIES)
        .time_to_idle(Duration::from_secs(600))
        .build()
});

/// The figures of `profile` over `period` ending `today`: the kept ones when the profile's
/// data has not changed since they were read.
pub async fn figures(
    db: &impl ConnectionTrait,
    profile: &profile::Model,
    period: Period,
    today: NaiveDate,
) -> Result<Arc<ProfileFigures>> {
    Ok(entry(db, profile, period, today).await?.figures.clone())
}

/// The figures and the period's `limit` top posts (most likes + comments first), both kept
/// while the profile's data has not changed.
pub async fn figures_and_top(
    db: &impl ConnectionTrait,
    profile: &profile::Model,
    period: Period,
    today: NaiveDate,
    limit: u64,
) -> Result<(Arc<ProfileFigures>, Vec<post::Model>)> {
    let entry = entry(db, profile, period, today).await?;
    let kept = lock(&entry.top)
        .as_ref()
        .filter(|(n, _)| *n == limit)
        .map(|(_, posts)| posts.clone());
    let top = match kept {
        Some(posts) => posts,
        None => {
            let posts = figures::top_posts(db, profile.id, &entry.figures, limit).await?;
            *lock(&entry.top) = Some((limit, posts.clone()));
            posts
        }
    };
    Ok((entry.figures.clone(), top))
}

async fn entry(
    db: &impl ConnectionTrait,
    profile: &profile::Model,
    period: Period,
    today: NaiveDate,
) -> Result<Arc<Entry>> {
    let key = Key {
        profile: profile.id,
        period,
        today,
    };
    let stamp = Stamp::of(profile);
    let version = profile_version::Entity::find_by_id(profile.id)
        .one(db)
        .await?
        .map(|v| v.version);
    if let Some(version) = version
        && let Some(kept) = CACHE.get(&key).await
        && kept.version == version
        && kept.stamp == stamp
    {
        return Ok(kept);
    }
    let entry = Arc::new(Entry {
        version: version.unwrap_or(-1),
        stamp,
        figures: Arc::new(ProfileFigures::load(db, profile, period, today).await?),
        top: Mutex::new(None),
    });
    // A profile without a counter row (it should not happen: a trigger writes it) is read
    // every time rather than kept unchecked.
    if version.is_some() {
        CACHE.insert(key, entry.clone()).await;
    }
    Ok(entry)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
