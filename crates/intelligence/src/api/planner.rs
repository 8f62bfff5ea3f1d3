//! The planner's JSON API: best posting times, the subject's time zone, its growth plan, its
//! daily tasks (generated on the first view of a day) with check-off, its planned posts, the
//! workspace's day across subjects, and the member's calendar subscription (the feed itself at
//! `/ics/{file}`, read with its secret instead of a token). Subjects are an own account
//! (`/api/v1/instagram/accounts/{id}/…`) or a tracked profile (`…/tracked/{id}/…`); another
//! workspace's subject, task or planned post is not found. Reads need workspace read, changes
//! workspace write (a read-only token changes nothing).

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    error::{Problem, problem_response},
    http::extract::{Json, Path, Query},
    http::meta,
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::planner::{calendar_item, task},
    service::{
        best_times::{self, BestTimes},
        planner::{
            self, SubjectKey, calendar, feed,
            plan::{self, Goal},
            tasks, zone,
        },
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(account_best_times))
        .routes(routes!(tracked_best_times))
        .routes(routes!(account_time_zone, set_account_time_zone))
        .routes(routes!(tracked_time_zone, set_tracked_time_zone))
        .routes(routes!(account_plan, set_account_plan, delete_account_plan))
        .routes(routes!(tracked_plan, set_tracked_plan, delete_tracked_plan))
        .routes(routes!(account_tasks))
        .routes(routes!(tracked_tasks))
        .routes(routes!(check_task))
        .routes(routes!(uncheck_task))
        .routes(routes!(account_items, create_account_item))
        .routes(routes!(tracked_items, create_tracked_item))
        .routes(routes!(get_item, update_item, delete_item))
        .routes(routes!(planner_today))
        .routes(routes!(
            calendar_feed,
            create_calendar_feed,
            revoke_calendar_feed
        ))
        .routes(routes!(calendar_feed_file))
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Account,
    Tracked,
}

async fn subject(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
) -> Result<(Subject, SubjectKey)> {
    let id = parse_id(id)?;
    let subject = match kind {
        Kind::Account => Subject::account(state, ctx, id).await?,
        Kind::Tracked => Subject::tracked(state, ctx, id).await?,
    };
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    Ok((subject, key))
}

// ---- best times -----------------------------------------------------------------------------

/// One weekday-and-hour cell of the grid, in the subject's time zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct BestTimeCell {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// 0–23.
    pub hour: u8,
    /// Posts published in this hour within the window.
    pub posts: usize,
    /// Median engagement rate of those posts, in %.
    pub median_rate: Option<f64>,
    /// `false`: fewer than `min_posts` posts, so the cell is not judged ("not enough data").
    pub enough_data: bool,
    /// `median_rate` over the account's median (judged cells only).
    pub lift: Option<f64>,
    /// Mean followers online in this hour (own accounts whose source reports it).
    pub followers_online: Option<f64>,
    /// `followers_online` over the average hour's.
    pub audience_share: Option<f64>,
    /// The ranking score (see `method`), judged cells only.
    pub score: Option<f64>,
}

/// One of the best slots.
#[derive(Debug, Serialize, ToSchema)]
pub struct BestTimeSlot {
    pub weekday: u8,
    pub hour: u8,
    /// "Tuesday 18:00".
    pub label: String,
    pub posts: usize,
    pub median_rate: Option<f64>,
    pub lift: Option<f64>,
    pub score: Option<f64>,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// Why, in a sentence: the sample size and how far above the account's median.
    pub statement: String,
}

/// The followers-online readings blended in.
#[derive(Debug, Serialize, ToSchema)]
pub struct BestTimesAudience {
    /// Days with readings in the window.
    pub days: usize,
    pub source: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A subject's best posting times.
#[derive(Debug, Serialize, ToSchema)]
pub struct BestTimesOut {
    /// The IANA zone the grid is in.
    pub time_zone: String,
    pub window_days: i64,
    /// The first day read.
    pub from: NaiveDate,
    /// Posts with an engagement rate in the grid.
    pub posts: usize,
    /// Posts of the window without a rate (hidden counts, unknown followers).
    pub posts_without_rate: usize,
    /// A cell needs this many posts to be judged.
    pub min_posts: usize,
    /// The account's median rate over the window, in %.
    pub account_median_rate: Option<f64>,
    /// The weight of the audience share in a cell's score.
    pub audience_weight: f64,
    /// How the grid and the score are computed.
    pub method: String,
    /// 168 cells, Monday 00:00 first.
    pub cells: Vec<BestTimeCell>,
    /// Up to three best slots, best first.
    pub top: Vec<BestTimeSlot>,
    /// `null` when no followers-online readings exist (tracked profiles, sources without them).
    pub audience: Option<BestTimesAudience>,
    /// The posts' sources (`graph`, `apify`, `demo`).
    pub sources: Vec<String>,
    /// The newest fetch of the posts.
    pub fetched_at: Option<DateTime<Utc>>,
    /// Derived from demo data.
    pub demo: bool,
}

impl From<BestTimes> for BestTimesOut {
    fn from(b: BestTimes) -> Self {
        let demo = b.is_demo();
        BestTimesOut {
            time_zone: b.time_zone.name().to_string(),
            window_days: best_times::WINDOW_DAYS,
            from: b.from,
            posts: b.posts,
            posts_without_rate: b.posts_without_rate,
            min_posts: best_times::MIN_POSTS,
            account_median_rate: b.account_median,
            audience_weight: best_times::AUDIENCE_WEIGHT,
            method: best_times::method(),
            cells: b
                .cells
                .iter()
                .map(|c| BestTimeCell {
                    weekday: c.weekday,
                    hour: c.hour,
                    posts: c.posts,
                    median_rate: c.median_rate,
                    enough_data: c.enough(),
                    lift: c.lift,
                    followers_online: c.online,
                    audience_share: c.audience,
                    score: c.score,
                })
                .collect(),
            top: b
                .top
                .iter()
                .map(|s| BestTimeSlot {
                    weekday: s.cell.weekday,
                    hour: s.cell.hour,
                    label: s.label(),
                    posts: s.cell.posts,
                    median_rate: s.cell.median_rate,
                    lift: s.cell.lift,
                    score: s.cell.score,
                    confidence: s.confidence.as_str().to_string(),
                    statement: s.statement.clone(),
                })
                .collect(),
            audience: b.audience.map(|a| BestTimesAudience {
                days: a.days,
                source: a.source,
                fetched_at: a.fetched_at,
            }),
            sources: b.sources,
            fetched_at: b.fetched_at,
            demo,
        }
    }
}

async fn best_times_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
) -> Result<Json<BestTimesOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (subject, key) = subject(state, ctx, kind, id).await?;
    let tz = zone::of(&state.db, &key).await?;
    let history = planner::record(state, &subject).await?;
    Ok(Json(best_times::of(&history, tz, Utc::now()).into()))
}

/// An own account's best posting times: the weekday × hour grid in its time zone and the top
/// three slots.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/best-times", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BestTimesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_best_times(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<BestTimesOut>> {
    best_times_of(&state, &ctx, Kind::Account, &id).await
}

/// A tracked profile's best posting times (from its public counts; no followers-online data).
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/best-times", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BestTimesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_best_times(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<BestTimesOut>> {
    best_times_of(&state, &ctx, Kind::Tracked, &id).await
}

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

// ---- tasks ----------------------------------------------------------------------------------

/// A daily task.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerTaskOut {
    pub id: Uuid,
    /// `account` or `tracked`.
    pub subject_kind: String,
    /// The account's or tracked profile's id.
    pub subject_id: Uuid,
    /// The day, in the subject's time zone.
    pub day: NaiveDate,
    /// Stable within the day.
    pub key: String,
    /// `post`, `reply`, `hashtags` or `suggestion`.
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub link: Option<String>,
    /// When it is due, for timed tasks.
    pub slot_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
    /// The member who checked it off.
    pub done_by: Option<Uuid>,
}

impl From<task::Model> for PlannerTaskOut {
    fn from(t: task::Model) -> Self {
        PlannerTaskOut {
            id: t.id,
            subject_kind: t.subject_kind,
            subject_id: t.subject_id,
            day: t.day,
            key: t.key,
            kind: t.kind,
            title: t.title,
            detail: t.detail,
            link: t.link,
            slot_at: t.slot_at,
            done: t.done_at.is_some(),
            done_at: t.done_at,
            done_by: t.done_by,
        }
    }
}

/// Runs of days with every task done.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerStreaks {
    /// Ending today, or yesterday while today is open.
    pub current: u32,
    pub longest: u32,
}

impl From<tasks::Streaks> for PlannerStreaks {
    fn from(s: tasks::Streaks) -> Self {
        PlannerStreaks {
            current: s.current,
            longest: s.longest,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerTaskList {
    pub time_zone: String,
    /// Today in the subject's time zone (its tasks are generated on the first view).
    pub today: NaiveDate,
    pub items: Vec<PlannerTaskOut>,
    pub streaks: PlannerStreaks,
}

/// Which days.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TasksQuery {
    /// First day (`YYYY-MM-DD`, default today in the subject's time zone).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default `from`); at most 92 days after `from`.
    pub to: Option<NaiveDate>,
}

async fn tasks_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    q: TasksQuery,
) -> Result<Json<PlannerTaskList>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (subject, key) = subject(state, ctx, kind, id).await?;
    let tz = zone::of(&state.db, &key).await?;
    let today = zone::today(tz);
    let from = q.from.unwrap_or(today);
    let to = q.to.unwrap_or(from);
    if to < from {
        return Err(Error::validation("to", "`to` must be on or after `from`"));
    }
    if to - from > Duration::days(calendar::RANGE_MAX_DAYS) {
        return Err(Error::validation(
            "to",
            format!("The range can be at most {} days", calendar::RANGE_MAX_DAYS),
        ));
    }
    let items = tasks::between(state, &key, &subject, tz, from, to).await?;
    let streaks = tasks::streaks_of(&state.db, &key, tz).await?;
    Ok(Json(PlannerTaskList {
        time_zone: tz.name().to_string(),
        today,
        items: items.into_iter().map(Into::into).collect(),
        streaks: streaks.into(),
    }))
}

/// An own account's daily tasks over a range of days, with its streaks. Today's tasks are
/// generated on their first view (generating again adds nothing).
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/tasks", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), TasksQuery),
    responses((status = 200, body = PlannerTaskList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn account_tasks(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<TasksQuery>,
) -> Result<Json<PlannerTaskList>> {
    tasks_of(&state, &ctx, Kind::Account, &id, q).await
}

/// A tracked profile's daily tasks over a range of days, with its streaks.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/tasks", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), TasksQuery),
    responses((status = 200, body = PlannerTaskList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tracked_tasks(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<TasksQuery>,
) -> Result<Json<PlannerTaskList>> {
    tasks_of(&state, &ctx, Kind::Tracked, &id, q).await
}

/// Check a task off (recording who and when).
#[utoipa::path(post, path = "/api/v1/planner/tasks/{id}/check", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = PlannerTaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn check_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<PlannerTaskOut>> {
    Ok(Json(
        tasks::set_done(&state, &ctx, parse_id(&id)?, true)
            .await?
            .into(),
    ))
}

/// Mark a checked task as not done again.
#[utoipa::path(post, path = "/api/v1/planner/tasks/{id}/uncheck", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = PlannerTaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn uncheck_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<PlannerTaskOut>> {
    Ok(Json(
        tasks::set_done(&state, &ctx, parse_id(&id)?, false)
            .await?
            .into(),
    ))
}

// ---- planned posts --------------------------------------------------------------------------

/// A planned post.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarItemOut {
    pub id: Uuid,
    /// `account` or `tracked`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub title: String,
    pub note: String,
    pub slot_at: DateTime<Utc>,
    /// `reel`, `carousel`, `image` or `story`.
    pub media_type: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<calendar_item::Model> for CalendarItemOut {
    fn from(m: calendar_item::Model) -> Self {
        CalendarItemOut {
            id: m.id,
            subject_kind: m.subject_kind,
            subject_id: m.subject_id,
            title: m.title,
            note: m.note,
            slot_at: m.slot_at,
            media_type: m.media_type,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A planned post as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarItemIn {
    /// 1–120 characters.
    pub title: String,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub note: String,
    /// When it goes out (RFC 3339); within a year back and five years ahead.
    pub slot_at: DateTime<Utc>,
    /// `reel`, `carousel`, `image` or `story`.
    pub media_type: String,
}

impl From<CalendarItemIn> for calendar::ItemInput {
    fn from(i: CalendarItemIn) -> Self {
        calendar::ItemInput {
            title: i.title,
            note: i.note,
            slot_at: Some(i.slot_at),
            media_type: i.media_type,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarItemList {
    pub items: Vec<CalendarItemOut>,
}

/// Which planned posts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct CalendarItemsQuery {
    /// From (RFC 3339, inclusive; default a week ago).
    pub from: Option<DateTime<Utc>>,
    /// To (exclusive; default five weeks after `from`); at most 92 days after `from`.
    pub to: Option<DateTime<Utc>>,
}

async fn items_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    q: CalendarItemsQuery,
) -> Result<Json<CalendarItemList>> {
    ctx.require(Permission::WorkspaceRead)?;
    let (_, key) = subject(state, ctx, kind, id).await?;
    let from = q.from.unwrap_or_else(|| Utc::now() - Duration::days(7));
    let to =
        q.to.unwrap_or_else(|| from.checked_add_signed(Duration::days(35)).unwrap_or(from));
    calendar::check_range(from, to)?;
    let items = calendar::between(&state.db, &key, from, to).await?;
    Ok(Json(CalendarItemList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

async fn create_item_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: CalendarItemIn,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceWrite)?;
    let (_, key) = subject(state, ctx, kind, id).await?;
    let item = calendar::create(&state.db, ctx, &key, body.into()).await?;
    Ok((StatusCode::CREATED, Json(CalendarItemOut::from(item))).into_response())
}

/// An own account's planned posts in a range.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/calendar-items", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), CalendarItemsQuery),
    responses((status = 200, body = CalendarItemList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn account_items(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CalendarItemsQuery>,
) -> Result<Json<CalendarItemList>> {
    items_of(&state, &ctx, Kind::Account, &id, q).await
}

/// Plan a post for an own account.
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/calendar-items", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CalendarItemIn,
    responses((status = 201, body = CalendarItemOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CalendarItemIn>,
) -> Result<Response> {
    create_item_of(&state, &ctx, Kind::Account, &id, body).await
}

/// A tracked profile's planned posts in a range.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/calendar-items", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), CalendarItemsQuery),
    responses((status = 200, body = CalendarItemList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tracked_items(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CalendarItemsQuery>,
) -> Result<Json<CalendarItemList>> {
    items_of(&state, &ctx, Kind::Tracked, &id, q).await
}

/// Plan a post for a tracked profile.
#[utoipa::path(post, path = "/api/v1/instagram/tracked/{id}/calendar-items", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CalendarItemIn,
    responses((status = 201, body = CalendarItemOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_tracked_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CalendarItemIn>,
) -> Result<Response> {
    create_item_of(&state, &ctx, Kind::Tracked, &id, body).await
}

/// A planned post.
#[utoipa::path(get, path = "/api/v1/planner/calendar-items/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CalendarItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<CalendarItemOut>> {
    ctx.require(Permission::WorkspaceRead)?;
    let item = calendar::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    Ok(Json(item.into()))
}

/// Change a planned post (every field).
#[utoipa::path(put, path = "/api/v1/planner/calendar-items/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CalendarItemIn,
    responses((status = 200, body = CalendarItemOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<CalendarItemIn>,
) -> Result<Json<CalendarItemOut>> {
    let item = calendar::update(&state.db, &ctx, parse_id(&id)?, body.into()).await?;
    Ok(Json(item.into()))
}

/// Remove a planned post.
#[utoipa::path(delete, path = "/api/v1/planner/calendar-items/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    calendar::delete(&state.db, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- the workspace's day --------------------------------------------------------------------

/// One subject's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerSubjectDay {
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub username: String,
    pub time_zone: String,
    pub today: NaiveDate,
    pub tasks: Vec<PlannerTaskOut>,
    pub streaks: PlannerStreaks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerToday {
    /// Every own account, and each tracked profile with a goal.
    pub subjects: Vec<PlannerSubjectDay>,
}

/// Today's tasks across the workspace: every own account's (generated on the first view of the
/// day) and those of tracked profiles that have a goal, each with its streaks.
#[utoipa::path(get, path = "/api/v1/planner/today", tag = "intelligence", security(("bearer" = [])),
    responses((status = 200, body = PlannerToday), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn planner_today(State(state): State<AppState>, ctx: Ctx) -> Result<Json<PlannerToday>> {
    ctx.require(Permission::WorkspaceRead)?;
    let days = planner::today(&state, &Scope::of(&ctx)?).await?;
    Ok(Json(PlannerToday {
        subjects: days
            .into_iter()
            .map(|d| PlannerSubjectDay {
                subject_kind: d.key.kind.to_string(),
                subject_id: d.key.id,
                username: d.username,
                time_zone: d.time_zone.name().to_string(),
                today: d.today,
                tasks: d.tasks.into_iter().map(Into::into).collect(),
                streaks: d.streaks.into(),
            })
            .collect(),
    }))
}

// ---- calendar subscription ------------------------------------------------------------------

/// The caller's calendar subscription in this workspace (never its secret URL).
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedOut {
    pub active: bool,
    /// The token's first characters, to recognise it.
    pub prefix: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// When a calendar last read it.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new subscribe URL, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedCreated {
    /// The secret URL to subscribe to (anyone holding it can read the plan).
    pub url: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

/// Whether the caller has a calendar subscription URL in this workspace.
#[utoipa::path(get, path = "/api/v1/planner/calendar-feed", tag = "intelligence", security(("bearer" = [])),
    responses((status = 200, body = CalendarFeedOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn calendar_feed(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<CalendarFeedOut>> {
    let current = feed::current(&state.db, &ctx).await?;
    Ok(Json(CalendarFeedOut {
        active: current.is_some(),
        prefix: current.as_ref().map(|f| f.prefix.clone()),
        created_at: current.as_ref().map(|f| f.created_at),
        last_used_at: current.and_then(|f| f.last_used_at),
    }))
}

/// Create a secret subscribe URL for the workspace's plan (planned posts and tasks); any
/// earlier URL of the caller stops working. The URL is shown only in this answer.
#[utoipa::path(post, path = "/api/v1/planner/calendar-feed", tag = "intelligence", security(("bearer" = [])),
    responses((status = 201, body = CalendarFeedCreated), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn create_calendar_feed(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    let (row, secret) = feed::create(&state.db, &ctx).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeedCreated {
            url: feed::url(&state.config, &secret),
            prefix: row.prefix,
            created_at: row.created_at,
        }),
    )
        .into_response())
}

/// Revoke the caller's subscribe URL (calendars reading it get 404 from then on).
#[utoipa::path(delete, path = "/api/v1/planner/calendar-feed", tag = "intelligence", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_calendar_feed(State(state): State<AppState>, ctx: Ctx) -> Result<StatusCode> {
    feed::revoke(&state.db, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The calendar feed (RFC 5545) of a subscribe URL: the workspace's planned posts as timed
/// events and its daily tasks as all-day events. Read with the secret in the path, no token;
/// a revoked or unknown URL is not found.
#[utoipa::path(get, path = "/ics/{file}", tag = "intelligence", params(("file" = String, Path, description = "The secret token followed by `.ics`")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = Problem)))]
pub async fn calendar_feed_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response> {
    match feed::render(&state, &file).await {
        Ok(body) => Ok((
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response()),
        // A calendar, not a browser, reads this URL: errors are problem documents even where
        // the request would otherwise get the HTML error page (the path is not under /api).
        Err(e) => {
            if e.status().is_server_error() {
                tracing::error!(error = ?e, "calendar feed");
            }
            Ok(problem_response(&e, &meta::current().request_id))
        }
    }
}
