//! `/api/v1/instagram/{accounts|tracked}/{id}/analysis`: a profile's post analysis — its
//! figures and the newest posts' labels with their evidence (GET, workspace read), and
//! "analyse now" (POST, workspace write; 202 with the job). An account or tracked profile of
//! another workspace is not found.

pub mod ab_tests;
pub mod content;
pub mod dm_templates;
pub mod planner;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result,
    error::Problem,
    http::extract::{Json, PageNumber, PageSize, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::post_analysis,
    service::{
        analyze,
        summary::{self, QUALITY_FORMULA},
    },
};

/// Posts listed with their labels.
const RECENT_POSTS: u64 = 20;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(account_analysis, analyze_account))
        .routes(routes!(tracked_analysis, analyze_tracked))
        .routes(routes!(account_posts))
        .routes(routes!(tracked_posts))
}

/// A value and the posts behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisShare {
    /// A category, a language code or a sentiment label; `none` when nothing was detected.
    pub key: String,
    pub posts: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisMonth {
    /// The first day of the month.
    pub month: NaiveDate,
    pub posts: i64,
    /// Mean sentiment score (−1…1) of the month's posts that have one.
    pub mean_score: Option<f64>,
}

/// One post's analysis.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostAnalysisOut {
    pub post_id: Uuid,
    pub posted_at: DateTime<Utc>,
    pub language: Option<String>,
    pub language_confidence: Option<f64>,
    /// `positive`, `neutral`, `negative` or `not_analysed`.
    pub sentiment: String,
    pub sentiment_score: Option<f64>,
    pub sentiment_confidence: Option<f64>,
    /// `vader_en` or `emoji`; `null` when not analysed.
    pub sentiment_method: Option<String>,
    /// Why there is no sentiment, when there is none.
    pub sentiment_reason: Option<String>,
    pub category: Option<String>,
    pub category_confidence: Option<f64>,
    /// The hashtags and words the category was matched on.
    pub evidence: Vec<String>,
    /// The post's source (`graph`, `apify`, `demo`).
    pub source: String,
    pub analysed_at: DateTime<Utc>,
}

impl From<post_analysis::Model> for PostAnalysisOut {
    fn from(m: post_analysis::Model) -> Self {
        let evidence = m.evidence();
        let sentiment_reason = m.sentiment_reason();
        PostAnalysisOut {
            post_id: m.post_id,
            posted_at: m.posted_at,
            language: m.language,
            language_confidence: m.language_confidence,
            sentiment: m.sentiment,
            sentiment_score: m.sentiment_score,
            sentiment_confidence: m.sentiment_confidence,
            sentiment_method: m.sentiment_method,
            sentiment_reason,
            category: m.category,
            category_confidence: m.category_confidence,
            evidence,
            source: m.source,
            analysed_at: m.analysed_at,
        }
    }
}

/// The methods that produced the figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisMethods {
    pub version: u32,
    pub language: String,
    pub sentiment: String,
    pub category: String,
    /// How `quality_score` is computed.
    pub quality_formula: String,
}

/// The analysis of the comments stored on a profile's posts.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentsAnalysisOut {
    pub analysed: i64,
    pub sentiments: Vec<AnalysisShare>,
    pub languages: Vec<AnalysisShare>,
    pub mean_sentiment: Option<f64>,
}

/// A profile's post analysis.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileAnalysisOut {
    pub profile_id: Uuid,
    pub username: String,
    pub analysed_posts: i64,
    pub categories: Vec<AnalysisShare>,
    pub languages: Vec<AnalysisShare>,
    pub sentiments: Vec<AnalysisShare>,
    pub mean_sentiment: Option<f64>,
    /// The most frequent category.
    pub primary_category: Option<String>,
    /// 0–100; see `methods.quality_formula`.
    pub quality_score: Option<f64>,
    pub sentiment_by_month: Vec<AnalysisMonth>,
    /// The newest analysis.
    pub analysed_at: Option<DateTime<Utc>>,
    /// Sources of the analysed posts (`demo` for demo data).
    pub sources: Vec<String>,
    pub methods: AnalysisMethods,
    /// The newest posts with their labels and evidence.
    pub recent_posts: Vec<PostAnalysisOut>,
    /// The stored comments' analysis.
    pub comments: CommentsAnalysisOut,
}

async fn out(state: &AppState, subject: Subject) -> Result<ProfileAnalysisOut> {
    let profile = subject.profile();
    let s = summary::profile(&state.db, profile.id).await?;
    let recent = summary::recent_posts(&state.db, profile.id, RECENT_POSTS).await?;
    let comments = summary::comments(&state.db, profile.id).await?;
    let share = |v: Vec<summary::Share>| -> Vec<AnalysisShare> {
        v.into_iter()
            .map(|s| AnalysisShare {
                key: s.key,
                posts: s.posts,
            })
            .collect()
    };
    Ok(ProfileAnalysisOut {
        profile_id: profile.id,
        username: profile.username.clone(),
        analysed_posts: s.analysed_posts,
        categories: share(s.categories),
        languages: share(s.languages),
        sentiments: share(s.sentiments),
        mean_sentiment: s.mean_sentiment,
        primary_category: s.primary_category,
        quality_score: s.quality_score,
        sentiment_by_month: s
            .sentiment_by_month
            .into_iter()
            .map(|m| AnalysisMonth {
                month: m.month,
                posts: m.posts,
                mean_score: m.mean_score,
            })
            .collect(),
        analysed_at: s.analysed_at,
        sources: s.sources,
        methods: AnalysisMethods {
            version: analysis::METHOD.version,
            language: analysis::METHOD.language.to_string(),
            sentiment: analysis::METHOD.sentiment.to_string(),
            category: analysis::METHOD.category.to_string(),
            quality_formula: QUALITY_FORMULA.to_string(),
        },
        recent_posts: recent.into_iter().map(Into::into).collect(),
        comments: CommentsAnalysisOut {
            analysed: comments.analysed,
            sentiments: share(comments.sentiments),
            languages: share(comments.languages),
            mean_sentiment: comments.mean_sentiment,
        },
    })
}

/// The job queued by "analyse now".
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisQueued {
    /// The analysis job (its progress streams as `job.progress` live events), or `null` when
    /// one was already waiting.
    pub job_id: Option<Uuid>,
}

async fn queue(state: &AppState, ctx: &Ctx, subject: Subject) -> Result<Response> {
    let job_id = analyze::request(state, ctx, &subject).await?;
    Ok((StatusCode::ACCEPTED, Json(AnalysisQueued { job_id })).into_response())
}

/// An own account's post analysis.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/analysis", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProfileAnalysisOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ProfileAnalysisOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(out(&state, subject).await?))
}

/// Analyse an own account's posts now (the stale ones: new, edited, or analysed by an older
/// method).
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/analysis", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 202, body = AnalysisQueued), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn analyze_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    queue(&state, &ctx, subject).await
}

/// A tracked profile's post analysis.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/analysis", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProfileAnalysisOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ProfileAnalysisOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(out(&state, subject).await?))
}

/// Analyse a tracked profile's posts now.
#[utoipa::path(post, path = "/api/v1/instagram/tracked/{id}/analysis", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 202, body = AnalysisQueued), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn analyze_tracked(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    queue(&state, &ctx, subject).await
}

/// Which page of analysed posts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PostsQuery {
    /// Page number (1–1,000,000, default 1); past the last page the list is empty.
    #[param(inline, nullable = false)]
    pub page: Option<PageNumber>,
    /// Posts a page (1–200, default 50).
    #[param(inline, nullable = false)]
    pub per_page: Option<PageSize>,
}

/// A page of a profile's analysed posts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostAnalysisPage {
    pub items: Vec<PostAnalysisOut>,
    /// Analysed posts in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

async fn posts(state: &AppState, subject: Subject, q: PostsQuery) -> Result<PostAnalysisPage> {
    let page = PageNumber::or(q.page, 1);
    let per_page = PageSize::or(q.per_page, 50);
    let (rows, total) =
        summary::posts_page(&state.db, subject.profile().id, page, per_page).await?;
    Ok(PostAnalysisPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page,
        per_page,
    })
}

/// An own account's analysed posts, each with its labels and evidence.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/analysis/posts", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), PostsQuery),
    responses((status = 200, body = PostAnalysisPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn account_posts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PostsQuery>,
) -> Result<Json<PostAnalysisPage>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(posts(&state, subject, q).await?))
}

/// A tracked profile's analysed posts, each with its labels and evidence.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/analysis/posts", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), PostsQuery),
    responses((status = 200, body = PostAnalysisPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tracked_posts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PostsQuery>,
) -> Result<Json<PostAnalysisPage>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(posts(&state, subject, q).await?))
}
