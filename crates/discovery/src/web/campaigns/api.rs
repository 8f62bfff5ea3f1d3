//! The campaigns' JSON API. Reads need workspace read, changes workspace write (a read-only
//! token changes nothing); another workspace's campaign — and everything under it — is not
//! found. Every figure says its source and when its data was fetched.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    AppState, Ctx, Error, Result, Scope,
    error::Problem,
    http::extract::{Json, Path, Query},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::web::export_doc::{ExportFile, ExportRows};

use crate::model::campaigns::{activity, campaign, deliverable, milestone};
use crate::service::{
    campaigns::{
        self as service, CampaignInput, Detail, Status, list_of,
        performance::{self, Figures, Performance, Sourced},
        report, tracking,
    },
    exports,
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(add_creator))
        .routes(routes!(update_creator, remove_creator))
        .routes(routes!(add_deliverable))
        .routes(routes!(update_deliverable, delete_deliverable))
        .routes(routes!(add_milestone))
        .routes(routes!(update_milestone, delete_milestone))
        .routes(routes!(attach_post))
        .routes(routes!(detach_post))
        .routes(routes!(add_collaborator))
        .routes(routes!(remove_collaborator))
        .routes(routes!(track_campaign))
        .routes(routes!(campaign_performance))
        .routes(routes!(campaign_report))
        .routes(routes!(campaign_report_pdf))
}

// ---- shapes ---------------------------------------------------------------------------------

/// A campaign.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaign)]
pub struct CampaignOut {
    pub id: Uuid,
    pub name: String,
    pub brief: String,
    pub starts_on: NaiveDate,
    /// The last day of the window (included).
    pub ends_on: NaiveDate,
    /// Without `@`, lower case.
    pub handles: Vec<String>,
    /// Without `#`, lower case.
    pub hashtags: Vec<String>,
    pub phrases: Vec<String>,
    pub budget_planned_minor: i64,
    pub budget_spent_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When tracking last looked for posts.
    pub tracked_at: Option<DateTime<Utc>>,
}

impl From<&campaign::Model> for CampaignOut {
    fn from(c: &campaign::Model) -> Self {
        CampaignOut {
            id: c.id,
            name: c.name.clone(),
            brief: c.brief.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            handles: list_of(&c.handles),
            hashtags: list_of(&c.hashtags),
            phrases: list_of(&c.phrases),
            budget_planned_minor: c.budget_planned_minor,
            budget_spent_minor: c.budget_spent_minor,
            currency: c.currency.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            tracked_at: c.tracked_at,
        }
    }
}

/// A campaign in the list, with its counts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignSummary)]
pub struct SummaryOut {
    pub campaign: CampaignOut,
    pub creators: i64,
    /// Creators by status (every status, zero included).
    pub creators_by_status: std::collections::BTreeMap<String, i64>,
    pub posts: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignList)]
pub struct ListOut {
    pub items: Vec<SummaryOut>,
}

/// A creator on a campaign.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignCreator)]
pub struct CreatorOut {
    pub profile_id: Uuid,
    pub username: String,
    pub followers: Option<i64>,
    pub status: Status,
    pub fee_minor: i64,
    pub added_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
    /// The creator's data source (`graph`, `apify`, `demo`, `manual`); demo is not real.
    pub source: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignDeliverable)]
pub struct DeliverableOut {
    pub id: Uuid,
    pub profile_id: Uuid,
    /// `post`, `reel`, `story` or `other`.
    pub kind: String,
    pub due_on: NaiveDate,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
}

impl From<&deliverable::Model> for DeliverableOut {
    fn from(d: &deliverable::Model) -> Self {
        DeliverableOut {
            id: d.id,
            profile_id: d.profile_id,
            kind: d.kind.clone(),
            due_on: d.due_on,
            done: d.done,
            done_at: d.done_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignMilestone)]
pub struct MilestoneOut {
    pub id: Uuid,
    pub name: String,
    pub due_on: NaiveDate,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
}

impl From<&milestone::Model> for MilestoneOut {
    fn from(m: &milestone::Model) -> Self {
        MilestoneOut {
            id: m.id,
            name: m.name.clone(),
            due_on: m.due_on,
            done: m.done,
            done_at: m.done_at,
        }
    }
}

/// A post on a campaign.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignPost)]
pub struct PostOut {
    pub post_id: Uuid,
    pub profile_id: Uuid,
    /// `manual` (attached by hand) or `tracked`.
    pub how: String,
    /// What its caption mentioned (tracked posts).
    pub matched: String,
    pub added_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
    pub permalink: Option<String>,
    pub shortcode: Option<String>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    /// The post's data source.
    pub source: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignCollaborator)]
pub struct CollaboratorOut {
    pub user_id: Uuid,
    pub email: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignActivity)]
pub struct ActivityOut {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

impl From<&activity::Model> for ActivityOut {
    fn from(a: &activity::Model) -> Self {
        ActivityOut {
            at: a.at,
            actor: a.actor.clone(),
            action: a.action.clone(),
            detail: a.detail.clone(),
        }
    }
}

/// A campaign with everything on it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignDetail)]
pub struct DetailOut {
    pub campaign: CampaignOut,
    pub creators: Vec<CreatorOut>,
    pub deliverables: Vec<DeliverableOut>,
    pub milestones: Vec<MilestoneOut>,
    pub posts: Vec<PostOut>,
    pub collaborators: Vec<CollaboratorOut>,
    /// Newest first, up to 200 lines.
    pub activity: Vec<ActivityOut>,
}

impl From<&Detail> for DetailOut {
    fn from(d: &Detail) -> Self {
        DetailOut {
            campaign: (&d.campaign).into(),
            creators: d
                .creators
                .iter()
                .map(|c| CreatorOut {
                    profile_id: c.entry.profile_id,
                    username: c.username(),
                    followers: c.creator.as_ref().map(|x| x.followers),
                    status: service::status_of(&c.entry),
                    fee_minor: c.entry.fee_minor,
                    added_at: c.entry.added_at,
                    status_changed_at: c.entry.status_changed_at,
                    source: c.creator.as_ref().map(|x| x.source.clone()),
                    fetched_at: c.creator.as_ref().and_then(|x| x.fetched_at),
                })
                .collect(),
            deliverables: d.deliverables.iter().map(Into::into).collect(),
            milestones: d.milestones.iter().map(Into::into).collect(),
            posts: d
                .posts
                .iter()
                .map(|p| PostOut {
                    post_id: p.entry.post_id,
                    profile_id: p.entry.profile_id,
                    how: p.entry.how.clone(),
                    matched: p.entry.matched.clone(),
                    added_at: p.entry.added_at,
                    posted_at: p.post.as_ref().map(|x| x.posted_at),
                    permalink: p.post.as_ref().and_then(|x| x.permalink.clone()),
                    shortcode: p.post.as_ref().and_then(|x| x.shortcode.clone()),
                    likes: p.post.as_ref().and_then(|x| x.like_count),
                    comments: p.post.as_ref().and_then(|x| x.comments_count),
                    source: p.post.as_ref().map(|x| x.source.clone()),
                    fetched_at: p.post.as_ref().map(|x| x.fetched_at),
                })
                .collect(),
            collaborators: d
                .collaborators
                .iter()
                .map(|(c, email)| CollaboratorOut {
                    user_id: c.user_id,
                    email: email.clone(),
                    added_at: c.added_at,
                })
                .collect(),
            activity: d.activity.iter().map(Into::into).collect(),
        }
    }
}

/// Figures of a creator or of the whole campaign.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignFigures)]
pub struct FiguresOut {
    pub posts: u64,
    /// Posts with a like or comment count.
    pub posts_counted: u64,
    /// Likes + comments; absent when no post has counts.
    pub engagement: Option<i64>,
    /// Mean of the posts' engagement over the creator's followers, in percent.
    pub engagement_rate: Option<f64>,
    /// The creators' usual rate (`disc_creators.engagement_rate`), in percent.
    pub baseline_rate: Option<f64>,
    /// Summed over the posts a connected account's insights give it for; absent when none
    /// does ("not available": public posts carry no reach).
    pub reach: Option<i64>,
    pub reach_posts: u64,
    /// Fees counted (a creator's fee; the campaign's: creators agreed, live or done).
    pub fee_minor: i64,
    /// Fee ÷ engagement, minor units per engagement.
    pub cost_per_engagement_minor: Option<f64>,
    pub engagement_source: Sourced,
    pub baseline_source: Sourced,
    pub reach_source: Sourced,
}

impl From<&Figures> for FiguresOut {
    fn from(f: &Figures) -> Self {
        FiguresOut {
            posts: f.posts,
            posts_counted: f.posts_counted,
            engagement: f.engagement,
            engagement_rate: f.engagement_rate,
            baseline_rate: f.baseline_rate,
            reach: f.reach,
            reach_posts: f.reach_posts,
            fee_minor: f.fee_minor,
            cost_per_engagement_minor: f.cost_per_engagement,
            engagement_source: f.engagement_source.clone(),
            baseline_source: f.baseline_source.clone(),
            reach_source: f.reach_source.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignCreatorFigures)]
pub struct CreatorFiguresOut {
    pub profile_id: Uuid,
    pub username: String,
    pub status: Status,
    pub figures: FiguresOut,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignPostFigures)]
pub struct PostFiguresOut {
    pub post_id: Uuid,
    pub profile_id: Uuid,
    pub posted_at: DateTime<Utc>,
    pub engagement: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub reach: Option<i64>,
    pub source: String,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignPerformance)]
pub struct PerformanceOut {
    pub currency: String,
    pub total: FiguresOut,
    pub creators: Vec<CreatorFiguresOut>,
    pub posts: Vec<PostFiguresOut>,
    pub computed_at: DateTime<Utc>,
}

impl From<&Performance> for PerformanceOut {
    fn from(p: &Performance) -> Self {
        PerformanceOut {
            currency: p.currency.clone(),
            total: (&p.total).into(),
            creators: p
                .creators
                .iter()
                .map(|c| CreatorFiguresOut {
                    profile_id: c.profile_id,
                    username: c.username.clone(),
                    status: c.status,
                    figures: (&c.figures).into(),
                })
                .collect(),
            posts: p
                .posts
                .iter()
                .map(|x| PostFiguresOut {
                    post_id: x.post_id,
                    profile_id: x.profile_id,
                    posted_at: x.posted_at,
                    engagement: x.engagement,
                    engagement_rate: x.engagement_rate,
                    reach: x.reach,
                    source: x.source.clone(),
                    fetched_at: x.fetched_at,
                })
                .collect(),
            computed_at: p.computed_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignCreatorIn)]
pub struct CreatorIn {
    /// A creator of the index (a search result's `profile_id`).
    pub profile_id: Uuid,
    /// In minor units of the campaign's currency.
    #[serde(default)]
    pub fee_minor: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignCreatorPatch)]
pub struct CreatorPatch {
    /// One step forward or back (409 otherwise).
    pub status: Option<Status>,
    pub fee_minor: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignDeliverableIn)]
pub struct DeliverableIn {
    /// `post`, `reel`, `story` or `other`.
    pub kind: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignDonePatch)]
pub struct DonePatch {
    pub done: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignMilestoneIn)]
pub struct MilestoneIn {
    /// Up to 120 characters.
    pub name: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignPostIn)]
pub struct PostIn {
    /// The post's Instagram link, its shortcode, or its id (a post of one of the campaign's
    /// creators).
    pub post: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DiscoveryCampaignCollaboratorIn)]
pub struct CollaboratorIn {
    /// A member of the workspace.
    pub user_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DiscoveryCampaignTracking)]
pub struct TrackingOut {
    /// The job finding the posts (its progress streams as `job.progress` events).
    pub job_id: Option<Uuid>,
    /// A search of this campaign's posts was already waiting: no second one was queued.
    pub already_queued: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `csv` (default), `xlsx` or `json`.
    pub format: Option<String>,
}

// ---- handlers -------------------------------------------------------------------------------

fn summary_out(s: &service::Summary) -> SummaryOut {
    SummaryOut {
        campaign: (&s.campaign).into(),
        creators: s.creators,
        creators_by_status: s
            .by_status
            .iter()
            .map(|(st, n)| (st.as_str().to_string(), *n))
            .collect(),
        posts: s.posts,
    }
}

async fn detail_out(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<DetailOut> {
    Ok((&service::detail(state, ctx, id).await?).into())
}

/// The workspace's campaigns, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/campaigns", tag = "discovery",
    responses((status = 200, body = ListOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_campaigns(State(state): State<AppState>, ctx: Ctx) -> Result<Json<ListOut>> {
    let items = service::list(&state, &ctx).await?;
    Ok(Json(ListOut {
        items: items.iter().map(summary_out).collect(),
    }))
}

/// Create a campaign (409 when the workspace has 200 already).
#[utoipa::path(post, path = "/api/v1/discovery/campaigns", tag = "discovery", request_body = CampaignInput,
    responses((status = 201, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<CampaignInput>,
) -> Result<Response> {
    let c = service::create(&state, &ctx, &body).await?;
    let out = detail_out(&state, &ctx, c.id).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// A campaign with its creators, deliverables, milestones, posts, collaborators and activity.
#[utoipa::path(get, path = "/api/v1/discovery/campaigns/{id}", tag = "discovery", params(("id" = Uuid, Path)),
    responses((status = 200, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DetailOut>> {
    Ok(Json(detail_out(&state, &ctx, parse_id(&id)?).await?))
}

/// Change a campaign (every field; the window, terms and budget included).
#[utoipa::path(put, path = "/api/v1/discovery/campaigns/{id}", tag = "discovery", params(("id" = Uuid, Path)), request_body = CampaignInput,
    responses((status = 200, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CampaignInput>,
) -> Result<Json<DetailOut>> {
    let c = service::update(&state, &ctx, parse_id(&id)?, &body).await?;
    Ok(Json(detail_out(&state, &ctx, c.id).await?))
}

/// Delete a campaign with everything on it.
#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}", tag = "discovery", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a creator of the index at `shortlisted` (409 if already on it or the campaign has 500).
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/creators", tag = "discovery", params(("id" = Uuid, Path)), request_body = CreatorIn,
    responses((status = 201, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CreatorIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::add_creator(&state, &ctx, id, body.profile_id, body.fee_minor).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_out(&state, &ctx, id).await?),
    )
        .into_response())
}

/// Move a creator one step (forward or back; 409 for any other move) and/or set its fee.
#[utoipa::path(patch, path = "/api/v1/discovery/campaigns/{id}/creators/{profile_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)), request_body = CreatorPatch,
    responses((status = 200, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    Json(body): Json<CreatorPatch>,
) -> Result<Json<DetailOut>> {
    let id = parse_id(&id)?;
    service::update_creator(
        &state,
        &ctx,
        id,
        parse_id(&profile_id)?,
        body.status,
        body.fee_minor,
    )
    .await?;
    Ok(Json(detail_out(&state, &ctx, id).await?))
}

/// Take a creator off the campaign (with their deliverables and posts).
#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}/creators/{profile_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::remove_creator(&state, &ctx, parse_id(&id)?, parse_id(&profile_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a deliverable of a creator on the campaign.
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/creators/{profile_id}/deliverables", tag = "discovery",
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)), request_body = DeliverableIn,
    responses((status = 201, body = DeliverableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    Json(body): Json<DeliverableIn>,
) -> Result<Response> {
    let d = service::add_deliverable(
        &state,
        &ctx,
        parse_id(&id)?,
        parse_id(&profile_id)?,
        &body.kind,
        body.due_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DeliverableOut::from(&d))).into_response())
}

/// Mark a deliverable done or not done.
#[utoipa::path(patch, path = "/api/v1/discovery/campaigns/{id}/deliverables/{deliverable_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("deliverable_id" = Uuid, Path)), request_body = DonePatch,
    responses((status = 200, body = DeliverableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, deliverable_id)): Path<(String, String)>,
    Json(body): Json<DonePatch>,
) -> Result<Json<DeliverableOut>> {
    let d = service::set_deliverable_done(
        &state,
        &ctx,
        parse_id(&id)?,
        parse_id(&deliverable_id)?,
        body.done,
    )
    .await?;
    Ok(Json((&d).into()))
}

#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}/deliverables/{deliverable_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("deliverable_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, deliverable_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::delete_deliverable(&state, &ctx, parse_id(&id)?, parse_id(&deliverable_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a milestone.
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/milestones", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = MilestoneIn,
    responses((status = 201, body = MilestoneOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<MilestoneIn>,
) -> Result<Response> {
    let m = service::add_milestone(&state, &ctx, parse_id(&id)?, &body.name, body.due_on).await?;
    Ok((StatusCode::CREATED, Json(MilestoneOut::from(&m))).into_response())
}

/// Mark a milestone reached or not.
#[utoipa::path(patch, path = "/api/v1/discovery/campaigns/{id}/milestones/{milestone_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("milestone_id" = Uuid, Path)), request_body = DonePatch,
    responses((status = 200, body = MilestoneOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, milestone_id)): Path<(String, String)>,
    Json(body): Json<DonePatch>,
) -> Result<Json<MilestoneOut>> {
    let m = service::set_milestone_done(
        &state,
        &ctx,
        parse_id(&id)?,
        parse_id(&milestone_id)?,
        body.done,
    )
    .await?;
    Ok(Json((&m).into()))
}

#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}/milestones/{milestone_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("milestone_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, milestone_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::delete_milestone(&state, &ctx, parse_id(&id)?, parse_id(&milestone_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attach a post of one of the campaign's creators by hand (its link, shortcode or id).
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/posts", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = PostIn,
    responses((status = 201, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<PostIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::attach_post(&state, &ctx, id, &body.post).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_out(&state, &ctx, id).await?),
    )
        .into_response())
}

/// Take a post off the campaign.
#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}/posts/{post_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("post_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn detach_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, post_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::detach_post(&state, &ctx, parse_id(&id)?, parse_id(&post_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a member of the workspace as a collaborator.
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/collaborators", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = CollaboratorIn,
    responses((status = 201, body = DetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_collaborator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CollaboratorIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::add_collaborator(&state, &ctx, id, body.user_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_out(&state, &ctx, id).await?),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/discovery/campaigns/{id}/collaborators/{user_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_collaborator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    service::remove_collaborator(&state, &ctx, parse_id(&id)?, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Find the campaign's posts now: queues the search (progress as `job.progress` events).
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/track", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 202, body = TrackingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn track_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let job = tracking::track_now(&state, &ctx, parse_id(&id)?).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TrackingOut {
            job_id: job,
            already_queued: job.is_none(),
        }),
    )
        .into_response())
}

/// The campaign's performance per creator and in total, each figure with its source.
#[utoipa::path(get, path = "/api/v1/discovery/campaigns/{id}/performance", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PerformanceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn campaign_performance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<PerformanceOut>> {
    let (_, p) = performance::performance(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&p).into()))
}

/// The campaign report as rows (one per creator, then the total): CSV, XLSX or JSON. A
/// recorded export (it counts as a bulk export, hence a POST), like the other exports.
#[utoipa::path(post, path = "/api/v1/discovery/campaigns/{id}/report", tag = "discovery",
    params(("id" = Uuid, Path), ReportParams),
    responses((status = 200, description = "The file", content(
            (ExportFile = "text/csv"),
            (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (ExportRows = "application/json"))), (status = 401, body = Problem), (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn campaign_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let format = match p.format.as_deref().map(str::trim) {
        None | Some("") => exports::Format::Csv,
        Some(f) => exports::Format::parse(f)
            .ok_or_else(|| Error::validation("format", "csv, xlsx or json"))?,
    };
    report_rows(&state, &ctx, id, format).await
}

/// The report's rows as an export (pages and API alike).
pub(crate) async fn report_rows(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    format: exports::Format,
) -> Result<Response> {
    let (d, perf) = performance::performance(state, ctx, id).await?;
    exports::send(
        state,
        ctx,
        exports::What {
            kind: "campaign",
            subject: Some(id),
            name: report::file_stem(&d.campaign.name),
        },
        format,
        report::COLUMNS.to_vec(),
        report::rows(&perf),
    )
    .await
}

/// The campaign report as a PDF with charts, recorded in the export trail (free; not for
/// read-only tokens, as data leaves the workspace).
#[utoipa::path(get, path = "/api/v1/discovery/campaigns/{id}/report.pdf", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn campaign_report_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    pdf_response(&state, &ctx, parse_id(&id)?).await
}

/// The PDF as a download (pages and API alike).
pub(crate) async fn pdf_response(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Response> {
    // Data leaving the workspace: a member who may change it (no read-only token), recorded.
    ctx.require(platform::Permission::WorkspaceWrite)?;
    Scope::of(ctx)?;
    let (stem, bytes) = report::pdf(state, ctx, id).await?;
    exports::record_document(
        state,
        ctx,
        &exports::What {
            kind: "campaign_report",
            subject: Some(id),
            name: stem.clone(),
        },
        "pdf",
    )
    .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
