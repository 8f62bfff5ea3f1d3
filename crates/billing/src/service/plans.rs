//! Plans: prices, limits per meter and feature flags. The plans of the requirement documents
//! are seeded when the table is first found empty; staff (finance, super_admin) edit them.
//! A limit change applies to every subscriber at once (limits are read from the plan); a price
//! change applies to new subscriptions only (a subscription keeps the price it started with).

use std::collections::BTreeMap;

use platform::{Error, FieldError, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{plan, subscription};

/// What a plan limits.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Meter {
    /// Connected Instagram accounts (a count, checked when adding one).
    Accounts,
    /// Team members of the workspace (a count, checked when inviting).
    Seats,
    /// Monthly AI credit allowance (granted to the wallet each period).
    AiCredits,
    /// Per month.
    ProfileUnlocks,
    /// Per month.
    EmailUnlocks,
    /// Per month.
    PostAnalyses,
    /// Per month.
    Exports,
}

impl Meter {
    pub const ALL: [Meter; 7] = [
        Meter::Accounts,
        Meter::Seats,
        Meter::AiCredits,
        Meter::ProfileUnlocks,
        Meter::EmailUnlocks,
        Meter::PostAnalyses,
        Meter::Exports,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Meter::Accounts => "accounts",
            Meter::Seats => "seats",
            Meter::AiCredits => "ai_credits",
            Meter::ProfileUnlocks => "profile_unlocks",
            Meter::EmailUnlocks => "email_unlocks",
            Meter::PostAnalyses => "post_analyses",
            Meter::Exports => "exports",
        }
    }

    pub fn parse(s: &str) -> Option<Meter> {
        Meter::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// What the limit counts, for messages and the billing page.
    pub fn label(&self) -> &'static str {
        match self {
            Meter::Accounts => "connected Instagram accounts",
            Meter::Seats => "team members",
            Meter::AiCredits => "AI credits per month",
            Meter::ProfileUnlocks => "profile unlocks per month",
            Meter::EmailUnlocks => "email unlocks per month",
            Meter::PostAnalyses => "post analyses per month",
            Meter::Exports => "exports per month",
        }
    }

    /// Counted per calendar month (UTC) rather than as a current total.
    pub fn is_monthly(&self) -> bool {
        !matches!(self, Meter::Accounts | Meter::Seats)
    }
}

/// Features a plan may include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    WhiteLabel,
    Discovery,
    Fleet,
    Proposals,
}

impl Feature {
    pub const ALL: [Feature; 4] = [
        Feature::WhiteLabel,
        Feature::Discovery,
        Feature::Fleet,
        Feature::Proposals,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Feature::WhiteLabel => "white_label",
            Feature::Discovery => "discovery",
            Feature::Fleet => "fleet",
            Feature::Proposals => "proposals",
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Feature::WhiteLabel => "White label",
            Feature::Discovery => "Creator discovery",
            Feature::Fleet => "Account fleet",
            Feature::Proposals => "Proposals",
        }
    }
}

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
    /// Meter → limit; `None` is unlimited.
    pub limits: BTreeMap<Meter, Option<i64>>,
    pub features: Vec<Feature>,
    pub topup_discount_percent: i32,
    pub allowance_rollover: bool,
}

impl Plan {
    /// The limit of a meter: `None` is unlimited.
    pub fn limit(&self, meter: Meter) -> Option<i64> {
        self.limits.get(&meter).copied().flatten()
    }

    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    pub fn is_free(&self) -> bool {
        self.price_monthly.unwrap_or(0) == 0 && self.price_yearly.unwrap_or(0) == 0
    }

    fn from_row(row: plan::Model) -> Plan {
        let limits = Meter::ALL
            .into_iter()
            .map(|m| (m, row.limits.get(m.as_str()).and_then(|v| v.as_i64())))
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
            limits,
            features,
            topup_discount_percent: row.topup_discount_percent,
            allowance_rollover: row.allowance_rollover,
        }
    }
}

/// The plan every workspace without a subscription is on.
pub const FREE: &str = "free";

/// (key, name, description, monthly $ in cents, accounts, ai_credits, seats, features,
/// top-up discount %).
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    i64,
    &'static [Feature],
    i32,
);

/// The plans of the requirement documents (000 §pricing, 004 tiers).
const SEEDS: &[Seed] = &[
    (
        "free",
        "Free",
        "Try Growthdeck with demo data and one seat.",
        0,
        0,
        0,
        1,
        &[],
        0,
    ),
    (
        "starter",
        "Starter",
        "One Instagram account with analytics and AI help.",
        1900,
        1,
        10,
        1,
        &[],
        0,
    ),
    (
        "pro",
        "Pro",
        "Five accounts, creator discovery and more AI credits.",
        4900,
        5,
        100,
        1,
        &[Feature::Discovery],
        0,
    ),
    (
        "agency",
        "Agency",
        "Twenty-five accounts, a team of five, white label and proposals.",
        14900,
        25,
        500,
        5,
        &[Feature::Discovery, Feature::WhiteLabel, Feature::Proposals],
        10,
    ),
    (
        "enterprise",
        "Enterprise",
        "A hundred accounts, twenty seats and the account fleet.",
        29900,
        100,
        2000,
        20,
        &[
            Feature::Discovery,
            Feature::WhiteLabel,
            Feature::Proposals,
            Feature::Fleet,
        ],
        20,
    ),
];

fn seed_limits(accounts: i64, ai: i64, seats: i64, monthly_price: i64) -> serde_json::Value {
    // Monthly meters scale with the plan; the free plan gets a taste of each.
    let scale = |free: i64, per_dollar: i64| {
        if monthly_price == 0 {
            free
        } else {
            monthly_price / 100 * per_dollar
        }
    };
    serde_json::json!({
        "accounts": accounts,
        "seats": seats,
        "ai_credits": ai,
        "profile_unlocks": scale(0, 1),
        "email_unlocks": scale(0, 1),
        "post_analyses": scale(5, 10),
        "exports": scale(1, 1),
    })
}

/// Seeds the default plans when there are none (idempotent under concurrent first starts).
pub async fn ensure_seeded(conn: &impl ConnectionTrait) -> Result<()> {
    if plan::Entity::find().count(conn).await? > 0 {
        return Ok(());
    }
    let now = platform::db::now();
    let rows = SEEDS.iter().enumerate().map(
        |(i, (key, name, description, cents, accounts, ai, seats, features, discount))| {
            plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                key: Set((*key).into()),
                name: Set((*name).into()),
                description: Set((*description).into()),
                currency: Set("usd".into()),
                price_monthly: Set(Some(*cents)),
                price_yearly: Set((*cents > 0).then_some(cents * 10)),
                stripe_price_monthly: Set(None),
                stripe_price_yearly: Set(None),
                enabled: Set(true),
                sort_order: Set(i as i32 * 10),
                limits: Set(seed_limits(*accounts, *ai, *seats, *cents)),
                features: Set(serde_json::json!(
                    features.iter().map(|f| f.as_str()).collect::<Vec<_>>()
                )),
                topup_discount_percent: Set(*discount),
                allowance_rollover: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
            }
        },
    );
    plan::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(plan::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

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
    /// Meter → limit (`null`: unlimited); meters left out are unlimited.
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

struct Checked {
    limits: serde_json::Value,
    features: serde_json::Value,
}

fn check(input: &PlanInput, key: Option<&str>) -> Result<Checked> {
    let mut errors = Vec::new();
    if input.name.trim().is_empty() || input.name.len() > 60 {
        errors.push(FieldError::new(
            "name",
            "Give the plan a name of at most 60 characters",
        ));
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
        if id
            .as_deref()
            .is_some_and(|s| !s.is_empty() && !s.starts_with("price_"))
        {
            errors.push(FieldError::new(
                field,
                "A Stripe price id starts with price_",
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
                "A limit cannot be negative (leave empty for unlimited)",
            )),
            Some(m) => {
                limits.insert(m.as_str().into(), serde_json::json!(limit));
            }
        }
    }
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
    })
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
        .filter(|p| p.enabled && p.limit(meter).is_none_or(|l| l >= needed))
        .min_by_key(|p| (p.price_monthly.unwrap_or(i64::MAX), p.sort_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_match_the_requirements() {
        let find = |k: &str| SEEDS.iter().find(|s| s.0 == k).copied().unwrap();
        let (_, _, _, price, accounts, ai, seats, _, _) = find("pro");
        assert_eq!((price, accounts, ai), (4900, 5, 100));
        let (_, _, _, price, accounts, ai, seats_agency, _, _) = find("agency");
        assert_eq!((price, accounts, ai, seats_agency), (14900, 25, 500, 5));
        let (_, _, _, price, accounts, ai, seats_ent, _, _) = find("enterprise");
        assert_eq!((price, accounts, ai, seats_ent), (29900, 100, 2000, 20));
        let (_, _, _, price, accounts, ai, _, _, _) = find("starter");
        assert_eq!((price, accounts, ai), (1900, 1, 10));
        assert_eq!(seats, 1);
    }

    #[test]
    fn bad_input_names_each_field() {
        let input = PlanInput {
            key: Some("Bad Key".into()),
            name: "".into(),
            description: String::new(),
            currency: "dollars".into(),
            price_monthly: Some(-1),
            price_yearly: None,
            stripe_price_monthly: Some("prod_1".into()),
            stripe_price_yearly: None,
            enabled: true,
            sort_order: 0,
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
            "key",
            "currency",
            "price_monthly",
            "stripe_price_monthly",
            "topup_discount_percent",
            "limits.accounts",
            "limits.wishes",
            "features",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }
}
