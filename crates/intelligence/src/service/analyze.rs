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
use instagram::service::subject::Subject;
use instagram::service::texts::{self, CommentText, PostText};
use platform::{AppState, Ctx, Permission, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryFilter,
    QuerySelect, Set, sea_query::OnConflict,
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

/// "Analyse now" by a member who may write: queues the analysis of the subject's profile, with
/// live progress for the caller's workspace; `None` when one is already waiting.
pub async fn request(state: &AppState, ctx: &Ctx, subject: &Subject) -> Result<Option<Uuid>> {
    ctx.require(Permission::WorkspaceWrite)?;
    crate::jobs::AnalyzeProfile::enqueue(&state.db, subject.profile().id, Some(ctx.workspace_id()?))
        .await
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
    let known_posts = {
        use post_analysis::Column as C;
        known::<post_analysis::Entity>(
            db,
            C::ProfileId,
            profile_id,
            [C::PostId, C::TextHash, C::MethodVersion],
        )
        .await?
    };
    let known_comments = {
        use comment_analysis::Column as C;
        known::<comment_analysis::Entity>(
            db,
            C::ProfileId,
            profile_id,
            [C::CommentId, C::TextHash, C::MethodVersion],
        )
        .await?
    };
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
    let mut report = |n: usize| {
        done += n as u64;
        progress(done, total);
    };
    report(0);
    analyze_and_store(
        db,
        &stale_posts,
        |p| p.caption.clone().unwrap_or_default(),
        |p, hash, a, now| post_row(profile_id, p, hash, a, version, now),
        post_analysis::Column::PostId,
        &mut report,
    )
    .await?;
    analyze_and_store(
        db,
        &stale_comments,
        |c| c.text.clone(),
        |c, hash, a, now| comment_row(profile_id, c, hash, a, version, now),
        comment_analysis::Column::CommentId,
        &mut report,
    )
    .await?;
    Ok(Outcome {
        posts: posts.len(),
        posts_analysed: stale_posts.len(),
        comments: comments.len(),
        comments_analysed: stale_comments.len(),
    })
}

/// Characters of the trimmed text, as stored.
fn chars(text: &str) -> i32 {
    i32::try_from(text.trim().chars().count()).unwrap_or(i32::MAX)
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
        text_chars: Set(chars(p.caption.as_deref().unwrap_or(""))),
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
        text_chars: Set(chars(&c.text)),
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

/// What a table holds of one profile's results: id → (text hash, method version); `columns`
/// names the id, hash and version columns.
async fn known<E: EntityTrait>(
    db: &impl ConnectionTrait,
    profile: E::Column,
    profile_id: Uuid,
    columns: [E::Column; 3],
) -> Result<HashMap<Uuid, (String, i32)>> {
    Ok(E::find()
        .select_only()
        .columns(columns)
        .filter(profile.eq(profile_id))
        .into_tuple::<(Uuid, String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, hash, version)| (id, (hash, version)))
        .collect())
}

/// Analyses `items` (each with its text's hash) [`CHUNK`] at a time and stores each result as
/// the row `row` makes, replacing the row of the same `key`; reports each chunk done.
async fn analyze_and_store<T, A>(
    db: &impl ConnectionTrait,
    items: &[(T, String)],
    text: impl Fn(&T) -> String,
    row: impl Fn(&T, &str, &Analysis, DateTime<Utc>) -> A,
    key: <A::Entity as EntityTrait>::Column,
    report: &mut impl FnMut(usize),
) -> Result<()>
where
    A: ActiveModelTrait + Send,
{
    for chunk in items.chunks(CHUNK) {
        let results = engine::analyze(chunk.iter().map(|(t, _)| text(t)).collect()).await?;
        let now = Utc::now();
        let rows = chunk
            .iter()
            .zip(&results)
            .map(|((t, hash), a)| row(t, hash, a, now))
            .collect();
        upsert(db, rows, key).await?;
        report(chunk.len());
    }
    Ok(())
}

/// Inserts `rows`, replacing every other column of the row with the same `key` ([`WRITE_BATCH`]
/// rows a statement).
async fn upsert<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    key: <A::Entity as EntityTrait>::Column,
) -> Result<()>
where
    A: ActiveModelTrait + Send,
{
    let update: Vec<_> = <<A::Entity as EntityTrait>::Column as Iterable>::iter()
        .filter(|c| c.as_str() != key.as_str())
        .collect();
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

/// The stored analyses of these posts (posts not analysed yet are left out): for features
/// that summarise a profile's content (discovery's category and language mix).
pub async fn of_posts(
    conn: &impl ConnectionTrait,
    post_ids: &[Uuid],
) -> Result<Vec<post_analysis::Model>> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(post_analysis::Entity::find()
        .filter(post_analysis::Column::PostId.is_in(post_ids.iter().copied()))
        .all(conn)
        .await?)
}
