//! `GET /admin`: the dashboard every staff role lands on — platform totals, counted when the
//! page is asked for, and 30-day charts of new and daily active users drawn on the server as
//! SVG (no script). Cards of areas the role does not cover are left out, as are modules that
//! do not exist yet.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    web::{
        charts::{self, Daily, Style},
        forms::{fmt_time, html},
        shell::Shell,
    },
};

use super::chrome::{Chrome, frame};
use crate::service::dashboard::{self, DAYS, JobFigures, OutboxFigures};
use platform::staff::{
    StaffPage,
    dashboard::{self as dashboard_cards, DashboardCards, DashboardFacts},
};

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    shell: Shell,
    chrome: Option<Chrome>,
    generated_at: String,
    days: u32,
    users: u64,
    active_users: u64,
    blocked_users: u64,
    workspaces: u64,
    active_today: u64,
    new_in_window: u64,
    notifications_unread: u64,
    jobs: Option<JobFigures>,
    outbox: Option<OutboxFigures>,
    /// Sanitised SVG (`platform::web::charts`), embedded as is.
    new_users_chart: String,
    active_users_chart: String,
    /// The features' cards (billing's for staff with the billing permission, instagram's for
    /// staff with customers' data).
    cards: DashboardCards,
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    let d = dashboard::dashboard(&staff, &state).await?;
    let new_users_chart = charts::daily(&Daily {
        title: "New users per day, last 30 days",
        series: "New users",
        points: &d.new_users,
        style: Style::Bar,
    })?;
    let active_users_chart = charts::daily(&Daily {
        title: "Daily active users, last 30 days",
        series: "Active users",
        points: &d.active_users,
        style: Style::Line,
    })?;
    let cards = dashboard_cards::cards(
        &state,
        &staff,
        DashboardFacts {
            workspaces: d.totals.workspaces,
        },
    )
    .await?;
    let (jar, shell, chrome) = frame(&state, &staff, "Dashboard", "/admin", jar).await?;
    let page = DashboardPage {
        shell,
        chrome,
        generated_at: fmt_time(&d.generated_at),
        days: DAYS,
        users: d.totals.users,
        active_users: d.totals.active_users,
        blocked_users: d.totals.blocked_users,
        workspaces: d.totals.workspaces,
        active_today: d.active_users.last().map_or(0, |(_, n)| *n),
        new_in_window: d.new_users.iter().map(|(_, n)| n).sum(),
        notifications_unread: d.notifications_unread,
        jobs: d.jobs,
        outbox: d.outbox,
        new_users_chart,
        active_users_chart,
        cards,
    };
    Ok(html(jar, &page))
}
