//! Best posting times of an own account or a tracked profile.

use super::*;

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
