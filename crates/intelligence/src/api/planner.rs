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

pub mod best_slots;
pub mod daily;
pub mod growth;
pub mod schedule;

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(best_slots::account_best_times))
        .routes(routes!(best_slots::tracked_best_times))
        .routes(routes!(
            growth::account_time_zone,
            growth::set_account_time_zone
        ))
        .routes(routes!(
            growth::tracked_time_zone,
            growth::set_tracked_time_zone
        ))
        .routes(routes!(
            growth::account_plan,
            growth::set_account_plan,
            growth::delete_account_plan
        ))
        .routes(routes!(
            growth::tracked_plan,
            growth::set_tracked_plan,
            growth::delete_tracked_plan
        ))
        .routes(routes!(daily::account_tasks))
        .routes(routes!(daily::tracked_tasks))
        .routes(routes!(daily::check_task))
        .routes(routes!(daily::uncheck_task))
        .routes(routes!(
            schedule::account_items,
            schedule::create_account_item
        ))
        .routes(routes!(
            schedule::tracked_items,
            schedule::create_tracked_item
        ))
        .routes(routes!(
            schedule::get_item,
            schedule::update_item,
            schedule::delete_item
        ))
        .routes(routes!(daily::planner_today))
        .routes(routes!(
            schedule::calendar_feed,
            schedule::create_calendar_feed,
            schedule::revoke_calendar_feed
        ))
        .routes(routes!(schedule::calendar_feed_file))
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
