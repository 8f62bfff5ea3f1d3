//! `/planner`: the workspace's day — today's tasks of every own account (and of tracked
//! profiles with a goal), each in its time zone, with streaks and check-off; the calendar of
//! every subject's planned posts and tasks; and the member's calendar subscription: a secret
//! URL shown once on creation, replaced by creating a new one, revocable.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Duration, Utc};
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    http::extract::Query,
    web::{
        flash,
        forms::{action_failed, html, redirect_flash},
        shell::{self, FlashKind, Shell},
    },
};

use super::{
    TaskView,
    calendar::{self, CalendarQuery, CalendarView, Range},
    subject::{StreakView, item_entry, task_entry},
    when_utc,
};
use crate::service::planner::{self, calendar as items, feed, tasks};

const PATH: &str = "/planner";

struct SubjectToday {
    username: String,
    href: String,
    time_zone: String,
    today: String,
    tasks: Vec<TaskView>,
    s: StreakView,
}

struct FeedView {
    active: bool,
    prefix: String,
    created: String,
    last_used: String,
    /// The new URL, on the answer that created it only.
    new_url: Option<String>,
}

#[derive(Template)]
#[template(path = "intelligence/workspace_planner.html")]
struct WorkspacePage {
    shell: Shell,
    subjects: Vec<SubjectToday>,
    calendar: CalendarView,
    feed: FeedView,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    q: &CalendarQuery,
    new_url: Option<String>,
    jar: CookieJar,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let days = planner::today(state, &scope).await?;
    let today = Utc::now().date_naive();
    let range = Range::of(q, today);
    let mut entries = Vec::new();
    let from = range.first.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::days(1);
    let to = range.last.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(2);
    let all_items = items::in_workspace(&state.db, &scope, from, to).await?;
    let all_tasks = tasks::in_workspace(&state.db, &scope, range.first, range.last).await?;
    for d in &days {
        let who = format!("@{} · ", d.username);
        for item in all_items
            .iter()
            .filter(|i| i.subject_kind == d.key.kind && i.subject_id == d.key.id)
        {
            entries.push(item_entry(item, d.time_zone, &who));
        }
        for t in all_tasks
            .iter()
            .filter(|t| t.subject_kind == d.key.kind && t.subject_id == d.key.id)
        {
            entries.push(task_entry(t, d.time_zone, &who));
        }
    }
    entries.retain(|e| e.day >= range.first && e.day <= range.last);
    let current = feed::current(&state.db, ctx).await?;
    let (jar, flashes) = flash::take(jar);
    let view = WorkspacePage {
        shell: shell::for_request(state, Some(ctx), "Planner", PATH, flashes).await?,
        subjects: days
            .iter()
            .map(|d| SubjectToday {
                username: d.username.clone(),
                href: format!("{}/planner", d.subject.path()),
                time_zone: d.time_zone.name().to_string(),
                today: d.today.format("%A, %b %-d").to_string(),
                tasks: d
                    .tasks
                    .iter()
                    .map(|t| TaskView::new(t, ctx, d.time_zone, PATH))
                    .collect(),
                s: StreakView {
                    id: d.key.id.to_string(),
                    current: d.streaks.current,
                    longest: d.streaks.longest,
                    oob: false,
                },
            })
            .collect(),
        calendar: calendar::view(PATH, range, today, entries),
        feed: FeedView {
            active: current.is_some(),
            prefix: current
                .as_ref()
                .map(|f| f.prefix.clone())
                .unwrap_or_default(),
            created: when_utc(current.as_ref().map(|f| &f.created_at)),
            last_used: when_utc(current.as_ref().and_then(|f| f.last_used_at.as_ref())),
            new_url,
        },
    };
    Ok(html(jar, &view))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CalendarQuery>,
    jar: CookieJar,
) -> Result<Response> {
    render(&state, &ctx, &q, None, jar).await
}

/// Creates (or replaces) the member's subscribe URL and shows it, this once.
pub async fn create_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    match feed::create(&state.db, &ctx).await {
        Ok((_, secret)) => {
            let url = feed::url(&state.config, &secret);
            render(&state, &ctx, &CalendarQuery::default(), Some(url), jar).await
        }
        Err(e) => action_failed(jar, e, PATH),
    }
}

pub async fn revoke_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    match feed::revoke(&state.db, &ctx).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The calendar link no longer works. Calendars subscribed to it stop updating.",
            PATH,
        )),
        Err(e) => action_failed(jar, e, PATH),
    }
}
