//! Planned posts, and the member's calendar subscription with the feed it serves.

use super::*;

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
