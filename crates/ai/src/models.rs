//! The models staff enabled, and their prices. A workspace may only use an enabled model; the
//! system's default model is listed (and enabled) at start-up so a fresh install works once the
//! connection is set. Prices are US dollars per million tokens, kept in millionths so that a
//! price such as $0.075 is exact; a model without a price shows its cost as "no price set",
//! never as free.

use platform::{
    AppState, Error, FieldError, Result,
    staff::{Staff, StaffPermission},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::ai_model;

/// Longest model name accepted (servers' names are short; Hugging Face paths are longer).
pub const MODEL_MAX: usize = 200;
/// Highest price accepted per million tokens, in millionths of a dollar ($1,000).
pub const PRICE_MAX_MICROS: i64 = 1_000_000_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AiModelPrice)]
pub struct ModelPrice {
    pub id: Uuid,
    pub model: String,
    pub label: String,
    pub enabled: bool,
    /// US dollars in millionths per million prompt tokens (0: no price set).
    pub input_micros_per_million: i64,
    pub output_micros_per_million: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ai_model::Model> for ModelPrice {
    fn from(m: ai_model::Model) -> Self {
        ModelPrice {
            id: m.id,
            model: m.model,
            label: m.label,
            enabled: m.enabled,
            input_micros_per_million: m.input_micros_per_million,
            output_micros_per_million: m.output_micros_per_million,
            updated_at: m.updated_at,
        }
    }
}

impl ModelPrice {
    pub fn has_price(&self) -> bool {
        self.input_micros_per_million > 0 || self.output_micros_per_million > 0
    }
}

/// Estimated cost of a call in millionths of a dollar.
pub fn cost_micros(prompt: i64, completion: i64, input_price: i64, output_price: i64) -> i64 {
    let total = prompt as i128 * input_price as i128 + completion as i128 * output_price as i128;
    // Rounded to the nearest millionth.
    ((total + 500_000) / 1_000_000).clamp(0, i64::MAX as i128) as i64
}

/// Lists the default model (enabled) when no row names it yet.
pub async fn ensure_default(conn: &impl ConnectionTrait, default_model: &str) -> Result<()> {
    let name = default_model.trim();
    if name.is_empty() || find(conn, name).await?.is_some() {
        return Ok(());
    }
    // Several processes (`serve` and `worker`s) may start at once on one database: the row
    // one of them inserted first stays, the others' inserts do nothing.
    ai_model::Entity::insert(new_row(name, name, true, 0, 0, None))
        .on_conflict(
            OnConflict::column(ai_model::Column::Model)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn new_row(
    model: &str,
    label: &str,
    enabled: bool,
    input: i64,
    output: i64,
    by: Option<Uuid>,
) -> ai_model::ActiveModel {
    ai_model::ActiveModel {
        id: Set(Uuid::now_v7()),
        model: Set(model.to_string()),
        label: Set(label.to_string()),
        enabled: Set(enabled),
        input_micros_per_million: Set(input),
        output_micros_per_million: Set(output),
        updated_by: Set(by),
        updated_at: Set(platform::db::now()),
    }
}

async fn insert(
    conn: &impl ConnectionTrait,
    model: &str,
    label: &str,
    enabled: bool,
    input: i64,
    output: i64,
    by: Option<Uuid>,
) -> Result<ai_model::Model> {
    Ok(new_row(model, label, enabled, input, output, by)
        .insert(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, model: &str) -> Result<Option<ai_model::Model>> {
    Ok(ai_model::Entity::find()
        .filter(ai_model::Column::Model.eq(model))
        .one(conn)
        .await?)
}

pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<ModelPrice>> {
    Ok(ai_model::Entity::find()
        .order_by_desc(ai_model::Column::Enabled)
        .order_by_asc(ai_model::Column::Model)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn enabled(conn: &impl ConnectionTrait) -> Result<Vec<ModelPrice>> {
    Ok(all(conn).await?.into_iter().filter(|m| m.enabled).collect())
}

/// The model if staff enabled it; a 422 on `field` otherwise.
pub async fn require_enabled(
    conn: &impl ConnectionTrait,
    model: &str,
    field: &str,
) -> Result<ai_model::Model> {
    match find(conn, model).await? {
        Some(m) if m.enabled => Ok(m),
        _ => Err(Error::Validation(vec![FieldError::new(
            field,
            "This model is not enabled on this server: choose one of the enabled models.",
        )])),
    }
}

/// What staff send to add or change a model.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = AiModelInput)]
pub struct ModelInput {
    pub model: String,
    #[serde(default)]
    pub label: String,
    pub enabled: bool,
    /// US dollars per million prompt tokens, as a decimal string or number ("0.15").
    pub input_per_million: String,
    pub output_per_million: String,
}

/// "0.15" → 150000 millionths; None when not a non-negative amount with ≤ 6 decimals.
pub fn parse_dollars(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('$');
    if s.is_empty() {
        return Some(0);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 6
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac_micros: i64 = format!("{frac:0<6}").parse().ok()?;
    whole.checked_mul(1_000_000)?.checked_add(frac_micros)
}

/// 150000 → "0.15" (dollars, trailing zeros dropped).
pub fn dollars(micros: i64) -> String {
    let whole = micros / 1_000_000;
    let frac = micros % 1_000_000;
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:06}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

fn validate(input: &ModelInput) -> Result<(String, String, i64, i64)> {
    let mut errors = Vec::new();
    let model = input.model.trim().to_string();
    if model.is_empty() || model.chars().count() > MODEL_MAX || model.chars().any(char::is_control)
    {
        errors.push(FieldError::new(
            "model",
            "Enter the model's name as the server knows it (at most 200 characters).",
        ));
    }
    let label = match input.label.trim() {
        "" => model.clone(),
        l => l.to_string(),
    };
    if label.chars().count() > MODEL_MAX {
        errors.push(FieldError::new("label", "At most 200 characters."));
    }
    let mut price = |field: &str, s: &str| match parse_dollars(s) {
        Some(v) if v <= PRICE_MAX_MICROS => v,
        _ => {
            errors.push(FieldError::new(
                field,
                "Enter dollars per million tokens, e.g. 0.15 (at most 1000, six decimals).",
            ));
            0
        }
    };
    let input_price = price("input_per_million", &input.input_per_million);
    let output_price = price("output_per_million", &input.output_per_million);
    if errors.is_empty() {
        Ok((model, label, input_price, output_price))
    } else {
        Err(Error::Validation(errors))
    }
}

/// Adds a model, or changes the one of that name.
pub async fn save(state: &AppState, staff: &Staff, input: &ModelInput) -> Result<ModelPrice> {
    staff.require(StaffPermission::System)?;
    let (model, label, input_price, output_price) = validate(input)?;
    let saved = match find(&state.db, &model).await? {
        Some(row) => {
            let mut active: ai_model::ActiveModel = row.into();
            active.label = Set(label);
            active.enabled = Set(input.enabled);
            active.input_micros_per_million = Set(input_price);
            active.output_micros_per_million = Set(output_price);
            active.updated_by = Set(Some(staff.id));
            active.updated_at = Set(platform::db::now());
            active.update(&state.db).await?
        }
        None => {
            insert(
                &state.db,
                &model,
                &label,
                input.enabled,
                input_price,
                output_price,
                Some(staff.id),
            )
            .await?
        }
    };
    platform::audit::record(
        &state.db,
        staff
            .audit("ai.model_saved")
            .target("ai_model", saved.id)
            .detail(serde_json::json!({
                "model": saved.model,
                "enabled": saved.enabled,
                "input_micros_per_million": saved.input_micros_per_million,
                "output_micros_per_million": saved.output_micros_per_million,
            })),
    )
    .await?;
    Ok(saved.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_round_trip_exactly() {
        assert_eq!(parse_dollars("0.15"), Some(150_000));
        assert_eq!(parse_dollars("$2.5"), Some(2_500_000));
        assert_eq!(parse_dollars("0.000075"), Some(75));
        assert_eq!(parse_dollars(""), Some(0));
        assert_eq!(parse_dollars("1.0000001"), None);
        assert_eq!(parse_dollars("-1"), None);
        assert_eq!(parse_dollars("abc"), None);
        assert_eq!(dollars(150_000), "0.15");
        assert_eq!(dollars(2_000_000), "2");
        assert_eq!(dollars(75), "0.000075");
    }

    #[test]
    fn cost_is_tokens_times_price_per_million() {
        // 1,000 prompt tokens at $0.15/M and 500 completion tokens at $0.60/M = $0.00045.
        assert_eq!(cost_micros(1000, 500, 150_000, 600_000), 450);
        assert_eq!(cost_micros(0, 0, 150_000, 600_000), 0);
    }
}
