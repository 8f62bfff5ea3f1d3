//! Billing's cards on the staff dashboard (staff with the billing permission): live
//! subscriptions and MRR among the totals, then cash collected over 30 days (chart) and
//! workspaces by plan in force (pie).

use askama::Template;
use platform::{
    AppState, Result,
    staff::{
        Staff, StaffPermission,
        dashboard::{DashboardCards, DashboardFacts},
    },
    web::{
        charts::{self, DailyValues, Style},
        format::money,
    },
};

use crate::{
    plans,
    service::{revenue, subscriptions},
};

#[derive(Template)]
#[template(path = "billing/staff/_dashboard_totals.html")]
struct Totals {
    live_subscriptions: u64,
    mrr: String,
}

#[derive(Template)]
#[template(path = "billing/staff/_dashboard_charts.html")]
struct Charts {
    collected_total: String,
    /// Sanitised SVG, or empty with `problem` saying why (e.g. mixed currencies).
    collected_chart: String,
    plans_chart: String,
    problem: String,
}

/// Dashboard figures of billing: live subscriptions, and workspaces per plan in force.
pub struct Overview {
    pub live_subscriptions: u64,
    /// (plan name, workspaces), plans in their order.
    pub workspaces_by_plan: Vec<(String, u64)>,
}

pub async fn overview(staff: &Staff, state: &AppState, workspaces: u64) -> Result<Overview> {
    staff.require(StaffPermission::Billing)?;
    let counts = plans::subscriber_counts(&state.db).await?;
    let subscribed: u64 = counts.values().sum();
    // Workspaces without a live subscription are on the fallback plan (Free, or Self-hosted
    // while the server takes no payments).
    let fallback = subscriptions::fallback(&state.db).await?.key;
    let rows = plans::all(&state.db)
        .await?
        .into_iter()
        .map(|p| {
            let mut n = counts.get(&p.id).copied().unwrap_or(0);
            if p.key == fallback {
                n += workspaces.saturating_sub(subscribed);
            }
            (p.name, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(Overview {
        live_subscriptions: subscriptions::count_live(&state.db).await?,
        workspaces_by_plan: rows,
    })
}

/// The cards, or none for a role without the billing permission.
pub async fn cards(
    state: &AppState,
    staff: &Staff,
    facts: DashboardFacts,
) -> Result<DashboardCards> {
    if !staff.can(StaffPermission::Billing) {
        return Ok(DashboardCards::default());
    }
    let overview = overview(staff, state, facts.workspaces).await?;
    let plans_chart = charts::pie(
        "Workspaces by plan in force",
        &overview
            .workspaces_by_plan
            .iter()
            .map(|(name, n)| (name.clone(), *n as f64))
            .collect::<Vec<_>>(),
    )?;
    let today = chrono::Utc::now().date_naive();
    let (mrr, collected_total, collected_chart, problem) =
        match revenue::report(&state.db, today, today).await {
            Ok(r) => {
                let points: Vec<_> = r
                    .collected
                    .iter()
                    .map(|(d, c)| (*d, *c as f64 / 100.0))
                    .collect();
                let chart = charts::daily_values(&DailyValues {
                    title: "Revenue collected per day, last 30 days",
                    series: "Collected",
                    points: &points,
                    style: Style::Bar,
                    unit: "",
                })?;
                (
                    money(r.month.mrr_end, &r.currency),
                    money(r.collected_total, &r.currency),
                    chart,
                    String::new(),
                )
            }
            Err(platform::Error::Conflict(m)) => ("—".into(), "—".into(), String::new(), m),
            Err(e) => return Err(e),
        };
    Ok(DashboardCards {
        totals: render(&Totals {
            live_subscriptions: overview.live_subscriptions,
            mrr,
        })?,
        charts: render(&Charts {
            collected_total,
            collected_chart,
            plans_chart,
            problem,
        })?,
    })
}

fn render(template: &impl Template) -> Result<String> {
    template
        .render()
        .map_err(|e| platform::Error::Internal(format!("render: {e}")))
}
