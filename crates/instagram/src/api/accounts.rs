//! `/api/v1/instagram/accounts`: the workspace's accounts (list, add by username, detail,
//! remove, refresh now). Every figure carries its source and when it was fetched.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use platform::http::extract::{Path, Query};
use platform::{AppState, Ctx, Error, Result, error::Problem, http::extract::Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    media::{self, MediaPaths},
    service::{
        accounts::{self, AccountCard, RefreshRequest},
        period::Period,
        views::{self, ENGAGEMENT_DEFINITION},
    },
};

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub id: Uuid,
    pub username: String,
    pub full_name: Option<String>,
    /// `instagram_login`, `manual` or `demo`.
    pub kind: String,
    /// `active` or `reconnect_needed`.
    pub status: String,
    pub followers_count: Option<i64>,
    pub follows_count: Option<i64>,
    pub media_count: Option<i64>,
    /// Where the figures came from: `graph`, `apify`, `demo` or `manual`.
    pub source: String,
    /// When they were fetched (`null`: not yet).
    pub fetched_at: Option<DateTime<Utc>>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    pub last_refresh_error: Option<String>,
    pub next_refresh_at: Option<DateTime<Utc>>,
    /// The profile picture through this server's media proxy (`/media/{id}`, relative to the
    /// server); never the Instagram CDN URL.
    pub picture_url: Option<String>,
}

impl AccountOut {
    /// `media` holds the proxied paths of the cards' pictures.
    fn new(c: AccountCard, media: &MediaPaths) -> Self {
        Self {
            picture_url: media.get(c.profile.picture_url.as_deref()),
            id: c.account.id,
            username: c.profile.username,
            full_name: c.profile.full_name,
            kind: c.account.kind,
            status: c.account.status,
            followers_count: c.profile.followers_count,
            follows_count: c.profile.follows_count,
            media_count: c.profile.media_count,
            source: c.profile.source,
            fetched_at: c.profile.fetched_at,
            last_refresh_at: c.profile.last_refresh_at,
            last_refresh_error: c.profile.last_refresh_error,
            next_refresh_at: c.profile.next_refresh_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountOut>,
}

/// The workspace's Instagram accounts.
#[utoipa::path(get, path = "/api/v1/instagram/accounts", tag = "instagram", security(("bearer" = [])),
    responses((status = 200, body = AccountList), (status = 401, body = Problem)))]
pub async fn list_accounts(State(state): State<AppState>, ctx: Ctx) -> Result<Json<AccountList>> {
    let cards = accounts::list(&state, &ctx).await?;
    let pictures: Vec<&str> = cards
        .iter()
        .filter_map(|c| c.profile.picture_url.as_deref())
        .collect();
    let media = media::proxied_all(&state.db, &state.config, pictures).await?;
    let items = cards
        .into_iter()
        .map(|c| AccountOut::new(c, &media))
        .collect();
    Ok(Json(AccountList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAccount {
    /// The Instagram username (with or without `@`): 1–30 letters, digits, `.` and `_`, no
    /// `.` at either end, no `..`.
    pub username: String,
    /// `true`: a demo account (generated data, labelled `demo`). Default: real public data,
    /// which needs the server's public data source (503 `source-not-configured` without one).
    /// A demo username (`demo.…`, `demo_…`) is always a demo account.
    #[serde(default)]
    pub demo: bool,
}

/// Add an account by username; its first refresh is queued at once.
#[utoipa::path(post, path = "/api/v1/instagram/accounts", tag = "instagram", security(("bearer" = [])), request_body = AddAccount,
    responses((status = 201, body = AccountOut), (status = 422, body = Problem), (status = 403, body = Problem),
        (status = 503, body = Problem, description = "`source-not-configured`: real data was asked for and this server has no public data source; nothing was stored (send `demo: true` for a demo account)")))]
pub async fn add_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<AddAccount>,
) -> Result<Response> {
    let card = accounts::add_by_username(&state, &ctx, &req.username, req.demo).await?;
    let picture = card.profile.picture_url.as_deref();
    let media = media::proxied_all(&state.db, &state.config, picture).await?;
    Ok((StatusCode::CREATED, Json(AccountOut::new(card, &media))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct PostOut {
    pub id: Uuid,
    pub permalink: Option<String>,
    pub caption: Option<String>,
    pub media_type: String,
    pub posted_at: DateTime<Utc>,
    pub like_count: Option<i64>,
    pub comments_count: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    /// In %, as defined in `engagement_definition`.
    pub engagement_rate: Option<f64>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
    /// The post's image (a video's cover) through the media proxy (`/media/{id}`).
    pub thumbnail_url: Option<String>,
    /// The post's image through the media proxy; `null` for videos (the proxy serves images
    /// only: use `thumbnail_url`).
    pub media_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DayValue {
    pub day: NaiveDate,
    pub value: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AccountDetailOut {
    #[serde(flatten)]
    pub account: AccountOut,
    /// The range the figures below cover: the last `days` days, today included (UTC).
    pub days: u16,
    /// Follower snapshots of the range (one per day a refresh ran).
    pub followers_history: Vec<DayValue>,
    /// The range's engagement rate, in %, as defined in `engagement_definition`.
    pub average_engagement_rate: Option<f64>,
    pub engagement_definition: &'static str,
    /// Posts per week of the range (weeks start on Monday).
    pub posts_per_week: Vec<DayValue>,
    /// The newest posts (up to 120), whatever the range.
    pub posts: Vec<PostOut>,
}

fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct RangeParams {
    /// 7, 30 (the default), 90 or 365.
    pub days: Option<String>,
}

/// Posts the detail lists.
const RECENT_POSTS: u64 = 120;

/// One account: follower history, engagement, posting frequency over a range; recent posts.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}", tag = "instagram", security(("bearer" = [])), params(("id" = Uuid, Path), RangeParams),
    responses((status = 200, body = AccountDetailOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(range): Query<RangeParams>,
) -> Result<Json<AccountDetailOut>> {
    let period = Period::parse(range.days.as_deref())?;
    let d = views::account_detail(&state, &ctx, parse_id(&id)?, period).await?;
    let posts = views::recent_posts(&state, &d, RECENT_POSTS).await?;
    let profile = d.subject.profile();
    let urls: Vec<&str> = std::iter::once(profile.picture_url.as_deref())
        .chain(
            posts
                .iter()
                .flat_map(|v| [v.post.thumbnail_url.as_deref(), post_image(&v.post)]),
        )
        .flatten()
        .collect();
    let media = media::proxied_all(&state.db, &state.config, urls).await?;
    let f = &d.figures;
    let first = f.first_day();
    let weeks = f.posts_by(crate::service::period::Bucket::Week);
    let card = match &d.subject {
        crate::service::subject::Subject::Account(c) => (**c).clone(),
        crate::service::subject::Subject::Tracked(_) => return Err(Error::NotFound),
    };
    Ok(Json(AccountDetailOut {
        days: period.days(),
        followers_history: f
            .followers
            .days()
            .iter()
            .filter(|(day, _)| *day >= first)
            .map(|(day, v)| DayValue {
                day: *day,
                value: *v,
            })
            .collect(),
        average_engagement_rate: f.engagement_rate(),
        engagement_definition: ENGAGEMENT_DEFINITION,
        posts_per_week: weeks
            .into_iter()
            .map(|(day, n)| DayValue { day, value: n })
            .collect(),
        posts: posts
            .into_iter()
            .map(|v| PostOut {
                thumbnail_url: media.get(v.post.thumbnail_url.as_deref()),
                media_url: media.get(post_image(&v.post)),
                id: v.post.id,
                // No instagram.com link for a demo post (rows stored before that rule may
                // hold one).
                permalink: v.post.permalink.filter(|_| v.post.source != "demo"),
                caption: v.post.caption,
                media_type: v.post.media_type,
                posted_at: v.post.posted_at,
                like_count: v.post.like_count,
                comments_count: v.post.comments_count,
                saves: v.saves,
                shares: v.shares,
                reach: v.reach,
                engagement_rate: v.engagement,
                source: v.post.source,
                fetched_at: v.post.fetched_at,
            })
            .collect(),
        account: AccountOut::new(card, &media),
    }))
}

/// The post's media URL when it is an image (a video's URL is never proxied).
fn post_image(post: &crate::model::post::Model) -> Option<&str> {
    (post.media_type != "VIDEO")
        .then_some(post.media_url.as_deref())
        .flatten()
}

/// Remove an account from the workspace (its public history stays in the shared cache).
#[utoipa::path(delete, path = "/api/v1/instagram/accounts/{id}", tag = "instagram", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn remove_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    accounts::remove(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RefreshQueued {
    /// The refresh job (its progress streams as `job.progress` live events), or `null` when one
    /// was already waiting.
    pub job_id: Option<Uuid>,
}

/// Refresh an account now (at most once every 5 minutes; 429 with `Retry-After` otherwise).
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/refresh", tag = "instagram", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 202, body = RefreshQueued), (status = 404, body = Problem), (status = 429, body = Problem)))]
pub async fn refresh_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let job_id = match accounts::request_refresh(&state, &ctx, parse_id(&id)?).await? {
        RefreshRequest::Queued(id) => Some(id),
        RefreshRequest::AlreadyQueued => None,
    };
    Ok((StatusCode::ACCEPTED, Json(RefreshQueued { job_id })).into_response())
}
