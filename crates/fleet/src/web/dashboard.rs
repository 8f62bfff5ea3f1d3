//! The fleet dashboard (`/fleet`): the way into every fleet page, and the fleet's figures over
//! 7, 30 or 90 days — accounts per state, the warm-up steps' success and timing, proxy
//! utilization and cost, the workers' output, failures by error class, conversion from import
//! to ready — with server-drawn charts and a CSV download (`/fleet/analytics.csv`). A
//! workspace without accounts gets its first steps instead of a wall of zeros.
//!
//! The same figures as JSON (`GET /api/v1/fleet/analytics?days=N`) and CSV
//! (`GET /api/v1/fleet/analytics.csv?days=N`). An API window outside 1–90 days is a 400; the
//! page says so inline and shows 30 days.

use std::fmt::Write as _;

use askama::Template;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use platform::{
    AppState, Ctx, Result,
    error::Problem,
    http::extract::{Json, Query},
    openapi::ApiRouter,
    web::{
        charts::{self, COLOURS, Format, Series, Step, Style, Timeline},
        flash,
        format::{money, number},
        forms::html,
        pages::{PageRoutes, get},
        shell::{self, Icon, NavArea, NavEntry, Shell},
    },
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::nav::{self, Link};
use crate::service::analytics::{self, Analytics, WINDOWS};

const PAGE: &str = "/fleet";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(PAGE, get(dashboard_page))
        .route("/fleet/analytics.csv", get(csv_page))
}

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(get_analytics))
        .routes(routes!(get_analytics_csv))
}

/// The sidebar entry (after the other growth entries).
pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "Account fleet",
        href: PAGE,
        area: NavArea::Growth,
        icon: Icon::Layers,
        order: 300,
        keywords: "fleet managed accounts proxies workers warm-up onboarding personas models review import analytics",
    }]
}

// ---- JSON and CSV API -----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FleetAnalyticsWindow {
    /// Calendar days up to today in the workspace's fleet time zone: 1–90 (default 30).
    pub days: Option<i64>,
}

/// The fleet's figures: accounts per state, warm-up steps (attempts, success rate, p50/p90
/// execution time), proxy utilization and cost, workers, failures by error class, conversion
/// from import to ready, and tasks per day. 400 when the window is outside 1–90 days.
#[utoipa::path(get, path = "/api/v1/fleet/analytics", tag = "fleet", security(("bearer" = [])), params(FleetAnalyticsWindow),
    responses((status = 200, body = Analytics, content_type = "application/json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan does not include the account fleet (`feature-not-in-plan`)"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_analytics(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FleetAnalyticsWindow>,
) -> Result<Json<Analytics>> {
    let days = analytics::window(q.days)?;
    Ok(Json(analytics::report(&state, &ctx, days).await?))
}

/// The fleet's figures as CSV: `section,key,metric,value` rows (sections `report`, `states`,
/// `steps`, `proxies`, `workers`, `errors`, `conversion`, `daily`); an unknown value is empty.
#[utoipa::path(get, path = "/api/v1/fleet/analytics.csv", tag = "fleet", security(("bearer" = [])), params(FleetAnalyticsWindow),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan does not include the account fleet (`feature-not-in-plan`)"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_analytics_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FleetAnalyticsWindow>,
) -> Result<Response> {
    csv_download(&state, &ctx, analytics::window(q.days)?).await
}

async fn csv_download(state: &AppState, ctx: &Ctx, days: u32) -> Result<Response> {
    let report = analytics::report(state, ctx, days).await?;
    let (name, bytes) = analytics::csv(&report)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---- the page -------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    days: String,
}

/// The window a page asked for, or the default with the reason it was not taken.
fn page_window(raw: &str) -> (u32, String) {
    let raw = raw.trim();
    if raw.is_empty() {
        return (analytics::DEFAULT_DAYS, String::new());
    }
    match raw.parse::<i64>().map(Some).map(analytics::window) {
        Ok(Ok(days)) => (days, String::new()),
        _ => (
            analytics::DEFAULT_DAYS,
            format!(
                "Choose a window of {} to {} days",
                analytics::MIN_DAYS,
                analytics::MAX_DAYS
            ),
        ),
    }
}

async fn csv_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let (days, error) = page_window(&q.days);
    if !error.is_empty() {
        return Err(platform::Error::BadRequest(format!("{error}.")));
    }
    csv_download(&state, &ctx, days).await
}

struct Range {
    label: String,
    href: String,
    current: bool,
}

struct Stat {
    id: &'static str,
    label: String,
    value: String,
    note: String,
}

struct StepRow {
    number: i32,
    label: String,
    attempts: String,
    completed: String,
    failed: String,
    skipped: String,
    success: String,
    p50: String,
    p90: String,
}

struct WorkerRow {
    name: String,
    presence: &'static str,
    badge: &'static str,
    completed: String,
    failed: String,
    failure_rate: String,
    per_hour: String,
    last_seen: String,
}

struct ErrorRow {
    label: String,
    failures: String,
    share: String,
    latest: String,
    latest_at: String,
}

struct StartItem {
    label: &'static str,
    hint: String,
    href: &'static str,
    action: &'static str,
    done: bool,
}

#[derive(Template)]
#[template(path = "fleet/dashboard.html")]
struct DashboardPage {
    shell: Shell,
    /// The fleet's pages (`web::nav`, shared by every fleet page).
    subnav: Vec<Link>,
    /// No accounts yet: the first steps instead of the figures.
    empty: bool,
    start: Vec<StartItem>,
    ranges: Vec<Range>,
    range_error: String,
    days: u32,
    /// "From this workspace's fleet records, computed …".
    provenance: String,
    period: String,
    csv_href: String,
    state_stats: Vec<Stat>,
    /// Sanitised SVG, embedded as is.
    states_chart: String,
    steps: Vec<StepRow>,
    proxy_stats: Vec<Stat>,
    workers: Vec<WorkerRow>,
    errors: Vec<ErrorRow>,
    failures_total: String,
    errors_chart: String,
    conversion_stats: Vec<Stat>,
    daily_chart: String,
    daily_completed: String,
    daily_failed: String,
}

fn local(t: &DateTime<Utc>, zone: Tz) -> String {
    format!(
        "{} ({zone})",
        t.with_timezone(&zone).format("%Y-%m-%d %H:%M")
    )
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1} %"))
}

/// An execution time: `850 ms`, `12.4 s`, `3.2 min`.
fn millis(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{:.1} min", ms as f64 / 60_000.0),
    }
}

/// A time to ready: `45 min`, `20.5 h`, `4.2 days`.
fn span(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(s) if s < 3600 => format!("{} min", s / 60),
        Some(s) if s < 48 * 3600 => format!("{:.1} h", s as f64 / 3600.0),
        Some(s) => format!("{:.1} days", s as f64 / 86_400.0),
    }
}

fn stat(
    id: &'static str,
    label: impl Into<String>,
    value: String,
    note: impl Into<String>,
) -> Stat {
    Stat {
        id,
        label: label.into(),
        value,
        note: note.into(),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart of labelled counts: one row per bar, the label and the count above
/// a bar whose length is its share of the largest. Widths are percentages of the figure and
/// text keeps its size, so it reads the same on a phone and a wide screen (the time charts'
/// approach). Each row carries its figure as a tooltip; the description lists them all.
fn bars(title: &str, rows: &[(String, i64)]) -> Result<String> {
    const ROW: usize = 30;
    const GREY: &str = "#808692";
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let desc = rows
        .iter()
        .map(|(l, v)| format!("{l}: {}", number(*v)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::with_capacity(512 + rows.len() * 400);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{}\" role=\"img\" font-size=\"12\" font-family=\"system-ui, sans-serif\"><title>{}</title><desc>{}</desc>",
        rows.len() * ROW,
        escape(title),
        escape(&desc)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i * ROW;
        let share = *value as f64 / max as f64 * 100.0;
        let _ = write!(
            out,
            "<g><title>{l}: {v}</title><text x=\"0\" y=\"{t}\" fill=\"{GREY}\">{l}</text><text x=\"100%\" y=\"{t}\" text-anchor=\"end\" fill=\"{GREY}\">{v}</text><rect x=\"0\" y=\"{b}\" width=\"100%\" height=\"8\" rx=\"4\" fill=\"{GREY}\" fill-opacity=\"0.15\"/>",
            l = escape(label),
            v = number(*value),
            t = y + 12,
            b = y + 17,
        );
        if *value > 0 {
            let _ = write!(
                out,
                "<rect class=\"tbar\" x=\"0\" y=\"{}\" width=\"{share:.2}%\" height=\"8\" rx=\"4\" fill=\"{}\"/>",
                y + 17,
                COLOURS[0]
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    charts::sanitize(&out)
}

fn start_items(a: &Analytics) -> Vec<StartItem> {
    let p = &a.proxies;
    vec![
        StartItem {
            label: "Add proxies",
            hint: if p.proxies_total > 0 {
                format!(
                    "{} with {} free account slots.",
                    platform::web::format::count(p.proxies_total, "proxy", "proxies"),
                    number(p.slots_free)
                )
            } else {
                "Each account works through a proxy; new accounts take a free slot at once.".into()
            },
            href: "/fleet/proxies",
            action: "Proxies",
            done: p.proxies_total > 0,
        },
        StartItem {
            label: "Import accounts",
            hint: "Upload a text or CSV file of username, password and email, one account a line."
                .into(),
            href: "/fleet/import",
            action: "Import",
            done: false,
        },
        StartItem {
            label: "Check the warm-up steps",
            hint: format!(
                "Five steps on five days by default, counted in the {} time zone.",
                a.time_zone
            ),
            href: "/fleet/settings",
            action: "Settings",
            done: false,
        },
        StartItem {
            label: "Connect a worker",
            hint: if a.workers.is_empty() {
                "Workers take the tasks and act on Instagram; or act as one from an account's page."
                    .into()
            } else {
                platform::web::format::count(
                    i64::try_from(a.workers.len()).unwrap_or(i64::MAX),
                    "worker",
                    "workers",
                )
            },
            href: "/fleet/workers",
            action: "Workers",
            done: !a.workers.is_empty(),
        },
    ]
}

async fn dashboard_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let (days, range_error) = page_window(&q.days);
    let a = analytics::report(&state, &ctx, days).await?;
    let zone: Tz = a.time_zone.parse().unwrap_or(Tz::UTC);
    let (jar, flashes) = flash::take(jar);
    let shell = shell::for_request(&state, Some(&ctx), "Account fleet", PAGE, flashes).await?;
    let page = view(shell, &a, zone, range_error)?;
    Ok(html(jar, &page))
}

fn view(shell: Shell, a: &Analytics, zone: Tz, range_error: String) -> Result<DashboardPage> {
    let computed = local(&a.computed_at, zone);
    let first = a.daily.first().map(|d| d.date);
    let last = a.daily.last().map(|d| d.date);
    let period = match (first, last) {
        (Some(f), Some(l)) if f != l => format!("{f} to {l}"),
        (Some(f), _) => format!("{f}"),
        _ => String::new(),
    };
    let state_stats = a
        .states
        .iter()
        .map(|s| stat("state", s.label.clone(), number(s.accounts), String::new()))
        .collect();
    let states_chart = bars(
        "Accounts per lifecycle state",
        &a.states
            .iter()
            .map(|s| (s.label.clone(), s.accounts))
            .collect::<Vec<_>>(),
    )?;
    let steps = a
        .steps
        .iter()
        .map(|s| StepRow {
            number: s.step_number,
            label: s.label.clone(),
            attempts: number(s.attempts),
            completed: number(s.completed),
            failed: number(s.failed),
            skipped: number(s.skipped),
            success: pct(s.success_rate_percent),
            p50: millis(s.p50_ms),
            p90: millis(s.p90_ms),
        })
        .collect();
    let p = &a.proxies;
    let cost = if p.monthly_cost.is_empty() {
        money(0, "USD")
    } else {
        p.monthly_cost
            .iter()
            .map(|m| money(m.minor, &m.currency))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let proxy_stats = vec![
        stat(
            "proxies-active",
            "Active proxies",
            number(p.proxies_active),
            format!("of {}", number(p.proxies_total)),
        ),
        stat(
            "slots-used",
            "Account slots used",
            format!("{} of {}", number(p.slots_used), number(p.slots_total)),
            format!("{} free, on active proxies", number(p.slots_free)),
        ),
        stat(
            "utilization",
            "Utilization",
            pct(p.utilization_percent),
            "used of all slots",
        ),
        stat(
            "proxy-cost",
            "Monthly proxy cost",
            cost,
            "all the workspace's proxies, as entered",
        ),
    ];
    let workers = a
        .workers
        .iter()
        .map(|w| {
            let (presence, badge) = if w.revoked {
                ("Revoked", "badge-muted")
            } else if w.online {
                ("Online", "badge-success")
            } else {
                ("Offline", "badge-warning")
            };
            WorkerRow {
                name: w.name.clone(),
                presence,
                badge,
                completed: number(w.completed),
                failed: number(w.failed),
                failure_rate: pct(w.failure_rate_percent),
                per_hour: format!("{:.2}", w.tasks_per_hour),
                last_seen: w
                    .last_seen_at
                    .as_ref()
                    .map_or_else(|| "Never".into(), |t| local(t, zone)),
            }
        })
        .collect();
    let errors = a
        .errors
        .iter()
        .map(|e| ErrorRow {
            label: e.label.clone(),
            failures: number(e.failures),
            share: format!("{:.1} %", e.share_percent),
            latest: e.latest_message.clone(),
            latest_at: e
                .latest_at
                .as_ref()
                .map_or_else(String::new, |t| local(t, zone)),
        })
        .collect();
    let errors_chart = if a.failures_total > 0 {
        bars(
            "Failures by error class",
            &a.errors
                .iter()
                .map(|e| (e.label.clone(), e.failures))
                .collect::<Vec<_>>(),
        )?
    } else {
        String::new()
    };
    let c = &a.conversion;
    let conversion_stats = vec![
        stat(
            "imported",
            "Imported",
            number(c.imported),
            "accounts added in the window",
        ),
        stat(
            "reached-ready",
            "Reached ready",
            number(c.reached_ready),
            "of those, finished warm-up",
        ),
        stat(
            "conversion",
            "Conversion",
            pct(c.conversion_percent),
            "imported → ready",
        ),
        stat(
            "ttr-p50",
            "Time to ready, median",
            span(c.time_to_ready_p50_secs),
            "from import to the end of warm-up",
        ),
        stat(
            "ttr-p90",
            "Time to ready, 90th percentile",
            span(c.time_to_ready_p90_secs),
            "nine in ten were ready within this",
        ),
    ];
    let dates: Vec<NaiveDate> = a.daily.iter().map(|d| d.date).collect();
    let completed: Vec<Option<f64>> = a.daily.iter().map(|d| Some(d.completed as f64)).collect();
    let failed: Vec<Option<f64>> = a.daily.iter().map(|d| Some(d.failed as f64)).collect();
    let daily_chart = charts::timeline(&Timeline {
        title: "Tasks completed and failed per day",
        points: &dates,
        step: Step::Day,
        series: &[
            Series {
                name: "Completed",
                values: &completed,
            },
            Series {
                name: "Failed",
                values: &failed,
            },
        ],
        style: Style::Bar,
        format: Format::Count,
        zero_based: true,
    })?;
    Ok(DashboardPage {
        shell,
        subnav: nav::links(PAGE),
        empty: a.accounts_total == 0,
        start: start_items(a),
        ranges: WINDOWS
            .iter()
            .map(|d| Range {
                label: format!("{d} days"),
                href: format!("{PAGE}?days={d}"),
                current: *d == a.window_days,
            })
            .collect(),
        range_error,
        days: a.window_days,
        provenance: format!("From this workspace's fleet records, computed {computed}."),
        period,
        csv_href: format!("/fleet/analytics.csv?days={}", a.window_days),
        state_stats,
        states_chart,
        steps,
        proxy_stats,
        workers,
        errors,
        failures_total: number(a.failures_total),
        errors_chart,
        conversion_stats,
        daily_chart,
        daily_completed: number(a.daily.iter().map(|d| d.completed).sum()),
        daily_failed: number(a.daily.iter().map(|d| d.failed).sum()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_chart_is_embeddable_and_escaped() {
        let svg = bars(
            "States <&>",
            &[("Ready <b>".to_string(), 3), ("Cleanup".to_string(), 0)],
        )
        .unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("style"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("<title>States &lt;&amp;&gt;</title>"));
        assert!(svg.contains("<desc>Ready &lt;b&gt;: 3; Cleanup: 0</desc>"));
        // One filled bar: the zero row has only its track.
        assert_eq!(svg.matches("class=\"tbar\"").count(), 1);
        assert!(svg.contains("width=\"100.00%\""));
    }

    #[test]
    fn figures_read_like_words() {
        assert_eq!(millis(Some(850)), "850 ms");
        assert_eq!(millis(Some(12_400)), "12.4 s");
        assert_eq!(millis(Some(192_000)), "3.2 min");
        assert_eq!(millis(None), "—");
        assert_eq!(span(Some(2700)), "45 min");
        assert_eq!(span(Some(73_800)), "20.5 h");
        assert_eq!(span(Some(4 * 86_400 + 17_280)), "4.2 days");
        assert_eq!(pct(Some(66.7)), "66.7 %");
        assert_eq!(page_window(""), (30, String::new()));
        assert_eq!(page_window("7").0, 7);
        assert!(!page_window("365").1.is_empty());
        assert!(!page_window("abc").1.is_empty());
    }
}
