//! The changeover from a self-hosted server to one that sells plans. While no Stripe key is set
//! every workspace is on the unlimited Self-hosted plan; once one is set, new workspaces start
//! on the Free plan and the page lists the workspaces still on the Self-hosted plan, for staff
//! to decide: move one (or all) to the Free plan, or comp another plan on its billing page.
//! Nothing moves by itself.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Result,
    web::{
        format::count,
        forms::{after_action, fmt_time, html, parse_id},
        shell::Shell,
    },
};

use crate::{mode::Mode, staff::service};
use platform::staff::{Chrome, StaffPage, StaffPermission, frame};

pub const PAGE: &str = "/admin/billing/self-hosted";

struct Row {
    id: String,
    name: String,
    since: String,
}

#[derive(Template)]
#[template(path = "billing/staff/self_hosted.html")]
struct SelfHostedPage {
    shell: Shell,
    chrome: Option<Chrome>,
    /// The server sells plans (a Stripe key is set).
    selling: bool,
    /// When it started to, in words.
    since: String,
    summary: String,
    rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let view = service::self_hosted(&staff, &state).await?;
    let (jar, shell, chrome) = frame(&state, &staff, "Self-hosted plan", PAGE, jar).await?;
    let n = i64::try_from(view.workspaces.len()).unwrap_or(i64::MAX);
    let page = SelfHostedPage {
        shell,
        chrome,
        selling: view.mode.takes_payments(),
        since: match view.mode {
            Mode::Stripe { since } => fmt_time(&since),
            Mode::SelfHosted => String::new(),
        },
        summary: format!(
            "{} on the Self-hosted plan.",
            match n {
                1 => "1 workspace is".to_string(),
                n => format!("{} are", count(n, "workspace", "workspaces")),
            }
        ),
        rows: view
            .workspaces
            .into_iter()
            .map(|(id, name, since)| Row {
                id: id.to_string(),
                name,
                since: fmt_time(&since),
            })
            .collect(),
    };
    Ok(html(jar, &page))
}

/// `POST …/{id}/move`: one workspace to the Free plan.
pub async fn move_one(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let outcome = service::end_self_hosted(&staff, &state, parse_id(&id)?).await;
    after_action(jar, PAGE, outcome, |_| {
        "The workspace is on the Free plan now; it can choose a plan on its billing page.".into()
    })
}

/// `POST …/move-all`: every workspace still on the Self-hosted plan to the Free plan.
pub async fn move_all(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let outcome = service::end_self_hosted_all(&staff, &state).await;
    after_action(jar, PAGE, outcome, |n| {
        format!(
            "Moved to the Free plan: {}.",
            count(
                i64::try_from(n).unwrap_or(i64::MAX),
                "workspace",
                "workspaces"
            )
        )
    })
}
