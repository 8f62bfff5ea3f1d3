//! System settings (super admin): one form in groups, and a "test connection" button per
//! integration (htmx swaps a small outcome in place; without JavaScript the same POST redirects
//! back with a flash). Secret inputs are always empty: the page shows the masked current value
//! and where it comes from, a new value replaces it, the checkbox clears it.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Error, Result,
    http::{extract::Form, meta},
    settings::{SettingSource, SystemSetting, integration::SetupStep},
    web::{
        forms::{FormErrors, fmt_time, html, html_with, redirect_flash},
        shell::{FlashKind, Shell},
    },
};

use super::chrome::{Chrome, frame};
use crate::service::settings::{self as service, Change, SettingView, TestOutcome};
use platform::staff::{Staff, StaffPage, StaffPermission};

const PAGE: &str = "/admin/settings";
/// Form field of a secret's "clear" checkbox: `clear_<key>`.
const CLEAR_PREFIX: &str = "clear_";

/// One input of the form.
pub struct FieldRow {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub secret: bool,
    /// `text`, `email` or `url`.
    pub input_type: &'static str,
    /// The input's value: the effective value, or what was typed before an error. Always
    /// empty for secrets.
    pub input: String,
    /// A secret's masked current value.
    pub current: Option<String>,
    /// Where the value comes from, in words.
    pub source: String,
    pub saved: bool,
    /// What clearing a saved value brings back, in words.
    pub fallback: String,
    pub error: String,
    pub clear_checked: bool,
    /// The longest value accepted (the input's `maxlength`).
    pub max_len: usize,
}

pub struct TestButton {
    pub id: &'static str,
    pub label: &'static str,
}

pub struct GroupBlock {
    pub id: &'static str,
    pub label: &'static str,
    /// How to set the integration up, step by step.
    pub setup: Vec<SetupStep>,
    pub fields: Vec<FieldRow>,
    pub tests: Vec<TestButton>,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    shell: Shell,
    chrome: Option<Chrome>,
    groups: Vec<GroupBlock>,
    errors: FormErrors,
}

/// What a failed save typed (no `Debug`: it holds the secrets typed).
#[derive(Default)]
struct Submitted {
    values: HashMap<String, String>,
    clear: HashSet<String>,
}

impl Submitted {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut submitted = Submitted::default();
        for (name, value) in fields {
            match name.strip_prefix(CLEAR_PREFIX) {
                Some(key) if !value.is_empty() => {
                    submitted.clear.insert(key.to_string());
                }
                Some(_) => {}
                None => {
                    submitted.values.insert(name, value);
                }
            }
        }
        submitted
    }

    /// The form's meaning: a secret left empty keeps its value, a ticked box clears it; an
    /// ordinary setting emptied goes back to the configuration.
    fn changes(
        &self,
        declared: &[&'static SystemSetting],
    ) -> std::collections::BTreeMap<String, Change> {
        let mut changes = std::collections::BTreeMap::new();
        for setting in declared {
            let typed = self.values.get(setting.key).map(|v| v.trim());
            let change = if setting.secret {
                if self.clear.contains(setting.key) {
                    Some(Change::Clear)
                } else {
                    typed
                        .filter(|v| !v.is_empty())
                        .map(|v| Change::Set(v.to_string()))
                }
            } else {
                typed.map(|v| {
                    if v.is_empty() {
                        Change::Clear
                    } else {
                        Change::Set(v.to_string())
                    }
                })
            };
            if let Some(change) = change {
                changes.insert(setting.key.to_string(), change);
            }
        }
        changes
    }
}

fn source_words(view: &SettingView) -> String {
    match (view.source, &view.updated_at, &view.value) {
        (SettingSource::Saved, Some(at), _) => format!("saved here {}", fmt_time(at)),
        (SettingSource::Saved, None, _) => "saved here".into(),
        (SettingSource::Config, _, Some(_)) => "from the configuration".into(),
        (SettingSource::Config, _, None) => "not set".into(),
    }
}

fn field_row(view: SettingView, typed: Option<&Submitted>, errors: &FormErrors) -> FieldRow {
    let setting = view.setting;
    let saved = view.source == SettingSource::Saved;
    let fallback = match &view.config_value {
        Some(v) if setting.secret => format!("the configured value {v}"),
        Some(v) => format!("the configured value “{v}”"),
        None => "unset".into(),
    };
    let input = if setting.secret {
        String::new()
    } else {
        typed
            .and_then(|t| t.values.get(setting.key).cloned())
            .unwrap_or_else(|| view.value.clone().unwrap_or_default())
    };
    FieldRow {
        key: setting.key,
        label: setting.label,
        hint: setting.hint,
        secret: setting.secret,
        input_type: match setting.key {
            platform::settings::SUPPORT_EMAIL => "email",
            platform::settings::OPENAI_BASE_URL => "url",
            _ => "text",
        },
        input,
        current: if setting.secret {
            view.value.clone()
        } else {
            None
        },
        source: source_words(&view),
        saved,
        fallback,
        error: errors.field(setting.key).to_string(),
        clear_checked: typed.is_some_and(|t| t.clear.contains(setting.key)),
        max_len: setting.max_len(),
    }
}

fn groups(
    state: &AppState,
    views: Vec<SettingView>,
    typed: Option<&Submitted>,
    errors: &FormErrors,
) -> Vec<GroupBlock> {
    let integrations = state.settings.integrations();
    let mut blocks: Vec<GroupBlock> = state
        .settings
        .groups()
        .into_iter()
        .map(|g| {
            let own = || integrations.iter().filter(move |i| i.group == g);
            GroupBlock {
                id: g.as_str(),
                label: g.label(),
                setup: own().flat_map(|i| (i.setup)(state)).collect(),
                fields: Vec::new(),
                tests: own()
                    .map(|i| TestButton {
                        id: i.id,
                        label: i.label,
                    })
                    .collect(),
            }
        })
        .collect();
    for view in views {
        let group = view.setting.group;
        if let Some(block) = blocks.iter_mut().find(|b| b.id == group.as_str()) {
            block.fields.push(field_row(view, typed, errors));
        }
    }
    blocks
}

async fn render(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    typed: Option<&Submitted>,
    errors: FormErrors,
) -> Result<Response> {
    let views = service::read(staff, state).await?;
    let (jar, shell, chrome) = frame(state, staff, "System settings", PAGE, jar).await?;
    let answer = errors.answer;
    let page = SettingsPage {
        shell,
        chrome,
        groups: groups(state, views, typed, &errors),
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    render(&state, &staff, jar, None, FormErrors::default()).await
}

pub async fn save(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let submitted = Submitted::from_fields(fields);
    match service::update(&staff, &state, submitted.changes(state.settings.declared())).await {
        Ok(updated) if updated.changed.is_empty() => Ok(redirect_flash(
            jar,
            FlashKind::Info,
            "Nothing changed.",
            PAGE,
        )),
        Ok(updated) => {
            let labels = |keys: &[&str]| {
                keys.iter()
                    .filter_map(|k| state.settings.setting(k).map(|s| s.label))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut message = format!(
                "Saved: {}. It applies now, and on every other node within seconds.",
                labels(&updated.changed)
            );
            if !updated.credentials_cleared.is_empty() {
                message.push_str(&format!(
                    " The base URL changed, so the saved {} was cleared: enter it again for the new URL.",
                    labels(&updated.credentials_cleared)
                ));
            }
            Ok(redirect_flash(jar, FlashKind::Success, message, PAGE))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &staff, jar, Some(&submitted), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/_settings_outcome.html")]
struct OutcomePartial {
    outcome: TestOutcome,
    verdict: &'static str,
}

pub async fn test(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(name): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let integration = state.settings.integration(&name).ok_or(Error::NotFound)?;
    let outcome = service::test_connection(&staff, &state, &integration).await?;
    if meta::current().is_htmx {
        let verdict = match (outcome.configured, outcome.ok) {
            (false, _) => "Not configured",
            (true, true) => "Connected",
            (true, false) => "Failed",
        };
        return Ok(html(jar, &OutcomePartial { outcome, verdict }));
    }
    let kind = match (outcome.configured, outcome.ok) {
        (false, _) => FlashKind::Warning,
        (true, true) => FlashKind::Success,
        (true, false) => FlashKind::Error,
    };
    Ok(redirect_flash(
        jar,
        kind,
        outcome.summary(),
        &format!("{PAGE}#group-{}", integration.group.as_str()),
    ))
}
