//! What each action costs in credits, and how many free uses per month it has. Defaults come
//! from the requirements; staff edit them (finance, super_admin).

use chrono::Utc;
use platform::{Error, FieldError, Result};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set,
    sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::pricing;

/// (action, label, cost, free uses per month).
pub const DEFAULTS: &[(&str, &str, i64, i64)] = &[
    ("ai_generation", "AI generation", 1, 0),
    ("profile_unlock", "Creator profile unlock", 25, 0),
    ("post_analytics", "Post analytics", 5, 0),
    // Requirement 004's credit table: one bulk export free per month, five free result pages
    // past the first, ten free advanced searches.
    ("bulk_export", "Bulk export", 50, 1),
    ("discovery_page", "Discovery results page", 10, 5),
    ("advanced_search", "Advanced discovery search", 15, 10),
    ("email_unlock", "Email unlock", 10, 0),
    ("audit", "Account audit", 5, 0),
    // One per AI feature (crate `ai`, `AiFeature::action`): a week of ideas or an audit's
    // summary is a longer answer than a caption.
    ("ai_caption", "AI captions", 1, 0),
    ("ai_hashtags", "AI hashtag ranking", 1, 0),
    ("ai_post_ideas", "AI post ideas (a week)", 3, 0),
    ("ai_bio", "AI bio rewrite", 1, 0),
    ("ai_audit_summary", "AI audit summary", 2, 0),
    ("ai_dm_template", "AI DM template draft", 1, 0),
];

/// The plan's monthly meter an action also counts against (requirement 004: creator and
/// email unlocks and post analyses have monthly limits per plan besides their price), so
/// "can I?" answers with the limit as well as the balance.
pub fn meter_of(action: &str) -> Option<crate::Meter> {
    match action {
        "profile_unlock" => Some(crate::Meter::ProfileUnlocks),
        "email_unlock" => Some(crate::Meter::EmailUnlocks),
        "post_analytics" => Some(crate::Meter::PostAnalyses),
        _ => None,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Price {
    pub action: String,
    pub label: String,
    pub cost: i64,
    pub free_per_month: i64,
    pub updated_at: chrono::DateTime<Utc>,
}

impl From<pricing::Model> for Price {
    fn from(m: pricing::Model) -> Self {
        Price {
            action: m.action,
            label: m.label,
            cost: m.cost,
            free_per_month: m.free_per_month,
            updated_at: m.updated_at,
        }
    }
}

/// Adds the default price of every action that has none yet (a new action of a newer version
/// appears on existing installs); prices staff edited are left as they are.
pub async fn ensure_seeded(conn: &impl ConnectionTrait) -> Result<()> {
    if pricing::Entity::find().count(conn).await? >= DEFAULTS.len() as u64 {
        return Ok(());
    }
    let now = platform::db::now();
    pricing::Entity::insert_many(DEFAULTS.iter().map(|(action, label, cost, free)| {
        pricing::ActiveModel {
            action: Set((*action).into()),
            label: Set((*label).into()),
            cost: Set(*cost),
            free_per_month: Set(*free),
            updated_at: Set(now),
            updated_by: Set(None),
        }
    }))
    .on_conflict(
        OnConflict::column(pricing::Column::Action)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Price>> {
    let read = || {
        pricing::Entity::find()
            .order_by_asc(pricing::Column::Action)
            .all(conn)
    };
    let mut rows = read().await?;
    // Seeding is checked on a miss only: prices are read on every charge.
    if rows.len() < DEFAULTS.len() {
        ensure_seeded(conn).await?;
        rows = read().await?;
    }
    Ok(rows.into_iter().map(Price::from).collect())
}

/// The price of an action; an unknown action is a 404 (no such priced action).
pub async fn get(conn: &impl ConnectionTrait, action: &str) -> Result<Price> {
    let find = || pricing::Entity::find_by_id(action.to_string()).one(conn);
    let mut row = find().await?;
    if row.is_none() {
        ensure_seeded(conn).await?;
        row = find().await?;
    }
    row.map(Price::from).ok_or(Error::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PriceInput {
    pub cost: i64,
    #[serde(default)]
    pub free_per_month: i64,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    action: &str,
    input: &PriceInput,
    staff_id: Uuid,
) -> Result<Price> {
    let mut errors = Vec::new();
    if !(0..=1_000_000).contains(&input.cost) {
        errors.push(FieldError::new(
            "cost",
            "A whole number of credits from 0 to 1,000,000",
        ));
    }
    if !(0..=10_000).contains(&input.free_per_month) {
        errors.push(FieldError::new(
            "free_per_month",
            "A whole number from 0 to 10,000",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    ensure_seeded(conn).await?;
    let row = pricing::Entity::find_by_id(action.to_string())
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let mut a: pricing::ActiveModel = row.into();
    a.cost = Set(input.cost);
    a.free_per_month = Set(input.free_per_month);
    a.updated_at = Set(platform::db::now());
    a.updated_by = Set(Some(staff_id));
    Ok(a.update(conn).await?.into())
}
