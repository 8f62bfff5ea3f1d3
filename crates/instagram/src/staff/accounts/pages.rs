//! Instagram accounts of every workspace (support and super admin): who connected what, from
//! which source, and which accounts need attention (failed refreshes, reconnect needed).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    http::extract::{PageNumber, Query},
    staff::{Chrome, Pager, StaffPage, StaffPermission, frame, with_query},
    web::{
        forms::{fmt_opt_time, html},
        shell::Shell,
    },
};
use serde::Deserialize;

use crate::service::staff_view::{self, PER_PAGE};

const PATH: &str = "/admin/instagram";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    page: Option<PageNumber>,
}

struct Row {
    username: String,
    workspace: String,
    workspace_id: String,
    kind: String,
    source: String,
    demo: bool,
    status: String,
    followers: String,
    last_refresh: String,
    error: String,
}

#[derive(Template)]
#[template(path = "instagram/staff/accounts.html")]
struct ListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    q: String,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let page = PageNumber::or(query.page, 1);
    let (rows, total) = staff_view::list(&staff, &state, Some(query.q.as_str()), page).await?;
    let (jar, shell, chrome) = frame(&state, &staff, "Instagram accounts", PATH, jar).await?;
    let page = ListPage {
        shell,
        chrome,
        pager: Pager::new(&with_query(PATH, &[("q", &query.q)]), page, PER_PAGE, total),
        rows: rows
            .into_iter()
            .map(|r| Row {
                username: r.profile.username,
                workspace: r.workspace_name,
                workspace_id: r.account.workspace_id.to_string(),
                kind: r.account.kind,
                source: r.profile.source,
                demo: r.profile.pool == "demo",
                status: r.account.status,
                followers: r
                    .profile
                    .followers_count
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "—".into()),
                last_refresh: fmt_opt_time(r.profile.last_refresh_at.as_ref(), "not yet"),
                error: r.profile.last_refresh_error.unwrap_or_default(),
            })
            .collect(),
        q: query.q,
    };
    Ok(html(jar, &page))
}
