//! Hashtag suggestions that need no language model: which tags go with better-than-usual
//! engagement in the posts of an account and of the profiles its workspace tracks, each
//! suggestion with the evidence behind it.
//!
//! The public surface is small:
//! * [`suggest`] — for an own account or a tracked profile (reached through the caller's
//!   scope), read its posts and the workspace's tracked profiles' posts of the last
//!   [`Options::days`] days and return [`HashtagSuggestions`]: tags ranked by lift, each with
//!   posts with / without it, both medians, the lift, the tags it appears with, and which
//!   profiles' posts it came from (with their source and fetch time). Tags on the restricted
//!   list (the one audits keep) are never suggested. An LLM, where one is configured, is given
//!   this list to rank and explain; it adds no tag of its own.
//! * [`Options::parse`] — validated input (period, seed tags the user typed, how many).
//! * [`lift::table`] — the pure computation over [`lift::TaggedPost`]s, for callers that
//!   already hold posts (competitor analysis, the bench).
//!
//! Method: see [`lift`] (rates relative to each profile's median; lift = median with ÷ median
//! without; at least [`lift::MIN_POSTS`] posts on each side).

pub mod lift;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use instagram::service::{
    history::{self, History},
    subject::{self, Subject},
};
use platform::{Error, FieldError, Result, Scope};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::audit::{inputs::hashtags, reference};
use lift::{TagStats, TaggedPost};

/// The default period, in days, and its bounds.
pub const DEFAULT_DAYS: i64 = 180;
pub const MIN_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 730;
/// Seed tags a request may carry, and their length.
pub const MAX_SEEDS: usize = 10;
pub const SEED_MAX_CHARS: usize = 60;
/// Suggestions returned by default, and at most.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// How the lift is computed, in the words the page and the API show.
pub const METHOD: &str = "Each post's engagement rate is read against its own profile's median post (1.00 = a typical post), so profiles of different sizes can be pooled. For each tag: the median of the posts with it divided by the median of the posts without it (lift 1.25 = 25 % better). A tag needs at least 3 posts with it and 3 without. Tags on the restricted list are never suggested.";

/// What to suggest for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Posts of the last `days` days are read.
    pub days: i64,
    /// Tags the user typed (lower case, no `#`): only these and tags used on posts with them
    /// are suggested. Empty: every tag.
    pub seeds: Vec<String>,
    pub limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            days: DEFAULT_DAYS,
            seeds: Vec::new(),
            limit: DEFAULT_LIMIT,
        }
    }
}

impl Options {
    /// Validates what a form or an API call sent; `seeds` is free text ("#beach travel,
    /// sunset"). Every problem is a field error (422).
    pub fn parse(days: Option<i64>, seeds: &str, limit: Option<i64>) -> Result<Options> {
        let mut errors = Vec::new();
        let days = days.unwrap_or(DEFAULT_DAYS);
        if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
            errors.push(FieldError::new(
                "days",
                format!("From {MIN_DAYS} to {MAX_DAYS} days"),
            ));
        }
        let limit = limit.unwrap_or(DEFAULT_LIMIT as i64);
        if !(1..=MAX_LIMIT as i64).contains(&limit) {
            errors.push(FieldError::new("limit", format!("From 1 to {MAX_LIMIT}")));
        }
        let mut tags: Vec<String> = Vec::new();
        if seeds.chars().count() > MAX_SEEDS * (SEED_MAX_CHARS + 2) {
            errors.push(FieldError::new("seeds", "Too long"));
        } else {
            for word in seeds
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                .filter(|w| !w.is_empty())
            {
                let tag = word.trim_start_matches(['#', '＃']).to_lowercase();
                if tag.is_empty()
                    || tag.chars().count() > SEED_MAX_CHARS
                    || !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
                {
                    errors.push(FieldError::new(
                        "seeds",
                        format!(
                            "“{}” is not a hashtag: letters, digits and _ only, up to {SEED_MAX_CHARS}",
                            word.chars().take(SEED_MAX_CHARS).collect::<String>()
                        ),
                    ));
                    break;
                }
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            if tags.len() > MAX_SEEDS {
                errors.push(FieldError::new(
                    "seeds",
                    format!("At most {MAX_SEEDS} tags"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(Options {
            days,
            seeds: tags,
            limit: limit as usize,
        })
    }
}

/// A profile whose posts were read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagProfile {
    pub username: String,
    /// `account` (the workspace's own) or `tracked`.
    pub kind: String,
    /// Posts of the period with an engagement rate.
    pub posts: usize,
    /// `graph`, `apify` or `demo` (demo data is not real).
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A tag seen with the suggested one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagPair {
    pub tag: String,
    /// Posts carrying both.
    pub posts: usize,
}

/// Where a suggested tag's posts came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagOrigin {
    pub username: String,
    pub posts: usize,
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// One suggested tag and its evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagSuggestion {
    /// Lower case, without `#`.
    pub tag: String,
    /// Median with ÷ median without, of rates relative to each profile's median.
    pub lift: f64,
    pub posts_with: usize,
    pub posts_without: usize,
    /// Median relative engagement (1.00 = the profile's median post).
    pub relative_with: f64,
    pub relative_without: f64,
    /// Median engagement rate in %, as measured.
    pub rate_with: f64,
    pub rate_without: f64,
    /// Posts of the account itself that carry it (0: new to the account).
    pub used_by_account: usize,
    /// A tag the user gave as a seed.
    pub seed: bool,
    /// Tags on the same posts, most first.
    pub co_tags: Vec<HashtagPair>,
    pub origins: Vec<HashtagOrigin>,
}

/// The suggestions for one account, with what they were computed from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagSuggestions {
    pub username: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The account first, then the tracked profiles.
    pub profiles: Vec<HashtagProfile>,
    /// Posts read (with an engagement rate), and those carrying at least one tag.
    pub posts_read: usize,
    pub posts_tagged: usize,
    /// Tags with enough posts to state a lift.
    pub tags_measured: usize,
    pub seeds: Vec<String>,
    /// Seeds no post read carries.
    pub unknown_seeds: Vec<String>,
    /// Tags that would have been suggested but are on the restricted list.
    pub restricted_left_out: Vec<String>,
    pub suggestions: Vec<HashtagSuggestion>,
    pub method: String,
    pub computed_at: DateTime<Utc>,
}

/// The subject's and the workspace's tracked profiles' records since `from` (the subject
/// first; a tracked subject is not read twice).
pub async fn histories(
    db: &impl ConnectionTrait,
    scope: &Scope,
    subject: &Subject,
    from: NaiveDate,
) -> Result<Vec<(Subject, History)>> {
    let mut out = vec![(subject.clone(), history::of(db, subject, from).await?)];
    for other in subject::all_in(db, scope).await? {
        if other.is_tracked() && other.profile().id != subject.profile().id {
            let h = history::of(db, &other, from).await?;
            out.push((other, h));
        }
    }
    Ok(out)
}

/// The posts of the histories as the computation reads them (profile = index in `histories`).
pub fn tagged_posts(histories: &[(Subject, History)]) -> Vec<TaggedPost> {
    histories
        .iter()
        .enumerate()
        .flat_map(|(i, (_, h))| {
            h.posts.iter().filter_map(move |p| {
                p.rate.map(|rate| TaggedPost {
                    tags: hashtags(p.caption.as_deref()),
                    rate,
                    profile: i,
                })
            })
        })
        .collect()
}

/// Suggestions for `subject` (an own account or a tracked profile reached through `scope`).
pub async fn suggest(
    db: &impl ConnectionTrait,
    scope: &Scope,
    subject: &Subject,
    options: &Options,
) -> Result<HashtagSuggestions> {
    let now = Utc::now();
    let to = now.date_naive();
    let from = to - Duration::days(options.days - 1);
    let histories = histories(db, scope, subject, from).await?;
    let restricted: BTreeSet<String> = reference::restricted_map(db).await?.into_keys().collect();
    let posts = tagged_posts(&histories);
    let profiles: Vec<HashtagProfile> = histories
        .iter()
        .enumerate()
        .map(|(i, (s, h))| HashtagProfile {
            username: h.username.clone(),
            kind: s.kind().into(),
            posts: posts.iter().filter(|p| p.profile == i).count(),
            source: h.source.clone(),
            fetched_at: h.fetched_at,
        })
        .collect();
    // The computation is CPU work proportional to the posts read; a few thousand posts take
    // milliseconds (see the bench), so it stays on the request's task.
    let table = lift::table(&posts);
    let mut out = rank(&table, &posts, &profiles, &restricted, options);
    out.username = subject.profile().username.clone();
    out.from = from;
    out.to = to;
    out.computed_at = now;
    Ok(out)
}

/// Ranks the measured tags for the account at profile index 0: tags with a lift above 1 and
/// enough posts, not restricted, and (with seeds) a seed or seen on a post with one; by lift,
/// then posts. Pure, so it is tested on a known data set.
pub fn rank(
    table: &[TagStats],
    posts: &[TaggedPost],
    profiles: &[HashtagProfile],
    restricted: &BTreeSet<String>,
    options: &Options,
) -> HashtagSuggestions {
    let related: Option<BTreeSet<&str>> = (!options.seeds.is_empty()).then(|| {
        posts
            .iter()
            .filter(|p| p.tags.iter().any(|t| options.seeds.contains(t)))
            .flat_map(|p| p.tags.iter().map(String::as_str))
            .collect()
    });
    let known: BTreeSet<&str> = table.iter().map(|s| s.tag.as_str()).collect();
    let own_use: HashMap<&str, usize> = table
        .iter()
        .map(|s| {
            (
                s.tag.as_str(),
                s.profiles
                    .iter()
                    .find(|(i, _)| *i == 0)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
            )
        })
        .collect();
    let mut restricted_left_out = Vec::new();
    let mut chosen: Vec<&TagStats> = Vec::new();
    for s in table {
        let Some(lift) = s.lift else { continue };
        if !s.has_sample() || lift <= 1.0 || !lift.is_finite() {
            continue;
        }
        if let Some(related) = &related
            && !related.contains(s.tag.as_str())
        {
            continue;
        }
        if restricted.contains(&s.tag) {
            restricted_left_out.push(s.tag.clone());
            continue;
        }
        chosen.push(s);
    }
    chosen.sort_by(|a, b| {
        b.lift
            .unwrap_or(0.0)
            .total_cmp(&a.lift.unwrap_or(0.0))
            .then(b.posts_with.cmp(&a.posts_with))
            .then(a.tag.cmp(&b.tag))
    });
    let suggestions = chosen
        .into_iter()
        .take(options.limit)
        .map(|s| HashtagSuggestion {
            tag: s.tag.clone(),
            lift: s.lift.unwrap_or(f64::NAN),
            posts_with: s.posts_with,
            posts_without: s.posts_without,
            relative_with: s.relative_with,
            relative_without: s.relative_without,
            rate_with: s.rate_with,
            rate_without: s.rate_without,
            used_by_account: own_use.get(s.tag.as_str()).copied().unwrap_or(0),
            seed: options.seeds.contains(&s.tag),
            co_tags: s
                .co_tags
                .iter()
                .map(|(tag, posts)| HashtagPair {
                    tag: tag.clone(),
                    posts: *posts,
                })
                .collect(),
            origins: s
                .profiles
                .iter()
                .filter_map(|(i, n)| {
                    profiles.get(*i).map(|p| HashtagOrigin {
                        username: p.username.clone(),
                        posts: *n,
                        source: p.source.clone(),
                        fetched_at: p.fetched_at,
                    })
                })
                .collect(),
        })
        .collect();
    HashtagSuggestions {
        username: profiles
            .first()
            .map(|p| p.username.clone())
            .unwrap_or_default(),
        from: NaiveDate::MIN,
        to: NaiveDate::MIN,
        profiles: profiles.to_vec(),
        posts_read: posts.len(),
        posts_tagged: posts.iter().filter(|p| !p.tags.is_empty()).count(),
        tags_measured: table.iter().filter(|s| s.has_sample()).count(),
        seeds: options.seeds.clone(),
        unknown_seeds: options
            .seeds
            .iter()
            .filter(|s| !known.contains(s.as_str()))
            .cloned()
            .collect(),
        restricted_left_out,
        suggestions,
        method: METHOD.into(),
        computed_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests;
