//! What the billing page shows, computed from the services: plan cards, usage meters, money.

use platform::{AppState, Result};
use uuid::Uuid;

use crate::service::{
    limits,
    plans::{Meter, Plan},
    subscriptions::Standing,
};

/// `$49.00`, `€9.50`; other currencies by code.
pub fn money(minor: i64, currency: &str) -> String {
    let symbol = match currency {
        "usd" => "$",
        "eur" => "€",
        "gbp" => "£",
        _ => "",
    };
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let amount = format!("{}.{:02}", abs / 100, abs % 100);
    if symbol.is_empty() {
        format!("{sign}{amount} {}", currency.to_uppercase())
    } else {
        format!("{sign}{symbol}{amount}")
    }
}

pub struct MeterRow {
    pub label: &'static str,
    /// Empty when the meter is not counted by any feature on this server.
    pub used: String,
    pub limit: String,
    /// 0–100 for the bar; `None`: unlimited or not counted.
    pub percent: Option<i64>,
    pub over: bool,
    pub monthly: bool,
}

/// Usage of each meter against the plan in force.
pub async fn meters(
    state: &AppState,
    workspace_id: Uuid,
    standing: &Standing,
    allowance_left: i64,
) -> Result<Vec<MeterRow>> {
    let mut rows = Vec::new();
    for meter in Meter::ALL {
        let used = match meter {
            Meter::Accounts | Meter::Seats => {
                state
                    .usage
                    .count(state, meter.as_str(), workspace_id)
                    .await?
            }
            // The allowance is a balance: what is spent of this period's grant.
            Meter::AiCredits => standing
                .plan
                .limit(meter)
                .map(|l| (l - allowance_left).max(0)),
            _ => Some(limits::used_this_month(&state.db, workspace_id, meter).await?),
        };
        let limit = standing.plan.limit(meter);
        rows.push(MeterRow {
            label: meter.label(),
            used: used.map(|u| u.to_string()).unwrap_or_default(),
            limit: limit
                .map(|l| l.to_string())
                .unwrap_or_else(|| "unlimited".into()),
            percent: match (used, limit) {
                (Some(u), Some(l)) if l > 0 => Some((u * 100 / l).min(100)),
                (Some(u), Some(0)) => Some(if u > 0 { 100 } else { 0 }),
                _ => None,
            },
            over: matches!((used, limit), (Some(u), Some(l)) if u > l),
            monthly: meter.is_monthly(),
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
    pub limits: Vec<(String, String)>,
    pub features: Vec<&'static str>,
    pub current: bool,
    pub can_month: bool,
    pub can_year: bool,
}

pub fn plan_card(p: &Plan, current: Option<&Plan>) -> PlanCard {
    PlanCard {
        key: p.key.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        monthly: p
            .price_monthly
            .map(|m| format!("{} / month", money(m, &p.currency)))
            .unwrap_or_default(),
        yearly: p
            .price_yearly
            .filter(|y| *y > 0)
            .map(|y| format!("{} / year", money(y, &p.currency)))
            .unwrap_or_default(),
        limits: Meter::ALL
            .iter()
            .map(|m| {
                (
                    m.label().to_string(),
                    p.limit(*m)
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "unlimited".into()),
                )
            })
            .collect(),
        features: p.features.iter().map(|f| f.label()).collect(),
        current: current.is_some_and(|c| c.id == p.id),
        can_month: p.stripe_price_monthly.is_some(),
        can_year: p.stripe_price_yearly.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_in_minor_units() {
        assert_eq!(money(4900, "usd"), "$49.00");
        assert_eq!(money(5, "eur"), "€0.05");
        assert_eq!(money(-1250, "gbp"), "-£12.50");
        assert_eq!(money(100000, "chf"), "1000.00 CHF");
    }
}
