//! Daily tasks (generated on the first view of a day), their check-off, and the workspace's day.

use super::*;

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
