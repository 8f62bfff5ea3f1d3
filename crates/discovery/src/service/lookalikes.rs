//! Lookalikes: the creators of the same pool nearest to one creator by content, language,
//! size and engagement. The distance is a sum of four parts, each between 0 and 1, returned
//! with every result so a page can say why a creator was found:
//!
//! - content: 1 − cosine similarity of the category mixes (1 when either has none);
//! - language: 0 when the same, 1 when different or unknown;
//! - size: |ln(followers ÷ followers of the creator)| ÷ ln 10, capped at 1 (a tenfold
//!   difference is as far as it gets);
//! - engagement: |rate − rate of the creator| ÷ the larger of the two, 1 when either is unknown.
//!
//! Candidates are read through the `(pool, category, followers)` index within a size band,
//! widening (any category, then any size) only while too few are found, so a lookup over a
//! million creators reads a few thousand rows at most.

use std::collections::BTreeMap;

use platform::{Error, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::model::creator;

/// Candidates read per widening step.
const CANDIDATES: u64 = 2_000;
/// Followers band of the first reads: a third to three times the creator's.
const BAND: f64 = 3.0;
pub const LIMIT_MAX: usize = 50;

/// Why a lookalike is near: the parts of its distance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryLookalikeDistance)]
pub struct Distance {
    pub total: f64,
    pub content: f64,
    pub language: f64,
    pub size: f64,
    pub engagement: f64,
}

fn shares(c: &creator::Model) -> BTreeMap<String, f64> {
    c.categories
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_f64().map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default()
}

fn cosine(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> Option<f64> {
    let dot: f64 = a.iter().map(|(k, x)| x * b.get(k).unwrap_or(&0.0)).sum();
    let na = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f64>().sqrt();
    (na > 0.0 && nb > 0.0).then(|| dot / (na * nb))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The distance of `other` from `of`.
pub fn distance(of: &creator::Model, other: &creator::Model) -> Distance {
    let content = cosine(&shares(of), &shares(other)).map_or(1.0, |s| 1.0 - s.clamp(0.0, 1.0));
    let language = match (&of.language, &other.language) {
        (Some(a), Some(b)) if a == b => 0.0,
        _ => 1.0,
    };
    let size = if of.followers > 0 && other.followers > 0 {
        ((other.followers as f64 / of.followers as f64).ln().abs() / 10f64.ln()).min(1.0)
    } else {
        1.0
    };
    let engagement = match (of.engagement_rate, other.engagement_rate) {
        (Some(a), Some(b)) if a.max(b) > 0.0 => ((a - b).abs() / a.max(b)).min(1.0),
        (Some(_), Some(_)) => 0.0,
        _ => 1.0,
    };
    Distance {
        total: round3(content + language + size + engagement),
        content: round3(content),
        language: round3(language),
        size: round3(size),
        engagement: round3(engagement),
    }
}

/// The creator a profile id names in the index, if indexed.
pub async fn creator_of(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<creator::Model> {
    creator::Entity::find()
        .filter(creator::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Up to `limit` creators nearest to the creator of `profile_id`, nearest first (ties: more
/// followers first), each with its distance.
pub async fn of(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
    limit: usize,
) -> Result<(creator::Model, Vec<(creator::Model, Distance)>)> {
    let target = creator_of(conn, profile_id).await?;
    let near = nearest(conn, &target, limit).await?;
    Ok((target, near))
}

/// [`of`] for a creator already read (its page has it).
pub async fn nearest(
    conn: &impl ConnectionTrait,
    target: &creator::Model,
    limit: usize,
) -> Result<Vec<(creator::Model, Distance)>> {
    if limit == 0 || limit > LIMIT_MAX {
        return Err(Error::validation(
            "limit",
            format!("between 1 and {LIMIT_MAX}"),
        ));
    }
    let lo = (target.followers as f64 / BAND).floor() as i64;
    let hi = (target.followers as f64 * BAND).ceil() as i64;
    let mut seen = std::collections::HashSet::from([target.id]);
    let mut found: Vec<creator::Model> = Vec::new();
    // Same category within the band; any category within the band; anything.
    let steps: [(bool, bool); 3] = [(true, true), (false, true), (false, false)];
    for (same_category, in_band) in steps {
        if same_category && target.category.is_none() {
            continue;
        }
        let mut q = creator::Entity::find().filter(creator::Column::Pool.eq(target.pool.clone()));
        if same_category {
            q = q.filter(creator::Column::Category.eq(target.category.clone()));
        }
        if in_band {
            q = q
                .filter(creator::Column::Followers.gte(lo))
                .filter(creator::Column::Followers.lte(hi));
        }
        let rows = q
            .order_by_desc(creator::Column::Followers)
            .limit(CANDIDATES)
            .all(conn)
            .await?;
        for r in rows {
            if seen.insert(r.id) {
                found.push(r);
            }
        }
        if found.len() >= limit * 4 {
            break;
        }
    }
    let mut scored: Vec<(creator::Model, Distance)> = found
        .into_iter()
        .map(|c| {
            let d = distance(target, &c);
            (c, d)
        })
        .collect();
    scored.sort_by(|a, b| {
        a.1.total
            .total_cmp(&b.1.total)
            .then(b.0.followers.cmp(&a.0.followers))
            .then(a.0.id.cmp(&b.0.id))
    });
    scored.truncate(limit);
    Ok(scored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(
        followers: i64,
        er: Option<f64>,
        lang: Option<&str>,
        cats: serde_json::Value,
    ) -> creator::Model {
        creator::Model {
            id: 1,
            profile_id: Uuid::nil(),
            pool: "live".into(),
            username: "x".into(),
            username_lower: "x".into(),
            full_name: None,
            bio: None,
            captions: String::new(),
            picture_url: None,
            followers,
            following: None,
            media_count: None,
            engagement_rate: er,
            growth_30d: None,
            growth_90d: None,
            category: None,
            categories: cats,
            language: lang.map(str::to_string),
            location: None,
            is_verified: false,
            is_business: false,
            has_email: false,
            email: None,
            last_post_at: None,
            posts_counted: 0,
            source: "apify".into(),
            fetched_at: None,
            indexed_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_same_creator_is_at_no_distance_and_parts_are_capped() {
        let a = c(
            10_000,
            Some(3.0),
            Some("en"),
            serde_json::json!({"food": 0.5, "travel": 0.5}),
        );
        assert_eq!(distance(&a, &a).total, 0.0);
        let far = c(
            10_000_000,
            None,
            Some("de"),
            serde_json::json!({"tech": 1.0}),
        );
        let d = distance(&a, &far);
        assert_eq!(
            (d.content, d.language, d.size, d.engagement),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!(d.total, 4.0);
        let tenfold = c(
            100_000,
            Some(1.5),
            Some("en"),
            serde_json::json!({"food": 1.0}),
        );
        let d = distance(&a, &tenfold);
        assert_eq!(d.size, 1.0);
        assert_eq!(d.engagement, 0.5);
        assert_eq!(d.content, round3(1.0 - 0.5 / (0.5f64.sqrt())));
    }
}
