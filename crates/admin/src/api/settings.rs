//! Admin API over the system settings (super admin): read (secrets masked), change, and test
//! an integration's connection. The same service fns as the back-office page.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, Utc};
use platform::http::extract::Path;
use platform::{
    AppState, Error, Result,
    error::Problem,
    http::extract::Json,
    settings::{SettingGroup, SettingSource},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::settings::{self, Change, SettingView, TestOutcome};
use platform::staff::{Staff, StaffPermission};

#[derive(Serialize, ToSchema)]
pub struct SettingOut {
    pub key: String,
    pub label: String,
    pub group: SettingGroup,
    /// Stored encrypted; `value` is then masked (`••••` and the last four characters).
    pub secret: bool,
    /// The effective value (masked for secrets); absent when unset.
    pub value: Option<String>,
    /// `saved` (set here, overrides the configuration) or `config`.
    pub source: SettingSource,
    /// When the saved value was written; absent for configuration values.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SettingView> for SettingOut {
    fn from(v: SettingView) -> Self {
        Self {
            key: v.setting.key.into(),
            label: v.setting.label.into(),
            group: v.setting.group,
            secret: v.setting.secret,
            value: v.value,
            source: v.source,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SettingsOut {
    pub items: Vec<SettingOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// Setting key → new value; `null` (or an empty string) removes the saved value so the
    /// configuration applies again. Keys left out keep their value.
    #[schema(value_type = BTreeMap<String, Option<String>>)]
    pub values: BTreeMap<String, Option<String>>,
}

async fn items(state: &AppState, staff: &Staff) -> Result<Json<SettingsOut>> {
    let views = settings::read(staff, state).await?;
    Ok(Json(SettingsOut {
        items: views.into_iter().map(Into::into).collect(),
    }))
}

/// The system settings with their effective values; secrets are masked, never returned.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SettingsOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<SettingsOut>> {
    items(&state, &staff).await
}

/// Change system settings (all or nothing); they apply without a restart. Invalid values are
/// answered 422 with one error per field (the key).
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "admin", security(("bearer" = [])), request_body = SettingsUpdate,
    responses((status = 200, body = SettingsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<SettingsUpdate>,
) -> Result<Json<SettingsOut>> {
    let changes = req
        .values
        .into_iter()
        .map(|(key, value)| {
            let change = match value {
                Some(v) if !v.trim().is_empty() => Change::Set(v),
                _ => Change::Clear,
            };
            (key, change)
        })
        .collect();
    settings::update(&staff, &state, changes).await?;
    items(&state, &staff).await
}

/// Try an integration with the settings in effect (one harmless call, 10 s at most).
#[utoipa::path(post, path = "/api/v1/admin/settings/test/{integration}", tag = "admin", security(("bearer" = [])),
    params(("integration" = String, Path, description = "The integration's id: openai, smtp and resend, and those of the mounted features (stripe, meta, apify, manychat)")),
    responses((status = 200, body = TestOutcome), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn test_integration(
    State(state): State<AppState>,
    staff: Staff,
    Path(integration): Path<String>,
) -> Result<Json<TestOutcome>> {
    // The role first: an unknown name answers 404 only to those who may test.
    staff.require(StaffPermission::System)?;
    let integration = state
        .settings
        .integration(&integration)
        .ok_or(Error::NotFound)?;
    Ok(Json(
        settings::test_connection(&staff, &state, &integration).await?,
    ))
}
