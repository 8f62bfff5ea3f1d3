//! A profile's analysis in figures (requirement 004's profile columns): how many of its posts
//! are analysed, the distribution of categories and languages, sentiment (mean score and the
//! count per label, and by month), the primary content category, a content quality score with
//! its formula, and the newest analysis time — each with the sources of the posts behind it.
//! Read from this feature's table alone, grouped by the database.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use platform::Result;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::model::{comment_analysis, post_analysis};

/// How the content quality score is computed (shown with it).
pub const QUALITY_FORMULA: &str = "40 × share of posts with a caption of 20 characters or more \
     + 30 × mean confidence of the detected category (0 when none) \
     + 30 × share of posts whose sentiment is positive or neutral, among those analysed";

/// What the figures read of each analysed post: posted at, sentiment score, category
/// confidence, sentiment label, analysed at, caption characters.
type Row = (
    DateTime<Utc>,
    Option<f64>,
    Option<f64>,
    String,
    DateTime<Utc>,
    i32,
);

#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub key: String,
    pub posts: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SentimentMonth {
    pub month: NaiveDate,
    pub posts: i64,
    pub mean_score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileAnalysis {
    /// Posts with a current analysis.
    pub analysed_posts: i64,
    pub categories: Vec<Share>,
    pub languages: Vec<Share>,
    /// Label → posts (`positive`, `neutral`, `negative`, `not_analysed`).
    pub sentiments: Vec<Share>,
    /// Mean sentiment score over the posts that have one.
    pub mean_sentiment: Option<f64>,
    pub primary_category: Option<String>,
    /// 0–100, [`QUALITY_FORMULA`].
    pub quality_score: Option<f64>,
    /// The last 12 months with posts, oldest first.
    pub sentiment_by_month: Vec<SentimentMonth>,
    pub analysed_at: Option<DateTime<Utc>>,
    /// Sources of the analysed posts (`demo` for demo data).
    pub sources: Vec<String>,
}

/// Rows of `E` of one profile counted per value of `column`, most first (ties by value).
pub(crate) async fn shares<E: EntityTrait>(
    db: &impl ConnectionTrait,
    profile: E::Column,
    profile_id: Uuid,
    column: E::Column,
) -> Result<Vec<Share>> {
    let rows: Vec<(Option<String>, i64)> = E::find()
        .select_only()
        .column(column)
        // COUNT(*), not COUNT(column): the group without a value ("none") counts too.
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .filter(profile.eq(profile_id))
        .group_by(column)
        .order_by(Expr::cust("COUNT(*)"), Order::Desc)
        // Ties in a stable order (a page and the API name the same main category).
        .order_by(column, Order::Asc)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(key, posts)| Share {
            key: key.unwrap_or_else(|| "none".into()),
            posts,
        })
        .collect())
}

/// The analysis of the comments stored on a profile's posts.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentAnalysis {
    pub analysed: i64,
    pub sentiments: Vec<Share>,
    pub languages: Vec<Share>,
    pub mean_sentiment: Option<f64>,
}

pub async fn comments(db: &impl ConnectionTrait, profile_id: Uuid) -> Result<CommentAnalysis> {
    use comment_analysis::{Column as C, Entity as E};
    let sentiments = shares::<E>(db, C::ProfileId, profile_id, C::Sentiment).await?;
    let languages = shares::<E>(db, C::ProfileId, profile_id, C::Language).await?;
    let scores: Vec<Option<f64>> = E::find()
        .select_only()
        .column(C::SentimentScore)
        .filter(C::ProfileId.eq(profile_id))
        .into_tuple()
        .all(db)
        .await?;
    let scored: Vec<f64> = scores.iter().flatten().copied().collect();
    Ok(CommentAnalysis {
        // Counted from the same read as the sentiments (every row has one, "none" included), so
        // the page's total and its breakdown agree while the analysis job is still writing.
        analysed: sentiments.iter().map(|s| s.posts).sum(),
        sentiments,
        languages,
        mean_sentiment: mean(&scored),
    })
}

pub async fn profile(db: &impl ConnectionTrait, profile_id: Uuid) -> Result<ProfileAnalysis> {
    use post_analysis::{Column as C, Entity as E};
    let categories = shares::<E>(db, C::ProfileId, profile_id, C::Category).await?;
    let languages = shares::<E>(db, C::ProfileId, profile_id, C::Language).await?;
    let sentiments = shares::<E>(db, C::ProfileId, profile_id, C::Sentiment).await?;
    let sources: Vec<String> = post_analysis::Entity::find()
        .select_only()
        .column(post_analysis::Column::Source)
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    // One pass over the rows' few numeric columns for the means, the score and the months
    // (a profile's posts: thousands of small rows at most).
    let rows: Vec<Row> = post_analysis::Entity::find()
        .select_only()
        .columns([
            post_analysis::Column::PostedAt,
            post_analysis::Column::SentimentScore,
            post_analysis::Column::CategoryConfidence,
            post_analysis::Column::Sentiment,
            post_analysis::Column::AnalysedAt,
            post_analysis::Column::TextChars,
        ])
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .into_tuple()
        .all(db)
        .await?;
    let analysed_posts = rows.len() as i64;
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.1).collect();
    let mean_sentiment = mean(&scores);
    let analysed_at = rows.iter().map(|r| r.4).max();
    let primary_category = categories
        .iter()
        .find(|c| c.key != "none")
        .map(|c| c.key.clone());
    let sentiment_by_month = by_month(&rows);
    let quality_score = quality(&rows);
    Ok(ProfileAnalysis {
        analysed_posts,
        categories,
        languages,
        sentiments,
        mean_sentiment,
        primary_category,
        quality_score,
        sentiment_by_month,
        analysed_at,
        sources,
    })
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn by_month(rows: &[Row]) -> Vec<SentimentMonth> {
    let mut months: std::collections::BTreeMap<NaiveDate, (i64, Vec<f64>)> = Default::default();
    for r in rows {
        let d = r.0.date_naive();
        let Some(month) = NaiveDate::from_ymd_opt(d.year(), d.month(), 1) else {
            continue;
        };
        let e = months.entry(month).or_default();
        e.0 += 1;
        if let Some(s) = r.1 {
            e.1.push(s);
        }
    }
    let n = months.len();
    months
        .into_iter()
        .skip(n.saturating_sub(12))
        .map(|(month, (posts, scores))| SentimentMonth {
            month,
            posts,
            mean_score: mean(&scores),
        })
        .collect()
}

/// [`QUALITY_FORMULA`] over the analysed posts.
fn quality(rows: &[Row]) -> Option<f64> {
    if rows.is_empty() {
        return None;
    }
    let n = rows.len() as f64;
    let with_caption = rows.iter().filter(|r| r.5 >= 20).count() as f64 / n;
    let category = rows.iter().map(|r| r.2.unwrap_or(0.0)).sum::<f64>() / n;
    let sentiment_rows: Vec<&str> = rows
        .iter()
        .map(|r| r.3.as_str())
        .filter(|s| *s != "not_analysed")
        .collect();
    let kind = if sentiment_rows.is_empty() {
        0.0
    } else {
        sentiment_rows.iter().filter(|s| **s != "negative").count() as f64
            / sentiment_rows.len() as f64
    };
    Some(((40.0 * with_caption + 30.0 * category + 30.0 * kind) * 10.0).round() / 10.0)
}

/// A post's stored analysis, for the per-post list.
pub async fn recent_posts(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
    limit: u64,
) -> Result<Vec<post_analysis::Model>> {
    Ok(post_analysis::Entity::find()
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .order_by_desc(post_analysis::Column::PostedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// One page of a profile's analysed posts, newest first, and how many there are.
pub async fn posts_page(
    db: &impl ConnectionTrait,
    profile_id: Uuid,
    page: u64,
    per_page: u64,
) -> Result<(Vec<post_analysis::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let query = post_analysis::Entity::find()
        .filter(post_analysis::Column::ProfileId.eq(profile_id))
        .order_by_desc(post_analysis::Column::PostedAt)
        .order_by_asc(post_analysis::Column::PostId);
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}
