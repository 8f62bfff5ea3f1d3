//! What audits are judged against, kept by staff: engagement-rate bands per follower tier
//! (each naming its published source and year) and hashtags reported banned or restricted
//! (each with its source and the day it was checked). Seeded by migration 000028; every
//! change is validated, stamped with the staff member and written to the activity log.

use std::collections::HashMap;

use chrono::NaiveDate;
use platform::{Error, FieldError, Result, audit, db::begin_write, staff::Staff};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryOrder, Set,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::model::{benchmark, restricted_tag};

/// Free-text limits (characters).
pub const LABEL_MAX: usize = 80;
pub const SOURCE_MAX: usize = 500;
pub const URL_MAX: usize = 500;
pub const TAG_MAX: usize = 100;
pub const NOTE_MAX: usize = 500;

pub async fn benchmarks(db: &impl ConnectionTrait) -> Result<Vec<benchmark::Model>> {
    Ok(benchmark::Entity::find()
        .order_by_asc(benchmark::Column::MinFollowers)
        .order_by_desc(benchmark::Column::Year)
        .all(db)
        .await?)
}

pub async fn restricted_tags(db: &impl ConnectionTrait) -> Result<Vec<restricted_tag::Model>> {
    Ok(restricted_tag::Entity::find()
        .order_by_asc(restricted_tag::Column::Tag)
        .all(db)
        .await?)
}

pub async fn restricted_map(
    db: &impl ConnectionTrait,
) -> Result<HashMap<String, restricted_tag::Model>> {
    Ok(restricted_tags(db)
        .await?
        .into_iter()
        .map(|t| (t.tag.clone(), t))
        .collect())
}

/// A benchmark row as staff type it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = BenchmarkInput)]
pub struct BenchmarkInput {
    pub tier_label: String,
    pub min_followers: i64,
    pub max_followers: Option<i64>,
    /// In %.
    pub low: f64,
    pub high: f64,
    pub definition: String,
    pub source: String,
    pub source_url: Option<String>,
    pub year: i32,
}

fn text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, "Required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("At most {max} characters")));
    }
    v.to_string()
}

fn url(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > URL_MAX || !(v.starts_with("https://") || v.starts_with("http://")) {
        errors.push(FieldError::new(
            field,
            "A web address starting with https://",
        ));
    }
    Some(v.to_string())
}

impl BenchmarkInput {
    fn checked(&self) -> Result<BenchmarkInput> {
        let mut e = Vec::new();
        let out = BenchmarkInput {
            tier_label: text("tier_label", &self.tier_label, LABEL_MAX, true, &mut e),
            definition: text("definition", &self.definition, SOURCE_MAX, true, &mut e),
            source: text("source", &self.source, SOURCE_MAX, true, &mut e),
            source_url: url("source_url", self.source_url.as_deref(), &mut e),
            ..self.clone()
        };
        if !(0..=10_000_000_000).contains(&self.min_followers) {
            e.push(FieldError::new(
                "min_followers",
                "A whole number from 0 to 10,000,000,000",
            ));
        }
        if let Some(max) = self.max_followers
            && !(self.min_followers..=10_000_000_000).contains(&max)
        {
            e.push(FieldError::new(
                "max_followers",
                "Empty, or at least the minimum",
            ));
        }
        if !(self.low.is_finite() && (0.0..=100.0).contains(&self.low)) {
            e.push(FieldError::new("low", "A percentage from 0 to 100"));
        }
        if !(self.high.is_finite() && self.high > self.low && self.high <= 100.0) {
            e.push(FieldError::new(
                "high",
                "A percentage above the low end, at most 100",
            ));
        }
        if !(1990..=2100).contains(&self.year) {
            e.push(FieldError::new("year", "The year of the source, e.g. 2026"));
        }
        if e.is_empty() {
            Ok(out)
        } else {
            Err(Error::Validation(e))
        }
    }
}

/// Adds (`id` none) or changes a benchmark row.
pub async fn save_benchmark(
    staff: &Staff,
    db: &DatabaseConnection,
    id: Option<Uuid>,
    input: &BenchmarkInput,
) -> Result<benchmark::Model> {
    staff.require(platform::staff::StaffPermission::System)?;
    let v = input.checked()?;
    let txn = begin_write(db).await?;
    let now = platform::db::now();
    let row = match id {
        Some(id) => {
            let mut row = benchmark::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(Error::NotFound)?
                .into_active_model();
            row.tier_label = Set(v.tier_label.clone());
            row.min_followers = Set(v.min_followers);
            row.max_followers = Set(v.max_followers);
            row.low = Set(v.low);
            row.high = Set(v.high);
            row.definition = Set(v.definition.clone());
            row.source = Set(v.source.clone());
            row.source_url = Set(v.source_url.clone());
            row.year = Set(v.year);
            row.updated_at = Set(now);
            row.updated_by = Set(Some(staff.id));
            row.update(&txn).await?
        }
        None => {
            benchmark::ActiveModel {
                id: Set(Uuid::now_v7()),
                tier_label: Set(v.tier_label.clone()),
                min_followers: Set(v.min_followers),
                max_followers: Set(v.max_followers),
                low: Set(v.low),
                high: Set(v.high),
                definition: Set(v.definition.clone()),
                source: Set(v.source.clone()),
                source_url: Set(v.source_url.clone()),
                year: Set(v.year),
                updated_at: Set(now),
                updated_by: Set(Some(staff.id)),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        staff
            .audit(if id.is_some() {
                "benchmark.updated"
            } else {
                "benchmark.added"
            })
            .target("benchmark", row.id.to_string())
            .detail(serde_json::json!({
                "tier": row.tier_label, "low": row.low, "high": row.high,
                "source": row.source, "year": row.year,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete_benchmark(staff: &Staff, db: &DatabaseConnection, id: Uuid) -> Result<()> {
    staff.require(platform::staff::StaffPermission::System)?;
    let txn = begin_write(db).await?;
    let row = benchmark::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    benchmark::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        staff
            .audit("benchmark.deleted")
            .target("benchmark", id.to_string())
            .detail(serde_json::json!({ "tier": row.tier_label, "source": row.source })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A restricted tag as staff type it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = RestrictedTagInput)]
pub struct TagInput {
    /// With or without `#`; stored in lower case.
    pub tag: String,
    /// `banned` or `restricted`.
    pub level: String,
    pub source: String,
    pub source_url: Option<String>,
    /// The day it was checked against the source (defaults to today).
    pub checked_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The tag as stored: lower case, no `#`, letters, digits and `_` only.
pub fn normalise_tag(raw: &str) -> Option<String> {
    let t = raw.trim().trim_start_matches(['#', '＃']).to_lowercase();
    (!t.is_empty()
        && t.chars().count() <= TAG_MAX
        && t.chars().all(|c| c.is_alphanumeric() || c == '_'))
    .then_some(t)
}

/// Adds a tag or changes the one of the same name.
pub async fn save_tag(
    staff: &Staff,
    db: &DatabaseConnection,
    input: &TagInput,
) -> Result<restricted_tag::Model> {
    staff.require(platform::staff::StaffPermission::System)?;
    let mut e = Vec::new();
    let tag = normalise_tag(&input.tag);
    if tag.is_none() {
        e.push(FieldError::new(
            "tag",
            "One hashtag: letters, digits and _ only",
        ));
    }
    if !matches!(input.level.as_str(), "banned" | "restricted") {
        e.push(FieldError::new("level", "Banned or restricted"));
    }
    let source = text("source", &input.source, SOURCE_MAX, true, &mut e);
    let source_url = url("source_url", input.source_url.as_deref(), &mut e);
    let note = input
        .note
        .as_deref()
        .map(|n| text("note", n, NOTE_MAX, false, &mut e))
        .filter(|n| !n.is_empty());
    let (Some(tag), true) = (tag, e.is_empty()) else {
        return Err(Error::Validation(e));
    };
    let txn = begin_write(db).await?;
    let now = platform::db::now();
    let existing = restricted_tag::Entity::find_by_id(tag.clone())
        .one(&txn)
        .await?;
    let row = restricted_tag::ActiveModel {
        tag: Set(tag.clone()),
        level: Set(input.level.clone()),
        source: Set(source),
        source_url: Set(source_url),
        checked_on: Set(input.checked_on.unwrap_or_else(|| now.date_naive())),
        note: Set(note),
        updated_at: Set(now),
        updated_by: Set(Some(staff.id)),
    };
    let row = if existing.is_some() {
        row.update(&txn).await?
    } else {
        row.insert(&txn).await?
    };
    audit::record(
        &txn,
        staff
            .audit(if existing.is_some() {
                "restricted_tag.updated"
            } else {
                "restricted_tag.added"
            })
            .target("restricted_tag", tag)
            .detail(serde_json::json!({ "level": row.level, "source": row.source })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete_tag(staff: &Staff, db: &DatabaseConnection, tag: &str) -> Result<()> {
    staff.require(platform::staff::StaffPermission::System)?;
    let tag = normalise_tag(tag).ok_or(Error::NotFound)?;
    let txn = begin_write(db).await?;
    let gone = restricted_tag::Entity::delete_by_id(tag.clone())
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &txn,
        staff
            .audit("restricted_tag.deleted")
            .target("restricted_tag", tag),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
