//! The brand's review of a proposal through a share link, with no sign-in: the page
//! `/p/{token}` (a standalone layout without the app's navigation, usable at 390 px) and the
//! API `/api/v1/proposal-reviews/{token}…`. The token reaches one version of one proposal and
//! nothing else; an expired or revoked link is answered 410 with what to do, an unknown one 404.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, Result,
    error::Problem,
    http::{
        extract::{Form, Json, Path},
        meta,
    },
    openapi::ApiRouter,
    web::{
        format::number,
        forms::{FormErrors, fmt_time},
        pages::{PageRoutes, get},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use super::money;
use crate::service::proposals::sharing::{self, COMMENT_MAX, REVIEWER_NAME_MAX, Review};
use crate::web::api::{DiscoveryCreatorCard, card, pictures};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(read))
        .routes(routes!(decide))
        .routes(routes!(comment))
}

/// Adds the review page to `routes`.
pub fn pages(routes: PageRoutes) -> PageRoutes {
    routes.route("/p/{token}", get(page).post(act))
}

/// An expired or revoked link: 410 with the reason, as a problem or a page.
fn gone(e: Error) -> Response {
    let Error::InvalidLink(message) = e else {
        return e.into_response();
    };
    let m = meta::current();
    if m.wants_html {
        let page = GonePage {
            assets: platform::web::assets::assets(),
            message,
        };
        return (StatusCode::GONE, platform::web::render(&page)).into_response();
    }
    let problem = Problem {
        kind: "/problems/link-gone".into(),
        title: "Link no longer valid".into(),
        status: 410,
        detail: message,
        request_id: m.request_id,
        errors: Vec::new(),
    };
    let mut response = (StatusCode::GONE, axum::Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

// ---- API --------------------------------------------------------------------------------------

/// A reviewer's decision on one creator.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryReviewDecision {
    /// `approved` or `rejected`.
    pub decision: String,
    pub reviewer_name: String,
    pub decided_at: DateTime<Utc>,
}

/// A creator as the brand reviews them: the proposed terms and the public card.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryReviewCreator {
    pub profile_id: Uuid,
    pub username: String,
    pub deliverables: String,
    /// Minor units of the proposal's currency.
    pub fee_minor: i64,
    /// The public profile (`null` if it is no longer known).
    pub card: Option<DiscoveryCreatorCard>,
    /// This link's decision, if any.
    pub decision: Option<DiscoveryReviewDecision>,
}

/// A reviewer's comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryReviewComment {
    pub profile_id: Option<Uuid>,
    pub reviewer_name: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// What a review link shows: one version of one proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalReview {
    pub title: String,
    pub brand: String,
    pub message: String,
    pub currency: String,
    pub version: i32,
    pub total_fee_minor: i64,
    pub expires_at: DateTime<Utc>,
    pub creators: Vec<DiscoveryReviewCreator>,
    pub comments: Vec<DiscoveryReviewComment>,
}

async fn answer(state: &AppState, r: &Review) -> Result<DiscoveryProposalReview> {
    let shown: Vec<_> = r.creators.values().collect();
    let pics = pictures(state, &shown).await?;
    Ok(DiscoveryProposalReview {
        title: r.snapshot.title.clone(),
        brand: r.snapshot.brand.clone(),
        message: r.snapshot.message.clone(),
        currency: r.snapshot.currency.clone(),
        version: r.link.version,
        total_fee_minor: r.snapshot.total_fee(),
        expires_at: r.link.expires_at,
        creators: r
            .snapshot
            .creators
            .iter()
            .map(|c| DiscoveryReviewCreator {
                profile_id: c.profile_id,
                username: c.username.clone(),
                deliverables: c.deliverables.clone(),
                fee_minor: c.fee_minor,
                card: r.creators.get(&c.profile_id).map(|m| card(m, &pics)),
                decision: r
                    .decisions
                    .get(&c.profile_id)
                    .map(|d| DiscoveryReviewDecision {
                        decision: d.decision.clone(),
                        reviewer_name: d.reviewer_name.clone(),
                        decided_at: d.decided_at,
                    }),
            })
            .collect(),
        comments: r
            .comments
            .iter()
            .map(|c| DiscoveryReviewComment {
                profile_id: c.profile_id,
                reviewer_name: c.reviewer_name.clone(),
                comment: c.body.clone(),
                created_at: c.created_at,
            })
            .collect(),
    })
}

/// The proposal a review link shows (no authentication: the token in the path is the
/// credential). 410 when the link expired or was revoked.
#[utoipa::path(get, path = "/api/v1/proposal-reviews/{token}", tag = "discovery", security(()),
    params(("token" = String, Path, description = "The token of the review link")),
    responses((status = 200, body = DiscoveryProposalReview), (status = 404, body = Problem),
        (status = 410, body = Problem)))]
pub async fn read(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match sharing::review(&state.db, &token).await {
        Ok(r) => match answer(&state, &r).await {
            Ok(out) => Json(out).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => gone(e),
    }
}

/// A reviewer's decision: `approved` or `rejected`, with their name (≤ 100 characters).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryReviewDecisionIn {
    pub profile_id: Uuid,
    pub decision: String,
    pub name: String,
}

/// Approve or reject one creator of the proposal (no authentication; replaces this link's
/// earlier decision on that creator).
#[utoipa::path(post, path = "/api/v1/proposal-reviews/{token}/decisions", tag = "discovery", security(()),
    params(("token" = String, Path, description = "The token of the review link")),
    request_body = DiscoveryReviewDecisionIn,
    responses((status = 200, body = DiscoveryReviewDecision), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<DiscoveryReviewDecisionIn>,
) -> Response {
    match sharing::decide(
        &state.db,
        &token,
        body.profile_id,
        &body.decision,
        &body.name,
    )
    .await
    {
        Ok(d) => Json(DiscoveryReviewDecision {
            decision: d.decision,
            reviewer_name: d.reviewer_name,
            decided_at: d.decided_at,
        })
        .into_response(),
        Err(e) => gone(e),
    }
}

/// A reviewer's comment (≤ 2,000 characters), on a creator when `profile_id` is given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryReviewCommentIn {
    #[serde(default)]
    pub profile_id: Option<Uuid>,
    pub name: String,
    pub comment: String,
}

/// Comment on the proposal (no authentication; at most 30 an hour and 500 in all per link).
#[utoipa::path(post, path = "/api/v1/proposal-reviews/{token}/comments", tag = "discovery", security(()),
    params(("token" = String, Path, description = "The token of the review link")),
    request_body = DiscoveryReviewCommentIn,
    responses((status = 201, body = DiscoveryReviewComment), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem)))]
pub async fn comment(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<DiscoveryReviewCommentIn>,
) -> Response {
    match sharing::comment(
        &state.db,
        &token,
        body.profile_id,
        &body.name,
        &body.comment,
    )
    .await
    {
        Ok(c) => (
            StatusCode::CREATED,
            Json(DiscoveryReviewComment {
                profile_id: c.profile_id,
                reviewer_name: c.reviewer_name,
                comment: c.body,
                created_at: c.created_at,
            }),
        )
            .into_response(),
        Err(e) => gone(e),
    }
}

// ---- the page ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "discovery/proposals/gone.html")]
struct GonePage {
    assets: &'static platform::web::shell::Assets,
    message: String,
}

struct CreatorRow {
    profile_id: String,
    username: String,
    full_name: String,
    picture: String,
    followers: String,
    engagement: &'static str,
    categories: String,
    source: String,
    fetched: String,
    demo: bool,
    deliverables: String,
    fee: String,
    /// `approved`, `rejected` or "".
    decision: String,
    decided_by: String,
}

struct CommentRow {
    name: String,
    about: String,
    body: String,
    at: String,
}

#[derive(Template)]
#[template(path = "discovery/proposals/review.html")]
struct ReviewPage {
    assets: &'static platform::web::shell::Assets,
    token: String,
    title: String,
    brand: String,
    message: String,
    total: String,
    expires: String,
    creators: Vec<CreatorRow>,
    comments: Vec<CommentRow>,
    /// What the reviewer typed last (kept after a refusal, and as the name for the next action).
    name: String,
    comment: String,
    errors: FormErrors,
    notice: String,
    name_max: usize,
    comment_max: usize,
}

async fn render(
    state: &AppState,
    token: &str,
    r: &Review,
    typed: &ReviewForm,
    errors: FormErrors,
    notice: &str,
) -> Result<Response> {
    let shown: Vec<_> = r.creators.values().collect();
    let pics = pictures(state, &shown).await?;
    let currency = r.snapshot.currency.as_str();
    let usernames: std::collections::HashMap<Uuid, String> = r
        .snapshot
        .creators
        .iter()
        .map(|c| (c.profile_id, c.username.clone()))
        .collect();
    let creators = r
        .snapshot
        .creators
        .iter()
        .map(|c| {
            let m = r.creators.get(&c.profile_id);
            let d = r.decisions.get(&c.profile_id);
            CreatorRow {
                profile_id: c.profile_id.to_string(),
                username: c.username.clone(),
                full_name: m.and_then(|m| m.full_name.clone()).unwrap_or_default(),
                picture: m
                    .and_then(|m| pics.get(m.picture_url.as_deref()))
                    .unwrap_or_default(),
                followers: m.map(|m| number(m.followers)).unwrap_or_else(|| "—".into()),
                engagement: crate::web::api::band_word(m.and_then(|m| m.engagement_rate)),
                categories: m
                    .map(|m| crate::web::api::top_categories(&m.categories).join(", "))
                    .unwrap_or_default(),
                source: m
                    .and_then(|m| instagram::Source::parse(&m.source))
                    .map(|s| s.label().to_string())
                    .unwrap_or_else(|| "Unknown source".into()),
                fetched: m
                    .and_then(|m| m.fetched_at.as_ref().map(fmt_time))
                    .unwrap_or_else(|| "an unknown time".into()),
                demo: m.is_some_and(|m| m.pool == "demo" || m.source == "demo"),
                deliverables: c.deliverables.clone(),
                fee: money(c.fee_minor, currency),
                decision: d.map(|d| d.decision.clone()).unwrap_or_default(),
                decided_by: d.map(|d| d.reviewer_name.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let comments = r
        .comments
        .iter()
        .map(|c| CommentRow {
            name: c.reviewer_name.clone(),
            about: c
                .profile_id
                .and_then(|p| usernames.get(&p))
                .map(|u| format!("@{u}"))
                .unwrap_or_default(),
            body: c.body.clone(),
            at: fmt_time(&c.created_at),
        })
        .collect();
    let page = ReviewPage {
        assets: platform::web::assets::assets(),
        token: token.to_string(),
        title: r.snapshot.title.clone(),
        brand: r.snapshot.brand.clone(),
        message: r.snapshot.message.clone(),
        total: money(r.snapshot.total_fee(), currency),
        expires: fmt_time(&r.link.expires_at),
        creators,
        comments,
        name: typed.name.clone(),
        comment: typed.comment.clone(),
        notice: notice.to_string(),
        name_max: REVIEWER_NAME_MAX,
        comment_max: COMMENT_MAX,
        errors,
    };
    let status = page.errors.answer.status;
    Ok((status, platform::web::render(&page)).into_response())
}

async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let r = match sharing::review(&state.db, &token).await {
        Ok(r) => r,
        Err(e) => return gone(e),
    };
    render(
        &state,
        &token,
        &r,
        &ReviewForm::default(),
        FormErrors::default(),
        "",
    )
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// The review page's forms: a decision (`decision` + `profile_id`) or a comment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    name: String,
    decision: String,
    profile_id: String,
    comment: String,
}

async fn act(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let profile_id = Uuid::parse_str(form.profile_id.trim()).ok();
    let outcome = if !form.decision.is_empty() {
        match profile_id {
            Some(pid) => sharing::decide(&state.db, &token, pid, &form.decision, &form.name)
                .await
                .map(|d| {
                    if d.decision == "approved" {
                        "Approved. Thank you!"
                    } else {
                        "Rejected. Thank you!"
                    }
                }),
            None => Err(Error::validation(
                "profile_id",
                "This creator is not on the proposal you are reviewing",
            )),
        }
    } else {
        sharing::comment(&state.db, &token, profile_id, &form.name, &form.comment)
            .await
            .map(|_| "Your comment was sent to the agency.")
    };
    let (typed, errors, notice) = match outcome {
        Ok(notice) => (
            ReviewForm {
                name: form.name.trim().to_string(),
                ..ReviewForm::default()
            },
            FormErrors::default(),
            notice,
        ),
        Err(e @ Error::InvalidLink(_)) | Err(e @ Error::NotFound) => return gone(e),
        Err(e) => match FormErrors::from_error(e) {
            Ok(errors) => (form, errors, ""),
            Err(other) => return other.into_response(),
        },
    };
    let r = match sharing::review(&state.db, &token).await {
        Ok(r) => r,
        Err(e) => return gone(e),
    };
    render(&state, &token, &r, &typed, errors, notice)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}
