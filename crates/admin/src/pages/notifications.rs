//! The notification bell and page, and `/admin/events`: the staff live stream that feeds the
//! bell (events of the staff topic, only those of the member's areas).

use askama::Template;
use axum::{extract::State, http::request::Parts, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::{Path, Query};
use platform::{
    AppState, Result,
    events::{self, Access, Topic},
    http::meta,
    web::{
        forms::{fmt_time, html, parse_id, redirect},
        shell::Shell,
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, bell, frame};
use crate::{
    service::{notifications, sessions},
    staff_ctx::session_cookie_name,
};
use platform::staff::Bell;
use platform::staff::{StaffPage, StaffPermission, StaffRole};

#[derive(Template)]
#[template(path = "staff/_bell.html")]
struct BellPartial {
    bell: Bell,
}

/// `GET /admin/notifications/bell`: the bell alone (htmx swaps it in on a live event).
pub async fn bell_partial(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Response> {
    let page = BellPartial {
        bell: bell(&state, &staff).await?,
    };
    Ok(platform::web::render(&page))
}

/// After marking: htmx gets the new bell, a plain form goes back to the notifications page.
async fn after_marking(
    state: &AppState,
    staff: &platform::staff::Staff,
    jar: CookieJar,
) -> Result<Response> {
    if meta::current().is_htmx {
        return bell_partial(State(state.clone()), StaffPage(staff.clone())).await;
    }
    Ok(redirect(jar, "/admin/notifications"))
}

pub async fn mark_read(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    notifications::mark_read(&staff, &state, parse_id(&id)?).await?;
    after_marking(&state, &staff, jar).await
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    notifications::mark_all_read(&staff, &state).await?;
    after_marking(&state, &staff, jar).await
}

struct Row {
    id: String,
    title: String,
    body: String,
    link: String,
    when: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct NotificationsPage {
    shell: Shell,
    chrome: Option<Chrome>,
    rows: Vec<Row>,
    unread_only: bool,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    unread: Option<String>,
    cursor: Option<Uuid>,
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(q): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let unread_only = q.unread.is_some_and(|v| v == "1" || v == "true");
    let found = notifications::page(&staff, &state, unread_only, q.cursor, 50).await?;
    let (seen, next) = (found.items, found.next);
    let (jar, shell, chrome) =
        frame(&state, &staff, "Notifications", "/admin/notifications", jar).await?;
    let next = next
        .map(|c| {
            format!(
                "/admin/notifications?cursor={c}{}",
                if unread_only { "&unread=1" } else { "" }
            )
        })
        .unwrap_or_default();
    let page = NotificationsPage {
        shell,
        chrome,
        rows: seen
            .into_iter()
            .map(|s| Row {
                id: s.notification.id.to_string(),
                title: s.notification.title,
                body: s.notification.body,
                link: s.notification.link.unwrap_or_default(),
                when: fmt_time(&s.notification.created_at),
                read: s.read,
            })
            .collect(),
        unread_only,
        next,
    };
    Ok(html(jar, &page))
}

/// `GET /admin/events`: Server-Sent Events of the staff topic that this member's role covers
/// (a `notification` of the `billing` audience does not reach support). The stream ends when
/// the session does (re-checked every minute).
pub async fn stream(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    parts: Parts,
) -> Result<Response> {
    let allowed: Vec<&'static str> = notifications::audiences(&staff);
    let filter = Box::new(move |e: &events::Event| {
        e.topic == Topic::Staff
            && e.data
                .get("audience")
                .and_then(|a| a.as_str())
                .is_none_or(|a| allowed.contains(&a))
    });
    let check_state = state.clone();
    let role = staff.role;
    let check = Box::new(move || {
        let state = check_state.clone();
        let token = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers)
            .get(session_cookie_name(&state))
            .map(|c| c.value().to_string());
        let fut: futures::future::BoxFuture<'static, Access> = Box::pin(async move {
            let Some(token) = token else {
                return Access::Denied;
            };
            match sessions::resolve(&state.db, &token).await {
                Ok(Some((s, m)))
                    if s.state == sessions::ACTIVE && StaffRole::parse(&m.role) == Some(role) =>
                {
                    Access::Allowed
                }
                Ok(_) => Access::Denied,
                Err(e) => Access::Unknown(e.to_string()),
            }
        });
        fut
    });
    staff.require(StaffPermission::Dashboard)?;
    Ok(events::sse_response(&state, filter, check))
}
