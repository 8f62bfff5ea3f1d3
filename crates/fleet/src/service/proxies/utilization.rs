//! The utilization figures: load and free slots (only active proxies take accounts), by
//! location, monthly cost by currency, and which personas' accounts use which proxy.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::{AppState, Ctx, Result, Scope, db::now};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use serde::Serialize;
use uuid::Uuid;

use super::{Status, all, placing};
use crate::{
    model::{account, proxy},
    service::access,
};

/// An amount of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyCost)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

/// Sums by currency, largest first.
fn add_cost(costs: &mut Vec<Money>, minor: i64, currency: &str) {
    match costs.iter_mut().find(|m| m.currency == currency) {
        Some(m) => m.amount_minor = m.amount_minor.saturating_add(minor),
        None => costs.push(Money {
            amount_minor: minor,
            currency: currency.to_string(),
        }),
    }
    costs.sort_by(|a, b| {
        b.amount_minor
            .cmp(&a.amount_minor)
            .then(a.currency.cmp(&b.currency))
    });
}

/// Load and cost of the proxies of one location.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyLocationLoad)]
pub struct LocationLoad {
    /// `""` for proxies without a location.
    pub location: String,
    pub proxies: i64,
    /// Capacity of its active proxies.
    pub slots: i64,
    /// Accounts on its proxies (any status).
    pub used: i64,
    /// Room on its active proxies.
    pub free: i64,
    pub monthly_cost: Vec<Money>,
}

/// A persona's accounts on one proxy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyPersonaUse)]
pub struct PersonaUse {
    pub persona_id: Uuid,
    pub name: String,
    pub accounts: i64,
}

/// The workspace's proxies at a glance.
#[derive(Debug, Clone)]
pub struct Utilization {
    /// When it was computed (the figures are read live from the database).
    pub at: DateTime<Utc>,
    pub proxies: i64,
    pub active: i64,
    pub inactive: i64,
    pub failing: i64,
    /// Capacity of the active proxies.
    pub slots: i64,
    /// Accounts on a proxy.
    pub used: i64,
    /// Room on the active proxies (what auto-assignment can use).
    pub free: i64,
    /// Imported accounts without a proxy.
    pub waiting_accounts: i64,
    pub monthly_cost: Vec<Money>,
    /// By location, the largest first.
    pub locations: Vec<LocationLoad>,
    /// Which personas use which proxy.
    pub personas: HashMap<Uuid, Vec<PersonaUse>>,
}

fn room(p: &proxy::Model) -> i64 {
    if p.status == Status::Active.as_str() {
        i64::from(std::cmp::max(p.max_accounts - p.account_count, 0))
    } else {
        0
    }
}

fn slots(p: &proxy::Model) -> i64 {
    if p.status == Status::Active.as_str() {
        i64::from(p.max_accounts)
    } else {
        0
    }
}

/// The figures of [`Utilization`] over `proxies` (pure, so the page and the API agree).
pub fn summarise(
    proxies: &[proxy::Model],
    personas: HashMap<Uuid, Vec<PersonaUse>>,
    waiting_accounts: i64,
) -> Utilization {
    let mut u = Utilization {
        at: now(),
        proxies: proxies.len() as i64,
        active: 0,
        inactive: 0,
        failing: 0,
        slots: 0,
        used: 0,
        free: 0,
        waiting_accounts,
        monthly_cost: Vec::new(),
        locations: Vec::new(),
        personas,
    };
    let mut by_location: Vec<LocationLoad> = Vec::new();
    for p in proxies {
        match Status::parse(&p.status) {
            Some(Status::Active) => u.active += 1,
            Some(Status::Inactive) => u.inactive += 1,
            _ => u.failing += 1,
        }
        u.slots += slots(p);
        u.used += i64::from(p.account_count);
        u.free += room(p);
        add_cost(&mut u.monthly_cost, p.monthly_cost_minor, &p.currency);
        let key = p.location.trim().to_string();
        let at = match by_location
            .iter()
            .position(|l| l.location.to_lowercase() == key.to_lowercase())
        {
            Some(i) => i,
            None => {
                by_location.push(LocationLoad {
                    location: key,
                    proxies: 0,
                    slots: 0,
                    used: 0,
                    free: 0,
                    monthly_cost: Vec::new(),
                });
                by_location.len() - 1
            }
        };
        if let Some(l) = by_location.get_mut(at) {
            l.proxies += 1;
            l.slots += slots(p);
            l.used += i64::from(p.account_count);
            l.free += room(p);
            add_cost(&mut l.monthly_cost, p.monthly_cost_minor, &p.currency);
        }
    }
    by_location.sort_by(|a, b| {
        b.proxies
            .cmp(&a.proxies)
            .then(a.location.is_empty().cmp(&b.location.is_empty()))
            .then(a.location.cmp(&b.location))
    });
    u.locations = by_location;
    u
}

/// Which personas' accounts sit on which proxy, with counts.
pub async fn personas_by_proxy(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<HashMap<Uuid, Vec<PersonaUse>>> {
    let rows: Vec<(Option<Uuid>, Option<Uuid>, i64)> = account::Entity::find()
        .select_only()
        .column(account::Column::ProxyId)
        .column(account::Column::PersonaId)
        .column_as(Expr::from(Func::count(Expr::col(account::Column::Id))), "n")
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::ProxyId.is_not_null())
        .filter(account::Column::PersonaId.is_not_null())
        .group_by(account::Column::ProxyId)
        .group_by(account::Column::PersonaId)
        .into_tuple()
        .all(conn)
        .await?;
    let names = placing::persona_names(conn, scope).await?;
    let mut out: HashMap<Uuid, Vec<PersonaUse>> = HashMap::new();
    for (proxy_id, persona_id, n) in rows {
        let (Some(proxy_id), Some(persona_id)) = (proxy_id, persona_id) else {
            continue;
        };
        out.entry(proxy_id).or_default().push(PersonaUse {
            persona_id,
            name: names.get(&persona_id).cloned().unwrap_or_default(),
            accounts: n,
        });
    }
    for uses in out.values_mut() {
        uses.sort_by(|a, b| b.accounts.cmp(&a.accounts).then(a.name.cmp(&b.name)));
    }
    Ok(out)
}

/// The workspace's proxies with their figures (the utilization page and its API).
pub async fn utilization(state: &AppState, ctx: &Ctx) -> Result<(Vec<proxy::Model>, Utilization)> {
    let scope = access::read(state, ctx).await?;
    let proxies = all(&state.db, &scope).await?;
    let personas = personas_by_proxy(&state.db, &scope).await?;
    let waiting =
        i64::try_from(placing::count_waiting(&state.db, &scope).await?).unwrap_or(i64::MAX);
    let u = summarise(&proxies, personas, waiting);
    Ok((proxies, u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::proxies::now;

    fn proxy(
        location: &str,
        status: &str,
        max: i32,
        count: i32,
        cost: i64,
        cur: &str,
    ) -> proxy::Model {
        let at = now();
        proxy::Model {
            id: Uuid::now_v7(),
            workspace_id: Uuid::nil(),
            kind: "http".into(),
            host: "p.example".into(),
            port: 1,
            username: String::new(),
            password_enc: None,
            provider: String::new(),
            location: location.into(),
            monthly_cost_minor: cost,
            currency: cur.into(),
            status: status.into(),
            max_accounts: max,
            account_count: count,
            last_tested_at: None,
            last_test_ok: None,
            last_latency_ms: None,
            last_test_error: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn utilization_counts_room_only_on_active_proxies() {
        let u = summarise(
            &[
                proxy("DE", "active", 3, 1, 500, "USD"),
                proxy("de", "active", 3, 3, 500, "USD"),
                proxy("US", "inactive", 3, 2, 1000, "EUR"),
                proxy("", "error", 5, 0, 0, "USD"),
            ],
            HashMap::new(),
            7,
        );
        assert_eq!((u.proxies, u.active, u.inactive, u.failing), (4, 2, 1, 1));
        assert_eq!((u.slots, u.used, u.free), (6, 6, 2));
        assert_eq!(u.waiting_accounts, 7);
        assert_eq!(
            u.monthly_cost,
            [
                Money {
                    amount_minor: 1000,
                    currency: "EUR".into()
                },
                Money {
                    amount_minor: 1000,
                    currency: "USD".into()
                },
            ]
        );
        let de = &u.locations[0];
        assert_eq!(
            (de.location.as_str(), de.proxies, de.slots, de.used, de.free),
            ("DE", 2, 6, 4, 2)
        );
        assert_eq!(u.locations.last().map(|l| l.location.as_str()), Some(""));
    }
}
