//! The planner's pages: an account's or tracked profile's best posting times
//! ([`best_times`]) and planner ([`subject`]: goal, content mix, today's tasks, calendar,
//! planned posts; one planned post in [`items`]), and the workspace's planner ([`workspace`]: today across its accounts,
//! streaks, the calendar, the calendar subscription). The calendar's week and month views
//! are drawn by [`calendar`].

pub mod best_times;
pub mod calendar;
pub mod items;
pub mod subject;
pub mod workspace;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Result, Scope,
    web::{
        links::ObjectLink,
        pages::{PageRoutes, get, post},
    },
};
use uuid::Uuid;

use crate::{
    model::planner::task,
    service::planner::{SubjectKey, zone},
};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(
            "/instagram/accounts/{id}/best-times",
            get(best_times::account_page).post(best_times::account_zone),
        )
        .route(
            "/instagram/tracked/{id}/best-times",
            get(best_times::tracked_page).post(best_times::tracked_zone),
        )
        .route(
            "/instagram/accounts/{id}/planner",
            get(subject::account_page).post(subject::account_post),
        )
        .route(
            "/instagram/tracked/{id}/planner",
            get(subject::tracked_page).post(subject::tracked_post),
        )
        .route("/planner/tasks/{id}/check", post(subject::check))
        .route(
            "/planner/items/{id}",
            get(items::item_page).post(items::item_update),
        )
        .route("/planner/items/{id}/delete", post(items::item_delete))
        .route("/planner", get(workspace::page))
        .route("/planner/calendar-feed", post(workspace::create_feed))
        .route(
            "/planner/calendar-feed/revoke",
            post(workspace::revoke_feed),
        )
}

/// The links on the account and tracked-profile pages.
pub fn links() -> [ObjectLink; 4] {
    [
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Best times",
            path: "/instagram/accounts/{id}/best-times",
            order: 20,
        },
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Planner",
            path: "/instagram/accounts/{id}/planner",
            order: 30,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Best times",
            path: "/instagram/tracked/{id}/best-times",
            order: 20,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Planner",
            path: "/instagram/tracked/{id}/planner",
            order: 30,
        },
    ]
}

/// The sidebar entry of the workspace's planner.
pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    use platform::web::shell::{Icon, NavArea, NavEntry};
    vec![NavEntry {
        label: "Planner",
        href: "/planner",
        area: NavArea::Growth,
        icon: Icon::Calendar,
        order: 110,
        keywords: "tasks calendar plan goal streak best times schedule",
    }]
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Account,
    Tracked,
}

pub(crate) async fn subject_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
) -> Result<(Subject, SubjectKey)> {
    let id = platform::web::forms::parse_id(id)?;
    let subject = match kind {
        Kind::Account => Subject::account(state, ctx, id).await?,
        Kind::Tracked => Subject::tracked(state, ctx, id).await?,
    };
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    Ok((subject, key))
}

/// The subject a stored row names, through the caller's workspace.
pub(crate) async fn subject_named(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    id: Uuid,
) -> Result<(Subject, SubjectKey)> {
    let kind = if kind == crate::service::planner::TRACKED {
        Kind::Tracked
    } else {
        Kind::Account
    };
    subject_of(state, ctx, kind, &id.to_string()).await
}

/// A zone in the time-zone choice.
pub(crate) struct ZoneOption {
    pub name: &'static str,
    pub selected: bool,
}

pub(crate) fn zone_options(current: Tz) -> Vec<ZoneOption> {
    zone::choices()
        .into_iter()
        .map(|name| ZoneOption {
            name,
            selected: name == current.name(),
        })
        .collect()
}

/// "Dec 6, 2026, 14:05 (Europe/Berlin)".
pub(crate) fn local_time(t: &DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%b %-d, %Y, %H:%M").to_string()
}

pub(crate) fn when_utc(t: Option<&DateTime<Utc>>) -> String {
    t.map(|t| t.format("%b %-d, %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "not yet".into())
}

pub(crate) fn source_label(source: &str) -> &'static str {
    instagram::source::Source::parse(source)
        .map(|s| s.label())
        .unwrap_or("Unknown source")
}

/// A task as a row of a list, with its check-off form.
pub(crate) struct TaskView {
    pub id: Uuid,
    pub title: String,
    pub detail: String,
    pub link: Option<String>,
    pub done: bool,
    /// "Done at 14:02 by you".
    pub done_note: String,
    pub can_write: bool,
    /// Where the form returns without htmx.
    pub back: String,
}

impl TaskView {
    pub fn new(t: &task::Model, ctx: &Ctx, tz: Tz, back: &str) -> TaskView {
        TaskView {
            id: t.id,
            title: t.title.clone(),
            detail: t.detail.clone(),
            link: t
                .link
                .clone()
                .filter(|l| l.starts_with("https://") || l.starts_with('/')),
            done: t.done_at.is_some(),
            done_note: match (t.done_at, t.done_by) {
                (Some(at), by) => format!(
                    "Done at {} by {}",
                    at.with_timezone(&tz).format("%H:%M on %b %-d"),
                    if by == Some(ctx.user_id()) {
                        "you"
                    } else {
                        "a teammate"
                    }
                ),
                _ => String::new(),
            },
            can_write: ctx.can(platform::Permission::WorkspaceWrite),
            back: back.to_string(),
        }
    }
}
