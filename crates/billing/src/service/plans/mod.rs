//! Plans: prices, limits per meter and feature flags. The plans of the requirement documents
//! are seeded when one is found missing ([`seeds`]); staff (finance, super_admin) edit them.
//! A limit change applies to every subscriber at once (limits are read from the plan); a price
//! change applies to new subscriptions only (a subscription keeps the price it started with).
//!
//! A plan's limits are `{meter: n}` (at most n), `{meter: null}` (unlimited), and a meter the
//! plan does not name is not included in it.
//!
//! Every plan belongs to one product line ([`ProductLine`]); the plans pages group by it. The
//! line only files the plan: limits and prices are the plan's own whatever its line.

mod catalogue;
mod seeds;

pub use catalogue::{Feature, Limit, Meter, ProductLine};
pub use seeds::ensure_seeded;

use std::collections::BTreeMap;

use platform::{
    Error, FieldError, Result,
    web::forms::{DESCRIPTION_MAX, within},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{plan, subscription};

/// A plan as the service hands it out: typed limits and features.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub price_monthly: Option<i64>,
    pub price_yearly: Option<i64>,
    pub stripe_price_monthly: Option<String>,
    pub stripe_price_yearly: Option<String>,
    pub enabled: bool,
    pub sort_order: i32,
    /// The product line the plan is filed under (`growth` or `discovery`); the plans pages
    /// group by it, each group in `sort_order`.
    pub product_line: ProductLine,
    /// Meter → limit (`null`: unlimited) for the meters the plan includes; a meter missing
    /// here is not included.
    pub limits: BTreeMap<Meter, Option<i64>>,
    pub features: Vec<Feature>,
    pub topup_discount_percent: i32,
    pub allowance_rollover: bool,
}

impl Plan {
    /// The most of `meter` allowed: `None` is unlimited; a meter not included allows 0.
    pub fn limit(&self, meter: Meter) -> Option<i64> {
        self.limit_of(meter).cap()
    }

    /// The plan's limit of `meter`, telling "not included" from a number.
    pub fn limit_of(&self, meter: Meter) -> Limit {
        match self.limits.get(&meter) {
            None => Limit::NotIncluded,
            Some(Some(n)) => Limit::Upto(*n),
            Some(None) => Limit::Unlimited,
        }
    }

    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    pub fn is_free(&self) -> bool {
        self.price_monthly.unwrap_or(0) == 0 && self.price_yearly.unwrap_or(0) == 0
    }

    /// The plan of workspaces on a server that takes no payments.
    pub fn is_self_hosted(&self) -> bool {
        self.key == SELF_HOSTED
    }

    /// Nothing costs credits on this plan: its AI credits are unlimited.
    pub fn credits_unlimited(&self) -> bool {
        self.limit_of(Meter::AiCredits) == Limit::Unlimited
    }

    fn from_row(row: plan::Model) -> Plan {
        let limits = Meter::ALL
            .into_iter()
            .filter_map(|m| {
                row.limits
                    .get(m.as_str())
                    .map(|v| (m, v.as_i64().filter(|n| *n >= 0)))
            })
            .collect();
        let features = row
            .features
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().and_then(Feature::parse))
                    .collect()
            })
            .unwrap_or_default();
        Plan {
            id: row.id,
            key: row.key,
            name: row.name,
            description: row.description,
            currency: row.currency,
            price_monthly: row.price_monthly,
            price_yearly: row.price_yearly,
            stripe_price_monthly: row.stripe_price_monthly,
            stripe_price_yearly: row.stripe_price_yearly,
            enabled: row.enabled,
            sort_order: row.sort_order,
            // Only `check` and the migrations write the column, both with a known line; a value
            // written by hand that this build does not know files the plan under the default.
            product_line: ProductLine::parse(&row.product_line).unwrap_or_default(),
            limits,
            features,
            topup_discount_percent: row.topup_discount_percent,
            allowance_rollover: row.allowance_rollover,
        }
    }
}

/// The plan of workspaces without a subscription once this server takes payments.
pub const FREE: &str = "free";
/// The plan of workspaces while this server takes no payments (no Stripe key), and of the
/// workspaces from that time until staff move them (see `subscriptions`).
pub const SELF_HOSTED: &str = "self_hosted";

/// Every plan, cheapest first.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Plan>> {
    let read = || async {
        Ok::<_, Error>(
            plan::Entity::find()
                .order_by_asc(plan::Column::SortOrder)
                .order_by_asc(plan::Column::Name)
                .all(conn)
                .await?,
        )
    };
    let mut rows = read().await?;
    // Seeding is checked on a miss only: plans are read on hot paths (limits, page banners).
    if rows.is_empty() {
        ensure_seeded(conn).await?;
        rows = read().await?;
    }
    Ok(rows.into_iter().map(Plan::from_row).collect())
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Plan> {
    plan::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Plan::from_row)
        .ok_or(Error::NotFound)
}

pub async fn by_key(conn: &impl ConnectionTrait, key: &str) -> Result<Plan> {
    let find = || {
        plan::Entity::find()
            .filter(plan::Column::Key.eq(key))
            .one(conn)
    };
    let mut row = find().await?;
    if row.is_none() {
        ensure_seeded(conn).await?;
        row = find().await?;
    }
    row.map(Plan::from_row).ok_or(Error::NotFound)
}

pub async fn free(conn: &impl ConnectionTrait) -> Result<Plan> {
    by_key(conn, FREE).await
}

pub async fn self_hosted(conn: &impl ConnectionTrait) -> Result<Plan> {
    by_key(conn, SELF_HOSTED).await
}

/// Subscribers per plan id (subscriptions that are not canceled).
pub async fn subscriber_counts(conn: &impl ConnectionTrait) -> Result<BTreeMap<Uuid, u64>> {
    let rows = subscription::Entity::find()
        .filter(subscription::Column::Status.ne("canceled"))
        .all(conn)
        .await?;
    let mut counts = BTreeMap::new();
    for r in rows {
        *counts.entry(r.plan_id).or_insert(0) += 1;
    }
    Ok(counts)
}

/// What staff send to create or edit a plan.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    pub key: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "usd")]
    pub currency: String,
    pub price_monthly: Option<i64>,
    pub price_yearly: Option<i64>,
    pub stripe_price_monthly: Option<String>,
    pub stripe_price_yearly: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub sort_order: i32,
    /// `growth` or `discovery`. Left out: `growth` for a new plan, unchanged on an edit.
    /// Read as text so an unknown line is a field error (422), not a refused body.
    #[schema(value_type = Option<ProductLine>)]
    pub product_line: Option<String>,
    /// Meter → limit (`null`: unlimited); a meter left out is not included in the plan.
    #[serde(default)]
    pub limits: BTreeMap<String, Option<i64>>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub topup_discount_percent: i32,
    #[serde(default)]
    pub allowance_rollover: bool,
}

fn usd() -> String {
    "usd".into()
}

fn yes() -> bool {
    true
}

/// Longest plan name: it titles a plan card.
pub const NAME_MAX: usize = 60;
/// Longest Stripe price id accepted (Stripe's ids are far shorter).
const STRIPE_ID_MAX: usize = 255;

struct Checked {
    limits: serde_json::Value,
    features: serde_json::Value,
    /// `None`: not given (a new plan gets the default line, an edited one keeps its own).
    product_line: Option<ProductLine>,
}

fn check(input: &PlanInput, key: Option<&str>) -> Result<Checked> {
    let mut errors = Vec::new();
    if input.name.trim().is_empty() || input.name.trim().chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            "name",
            format!("Give the plan a name of at most {NAME_MAX} characters"),
        ));
    }
    if let Err(e) = within(
        "description",
        "The description",
        &input.description,
        DESCRIPTION_MAX,
    ) {
        errors.push(e);
    }
    if let Some(key) = key
        && (key.is_empty()
            || key.len() > 40
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        errors.push(FieldError::new(
            "key",
            "Use lower-case letters, digits and _ (at most 40)",
        ));
    }
    if input.currency.len() != 3 || !input.currency.chars().all(|c| c.is_ascii_alphabetic()) {
        errors.push(FieldError::new(
            "currency",
            "Use a three-letter ISO currency code, e.g. usd",
        ));
    }
    for (field, price) in [
        ("price_monthly", input.price_monthly),
        ("price_yearly", input.price_yearly),
    ] {
        if price.is_some_and(|p| p < 0) {
            errors.push(FieldError::new(field, "A price cannot be negative"));
        }
    }
    for (field, id) in [
        ("stripe_price_monthly", &input.stripe_price_monthly),
        ("stripe_price_yearly", &input.stripe_price_yearly),
    ] {
        let id = id.as_deref().map(str::trim).unwrap_or_default();
        if !id.is_empty() && (!id.starts_with("price_") || id.len() > STRIPE_ID_MAX) {
            errors.push(FieldError::new(
                field,
                format!(
                    "A Stripe price id starts with price_ and is at most {STRIPE_ID_MAX} characters"
                ),
            ));
        }
    }
    if !(0..=100).contains(&input.topup_discount_percent) {
        errors.push(FieldError::new(
            "topup_discount_percent",
            "Between 0 and 100",
        ));
    }
    let mut limits = serde_json::Map::new();
    for (name, limit) in &input.limits {
        match Meter::parse(name) {
            None => errors.push(FieldError::new(format!("limits.{name}"), "No such meter")),
            Some(_) if limit.is_some_and(|l| l < 0) => errors.push(FieldError::new(
                format!("limits.{name}"),
                "A limit cannot be negative",
            )),
            Some(m) => {
                limits.insert(m.as_str().into(), serde_json::json!(limit));
            }
        }
    }
    let product_line = match input.product_line.as_deref().map(str::trim) {
        None => None,
        Some(raw) => {
            let line = (raw.len() <= ProductLine::MAX_LEN)
                .then(|| ProductLine::parse(raw))
                .flatten();
            if line.is_none() {
                errors.push(FieldError::new(
                    "product_line",
                    format!("Choose one of the product lines: {}", line_names()),
                ));
            }
            line
        }
    };
    let mut features = Vec::new();
    for f in &input.features {
        match Feature::parse(f) {
            Some(f) if !features.contains(&f.as_str()) => features.push(f.as_str()),
            Some(_) => {}
            None => errors.push(FieldError::new("features", format!("No such feature: {f}"))),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(Checked {
        limits: serde_json::Value::Object(limits),
        features: serde_json::json!(features),
        product_line,
    })
}

/// The lines' stored names, for an error message ("growth, discovery").
fn line_names() -> String {
    ProductLine::ALL
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn blank_to_none(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub async fn create(conn: &impl ConnectionTrait, input: &PlanInput) -> Result<Plan> {
    let key = input.key.clone().unwrap_or_default().trim().to_string();
    let checked = check(input, Some(&key))?;
    ensure_seeded(conn).await?;
    if plan::Entity::find()
        .filter(plan::Column::Key.eq(&key))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(Error::validation("key", "A plan with this key exists"));
    }
    let now = platform::db::now();
    let row = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key),
        name: Set(input.name.trim().into()),
        description: Set(input.description.trim().into()),
        currency: Set(input.currency.to_ascii_lowercase()),
        price_monthly: Set(input.price_monthly),
        price_yearly: Set(input.price_yearly),
        stripe_price_monthly: Set(blank_to_none(&input.stripe_price_monthly)),
        stripe_price_yearly: Set(blank_to_none(&input.stripe_price_yearly)),
        enabled: Set(input.enabled),
        sort_order: Set(input.sort_order),
        product_line: Set(checked.product_line.unwrap_or_default().as_str().into()),
        limits: Set(checked.limits),
        features: Set(checked.features),
        topup_discount_percent: Set(input.topup_discount_percent),
        allowance_rollover: Set(input.allowance_rollover),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(Plan::from_row(row))
}

/// Edits a plan (its key stays). The free plan cannot be disabled: it is where every
/// workspace without a subscription is.
pub async fn update(conn: &impl ConnectionTrait, id: Uuid, input: &PlanInput) -> Result<Plan> {
    let checked = check(input, None)?;
    let row = plan::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    if row.key == FREE && !input.enabled {
        return Err(Error::validation(
            "enabled",
            "The free plan stays enabled: workspaces without a subscription are on it",
        ));
    }
    let mut active: plan::ActiveModel = row.into();
    active.name = Set(input.name.trim().into());
    active.description = Set(input.description.trim().into());
    active.currency = Set(input.currency.to_ascii_lowercase());
    active.price_monthly = Set(input.price_monthly);
    active.price_yearly = Set(input.price_yearly);
    active.stripe_price_monthly = Set(blank_to_none(&input.stripe_price_monthly));
    active.stripe_price_yearly = Set(blank_to_none(&input.stripe_price_yearly));
    active.enabled = Set(input.enabled);
    active.sort_order = Set(input.sort_order);
    if let Some(line) = checked.product_line {
        active.product_line = Set(line.as_str().into());
    }
    active.limits = Set(checked.limits);
    active.features = Set(checked.features);
    active.topup_discount_percent = Set(input.topup_discount_percent);
    active.allowance_rollover = Set(input.allowance_rollover);
    active.updated_at = Set(platform::db::now());
    Ok(Plan::from_row(active.update(conn).await?))
}

/// The cheapest enabled plan whose limit of `meter` is above `needed` (what lifts a limit).
pub fn lifting(plans: &[Plan], meter: Meter, needed: i64) -> Option<&Plan> {
    plans
        .iter()
        .filter(|p| p.enabled && !p.is_self_hosted() && p.limit(meter).is_none_or(|l| l >= needed))
        .min_by_key(|p| (p.price_monthly.unwrap_or(i64::MAX), p.sort_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_names_each_field() {
        let input = PlanInput {
            key: Some("Bad Key".into()),
            name: "".into(),
            description: "long ".repeat(61),
            currency: "dollars".into(),
            price_monthly: Some(-1),
            price_yearly: None,
            stripe_price_monthly: Some("prod_1".into()),
            stripe_price_yearly: None,
            enabled: true,
            sort_order: 0,
            product_line: Some("teleport".into()),
            limits: [
                ("accounts".to_string(), Some(-2)),
                ("wishes".to_string(), Some(1)),
            ]
            .into(),
            features: vec!["teleport".into()],
            topup_discount_percent: 101,
            allowance_rollover: false,
        };
        let Err(Error::Validation(errors)) = check(&input, input.key.as_deref()) else {
            panic!("accepted")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "name",
            "description",
            "key",
            "currency",
            "price_monthly",
            "stripe_price_monthly",
            "topup_discount_percent",
            "product_line",
            "limits.accounts",
            "limits.wishes",
            "features",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }
}
