//! `/instagram/{accounts|tracked}/{id}/planner`: a subject's growth goal with its projection
//! and on-track indicator, the weekly content mix with its evidence, today's tasks (checked off
//! in place with htmx) and streaks, the calendar (week or month) of planned posts and tasks,
//! and the form for a planned post. One POST route takes the page's forms (time zone, goal,
//! goal removal, new planned post), each answered inline when invalid. Planned posts are
//! changed and removed on `/planner/items/{id}`; tasks are checked on
//! `/planner/tasks/{id}/check`.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    http::{
        extract::{Form, Path, Query},
        meta,
    },
    web::{
        flash,
        forms::{FormErrors, action_failed, html_with, parse_id, redirect_flash, safe_next},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::{
    Kind, TaskView, ZoneOption,
    calendar::{self, CalendarQuery, CalendarView, Entry, Range},
    local_time, source_label, subject_of, when_utc, zone_options,
};
use crate::{
    model::planner::calendar_item,
    service::planner::{
        self, SubjectKey, calendar as items,
        plan::{self, Goal},
        tasks, zone,
    },
};

/// The values a form shows again after an error.
#[derive(Debug, Default, Deserialize)]
pub struct PlannerForm {
    #[serde(default)]
    pub(crate) form: String,
    #[serde(default)]
    pub(crate) time_zone: String,
    #[serde(default)]
    pub(crate) target_followers: String,
    #[serde(default)]
    pub(crate) target_date: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) date: String,
    #[serde(default)]
    pub(crate) time: String,
    #[serde(default)]
    pub(crate) media_type: String,
}

pub(crate) struct MediaOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub(crate) fn media_options(current: &str) -> Vec<MediaOption> {
    items::MEDIA_TYPES
        .iter()
        .map(|(value, label)| MediaOption {
            value,
            label,
            selected: *value == current,
        })
        .collect()
}

struct ProjectionView {
    status: &'static str,
    badge: &'static str,
    current: String,
    needed: String,
    trend: String,
    projected: String,
    summary: String,
}

struct MixRow {
    format: &'static str,
    per_week: u32,
    evidence: String,
}

struct ItemRow {
    href: String,
    when: String,
    media: &'static str,
    title: String,
}

pub(crate) struct StreakView {
    pub id: String,
    pub current: u32,
    pub longest: u32,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "intelligence/planner.html")]
struct PlannerPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    best_times: String,
    demo: bool,
    can_write: bool,
    time_zone: String,
    zones: Vec<ZoneOption>,
    errors: FormErrors,
    form: PlannerForm,
    has_goal: bool,
    goal_label: String,
    projection: Option<ProjectionView>,
    mix_evidence: String,
    mix_per_week: u32,
    mix: Vec<MixRow>,
    provenance: String,
    today: String,
    tasks: Vec<TaskView>,
    s: StreakView,
    calendar: CalendarView,
    media: Vec<MediaOption>,
    upcoming: Vec<ItemRow>,
    title_max: usize,
    note_max: usize,
}

fn number(n: i64) -> String {
    platform::web::format::number(n)
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    key: &SubjectKey,
    errors: FormErrors,
    mut form: PlannerForm,
    q: &CalendarQuery,
    jar: CookieJar,
) -> Result<Response> {
    let tz = zone::of(&state.db, key).await?;
    let today = zone::today(tz);
    let history = planner::record(state, subject).await?;
    let goal = plan::goal(&state.db, key).await?;
    let projection = goal.as_ref().map(|g| {
        plan::project(
            &Goal {
                target_followers: g.target_followers,
                target_date: g.target_date,
            },
            &history,
            today,
        )
    });
    let behind = projection.as_ref().and_then(|p| p.on_track) == Some(false);
    let mix = plan::mix(&history.posts, Utc::now(), behind);
    if form.target_followers.is_empty()
        && form.target_date.is_empty()
        && let Some(g) = &goal
    {
        form.target_followers = g.target_followers.to_string();
        form.target_date = g.target_date.to_string();
    }
    if form.media_type.is_empty() {
        form.media_type = "reel".into();
    }
    let back = subject.path();
    let base = format!("{back}/planner");
    let day_tasks = tasks::between(state, key, subject, tz, today, today).await?;
    let streaks = tasks::streaks_of(&state.db, key, tz).await?;
    let range = Range::of(q, today);
    let mut entries = Vec::new();
    let from = zone::day_start(tz, range.first);
    let to = zone::day_start(tz, range.last + Duration::days(1));
    for item in items::between(&state.db, key, from, to).await? {
        entries.push(item_entry(&item, tz, ""));
    }
    let range_tasks = if range.first <= today {
        tasks::between(state, key, subject, tz, range.first, range.last.min(today)).await?
    } else {
        Vec::new()
    };
    for t in &range_tasks {
        entries.push(task_entry(t, tz, ""));
    }
    let upcoming = items::between(
        &state.db,
        key,
        Utc::now() - Duration::hours(1),
        Utc::now() + Duration::days(30),
    )
    .await?
    .into_iter()
    .map(|i| ItemRow {
        href: format!("/planner/items/{}", i.id),
        when: local_time(&i.slot_at, tz),
        media: items::media_label(&i.media_type),
        title: i.title,
    })
    .collect();
    let (jar, flashes) = flash::take(jar);
    let profile = subject.profile();
    let title = format!("Planner · @{}", profile.username);
    let view = PlannerPage {
        shell: shell::for_request(state, Some(ctx), &title, "/instagram", flashes).await?,
        username: profile.username.clone(),
        action: base.clone(),
        best_times: format!("{back}/best-times"),
        back: back.clone(),
        demo: profile.pool == "demo" || history.source == "demo",
        can_write: ctx.can(Permission::WorkspaceWrite),
        time_zone: tz.name().to_string(),
        zones: zone_options(tz),
        errors,
        has_goal: goal.is_some(),
        goal_label: goal
            .as_ref()
            .map(|g| {
                format!(
                    "{} followers by {}",
                    number(g.target_followers),
                    g.target_date.format("%b %-d, %Y")
                )
            })
            .unwrap_or_default(),
        projection: projection.map(|p| ProjectionView {
            status: match p.on_track {
                Some(true) => "On track",
                Some(false) => "Behind",
                None => "Not enough history",
            },
            badge: match p.on_track {
                Some(true) => "badge-success",
                Some(false) => "badge-danger",
                None => "badge-muted",
            },
            current: p.current.map(number).unwrap_or_else(|| "—".into()),
            needed: p
                .needed_per_day
                .map(|n| format!("{n:.1} a day"))
                .unwrap_or_else(|| "—".into()),
            trend: p
                .trend
                .map(|t| format!("{:+.1} a day", t.per_day))
                .unwrap_or_else(|| "—".into()),
            projected: p.projected.map(number).unwrap_or_else(|| "—".into()),
            summary: p.summary,
        }),
        mix_evidence: mix.evidence.clone(),
        mix_per_week: mix.per_week,
        mix: mix
            .targets
            .iter()
            .map(|t| MixRow {
                format: t.format.plural(),
                per_week: t.per_week,
                evidence: t.evidence.clone(),
            })
            .collect(),
        provenance: format!(
            "{}, fetched {}",
            source_label(&history.source),
            when_utc(history.fetched_at.as_ref())
        ),
        today: today.format("%A, %b %-d").to_string(),
        tasks: day_tasks
            .iter()
            .map(|t| TaskView::new(t, ctx, tz, &base))
            .collect(),
        s: StreakView {
            id: key.id.to_string(),
            current: streaks.current,
            longest: streaks.longest,
            oob: false,
        },
        calendar: calendar::view(&base, range, today, entries),
        media: media_options(&form.media_type),
        form,
        upcoming,
        title_max: items::TITLE_MAX,
        note_max: items::NOTE_MAX,
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

pub(crate) fn item_entry(item: &calendar_item::Model, tz: Tz, who: &str) -> Entry {
    let local = item.slot_at.with_timezone(&tz);
    Entry {
        day: local.date_naive(),
        time: format!("{:02}:{:02}", local.hour(), local.minute()),
        label: format!(
            "{}{}: {}",
            who,
            items::media_label(&item.media_type),
            item.title
        ),
        class: "entry-post",
        href: Some(format!("/planner/items/{}", item.id)),
        done: false,
    }
}

pub(crate) fn task_entry(t: &crate::model::planner::task::Model, tz: Tz, who: &str) -> Entry {
    Entry {
        day: t.day,
        time: t
            .slot_at
            .map(|s| s.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default(),
        label: format!("{who}{}", t.title),
        class: "entry-task",
        href: None,
        done: t.done_at.is_some(),
    }
}

async fn page(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    q: CalendarQuery,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    render(
        &state,
        &ctx,
        &subject,
        &key,
        FormErrors::default(),
        PlannerForm::default(),
        &q,
        jar,
    )
    .await
}

/// A planned post's slot from the form's date and time in the subject's zone.
pub(crate) fn slot_of(tz: Tz, date: &str, time: &str) -> Result<Option<chrono::DateTime<Utc>>> {
    let Some(day) = plan::parse_date("slot_at", date)? else {
        return Ok(None);
    };
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
        .map_err(|_| Error::validation("slot_at", "Enter a time like 18:30"))?;
    Ok(zone::at(tz, day, time.hour(), time.minute()))
}

async fn act(state: &AppState, ctx: &Ctx, key: &SubjectKey, form: &PlannerForm) -> Result<String> {
    match form.form.as_str() {
        "time_zone" => {
            let tz = zone::set(&state.db, ctx, key, &form.time_zone).await?;
            Ok(format!("Time zone set to {}.", tz.name()))
        }
        "goal" => {
            let tz = zone::of(&state.db, key).await?;
            let target = plan::parse_target(&form.target_followers);
            let date = plan::parse_date("target_date", &form.target_date);
            let goal = match (target, date) {
                (Ok(t), Ok(d)) => plan::check(t, d, zone::today(tz))?,
                (Err(a), Err(b)) => {
                    let mut fields = a.field_errors().to_vec();
                    fields.extend(b.field_errors().iter().cloned());
                    return Err(Error::Validation(fields));
                }
                (Err(e), _) | (_, Err(e)) => return Err(e),
            };
            plan::set_goal(&state.db, ctx, key, goal).await?;
            Ok("Goal saved.".into())
        }
        "goal_delete" => {
            plan::delete_goal(&state.db, ctx, key).await?;
            Ok("Goal removed.".into())
        }
        "item" => {
            ctx.require(Permission::WorkspaceWrite)?;
            let tz = zone::of(&state.db, key).await?;
            let slot_at = slot_of(tz, &form.date, &form.time)?;
            items::create(
                &state.db,
                ctx,
                key,
                items::ItemInput {
                    title: form.title.clone(),
                    note: form.note.clone(),
                    slot_at,
                    media_type: form.media_type.clone(),
                },
            )
            .await?;
            Ok("Post planned.".into())
        }
        _ => Err(Error::BadRequest("Unknown form".into())),
    }
}

async fn post_form(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    form: PlannerForm,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    let to = format!("{}/planner", subject.path());
    match act(&state, &ctx, &key, &form).await {
        Ok(message) => Ok(redirect_flash(jar, FlashKind::Success, message, &to)),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &state,
                &ctx,
                &subject,
                &key,
                errors,
                form,
                &CalendarQuery::default(),
                jar,
            )
            .await
        }
        Err(e) => action_failed(jar, e, &to),
    }
}

pub async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CalendarQuery>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Account, id, q, jar).await
}

pub async fn tracked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CalendarQuery>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Tracked, id, q, jar).await
}

pub async fn account_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<PlannerForm>,
) -> Result<Response> {
    post_form(state, ctx, Kind::Account, id, form, jar).await
}

pub async fn tracked_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<PlannerForm>,
) -> Result<Response> {
    post_form(state, ctx, Kind::Tracked, id, form, jar).await
}

// ---- check-off ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    done: String,
    #[serde(default)]
    back: String,
}

#[derive(Template)]
#[template(path = "intelligence/_task_swap.html")]
struct TaskSwap {
    t: TaskView,
    s: StreakView,
}

/// Checks a task off or on. htmx swaps the task's row (and the subject's streak, out of band);
/// without it, back to the page with a flash. A failure is a toast (htmx) or a flash.
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<CheckForm>,
) -> Result<Response> {
    let back = safe_next(&form.back, "/planner");
    let done = form.done == "true";
    let task = match parse_id(&id) {
        Ok(id) => tasks::set_done(&state, &ctx, id, done).await,
        Err(e) => Err(e),
    };
    let task = match task {
        Ok(t) => t,
        Err(e) => return action_failed(jar, e, &back),
    };
    if !meta::current().is_htmx {
        let message = if done {
            "Task done."
        } else {
            "Task opened again."
        };
        return Ok(redirect_flash(jar, FlashKind::Success, message, &back));
    }
    let key = SubjectKey {
        workspace_id: Scope::of(&ctx)?.workspace_id(),
        kind: if task.subject_kind == planner::TRACKED {
            planner::TRACKED
        } else {
            planner::ACCOUNT
        },
        id: task.subject_id,
    };
    let tz = zone::of(&state.db, &key).await?;
    let streaks = tasks::streaks_of(&state.db, &key, tz).await?;
    Ok(platform::web::render(&TaskSwap {
        t: TaskView::new(&task, &ctx, tz, &back),
        s: StreakView {
            id: key.id.to_string(),
            current: streaks.current,
            longest: streaks.longest,
            oob: true,
        },
    }))
}
