//! Keeping a profile's analyses current: every post and stored comment whose result is
//! missing, was computed by another method version, or from another text (an edited caption)
//! is analysed again; the rest is left alone, so running it twice does no work the second time.
//!
//! The texts come from the instagram feature's service (`instagram::service::texts`); results
//! are written in batches of [`WRITE_BATCH`] rows with one upsert each. Analysis runs in chunks
//! of [`CHUNK`] texts on a blocking thread over every core ([`crate::engine`]), reporting
//! progress between chunks.

use std::collections::HashMap;

use analysis::{Analysis, METHOD_VERSION, Sentiment};
use chrono::{DateTime, Utc};
use instagram::service::texts::{self, CommentText, PostText};
use platform::{AppState, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    engine,
    model::{comment_analysis, post_analysis},
};

/// Texts analysed per blocking batch (between progress reports).
pub const CHUNK: usize = 2_000;
/// Rows per upsert statement (20 columns a row, well under both databases' bind limits).
pub const WRITE_BATCH: usize = 400;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub posts: usize,
    pub posts_analysed: usize,
    pub comments: usize,
    pub comments_analysed: usize,
}

/// The result columns of an analysis, as stored.
struct Stored {
    language: Option<String>,
    language_confidence: Option<f64>,
    sentiment: String,
    sentiment_score: Option<f64>,
    sentiment_confidence: Option<f64>,
    sentiment_method: Option<String>,
    category: Option<String>,
    category_confidence: Option<f64>,
    raw: serde_json::Value,
}

fn stored(a: &Analysis) -> Stored {
    let (sentiment, score, confidence, method, reason) = match &a.sentiment {
        Sentiment::Analysed {
            label,
            score,
            confidence,
            method,
        } => (
            label.as_str().to_string(),
            Some(*score),
            Some(*confidence),
            Some(method.as_str().to_string()),
            None,
        ),
        Sentiment::NotAnalysed { reason } => (
            "not_analysed".to_string(),
            None,
            None,
            None,
            Some(reason.clone()),
        ),
    };
    Stored {
        language: a.language.map(|l| l.code.to_string()),
        language_confidence: a.language.map(|l| l.confidence),
        sentiment,
        sentiment_score: score,
        sentiment_confidence: confidence,
        sentiment_method: method,
        category: a.category.as_ref().map(|c| c.category.as_str().to_string()),
        category_confidence: a.category.as_ref().map(|c| c.confidence),
        raw: json!({
            "evidence": a.category.as_ref().map(|c| c.evidence.clone()).unwrap_or_default(),
            "sentiment_reason": reason,
            "method": a.method,
        }),
    }
}

/// Analyses what is stale of one profile's posts and comments.
pub async fn analyze_profile(
    state: &AppState,
    profile_id: Uuid,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<Outcome> {
    let db = &state.db;
    let posts = texts::posts_of(db, profile_id).await?;
    let comments = texts::comments_of(db, profile_id).await?;
    let known_posts: HashMap<Uuid, (String, i32)> = post_analysis::Entity::find()
        .select_only()
        .columns([
            post_analysis::Column::PostId,
            post_analysis::Column::TextHash,
            post_analysis::Column::MethodVersion,
        ])
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .into_tuple::<(Uuid, String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, hash, version)| (id, (hash, version)))
        .collect();
    let known_comments: HashMap<Uuid, (String, i32)> = comment_analysis::Entity::find()
        .select_only()
        .columns([
            comment_analysis::Column::CommentId,
            comment_analysis::Column::TextHash,
            comment_analysis::Column::MethodVersion,
        ])
        .filter(comment_analysis::Column::ProfileId.eq(profile_id))
        .into_tuple::<(Uuid, String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, hash, version)| (id, (hash, version)))
        .collect();
    let version = i32::try_from(METHOD_VERSION).unwrap_or(i32::MAX);
    let stale = |known: &HashMap<Uuid, (String, i32)>, id: Uuid, hash: &str| {
        known
            .get(&id)
            .is_none_or(|(h, v)| h != hash || *v != version)
    };
    let stale_posts: Vec<(PostText, String)> = posts
        .iter()
        .map(|p| (p, engine::text_hash(p.caption.as_deref().unwrap_or(""))))
        .filter(|(p, hash)| stale(&known_posts, p.id, hash))
        .map(|(p, hash)| (p.clone(), hash))
        .collect();
    let stale_comments: Vec<(CommentText, String)> = comments
        .iter()
        .map(|c| (c, engine::text_hash(&c.text)))
        .filter(|(c, hash)| stale(&known_comments, c.id, hash))
        .map(|(c, hash)| (c.clone(), hash))
        .collect();
    let total = (stale_posts.len() + stale_comments.len()) as u64;
    let mut done = 0u64;
    progress(0, total);
    for chunk in stale_posts.chunks(CHUNK) {
        let texts = chunk
            .iter()
            .map(|(p, _)| p.caption.clone().unwrap_or_default())
            .collect();
        let results = engine::analyze(texts).await?;
        let now = Utc::now();
        let rows: Vec<post_analysis::ActiveModel> = chunk
            .iter()
            .zip(&results)
            .map(|((p, hash), a)| post_row(profile_id, p, hash, a, version, now))
            .collect();
        write_posts(db, rows).await?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    for chunk in stale_comments.chunks(CHUNK) {
        let texts = chunk.iter().map(|(c, _)| c.text.clone()).collect();
        let results = engine::analyze(texts).await?;
        let now = Utc::now();
        let rows: Vec<comment_analysis::ActiveModel> = chunk
            .iter()
            .zip(&results)
            .map(|((c, hash), a)| comment_row(profile_id, c, hash, a, version, now))
            .collect();
        write_comments(db, rows).await?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    Ok(Outcome {
        posts: posts.len(),
        posts_analysed: stale_posts.len(),
        comments: comments.len(),
        comments_analysed: stale_comments.len(),
    })
}

fn post_row(
    profile_id: Uuid,
    p: &PostText,
    hash: &str,
    a: &Analysis,
    version: i32,
    now: DateTime<Utc>,
) -> post_analysis::ActiveModel {
    let s = stored(a);
    post_analysis::ActiveModel {
        post_id: Set(p.id),
        profile_id: Set(profile_id),
        posted_at: Set(p.posted_at),
        media_type: Set(p.media_type.clone()),
        source: Set(p.source.clone()),
        text_hash: Set(hash.to_string()),
        method_version: Set(version),
        language: Set(s.language),
        language_confidence: Set(s.language_confidence),
        sentiment: Set(s.sentiment),
        sentiment_score: Set(s.sentiment_score),
        sentiment_confidence: Set(s.sentiment_confidence),
        sentiment_method: Set(s.sentiment_method),
        category: Set(s.category),
        category_confidence: Set(s.category_confidence),
        analysis_raw: Set(s.raw),
        analysed_at: Set(now),
    }
}

fn comment_row(
    profile_id: Uuid,
    c: &CommentText,
    hash: &str,
    a: &Analysis,
    version: i32,
    now: DateTime<Utc>,
) -> comment_analysis::ActiveModel {
    let s = stored(a);
    comment_analysis::ActiveModel {
        comment_id: Set(c.id),
        post_id: Set(c.post_id),
        profile_id: Set(profile_id),
        posted_at: Set(c.posted_at),
        source: Set(c.source.clone()),
        text_hash: Set(hash.to_string()),
        method_version: Set(version),
        language: Set(s.language),
        language_confidence: Set(s.language_confidence),
        sentiment: Set(s.sentiment),
        sentiment_score: Set(s.sentiment_score),
        sentiment_confidence: Set(s.sentiment_confidence),
        sentiment_method: Set(s.sentiment_method),
        category: Set(s.category),
        category_confidence: Set(s.category_confidence),
        analysis_raw: Set(s.raw),
        analysed_at: Set(now),
    }
}

/// The result columns both tables share, rewritten on a new analysis.
macro_rules! result_columns {
    ($c:ident) => {
        [
            $c::TextHash,
            $c::MethodVersion,
            $c::Language,
            $c::LanguageConfidence,
            $c::Sentiment,
            $c::SentimentScore,
            $c::SentimentConfidence,
            $c::SentimentMethod,
            $c::Category,
            $c::CategoryConfidence,
            $c::AnalysisRaw,
            $c::AnalysedAt,
        ]
    };
}

/// Inserts `rows`, replacing the row of the same `key` ([`WRITE_BATCH`] rows a statement).
async fn upsert<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    key: <A::Entity as EntityTrait>::Column,
    update: Vec<<A::Entity as EntityTrait>::Column>,
) -> Result<()>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(WRITE_BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .on_conflict(
                OnConflict::column(key)
                    .update_columns(update.iter().copied())
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn write_posts(
    db: &impl ConnectionTrait,
    rows: Vec<post_analysis::ActiveModel>,
) -> Result<()> {
    use post_analysis::Column as C;
    let mut update = vec![C::ProfileId, C::PostedAt, C::MediaType, C::Source];
    update.extend(result_columns!(C));
    upsert(db, rows, C::PostId, update).await
}

async fn write_comments(
    db: &impl ConnectionTrait,
    rows: Vec<comment_analysis::ActiveModel>,
) -> Result<()> {
    use comment_analysis::Column as C;
    let mut update = vec![C::PostId, C::ProfileId, C::PostedAt, C::Source];
    update.extend(result_columns!(C));
    upsert(db, rows, C::CommentId, update).await
}
