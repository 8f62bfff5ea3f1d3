//! Workspaces (support and super admin): the list with member counts, and one workspace with
//! its members, owner, usage and activity.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use identity::service::workspace_directory::WorkspaceSort;
use platform::http::extract::{PageNumber, Path, Query};
use platform::{
    AppState, Result,
    web::{
        forms::{fmt_time, html, parse_id},
        shell::Shell,
    },
};
use serde::Deserialize;

use super::{
    chrome::{Chrome, frame},
    trail::{TrailRow, trail_rows},
};
use crate::service::customers::{self, PER_PAGE};
use platform::staff::{Pager, StaffPage, StaffPermission, panels::WorkspacePanel, with_query};

const LIST: &str = "/admin/workspaces";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub sort: String,
    pub page: Option<PageNumber>,
}

struct Row {
    id: String,
    name: String,
    slug: String,
    members: u64,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/workspaces.html")]
struct ListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: ListQuery,
    sorts: Vec<(&'static str, &'static str)>,
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
    let sort = WorkspaceSort::parse(&query.sort).unwrap_or_default();
    let page = PageNumber::or(query.page, 1);
    let (rows, total) =
        customers::list_workspaces(&staff, &state, Some(query.q.as_str()), sort, page).await?;
    let base = with_query(
        LIST,
        &[("q", query.q.as_str()), ("sort", query.sort.as_str())],
    );
    let (jar, shell, chrome) = frame(&state, &staff, "Workspaces", LIST, jar).await?;
    let page = ListPage {
        shell,
        chrome,
        sorts: WorkspaceSort::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| Row {
                id: r.workspace.id.to_string(),
                created: fmt_time(&r.workspace.created_at),
                name: r.workspace.name,
                slug: r.workspace.slug,
                members: r.members,
            })
            .collect(),
        pager: Pager::new(&base, page, PER_PAGE, total),
        query,
    };
    Ok(html(jar, &page))
}

struct MemberRow {
    id: String,
    email: String,
    name: String,
    role: &'static str,
    joined: String,
    two_factor: bool,
}

#[derive(Template)]
#[template(path = "admin/workspace.html")]
struct DetailPage {
    shell: Shell,
    chrome: Option<Chrome>,
    id: String,
    name: String,
    slug: String,
    created: String,
    owners: Vec<String>,
    members: Vec<MemberRow>,
    pending_invitations: u64,
    active_api_tokens: u64,
    trail: Vec<TrailRow>,
    /// Other features' parts of the page (billing's link and credits), by staff role.
    panel: WorkspacePanel,
}

pub async fn detail(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let (d, trail) = customers::workspace(&staff, &state, parse_id(&id)?).await?;
    let panel = platform::staff::panels::workspace(
        &state,
        &staff,
        d.workspace.id,
        &format!("{LIST}/{}", d.workspace.id),
    )
    .await?;
    let (jar, shell, chrome) = frame(&state, &staff, &d.workspace.name.clone(), LIST, jar).await?;
    let page = DetailPage {
        shell,
        chrome,
        id: d.workspace.id.to_string(),
        owners: d.owners().map(|m| m.email.clone()).collect(),
        pending_invitations: d.pending_invitations,
        active_api_tokens: d.active_api_tokens,
        created: fmt_time(&d.workspace.created_at),
        name: d.workspace.name,
        slug: d.workspace.slug,
        members: d
            .members
            .into_iter()
            .map(|m| MemberRow {
                id: m.user_id.to_string(),
                email: m.email,
                name: m.name,
                role: m.role.label(),
                joined: fmt_time(&m.joined_at),
                two_factor: m.two_factor,
            })
            .collect(),
        trail: trail_rows(trail),
        panel,
    };
    Ok(html(jar, &page))
}
