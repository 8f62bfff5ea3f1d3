//! The indexer: turns profiles of the shared pool into search rows (`disc_creators`) with
//! their figures computed, through the Instagram data layer's and post analysis' services.
//!
//! Figures and how they are computed (shown beside them on the profile page):
//! - engagement rate: mean of (likes + comments) / followers over the newest
//!   [`POSTS_COUNTED`] feed posts and reels that carry a like count, in percent;
//! - growth over 30 / 90 days: followers now against the newest daily snapshot on or before
//!   that day (at most two weeks older), in percent;
//! - category and language: the most frequent among the analysed posts counted; the category
//!   mix is each category's share;
//! - location: what the bio says after a 📍 or "based in";
//! - contact email: the first address in the bio (served only after an email unlock).
//!
//! Indexing a profile twice writes the same row: it is safe to re-run at any time.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use instagram::model::{post, profile};
use platform::{Error, Result};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::model::{creator, creator_hashtag};

/// Posts a creator's figures are computed from.
pub const POSTS_COUNTED: u64 = 12;
/// Characters of captions kept for keyword search.
const CAPTIONS_MAX: usize = 2_000;
/// Hashtags kept per creator (the most used).
const HASHTAGS_MAX: usize = 30;
/// Profiles read per step of a full walk.
const WALK_BATCH: u64 = 200;

/// What one creator's row is computed from.
struct Inputs<'a> {
    profile: &'a profile::Model,
    posts: &'a [post::Model],
    categories: Vec<String>,
    languages: Vec<String>,
    followers_30d: Option<i64>,
    followers_90d: Option<i64>,
}

/// The figures of one creator.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub engagement_rate: Option<f64>,
    pub growth_30d: Option<f64>,
    pub growth_90d: Option<f64>,
    pub category: Option<String>,
    pub categories: BTreeMap<String, f64>,
    pub language: Option<String>,
    pub location: Option<String>,
    pub email: Option<String>,
    pub hashtags: Vec<(String, i32)>,
    pub last_post_at: Option<DateTime<Utc>>,
    pub posts_counted: i32,
}

/// Mean (likes + comments) / followers in percent over posts that carry a like count.
pub fn engagement_rate(followers: i64, posts: &[post::Model]) -> Option<f64> {
    if followers <= 0 {
        return None;
    }
    let rates: Vec<f64> = posts
        .iter()
        .filter_map(|p| {
            let likes = p.like_count?;
            let comments = p.comments_count.unwrap_or(0);
            Some((likes + comments) as f64 / followers as f64 * 100.0)
        })
        .collect();
    (!rates.is_empty()).then(|| round2(rates.iter().sum::<f64>() / rates.len() as f64))
}

/// Change from `then` to `now` in percent (none without a positive starting figure).
pub fn growth(now: i64, then: Option<i64>) -> Option<f64> {
    let then = then.filter(|t| *t > 0)?;
    Some(round2((now - then) as f64 / then as f64 * 100.0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The most frequent value (ties: the alphabetically first) and each value's share.
fn mix(values: &[String]) -> (Option<String>, BTreeMap<String, f64>) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v.clone()).or_default() += 1;
    }
    let total = values.len();
    let top = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| k.clone());
    let shares = counts
        .into_iter()
        .map(|(k, n)| (k, round2(n as f64 / total as f64)))
        .collect();
    (top, shares)
}

/// Where the bio says the creator is: the text after a 📍, or after "based in".
pub fn location(bio: &str) -> Option<String> {
    let after = if let Some((_, rest)) = bio.split_once('📍') {
        rest
    } else {
        const BASED_IN: &[u8] = b"based in ";
        // An ASCII pattern: its byte offset is always a character boundary.
        let at = bio
            .as_bytes()
            .windows(BASED_IN.len())
            .position(|w| w.eq_ignore_ascii_case(BASED_IN))?;
        bio.get(at + BASED_IN.len()..)?
    };
    let place: String = after
        .split(['\n', '|', '•', '·', '/', '✉', '📧'])
        .next()
        .unwrap_or_default()
        .trim()
        .trim_end_matches(['.', ','])
        .chars()
        .take(80)
        .collect();
    (!place.is_empty()).then_some(place)
}

/// The email addresses written in the bio, as written, in order.
fn addresses(bio: &str) -> impl Iterator<Item = &str> {
    bio.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '(' | ')' | '<' | '>'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.contains('@'))
        .filter(|w| {
            email_address::EmailAddress::parse_with_options(w, Default::default()).is_ok()
                && w.contains('.')
        })
}

/// The first email address written in the bio.
pub fn email(bio: &str) -> Option<String> {
    addresses(bio).next().map(str::to_lowercase)
}

/// The bio with every address [`email`] would find replaced: the contact email is what an
/// email unlock sells, so a bio shown before that unlock does not give it away.
pub fn without_emails(bio: &str) -> String {
    addresses(bio).fold(bio.to_string(), |shown, a| {
        shown.replace(a, "(email hidden until unlocked)")
    })
}

/// Hashtags used in captions, lower-cased, with how often (the most used first).
pub fn hashtags(posts: &[post::Model]) -> Vec<(String, i32)> {
    let mut counts: HashMap<String, i32> = HashMap::new();
    for p in posts {
        let Some(caption) = &p.caption else { continue };
        for part in caption.split('#').skip(1) {
            let tag: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .take(100)
                .collect::<String>()
                .to_lowercase();
            if !tag.is_empty() {
                *counts.entry(tag).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(String, i32)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(HASHTAGS_MAX);
    v
}

fn figures(i: &Inputs) -> Figures {
    let followers = i.profile.followers_count.unwrap_or(0);
    let (category, categories) = mix(&i.categories);
    let (language, _) = mix(&i.languages);
    let bio = i.profile.biography.as_deref().unwrap_or_default();
    Figures {
        engagement_rate: engagement_rate(followers, i.posts),
        growth_30d: growth(followers, i.followers_30d),
        growth_90d: growth(followers, i.followers_90d),
        category,
        categories,
        language,
        location: location(bio),
        email: email(bio),
        hashtags: hashtags(i.posts),
        last_post_at: i.posts.iter().map(|p| p.posted_at).max(),
        posts_counted: i32::try_from(i.posts.len()).unwrap_or(i32::MAX),
    }
}

fn captions(posts: &[post::Model]) -> String {
    let mut out = String::new();
    for p in posts {
        if let Some(c) = &p.caption {
            if out.len() + c.len() + 1 > CAPTIONS_MAX {
                break;
            }
            out.push_str(c);
            out.push('\n');
        }
    }
    out
}

/// Indexes these profiles (their rows are written or rewritten); returns how many.
pub async fn profiles(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<usize> {
    let rows = instagram::service::pool::profiles(conn, ids).await?;
    index_rows(conn, &rows).await
}

/// Indexes every profile of the pool, in steps, calling `progress(done)` after each step.
pub async fn all(conn: &impl ConnectionTrait, mut progress: impl FnMut(usize)) -> Result<usize> {
    let mut after = None;
    let mut done = 0;
    loop {
        let batch = instagram::service::pool::profiles_after(conn, after, WALK_BATCH).await?;
        let Some(last) = batch.last() else {
            return Ok(done);
        };
        after = Some(last.id);
        done += index_rows(conn, &batch).await?;
        progress(done);
    }
}

async fn index_rows(conn: &impl ConnectionTrait, rows: &[profile::Model]) -> Result<usize> {
    let now = platform::db::now();
    let today = now.date_naive();
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let then_30 =
        instagram::service::pool::followers_on(conn, &ids, today - Duration::days(30)).await?;
    let then_90 =
        instagram::service::pool::followers_on(conn, &ids, today - Duration::days(90)).await?;
    let mut n = 0;
    for p in rows {
        // A profile never fetched has nothing to find it by yet.
        if p.fetched_at.is_none() {
            continue;
        }
        let posts = instagram::service::pool::recent_posts(conn, p.id, POSTS_COUNTED).await?;
        let post_ids: Vec<Uuid> = posts.iter().map(|x| x.id).collect();
        let analyses = intelligence::service::analyze::of_posts(conn, &post_ids).await?;
        let inputs = Inputs {
            profile: p,
            posts: &posts,
            categories: analyses.iter().filter_map(|a| a.category.clone()).collect(),
            languages: analyses.iter().filter_map(|a| a.language.clone()).collect(),
            followers_30d: then_30.get(&p.id).copied(),
            followers_90d: then_90.get(&p.id).copied(),
        };
        let f = figures(&inputs);
        write(conn, p, &posts, &f, now).await?;
        n += 1;
    }
    Ok(n)
}

async fn write(
    conn: &impl ConnectionTrait,
    p: &profile::Model,
    posts: &[post::Model],
    f: &Figures,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = creator::ActiveModel {
        profile_id: Set(p.id),
        pool: Set(p.pool.clone()),
        username: Set(p.username.clone()),
        username_lower: Set(p.username_lower.clone()),
        full_name: Set(p.full_name.clone()),
        bio: Set(p.biography.clone()),
        captions: Set(captions(posts)),
        picture_url: Set(p.picture_url.clone()),
        followers: Set(p.followers_count.unwrap_or(0)),
        following: Set(p.follows_count),
        media_count: Set(p.media_count),
        engagement_rate: Set(f.engagement_rate),
        growth_30d: Set(f.growth_30d),
        growth_90d: Set(f.growth_90d),
        category: Set(f.category.clone()),
        categories: Set(serde_json::to_value(&f.categories).map_err(Error::internal)?),
        language: Set(f.language.clone()),
        location: Set(f.location.clone()),
        is_verified: Set(p.is_verified.unwrap_or(false)),
        is_business: Set(p.is_business.unwrap_or(false)),
        has_email: Set(f.email.is_some()),
        email: Set(f.email.clone()),
        last_post_at: Set(f.last_post_at),
        posts_counted: Set(f.posts_counted),
        source: Set(p.source.clone()),
        fetched_at: Set(p.fetched_at),
        indexed_at: Set(now),
        ..Default::default()
    };
    let mut update = OnConflict::column(creator::Column::ProfileId);
    update.update_columns([
        creator::Column::Pool,
        creator::Column::Username,
        creator::Column::UsernameLower,
        creator::Column::FullName,
        creator::Column::Bio,
        creator::Column::Captions,
        creator::Column::PictureUrl,
        creator::Column::Followers,
        creator::Column::Following,
        creator::Column::MediaCount,
        creator::Column::EngagementRate,
        creator::Column::Growth30d,
        creator::Column::Growth90d,
        creator::Column::Category,
        creator::Column::Categories,
        creator::Column::Language,
        creator::Column::Location,
        creator::Column::IsVerified,
        creator::Column::IsBusiness,
        creator::Column::HasEmail,
        creator::Column::Email,
        creator::Column::LastPostAt,
        creator::Column::PostsCounted,
        creator::Column::Source,
        creator::Column::FetchedAt,
        creator::Column::IndexedAt,
    ]);
    creator::Entity::insert(row)
        .on_conflict(update)
        .exec_without_returning(conn)
        .await?;
    let id = creator::Entity::find()
        .filter(creator::Column::ProfileId.eq(p.id))
        .one(conn)
        .await?
        .ok_or_else(|| Error::internal("an indexed creator row went missing"))?
        .id;
    creator_hashtag::Entity::delete_many()
        .filter(creator_hashtag::Column::CreatorId.eq(id))
        .exec(conn)
        .await?;
    if !f.hashtags.is_empty() {
        creator_hashtag::Entity::insert_many(f.hashtags.iter().map(|(tag, uses)| {
            creator_hashtag::ActiveModel {
                creator_id: Set(id),
                tag: Set(tag.clone()),
                uses: Set(*uses),
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_after_a_pin_or_based_in() {
        assert_eq!(
            location("Coach 📍 Berlin | DM for collabs").as_deref(),
            Some("Berlin")
        );
        assert_eq!(
            location("Chef based in Lisbon, Portugal.").as_deref(),
            Some("Lisbon, Portugal")
        );
        assert_eq!(location("just vibes"), None);
        assert_eq!(location("📍"), None);
    }

    #[test]
    fn a_bio_is_shown_without_its_addresses() {
        assert_eq!(
            without_emails("Collabs: Lea@Studio.example | DM (x@y.io) or @handle"),
            "Collabs: (email hidden until unlocked) | DM ((email hidden until unlocked)) or @handle"
        );
        assert_eq!(without_emails("no address @here"), "no address @here");
    }

    #[test]
    fn email_is_the_first_address_in_the_bio() {
        assert_eq!(
            email("Collabs: Hello@Studio.example (DM too)").as_deref(),
            Some("hello@studio.example")
        );
        assert_eq!(email("@someone on tiktok"), None);
        assert_eq!(email("no mail here"), None);
    }

    #[test]
    fn growth_and_engagement_are_percentages() {
        assert_eq!(growth(1100, Some(1000)), Some(10.0));
        assert_eq!(growth(900, Some(1000)), Some(-10.0));
        assert_eq!(growth(900, Some(0)), None);
        assert_eq!(growth(900, None), None);
        assert_eq!(engagement_rate(0, &[]), None);
    }

    #[test]
    fn mix_picks_the_most_frequent_and_shares() {
        let v: Vec<String> = ["food", "fitness", "food", "travel"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (top, shares) = mix(&v);
        assert_eq!(top.as_deref(), Some("food"));
        assert_eq!(shares.get("food"), Some(&0.5));
        assert_eq!(shares.get("travel"), Some(&0.25));
    }
}
