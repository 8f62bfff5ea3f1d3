//! The account's own facts a text is grounded in: its profile, its five best posts of the
//! last 90 days with their captions, its content categories and languages from post
//! analysis, its best posting slots, and — for hashtag sets — the lift-ranked hashtag
//! suggestions with their evidence. Each fact says where it came from (`demo` data is
//! labelled as such to the model too).

use chrono::Utc;
use instagram::service::subject::Subject;
use platform::{AppState, Result, Scope};
use serde_json::{Value, json};

use super::Kind;
use crate::service::{
    best_times, hashtags,
    planner::{self, SubjectKey, zone},
    summary,
};

/// Captions are cut to this many characters (the model needs their voice, not all of them).
const CAPTION_CHARS: usize = 300;
const TOP_POSTS: usize = 5;

/// The facts, and whether any of them is demo data.
pub struct Facts {
    pub data: Value,
    pub demo: bool,
    /// Hashtags the suggestions offered (the model may only rank these).
    pub candidate_tags: Vec<String>,
}

pub async fn of(state: &AppState, scope: &Scope, subject: &Subject, kind: Kind) -> Result<Facts> {
    let profile = subject.profile();
    let history = planner::record(state, subject).await?;
    let mut posts: Vec<_> = history.posts.iter().filter(|p| p.rate.is_some()).collect();
    posts.sort_by(|a, b| {
        b.rate
            .unwrap_or(0.0)
            .partial_cmp(&a.rate.unwrap_or(0.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let top: Vec<Value> = posts
        .iter()
        .take(TOP_POSTS)
        .map(|p| {
            json!({
                "caption": p.caption.as_deref().unwrap_or("").chars().take(CAPTION_CHARS).collect::<String>(),
                "media_type": p.media_type,
                "engagement_rate_percent": p.rate.map(|r| (r * 100.0).round() / 100.0),
                "posted_on": p.posted_at.date_naive(),
            })
        })
        .collect();
    let analysis = summary::profile(&state.db, profile.id).await?;
    let shares = |s: &[summary::Share]| -> Vec<Value> {
        s.iter()
            .take(5)
            .map(|s| json!({"name": s.key, "posts": s.posts}))
            .collect()
    };
    let key = SubjectKey::of(scope, subject);
    let tz = zone::of(&state.db, &key).await?;
    let best = best_times::of(&history, tz, Utc::now());
    let slots: Vec<Value> = best
        .top
        .iter()
        .map(|s| json!({"slot": s.label(), "why": s.statement}))
        .collect();
    let mut demo = profile.source == "demo" || history.posts.iter().any(|p| p.source == "demo");
    let mut data = json!({
        "account": {
            "username": profile.username,
            "name": profile.full_name,
            "current_bio": profile.biography,
            "followers": profile.followers_count,
        },
        "best_posts_last_90_days": top,
        "content_categories": shares(&analysis.categories),
        "caption_languages": shares(&analysis.languages),
        "best_posting_slots": {"time_zone": tz.name(), "slots": slots},
    });
    let mut candidate_tags = Vec::new();
    if kind == Kind::Hashtags {
        let options = hashtags::Options::parse(None, "", Some(20))?;
        let found = hashtags::suggest(&state.db, scope, subject, &options).await?;
        demo |= found.profiles.iter().any(|p| p.source == "demo");
        candidate_tags = found.suggestions.iter().map(|s| s.tag.clone()).collect();
        data["hashtag_candidates"] = json!(
            found
                .suggestions
                .iter()
                .map(|s| json!({
                    "tag": s.tag,
                    "lift": (s.lift * 100.0).round() / 100.0,
                    "posts_with": s.posts_with,
                    "posts_without": s.posts_without,
                    "median_rate_with_percent": (s.rate_with * 100.0).round() / 100.0,
                    "median_rate_without_percent": (s.rate_without * 100.0).round() / 100.0,
                    "used_by_this_account": s.used_by_account,
                }))
                .collect::<Vec<_>>()
        );
    }
    if demo {
        data["note"] = json!("This is generated demo data, not a real account.");
    }
    Ok(Facts {
        data,
        demo,
        candidate_tags,
    })
}
