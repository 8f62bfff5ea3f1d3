//! Revenue metrics (MRR, ARR, ARPU, churn, net new MRR, revenue by plan, cash collected),
//! computed from the recorded history rather than from the subscriptions as they are now: a
//! past month's figures must not change when a workspace changes plan today.
//!
//! Source of truth: `billing_subscription_events`. Each row is a workspace's state from `at`
//! on, with its `mrr` (minor units). The MRR of a workspace at an instant T is the `mrr` of
//! its latest event at or before T (ties broken by the event id, a UUIDv7 in write order),
//! and 0 when it has none. Cash collected comes from `billing_payments`.
//!
//! Month boundaries are UTC calendar months. "At the end of M" is the last instant of M,
//! i.e. every event strictly before the first instant of M+1; "at the start of M" is the same
//! as the end of M−1, so consecutive months chain exactly (end of one = start of the next).
//!
//! One currency: the metrics are sums of amounts, so mixing currencies would be meaningless.
//! When the history holds more than one currency the report is refused with a message naming
//! them, instead of adding dollars to euros.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use platform::{Error, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{payment, subscription_event};

/// Months in the trend series, the chosen month included.
pub const SERIES_MONTHS: u32 = 12;
/// Days in the cash-collected series, today included.
pub const COLLECTED_DAYS: u32 = 30;

/// The definitions the revenue page prints next to the figures: (figure, definition).
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "MRR",
        "Monthly recurring revenue: the sum over workspaces of the MRR recorded by their latest \
         subscription event at or before the instant measured (0 without one). A yearly price \
         counts as 1/12 per month; comped, trialing and canceled subscriptions count 0.",
    ),
    (
        "Start / end of a month",
        "UTC calendar month. The end of M is its last instant; the start of M is the end of the \
         previous month.",
    ),
    ("ARR", "Annual run rate: 12 × MRR at the end of the month."),
    (
        "Paying workspaces",
        "Workspaces whose MRR is above 0 at the instant measured.",
    ),
    (
        "ARPU",
        "Average revenue per paying workspace: MRR at month end ÷ paying workspaces at month \
         end, rounded to the cent.",
    ),
    (
        "New MRR",
        "MRR at month end of workspaces that paid nothing at its start.",
    ),
    (
        "Expansion MRR",
        "Increase of MRR of workspaces paying at both the start and the end of the month.",
    ),
    (
        "Contraction MRR",
        "Decrease of MRR of workspaces paying at both the start and the end of the month.",
    ),
    (
        "Churned MRR",
        "Start-of-month MRR of workspaces paying at the start and nothing at the end.",
    ),
    (
        "Net new MRR",
        "New + expansion − contraction − churned; always equals MRR at end − MRR at start.",
    ),
    (
        "Customer churn",
        "Workspaces paying at the start of the month that pay nothing at its end ÷ workspaces \
         paying at the start.",
    ),
    (
        "Gross revenue churn",
        "(Churned MRR + contraction MRR) ÷ MRR at the start of the month. Expansion does not \
         offset it (that would be net revenue churn).",
    ),
    (
        "Revenue by plan",
        "MRR at month end of paying workspaces, grouped by the plan of their latest event.",
    ),
    (
        "Revenue collected",
        "Sum of recorded payments (subscriptions and credit top-ups) per UTC day, by the time \
         they were paid.",
    ),
];

/// The first day of a `YYYY-MM` month; anything else is a validation error on `month`.
pub fn parse_month(raw: &str) -> Result<NaiveDate> {
    let bad = || Error::validation("month", "Give a month as YYYY-MM, e.g. 2026-03");
    let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
    );
    NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)
}

/// First day of the month `delta` months after the one `first` is in.
fn shift(first: NaiveDate, delta: i32) -> NaiveDate {
    let index = first.year() * 12 + first.month0() as i32 + delta;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(first)
}

fn instant(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

/// `YYYY-MM` of a month's first day.
pub fn month_label(first: NaiveDate) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

/// Revenue of one plan at a month's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanRevenue {
    pub plan_key: String,
    pub workspaces: u64,
    pub mrr: i64,
}

/// The MRR movements of one month (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Movement {
    /// `YYYY-MM`.
    pub month: String,
    pub mrr_start: i64,
    pub mrr_end: i64,
    pub paying_start: u64,
    pub paying_end: u64,
    pub new: i64,
    pub expansion: i64,
    pub contraction: i64,
    pub churned: i64,
    /// Workspaces paying at the start and nothing at the end.
    pub churned_workspaces: u64,
    pub net_new: i64,
}

/// Every figure of the chosen month, with its trend and cash collected.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub currency: String,
    #[serde(flatten)]
    pub month: Movement,
    /// 12 × MRR at month end.
    pub arr: i64,
    /// MRR at end ÷ paying workspaces at end (minor units, rounded); `None` with none paying.
    pub arpu: Option<i64>,
    /// Fraction (0.25 = 25 %); `None` when nobody paid at the start.
    pub customer_churn: Option<f64>,
    /// Gross revenue churn as a fraction; `None` when MRR at the start was 0.
    pub revenue_churn: Option<f64>,
    /// Highest MRR first.
    pub by_plan: Vec<PlanRevenue>,
    /// The `SERIES_MONTHS` months ending with the chosen one, oldest first.
    pub series: Vec<Movement>,
    /// (UTC day, minor units) for the `COLLECTED_DAYS` days ending `today`, oldest first.
    pub collected: Vec<(NaiveDate, i64)>,
    pub collected_total: i64,
}

/// A workspace's state at a boundary: (mrr, plan key).
type State<'a> = (i64, &'a str);

/// Per workspace, its events in time order.
struct History(BTreeMap<Uuid, Vec<subscription_event::Model>>);

impl History {
    /// The state of every workspace with an event before `boundary`.
    fn at(&self, boundary: DateTime<Utc>) -> BTreeMap<Uuid, State<'_>> {
        self.0
            .iter()
            .filter_map(|(ws, events)| {
                // Events are sorted by (at, id): the last one before the boundary is in force.
                events
                    .iter()
                    .rev()
                    .find(|e| e.at < boundary)
                    .map(|e| (*ws, (e.mrr, e.plan_key.as_str())))
            })
            .collect()
    }

    fn movement(&self, first: NaiveDate) -> Movement {
        let start = self.at(instant(first));
        let end = self.at(instant(shift(first, 1)));
        let mrr = |m: &BTreeMap<Uuid, State<'_>>, ws: &Uuid| m.get(ws).map_or(0, |s| s.0);
        let mut mv = Movement {
            month: month_label(first),
            mrr_start: 0,
            mrr_end: 0,
            paying_start: 0,
            paying_end: 0,
            new: 0,
            expansion: 0,
            contraction: 0,
            churned: 0,
            churned_workspaces: 0,
            net_new: 0,
        };
        let workspaces: BTreeSet<&Uuid> = start.keys().chain(end.keys()).collect();
        for ws in workspaces {
            let (a, b) = (mrr(&start, ws), mrr(&end, ws));
            mv.mrr_start += a;
            mv.mrr_end += b;
            mv.paying_start += u64::from(a > 0);
            mv.paying_end += u64::from(b > 0);
            match (a > 0, b > 0) {
                (false, true) => mv.new += b,
                (true, false) => {
                    mv.churned += a;
                    mv.churned_workspaces += 1;
                }
                (true, true) if b > a => mv.expansion += b - a,
                (true, true) => mv.contraction += a - b,
                (false, false) => {}
            }
        }
        mv.net_new = mv.new + mv.expansion - mv.contraction - mv.churned;
        mv
    }

    fn by_plan(&self, boundary: DateTime<Utc>) -> Vec<PlanRevenue> {
        let mut plans: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
        for (mrr, plan) in self.at(boundary).into_values() {
            if mrr > 0 {
                let e = plans.entry(plan).or_default();
                e.0 += 1;
                e.1 += mrr;
            }
        }
        let mut out: Vec<PlanRevenue> = plans
            .into_iter()
            .map(|(plan_key, (workspaces, mrr))| PlanRevenue {
                plan_key: plan_key.to_string(),
                workspaces,
                mrr,
            })
            .collect();
        out.sort_by(|a, b| b.mrr.cmp(&a.mrr).then(a.plan_key.cmp(&b.plan_key)));
        out
    }
}

/// Refuses mixed currencies (see the module comment); the one in use, `usd` without data.
fn single_currency<'a>(currencies: impl Iterator<Item = &'a str>) -> Result<String> {
    let set: BTreeSet<String> = currencies.map(|c| c.to_ascii_lowercase()).collect();
    match set.len() {
        0 => Ok("usd".into()),
        1 => Ok(set.into_iter().next().unwrap_or_default()),
        _ => Err(Error::Conflict(format!(
            "Revenue is recorded in several currencies ({}); these metrics add amounts in one \
             currency only and are not computed for mixed data",
            set.into_iter().collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The report of the month starting `first` (any day of it is accepted), with cash collected
/// over the `COLLECTED_DAYS` days ending `today`.
pub async fn report(
    conn: &impl ConnectionTrait,
    month: NaiveDate,
    today: NaiveDate,
) -> Result<Report> {
    let first = month.with_day(1).unwrap_or(month);
    let end = instant(shift(first, 1));
    let events = subscription_event::Entity::find()
        .filter(subscription_event::Column::At.lt(end))
        .order_by_asc(subscription_event::Column::At)
        .order_by_asc(subscription_event::Column::Id)
        .all(conn)
        .await?;
    let from = instant(today - Duration::days(i64::from(COLLECTED_DAYS) - 1));
    let payments = payment::Entity::find()
        .filter(payment::Column::PaidAt.gte(from))
        .filter(payment::Column::PaidAt.lt(instant(today + Duration::days(1))))
        .all(conn)
        .await?;
    // Events at 0 MRR (free, comped) carry a currency too but no money: only amounts count.
    let currency = single_currency(
        events
            .iter()
            .filter(|e| e.mrr != 0)
            .map(|e| e.currency.as_str())
            .chain(payments.iter().map(|p| p.currency.as_str())),
    )?;

    let mut by_ws: BTreeMap<Uuid, Vec<subscription_event::Model>> = BTreeMap::new();
    for e in events {
        by_ws.entry(e.workspace_id).or_default().push(e);
    }
    let history = History(by_ws);
    let months = SERIES_MONTHS as i32;
    let series: Vec<Movement> = (0..months)
        .map(|i| history.movement(shift(first, i - months + 1)))
        .collect();
    let month = history.movement(first);

    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for p in &payments {
        *per_day.entry(p.paid_at.date_naive()).or_default() += p.amount;
    }
    let collected: Vec<(NaiveDate, i64)> = (0..i64::from(COLLECTED_DAYS))
        .rev()
        .map(|back| {
            let day = today - Duration::days(back);
            (day, per_day.get(&day).copied().unwrap_or(0))
        })
        .collect();

    Ok(Report {
        currency,
        arr: 12 * month.mrr_end,
        arpu: (month.paying_end > 0).then(|| {
            let n = month.paying_end as i64;
            (month.mrr_end + n / 2) / n
        }),
        customer_churn: ratio(month.churned_workspaces as i64, month.paying_start as i64),
        revenue_churn: ratio(month.churned + month.contraction, month.mrr_start),
        by_plan: history.by_plan(end),
        collected_total: collected.iter().map(|(_, a)| a).sum(),
        collected,
        series,
        month,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_shift_across_years() {
        let jan = parse_month("2026-01").unwrap();
        assert_eq!(
            shift(jan, -1),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        assert_eq!(
            shift(jan, 11),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            shift(jan, -13),
            NaiveDate::from_ymd_opt(2024, 12, 1).unwrap()
        );
        for bad in ["2026-13", "2026-1", "26-01", "march", ""] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mixed_currencies_are_refused() {
        assert_eq!(single_currency(["usd", "USD"].into_iter()).unwrap(), "usd");
        let Err(Error::Conflict(m)) = single_currency(["usd", "eur"].into_iter()) else {
            panic!("mixed currencies accepted")
        };
        assert!(m.contains("eur, usd"), "{m}");
    }
}
