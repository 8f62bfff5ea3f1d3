//! Proposals in the JSON API (`/api/v1/discovery/proposals…`, `/api/v1/discovery/proposal-templates…`).
//! Every route answers 403 while the workspace's proposals are locked (a super admin unlocks
//! them), and 404 for another workspace's ids.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
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

use crate::model::proposals::{link, proposal, template, version};
use crate::service::proposals::{
    self as service, Current, Diff, NewProposal, Snapshot, Terms, access,
    sharing::{self, LinkState},
    templates::{self, Slot},
    versions,
};
use crate::web::api::{DiscoveryCreatorCard, card, pictures};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(access_status))
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(add_creator))
        .routes(routes!(update_creator, remove_creator))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(diff))
        .routes(routes!(list_links, create_link))
        .routes(routes!(revoke_link))
        .routes(routes!(feedback))
        .routes(routes!(to_campaign))
        .routes(routes!(save_template))
        .routes(routes!(list_templates))
        .routes(routes!(get_template, delete_template))
}

/// Whether the workspace may use proposals.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalAccess {
    pub unlocked: bool,
    pub unlocked_at: Option<DateTime<Utc>>,
    /// Who unlocks proposals, when they are locked.
    pub message: Option<String>,
}

/// Whether proposals are unlocked for this workspace (locked until a super admin unlocks them).
#[utoipa::path(get, path = "/api/v1/discovery/proposals/access", tag = "discovery",
    responses((status = 200, body = DiscoveryProposalAccess), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn access_status(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoveryProposalAccess>> {
    ctx.require(platform::Permission::WorkspaceRead)?;
    let scope = Scope::of(&ctx)?;
    let row = access::of(&state.db, scope.workspace_id()).await?;
    Ok(Json(DiscoveryProposalAccess {
        unlocked: row.is_some(),
        unlocked_at: row.as_ref().map(|r| r.unlocked_at),
        message: row.is_none().then(|| access::LOCKED.to_string()),
    }))
}

/// A proposal in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalSummary {
    pub id: Uuid,
    pub title: String,
    pub brand: String,
    pub currency: String,
    /// The newest version's number.
    pub version: i32,
    pub creators: u64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalList {
    pub items: Vec<DiscoveryProposalSummary>,
}

/// The workspace's proposals, last changed first.
#[utoipa::path(get, path = "/api/v1/discovery/proposals", tag = "discovery",
    responses((status = 200, body = DiscoveryProposalList), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<DiscoveryProposalList>> {
    let items = service::list(&state, &ctx)
        .await?
        .into_iter()
        .map(|l| DiscoveryProposalSummary {
            id: l.proposal.id,
            title: l.proposal.title,
            brand: l.proposal.brand,
            currency: l.proposal.currency,
            version: l.proposal.version,
            creators: l.creators,
            updated_at: l.proposal.updated_at,
        })
        .collect();
    Ok(Json(DiscoveryProposalList { items }))
}

/// A new proposal: title and brand (≤ 120 characters each), message (≤ 4,000), currency (ISO
/// 4217). From a template, an empty message and currency are the template's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalIn {
    pub title: String,
    pub brand: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub template_id: Option<Uuid>,
}

/// A proposal's fields (each change makes a new version).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalUpdate {
    pub title: String,
    pub brand: String,
    #[serde(default)]
    pub message: String,
    pub currency: String,
}

/// A creator on a proposal, with their public card (`null` once the profile left the pool).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalCreator {
    pub profile_id: Uuid,
    pub username: String,
    pub deliverables: String,
    /// Minor units of the proposal's currency.
    pub fee_minor: i64,
    /// The latest reviewer decision through any link: `approved`, `rejected` or `null`.
    pub decision: Option<String>,
    pub card: Option<DiscoveryCreatorCard>,
}

/// A proposal as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposal {
    pub id: Uuid,
    pub title: String,
    pub brand: String,
    pub message: String,
    pub currency: String,
    pub version: i32,
    pub template_id: Option<Uuid>,
    /// The campaign its approved creators became (`POST …/campaign`).
    pub campaign_id: Option<Uuid>,
    /// Sum of the fees, in minor units.
    pub total_fee_minor: i64,
    pub creators: Vec<DiscoveryProposalCreator>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn answer(state: &AppState, ctx: &Ctx, current: &Current) -> Result<DiscoveryProposal> {
    let scope = Scope::of(ctx)?;
    let decisions = sharing::latest_decisions(&state.db, &scope, current.proposal.id).await?;
    let shown: Vec<_> = current
        .entries
        .iter()
        .filter_map(|e| e.creator.as_ref())
        .collect();
    let pics = pictures(state, &shown).await?;
    let p = &current.proposal;
    Ok(DiscoveryProposal {
        id: p.id,
        title: p.title.clone(),
        brand: p.brand.clone(),
        message: p.message.clone(),
        currency: p.currency.clone(),
        version: p.version,
        template_id: p.template_id,
        // While the campaign is being made the proposal holds its own id there (the claim).
        campaign_id: p.campaign_id.filter(|c| *c != p.id),
        total_fee_minor: current.total_fee(),
        creators: current
            .entries
            .iter()
            .map(|e| DiscoveryProposalCreator {
                profile_id: e.row.profile_id,
                username: e.username(),
                deliverables: e.row.deliverables.clone(),
                fee_minor: e.row.fee_minor,
                decision: decisions.get(&e.row.profile_id).map(|d| d.decision.clone()),
                card: e.creator.as_ref().map(|c| card(c, &pics)),
            })
            .collect(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

async fn answer_for(state: &AppState, ctx: &Ctx, p: &proposal::Model) -> Result<DiscoveryProposal> {
    let current = service::get(state, ctx, p.id).await?;
    answer(state, ctx, &current).await
}

/// Create a proposal (version 1).
#[utoipa::path(post, path = "/api/v1/discovery/proposals", tag = "discovery",
    request_body = DiscoveryProposalIn,
    responses((status = 201, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<DiscoveryProposalIn>,
) -> Result<Response> {
    let p = service::create(
        &state,
        &ctx,
        NewProposal {
            title: body.title,
            brand: body.brand,
            message: body.message,
            currency: body.currency,
            template_id: body.template_id,
        },
    )
    .await?;
    let out = answer_for(&state, &ctx, &p).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// A proposal with its creators and their latest reviewer decisions.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryProposal>> {
    let current = service::get(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(answer(&state, &ctx, &current).await?))
}

/// Change the title, brand, message or currency (a new version when anything changed).
#[utoipa::path(put, path = "/api/v1/discovery/proposals/{id}", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = DiscoveryProposalUpdate,
    responses((status = 200, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryProposalUpdate>,
) -> Result<Json<DiscoveryProposal>> {
    let id = parse_id(&id)?;
    // The proposal is looked up before the input is judged: another workspace's id is a 404
    // whatever the body.
    service::get(&state, &ctx, id).await?;
    let draft = service::Draft::new(&body.title, &body.brand, &body.message, &body.currency)?;
    let p = service::update(&state, &ctx, id, draft).await?;
    Ok(Json(answer_for(&state, &ctx, &p).await?))
}

/// Delete a proposal with its versions, links and feedback (its links stop working at once).
#[utoipa::path(delete, path = "/api/v1/discovery/proposals/{id}", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A creator to add: by `profile_id` (from a search result) or `username`. Deliverables
/// (≤ 500 characters) and fee (minor units) left out come from the template's slot for this
/// position, if the proposal was started from a template, else empty and 0.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalCreatorIn {
    #[serde(default)]
    pub profile_id: Option<Uuid>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub deliverables: Option<String>,
    #[serde(default)]
    pub fee_minor: Option<i64>,
}

/// Add a creator to the shortlist (a new version).
#[utoipa::path(post, path = "/api/v1/discovery/proposals/{id}/creators", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = DiscoveryProposalCreatorIn,
    responses((status = 201, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryProposalCreatorIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let profile_id = match (body.profile_id, body.username.as_deref()) {
        (Some(p), _) => p,
        (None, Some(u)) => service::creator_named(&state.db, u).await?.profile_id,
        (None, None) => {
            return Err(Error::validation(
                "profile_id",
                "Give the creator's profile_id or username",
            ));
        }
    };
    let current = service::add_creator(
        &state,
        &ctx,
        id,
        profile_id,
        body.deliverables.as_deref(),
        body.fee_minor,
    )
    .await?;
    let out = answer(&state, &ctx, &current).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// A creator's terms on a proposal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalTermsIn {
    #[serde(default)]
    pub deliverables: String,
    /// Minor units of the proposal's currency (0 – 1,000,000,000,000).
    pub fee_minor: i64,
}

/// Change a creator's deliverables and fee (a new version when either changed).
#[utoipa::path(put, path = "/api/v1/discovery/proposals/{id}/creators/{profile_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)), request_body = DiscoveryProposalTermsIn,
    responses((status = 200, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    Json(body): Json<DiscoveryProposalTermsIn>,
) -> Result<Json<DiscoveryProposal>> {
    let (id, profile_id) = (parse_id(&id)?, parse_id(&profile_id)?);
    service::get(&state, &ctx, id).await?;
    let terms = Terms::new(&body.deliverables, body.fee_minor)?;
    let current = service::update_creator(&state, &ctx, id, profile_id, terms).await?;
    Ok(Json(answer(&state, &ctx, &current).await?))
}

/// Take a creator off the shortlist (a new version).
#[utoipa::path(delete, path = "/api/v1/discovery/proposals/{id}/creators/{profile_id}", tag = "discovery",
    params(("id" = Uuid, Path), ("profile_id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposal), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
) -> Result<Json<DiscoveryProposal>> {
    let current =
        service::remove_creator(&state, &ctx, parse_id(&id)?, parse_id(&profile_id)?).await?;
    Ok(Json(answer(&state, &ctx, &current).await?))
}

/// A version of a proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalVersion {
    pub number: i32,
    /// What changed, in words.
    pub change: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&version::Model> for DiscoveryProposalVersion {
    fn from(v: &version::Model) -> Self {
        DiscoveryProposalVersion {
            number: v.number,
            change: v.change.clone(),
            created_by: v.created_by.clone(),
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalVersionList {
    /// Newest first.
    pub items: Vec<DiscoveryProposalVersion>,
}

/// The proposal's versions, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}/versions", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposalVersionList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryProposalVersionList>> {
    let rows = versions::list(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(DiscoveryProposalVersionList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// One version with the whole proposal as it was.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalVersionDetail {
    #[serde(flatten)]
    pub version: DiscoveryProposalVersion,
    pub snapshot: Snapshot,
}

/// Version `number` of the proposal, whole.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}/versions/{number}", tag = "discovery",
    params(("id" = Uuid, Path), ("number" = i32, Path, description = "1 for the first version")),
    responses((status = 200, body = DiscoveryProposalVersionDetail), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<DiscoveryProposalVersionDetail>> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let number: i32 = number.parse().map_err(|_| Error::NotFound)?;
    let (v, snapshot) = versions::get(&state, &ctx, id, number).await?;
    Ok(Json(DiscoveryProposalVersionDetail {
        version: (&v).into(),
        snapshot,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryProposalDiffParams {
    /// The earlier version's number (by default the one before the newest).
    pub from: Option<i32>,
    /// The later version's number (by default the newest).
    pub to: Option<i32>,
}

/// What changed between two versions: fields, creators added and removed, fees and
/// deliverables changed.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}/diff", tag = "discovery",
    params(("id" = Uuid, Path), DiscoveryProposalDiffParams),
    responses((status = 200, body = Diff), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn diff(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<DiscoveryProposalDiffParams>,
) -> Result<Json<Diff>> {
    let current = service::get(&state, &ctx, parse_id(&id)?).await?;
    let newest = current.proposal.version;
    let (from, to) = (
        p.from.unwrap_or((newest - 1).max(1)),
        p.to.unwrap_or(newest),
    );
    Ok(Json(
        versions::between(&state, &ctx, current.proposal.id, from, to).await?,
    ))
}

/// A share link (the token is shown only when it is made).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalLink {
    pub id: Uuid,
    pub label: String,
    /// The version the link shows.
    pub version: i32,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&link::Model> for DiscoveryProposalLink {
    fn from(l: &link::Model) -> Self {
        DiscoveryProposalLink {
            id: l.id,
            label: l.label.clone(),
            version: l.version,
            state: LinkState::of(l, platform::db::now()).as_str().into(),
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            created_by: l.created_by.clone(),
            created_at: l.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalLinkList {
    pub items: Vec<DiscoveryProposalLink>,
}

/// The proposal's share links, newest first.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}/links", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposalLinkList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_links(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryProposalLinkList>> {
    let rows = sharing::links(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(DiscoveryProposalLinkList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// A new share link: valid for 1–90 days, with an optional label (≤ 100 characters, e.g.
/// the reviewer's team).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalLinkIn {
    pub expires_in_days: i64,
    #[serde(default)]
    pub label: String,
}

/// A link just made: its address holds the token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalLinkCreated {
    pub link: DiscoveryProposalLink,
    /// The review page for the brand (no sign-in).
    pub url: String,
    pub token: String,
}

/// Share the proposal's newest version with the brand's reviewers.
#[utoipa::path(post, path = "/api/v1/discovery/proposals/{id}/links", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = DiscoveryProposalLinkIn,
    responses((status = 201, body = DiscoveryProposalLinkCreated), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryProposalLinkIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let (l, token) =
        sharing::create_link(&state, &ctx, id, body.expires_in_days, &body.label).await?;
    let out = DiscoveryProposalLinkCreated {
        link: (&l).into(),
        url: format!(
            "{}{}",
            state.config.base_url(),
            sharing::review_path(&token)
        ),
        token,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Revoke a share link at once.
#[utoipa::path(post, path = "/api/v1/discovery/proposals/{id}/links/{link_id}/revoke", tag = "discovery",
    params(("id" = Uuid, Path), ("link_id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposalLink), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Json<DiscoveryProposalLink>> {
    let l = sharing::revoke_link(&state, &ctx, parse_id(&id)?, parse_id(&link_id)?).await?;
    Ok(Json((&l).into()))
}

/// A reviewer's decision on a creator.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalDecision {
    pub profile_id: Uuid,
    pub username: Option<String>,
    /// `approved` or `rejected`.
    pub decision: String,
    pub reviewer_name: String,
    pub decided_at: DateTime<Utc>,
    pub link_id: Uuid,
    pub link_label: String,
}

/// A reviewer's comment (on a creator when `profile_id` is set).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalComment {
    pub profile_id: Option<Uuid>,
    pub username: Option<String>,
    pub reviewer_name: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub link_id: Uuid,
    pub link_label: String,
}

/// Everything the brand's reviewers said, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalFeedback {
    pub decisions: Vec<DiscoveryProposalDecision>,
    pub comments: Vec<DiscoveryProposalComment>,
}

/// The reviewers' decisions and comments through all the proposal's links.
#[utoipa::path(get, path = "/api/v1/discovery/proposals/{id}/feedback", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposalFeedback), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryProposalFeedback>> {
    let f = sharing::feedback(&state, &ctx, parse_id(&id)?).await?;
    let label = |id: &Uuid| f.link_labels.get(id).cloned().unwrap_or_default();
    Ok(Json(DiscoveryProposalFeedback {
        decisions: f
            .decisions
            .iter()
            .map(|d| DiscoveryProposalDecision {
                profile_id: d.profile_id,
                username: f.usernames.get(&d.profile_id).cloned(),
                decision: d.decision.clone(),
                reviewer_name: d.reviewer_name.clone(),
                decided_at: d.decided_at,
                link_id: d.link_id,
                link_label: label(&d.link_id),
            })
            .collect(),
        comments: f
            .comments
            .iter()
            .map(|c| DiscoveryProposalComment {
                profile_id: c.profile_id,
                username: c.profile_id.and_then(|p| f.usernames.get(&p).cloned()),
                reviewer_name: c.reviewer_name.clone(),
                comment: c.body.clone(),
                created_at: c.created_at,
                link_id: c.link_id,
                link_label: label(&c.link_id),
            })
            .collect(),
    }))
}

/// The campaign a proposal became.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalCampaign {
    pub campaign_id: Uuid,
}

/// Turn the creators the brand approved into a campaign (each at `agreed` with the proposed
/// fee); 409 when none is approved or the proposal already became a campaign.
#[utoipa::path(post, path = "/api/v1/discovery/proposals/{id}/campaign", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 201, body = DiscoveryProposalCampaign), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn to_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    let campaign_id = service::to_campaign(&state, &ctx, parse_id(&id)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(DiscoveryProposalCampaign { campaign_id }),
    )
        .into_response())
}

/// A template to save a proposal as (name ≤ 120 characters).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscoveryProposalTemplateIn {
    pub name: String,
}

/// A proposal template: message, currency and one slot per creator position.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalTemplate {
    pub id: Uuid,
    pub name: String,
    pub message: String,
    pub currency: String,
    pub slots: Vec<Slot>,
    pub created_at: DateTime<Utc>,
}

impl From<&template::Model> for DiscoveryProposalTemplate {
    fn from(t: &template::Model) -> Self {
        DiscoveryProposalTemplate {
            id: t.id,
            name: t.name.clone(),
            message: t.message.clone(),
            currency: t.currency.clone(),
            slots: templates::slots(t),
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryProposalTemplateList {
    pub items: Vec<DiscoveryProposalTemplate>,
}

/// Save the proposal as a template (its message, currency and each creator's terms as slots).
#[utoipa::path(post, path = "/api/v1/discovery/proposals/{id}/template", tag = "discovery",
    params(("id" = Uuid, Path)), request_body = DiscoveryProposalTemplateIn,
    responses((status = 201, body = DiscoveryProposalTemplate), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<DiscoveryProposalTemplateIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let t = templates::save(&state, &ctx, id, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(DiscoveryProposalTemplate::from(&t)),
    )
        .into_response())
}

/// The workspace's proposal templates, by name.
#[utoipa::path(get, path = "/api/v1/discovery/proposal-templates", tag = "discovery",
    responses((status = 200, body = DiscoveryProposalTemplateList), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DiscoveryProposalTemplateList>> {
    let rows = service::templates(&state, &ctx).await?;
    Ok(Json(DiscoveryProposalTemplateList {
        items: rows.iter().map(Into::into).collect(),
    }))
}

/// One proposal template.
#[utoipa::path(get, path = "/api/v1/discovery/proposal-templates/{id}", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DiscoveryProposalTemplate), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryProposalTemplate>> {
    let t = templates::get(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json((&t).into()))
}

/// Delete a proposal template (proposals started from it keep their terms).
#[utoipa::path(delete, path = "/api/v1/discovery/proposal-templates/{id}", tag = "discovery",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn delete_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    templates::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
