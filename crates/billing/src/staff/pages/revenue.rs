//! `GET /admin/billing/revenue?month=YYYY-MM`: every revenue figure of a month with the
//! definitions it is computed by (`crate::service::revenue::DEFINITIONS`), 12-month charts
//! (MRR line, net-new bars) and revenue by plan, and cash collected over the last 30 days.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use charts_rs::{BarChart, Color, LineChart, Series, SeriesCategory, THEME_LIGHT};
use chrono::{Datelike, Utc};
use platform::http::extract::Query;
use platform::{
    AppState, Error, Result,
    web::{
        charts::{self, DailyValues, Style},
        forms::html,
        shell::Shell,
    },
};
use serde::Deserialize;

use super::{money, percent};
use crate::{
    service::revenue::{self, DEFINITIONS, Report},
    staff::service,
};
use platform::staff::{Chrome, StaffPage, StaffPermission, frame};

pub const PAGE: &str = "/admin/billing/revenue";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevenueQuery {
    /// `YYYY-MM`; the current month when empty.
    pub month: String,
}

/// One figure: (id, label, value).
struct Figure {
    id: &'static str,
    label: &'static str,
    value: String,
}

struct PlanRow {
    plan: String,
    workspaces: u64,
    mrr: String,
}

struct MonthRow {
    month: String,
    mrr_end: String,
    new: String,
    expansion: String,
    contraction: String,
    churned: String,
    net_new: String,
}

#[derive(Template)]
#[template(path = "billing/staff/revenue.html")]
struct RevenuePage {
    shell: Shell,
    chrome: Option<Chrome>,
    month: String,
    currency: String,
    figures: Vec<Figure>,
    by_plan: Vec<PlanRow>,
    months: Vec<MonthRow>,
    definitions: &'static [(&'static str, &'static str)],
    mrr_chart: String,
    net_new_chart: String,
    plan_chart: String,
    collected_chart: String,
    collected_total: String,
}

/// A chart of one value per month (dollars), as SVG safe to embed (see `platform::web::charts`).
fn monthly_chart(
    title: &str,
    series: &str,
    labels: &[String],
    cents: &[i64],
    bars: bool,
) -> Result<String> {
    let values: Vec<f32> = cents.iter().map(|c| *c as f32 / 100.0).collect();
    let grey = Color {
        r: 128,
        g: 134,
        b: 146,
        a: 255,
    };
    let colour = Color {
        r: 99,
        g: 102,
        b: 241,
        a: 255,
    };
    let mut s: Series = (series, values).into();
    let svg = if bars {
        s.category = Some(SeriesCategory::Bar);
        let mut c = BarChart::new_with_theme(vec![s], labels.to_vec(), THEME_LIGHT);
        c.width = 560.0;
        c.height = 240.0;
        c.background_color = Color::transparent();
        c.title.text = String::new();
        c.legend.show = Some(false);
        c.x_axis.font.color = grey;
        c.tooltip.show = false;
        c.animation = None;
        c.series.colors = vec![colour];
        c.svg()
    } else {
        let mut c = LineChart::new_with_theme(vec![s], labels.to_vec(), THEME_LIGHT);
        c.width = 560.0;
        c.height = 240.0;
        c.background_color = Color::transparent();
        c.title.text = String::new();
        c.legend.show = Some(false);
        c.x_axis.font.color = grey;
        c.tooltip.show = false;
        c.animation = None;
        c.series.colors = vec![colour];
        c.svg()
    }
    .map_err(|e| Error::internal(format!("chart: {e}")))?;
    let data = labels
        .iter()
        .zip(cents)
        .map(|(l, c)| format!("{l}: {}", money(*c, "usd")))
        .collect::<Vec<_>>()
        .join("; ");
    charts::sanitize(&charts_rs::svg_with_accessibility(&svg, title, &data))
}

fn figures(r: &Report) -> Vec<Figure> {
    let m = |c: i64| money(c, &r.currency);
    let f = |id, label, value| Figure { id, label, value };
    vec![
        f("mrr", "MRR at month end", m(r.month.mrr_end)),
        f("arr", "ARR", m(r.arr)),
        f("arpu", "ARPU", r.arpu.map_or_else(|| "—".into(), m)),
        f(
            "paying-end",
            "Paying workspaces at month end",
            r.month.paying_end.to_string(),
        ),
        f("mrr-start", "MRR at month start", m(r.month.mrr_start)),
        f(
            "paying-start",
            "Paying workspaces at month start",
            r.month.paying_start.to_string(),
        ),
        f("new", "New MRR", m(r.month.new)),
        f("expansion", "Expansion MRR", m(r.month.expansion)),
        f("contraction", "Contraction MRR", m(r.month.contraction)),
        f("churned", "Churned MRR", m(r.month.churned)),
        f("net-new", "Net new MRR", m(r.month.net_new)),
        f(
            "churned-workspaces",
            "Churned workspaces",
            r.month.churned_workspaces.to_string(),
        ),
        f(
            "customer-churn",
            "Customer churn",
            percent(r.customer_churn),
        ),
        f(
            "revenue-churn",
            "Gross revenue churn",
            percent(r.revenue_churn),
        ),
    ]
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(q): Query<RevenueQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let today = Utc::now().date_naive();
    let month = if q.month.trim().is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        revenue::parse_month(&q.month)?
    };
    let r = service::revenue(&staff, &state, month, today).await?;
    let labels: Vec<String> = r.series.iter().map(|m| m.month.clone()).collect();
    let mrr_chart = monthly_chart(
        "MRR at each month end, last 12 months",
        "MRR",
        &labels,
        &r.series.iter().map(|m| m.mrr_end).collect::<Vec<_>>(),
        false,
    )?;
    let net_new_chart = monthly_chart(
        "Net new MRR per month, last 12 months",
        "Net new MRR",
        &labels,
        &r.series.iter().map(|m| m.net_new).collect::<Vec<_>>(),
        true,
    )?;
    let plan_chart = charts::pie(
        "MRR by plan at month end",
        &r.by_plan
            .iter()
            .map(|p| (p.plan_key.clone(), p.mrr as f64 / 100.0))
            .collect::<Vec<_>>(),
    )?;
    let collected_points: Vec<_> = r
        .collected
        .iter()
        .map(|(d, c)| (*d, *c as f64 / 100.0))
        .collect();
    let collected_chart = charts::daily_values(&DailyValues {
        title: "Revenue collected per day, last 30 days",
        series: "Collected",
        points: &collected_points,
        style: Style::Bar,
        unit: "",
    })?;
    let (jar, shell, chrome) = frame(&state, &staff, "Revenue", PAGE, jar).await?;
    let cur = r.currency.clone();
    let page = RevenuePage {
        shell,
        chrome,
        month: r.month.month.clone(),
        figures: figures(&r),
        by_plan: r
            .by_plan
            .iter()
            .map(|p| PlanRow {
                plan: p.plan_key.clone(),
                workspaces: p.workspaces,
                mrr: money(p.mrr, &cur),
            })
            .collect(),
        months: r
            .series
            .iter()
            .map(|m| MonthRow {
                month: m.month.clone(),
                mrr_end: money(m.mrr_end, &cur),
                new: money(m.new, &cur),
                expansion: money(m.expansion, &cur),
                contraction: money(m.contraction, &cur),
                churned: money(m.churned, &cur),
                net_new: money(m.net_new, &cur),
            })
            .collect(),
        definitions: DEFINITIONS,
        mrr_chart,
        net_new_chart,
        plan_chart,
        collected_chart,
        collected_total: money(r.collected_total, &cur),
        currency: cur,
    };
    Ok(html(jar, &page))
}

/// `GET /admin/billing`: the billing area opens on the revenue of the current month.
pub async fn index(StaffPage(staff): StaffPage) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(PAGE),
    ))
}
