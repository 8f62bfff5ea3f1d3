//! The persona page (`/fleet/personas/{id}/accounts?view=…`): its tabs — its accounts, ready
//! accounts to assign, the warm-up pipeline of its location, its proxies, what needs attention,
//! and its content pools — each turned from the service's rows into what the page shows.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    http::extract::{Path, Query},
    web::{
        flash,
        format::{count, money, number},
        forms::{Answer, fmt_time, html_with, parse_id},
        shell::{self, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{LIMITS, LIST, account_href, accounts_href};
use crate::{
    service::{
        lifecycle::State as Lifecycle,
        personas::{self as service, AccountRow, AvailableFilter, ProxyRow, View},
    },
    web::{
        content::{PoolForms, PoolView, pool_view},
        nav::{self, Link},
    },
};

struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

fn task_status_label(s: &str) -> &str {
    match s {
        "pending" => "Waiting",
        "in_progress" => "In progress",
        "completed" => "Done",
        "failed" => "Failed",
        "requires_review" => "Needs review",
        "cancelled" => "Cancelled",
        other => other,
    }
}

fn state_badge(state: &str) -> &'static str {
    match Lifecycle::parse(state) {
        Some(Lifecycle::Active | Lifecycle::Ready) => "badge-success",
        Some(Lifecycle::HumanReview) => "badge-danger",
        Some(Lifecycle::Cleanup | Lifecycle::WarmingUp) => "badge-warning",
        _ => "badge-muted",
    }
}

/// An account as a table row shows it.
struct AccountLine {
    id: String,
    href: String,
    username: String,
    state: String,
    badge: &'static str,
    step: String,
    proxy: String,
    worker: String,
    retries: String,
    tasks: String,
    success: String,
    last_task: String,
    error: String,
    reasons: Vec<&'static str>,
    release_action: String,
    can_release: bool,
}

fn line(r: &AccountRow, persona_id: Uuid) -> AccountLine {
    let a = &r.account;
    let step = match (&r.step_label, a.warmup_step) {
        (Some(label), Some(n)) => format!("Step {n} of {} · {label}", r.steps_total),
        _ => "—".to_string(),
    };
    let proxy = match &r.proxy {
        Some(p) if p.location.is_empty() => format!("{}:{}", p.host, p.port),
        Some(p) => format!("{}:{} · {}", p.host, p.port, p.location),
        None => "No proxy".to_string(),
    };
    let worker = match (&r.worker_name, a.last_worker_action_at) {
        (Some(name), Some(at)) => format!("{name} · {}", fmt_time(&at)),
        (None, Some(at)) => format!("A removed worker · {}", fmt_time(&at)),
        _ => "No worker yet".to_string(),
    };
    let last_task = r
        .last_task
        .as_ref()
        .map(|t| {
            format!(
                "{}: {} · {}",
                t.step_label,
                task_status_label(&t.status),
                fmt_time(&t.at)
            )
        })
        .unwrap_or_else(|| "No task yet".to_string());
    let error = r
        .last_task
        .as_ref()
        .filter(|t| t.failed())
        .and_then(|t| t.error.clone())
        .or_else(|| {
            (a.state == Lifecycle::HumanReview.as_str())
                .then(|| a.last_error_message.clone())
                .flatten()
        })
        .unwrap_or_default();
    AccountLine {
        id: a.id.to_string(),
        href: account_href(a.id),
        username: a.username.clone(),
        state: Lifecycle::label_of(&a.state).to_string(),
        badge: state_badge(&a.state),
        step,
        proxy,
        worker,
        retries: number(i64::from(a.retry_count)),
        tasks: format!(
            "{} done · {} failed",
            number(r.tasks_completed),
            number(r.tasks_failed)
        ),
        success: r
            .success_rate()
            .map(|p| format!("{p:.0} %"))
            .unwrap_or_else(|| "No finished step".to_string()),
        last_task,
        error,
        reasons: r.reasons.clone(),
        release_action: format!("/fleet/personas/{persona_id}/accounts/{}/release", a.id),
        can_release: a.persona_id == Some(persona_id) && a.state == Lifecycle::Active.as_str(),
    }
}

struct ListedView {
    lines: Vec<AccountLine>,
    summary: String,
}

fn listed(l: &service::Listed, persona_id: Uuid, noun: (&str, &str)) -> ListedView {
    let shown = l.rows.len();
    let summary = if shown < l.total {
        format!(
            "{} · showing the first {}",
            count(i64::try_from(l.total).unwrap_or(0), noun.0, noun.1),
            number(i64::try_from(shown).unwrap_or(0))
        )
    } else {
        count(i64::try_from(l.total).unwrap_or(0), noun.0, noun.1)
    };
    ListedView {
        lines: l.rows.iter().map(|r| line(r, persona_id)).collect(),
        summary,
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct AvailableView {
    list: ListedView,
    locations: Vec<Choice>,
    performance: Vec<Choice>,
    any_location: bool,
    assign_action: String,
}

struct StepColumn {
    title: String,
    figures: String,
    lines: Vec<AccountLine>,
    more: String,
}

struct PipelineView {
    columns: Vec<StepColumn>,
    summary: String,
    scope_note: String,
}

struct ProxyLine {
    endpoint: String,
    location: String,
    status: String,
    load: String,
    free: String,
    persona_accounts: String,
    cost: String,
}

fn proxy_line(r: &ProxyRow) -> ProxyLine {
    let p = &r.proxy;
    ProxyLine {
        endpoint: format!("{}:{}", p.host, p.port),
        location: if p.location.is_empty() {
            "—".into()
        } else {
            p.location.clone()
        },
        status: match p.status.as_str() {
            "active" => "Active".into(),
            "inactive" => "Inactive".into(),
            "error" => "Failing".into(),
            other => other.to_string(),
        },
        load: format!(
            "{} of {}",
            number(i64::from(p.account_count)),
            number(i64::from(p.max_accounts))
        ),
        free: number(i64::from(r.free_slots())),
        persona_accounts: number(r.persona_accounts),
        cost: money(p.monthly_cost_minor, &p.currency),
    }
}

struct ProxiesView {
    used: Vec<ProxyLine>,
    free: Vec<ProxyLine>,
    free_note: String,
}

#[derive(Template)]
#[template(path = "fleet/persona_accounts.html")]
struct AccountsPage {
    shell: Shell,
    subnav: Vec<Link>,
    id: String,
    name: String,
    location: String,
    notes: String,
    tabs: Vec<Tab>,
    can_write: bool,
    read_at: String,
    reason_max: usize,
    overview: Option<ListedView>,
    available: Option<AvailableView>,
    pipeline: Option<PipelineView>,
    proxies: Option<ProxiesView>,
    attention: Option<ListedView>,
    pool: Option<PoolView>,
}

/// What the persona page shows: one of the account views, or its content pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tabbed {
    Accounts(View),
    Content,
}

impl Tabbed {
    fn parse(s: &str) -> Tabbed {
        if s == "content" {
            Tabbed::Content
        } else {
            Tabbed::Accounts(View::parse(s).unwrap_or(View::Overview))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountsQuery {
    view: String,
    location: String,
    performance: String,
}

const PERFORMANCE: [(&str, &str); 5] = [
    ("", "Any performance"),
    ("no_failures", "No failed step"),
    ("min90", "At least 90 % of steps succeeded"),
    ("min75", "At least 75 % of steps succeeded"),
    ("min50", "At least 50 % of steps succeeded"),
];

fn performance_filter(raw: &str) -> (bool, Option<u8>) {
    match raw {
        "no_failures" => (true, None),
        "min90" => (false, Some(90)),
        "min75" => (false, Some(75)),
        "min50" => (false, Some(50)),
        _ => (false, None),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    tab: Tabbed,
    q: &AccountsQuery,
    forms: PoolForms,
    status: StatusCode,
    jar: CookieJar,
) -> Result<Response> {
    let (mut overview, mut available, mut pipeline, mut proxies, mut attention, mut pool) =
        (None, None, None, None, None, None);
    let p = match tab {
        Tabbed::Accounts(View::Overview) => {
            let (p, l) = service::overview(state, ctx, id).await?;
            overview = Some(listed(&l, p.id, ("account", "accounts")));
            p
        }
        Tabbed::Accounts(View::Available) => {
            let (no_failures, min_success) = performance_filter(q.performance.trim());
            let filter = AvailableFilter {
                location: q.location.trim().to_string(),
                no_failures,
                min_success,
            };
            let (p, l) = service::available(state, ctx, id, &filter).await?;
            let locations = service::proxy_locations(state, ctx).await?;
            let wanted = filter.location.to_lowercase();
            available = Some(AvailableView {
                list: listed(&l, p.id, ("ready account", "ready accounts")),
                any_location: wanted.is_empty(),
                locations: locations
                    .into_iter()
                    .map(|l| Choice {
                        selected: l.to_lowercase() == wanted,
                        label: l.clone(),
                        value: l,
                    })
                    .collect(),
                performance: PERFORMANCE
                    .iter()
                    .map(|(v, l)| Choice {
                        value: v.to_string(),
                        label: l.to_string(),
                        selected: *v == q.performance.trim(),
                    })
                    .collect(),
                assign_action: format!("/fleet/personas/{}/assign", p.id),
            });
            p
        }
        Tabbed::Accounts(View::Pipeline) => {
            let (p, pipe) = service::pipeline(state, ctx, id).await?;
            let total = pipe.total.max(1);
            pipeline = Some(PipelineView {
                summary: count(
                    i64::try_from(pipe.total).unwrap_or(0),
                    "account in warm-up",
                    "accounts in warm-up",
                ),
                scope_note: if p.location.trim().is_empty() {
                    "All accounts of the workspace that are warming up or waiting for review."
                        .into()
                } else {
                    format!(
                        "Accounts of the workspace on a proxy in {} that are warming up or waiting for review.",
                        p.location
                    )
                },
                columns: pipe
                    .steps
                    .iter()
                    .map(|s| StepColumn {
                        title: format!("{}. {}", s.number, s.label),
                        figures: format!(
                            "{} · {} % of the pipeline{}",
                            count(i64::try_from(s.total).unwrap_or(0), "account", "accounts"),
                            s.total * 100 / total,
                            if s.in_review > 0 {
                                format!(
                                    " · {} need review",
                                    number(i64::try_from(s.in_review).unwrap_or(0))
                                )
                            } else {
                                String::new()
                            }
                        ),
                        more: if s.rows.len() < s.total {
                            format!(
                                "Showing {} of them.",
                                number(i64::try_from(s.rows.len()).unwrap_or(0))
                            )
                        } else {
                            String::new()
                        },
                        lines: s.rows.iter().map(|r| line(r, p.id)).collect(),
                    })
                    .collect(),
            });
            p
        }
        Tabbed::Accounts(View::Proxies) => {
            let (p, px) = service::proxies(state, ctx, id).await?;
            proxies = Some(ProxiesView {
                used: px.used.iter().map(proxy_line).collect(),
                free: px.free.iter().map(proxy_line).collect(),
                free_note: if p.location.trim().is_empty() {
                    "Active proxies with a free slot, in any location.".into()
                } else {
                    format!("Active proxies with a free slot in {}.", p.location)
                },
            });
            p
        }
        Tabbed::Accounts(View::Attention) => {
            let (p, l) = service::attention(state, ctx, id).await?;
            attention = Some(listed(&l, p.id, ("account", "accounts")));
            p
        }
        Tabbed::Content => {
            let p = service::get(state, ctx, id).await?;
            pool = Some(pool_view(state, ctx, Some(p.id), forms).await?);
            p
        }
    };
    let current = match tab {
        Tabbed::Accounts(v) => v.as_str(),
        Tabbed::Content => "content",
    };
    let tabs = View::ALL
        .iter()
        .map(|v| (v.as_str(), v.label()))
        .chain(std::iter::once(("content", "Content")))
        .map(|(value, label)| Tab {
            label,
            href: accounts_href(p.id, value),
            current: value == current,
        })
        .collect();
    let (jar, flashes) = flash::take(jar);
    let view = AccountsPage {
        shell: shell::for_request(state, Some(ctx), &p.name, LIST, flashes).await?,
        subnav: nav::links(LIST),
        id: p.id.to_string(),
        name: p.name.clone(),
        location: p.location.clone(),
        notes: p.notes.clone(),
        tabs,
        can_write: ctx.can(Permission::WorkspaceWrite),
        read_at: fmt_time(&platform::db::now()),
        reason_max: LIMITS.reason,
        overview,
        available,
        pipeline,
        proxies,
        attention,
        pool,
    };
    Ok(html_with(Answer::status(status), jar, &view))
}

pub(super) async fn accounts_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<AccountsQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let tab = Tabbed::parse(q.view.trim());
    show(
        &state,
        &ctx,
        id,
        tab,
        &q,
        PoolForms::default(),
        StatusCode::OK,
        jar,
    )
    .await
}

/// The content tab again with a failed form's errors (the content pages call it).
pub(crate) async fn content_tab(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    forms: PoolForms,
    status: StatusCode,
    jar: CookieJar,
) -> Result<Response> {
    show(
        state,
        ctx,
        id,
        Tabbed::Content,
        &AccountsQuery::default(),
        forms,
        status,
        jar,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tab_is_read_from_the_query() {
        assert_eq!(Tabbed::parse("content"), Tabbed::Content);
        assert_eq!(Tabbed::parse("pipeline"), Tabbed::Accounts(View::Pipeline));
        assert_eq!(Tabbed::parse(""), Tabbed::Accounts(View::Overview));
        assert_eq!(Tabbed::parse("nonsense"), Tabbed::Accounts(View::Overview));
    }

    #[test]
    fn performance_choices_become_filters() {
        assert_eq!(performance_filter("no_failures"), (true, None));
        assert_eq!(performance_filter("min75"), (false, Some(75)));
        assert_eq!(performance_filter(""), (false, None));
    }
}
