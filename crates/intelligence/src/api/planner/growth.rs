//! A subject's time zone and its growth plan (goal, projection, weekly mix).

use super::*;

// ---- time zone ------------------------------------------------------------------------------

/// A subject's time zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectTimeZone {
    /// An IANA name (`Europe/Berlin`); `UTC` until one is chosen.
    pub time_zone: String,
    /// When it was last chosen; `null` while it is the default.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The time zone to use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectTimeZoneIn {
    /// An IANA name (`Europe/Berlin`, `America/New_York`, `UTC`).
    pub time_zone: String,
}

async fn time_zone_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
) -> Result<Json<SubjectTimeZone>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (_, key) = subject(state, ctx, kind, id).await?;
    let setting = zone::setting(&state.db, &key).await?;
    Ok(Json(SubjectTimeZone {
        time_zone: zone::of(&state.db, &key).await?.name().to_string(),
        updated_at: setting.map(|s| s.updated_at),
    }))
}

async fn set_time_zone_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: SubjectTimeZoneIn,
) -> Result<Json<SubjectTimeZone>> {
    ctx.require(Permission::WorkspaceWrite)?;
    let (_, key) = subject(state, ctx, kind, id).await?;
    let tz = zone::set(&state.db, ctx, &key, &body.time_zone).await?;
    Ok(Json(SubjectTimeZone {
        time_zone: tz.name().to_string(),
        updated_at: Some(Utc::now()),
    }))
}

/// An own account's time zone (best times, task days and the calendar are read in it).
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/time-zone", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SubjectTimeZone), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_time_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<SubjectTimeZone>> {
    time_zone_of(&state, &ctx, Kind::Account, &id).await
}

/// Set an own account's time zone; a name that is not an IANA time zone is a 422.
#[utoipa::path(put, path = "/api/v1/instagram/accounts/{id}/time-zone", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SubjectTimeZoneIn,
    responses((status = 200, body = SubjectTimeZone), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_account_time_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<SubjectTimeZoneIn>,
) -> Result<Json<SubjectTimeZone>> {
    set_time_zone_of(&state, &ctx, Kind::Account, &id, body).await
}

/// A tracked profile's time zone.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/time-zone", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SubjectTimeZone), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_time_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<SubjectTimeZone>> {
    time_zone_of(&state, &ctx, Kind::Tracked, &id).await
}

/// Set a tracked profile's time zone.
#[utoipa::path(put, path = "/api/v1/instagram/tracked/{id}/time-zone", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SubjectTimeZoneIn,
    responses((status = 200, body = SubjectTimeZone), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_tracked_time_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<SubjectTimeZoneIn>,
) -> Result<Json<SubjectTimeZone>> {
    set_time_zone_of(&state, &ctx, Kind::Tracked, &id, body).await
}

// ---- growth plan ----------------------------------------------------------------------------

/// A followers goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthGoalIn {
    /// 1 to 1,000,000,000.
    pub target_followers: i64,
    /// After today (in the subject's time zone), at most five years ahead.
    pub target_date: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrowthGoalOut {
    pub target_followers: i64,
    pub target_date: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

/// The follower trend: least squares over the last 90 days of daily snapshots.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowerTrendOut {
    pub per_day: f64,
    pub snapshots: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrowthProjectionOut {
    pub current_followers: Option<i64>,
    pub days_left: i64,
    /// Followers a day the goal needs from today.
    pub needed_per_day: Option<f64>,
    /// The trend's value on the target date; `null` with too little history.
    pub projected_followers: Option<i64>,
    /// `null` when there is too little history to say.
    pub on_track: Option<bool>,
    pub trend: Option<FollowerTrendOut>,
    pub summary: String,
}

/// One format's weekly target with its evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentMixTarget {
    /// `reel`, `carousel`, `image` or `video`.
    pub format: String,
    pub per_week: u32,
    /// Posts of this format in the last 90 days.
    pub posts: usize,
    pub median_rate: Option<f64>,
    pub lift: Option<f64>,
    pub evidence: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentMixOut {
    /// Posts a week over the last 90 days.
    pub cadence: f64,
    pub per_week: u32,
    pub targets: Vec<ContentMixTarget>,
    pub evidence: String,
}

/// A subject's growth plan: its goal (if set) with the projection, and the weekly mix.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrowthPlanOut {
    pub time_zone: String,
    pub goal: Option<GrowthGoalOut>,
    pub projection: Option<GrowthProjectionOut>,
    pub mix: ContentMixOut,
    /// The follower counts' source (`graph`, `apify`, `demo`) and fetch time.
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

async fn plan_out(state: &AppState, subject: &Subject, key: &SubjectKey) -> Result<GrowthPlanOut> {
    let tz = zone::of(&state.db, key).await?;
    let history = planner::record(state, subject).await?;
    let goal = plan::goal(&state.db, key).await?;
    let projection = goal.as_ref().map(|g| {
        plan::project(
            &Goal {
                target_followers: g.target_followers,
                target_date: g.target_date,
            },
            &history,
            zone::today(tz),
        )
    });
    let behind = projection.as_ref().and_then(|p| p.on_track) == Some(false);
    let mix = plan::mix(&history.posts, Utc::now(), behind);
    Ok(GrowthPlanOut {
        time_zone: tz.name().to_string(),
        goal: goal.map(|g| GrowthGoalOut {
            target_followers: g.target_followers,
            target_date: g.target_date,
            updated_at: g.updated_at,
        }),
        projection: projection.map(|p| GrowthProjectionOut {
            current_followers: p.current,
            days_left: p.days_left,
            needed_per_day: p.needed_per_day,
            projected_followers: p.projected,
            on_track: p.on_track,
            trend: p.trend.map(|t| FollowerTrendOut {
                per_day: t.per_day,
                snapshots: t.snapshots,
                from: t.from,
                to: t.to,
            }),
            summary: p.summary,
        }),
        mix: ContentMixOut {
            cadence: mix.cadence,
            per_week: mix.per_week,
            targets: mix
                .targets
                .into_iter()
                .map(|t| ContentMixTarget {
                    format: t.format.as_str().to_string(),
                    per_week: t.per_week,
                    posts: t.posts,
                    median_rate: t.median_rate,
                    lift: t.lift,
                    evidence: t.evidence,
                })
                .collect(),
            evidence: mix.evidence,
        },
        source: history.source,
        fetched_at: history.fetched_at,
    })
}

async fn plan_of(state: &AppState, ctx: &Ctx, kind: Kind, id: &str) -> Result<Json<GrowthPlanOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (subject, key) = subject(state, ctx, kind, id).await?;
    Ok(Json(plan_out(state, &subject, &key).await?))
}

async fn set_plan_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: GrowthGoalIn,
) -> Result<Json<GrowthPlanOut>> {
    ctx.require(Permission::WorkspaceWrite)?;
    let (subject, key) = subject(state, ctx, kind, id).await?;
    let tz = zone::of(&state.db, &key).await?;
    let goal = plan::check(
        Some(body.target_followers),
        Some(body.target_date),
        zone::today(tz),
    )?;
    plan::set_goal(&state.db, ctx, &key, goal).await?;
    Ok(Json(plan_out(state, &subject, &key).await?))
}

async fn delete_plan_of(state: &AppState, ctx: &Ctx, kind: Kind, id: &str) -> Result<StatusCode> {
    ctx.require(Permission::WorkspaceWrite)?;
    let (_, key) = subject(state, ctx, kind, id).await?;
    plan::delete_goal(&state.db, ctx, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An own account's growth plan: the goal with its projection and on-track indicator, and
/// the weekly content mix derived from what performs.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = GrowthPlanOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<GrowthPlanOut>> {
    plan_of(&state, &ctx, Kind::Account, &id).await
}

/// Set (or replace) an own account's goal.
#[utoipa::path(put, path = "/api/v1/instagram/accounts/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = GrowthGoalIn,
    responses((status = 200, body = GrowthPlanOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_account_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<GrowthGoalIn>,
) -> Result<Json<GrowthPlanOut>> {
    set_plan_of(&state, &ctx, Kind::Account, &id, body).await
}

/// Remove an own account's goal (404 when none is set).
#[utoipa::path(delete, path = "/api/v1/instagram/accounts/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_account_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    delete_plan_of(&state, &ctx, Kind::Account, &id).await
}

/// A tracked profile's growth plan.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = GrowthPlanOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<GrowthPlanOut>> {
    plan_of(&state, &ctx, Kind::Tracked, &id).await
}

/// Set (or replace) a tracked profile's goal.
#[utoipa::path(put, path = "/api/v1/instagram/tracked/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = GrowthGoalIn,
    responses((status = 200, body = GrowthPlanOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_tracked_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<GrowthGoalIn>,
) -> Result<Json<GrowthPlanOut>> {
    set_plan_of(&state, &ctx, Kind::Tracked, &id, body).await
}

/// Remove a tracked profile's goal (404 when none is set).
#[utoipa::path(delete, path = "/api/v1/instagram/tracked/{id}/plan", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_tracked_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    delete_plan_of(&state, &ctx, Kind::Tracked, &id).await
}
