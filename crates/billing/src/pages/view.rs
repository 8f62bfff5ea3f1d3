//! What the billing page shows, computed from the services: the situation in the customer's
//! words, plan cards grouped by product line, usage meters, and the words for statuses and
//! ledger entries.
//!
//! A meter is shown only when this server has a feature that uses it: accounts and team
//! members are counted by their features (usage counters), AI credits are billing's own
//! wallet, and a monthly meter appears once a feature registers a counter for it. So no plan
//! card advertises something that is not built.

use platform::{
    AppState, Result, Scope,
    web::format::{self, money},
};

use crate::service::{
    mode::Mode,
    plans::{Feature, Limit, Meter, Plan, ProductLine},
    subscriptions::{COMPED, STRIPE, Standing},
};

/// Whether this server has a feature that uses `meter`.
pub fn offered(state: &AppState, meter: Meter) -> bool {
    meter == Meter::AiCredits || state.usage.counts(meter.as_str())
}

pub struct MeterRow {
    pub label: String,
    pub used: String,
    pub limit: String,
    /// 0–100 for the bar; `None`: unlimited or not included.
    pub percent: Option<i64>,
    pub over: bool,
}

/// Usage of each offered meter against the plan in force.
pub async fn meters(
    state: &AppState,
    scope: &Scope,
    standing: &Standing,
    allowance_left: i64,
) -> Result<Vec<MeterRow>> {
    let mut rows = Vec::new();
    for meter in Meter::ALL.into_iter().filter(|m| offered(state, *m)) {
        let limit = standing.plan.limit_of(meter);
        let used = match meter {
            // The allowance is a balance: what is spent of this period's grant.
            Meter::AiCredits => match limit {
                Limit::Upto(l) => (l - allowance_left).max(0),
                Limit::Unlimited | Limit::NotIncluded => 0,
            },
            _ => state
                .usage
                .count(state, meter.as_str(), scope)
                .await?
                .unwrap_or(0),
        };
        rows.push(MeterRow {
            label: meter.heading(),
            used: format::number(used),
            limit: match limit {
                Limit::Upto(n) => format::number(n),
                Limit::Unlimited => "unlimited".into(),
                Limit::NotIncluded => "not included".into(),
            },
            percent: match limit {
                Limit::Upto(l) if l > 0 => Some((used * 100 / l).min(100)),
                _ => None,
            },
            over: limit.cap().is_some_and(|l| used > l),
        });
    }
    Ok(rows)
}

pub struct PlanCard {
    pub key: String,
    pub name: String,
    pub description: String,
    pub monthly: String,
    pub yearly: String,
    /// What the plan gives, one line each ("5 connected Instagram accounts").
    pub lines: Vec<String>,
    pub current: bool,
    pub can_month: bool,
    pub can_year: bool,
}

pub fn plan_card(state: &AppState, p: &Plan, current: Option<&Plan>) -> PlanCard {
    PlanCard {
        key: p.key.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        monthly: p
            .price_monthly
            .map(|m| {
                if m == 0 {
                    "No charge".to_string()
                } else {
                    format!("{} / month", money(m, &p.currency))
                }
            })
            .unwrap_or_default(),
        yearly: p
            .price_yearly
            .filter(|y| *y > 0)
            .map(|y| format!("{} / year", money(y, &p.currency)))
            .unwrap_or_default(),
        lines: Meter::ALL
            .into_iter()
            .filter(|m| offered(state, *m))
            .map(|m| m.describe(p.limit_of(m)))
            .chain(
                p.features
                    .iter()
                    .filter(|f| f.is_built())
                    .map(|f: &Feature| f.label().to_string()),
            )
            .collect(),
        current: current.is_some_and(|c| c.id == p.id),
        can_month: p.stripe_price_monthly.is_some(),
        can_year: p.stripe_price_yearly.is_some(),
    }
}

/// One product line's plan cards, under its heading.
pub struct PlanLine {
    pub key: &'static str,
    pub label: &'static str,
    pub plans: Vec<PlanCard>,
}

/// The cards of `plans` grouped by product line, in the lines' order; each group keeps the
/// order of `plans` (sort order). A line with no card is left out.
pub fn plan_lines(cards: impl IntoIterator<Item = (ProductLine, PlanCard)>) -> Vec<PlanLine> {
    let mut lines: Vec<PlanLine> = ProductLine::ALL
        .into_iter()
        .map(|l| PlanLine {
            key: l.as_str(),
            label: l.label(),
            plans: Vec::new(),
        })
        .collect();
    for (line, card) in cards {
        if let Some(group) = lines.iter_mut().find(|g| g.key == line.as_str()) {
            group.plans.push(card);
        }
    }
    lines.retain(|g| !g.plans.is_empty());
    lines
}

/// Which situation the workspace is in, said once at the top of the page.
pub fn situation(mode: Mode, standing: &Standing) -> String {
    let plan = &standing.plan;
    let origin = standing
        .subscription
        .as_ref()
        .filter(|s| s.status != "canceled")
        .map(|s| s.origin.as_str());
    match (mode, plan.is_self_hosted(), origin) {
        (Mode::SelfHosted, true, _) => "This server does not charge for Growthdeck, so your workspace is on the Self-hosted plan: no limits on accounts, team members or usage, and nothing costs credits.".into(),
        (Mode::SelfHosted, false, _) => format!(
            "This server does not take payments online. Your administrator put your workspace on the {} plan.",
            plan.name
        ),
        (Mode::Stripe { .. }, true, _) => "Your workspace is on the Self-hosted plan from before this server started selling plans: no limits, and nothing costs credits. It stays on it until your administrator moves it to one of the plans below.".into(),
        (Mode::Stripe { .. }, false, Some(o)) if o == COMPED => format!(
            "Your administrator put your workspace on the {} plan; it is not charged.",
            plan.name
        ),
        (Mode::Stripe { .. }, false, Some(o)) if o == STRIPE => format!(
            "Your workspace pays for the {} plan by card through Stripe.",
            plan.name
        ),
        (Mode::Stripe { .. }, false, _) => format!(
            "Your workspace is on the {} plan. Choose a plan below to get more.",
            plan.name
        ),
    }
}

/// A subscription status in words.
pub fn status_words(status: &str) -> &'static str {
    match status {
        "active" => "Active",
        "trialing" => "Free trial",
        "past_due" => "Payment overdue",
        "canceled" => "Ended",
        "unpaid" => "Unpaid",
        "incomplete" => "Waiting for the first payment",
        "incomplete_expired" => "First payment failed",
        "paused" => "Paused",
        _ => "Unknown",
    }
}

/// How the plan in force is paid, in words.
pub fn billed_words(standing: &Standing) -> &'static str {
    if standing.plan.is_self_hosted() {
        return "Not charged";
    }
    match standing
        .subscription
        .as_ref()
        .filter(|s| s.status != "canceled")
        .map(|s| s.origin.as_str())
    {
        Some(STRIPE) => "By card, through Stripe",
        Some(COMPED) => "Assigned by your administrator (not charged)",
        _ => "Free plan",
    }
}

/// A ledger entry's kind in words.
pub fn kind_words(kind: &str) -> &'static str {
    match kind {
        "grant" => "Monthly allowance",
        "expire" => "Allowance expired",
        "topup" => "Top-up",
        "reserve" => "Held for work",
        "capture" => "Spent",
        "release" => "Given back (work failed)",
        "refund" => "Refunded",
        "adjustment" => "Correction by staff",
        _ => "Other",
    }
}

/// An invoice status in words.
pub fn invoice_words(status: &str) -> &'static str {
    match status {
        "draft" => "Draft",
        "open" => "Open",
        "paid" => "Paid",
        "uncollectible" => "Uncollectible",
        "void" => "Void",
        _ => "Unknown",
    }
}
